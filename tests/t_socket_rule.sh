#!/usr/bin/env bash
# The control socket's default rule (issues 11 and 12) in every container
# shape: a scratch image (no /run, no /tmp), a read-only root with and
# without /run and /tmp, a non-root server, a user the server does not
# trust, and another user squatting the fallback places first. Each case
# runs pm and its client chrooted into a "scratch image" (a tmpfs holding
# only the static pm, a static busybox and the config), in fresh PID,
# mount and network namespaces: the abstract names are per network
# namespace, so nothing here meets another test's or the machine's pm.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v chroot >/dev/null ||
    ! unshare --pid --fork --mount --net true 2>/dev/null; then
	echo "skip - needs root, chroot and unshare --pid --mount --net"; finish
fi
BB=$(command -v busybox)
mkdir "$T/bb" && [ -n "$BB" ] && cp "$BB" "$T/bb/busybox" && cp "$PM" "$T/bb/pm"
if ! chroot "$T/bb" /busybox true 2>/dev/null ||
    ! chroot "$T/bb" /pm help >/dev/null 2>&1; then
	echo "skip - the scratch image needs a static busybox and a static pm"
	finish
fi

cat >"$T/inner.sh" <<'INNER'
set -u
BB=$1 OUT=$2
. "$3/tests/lib.sh"
unset PM_SOCKET XDG_RUNTIME_DIR
R=$OUT/root
mkdir -p "$R"

# image [run] [tmp]: a fresh scratch image, with /run or /tmp when asked
# (mode 1777 for /tmp, 0755 for /run).
image() {
	umount -R "$R" 2>/dev/null
	mount -t tmpfs -o mode=755 tmpfs "$R" || exit 1
	cp "$PM" "$R/pm" && cp "$BB" "$R/busybox"
	mkdir "$R/proc" "$R/dev" "$R/etc"
	mount -t proc proc "$R/proc"
	mount --rbind /dev "$R/dev"
	printf '[process:svc]\ncommand = /busybox sleep 1000\n' >"$R/etc/pm.ini"
	printf '[process:forged]\ncommand = /busybox sleep 1000\n' >"$R/etc/sq.ini"
	chmod 644 "$R/etc/pm.ini" "$R/etc/sq.ini"
	for d in "$@"; do
		mkdir "$R/$d"
		[ "$d" = tmp ] && chmod 1777 "$R/tmp"
	done
	return 0
}
readonly_root() { mount -o remount,ro "$R"; }
# as UID CMD...: run in the image as UID (0 is root).
as() { local u=$1; shift; chroot --userspec="$u:$u" "$R" "$@"; }
# server UID: pm -d in the image as UID; its log in $T/server.log.
server() {
	chroot --userspec="$1:$1" "$R" /pm -d -c /etc/pm.ini >/dev/null \
	    2>"$T/server.log" &
	SRV=$!; track "$SRV"
}
# squat NAME: a pm of uid 4242 listening on NAME, with a process "forged".
squat() {
	chroot --userspec=4242:4242 "$R" /pm -d -c /etc/sq.ini -S "$1" \
	    >/dev/null 2>>"$T/squat.log" &
	SQ=$!; track "$SQ"
}
up() { as "$1" /pm status svc >/dev/null 2>&1; }
stop() { kill -TERM "$SRV"; wait_until 10 dead "$SRV"; wait "$SRV" 2>/dev/null; }

# 1. Scratch image, root: /run is created and holds the socket.
image
server 0
check "scratch image: the root client reaches the server" wait_until 5 up 0
check "scratch image: /run was created for the socket" test -S "$R/run/pm.sock"
out=$(as 0 /pm ping 2>&1); rc=$?
expect_eq "scratch image: pm ping exits 0" "$rc" 0
out=$(as 65534 /pm status 2>&1); rc=$?
expect_eq "scratch image: an untrusted user is refused (exit 1)" "$rc" 1
expect_match "... and told why, at the socket the server uses" "$out" \
    "/run/pm.sock: Permission denied \(the socket belongs to uid 0"
stop

# 2. Read-only root with no /run and no /tmp, root: the abstract @pm.
image; readonly_root
server 0
check "read-only scratch: the root client reaches the server" wait_until 5 up 0
check "read-only scratch: the server says it uses @pm" log_has "control socket @pm$"
out=$(as 65534 /pm status 2>&1); rc=$?
expect_eq "read-only scratch: an untrusted user is refused (exit 1)" "$rc" 1
expect_match "... by the server, which says why" "$out" \
    "permission denied: uid 65534 is not root, pm's user \(uid 0\)"
stop

# 3. Read-only root where /run and /tmp exist: root falls back to @pm too.
image run tmp; readonly_root
server 0
check "read-only /run and /tmp: the root client reaches the server" wait_until 5 up 0
check "read-only /run and /tmp: the server uses @pm" log_has "control socket @pm$"
stop

# 4. Read-only root, non-root server (docker run --read-only --user).
image; readonly_root
server 65534
check "read-only, --user 65534: its own user reaches it" wait_until 5 up 65534
out=$(as 0 /pm status 2>&1); rc=$?
expect_eq "read-only, --user 65534: root refuses that server (exit 1)" "$rc" 1
expect_match "... naming the socket and the uid found" "$out" \
    "refusing the server at @pm: it runs as uid 65534"
stop

# 5. Writable /tmp, non-root: a private 0700 directory, not a bare file.
image tmp
server 65534
check "/tmp writable, --user 65534: reached" wait_until 5 up 65534
check "... through /tmp/pm-65534/pm.sock" test -S "$R/tmp/pm-65534/pm.sock"
expect_eq "... in a directory of mode 0700 owned by 65534" \
    "$(stat -c %a:%u "$R/tmp/pm-65534")" 700:65534
stop

# 6. Squatting: another user made /tmp/pm-65534 first and runs a pm of
# its own there, with a process named "forged". The real server starts
# anyway, elsewhere; its client refuses the squatter and finds the server.
image tmp
as 4242 /busybox mkdir -m 777 /tmp/pm-65534
squat /tmp/pm-65534/pm.sock
SQ1=$SQ
check "the squatter listens first" wait_until 5 test -S "$R/tmp/pm-65534/pm.sock"
chmod 666 "$R/tmp/pm-65534/pm.sock"	# as a squatter would, to be reached
out=$(as 65534 /pm ping 2>&1); rc=$?
expect_eq "with only the squatter there, pm ping fails (exit 1)" "$rc" 1
expect_match "... and names the socket and the squatter's uid" "$out" \
    "refusing the server at /tmp/pm-65534/pm.sock: it runs as uid 4242"
server 65534
check "the real server starts anyway" wait_until 5 up 65534
check "... having refused the squatted directory" log_has "/tmp/pm-65534 belongs to uid 4242"
out=$(as 65534 /pm status 2>&1)
expect_match "the client shows the real table" "$out" "^svc +running"
check "... not the squatter's" sh -c "! printf '%s' \"\$1\" | grep -q forged" _ "$out"
expect_match "... and warns about the squatter" "$out" "warning: refusing the server at /tmp/pm-65534/pm.sock"
stop
# The squatter takes @pm as well: the server moves on to @pm-65534.
squat @pm
check "a second squatter listens on @pm" wait_until 5 sh -c 'grep -q " @pm$" /proc/net/unix'
server 65534
check "with @pm squatted the real server still starts" wait_until 5 up 65534
check "... on @pm-65534" log_has "control socket @pm-65534$"
stop
kill "$SQ1" "$SQ"

# 7. docker run --tmpfs /run: a sticky, world-writable /run where another
# user squats /run/pm.sock first. Root's server does not use it.
image run tmp; chmod 1777 "$R/run"
squat /run/pm.sock
check "a squatter listens on /run/pm.sock" wait_until 5 test -S "$R/run/pm.sock"
server 0
check "root's server starts anyway" wait_until 5 up 0
check "... refusing the squatted path" log_has "/run/pm.sock: held by uid 4242"
out=$(as 0 /pm status 2>&1)
expect_match "root's client shows the real table" "$out" "^svc +running"
stop
kill "$SQ"
wait_until 10 dead "$SQ"

# 8. An explicit socket: root's client believes the owner of the socket's
# directory (a service user's pm), not someone else in a shared /tmp.
image tmp
as 0 /busybox mkdir -m 755 /srv && chown 4242 "$R/srv"
squat /srv/pm.sock
check "uid 4242 serves /srv/pm.sock, its own directory" wait_until 5 test -S "$R/srv/pm.sock"
out=$(as 0 /pm -S /srv/pm.sock status 2>&1)
expect_match "root's client believes the directory's owner" "$out" "^forged +running"
kill "$SQ"
squat /tmp/x.sock
check "uid 4242 serves /tmp/x.sock" wait_until 5 test -S "$R/tmp/x.sock"
out=$(as 0 /pm -S /tmp/x.sock status 2>&1); rc=$?
expect_eq "root's client refuses it in root's /tmp (exit 1)" "$rc" 1
expect_match "... naming the socket and the uid" "$out" \
    "refusing the server at /tmp/x.sock: it runs as uid 4242"
kill "$SQ"
wait_until 10 dead "$SQ"
umount -R "$R"
finish
INNER
out=$(PM=$PM timeout 100 unshare --pid --fork --mount-proc \
    --mount --net bash -c 'mount --make-rprivate / && exec bash "$0" "$@"' \
    "$T/inner.sh" "$BB" "$T" "$ROOT" 2>&1)
echo "$out" | grep -E '^(ok|FAIL|skip) - '
n=$(echo "$out" | grep -c '^FAIL - ')
[ "$n" -gt 0 ] && echo "$out" | grep -vE '^(ok|FAIL|skip) - ' | sed 's/^/# /' | tail -20
[ "$n" -eq 0 ] && ! echo "$out" | grep -q '^ok - ' && fail "the namespaced cases did not run: $out"
FAILS=$((FAILS + n))
finish
