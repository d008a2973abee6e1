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
	python3 - "$SOCK" "$1" <<'PY' &
import os, signal, socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
def pdu(t, body=b""):
    return struct.pack(">HBBHHII", 0x504d, 1, t, 0, 0, 7, 16 + len(body)) + body
if sys.argv[2] == "half":          # half a header
    s.sendall(pdu(4)[:9])
elif sys.argv[2] == "body":        # a header promising a body never sent
    s.sendall(struct.pack(">HBBHHII", 0x504d, 1, 4, 0, 0, 7, 400) + b"\0\1")
elif sys.argv[2] == "show":        # a 500 KB reply, never read
    s.sendall(pdu(6))
print("sent", flush=True)
os.kill(os.getpid(), signal.SIGSTOP)
PY
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
	python3 - "$SOCK" "$1" <<'PY'
import resource, select, socket, struct, sys, time
n = int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))
req = struct.pack(">HBBHHII", 0x504d, 1, 4, 0, 0, 9, 16)
socks, data, pending = {}, {}, list(range(n))
deadline = time.time() + 30
while pending and time.time() < deadline:
    nxt = []
    for i in pending:
        s = socket.socket(socket.AF_UNIX); s.setblocking(False)
        try:
            s.connect(sys.argv[1])
        except BlockingIOError:     # backlog full: try again
            s.close(); nxt.append(i); continue
        try:
            s.send(req)
        except OSError:             # refused and closed already: read why
            pass
        socks[s.fileno()] = (i, s); data[i] = b""
    pending = nxt
    if pending: time.sleep(0.005)
    # drain what is ready so the server can move on
    r, _, _ = select.select([x[1] for x in socks.values()], [], [], 0)
    for s in r:
        i = socks[s.fileno()][0]
        try:
            b = s.recv(65536)
        except OSError:
            b = b""
        if b: data[i] += b
        else: del socks[s.fileno()]; s.close()
while socks and time.time() < deadline:
    r, _, _ = select.select([x[1] for x in socks.values()], [], [], 1)
    for s in r:
        i = socks[s.fileno()][0]
        try:
            b = s.recv(65536)
        except OSError:
            b = b""
        if b: data[i] += b
        else: del socks[s.fileno()]; s.close()
ok = busy = bad = 0
for i in range(n):
    d, recs, end = data.get(i, b""), [], None
    while len(d) >= 16:
        t, ln = d[3], struct.unpack(">I", d[12:16])[0]
        body, d = d[16:ln], d[ln:]
        if t == 0x83:
            f = {}
            while body:
                tag, fl = struct.unpack(">HH", body[:4]); f[tag] = body[4:4+fl]; body = body[4+fl:]
            recs.append(f[1].decode())
        elif t == 0x82: end = struct.unpack(">I", body[4:8])[0]
        elif t == 0x81 and b"too many clients" in body: end = "busy"
    if end == "busy": busy += 1
    elif end is not None and end == len(recs) and len(set(recs)) == len(recs) == 64: ok += 1
    else: bad += 1
print(f"answered {ok} refused {busy} bad {bad} unfinished {len(socks)}")
PY
}
# First every one of the max_clients slots is used at once (requests
# held back by one byte until the 257th connection is refused), so the
# preallocated table is all touched before RSS is taken.
fill() {
	python3 - "$SOCK" <<'PY'
import socket, struct, sys, time
req = struct.pack(">HBBHHII", 0x504d, 1, 4, 0, 0, 9, 16)
socks = []
t0 = time.time()
for i in range(270):
    s = socket.socket(socket.AF_UNIX)
    for t in range(500):            # a full backlog says EAGAIN: retry
        try:
            s.connect(sys.argv[1]); break
        except BlockingIOError:
            time.sleep(0.01)
    try:
        s.sendall(req[:-1])
    except OSError:                 # refused and closed already
        pass
    socks.append(s)
time.sleep(0.3)
held, refused = [], 0
for s in socks:
    s.setblocking(False)
    try:
        d = s.recv(4096)
        refused += b"too many clients" in d
    except BlockingIOError:
        held.append(s)
    except OSError:
        refused += 1
for h in held:
    h.setblocking(True); h.settimeout(10)
    try: h.sendall(req[-1:])
    except OSError: pass
for h in held:
    try:
        while h.recv(65536): pass
    except OSError: pass
print(f"held {len(held)} refused {refused} in {time.time() - t0:.1f}s")
PY
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
