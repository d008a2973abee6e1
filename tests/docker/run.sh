#!/usr/bin/env bash
# tests/docker/run.sh [PATTERN]: pm under a real Docker engine (issue 12).
# Starts a containerd and a dockerd of its own (sockets, data and state
# under build/docker/, no bridge, no iptables), builds the images the tests
# share without any registry, runs every tests/docker/t_*.sh (or those
# matching PATTERN), stops both daemons by PID and ends with
# "N passed, N failed". No other dockerd or containerd is touched.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/docker/env.sh
t_start=$SECONDS

[ "$(id -u)" = 0 ] || { echo "FAIL - the Docker tests need root (dockerd)"; exit 1; }
for b in "$DOCKER" /usr/sbin/dockerd /usr/bin/containerd /usr/sbin/runc \
    /bin/busybox /usr/sbin/debootstrap /usr/bin/docker-init; do
	[ -x "$b" ] || { echo "FAIL - $b missing: make test-docker installs it"; exit 1; }
done
mkdir -p "$DROOT"

# stop_pid NAME PIDFILE: TERM, up to 30 s, then KILL; only a process whose
# command line names our state directory (so never another daemon).
stop_pid() {
	local pid i
	pid=$(cat "$2" 2>/dev/null) || return 0
	[ -n "$pid" ] && tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null |
	    grep -qF "$DROOT" || { rm -f "$2"; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { echo "# $1 ignored SIGTERM; SIGKILL"; kill -KILL "$pid"; }
	rm -f "$2"
}
# What a daemon that was killed left mounted under our directory (the data
# root's private bind mount, a container's overlay), deepest first.
umount_ours() {
	awk -v d="$DROOT/" 'index($2, d) == 1 { print $2 }' /proc/mounts |
	    sort -r | while read -r m; do umount "$m" || umount -l "$m"; done
}
stop_daemons() {
	stop_pid dockerd "$DROOT/dockerd.pid"
	stop_pid containerd "$DROOT/containerd.pid"
	umount_ours
	# The containers' cgroup parent, once empty.
	rmdir /sys/fs/cgroup/pmtest-docker /sys/fs/cgroup/*/pmtest-docker 2>/dev/null
	return 0
}
# A previous run that was killed may have left its daemons behind.
stop_daemons
trap stop_daemons EXIT

# containerd with a config of its own: the machine's
# /etc/containerd/config.toml and socket are never used.
cat >"$DROOT/containerd.toml" <<TOML
version = 2
root = "$DROOT/containerd"
state = "$DROOT/run/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$DROOT/run/containerd.sock"
TOML
mkdir -p "$DROOT/run"
/usr/bin/containerd --config "$DROOT/containerd.toml" >"$DROOT/containerd.log" 2>&1 &
echo $! >"$DROOT/containerd.pid"
for i in $(seq 100); do [ -S "$DROOT/run/containerd.sock" ] && break; sleep 0.1; done
# Containers run with --network none: no bridge, no iptables rules.
/usr/sbin/dockerd --host "$DOCKER_HOST" --data-root "$DROOT/data" \
    --exec-root "$DROOT/run/docker" --pidfile "$DROOT/run/dockerd.pidfile" \
    --containerd "$DROOT/run/containerd.sock" \
    --containerd-namespace pmtest --containerd-plugins-namespace pmtest-plugins \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent /pmtest-docker \
    >"$DROOT/dockerd.log" 2>&1 &
echo $! >"$DROOT/dockerd.pid"
ready=
for i in $(seq 300); do
	"$DOCKER" info >/dev/null 2>&1 && { ready=1; break; }
	kill -0 "$(cat "$DROOT/dockerd.pid")" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$ready" ]; then
	echo "FAIL - dockerd did not start; the end of $DROOT/dockerd.log:"
	tail -20 "$DROOT/dockerd.log" | sed 's/^/# /'
	echo "0 passed, 1 failed"
	exit 1
fi
echo "# dockerd up after $((SECONDS - t_start))s"

# The shared images. The build context is what Dockerfile.scratch's
# comment describes: pm stripped, Debian's static busybox, the config.
rm -rf "$CTX"; mkdir -p "$CTX/init-examples"
strip -o "$CTX/pm" "${PM:-pm}" && cp /bin/busybox "$CTX/" &&
    cp init-examples/container.ini "$CTX/init-examples/" || exit 1
# pmt-base: the scratch example; tests give it their own config.
timeout 300 "$DOCKER" build -q -f init-examples/Dockerfile.scratch -t pmt-base "$CTX" >/dev/null ||
    { echo "FAIL - building pmt-base from init-examples/Dockerfile.scratch"; exit 1; }
# The Debian root: debootstrap once, the directory kept (rootfs.done marks
# a whole one); imported, as the README does it, when the data root does
# not hold the image.
if ! "$DOCKER" image inspect "$DEBIAN_IMG" >/dev/null 2>&1; then
	if [ ! -e "$DROOT/rootfs.done" ]; then
		rm -rf "$DROOT/rootfs"
		debootstrap --variant=minbase bookworm "$DROOT/rootfs" \
		    "$DEBIAN_MIRROR" >"$DROOT/debootstrap.log" 2>&1 ||
		    { echo "FAIL - debootstrap (see $DROOT/debootstrap.log)"; exit 1; }
		# What a container never reads: documentation, apt's cache.
		rm -rf "$DROOT"/rootfs/usr/share/{doc,man,info,locale} \
		    "$DROOT"/rootfs/var/cache/apt/* "$DROOT"/rootfs/var/lib/apt/lists/*
		touch "$DROOT/rootfs.done"
	fi
	tar -C "$DROOT/rootfs" -c . | timeout 300 "$DOCKER" import - "$DEBIAN_IMG" >/dev/null ||
	    { echo "FAIL - docker import of the Debian root"; exit 1; }
fi
echo "# images ready after $((SECONDS - t_start))s"

pass=0 failn=0
out=$(mktemp)
pat=${1:-}
for t in tests/docker/t_*.sh; do
	[ -n "$pat" ] && [[ $t != *$pat* ]] && continue
	start=$SECONDS
	timeout -k 5 240 bash "$t" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok - ' "$out"); f=$(grep -c '^FAIL - ' "$out")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1; echo "FAIL - $t exited $rc$([ $rc -eq 124 ] && echo ' (timeout)')" >>"$out"
	fi
	pass=$((pass + p)); failn=$((failn + f))
	printf '%-32s %3d ok %3d failed  %ds\n' "$t" "$p" "$f" $((SECONDS - start))
	grep -E '^FAIL - |^# ' "$out" | sed 's/^/    /'
done
rm -f "$out"
# Whatever a test left behind is reported, then removed.
left=$("$DOCKER" ps -aq --filter name=pmt-)
if [ -n "$left" ]; then
	echo "FAIL - containers left behind: $("$DOCKER" ps -a --format '{{.Names}}' --filter name=pmt-)"
	failn=$((failn + 1))
	"$DOCKER" rm -f $left >/dev/null
fi
left=$("$DOCKER" images --format '{{.Repository}}' | grep -E '^(pmt-t-|pm-example-)')
if [ -n "$left" ]; then
	echo "FAIL - images left behind:" $left
	failn=$((failn + 1))
	"$DOCKER" rmi -f $left >/dev/null
fi
echo "# took $((SECONDS - t_start))s"
echo "$pass passed, $failn failed"
[ $failn -eq 0 ]
