#!/usr/bin/env bash
# Health under HEALTHCHECK CMD pm ping (issue 12): a scheduled oneshot
# waiting for its run and an autostart = no process never started are
# fine; a process in backoff or fatal makes the container unhealthy, and
# Docker's health log names it and its state.
. "$(dirname "$0")/lib.sh"

cfg fine.ini <<'INI'
[process:talker]
command = sleep 1000

[process:job]
type = oneshot
command = /bin/true
schedule = @every 1h

[process:idle]
command = sleep 1000
autostart = no
INI
cfg backoff.ini <<'INI'
[process:talker]
command = sleep 1000

[process:crashy]
command = /bin/sh -c 'exit 1'
restart_delay = 30s
INI
cfg fatal.ini <<'INI'
[process:talker]
command = sleep 1000

[process:doomed]
command = /bin/sh -c 'exit 1'
start_limit = 1
restart_delay = 100ms
INI
for k in fine backoff fatal; do
	run_ctr "$k" "${HC[@]}" -v "$T/$k.ini:/etc/pm.ini:ro" pmt-base
done

c=$NAME-fine
if wait_until 15 health_is "$c" healthy; then
	ok "a waiting scheduled oneshot and a never-started autostart=no process are fine"
else
	fail "a waiting scheduled oneshot and a never-started autostart=no process are fine (is $(health "$c"); log: $(health_log "$c"))"
	diag "$c"
fi
out=$(dk exec "$c" pm ping 2>&1); rc=$?
expect_eq "pm ping exits 0 ($out)" "$rc" 0
check "pm ping prints one summary line when all are fine" test "$(printf '%s\n' "$out" | grep -c .)" -eq 1
out=$(dk exec "$c" pm ping -q 2>&1); rc=$?
expect_eq "pm ping -q exits 0" "$rc" 0
expect_eq "pm ping -q prints nothing" "$out" ""
out=$(dk exec "$c" pm status 2>&1); rc=$?
expect_eq "pm status (no IDs) exits 0 with the same processes" "$rc" 0

for k in backoff:crashy fatal:doomed; do
	st=${k%%:*} id=${k#*:} c=$NAME-$st
	if wait_until 15 health_is "$c" unhealthy; then ok "$id in $st: unhealthy"
	else fail "$id in $st: unhealthy (is $(health "$c"))"; diag "$c"; fi
	expect_match "$id in $st: the health log names it and its state" \
	    "$(health_log "$c")" "$id.*$st"
	out=$(dk exec "$c" pm ping 2>&1); rc=$?
	expect_eq "$id in $st: pm ping exits 3" "$rc" 3
	check "$id in $st: talker, which is fine, is not listed ($out)" \
	    eval "! printf '%s' \"\$out\" | grep -q talker"
done
finish
