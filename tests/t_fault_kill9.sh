#!/usr/bin/env bash
# The server killed with SIGKILL while not PID 1 (issue 8). Nothing can
# run in pm then: its children live on, reparented to the nearest
# subreaper (or init), unmanaged; the socket file stays behind. The next
# start must work: it finds the stale socket, removes it and starts its
# own processes (the old ones are not adopted: they are the caller's to
# reap). Under a subreaper, here `pm -- pm -d`, the orphans are adopted
# and reaped by it.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:web]
command = sleep 1000
[process:worker]
command = sh -c 'sleep 1001 & wait'
INI
start_server "$T/pm.ini" || finish
check "web running" wait_until 5 state_is web running
check "worker running" wait_until 5 state_is worker running
web=$(pid_of web); worker=$(pid_of worker)
track $web; track $worker
kill -KILL $SERVER; wait $SERVER 2>/dev/null
check "after SIGKILL the children live on" alive $web
ppid() { awk '{ print $4 }' /proc/$1/stat; }
check "reparented away from the dead server" test "$(ppid $web)" != "$SERVER"
check "the socket file is left behind" test -S "$SOCK"
out=$(pmc status 2>&1); rc=$?
expect_eq "a client meanwhile fails cleanly" "$rc" 1
expect_match "saying the server is not running" "$out" 'is the server running'
start_server "$T/pm.ini" || finish
check "the next start works" wait_until 5 state_is web running
check "with a fresh web" test "$(pid_of web)" != "$web"
check "the old web is not adopted (still the caller's)" alive $web
kill -TERM $web $worker
stop_server

emu_gap "the outer pm adopts the inner's orphans" "prctl(PR_SET_CHILD_SUBREAPER) fails with EINVAL" && finish

# Under a subreaper: the outer pm (container mode) runs the inner pm -d as
# its main child. When the inner one is killed, its children become the
# outer's, which stops and reaps them and exits with the inner's status.
PM_SOCKET=$T/outer.sock "$PM" -- "$PM" -d -c "$T/pm.ini" -S "$SOCK" \
    >"$T/outer.out" 2>"$T/outer.log" &
OUTER=$!; track $OUTER
check "inner server under the outer pm answers" wait_until 5 state_is web running
check "inner worker running" wait_until 5 state_is worker running
web=$(pid_of web); worker=$(pid_of worker)
inner=$(ppid $web)
grand=$(ps -o pid= --ppid $worker | tr -d ' ')
check "the worker's own child is there" test -n "$grand"
kill -KILL $inner
check "the outer pm exits" wait_until 10 dead $OUTER
wait $OUTER; rc=$?
expect_eq "with the inner server's status (128+9)" "$rc" 137
check "web was reaped by the outer pm" dead $web
check "worker was reaped" dead $worker
check "the worker's child was reaped too" dead $grand
check "no zombie left: web's pid is gone entirely" test ! -e /proc/$web
finish
