#!/usr/bin/env bash
# fork failing (issue 8): pm runs as nobody (RLIMIT_NPROC is per user and
# root ignores it), and its soft RLIMIT_NPROC is lowered with prlimit
# below what nobody already runs. Every fork then fails with EAGAIN: pm
# must say so, back off, keep answering, and recover once the limit is
# raised. Then the other half: execve failing with EAGAIN in a child that
# switched to a user at its rlimit_nproc is retried, not made fatal.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "skip - needs root and a nobody user"; finish
fi
mkdir "$T/run"; chown nobody "$T/run"
SOCK=$T/run/pm.sock; export PM_SOCKET=$SOCK
cat >"$T/pm.ini" <<INI
[process:web]
command = sleep 1000
[process:crashy]
command = sh -c 'exit 1'
restart_delay = 100ms
restart_delay_max = 200ms
start_limit = 0
INI
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$PM" -d -c "$T/pm.ini" >"$T/server.out" 2>"$T/server.log" &
SERVER=$!; track $SERVER
check "server as nobody listens" wait_until 5 test -S "$SOCK"
check "web running" wait_until 5 state_is web running
webpid=$(pid_of web)
expect_eq "pm runs as nobody" "$(awk '/^Uid:/ { print $2 }' /proc/$SERVER/status)" "$(id -u nobody)"

# prlimit runs as nobody too: root may lack CAP_SYS_RESOURCE (containers).
asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
hard=$(asnobody prlimit --pid $SERVER --nproc --output HARD --noheadings | tr -d ' ')
asnobody prlimit --pid $SERVER --nproc=1:"$hard"
check "forks fail and pm says so" wait_until 5 log_has 'crashy: cannot fork: .*; retrying in 0\.[12]00s'
check "crashy waits in backoff" wait_until 5 state_is crashy backoff
pmc restart web >/dev/null 2>&1
expect_eq "restart web while forks fail: taken, target missed (exit 3)" "$?" 3
check "web waits in backoff too" wait_until 5 state_is web backoff
t0=$(ms); out=$(pmc status); el=$(( $(ms) - t0 ))
expect_match "status still answers" "$out" 'crashy +backoff'
check "within a second (${el}ms)" test "$el" -lt 1000
check "pm itself is fine" alive $SERVER
nfail=$(count_log 'cannot fork')
check "retries are paced by the backoff ($nfail so far)" test "$nfail" -lt 60

asnobody prlimit --pid $SERVER --nproc="$hard":"$hard"
check "web runs again once the limit is raised" wait_until 5 state_is web running
check "with a new pid" test "$(pid_of web)" != "$webpid"
n=$(count_log 'crashy: started pid')
more() { [ "$(count_log 'crashy: started pid')" -gt "$n" ]; }
check "crashy is started again" wait_until 5 more

emu_gap "execve's EAGAIN retried" "vfork runs as fork, so the child cannot hand back errno" && finish

# A root pm whose child switches to nobody with rlimit_nproc = 1 while
# nobody runs the server above: execve fails with EAGAIN. That is retried
# with a growing backoff, and a reload that lifts the limit lets it run.
SOCK2=$T/pm2.sock
cat >"$T/pm2.ini" <<INI
[process:limited]
command = sleep 1001
user = nobody
rlimit_nproc = 1
restart_delay = 100ms
restart_delay_max = 400ms
INI
start_other "$T/pm2.ini" "$SOCK2"; S2=$OTHER
check "second server listens" wait_until 5 test -S "$SOCK2"
check "execve's EAGAIN is reported and retried" wait_until 5 grep -q 'limited: cannot execute sleep: .*; retrying in 0\.100s' "$T/server2.log"
check "the retries back off" wait_until 5 grep -q 'limited: cannot execute sleep: .*; retrying in 0\.400s' "$T/server2.log"
st2() { [ "$("$PM" -S "$SOCK2" status limited | awk '$1 == "limited" { print $2 }')" = "$1" ]; }
not_fatal() { ! st2 fatal; }
check "limited is not fatal" not_fatal
sed -i '/^rlimit_nproc/d' "$T/pm2.ini"
check "reload without the limit" quiet "$PM" -S "$SOCK2" config reload
check "limited runs" wait_until 5 st2 running
expect_eq "as nobody" "$(ps -o user= -p "$("$PM" -S "$SOCK2" status limited | awk '$1 == "limited" { print $3 }')")" nobody
kill -TERM $S2; wait_until 10 dead $S2
stop_server
finish
