#!/usr/bin/env bash
# A watch freed while its event waits in the same epoll batch (issue 11,
# finding 2). A removed process leaves a helper that ignores SIGTERM and
# keeps the output pipe open; once the process itself has stopped, the
# next reload frees its output buffer, pipe watch included. Here that
# reload (SIGHUP) and the helper's late output land in one loop turn, the
# signal first: pm is frozen with SIGSTOP, the signal is queued, the
# helper writes, and pm is let go. Before the fix the pipe's callback ran
# on freed memory (ASan: heap-use-after-free; the release build crashed).
. "$(dirname "$0")/lib.sh"

mkfifo "$T/in"
# The helper: cat reading a FIFO it holds open itself (so it never sees
# EOF), with SIGTERM ignored, in the process group pm signals.
cat >"$T/helper.ini" <<INI
[process:keep]
command = sleep 1000

[process:leaky]
command = sh -c '(trap "" TERM; exec cat 0<>$T/in) & exec sleep 1000'
stop_timeout = 30s
INI
printf '[process:keep]\ncommand = sleep 1000\n' >"$T/gone.ini"

rounds=${PM_UAF_ROUNDS:-3}
cp "$T/helper.ini" "$T/pm.ini"
start_server "$T/pm.ini" || finish
for r in $(seq 1 "$rounds"); do
	cp "$T/helper.ini" "$T/pm.ini"
	pmc config reload >/dev/null 2>&1
	# Each round needs its own helper: the free happens once per lb.
	if ! wait_until 5 state_is leaky running; then
		fail "round $r: leaky did not start"; break
	fi
	pid=$(pid_of leaky)
	wait_until 5 grep -q . /proc/$pid/task/$pid/children
	helper=$(cat /proc/$pid/task/$pid/children 2>/dev/null | awk '{print $1}')
	if [ -z "$helper" ]; then fail "round $r: no helper found"; break; fi
	track "$helper"
	# Until the subshell has run its trap and exec'd cat, a TERM kills it:
	# under load the removal below could come first (seen once).
	if ! wait_until 5 grep -qx cat /proc/$helper/comm; then
		fail "round $r: helper did not become cat"; break
	fi
	# Remove it: the ghost stops (sleep dies), the helper lives on.
	cp "$T/gone.ini" "$T/pm.ini"
	kill -HUP "$SERVER"
	wait_until 10 dead "$pid"
	wait_until 5 sh -c "! '$PM' -S '$SOCK' status | grep -q '^leaky '"
	check "round $r: helper still holds the pipe" alive "$helper"
	# Without it the FIFO has no reader and the write below would block
	# until the script's own timeout (seen once, 120 s).
	alive "$helper" || break
	# One turn: the reload that frees the lb, then the pipe's event.
	kill -STOP "$SERVER"
	wait_until 5 grep -q '^State:.*T' /proc/$SERVER/status
	w0=$(awk '/^wchar/ { print $2 }' /proc/$helper/io)
	kill -HUP "$SERVER"
	timeout 5 sh -c "echo 'late output $r' >'$T/in'"
	wait_until 5 sh -c "[ \$(awk '/^wchar/ { print \$2 }' /proc/$helper/io) -gt $w0 ]"
	kill -CONT "$SERVER"
	check "round $r: pm survived the reload and the late output" \
	    wait_until 5 quiet pmc status keep
	dead "$SERVER" && break
	kill -KILL "$helper" 2>/dev/null
done
if dead "$SERVER"; then
	wait "$SERVER"; echo "# pm exited $?"
	grep -E 'ERROR|SUMMARY|#[0-4] ' "$T/server.log" | head -12 | sed 's/^/# /'
fi
check "no sanitizer report" sh -c "! grep -q 'Sanitizer' '$T/server.log'"
stop_server
finish
