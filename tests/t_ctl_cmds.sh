#!/usr/bin/env bash
# Every client command and its error paths against a real server (issue 3).
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:web]
command = sleep 1000
[process:db]
command = sleep 1001
[process:idle]
command = sleep 1002
autostart = no
[process:once]
command = true
type = oneshot
INI
start_server "$T/pm.ini" || finish
check "web running" wait_until 5 state_is web running
check "once exited" wait_until 5 state_is once exited

out=$(pmc status); rc=$?
expect_match "status has the header" "$out" '^ID +STATE +PID +UPTIME +RESTARTS +EXIT'
expect_match "status lists web running with a pid" "$out" 'web +running +[0-9]+'
expect_match "status shows - as the pid of a stopped process" "$out" 'idle +stopped +- '
expect_eq "status of all with a never-started autostart = no exits 0" "$rc" 0
pmc status web db >/dev/null; expect_eq "status of running processes exits 0" $? 0
pmc status idle >/dev/null; expect_eq "status of a named stopped process exits 3" $? 3
pmc ping web once; expect_eq "ping: running + oneshot exited 0 -> 0" $? 0
out=$(pmc ping idle); expect_eq "ping of a never-started autostart = no exits 0" $? 0
expect_eq "ping prints one summary line" "$out" "ok: 1 process fine"
out=$(pmc status nosuch 2>&1); expect_eq "status of an unknown ID exits 2" $? 2
expect_match "unknown ID is named" "$out" 'unknown id: nosuch'
out=$(pmc frobnicate 2>&1); expect_eq "unknown command exits 2" $? 2
expect_match "unknown command is named" "$out" 'unknown command: frobnicate'
out=$("$PM" -S "$T/nothere.sock" status 2>&1); expect_eq "unreachable socket exits 1" $? 1
expect_match "unreachable message names the path" "$out" "$T/nothere.sock"
pmc signal 2>/dev/null; expect_eq "signal without args is a usage error" $? 2
pmc signal web NOSUCHSIG 2>/dev/null; expect_eq "unknown signal is a usage error" $? 2

# JSON is one document; python checks it parses.
out=$(pmc --json status)
check "--json status is valid JSON" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["processes"][0]["id"]=="web"' "$out"
check "--json config show is valid JSON" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$(pmc --json config show)"
check "--json version is valid JSON" python3 -c 'import json,sys; assert json.loads(sys.argv[1])["protocol"]==1' "$(pmc --json version)"

# start / stop / restart.
pmc start idle; expect_eq "start idle exits 0" $? 0
check "idle comes up" wait_until 5 state_is idle running
p=$(pid_of idle)
pmc restart idle; expect_eq "restart exits 0" $? 0
check "restart gives a new pid" wait_until 5 sh -c "p2=\$(\"$PM\" -S \"$SOCK\" status idle | awk '\$1==\"idle\"{print \$3}'); [ -n \"\$p2\" ] && [ \"\$p2\" != - ] && [ \"\$p2\" != $p ]"
pmc stop idle; expect_eq "stop exits 0" $? 0
check "idle stops" wait_until 5 state_is idle stopped
pmc stop nosuch 2>/dev/null; expect_eq "stop unknown ID exits 2" $? 2
pmc start web nosuch 2>/dev/null; expect_eq "start with one unknown ID exits 2" $? 2

# signal.
wp=$(pid_of web)
pmc signal web USR1; expect_eq "signal exits 0" $? 0
check "web got SIGUSR1 (sleep dies of it)" wait_until 5 log_has "web: pid $wp killed by SIGUSR1"
pmc signal nosuch TERM 2>/dev/null; expect_eq "signal unknown ID exits 2" $? 2

# config and setting, both spellings.
out=$(pmc config show web); expect_eq "config show web exits 0" $? 0
expect_match "config show names the section" "$out" '^\[process:web\]'
expect_match "config show has the command" "$out" 'command = sleep 1000'
out2=$(pmc config -display -web)
expect_eq "config -display -web = config show web" "$out2" "$out"
pmc config show nosuch 2>/dev/null; expect_eq "config show unknown ID exits 2" $? 2
out=$(pmc config show); expect_match "config show lists settings" "$out" '^\[settings\]'
expect_match "config show lists every process" "$out" '\[process:once\]'
out=$(pmc setting show max_clients); expect_match "setting show KEY" "$out" '^max_clients = [0-9]+'
out2=$(pmc setting -display -max_clients)
expect_eq "setting -display -KEY = setting show KEY" "$out2" "$out"
pmc setting show nosuch 2>/dev/null; expect_eq "setting show unknown key exits 2" $? 2
out=$(pmc setting reload); expect_eq "setting reload exits 0" $? 0
expect_match "setting reload reports per key" "$out" 'max_clients'
pmc setting -reload >/dev/null; expect_eq "setting -reload exits 0" $? 0
out=$(pmc config check "$T/pm.ini"); expect_eq "config check exits 0" $? 0
expect_eq "config check says OK" "$out" "configuration OK"
printf '[process:bad]\ncommand = x\nbogus = 1\n' >"$T/bad.ini"
out=$("$PM" -S "$T/none.sock" config check "$T/bad.ini" 2>&1); expect_eq "config check of a bad file exits 1 (no server needed)" $? 1
expect_match "config check names FILE:LINE" "$out" "bad.ini:3"
out=$(pmc -c "$T/pm.ini" config check); expect_eq "config check uses -c" "$out" "configuration OK"

# version, help, unsupported.
out=$(pmc version); expect_match "version shows client, server and protocol" "$out" 'client [0-9.]+, server [0-9.]+, protocol 1'
out=$(pmc help status); expect_match "help status has a synopsis" "$out" 'usage: pm status \[ID'
out2=$(pmc help -status); expect_eq "help -status = help status" "$out2" "$out"
pmc help nosuch 2>/dev/null; expect_eq "help of an unknown command exits 2" $? 2
out=$(pmc logs nosuch 2>&1); expect_eq "logs of an unknown ID exits 2" $? 2
expect_match "logs names the unknown ID" "$out" "nosuch"
pmc logs 2>/dev/null; expect_eq "logs without an ID is a usage error" $? 2
pmc logs web -n x 2>/dev/null; expect_eq "logs -n with a bad count is a usage error" $? 2
out=$(pmc metrics); expect_eq "metrics exits 0" $? 0
expect_match "metrics has per-process samples" "$out" '^# HELP pm_process_up'

# The socket is private.
m=$(stat -c %a "$SOCK"); expect_eq "socket mode is 600" "$m" 600

# A second server on the same socket refuses to start.
"$PM" -d -c "$T/pm.ini" >/dev/null 2>"$T/second.log"; rc=$?
check "second server exits non-zero" test "$rc" -ne 0
check "second server says another pm is listening" grep -q "another pm" "$T/second.log"
check "first server still answers" pmc version >/dev/null

# shutdown ends the server.
pmc shutdown; expect_eq "shutdown exits 0" $? 0
check "server exits after shutdown" wait_until 10 dead "$SERVER"

# A stale socket file (server killed) does not stop a new server.
start_server "$T/pm.ini" || finish
kill -KILL "$SERVER"; wait "$SERVER" 2>/dev/null
check "stale socket left behind" test -S "$SOCK"
start_server "$T/pm.ini" || finish
answers() { pmc version >/dev/null 2>&1; }
if wait_until 5 answers; then ok "new server answers over the stale path"
else fail "new server answers over the stale path: $(tail -3 "$T/server.log")"; fi
finish
