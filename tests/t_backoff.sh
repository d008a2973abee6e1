#!/usr/bin/env bash
# A crashing service is restarted with exponential backoff: restart_delay
# doubling up to restart_delay_max.
. "$(dirname "$0")/lib.sh"

start_logged crash "exit 1" 200ms 800ms || finish
check "five starts happen" wait_until 10 has_lines 5 "$T/starts"
# The delays' exact values and timing are pinned by tests/unit/proc_test.c
# on a fake clock; here the real pm logs them in order and never restarts
# before the delay (a lower bound, which load cannot break).
expect_eq "delays double up to restart_delay_max" \
	"$(backoffs crash 4)" "0.200s 0.400s 0.800s 0.800s "
want=(200 400 800 800)
for i in 0 1 2 3; do
	gap=$(start_gap $i)
	check "restart $((i + 1)) not before its delay (${gap}ms >= ${want[i]}ms)" \
		test "$gap" -ge "${want[i]}"
done
check "server still running" alive "$SERVER"
stop_server
finish
