#!/usr/bin/env bash
# getrandom must never block the loop (issue 11): on a board whose random
# pool is not ready at boot, the first TCP client made pm wait in
# getrandom(2). Under tests/helpers/noentropy.c a getrandom that could
# block kills pm, and a non-blocking one says EAGAIN: the TCP peer is told
# to try again and everything else goes on.
. "$(dirname "$0")/lib.sh"

if emu_gap "getrandom under a seccomp filter" "the filter sees the emulator's system calls"; then
	finish
fi
cc -O1 -o "$T/noentropy" "$HELPERS/noentropy.c" || { fail "build noentropy helper"; finish; }
P=$(port)
key_file "$T/key" entropy-key
cat >"$T/pm.ini" <<INI
[settings]
listen = 127.0.0.1:$P
token_file = $T/key
[process:web]
command = sleep 1000
INI
"$T/noentropy" "$PM" -d -c "$T/pm.ini" >"$T/server.out" 2>"$T/server.log" &
SERVER=$!; track $SERVER
check "server up under the filter" wait_until 5 test -S "$SOCK"
check "web running" wait_until 5 state_is web running
t0=$(ms)
out=$("$PM" -H "127.0.0.1:$P" --token-file "$T/key" status 2>&1); rc=$?
el=$(( $(ms) - t0 ))
expect_eq "the TCP client is refused (exit 1)" "$rc" 1
expect_match "and told why" "$out" 'random source is not ready yet; try again'
check "at once (${el}ms)" test "$el" -lt 2000
check "pm is still alive (it made no blocking getrandom)" alive "$SERVER"
check "local status still answers" quiet pmc status web
check "pm logs the reason" log_has 'no random nonce for a TCP peer'
stop_server
finish
