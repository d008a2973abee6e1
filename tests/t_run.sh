#!/usr/bin/env bash
# pm run, rm, save and why (issue 17): ad hoc processes added to a running
# server, checked by the config parser, kept over a reload, written out as
# config; why says in a line why a process is where it is; stop, restart
# and shutdown wait for their targets.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<'CFG'
[process:base]
command = sleep 1000
CFG
start_server "$T/pm.ini" || finish

# run: prints ID and pid, the pid is the process; status marks it.
out=$(pmc run -- sleep 300)
expect_match "run prints ID and pid" "$out" '^sleep [1-9][0-9]*$'
pid=${out#sleep }
check "the printed pid runs sleep 300" grep -qz '^sleep$' /proc/$pid/cmdline
expect_match "status marks it added at run time" "$(pmc status sleep)" 'sleep +running .* run'
expect_eq "a file process is not marked" "$(pmc --json status base | grep -o '"added": [a-z]*')" '"added": false'

# Options are config keys, checked by the parser; an error names the option.
out=$(pmc run --name w --restart bogus -- true 2>&1); rc=$?
expect_eq "bad --restart: exit 2" "$rc" 2
expect_match "bad --restart: named" "$out" '^pm: run: --restart: .*bogus'
out=$(pmc run --name w --no-such-key 1 -- true 2>&1)
expect_match "unknown key: the option named" "$out" "^pm: run: --no-such-key: unknown key 'no_such_key'"
out=$(pmc run --name w --stop-timeout nope -- true 2>&1)
expect_match "a dash reads as _ (--stop-timeout)" "$out" '^pm: run: --stop-timeout: stop_timeout'
out=$(pmc run -- sleep 1 2>&1); rc=$?
expect_eq "a taken ID is refused" "$rc" 1
expect_match "... saying so" "$out" 'sleep exists'
out=$(pmc run --name odd --env 'A=it'"'"'s' --dir "$T" -- sh -c 'echo "$A" in "$PWD"; sleep 300')
wait_until 5 sh -c "'$PM' -S '$SOCK' logs odd | grep -q in" 
expect_eq "quoting, --env and --dir reach the process" "$(pmc logs odd)" "it's in $T"

# Added processes survive a reload and are saved as config.
pmc config reload >/dev/null
expect_match "kept over config reload" "$(pmc status)" 'sleep +running'
expect_eq "same pid after the reload" "$(pid_of sleep)" "$pid"
pmc save "$T/saved.ini"
check "save writes [process:ID] sections" grep -q '^\[process:sleep\]$' "$T/saved.ini"
check "no file process in it" sh -c "! grep -q base '$T/saved.ini'"
check "the saved file is a valid config" quiet "$PM" config check "$T/saved.ini"

# rm: only added ones; it stops the process.
out=$(pmc rm base 2>&1)
expect_match "rm of a file process is refused" "$out" 'not added by pm run'
pmc rm sleep
check "rm stops the process" wait_until 5 dead "$pid"
check "rm removes it" sh -c "! '$PM' -S '$SOCK' status sleep >/dev/null 2>&1"

# why, case by case.
expect_eq "why: running" "$(pmc why base)" "running, pid $(pid_of base)"
pmc run --name gate --ready tcp:1 -- sleep 300 >/dev/null
pmc run --name dep --depends gate -- sleep 300 >/dev/null
expect_match "why: waiting on a dependency" "$(pmc why dep)" '^waiting on dependency gate \(starting\)'
pmc run --name flap --restart-delay 30s -- sh -c 'exit 4' >/dev/null
wait_until 5 state_is flap backoff
expect_match "why: backoff until a time after an exit" "$(pmc why flap)" '^backoff until [0-9]{2}:[0-9]{2}:[0-9]{2} after exit 4'
pmc run --name dies --restart-delay 10ms --start-limit 2 -- sh -c 'echo last words; exit 7' >/dev/null
wait_until 10 state_is dies fatal
out=$(pmc why dies)
expect_match "why: fatal after N failed starts, last exit" "$out" '^fatal after 3 failed starts, last exit 7'
expect_match "why: ... with the last output lines" "$out" '> last words'
pmc run --name sick --check 'sh -c "echo broken pipe; exit 1"' --check-interval 100ms -- sleep 300 >/dev/null
wait_until 5 sh -c "'$PM' -S '$SOCK' why sick | grep -q 'check failing'"
expect_match "why: check failing with its output" "$(pmc why sick)" 'check failing \([0-9]+ in a row\): broken pipe'
pmc stop base >/dev/null
expect_eq "why: stopped by an operator" "$(pmc why base)" "stopped by operator"

# stop, restart and shutdown wait for their targets; --no-wait does not.
pmc run --name stubborn --stop-timeout 1s -- sh -c 'trap "" TERM; echo deaf; while :; do sleep 0.1; done' >/dev/null
deaf() { [ "$(pmc logs stubborn | grep -c deaf)" -ge "$1" ]; }
wait_until 5 deaf 1
t0=$(ms); pmc stop stubborn; rc=$?; t1=$(ms)
expect_eq "stop waits, exit 0 when stopped" "$rc $(state_of stubborn)" "0 stopped"
check "stop waited for the kill at stop_timeout" [ $((t1 - t0)) -ge 900 ]
pmc start stubborn >/dev/null
wait_until 5 deaf 2
t0=$(ms); pmc stop --no-wait stubborn; t1=$(ms)
check "--no-wait returns before the process stops" [ $((t1 - t0)) -lt 800 ]
expect_eq "... which is still stopping" "$(state_of stubborn)" stopping
wait_until 5 state_is stubborn stopped
pmc restart sleep >/dev/null 2>&1
out=$(pmc restart dies 2>&1); rc=$?
expect_eq "restart of one that cannot come up: exit 3" "$rc" 3

# logs -f with no ID follows every process, prefixed.
pmc run --name ta -- sh -c 'while :; do echo tick; sleep 0.2; done' >/dev/null
"$PM" -S "$SOCK" logs -f >"$T/all.out" 2>&1 &
F=$!; track $F
check "logs -f with no ID: lines prefixed by ID" wait_until 5 grep -q '^ta tick$' "$T/all.out"
kill $F

# A raw peer cannot slip a section of its own into the config.
out=$(pdu send "$SOCK" "pdu(0x14, field(1, b'inj') + field(10, b'command = true\\n  [settings]\\nsocket = /tmp/x'))")
expect_match "run with a section header in its lines: refused" "$out" 'no section headers'
out=$(pdu send "$SOCK" "pdu(0x14, field(1, b'a]\\n[b') + field(10, b'command = true'))")
expect_match "... or in its ID" "$out" 'no section headers'
check "... and nothing was added" sh -c "! '$PM' -S '$SOCK' status inj >/dev/null 2>&1"

# The added processes end with the server.
odd=$(pid_of odd)
pmc shutdown; rc=$?
expect_eq "shutdown waits until the server is gone, exit 0" "$rc" 0
check "the server has exited" dead "$SERVER"
check "an added process ended with it" dead "$odd"
finish
