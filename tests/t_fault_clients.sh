#!/usr/bin/env bash
# Clients that die or freeze (issue 8): killed with SIGKILL mid-request
# and mid-reply, stopped with SIGSTOP holding a connection with a reply
# pending, and 1,000 at once asking for status while three processes
# crash-loop. Every request is answered or refused cleanly, no process
# is lost or duplicated, pm's fds come back and its memory does not grow.
. "$(dirname "$0")/lib.sh"

{
	echo "[settings]"
	echo "max_clients = 256"
	echo "[process:web]"
	echo "command = sleep 1000"
	for i in 1 2 3; do
		echo "[process:crash$i]"
		echo "command = sh -c 'exit $i'"
		echo "restart_delay = 20ms"
		echo "restart_delay_max = 50ms"
		echo "start_limit = 0"
	done
	# Long environment lines make `config show` a reply of about 500 KB,
	# more than a socket buffer holds (each process is cut at 8 KB).
	for i in $(seq 1 60); do
		echo "[process:big$i]"
		echo "command = sleep 1000"
		echo "autostart = no"
		for j in $(seq 1 4); do
			printf 'environment = K%d=%04000d\n' "$j" 0
		done
	done
} >"$T/pm.ini"
start_server "$T/pm.ini" || finish
check "web running" wait_until 5 state_is web running
webpid=$(pid_of web)
# nfd: pm's open sockets (listeners and peers). Pipes come and go with
# the crashers' output capture, so they are not counted.
nfd() { find /proc/$SERVER/fd -lname 'socket:*' 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' /proc/$SERVER/status; }

# raw MODE: a Python client that connects, does MODE, then stops itself
# (SIGSTOP) so the test can kill or freeze it exactly there.
raw() {
	python3 "$PDU" freeze "$SOCK" "$1" &
}
frozen() { grep -q '^State:.*T' /proc/$1/status 2>/dev/null; }
# The baseline is the listener alone: a client that has its whole reply
# may exit a moment before pm closes its end, so take the least of a few.
fd0=$(for i in $(seq 20); do nfd; done | sort -n | head -1)
expect_eq "baseline: pm holds just its listener" "$fd0" 1
out=$(pmc config show big1)
expect_match "a spec too long for one reply is shown up to the cut" "$out" '^environment = K1=0000'
expect_match "and says it was cut" "$out" '^; \.\.\. cut here'

for mode in half body show; do
	raw $mode >"$T/raw.$mode"; p=$!
	check "$mode: client stopped mid-request" wait_until 5 frozen $p
	t0=$(ms); out=$(pmc status web); el=$(( $(ms) - t0 ))
	expect_match "$mode: others are served meanwhile (${el}ms)" "$out" 'web +running'
	kill -KILL $p; wait $p 2>/dev/null
done
# fds_back: pm holds no more sockets than at the start (peers it has not yet
# seen die are closed within a timeout of 5 s).
at_base() { [ "$(nfd)" -eq "$fd0" ]; }
fds_back() { wait_until 12 at_base || { ls -l /proc/$SERVER/fd | sed 's/^/# /'; return 1; }; }
check "every connection of a killed client is closed" fds_back

# SIGSTOP holding a connection with a reply pending: pm neither blocks on
# it nor keeps it past the timeout.
raw show >/dev/null; p=$!; track $p
check "stopped client holds its connection" wait_until 5 frozen $p
check "meanwhile status answers" quiet pmc status web
check "meanwhile config show of one process answers" quiet pmc config show web
t0=$(ms)
wait_until 12 at_base; el=$(( $(ms) - t0 ))
check "the frozen connection is timed out by pm (${el}ms)" test "$(nfd)" -eq "$fd0" -a "$el" -ge 3000
kill -KILL $p; wait $p 2>/dev/null

# The real client killed mid-reply, many times over.
for i in $(seq 1 20); do
	"$PM" -S "$SOCK" config show >/dev/null 2>&1 & p=$!
	kill -KILL $p; wait $p 2>/dev/null
done
check "after 20 clients killed mid-reply, fds come back" fds_back

# 1,000 concurrent status requests, three rounds; RSS after the first.
crowd() {
	pdu crowd "$SOCK" "$1"
}
# First every one of the max_clients slots is used at once (requests
# held back by one byte until the 257th connection is refused), so the
# preallocated table is all touched before RSS is taken.
fill() {
	pdu fill "$SOCK" "$SERVER"
}
out=$(fill)
expect_match "all 256 slots held at once, the rest refused ($out)" "$out" 'held 256 refused 14 '
rss1=$(rss)
for r in 1 2 3; do
	out=$(crowd 1000)
	echo "# round $r: $out"
	expect_match "round $r: every request answered or refused cleanly" "$out" "bad 0 unfinished 0$"
done
rss3=$(rss)
check "RSS did not grow over 3,000 clients (${rss1} kB -> ${rss3} kB)" test "$rss3" -le "$((rss1 + 16))"
check "fds back to where they were" fds_back
out=$(pmc status)
expect_eq "status lists 64 processes, each once" "$(echo "$out" | awk 'NR>1 {print $1}' | sort | uniq | wc -l) $(echo "$out" | awk 'NR>1' | wc -l)" "64 64"
expect_eq "web kept its pid" "$(pid_of web)" "$webpid"
# Every crasher has one live pid or none, and pm's children are exactly
# the pids status shows. The crashers restart every few milliseconds, so
# a child counts when it is there both before and after the status query.
kids_shown() {
	local before after shown
	before=$(ps -o pid= --ppid $SERVER | tr -d ' ' | sort)
	shown=$(pmc status | awk 'NR>1 && $3 != "-" {print $3}' | sort)
	after=$(ps -o pid= --ppid $SERVER | tr -d ' ' | sort)
	[ -z "$(comm -12 <(echo "$before") <(echo "$after") |
	    comm -23 - <(echo "$shown") | sed '/^$/d')" ]
}
check "pm's live children are the pids status shows" wait_until 5 kids_shown
cp "$T/server.log" "$T/snap.log"	# one snapshot for both counts
for i in 1 2 3; do
	n=$(grep -c "crash$i: started pid" "$T/snap.log")
	e=$(grep -Ec "crash$i: pid [0-9]+ exited" "$T/snap.log")
	check "crash$i: starts ($n) and exits ($e) pair up" test $((n - e)) -ge 0 -a $((n - e)) -le 1
done
stop_server
finish
