#!/usr/bin/env bash
# TCP auth v2 against a relay (issue 11). With auth v1 a relay on another
# port handed a real server's challenge to a client that dialled the relay,
# forwarded the answer and then acted with the client's authority. Now the
# client's answer names the server it dialled, the server proves the key
# back, and every later PDU carries a tag under the session key.
. "$(dirname "$0")/lib.sh"

P1=$(port); P2=$(port); PR=$(port); PT=$(port)
key_file "$T/key" one-key-for-the-fleet
S1="127.0.0.1:$P1"; S2="127.0.0.1:$P2"

# Server 1 also answers to the tap's address: a legitimate port forward.
cat >"$T/pm.ini" <<INI
[settings]
listen = $S1
tcp_identity = 127.0.0.1:$PT
token_file = $T/key
[process:web]
command = sleep 1000
[process:talk]
command = sh -c 'while :; do echo tick; sleep 0.2; done'
INI
start_server "$T/pm.ini" || finish
check "web running" wait_until 5 state_is web running
cat >"$T/pm2.ini" <<INI
[settings]
socket = $T/pm2.sock
listen = $S2
token_file = $T/key
[process:api]
command = sleep 1002
INI
start_other "$T/pm2.ini" "$T/pm2.sock"; S2PID=$OTHER
check "second server up" wait_until 5 sh -c "\"$PM\" -S \"$T/pm2.sock\" status api >/dev/null"
pid1=$(pid_of web)

# relay MODE [ARG]: start the relay in its own directory, wait until it
# listens; its record lands in $T/MODE/relay.json.
relay() {
	local d=$T/$1
	mkdir -p "$d"
	python3 "$PDU" relay "$1" "$2" "$P1" "$d" ${3:+"$3"} 2>"$d/err" &
	RPID=$!; track $RPID
	wait_until 5 test -e "$d/relay.ready"
}
relay_done() { wait_until 20 dead "$RPID"; }
rj() { python3 -c 'import json,sys; print(eval(sys.argv[2], {}, json.load(open(sys.argv[1]))))' "$T/$1/relay.json" "$2"; }

# 1. Pure forwarding: the server refuses a name that is not its own.
relay forward "$PR"
out=$("$PM" -H "127.0.0.1:$PR" --token-file "$T/key" stop web 2>&1); rc=$?
relay_done
expect_eq "forwarded: the client fails (exit 1)" "$rc" 1
expect_match "forwarded: the server names the wrong name" "$out" "not '127.0.0.1:$PR'"
expect_eq "forwarded: the server never proved itself to the relay" "$(rj forward server_proved)" False
expect_eq "forwarded: web was not stopped" "$(pid_of web)" "$pid1"

# 2. The relay puts the server's own name into the client's AUTH.
relay rewrite "$PR" "$S1"
out=$("$PM" -H "127.0.0.1:$PR" --token-file "$T/key" stop web 2>&1); rc=$?
relay_done
expect_eq "rewritten name: the client fails (exit 1)" "$rc" 1
expect_match "rewritten name: authentication failed" "$out" 'authentication failed'
expect_eq "rewritten name: no proof from the server" "$(rj rewrite server_proved)" False
expect_eq "rewritten name: web was not stopped" "$(pid_of web)" "$pid1"

# 3. A recording port forward the server knows (tcp_identity) works, and
#    keeps a genuine session: AUTH, the sealed stop request, AUTH_OK.
relay tap "$PT"
out=$("$PM" -H "127.0.0.1:$PT" --token-file "$T/key" stop web 2>&1); rc=$?
relay_done
expect_eq "through a known port forward, stop works" "$rc" 0
check "web stopped" wait_until 5 state_is web stopped
expect_eq "the tap saw AUTH, then the request" "$(rj tap 'c2s[:2]')" "[15, 2]"
pmc start web >/dev/null
check "web running again" wait_until 5 state_is web running
pid2=$(pid_of web)

# 4. Replaying the captured AUTH and request on a new connection fails:
#    the server's nonce is new.
out=$(pdu send --challenge --timeout 5 "$P1" "file('$T/tap/c2s.0') + file('$T/tap/c2s.1')")
expect_match "replayed AUTH: authentication failed" "$out" 'authentication failed'
expect_eq "replayed stop: web kept its pid" "$(pid_of web)" "$pid2"

# 5. Inside a genuine session, the relay swaps the client's request for
#    the stop captured from another session: its tag does not verify.
relay inject "$PT" "$T/tap/c2s.1"
out=$("$PM" -H "127.0.0.1:$PT" --token-file "$T/key" status web 2>&1); rc=$?
relay_done
expect_eq "injected request: the client fails (exit 1)" "$rc" 1
expect_match "injected request: refused by its tag" "$out" 'request failed authentication'
expect_eq "injected request: web kept its pid" "$(pid_of web)" "$pid2"

# 6. A relay that answers the client itself, with a server proof captured
#    earlier: the client refuses it and never sends its request.
relay fakeproof "$PR" "$T/tap/s2c.1"
out=$("$PM" -H "127.0.0.1:$PR" --token-file "$T/key" stop web 2>&1); rc=$?
relay_done
expect_eq "fake proof: the client fails (exit 1)" "$rc" 1
expect_match "fake proof: the client says why" "$out" 'did not prove that it holds the key'
expect_eq "fake proof: the relay got AUTH only" "$(rj fakeproof c2s)" "[15]"
expect_eq "fake proof: no request reached the relay" "$(rj fakeproof request_received)" False

# 7. The good client, one key, two servers, each dialled by its own name.
out=$("$PM" -H "$S1,$S2" --token-file "$T/key" status); rc=$?
expect_eq "-H a,b with one shared key: exit 0" "$rc" 0
expect_match "host 1 answers" "$out" "^$S1 web +running"
expect_match "host 2 answers" "$out" "^$S2 api +running"
out=$("$PM" -H "$S1,$S2" --token-file "$T/key" config show 2>&1); rc=$?
expect_eq "replies of several PDUs verify (config show): exit 0" "$rc" 0
expect_match "host 1's sections" "$out" "^$S1 \[process:web\]"
expect_match "host 2's sections" "$out" "^$S2 \[process:api\]"
"$PM" -H "$S1" --token-file "$T/key" logs talk -f >"$T/follow" 2>&1 &
FPID=$!; track $FPID
ticks() { [ "$(grep -c '^tick$' "$T/follow")" -ge 5 ]; }
wait_until 10 ticks
kill $FPID 2>/dev/null; wait $FPID 2>/dev/null
expect_eq "logs -f over TCP: nothing but the lines (no tag failure)" \
    "$(grep -vc '^tick$' "$T/follow")" 0
check "logs -f over TCP: lines keep coming (at least 5)" test "$(grep -c '^tick$' "$T/follow")" -ge 5
out=$("$PM" -H "localhost:$P1" --token-file "$T/key" status 2>&1); rc=$?
expect_eq "a name the server does not know: exit 1" "$rc" 1
expect_match "and the error names it" "$out" "not 'localhost:$P1'.*tcp_identity"

# 8. A client of auth v1 (MAC over the server nonce only) gets a clear error.
out=$(pdu authv1 "$P1" "$T/key")
expect_match "auth v1 client: told to upgrade" "$out" 'needs TCP authentication version 2'
# 9. A server of auth v1 (no AUTHV in its challenge): the client refuses it.
PV1=$(port)
python3 "$PDU" v1server "$PV1" "$T/v1.ready" &
V1=$!; track $V1
check "a v1 server listens" wait_until 5 test -e "$T/v1.ready"
out=$("$PM" -H "127.0.0.1:$PV1" --token-file "$T/key" status 2>&1); rc=$?
expect_eq "auth v1 server: the client fails (exit 1)" "$rc" 1
expect_match "and says why" "$out" 'speaks TCP authentication version 1'
check "the server logs the refused names, rate-limited" log_has "dialled '127.0.0.1:$PR'"
check "the server is still up" alive "$SERVER"
kill -TERM $S2PID; wait_until 10 dead $S2PID
finish
