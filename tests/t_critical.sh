#!/usr/bin/env bash
# critical = yes: a critical service that goes fatal, or a critical oneshot
# that fails, stops everything and makes pm exit with its status. As PID 1
# the same server stops in reverse dependency order on SIGTERM.
. "$(dirname "$0")/lib.sh"

cat >"$T/svc.ini" <<INI
[process:other]
command = sh -c 'echo \$\$ > $T/other.pid; exec sleep 1000'
[process:db]
command = sh -c 'exit 4'
critical = yes
restart_delay = 50ms
start_limit = 1
INI
# These servers end by themselves, maybe before their socket is up: run
# them in the foreground, bounded by timeout.
timeout 20 "$PM" -d -c "$T/svc.ini" >/dev/null 2>"$T/server.log"; rc=$?
expect_eq "pm exits with the critical service's status" "$rc" 4
check "the fatal state is logged" log_has 'db: fatal: 2 failed starts in a row'
check "the other service was stopped" dead "$(cat "$T/other.pid")"

cat >"$T/one.ini" <<INI
[process:other]
command = sleep 1000
[process:migrate]
type = oneshot
command = sh -c 'exit 5'
critical = yes
INI
timeout 20 "$PM" -d -c "$T/one.ini" >/dev/null 2>"$T/server.log"; rc=$?
expect_eq "pm exits with the oneshot's status" "$rc" 5
check "the failure is logged" log_has 'migrate: critical oneshot failed with status 5'

# A critical oneshot that succeeds changes nothing.
cat >"$T/ok.ini" <<INI
[process:other]
command = sleep 1000
[process:migrate]
type = oneshot
command = true
critical = yes
INI
start_server "$T/ok.ini" || finish
check "a successful critical oneshot exits 0" wait_until 5 log_has 'migrate: pid [0-9]+ exited with status 0'
check "pm keeps running after it" alive "$SERVER"
stop_server

# As PID 1 of a PID namespace: graceful shutdown in reverse order.
if unshare --pid --fork --mount-proc true 2>/dev/null; then
	cat >"$T/order.ini" <<INI
[process:db]
command = sh -c 'trap "echo stop-db >> $T/order; exit 0" TERM; echo db >> $T/order; sleep 1000 & wait'
[process:web]
depends = db
command = sh -c 'trap "echo stop-web >> $T/order; exit 0" TERM; echo web >> $T/order; sleep 1000 & wait'
INI
	unshare --pid --fork --mount-proc "$PM" -c "$T/order.ini" >/dev/null 2>"$T/ns.log" &
	u=$!; track "$u"
	both() { grep -q web "$T/order" 2>/dev/null && grep -q db "$T/order"; }
	check "both services run under pm as PID 1" wait_until 5 both
	nspm=$(cat /proc/$u/task/$u/children | awk '{ print $1 }')
	check "pm is PID 1 in the namespace" grep -q 'NSpid:.*[[:space:]]1$' /proc/"$nspm"/status
	kill -TERM "$nspm"
	wait "$u"; rc=$?
	expect_eq "PID 1 exits 0 after SIGTERM" "$rc" 0
	expect_eq "stop order is the reverse of start order" "$(grep stop "$T/order" | tr '\n' ' ')" "stop-web stop-db "
else
	echo "skip - unshare --pid needs root or user namespaces"
fi
finish
