#!/usr/bin/env bash
# Scheduled oneshots (issue 4): @every 2s runs repeatedly and never
# overlaps itself; overlap = skip counts and reports skipped runs;
# a cron schedule shows its next run; bad cron fields are refused with
# the line.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:tick]
type = oneshot
command = sh -c 'echo "start \$(date +%s%N)" >> $T/runs; sleep 0.3; echo "end \$(date +%s%N)" >> $T/runs'
schedule = @every 2s

[process:slow]
type = oneshot
command = sleep 1.6
schedule = @every 1s

[process:nightly]
type = oneshot
command = true
schedule = 30 3 * * *
INI

start_server "$T/pm.ini" || finish
expect_eq "a scheduled oneshot does not start with pm" "$(state_of tick)" stopped
next_of() { pmc status "$1" | awk -v id="$1" '$1 == id { print $8 }'; }
check "cron job shows a next run" test "$(next_of nightly)" != -
nr=$(pmc --json status nightly | sed -n 's/.*"next_run": \([0-9]*\).*/\1/p')
expect_eq "next cron run is 03:30 local time" "$(date -d "@$nr" +%H:%M:%S)" "03:30:00"
check "it is within a day" test $(( nr - $(date +%s) )) -le 86400
# The real kernel takes the timer that reports the clock being set
# (TFD_TIMER_CANCEL_ON_SET); the set itself needs CAP_SYS_TIME on the
# host, so check_test.c drives that path.
check "the schedule timer is armed" sh -c "! grep -q 'schedule timer' '$T/server.log'"

# The period itself (no run before it, one run per due, overlap) is pinned
# without clocks in tests/unit/check_test.c.
check "@every 2s runs again and again" wait_until 10 sh -c "[ \$(grep -c end '$T/runs') -ge 2 ]"
# Each run starts after the previous one ended.
check "runs never overlap" awk '
	$1 == "start" { if (open) bad = 1; open = 1; if ($2 < last) bad = 1 }
	$1 == "end" { open = 0; last = $2 }
	END { exit bad }' "$T/runs"
expect_eq "last result is shown" "$(pmc status tick | awk '$1 == "tick" { print $6 }')" 0
skips() { pmc --json status slow | sed -n 's/.*"skips": \([0-9]*\).*/\1/p'; }
more_skips() { [ "$(skips)" -ge 1 ]; }
check "overlap = skip counts a skipped run" wait_until 3 more_skips
check "status reports the skips" sh -c "'$PM' -S '$SOCK' status slow | grep -q 'skipped [0-9]'"
check "skips are logged" log_has 'slow: still running; scheduled run skipped'
stop_server

cat >"$T/bad.ini" <<INI
[process:a]
type = oneshot
command = true
schedule = */15 8-18 * * 1-5

[process:b]
type = oneshot
command = true
schedule = 0 25 * * *

[process:c]
command = true
schedule = @every 1m
INI
out=$("$PM" config check "$T/bad.ini" 2>&1); rc=$?
check "config check refuses bad schedules" test "$rc" -ne 0
expect_match "bad hour field is named with its line" "$out" "bad.ini:9: schedule in \[process:b\]: '0 25 \* \* \*': bad hour field"
expect_match "schedule on a service is refused with its line" "$out" "bad.ini:13: schedule in \[process:c\] needs type = oneshot"
check "the good line is not blamed" sh -c "! printf '%s' \"\$1\" | grep -q 'bad.ini:4:'" _ "$out"
finish
