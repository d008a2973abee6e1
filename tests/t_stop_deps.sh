#!/usr/bin/env bash
# Stopping a process stops first what depends on it, directly or not, and
# says so (issue 13). Before, `pm stop a` with b depending on a exited 0
# and nothing happened: a waited for b to stop, and nothing stopped b.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:a]
command = sh -c 'trap "echo stop-a >> $T/order; exit 0" TERM; sleep 1000 & wait'

[process:b]
depends = a
command = sh -c 'trap "echo stop-b >> $T/order; exit 0" TERM; sleep 1000 & wait'

[process:c]
depends = b
command = sh -c 'trap "echo stop-c >> $T/order; exit 0" TERM; sleep 1000 & wait'

[process:other]
command = sleep 1000
INI

start_server "$T/pm.ini" || finish
check "c is running" wait_until 5 state_is c running
other=$(pid_of other)

out=$(pmc stop a 2>&1); rc=$?
expect_eq "stop a exits 0" "$rc" 0
expect_eq "the reply names the dependents it stops first" "$out" \
	"stopping b, c (depend on a), then a"
check "a stops" wait_until 5 state_is a stopped
expect_eq "b and c are stopped too" "$(state_of b) $(state_of c)" \
	"stopped stopped"
expect_eq "dependents stop first, in reverse order" \
	"$(tr '\n' ' ' <"$T/order")" "stop-c stop-b stop-a "
check "the log says so" log_has 'stopping b, c \(depend on a\), then a'
expect_eq "an unrelated process keeps its pid" "$(pid_of other)" "$other"

# Starting c starts what it needs again; stopping b then spares a.
pmc start c
check "c runs again" wait_until 5 state_is c running
out=$(pmc stop b 2>&1)
expect_eq "one dependent: depends" "$out" "stopping c (depends on b), then b"
check "b stops" wait_until 5 state_is b stopped
expect_eq "c is stopped, a still runs" "$(state_of c) $(state_of a)" \
	"stopped running"

# A process with no dependents stops as before, and says nothing.
out=$(pmc stop other 2>&1); rc=$?
expect_eq "stop other: exit 0, no reply text" "$rc:$out" "0:"
check "other stops" wait_until 5 state_is other stopped
finish
