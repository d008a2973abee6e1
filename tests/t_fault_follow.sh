#!/usr/bin/env bash
# Followers that die (issue 8): `pm logs ID -f` killed with SIGKILL while
# lines stream, and one stopped with SIGSTOP, must not cost pm a
# connection, block the loop, or lose the process's output elsewhere.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:chatty]
command = sh -c 'i=0; while :; do i=\$((i + 1)); echo "line \$i"; sleep 0.01; done'
[process:web]
command = sleep 1000
INI
start_server "$T/pm.ini" || finish
check "chatty running" wait_until 5 state_is chatty running
nsock() { find /proc/$SERVER/fd -lname 'socket:*' 2>/dev/null | wc -l; }
base=$(nsock)
webpid=$(pid_of web)

for round in 1 2 3; do
	"$PM" -S "$SOCK" logs chatty -f >"$T/follow.$round" 2>&1 &
	f=$!; track $f
	streaming() { [ "$(grep -c '^line ' "$T/follow.$round")" -ge 5 ]; }
	check "follower $round receives lines" wait_until 5 streaming
	kill -KILL $f; wait $f 2>/dev/null
done
back() { [ "$(nsock)" -le "$base" ]; }
check "pm closed the killed followers' connections" wait_until 5 back

# A follower frozen with SIGSTOP while lines keep coming.
"$PM" -S "$SOCK" logs chatty -f >"$T/frozen" 2>&1 &
fz=$!; track $fz
started() { grep -q '^line ' "$T/frozen"; }
check "the frozen follower had started" wait_until 5 started
kill -STOP $fz
t0=$(ms)
for i in 1 2 3 4 5; do pmc status web >/dev/null || fail "status $i with a frozen follower"; done
el=$(( $(ms) - t0 ))
check "five status requests answer promptly beside it (${el}ms)" test "$el" -lt 2000
expect_eq "web kept its pid" "$(pid_of web)" "$webpid"
n1=$(pmc logs chatty -n 1 | sed -n 's/^line //p')
more() { [ "$(pmc logs chatty -n 1 | sed -n 's/^line //p')" -gt "$n1" ]; }
check "the ring still takes chatty's output" wait_until 5 more
kill -KILL $fz; wait $fz 2>/dev/null
check "and that connection is closed too" wait_until 5 back
check "the server is still up" alive "$SERVER"
stop_server
finish
