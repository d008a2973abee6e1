#!/usr/bin/env bash
# A process removed by reload and added back while it is still stopping
# (issue 11, finding 10): the new instance waits for the old one to be
# gone, as restart does. Before, status showed "db running" and "db
# stopping" at once and two copies of the service ran.
. "$(dirname "$0")/lib.sh"

# db takes about 3 s to stop: its TERM trap sleeps first.
db='[process:db]
command = sh -c '"'"'trap "sleep 3; exit 0" TERM; while :; do sleep 1; done'"'"' db-marker'
keep='[process:keep]
command = sleep 1000'
printf '%s\n\n%s\n' "$keep" "$db" >"$T/pm.ini"
# instances: this test's shells running db's command (the marker is their $0).
instances() {
	local c p
	for c in $(grep -lzx 'db-marke[r]' /proc/[0-9]*/cmdline 2>/dev/null); do
		p=${c#/proc/}; p=${p%/cmdline}
		mine "$p" && echo "$p"
	done | wc -l
}
lines() { pmc status | grep -c '^db '; }
# db's state in the whole listing (`status db` does not name a removed one).
db_state() { pmc status | awk '$1 == "db" { print $2 }' | tr '\n' ' ' | sed 's/ $//'; }
db_is() { [ "$(db_state)" = "$1" ]; }

start_server "$T/pm.ini" || finish
check "db running" wait_until 5 state_is db running
old=$(pid_of db)

printf '%s\n' "$keep" >"$T/pm.ini"
pmc config reload >/dev/null
check "removed db is stopping" wait_until 5 db_is stopping
printf '%s\n\n%s\n' "$keep" "$db" >"$T/pm.ini"
out=$(pmc config reload 2>&1)
expect_match "reload plans to start db again" "$out" 'db.*start'
expect_eq "status lists db once while the old one stops" "$(lines)" 1
expect_eq "db is still stopping" "$(db_state)" stopping
expect_eq "one instance of db while the old one stops" "$(instances)" 1
check "old db still alive (its stop takes 3 s)" alive "$old"
# Sample until the new instance runs: never two at once.
two=0
end=$(( $(ms) + 10000 ))
while [ "$(ms)" -lt "$end" ] && ! state_is db running; do
	[ "$(instances)" -gt 1 ] && two=1
	[ "$(lines)" -gt 1 ] && two=1
	sleep 0.05
done
expect_eq "never two instances of db" "$two" 0
check "db running again after the old one exited" state_is db running
new=$(pid_of db)
check "the new db is a new process" test "$new" != "$old"
check "old db is gone" dead "$old"
expect_eq "one instance of db" "$(instances)" 1
expect_eq "status lists db once" "$(lines)" 1
# Removed and re-added, not wanted: it just stops, and starts on request.
printf '%s\n' "$keep" >"$T/pm.ini"
pmc config reload >/dev/null
printf '%s\n\n%s\nautostart = false\n' "$keep" "$db" >"$T/pm.ini"
pmc config reload >/dev/null
check "not autostarted: db ends stopped" wait_until 10 state_is db stopped
expect_eq "no db left" "$(instances)" 0
pmc start db >/dev/null
check "db starts on request" wait_until 5 state_is db running
stop_server
finish
