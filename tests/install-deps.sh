#!/bin/sh
# tests/install-deps.sh PKG...: install the Debian packages that are missing.
# A name with :ARCH (libinih-dev:arm64) adds that architecture to dpkg
# first (multiarch). As root this runs apt-get; otherwise it prints the
# command to run and fails. An index that fails to download (a mirror in
# the middle of a sync) does not stop the install: apt-get install says so
# itself when a package really cannot be had.
# With foreign architectures added, a Multi-Arch: same package must be
# asked for with the native architecture named.
native=$(dpkg --print-architecture)
missing=
for p in "$@"; do
	dpkg -s "$p" >/dev/null 2>&1 || dpkg -s "$p:$native" >/dev/null 2>&1 ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing packages; run as root: apt-get install -y$missing" >&2
	exit 1
fi
for p in $missing; do
	case $p in
	*:*)	a=${p#*:}
		dpkg --print-foreign-architectures | grep -qx "$a" ||
		    dpkg --add-architecture "$a" ;;
	esac
done
apt-get update -q || echo "install-deps: apt-get update reported errors; trying the install anyway" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
