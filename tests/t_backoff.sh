#!/usr/bin/env bash
# A crashing service is restarted with exponential backoff: restart_delay
# doubling up to restart_delay_max.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:crash]
command = sh -c 'date +%s%N >> $T/starts; exit 1'
restart_delay = 200ms
restart_delay_max = 800ms
start_limit = 0
INI
start_server "$T/pm.ini" || finish
check "five starts happen" wait_until 10 has_lines 5 "$T/starts"
check "backoff is logged" log_has 'crash: backoff 0.200s'
mapfile -t s < "$T/starts"
want=(200 400 800 800)
for i in 0 1 2 3; do
	gap=$(( (s[i + 1] - s[i]) / 1000000 ))
	w=${want[i]}
	if [ "$gap" -ge "$w" ] && [ "$gap" -lt $((w + 500)) ]; then
		ok "restart $((i + 1)) came after ${gap}ms (delay ${w}ms)"
	else
		fail "restart $((i + 1)) came after ${gap}ms, want ${w}ms..$((w + 500))ms"
	fi
done
check "server still running" alive "$SERVER"
stop_server
finish
