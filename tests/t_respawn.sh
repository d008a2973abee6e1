#!/usr/bin/env bash
# Respawn as shipped: a service that ran stably (10 s) and then crashed is
# started again at once; failed starts in a row still back off, from
# restart_delay, doubling.
. "$(dirname "$0")/lib.sh"

# ran_for ID S: the status shows ID up for at least S seconds.
ran_for() {
	local u
	u=$(pmc --json status "$1" | grep -o '"uptime": *[0-9]*' | grep -o '[0-9]*$')
	[ -n "$u" ] && [ "$u" -ge "$2" ]
}
start_logged svc "[ -e $T/crash ] && exit 1; exec sleep 100" 3s 6s || finish
check "started" wait_until 10 has_lines 1 "$T/starts"
check "ran stably for 11 s" wait_until 20 ran_for svc 11
touch "$T/crash"
t0=$(ms)
kill -KILL "$(pid_of svc)"
check "crash after a stable run: started again" wait_until 10 has_lines 2 "$T/starts"
gap=$(( $(start_ms 1) - t0 ))
check "back at once, not after restart_delay (${gap}ms < 3000ms)" \
	test "$gap" -lt 3000
# The restart crashes at once: a failed start, so backoff as before.
two_backoffs() { [ "$(count_log 'svc: backoff')" -ge 2 ]; }
check "then failed starts back off" wait_until 15 two_backoffs
expect_eq "the delays: restart_delay, then doubled" \
	"$(backoffs svc 2)" "3.000s 6.000s "
gap=$(start_gap 1)
check "the first failed start waited its delay (${gap}ms >= 3000ms)" \
	test "$gap" -ge 3000
check "server still running" alive "$SERVER"
stop_server
finish
