#!/usr/bin/env bash
# pm ping and the exit of `pm status` with no ID (issue 12): a scheduled
# oneshot waiting for its next run, a never-started `autostart = no`
# process and one an operator stopped are fine; backoff and fatal are
# not, and ping names them with their state and why. -q prints nothing.
. "$(dirname "$0")/lib.sh"

cat >"$T/good.ini" <<INI
[process:svc]
command = sleep 1000
[process:idle]
command = sleep 1001
autostart = no
[process:halted]
command = sleep 1002
[process:job]
type = oneshot
command = true
schedule = @every 1h
[process:once]
type = oneshot
command = true
INI
start_server "$T/good.ini" || finish
check "svc running" wait_until 5 state_is svc running
check "once exited" wait_until 5 state_is once exited
pmc stop halted >/dev/null
check "halted stopped by the operator" wait_until 5 state_is halted stopped
expect_eq "the scheduled job waits, stopped" "$(state_of job)" stopped
out=$(pmc ping); rc=$?
expect_eq "ping: waiting job, never-started idle, stopped halted -> 0" "$rc" 0
expect_eq "ping prints one summary line" "$out" "ok: 5 processes fine"
pmc status >/dev/null; expect_eq "status with no ID exits 0 as well" $? 0
pmc status idle >/dev/null; expect_eq "status of a named stopped process exits 3" $? 3
out=$(pmc ping -q); rc=$?
expect_eq "ping -q exits 0" "$rc" 0
expect_eq "ping -q prints nothing" "$out" ""
stop_server

cat >"$T/bad.ini" <<INI
[process:svc]
command = sleep 1000
[process:crash]
command = sh -c 'exit 7'
restart_delay = 30s
[process:gaveup]
command = sh -c 'exit 9'
restart_delay = 10ms
start_limit = 1
INI
start_server "$T/bad.ini" || finish
check "crash is in backoff" wait_until 5 state_is crash backoff
check "gaveup is fatal" wait_until 5 state_is gaveup fatal
out=$(pmc ping); rc=$?
expect_eq "ping with backoff and fatal exits 3" "$rc" 3
expect_match "ping names the process in backoff, its state and why" "$out" \
    "^crash backoff: exited with status 7; restart [0-9]+ is waiting$"
expect_match "ping names the fatal one" "$out" \
    "^gaveup fatal: gave up after failed starts \(last status 9\)$"
check "ping says nothing of the running one" sh -c "! printf '%s' \"\$1\" | grep -q svc" _ "$out"
out=$(pmc ping -q); rc=$?
expect_eq "ping -q exits 3 too" "$rc" 3
expect_eq "... and prints nothing" "$out" ""
pmc ping svc >/dev/null; expect_eq "ping of the running one alone exits 0" $? 0
pmc status >/dev/null; expect_eq "status with no ID exits 3" $? 3
check "help ping says what fine is" sh -c "'$PM' help ping | grep -q 'scheduled oneshot running or waiting for its next run'"
stop_server

# init-examples/container.ini as shipped, in a scratch image holding a
# static busybox: healthy, though its scheduled cleanup waits 10 minutes.
BB=$(command -v busybox)
mkdir "$T/bb" && [ -n "$BB" ] && cp "$BB" "$T/bb/busybox" && cp "$PM" "$T/bb/pm"
if [ "$(id -u)" != 0 ] || ! chroot "$T/bb" /busybox true 2>/dev/null ||
    ! chroot "$T/bb" /pm help >/dev/null 2>&1 ||
    ! unshare --pid --fork --mount --net true 2>/dev/null; then
	echo "skip - container.ini needs root, unshare, a static busybox and a static pm"
	finish
fi
cat >"$T/inner.sh" <<'INNER'
set -u
R=$1/root
mkdir -p "$R" && mount -t tmpfs -o mode=755 tmpfs "$R" || exit 1
mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/proc" "$R/dev"
cp "$2" "$R/bin/busybox" && cp "$3" "$R/bin/pm"
chroot "$R" /bin/busybox --install -s /bin
cp "$4" "$R/etc/pm.ini"
mount -t proc proc "$R/proc" && mount --rbind /dev "$R/dev"
env -u PM_SOCKET PATH=/bin "$(command -v chroot)" "$R" /bin/pm -d -c /etc/pm.ini 2>"$1/ct.log" &
i=0
until env -u PM_SOCKET chroot "$R" /bin/pm status web 2>/dev/null | grep -q running; do
	i=$((i + 1)); [ $i -gt 250 ] && { echo "web-not-running"; break; }
	sleep 0.02
done
env -u PM_SOCKET chroot "$R" /bin/pm status cleanup | awk '$1 == "cleanup" { print "cleanup=" $2 }'
out=$(env -u PM_SOCKET chroot "$R" /bin/pm ping); echo "rc=$? out=$out"
INNER
out=$(timeout 60 unshare --pid --fork --mount-proc --mount --net bash -c \
    'mount --make-rprivate / && exec bash "$0" "$@"' "$T/inner.sh" "$T" "$BB" \
    "$PM" "$ROOT/init-examples/container.ini" 2>&1)
expect_match "container.ini: the scheduled cleanup waits (stopped)" "$out" "cleanup=stopped"
expect_match "container.ini as shipped pings healthy" "$out" "rc=0 out=ok: 4 processes fine"
finish
