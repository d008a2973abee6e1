#!/usr/bin/env bash
# Health checks and action handlers (issue 4): a check that starts failing
# restarts its process; an exec: handler sees PM_ID and PM_EVENT, runs once
# per failure and again only after recovery; a hanging check is killed at
# its timeout; on_exit gets PM_STATUS; status shows health and the failing
# check's first line.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:web]
command = sleep 100
check = sh -c 'if [ -e $T/bad ]; then echo "web is down"; echo more; exit 3; fi'
check_interval = 200ms
check_retries = 2
on_check_fail = restart

[process:api]
command = sleep 100
check = sh -c 'test ! -e $T/apibad || { echo api broke; exit 1; }'
check_interval = 200ms
check_retries = 1
on_check_fail = exec:sh -c 'echo "\$PM_ID \$PM_EVENT \$PM_STATUS" >> $T/marker'

[process:hang]
command = sleep 100
check = sh -c 'echo \$\$ >> $T/hangpid; exec sleep 100'
check_interval = 200ms
check_timeout = 300ms
check_retries = 100

[process:quit]
command = sh -c 'test -e $T/go7 && exit 7; sleep 100'
restart = never
on_exit = sh -c 'echo "\$PM_ID \$PM_EVENT \$PM_STATUS \$PM_PID" > $T/exit.tmp; mv $T/exit.tmp $T/exit'
INI

start_server "$T/pm.ini" || finish
health_is() { pmc status "$1" | awk -v id="$1" '$1 == id { print $7 }' | grep -qx "$2"; }
check "health starts unknown or healthy" wait_until 3 health_is web healthy
p1=$(pid_of web)
touch "$T/bad"
new_pid() { p=$(pid_of web); [ -n "$p" ] && [ "$p" != - ] && [ "$p" != "$1" ]; }
check "failing check restarts the process" wait_until 5 new_pid "$p1"
check "restart is logged with the action" log_has 'web: health check failed \(status 3\); on_check_fail = restart'
check "status shows unhealthy" wait_until 3 health_is web unhealthy
check "status shows the check's first line only" \
	sh -c "'$PM' -S '$SOCK' status web | grep -q 'web is down\$'"
check "json has the check output" \
	sh -c "'$PM' -S '$SOCK' --json status web | grep -q '\"check_output\": \"web is down\"'"
p2=$(pid_of web)
# Still failing: the action ran once and waits for a recovery.
check "still failing a while later" wait_until 3 sh -c "[ \$(grep -c 'web: health check failed with' '$T/server.log') -ge 6 ]"
expect_eq "no second restart without a recovery" "$(pid_of web)" "$p2"
rm "$T/bad"
check "health recovers" wait_until 3 health_is web healthy

touch "$T/apibad"
check "exec handler wrote its marker" wait_until 5 has_lines 1 "$T/marker"
expect_eq "handler sees PM_ID, PM_EVENT and PM_STATUS" "$(head -1 "$T/marker")" "api check-failed 1"
check "api keeps failing" wait_until 3 sh -c "[ \$(grep -c 'api: health check failed with' '$T/server.log') -ge 4 ]"
expect_eq "handler runs once per failure" "$(wc -l < "$T/marker")" 1
rm "$T/apibad"
check "recovery runs the handler with check-recovered" wait_until 5 has_lines 2 "$T/marker"
expect_eq "recovered event" "$(sed -n 2p "$T/marker")" "api check-recovered 0"

check "hanging check is killed at its timeout" wait_until 5 log_has 'hang: check pid [0-9]+ still running after 300ms; killing it'
check "a timed-out check counts as a failure" wait_until 3 log_has 'hang: health check failed with status 137 \(1 in a row\): timed out after 300ms'
hp=$(head -1 "$T/hangpid")
check "the hanging check process is gone" wait_until 3 dead "$hp"
check "status shows the timeout" \
	sh -c "'$PM' -S '$SOCK' status hang | grep -q 'timed out after 300ms'"
fails_now() { [ "$(pmc --json status hang | sed -n 's/.*"check_failures": \([0-9]*\).*/\1/p')" -ge "$1" ]; }
check "check failures are counted" wait_until 3 fails_now 2

qp=$(pid_of quit)
touch "$T/go7"
pmc signal quit TERM >/dev/null
check "on_exit handler ran" wait_until 5 test -e "$T/exit"
expect_eq "on_exit sees PM_STATUS and PM_PID" "$(cat "$T/exit")" "quit exit 143 $qp"

stop_server
finish
