#!/usr/bin/env bash
# stop_signal goes to the whole process group; a process that ignores it is
# killed with SIGKILL after stop_timeout, and shutdown_timeout bounds it all.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:stubborn]
command = sh -c 'trap "" TERM; echo \$\$ > $T/stubborn.pid; while :; do sleep 0.05; done'
stop_timeout = 300ms

[process:family]
command = sh -c 'sleep 1000 & echo \$! > $T/child.pid; wait'

[process:hup]
command = sh -c 'trap "echo hup >> $T/hup; exit 0" HUP; sleep 1000 & wait'
stop_signal = HUP
INI
start_server "$T/pm.ini" || finish
check "stubborn wrote its pid" wait_until 5 test -s "$T/stubborn.pid"
check "family's child wrote its pid" wait_until 5 test -s "$T/child.pid"
check "hup started" wait_until 5 log_has 'hup: started'
sp=$(cat "$T/stubborn.pid"); cp=$(cat "$T/child.pid")
t0=$(ms)
kill -TERM "$SERVER"
check "server exits" wait_until 10 dead "$SERVER"
wait "$SERVER"
el=$(( $(ms) - t0 ))
check "SIGKILL after stop_timeout is logged" log_has 'stubborn: did not stop within 300ms; sending SIGKILL'
check "stubborn was killed by SIGKILL" log_has 'stubborn: pid [0-9]+ killed by SIGKILL'
check "stubborn process is gone" dead "$sp"
check "the group's other member got the stop signal too" dead "$cp"
check "stop_signal HUP was delivered" grep -q hup "$T/hup"
# SIGKILL at exactly stop_timeout is pinned by tests/unit/proc_test.c on a
# fake clock; here only that it did not come early.
check "shutdown took at least stop_timeout (${el}ms)" test "$el" -ge 300

# shutdown_timeout caps a long stop_timeout.
cat >"$T/pm2.ini" <<INI
[settings]
shutdown_timeout = 500ms
[process:stubborn]
command = sh -c 'trap "" TERM; while :; do sleep 0.05; done'
stop_timeout = 60s
INI
rm -f "$SOCK"
start_server "$T/pm2.ini" || finish
check "stubborn started" wait_until 5 log_has 'stubborn: started'
t0=$(ms)
kill -TERM "$SERVER"
check "shutdown_timeout ends the shutdown" wait_until 5 dead "$SERVER"
el=$(( $(ms) - t0 ))
check "it took under 3 s (${el}ms)" test "$el" -lt 3000
check "the overrun is logged" log_has 'shutdown_timeout passed'
finish
