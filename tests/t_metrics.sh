#!/usr/bin/env bash
# pm metrics (issue 4): Prometheus text exposition, parsed line by line:
# every sample belongs to a family announced by HELP and TYPE, carries the
# process ID as a label, and has the value the server reports; pm's own
# families (issue 15) have one sample each.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:web]
command = sleep 100
check = false
check_interval = 100ms
check_retries = 2
on_check_fail = exec:true

[process:crash]
command = sh -c 'exit 4'
restart_delay = 100ms
start_limit = 2

[process:once]
type = oneshot
command = true
INI

start_server "$T/pm.ini" || finish
check "crash goes fatal" wait_until 5 state_is crash fatal
check "once exited" wait_until 5 state_is once exited
check_fails() { pmc --json status web | grep -q '"check_failures": [2-9]'; }
check "web has failed checks" wait_until 5 check_fails

out=$(pmc metrics); rc=$?
expect_eq "metrics exits 0" "$rc" 0
bad=$(printf '%s\n' "$out" | awk '
	/^# HELP pm_[a-z_]+ .+$/ { help[$3] = 1; next }
	/^# TYPE pm_[a-z_]+ (gauge|counter)$/ {
		if (!help[$3]) { print "TYPE before HELP: " $0 }
		type[$3] = $4; next }
	/^pm_process_[a-z_]+\{id="[A-Za-z0-9_.-]+"(,state="[a-z]+")?\} -?[0-9]+(\.[0-9]+)?$/ ||
	/^pm_[a-z_]+(\{version="[^"]+"\})? [0-9]+$/ {
		name = $0; sub(/[{ ].*/, "", name)
		if (!type[name]) print "sample before its TYPE: " $0
		if (type[name] == "counter" && name !~ /_total$/) print "counter without _total: " $0
		if (type[name] != "counter" && name ~ /_total$/) print "_total not a counter: " $0
		next }
	{ print "unparsable: " $0 }')
expect_eq "every line parses as exposition format" "$bad" ""
val() { printf '%s\n' "$out" | awk -v k="$1" '$1 == k { print $2 }'; }
expect_eq "web is up" "$(val 'pm_process_up{id="web"}')" 1
expect_eq "web state label" "$(val 'pm_process_state{id="web",state="running"}')" 1
expect_eq "crash state label" "$(val 'pm_process_state{id="crash",state="fatal"}')" 1
expect_eq "crash is down" "$(val 'pm_process_up{id="crash"}')" 0
expect_eq "crash restarts" "$(val 'pm_process_restarts_total{id="crash"}')" 2
expect_eq "crash last exit status" "$(val 'pm_process_last_exit_status{id="crash"}')" 4
expect_eq "once last exit status" "$(val 'pm_process_last_exit_status{id="once"}')" 0
expect_eq "never-exited has -1" "$(val 'pm_process_last_exit_status{id="web"}')" -1
cf=$(val 'pm_process_check_failures_total{id="web"}')
check "web check failures counted ($cf)" test "${cf:-0}" -ge 2
expect_eq "web is unhealthy" "$(val 'pm_process_healthy{id="web"}')" 0
expect_eq "no health series without a check" "$(val 'pm_process_healthy{id="once"}')" ""
up=$(val 'pm_process_uptime_seconds{id="web"}')
check "uptime is a number of seconds" test "${up:-x}" -ge 0
expect_eq "one sample per process per family" \
	"$(printf '%s\n' "$out" | grep -c '^pm_process_uptime_seconds')" 3
one=$(pmc metrics web | grep -c '^pm_process_up{')
expect_eq "metrics ID limits to that process" "$one" 1
stop_server
finish
