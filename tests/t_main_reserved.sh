#!/usr/bin/env bash
# In `--` mode the command is the process "main" (issue 11, finding 12).
# A config process of that name made status list two `main` entries, sent
# stop, logs and signal to the config's one, and `pm restart main`
# answered OK and then ended the container with 143. Now the name is
# reserved in `--` mode (refused at start and on reload, naming the file
# and line) and restarting the command is refused with the reason.
. "$(dirname "$0")/lib.sh"

# container ARGS...: pm in -- mode in the background; sets SERVER.
container() {
	"$PM" "$@" >"$T/server.out" 2>"$T/server.log" &
	SERVER=$!
	track "$SERVER"
}

printf '[process:side]\ncommand = sleep 7770\n\n[process:main]\ncommand = sleep 7771\n' >"$T/clash.ini"
out=$(timeout 10 "$PM" -c "$T/clash.ini" -- sleep 7772 2>&1); rc=$?
expect_eq "a config process named main is refused in -- mode" "$rc" 1
expect_match "the error names the file, line and the reserved ID" "$out" \
    "clash.ini:4: process ID 'main' is reserved for the -- command"
check "nothing was started" eval '[ -z "$(my_pgrep "sleep 777[012]")" ]'
out=$("$PM" config check "$T/clash.ini" 2>&1)
expect_match "outside -- mode the name is an ordinary ID" "$out" 'configuration OK'

printf '[process:side]\ncommand = sleep 7770\n' >"$T/pm.ini"
container -c "$T/pm.ini" -- sleep 7773
check "container up" wait_until 5 state_is main running
check "side up" wait_until 5 state_is side running
main=$(pid_of main)
expect_eq "status lists main once" "$(pmc status | grep -c '^main ')" 1
out=$(pmc restart main 2>&1); rc=$?
check "restart main is refused" test "$rc" -ne 0
expect_match "with the reason" "$out" 'main: the -- command runs once'
check "the container lives on" alive "$SERVER"
expect_eq "main kept its pid" "$(pid_of main)" "$main"
# A reload that brings in [process:main] is refused; the old config stays.
cp "$T/clash.ini" "$T/pm.ini"
out=$(pmc config reload 2>&1); rc=$?
check "reload adding [process:main] is refused" test "$rc" -ne 0
expect_match "reload names the reserved ID" "$out" "pm.ini:4: process ID 'main' is reserved"
expect_eq "still one main after the refused reload" "$(pmc status | grep -c '^main ')" 1
check "the container lives on after the refused reload" alive "$SERVER"
# Stopping the command does what it says: it ends, and pm with its status.
pmc stop main >/dev/null 2>&1
check "stop main ends the container" wait_until 15 dead "$SERVER"
wait "$SERVER"; rc=$?
expect_eq "with the command's status (SIGTERM: 143)" "$rc" 143
finish
