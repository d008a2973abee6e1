#!/usr/bin/env bash
# Boards (issue 18): [settings] on_critical chooses how a machine's init
# ends when a critical process fails (in a PID namespace reboot(2) kills pm
# with SIGHUP for reboot, SIGINT for halt and power-off), names the process
# on the console and in the settings view; a container still exits with
# the process's status. [settings] watchdog refuses what is not a
# character device and says so in the settings view.
. "$(dirname "$0")/lib.sh"

printf '[settings]\non_critical = explode\nwatchdog = dev/watchdog\nwatchdog_timeout = 1x\n' >"$T/bad.ini"
out=$("$PM" config check "$T/bad.ini" 2>&1)
expect_match "on_critical: bad value named" "$out" \
    "bad.ini:2: on_critical .*not one of poweroff\\|reboot\\|halt"
expect_match "watchdog: must be absolute" "$out" \
    "bad.ini:3: watchdog .*'dev/watchdog' is not an absolute path"
expect_match "watchdog_timeout: bad duration named" "$out" \
    "bad.ini:4: watchdog_timeout .*bad duration"

# The watchdog: a regular file (or a link to one) is never used.
: >"$T/notadev"
ln -s /dev/null "$T/link"
for dev in "$T/notadev" "$T/link"; do
	cat >"$T/wd.ini" <<INI
[settings]
watchdog = $dev
watchdog_timeout = 7s
[process:a]
command = sleep 1000
INI
	start_server "$T/wd.ini" || continue
	out=$(pmc setting show 2>&1)
	expect_match "settings view shows the watchdog ($dev)" "$out" \
	    "watchdog = $dev"
	case $dev in
	*notadev)
		expect_match "not a character device is refused" "$out" \
		    "watchdog_state = not a character device"
		check "the refusal is logged with the path" \
		    log_has "watchdog $dev: not a character device; running without it" ;;
	*link)
		expect_match "a symbolic link is not followed" "$out" \
		    "watchdog_state = cannot open"
		check "the refusal is logged with the reason" \
		    log_has "watchdog $dev: (Symbolic link loop|Too many levels of symbolic links); running without it" ;;
	esac
	check "pm runs its processes without the watchdog" wait_until 5 \
	    sh -c "'$PM' -S '$SOCK' status a | grep -q running"
	stop_server
done

# In a container a critical failure exits with its status, whatever
# on_critical says.
cat >"$T/ctr.ini" <<INI
[settings]
on_critical = reboot
[process:job]
type = oneshot
command = sh -c 'exit 6'
critical = yes
INI
timeout 20 "$PM" -d -c "$T/ctr.ini" >/dev/null 2>"$T/server.log"; rc=$?
expect_eq "outside init mode pm exits with the status" "$rc" 6

if ! unshare --pid --mount --fork --mount-proc true 2>/dev/null; then
	echo "skip - unshare --pid --mount needs root"; finish
fi
# crit_case ON_CRITICAL WANT_RC WORD: a machine's init whose critical
# oneshot fails once the service is up.
crit_case() {
	cat >"$T/init.ini" <<INI
[settings]
init = yes
socket = $SOCK
shutdown_timeout = 5s
${1:+on_critical = $1}
[process:web]
command = sleep 1000
[process:migrate]
type = oneshot
command = sh -c 'while [ ! -e $T/go ]; do sleep 0.05; done; exit 3'
critical = yes
INI
	rm -f "$T/go"
	unshare --pid --mount --fork --mount-proc "$PM" -c "$T/init.ini" \
	    >"$T/server.out" 2>"$T/server.log" &
	NSU=$!
	track "$NSU"
	wait_until 10 sh -c "'$PM' -S '$SOCK' status web | grep -q running"
	out=$(pmc setting show on_critical 2>&1)
	expect_eq "settings view: on_critical ${1:-default}" "$out" \
	    "on_critical = ${1:-poweroff}"
	touch "$T/go"
	wait_until 15 dead "$NSU"
	wait "$NSU"; rc=$?
	expect_eq "on_critical = ${1:-default}: reboot(2) as asked" "$rc" "$2"
	check "the console names the critical process (${1:-default})" log_has \
	    "migrate: critical process failed \\(status 3\\); $3"
	check "then pm says what it does (${1:-default})" log_has "info: $3\$"
}
crit_case "" 130 "powering off"
crit_case reboot 129 rebooting
crit_case halt 130 halting

# The settings view names the critical process while the machine stops.
cat >"$T/init.ini" <<INI
[settings]
init = yes
socket = $SOCK
shutdown_timeout = 30s
on_critical = reboot
; Ignores TERM until the test has looked, so the window is not a race;
; db fails only once that trap is set (under load, a db failing first
; had the machine stop slow with its first TERM before the test looked).
[process:slow]
command = sh -c 'trap "" TERM; : >$T/trapped; while [ ! -e $T/seen ]; do sleep 0.05; done'
stop_timeout = 30s
[process:db]
type = oneshot
command = sh -c 'while [ ! -e $T/trapped ]; do sleep 0.05; done; exit 9'
critical = yes
depends = slow
INI
unshare --pid --mount --fork --mount-proc "$PM" -c "$T/init.ini" \
    >"$T/server.out" 2>"$T/server.log" &
NSU=$!
track "$NSU"
got=
wait_until 20 sh -c "'$PM' -S '$SOCK' setting show critical_failed >'$T/cf' 2>/dev/null && grep -q db '$T/cf'"
got=$(cat "$T/cf" 2>/dev/null)
touch "$T/seen"
expect_eq "settings view names the critical process" "$got" \
    "critical_failed = db (status 9): rebooting"
check "then the machine ends" wait_until 15 dead "$NSU"
finish
