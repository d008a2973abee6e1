#!/usr/bin/env bash
# config reload applies only the difference; --dry-run and a broken file
# change nothing (issue 3; supervisord restarts everything, Supervisor#729).
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:same]
command = sleep 1000
[process:changed]
command = sleep 1001
[process:removed]
command = sleep 1002
INI
start_server "$T/pm.ini" || finish
for id in same changed removed; do
	check "$id running" wait_until 5 state_is $id running
done
ps=$(pid_of same); pc=$(pid_of changed); pr=$(pid_of removed)

cat >"$T/new.ini" <<INI
[process:same]
command = sleep 1000
[process:changed]
command = sleep 2001
[process:added]
command = sleep 1003
INI
cp "$T/pm.ini" "$T/orig.ini"
cp "$T/new.ini" "$T/pm.ini"

out=$(pmc config reload --dry-run); rc=$?
expect_eq "dry-run exits 0" "$rc" 0
expect_match "plan: same unchanged" "$out" '^same unchanged'
expect_match "plan: changed restart" "$out" '^changed restart'
expect_match "plan: removed stop" "$out" '^removed stop'
expect_match "plan: added start" "$out" '^added start'
expect_eq "dry-run: same keeps its pid" "$(pid_of same)" "$ps"
expect_eq "dry-run: changed keeps its pid" "$(pid_of changed)" "$pc"
expect_eq "dry-run: removed keeps its pid" "$(pid_of removed)" "$pr"
pmc status added >/dev/null 2>&1; expect_eq "dry-run: added not known yet" $? 2

# A broken file: error with FILE:LINE, nothing changes.
printf '[process:same]\ncommand = sleep 1000\nnonsense = 1\n' >"$T/pm.ini"
out=$(pmc config reload 2>&1); rc=$?
expect_eq "broken file: reload exits 1" "$rc" 1
expect_match "broken file: FILE:LINE printed" "$out" "pm.ini:3"
expect_eq "broken file: same keeps its pid" "$(pid_of same)" "$ps"
expect_eq "broken file: removed still running" "$(pid_of removed)" "$pr"

cp "$T/new.ini" "$T/pm.ini"
out=$(pmc config -reload); rc=$?
expect_eq "reload exits 0" "$rc" 0
expect_eq "unchanged process keeps its pid" "$(pid_of same)" "$ps"
check "changed process restarted with a new pid" wait_until 5 sh -c \
	"p=\$(\"$PM\" -S \"$SOCK\" status changed | awk '\$1==\"changed\"{print \$3}'); [ -n \"\$p\" ] && [ \"\$p\" != - ] && [ \"\$p\" != $pc ]"
check "changed runs the new command" wait_until 5 eval '[ -n "$(my_pgrep "sleep 2001")" ]'
check "removed process is gone" wait_until 5 dead "$pr"
pmc status removed >/dev/null 2>&1; expect_eq "removed ID is unknown now" $? 2
check "added process started" wait_until 5 state_is added running
finish
