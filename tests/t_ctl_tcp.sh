#!/usr/bin/env bash
# TCP control with HMAC challenge-response, and -H fan-out (issue 3).
. "$(dirname "$0")/lib.sh"

P1=$(port); P2=$(port); PDOWN=$(port)
key_file "$T/key" sekrit-key
key_file "$T/badkey" wrong-key

cat >"$T/pm.ini" <<INI
[settings]
listen = 127.0.0.1:$P1
token_file = $T/key
[process:web]
command = sleep 1000
INI

# A token file others can read stops pm from starting.
chmod 644 "$T/key"
"$PM" -d -c "$T/pm.ini" >/dev/null 2>"$T/perm.log"; rc=$?
check "world-readable token_file: server refuses to start" test "$rc" -ne 0
check "the error names the file" grep -q "$T/key" "$T/perm.log"
chmod 640 "$T/key"
"$PM" -d -c "$T/pm.ini" >/dev/null 2>"$T/perm.log"; rc=$?
check "group-readable token_file: server refuses to start" test "$rc" -ne 0
chmod 600 "$T/key"
# Owned by another user, it is that user's secret as much as pm's (issue 8).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chown nobody "$T/key"
	"$PM" -d -c "$T/pm.ini" >/dev/null 2>"$T/perm.log"; rc=$?
	check "token_file owned by another user: server refuses to start" test "$rc" -ne 0
	check "saying who must own it" grep -q "owned by root or by pm's user" "$T/perm.log"
	chown root "$T/key"
else
	echo "skip - token_file ownership needs root"
fi
mkfifo -m 600 "$T/fifo"
timeout 5 "$PM" -d -c <(sed "s|^token_file = .*|token_file = $T/fifo|" "$T/pm.ini") \
    >/dev/null 2>"$T/perm.log"; rc=$?
check "a FIFO as token_file is refused, not waited on (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124

start_server "$T/pm.ini" || finish
check "web running" wait_until 5 state_is web running
H="127.0.0.1:$P1"
out=$("$PM" -H "$H" --token-file "$T/key" status); rc=$?
expect_eq "TCP status with the right key exits 0" "$rc" 0
expect_match "TCP status lists web" "$out" 'web +running +[0-9]+'
out=$(PM_TOKEN=sekrit-key "$PM" -H "$H" status); rc=$?
expect_eq "PM_TOKEN holds the key" "$rc" 0
out=$("$PM" -H "$H" --token-file "$T/badkey" status 2>&1); rc=$?
expect_eq "wrong key exits 1" "$rc" 1
expect_match "wrong key: authentication failed" "$out" 'authentication failed'
out=$(env -u PM_TOKEN "$PM" -c /dev/null -H "$H" status 2>&1); rc=$?
expect_eq "missing key exits 1" "$rc" 1
expect_match "missing key is explained" "$out" 'requires a key'
# A raw client that skips AUTH gets nothing but an error.
out=$(pdu send --challenge "$P1" "hdr(1, 4, 16)")
expect_match "request without AUTH refused" "$out" 'authentication required'
pid1=$(pid_of web)

# A second server on another port, then -H a,b and -H a,b,down.
cat >"$T/pm2.ini" <<INI
[settings]
socket = $T/pm2.sock
listen = 127.0.0.1:$P2
token_file = $T/key
[process:api]
command = sleep 1002
INI
start_other "$T/pm2.ini" "$T/pm2.sock"; S2=$OTHER
check "second server listening" wait_until 5 test -S "$T/pm2.sock"
check "api running" wait_until 5 sh -c "\"$PM\" -S \"$T/pm2.sock\" status api >/dev/null"
H2="127.0.0.1:$P2"
out=$("$PM" -H "$H,$H2" --token-file "$T/key" status); rc=$?
expect_eq "two hosts, both up: exit 0" "$rc" 0
expect_match "lines of host 1 are prefixed" "$out" "^$H web +running"
expect_match "lines of host 2 are prefixed" "$out" "^$H2 api +running"
t0=$(ms)
out=$("$PM" -H "$H,127.0.0.1:$PDOWN,$H2" --token-file "$T/key" status 2>"$T/err"); rc=$?
el=$(( $(ms) - t0 ))
expect_eq "one host down: exit 1" "$rc" 1
expect_match "the others still answer (1)" "$out" "^$H web +running"
expect_match "the others still answer (2)" "$out" "^$H2 api +running"
expect_match "the down host is named" "$(cat "$T/err")" "127.0.0.1:$PDOWN"
check "fan-out took under 6 s (${el}ms)" test "$el" -lt 6000
out=$("$PM" -H "$H,$H2" --token-file "$T/key" --json status)
check "--json over two hosts is one document" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert len(d)==2' "$out"
expect_eq "TCP traffic changed no PID" "$(pid_of web)" "$pid1"
kill -TERM $S2; wait_until 10 dead $S2
finish
