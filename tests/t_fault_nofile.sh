#!/usr/bin/env bash
# fd exhaustion (issue 8): with pm's RLIMIT_NOFILE lowered (prlimit on the
# running server) to exactly the fds it holds, accepting a client, reading
# the config and resolving a user's groups all fail. pm must say so, not
# spin, keep its processes, give no child a wrong group list, and serve
# the waiting client once the limit is raised again.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "skip - needs root and a nobody user"; finish
fi
cat >"$T/pm.ini" <<INI
[process:web]
command = sleep 1000
[process:looper]
command = grep ^Groups: /proc/self/status
user = nobody
restart_delay = 100ms
restart_delay_max = 200ms
start_limit = 0
INI
start_server "$T/pm.ini" || finish
check "web running" wait_until 5 state_is web running
check "looper ran as nobody" wait_until 5 has_lines 1 "$T/server.out"
# Output comes through pm's capture ("looper | ...") or, when pm has no fd
# for a pipe, straight to its stdout: both are read.
groups_lines() { sed -n 's/^\(looper | \)\{0,1\}\(Groups:.*\)/\2/p' "$T/server.out"; }
want=$(groups_lines | head -1)
webpid=$(pid_of web)

# The lowest free fd number: with the soft limit there, every new fd fails.
lowest_free() {
	local i=0
	while [ -e /proc/$SERVER/fd/$i ]; do i=$((i + 1)); done
	echo $i
}
hard=$(prlimit --pid $SERVER --nofile --output HARD --noheadings)
lim=$(lowest_free)
prlimit --pid $SERVER --nofile=$lim:$hard
soft() { prlimit --pid $SERVER --nofile --output SOFT --noheadings | tr -d ' '; }
expect_eq "soft RLIMIT_NOFILE lowered to the lowest free fd" "$(soft)" "$lim"
ticks() { awk '{ print $14 + $15 }' /proc/$SERVER/stat; }
t0=$(ticks)
timeout 20 "$PM" -S "$SOCK" status web >"$T/waiting.out" 2>&1 &
waiter=$!; track $waiter
check "accept fails and pm says so" wait_until 5 log_has 'accept: .*(Too many open files|No file descriptors).*pausing'
check "the client is kept waiting, not refused" alive $waiter
n0=$(wc -l <"$T/server.out")
# The user's groups were read at load, so spawning needs no file now:
# looper keeps starting, and never with a guessed group list.
check "looper keeps starting without a free fd" wait_until 5 has_lines $((n0 + 3)) "$T/server.out"
kill -HUP $SERVER
check "a reload that cannot open the file keeps the old config" wait_until 5 log_has 'reload failed, old config kept'
# Stay exhausted a while: the loop must sleep, not spin on the listener.
wait_until 3 sh -c "[ \$(grep -c 'pausing' '$T/server.log') -ge 2 ]"
t1=$(ticks)
check "pm did not spin while out of fds ($((t1 - t0)) ticks of CPU)" test $((t1 - t0)) -lt 50
check "web kept its pid" test "$(cat /proc/$webpid/stat 2>/dev/null | awk '{print $4}')" = "$SERVER"
prlimit --pid $SERVER --nofile=$hard:$hard
check "the waiting client is served once fds are back" wait_until 5 dead $waiter
wait $waiter; rc=$?
expect_eq "its status exited 0" "$rc" 0
expect_match "and listed web" "$(cat "$T/waiting.out")" 'web +running'
check "new clients are served" quiet pmc status web
m=$(wc -l <"$T/server.out")
check "looper spawns again" wait_until 5 has_lines $((m + 2)) "$T/server.out"
bad=$(groups_lines | grep -vxF "$want" | head -3)
expect_eq "no child ever got a wrong group list" "$bad" ""
expect_eq "web still has its pid" "$(pid_of web)" "$webpid"
stop_server
finish
