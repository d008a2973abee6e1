#!/usr/bin/env bash
# Respawn as shipped: a service that ran stably (10 s) and then crashed is
# started again at once; failed starts in a row still back off, from
# restart_delay, doubling.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:svc]
command = sh -c 'date +%s%N >> $T/starts; [ -e $T/crash ] && exit 1; exec sleep 100'
restart_delay = 3s
restart_delay_max = 6s
start_limit = 0
INI
# ran_for ID S: the status shows ID up for at least S seconds.
ran_for() {
	local u
	u=$(pmc --json status "$1" | grep -o '"uptime": *[0-9]*' | grep -o '[0-9]*$')
	[ -n "$u" ] && [ "$u" -ge "$2" ]
}
start_server "$T/pm.ini" || finish
check "started" wait_until 10 has_lines 1 "$T/starts"
check "ran stably for 11 s" wait_until 20 ran_for svc 11
touch "$T/crash"
t0=$(ms)
kill -KILL "$(pid_of svc)"
check "crash after a stable run: started again" wait_until 10 has_lines 2 "$T/starts"
mapfile -t s < "$T/starts"
gap=$(( s[1] / 1000000 - t0 ))
check "back at once, not after restart_delay (${gap}ms < 3000ms)" \
	test "$gap" -lt 3000
# The restart crashes at once: a failed start, so backoff as before.
two_backoffs() { [ "$(count_log 'svc: backoff')" -ge 2 ]; }
check "then failed starts back off" wait_until 15 two_backoffs
expect_eq "the delays: restart_delay, then doubled" \
	"$(grep -Eo 'svc: backoff [0-9.]+s' "$T/server.log" | head -2 |
	    awk '{ printf "%s ", $3 }')" "3.000s 6.000s "
mapfile -t s < "$T/starts"
gap=$(( (s[2] - s[1]) / 1000000 ))
check "the first failed start waited its delay (${gap}ms >= 3000ms)" \
	test "$gap" -ge 3000
check "server still running" alive "$SERVER"
stop_server
finish
