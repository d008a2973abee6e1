#!/usr/bin/env bash
# Hostile or broken control clients never delay anyone else (issue 3): after
# each one, `pm status` answers within a second and no PID has changed.
. "$(dirname "$0")/lib.sh"

start_web_db || finish
BEFORE=$(status_pids)

# send BYTES-AS-PYTHON-EXPR: write them, print what comes back (hex). In
# EXPR, hdr(VERSION, TYPE, LEN) is a header.
send() { pdu send "$SOCK" "$1"; }

out=$(send "hdr(2, 4, 16)")
expect_match "other protocol version gets an ERROR PDU (type 0x81)" "$out" '^504d0181'
expect_match "the error names both versions" "$out" 'server speaks 1, client sent 2'
still_fine "after a version-2 request"

out=$(send "hdr(1, 0x7e, 16)")
expect_match "unknown type gets an error naming both versions" "$out" 'unknown request type 126 \(server protocol 1, client protocol 1\)'
still_fine "after an unknown request type"

out=$(send "b'GET / HTTP/1.0\\r\\n\\r\\n' + bytes(range(256))")
expect_match "garbage is answered with an error, then closed" "$out" '^504d0181'
still_fine "after garbage bytes"

# A truncated header: the server waits, then times the peer out.
t0=$(ms)
out=$(send "bytes([0x50,0x4d,1,4,0,0])")
el=$(( $(ms) - t0 ))
check "truncated header: peer closed by the server's timeout (${el}ms)" test "$el" -lt 8000
still_fine "after a truncated header"

out=$(send "hdr(1, 4, 2147483648)")
expect_match "declared length 2^31 refused at once" "$out" 'bad PDU length'
still_fine "after a declared length of 2^31"

out=$(send "hdr(1, 4, 8)")
expect_match "length below the header refused" "$out" 'bad PDU length'

# A STATUS with an ID holding a NUL byte.
out=$(send "hdr(1, 4, 23) + b'\\x00\\x01\\x00\\x03a\\x00b'")
expect_match "embedded NUL refused" "$out" 'malformed field'
still_fine "after an embedded NUL"

# 200 idle connections held open while status is asked.
python3 "$PDU" hold "$SOCK" 200 --secs 30 >"$T/idle.out" 2>&1 &
idle=$!; track $idle
check "200 idle connections opened" wait_until 5 grep -q "open 200" "$T/idle.out"
still_fine "after 200 idle connections"
check "idle connections are timed out by the server" wait_until 10 sh -c \
	"[ \$(ls -l /proc/$SERVER/fd 2>/dev/null | grep -c socket) -lt 10 ]"
kill $idle 2>/dev/null; wait $idle 2>/dev/null

# One byte a second: a valid request trickled in.
python3 "$PDU" trickle "$SOCK" >"$T/slow.out" 2>&1 &
slow=$!; track $slow
check "slow client has sent 3 bytes" wait_until 10 grep -q "^sent 3$" "$T/slow.out"
still_fine "after a one-byte-a-second client"
check "slow client is cut off before it completes" wait_until 20 grep -q "cut off" "$T/slow.out"

# More clients than max_clients are refused clearly.
cat >"$T/small.ini" <<INI
[settings]
max_clients = 4
[process:web]
command = sleep 1000
INI
stop_server
rm -f "$SOCK"
start_server "$T/small.ini" || finish
pdu overflow "$SOCK" 4 "$SERVER" >"$T/many.out" 2>&1
check "fifth client told 'too many clients'" grep -q "too many clients" "$T/many.out"
check "after the crowd leaves, status answers" wait_until 3 sh -c "\"$PM\" -S \"$SOCK\" status >/dev/null"
finish
