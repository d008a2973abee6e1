#!/usr/bin/env bash
# docker pause / unpause (issue 12): the cgroup freezer stops pm and its
# children; after unpause backoff restarts and scheduled runs go on.
. "$(dirname "$0")/lib.sh"

cfg p.ini <<'INI'
[process:crashy]
command = /bin/sh -c 'echo crash; exit 1'
restart_delay = 1s
restart_delay_max = 1s
start_limit = 0

[process:tick]
type = oneshot
command = /bin/sh -c 'echo tick'
schedule = @every 1s
INI
c=$NAME-ctr
run_ctr ctr -v "$T/p.ini:/etc/pm.ini:ro" pmt-base
n() { dk logs "$c" 2>/dev/null | grep -c "^$1 | "; }
atleast() { [ "$(n "$1")" -ge "$2" ]; }
check "crashy is restarted with backoff" wait_until 15 atleast crashy 2
check "tick runs on its schedule" wait_until 15 atleast tick 2
check "docker pause" quiet dk pause "$c"
c0=$(n crashy) t0=$(n tick)
# The pause lasts three periods: nothing may run while frozen.
for_a_while 3
expect_eq "nothing crashed while paused" "$(n crashy)" "$c0"
expect_eq "nothing ticked while paused" "$(n tick)" "$t0"
check "docker unpause" quiet dk unpause "$c"
check "backoff restarts go on after unpause" wait_until 10 atleast crashy $((c0 + 2))
check "scheduled runs go on after unpause" wait_until 10 atleast tick $((t0 + 2))
check "the container still runs" running "$c"
# Missed runs are not made up in a burst: at most one run per second.
t1=$(n tick); for_a_while 2; t2=$(n tick)
check "tick keeps its period after unpause ($t1 -> $t2 in 2 s)" test $((t2 - t1)) -le 3
finish
