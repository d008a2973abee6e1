#!/usr/bin/env bash
# The PDU is independent of byte order (PROTOCOL.md), proven across one
# (issue 18): a big-endian pm (./pm-s390x under qemu-s390x-static) is the
# client of a little-endian server (the native ./pm), and the other way
# round, over the Unix socket and over TCP with the token handshake.
# Needs `make ARCH=s390x` first; skips when the binary or qemu is missing,
# and when the native binary is not little-endian.
. "$(dirname "$0")/lib.sh"

QS=$(command -v qemu-s390x-static)
[ -x "$ROOT/pm-s390x" ] && [ -n "$QS" ] && [ -x "$ROOT/pm" ] || {
	echo "skip - cross-endian: needs ./pm-s390x (make ARCH=s390x) and qemu-s390x-static"
	finish
}
[ "$(printf '\1\0' | od -An -tu2 | tr -d ' ')" = 1 ] || {
	echo "skip - cross-endian: the native machine is not little-endian"
	finish
}
printf '#!/bin/sh\nexec %s %s "$@"\n' "$QS" "$ROOT/pm-s390x" >"$T/pm-be"
chmod +x "$T/pm-be"
LE=$ROOT/pm BE=$T/pm-be
key_file "$T/key" cross-endian-key

# session SERVER CLIENT NAME: SERVER runs pm -d; CLIENT drives it over
# the Unix socket and over TCP.
session() {
	local srv=$1 cli=$2 name=$3 p out rc
	p=$(port)
	cat >"$T/x.ini" <<INI
[settings]
listen = 127.0.0.1:$p
token_file = $T/key
[process:ticker]
command = sh -c 'while :; do echo tick-\$\$; sleep 0.1; done'
[process:idle]
command = sleep 1000
autostart = no
INI
	PM=$srv start_server "$T/x.ini" || return
	wait_until 20 sh -c "'$LE' -S '$SOCK' status ticker | grep -q running"
	out=$("$cli" -S "$SOCK" status 2>&1); rc=$?
	expect_match "$name, Unix socket: status lists the processes" "$out" \
	    '^ticker +running +[0-9]+'
	out=$("$cli" -S "$SOCK" version 2>&1)
	expect_match "$name, Unix socket: version names both sides" "$out" \
	    'server.*protocol'
	"$cli" -S "$SOCK" start idle >/dev/null 2>&1
	check "$name, Unix socket: start changes the server's state" \
	    wait_until 20 sh -c "'$LE' -S '$SOCK' status idle | grep -q running"
	out=$("$cli" -S "$SOCK" logs ticker -n 2 2>&1)
	expect_match "$name, Unix socket: logs carry the output" "$out" 'tick-[0-9]+'
	out=$("$cli" -S "$SOCK" setting show max_clients 2>&1)
	expect_eq "$name, Unix socket: a number survives the trip" "$out" \
	    "max_clients = 256"
	out=$("$cli" -H "127.0.0.1:$p" --token-file "$T/key" status 2>&1); rc=$?
	expect_match "$name, TCP with the token: status" "$out" '^ticker +running'
	expect_eq "$name, TCP: exit status" "$rc" 0
	"$cli" -H "127.0.0.1:$p" --token-file "$T/key" stop idle >/dev/null 2>&1
	check "$name, TCP: stop changes the server's state" \
	    wait_until 20 sh -c "'$LE' -S '$SOCK' status idle | grep -q stopped"
	out=$(printf 'wrong\n' >"$T/bad"; chmod 600 "$T/bad"
	    "$cli" -H "127.0.0.1:$p" --token-file "$T/bad" status 2>&1); rc=$?
	check "$name, TCP: a wrong token is refused" test "$rc" -ne 0
	"$cli" -S "$SOCK" shutdown >/dev/null 2>&1
	check "$name: shutdown ends the server" wait_until 30 dead "$SERVER"
	wait "$SERVER" 2>/dev/null
	rm -f "$SOCK"
}
session "$LE" "$BE" "big-endian client, little-endian server"
session "$BE" "$LE" "little-endian client, big-endian server"
finish
