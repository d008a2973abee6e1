#!/usr/bin/env bash
# pm as a machine's init (init = yes), run as PID 1 of new PID and mount
# namespaces: busybox init's signals (USR1 halt, USR2 poweroff, TERM
# reboot, INT ctrl-alt-del as configured) and `pm halt|poweroff|reboot` stop
# every process in reverse dependency order, signal what is left, and end
# in reboot(2), which in a PID namespace kills pm with SIGINT (halt,
# power-off) or SIGHUP (reboot). Outside init mode the same requests stop
# everything and exit 0, and PID 1 survives a broken config.
. "$(dirname "$0")/lib.sh"

# The keys: bad values are refused with file, line and the choices.
printf '[settings]\ninit = maybe\nctrlaltdel = explode\n[process:a]\ncommand = sh\ntty = ttyS0\n' > "$T/bad.ini"
out=$("$PM" config check "$T/bad.ini" 2>&1)
expect_match "init: bad value named" "$out" "bad.ini:2: init in \\[settings\\]: 'maybe' is not one of auto\\|yes\\|no"
expect_match "ctrlaltdel: bad value named" "$out" "bad.ini:3: ctrlaltdel .*not one of reboot\\|poweroff\\|halt\\|ignore"
expect_match "tty: must be absolute" "$out" "bad.ini:6: tty in \\[process:a\\]: 'ttyS0' is not an absolute path"
printf '[process:a]\ncommand = sh\ntty = console\n' > "$T/con.ini"
out=$("$PM" config check "$T/con.ini" 2>&1)
expect_match "tty = console is accepted" "$out" "configuration OK"

if ! unshare --pid --mount --fork --mount-proc true 2>/dev/null; then
	echo "skip - unshare --pid --mount needs root"; finish
fi

pmc_quiet() { pmc "$@" >/dev/null; }
not() { ! "$@"; }
sig() { kill -"$1" "$NSPM"; }
has_child() { [ -n "$(cat /proc/$1/task/$1/children 2>/dev/null)" ]; }
# ns_pm CONFIG: pm as PID 1 of new namespaces; NSU is unshare, NSPM pm.
ns_pm() {
	unshare --pid --mount --fork --mount-proc "$PM" -c "$1" \
	    >"$T/server.out" 2>"$T/server.log" &
	NSU=$!
	track "$NSU"
	wait_until 5 has_child "$NSU"
	NSPM=$(awk '{ print $1 }' /proc/$NSU/task/$NSU/children)
	wait_until 10 state_is web running
}
# init_conf CTRLALTDEL [INIT]
init_conf() {
	cat >"$T/init.ini" <<INI
[settings]
init = ${2:-yes}
socket = $SOCK
ctrlaltdel = $1
shutdown_timeout = 5s

[process:db]
command = sleep 1000

[process:web]
command = sleep 1000
depends = db

; leaves an orphan behind for the end-of-everything signals
[process:leaver]
type = oneshot
command = sh -c 'sleep 1000 & exit 0'
INI
}
# in_order A B: A's "stopping" log line comes before B's.
in_order() {
	local a b
	a=$(grep -n "$1: stopping pid" "$T/server.log" | head -1 | cut -d: -f1)
	b=$(grep -n "$2: stopping pid" "$T/server.log" | head -1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}

# how WHAT TRIGGER... : start, pull TRIGGER, and check the whole sequence.
# $WANT_RC is 130 (SIGINT) for halt/power-off, 129 (SIGHUP) for reboot.
run_case() {
	local what=$1 word=$2 verb=$3; shift 3
	ns_pm "$T/init.ini"
	wait_until 5 state_is leaver exited
	"$@"
	wait "$NSU"; rc=$?
	expect_eq "$what: reboot(2) ended the namespace" "$rc" "$WANT_RC"
	check "$what: shutdown for $word" log_has "shutting down for $word\$"
	check "$what: web stopped before db" in_order web db
	check "$what: leftover processes got SIGTERM" log_has 'sending SIGTERM to all processes'
	check "$what: pm said '$verb' last" test "$(tail -1 "$T/server.log")" = "pm: info: $verb"
	check "$what: no unmount inside a PID namespace" not log_has 'unmounting filesystems'
}

init_conf reboot
WANT_RC=130 run_case "SIGUSR2" power-off "powering off" sig USR2
WANT_RC=130 run_case "SIGUSR1" halt halting sig USR1
WANT_RC=129 run_case "SIGTERM" reboot rebooting sig TERM
WANT_RC=129 run_case "SIGINT, ctrlaltdel = reboot" reboot rebooting sig INT
WANT_RC=130 run_case "pm halt" halt halting pmc halt
WANT_RC=130 run_case "pm poweroff" power-off "powering off" pmc poweroff
WANT_RC=129 run_case "pm reboot" reboot rebooting pmc reboot
init_conf poweroff
WANT_RC=130 run_case "SIGINT, ctrlaltdel = poweroff" power-off "powering off" sig INT

# ctrlaltdel = ignore: SIGINT changes nothing.
init_conf ignore
ns_pm "$T/init.ini"
sig INT
check "ctrlaltdel = ignore: said so" wait_until 5 log_has 'ctrl-alt-del ignored'
check "ctrlaltdel = ignore: still running" state_is web running
pmc reboot >/dev/null
wait "$NSU"; rc=$?
expect_eq "then pm reboot still works" "$rc" 129

# init = auto as PID 1 of a PID namespace is not the machine's init: TERM
# and `pm poweroff` stop everything and exit 0, as in a container.
init_conf reboot auto
ns_pm "$T/init.ini"
sig TERM
wait "$NSU"; rc=$?
expect_eq "auto in a namespace: SIGTERM exits 0" "$rc" 0
check "auto in a namespace: no reboot(2)" not log_has 'rebooting'
ns_pm "$T/init.ini"
pmc poweroff >/dev/null
wait "$NSU"; rc=$?
expect_eq "auto in a namespace: pm poweroff exits 0" "$rc" 0
check "auto: processes were stopped in order" in_order web db

# Not PID 1 either: pm -d on `pm halt` stops everything and exits 0.
start_server "$T/init.ini"
wait_until 5 state_is web running
pmc halt >/dev/null
wait_until 10 dead "$SERVER"
wait "$SERVER"; rc=$?
expect_eq "pm -d: pm halt stops everything and exits 0" "$rc" 0
check "pm -d: web stopped before db" in_order web db

# PID 1 never dies of a broken config: it says why, runs without it, and
# a fixed file brings the processes up on `pm config reload`.
printf '[process:web]\ncommand = sleep 1000\nrestart = sometimes\n' > "$T/init.ini"
ns_pm "$T/init.ini"
check "broken config: the error names file and line" \
	wait_until 5 log_has "^$T/init.ini:3: restart in \\[process:web\\]"
check "broken config: PID 1 keeps running" wait_until 5 log_has 'is unusable; running without it'
check "broken config: the control socket answers" pmc_quiet status
init_conf reboot auto
check "fixed config: reload accepted" pmc_quiet config reload
check "fixed config: web comes up" wait_until 10 state_is web running
sig TERM
wait "$NSU"
finish
