#!/usr/bin/env bash
# Hostile HTTP clients (issue 15) get a 4xx or are let go, and never delay
# the control socket: a client sending one byte a second, 500 idle
# connections, a 1 MB request line, a half-closed client. Throughout,
# `pm status` answers within a second and no PID changes.
. "$(dirname "$0")/lib.sh"

P=$(port)
start_web_db "http = 127.0.0.1:$P" || finish
BEFORE=$(status_pids)

# The clients, in Python: each prints what it saw on one line.
cat >"$T/h.py" <<'PY'
import select, socket, sys, time
port = int(sys.argv[2])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=15)
def reply(s):
    b = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            b += d
    except OSError as e:
        b += (" [%s]" % e.strerror).encode()
    return b.decode("latin-1")
mode = sys.argv[1]
if mode == "slow":
    s = conn()
    t0 = time.time()
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    try:
        for c in req:
            s.send(bytes([c]))
            if select.select([s], [], [], 1)[0]:
                break	# pm answered
    except OSError:
        pass
    r = reply(s)
    print("%s after %ds" % (r.split("\r\n")[0], time.time() - t0))
elif mode == "idle":
    n = int(sys.argv[3])
    ss = [conn() for _ in range(n)]
    open(sys.argv[4], "w").write("open\n")
    t0 = time.time()
    closed = 0
    for s in ss:
        r = reply(s)
        closed += 1
    print("%d closed by the server within %ds" % (closed, time.time() - t0))
elif mode == "big":
    s = conn()
    try:
        s.sendall(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\n\r\n")
    except OSError:
        pass
    print(reply(s).split("\r\n")[0])
elif mode == "half":
    s = conn()
    s.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
    s.shutdown(socket.SHUT_WR)
    r = reply(s)
    print(r.split("\r\n")[0], "/", r.split("\r\n\r\n", 1)[-1].strip())
PY
h() { timeout 30 python3 "$T/h.py" "$1" "$P" "${@:2}"; }

# One byte a second: a 408 once the request's 5 s are up.
h slow >"$T/slow" &
track $!
for i in 1 2 3; do still_fine "a one-byte-a-second client, second $i"; for_a_while 1; done
check "slow client answered" wait_until 15 test -s "$T/slow"
expect_match "slow client gets 408 within the request time" "$(cat "$T/slow")" \
	'^HTTP/1.1 408 Request Timeout after [4-7]s'

# 500 idle connections: the cap turns most away at once (503), the rest
# are let go after their time; the endpoint then answers again.
rm -f "$T/open"
h idle 500 "$T/open" >"$T/idle" &
IDLE=$!
track $IDLE
check "500 connections open" wait_until 10 test -s "$T/open"
still_fine "500 idle HTTP connections"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/livez")
expect_eq "a new client while the table is full: 503" "$code" 503
check "every idle connection closed by pm" wait_until 15 test -s "$T/idle"
expect_match "idle ones closed within about 5 s" "$(cat "$T/idle")" \
	'^500 closed by the server within [0-7]s'
# pm holds each answered connection until its peer closes (or 5 s): the
# client's sockets close when it exits, and pm frees their slots as it
# reads those ends, so the first try can still meet a full table.
check "the idle client has exited" wait_until 10 dead "$IDLE"
livez_ok() { [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/livez")" = 200 ]; }
check "after the idle ones are gone: 200" wait_until 10 livez_ok
still_fine "the idle connections"

# A 1 MB request line: 414, and the connection closed.
expect_eq "1 MB request line: 414" "$(h big)" "HTTP/1.1 414 URI Too Long"
still_fine "a 1 MB request line"

# Headers that never end within the buffer: 431.
out=$(timeout 10 python3 -c 'import socket,sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /livez HTTP/1.1\r\n" + b"X-A: b\r\n" * 400)
print(s.recv(100).decode().split("\r\n")[0])' "$P")
expect_eq "endless headers: 431" "$out" "HTTP/1.1 431 Request Header Fields Too Large"

# Half-closed: the request, then shutdown(SHUT_WR); the reply still comes.
expect_eq "half-closed client gets its reply" "$(h half)" "HTTP/1.1 200 OK / ok"
still_fine "a half-closed client"

check "pm is still running" alive "$SERVER"
stop_server

# Out of fds (RLIMIT_NOFILE 40): accepting pauses instead of spinning,
# and the endpoint answers again once the idle peers are let go.
P=$(port)
sed "s/^http = .*/http = 127.0.0.1:$P/" "$T/pm.ini" >"$T/few.ini"
prlimit --nofile=40 "$PM" -d -c "$T/few.ini" >/dev/null 2>"$T/few.log" &
FEW=$!
track "$FEW"
check "server with 40 fds answers" wait_until 5 sh -c \
	"curl -s -m 2 http://127.0.0.1:$P/livez | grep -q ok"
rm -f "$T/open"
h idle 60 "$T/open" >"$T/idle" &
track $!
check "60 connections open" wait_until 10 test -s "$T/open"
check "accept paused, said once" wait_until 5 grep -q 'http: accept: .*pausing' "$T/few.log"
check "the idle ones are let go, the backlog too" wait_until 28 test -s "$T/idle"
check "then /livez answers again" wait_until 5 sh -c \
	"curl -s -m 2 http://127.0.0.1:$P/livez | grep -q ok"
kill "$FEW"
wait_until 10 dead "$FEW"
finish
