#!/usr/bin/env bash
# pm status's UPTIME and NEXT columns (issue 13: one formatter for both):
# a running service's uptime and no next run, a scheduled oneshot's time
# to its next run and no uptime. MEM and CPU (issue 14): the running
# service's figures, "-" for the oneshot between runs.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:svc]
command = sleep 1000
[process:cron]
command = true
type = oneshot
schedule = @every 1h
INI
start_server "$T/pm.ini" || finish
check "svc is running" wait_until 5 state_is svc running
out=$(pmc status)
expect_match "header" "$out" '^ID +STATE +PID +UPTIME +RESTARTS +EXIT +HEALTH +NEXT +MEM +CPU +INFO$'
expect_match "svc: uptime in seconds, no next run" "$out" '^svc +running +[0-9]+ +[0-9]+s +0 +- +- +- +[0-9]+M +[0-9]+\.[0-9]{2}s$'
expect_match "cron: no uptime, next run within the hour" "$out" '^cron +[a-z]+ +- +- +0 +- +- +(59m[0-5][0-9]s|1h00m) +- +-$'
finish
