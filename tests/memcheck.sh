#!/usr/bin/env bash
# tests/memcheck.sh: valgrind memcheck over one representative server
# session (issue 8): start, status, config and setting show, TCP with and
# without the key, a malformed PDU, reload adding, changing and removing
# processes, a crash loop, restart, signal, stop, start, shutdown. Passes
# when valgrind reports no invalid access, no uninitialised use and no
# leak (definite, indirect or possible) in the server. Run by `make
# memcheck`, which builds the glibc binary build/pm-vg it needs.
. "$(dirname "$0")/lib.sh"

VGPM=${VGPM:-$ROOT/build/pm-vg}
if ! command -v valgrind >/dev/null; then
	fail "valgrind is not installed (apt-get install -y valgrind)"
	finish
fi
P=$(port)
key_file "$T/key" memcheck-key
cat >"$T/pm.ini" <<INI
[settings]
listen = 127.0.0.1:$P
token_file = $T/key
shutdown_timeout = 5s
[process:setup]
type = oneshot
command = true
[process:web]
command = sleep 1000
depends = setup
environment = MODE=test
[process:crashy]
command = sh -c 'exit 3'
restart_delay = 50ms
restart_delay_max = 100ms
start_limit = 0
[process:gone]
command = sleep 1001
INI

# The client is the static ./pm: only the server runs under valgrind.
valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    --show-leak-kinds=definite,indirect,possible --track-origins=yes \
    --child-silent-after-fork=yes --error-exitcode=99 --log-file="$T/vg.log" \
    "$VGPM" -d -c "$T/pm.ini" >"$T/server.out" 2>"$T/server.log" &
SERVER=$!
track $SERVER
check "server under valgrind listens" wait_until 30 test -S "$SOCK"
check "web running" wait_until 20 state_is web running
restarts() { pmc status crashy | awk '$1 == "crashy" { print $5 }'; }
crashed() { [ "$(restarts)" -ge "$1" ] 2>/dev/null; }
check "crashy crash-loops" wait_until 20 crashed 3
out=$(pmc status); expect_match "status lists web" "$out" 'web +running'
out=$(pmc --json status); expect_match "json status" "$out" '"crashy"'
out=$(pmc config show web); expect_match "config show" "$out" 'command = sleep 1000'
out=$(pmc setting show max_clients); expect_match "setting show" "$out" 'max_clients'
out=$(pmc version); expect_match "version" "$out" 'protocol 1'
out=$(pmc status nosuch 2>&1); expect_match "unknown id" "$out" 'unknown id'
out=$("$PM" -H 127.0.0.1:$P --token-file "$T/key" status); expect_match "TCP status with the key" "$out" 'web +running'
out=$(env -u PM_TOKEN "$PM" -c /dev/null -H 127.0.0.1:$P status 2>&1); expect_match "TCP without the key refused" "$out" 'requires a key'
pdu send "$SOCK" "b'PM\x01\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x1c\x00\x01\x00\x08ab\x00cdefg'" >/dev/null
check "malformed PDU answered and survived" pmc status web >/dev/null
webpid=$(pid_of web)
check "restart web" pmc restart web
newpid() { p=$(pid_of web); [ -n "$p" ] && [ "$p" != "-" ] && [ "$p" != "$webpid" ]; }
check "web has a new pid" wait_until 20 newpid
check "signal web" pmc signal web USR1
check "stop crashy" pmc stop crashy
check "crashy stopped" wait_until 20 state_is crashy stopped
check "start crashy" pmc start crashy
sed -i -e 's/^command = sleep 1001$/command = sleep 1003/' -e 's/^\[process:gone\]$/[process:gone2]/' "$T/pm.ini"
printf '[process:extra]\ncommand = sleep 1002\n' >>"$T/pm.ini"
out=$(pmc config reload --dry-run); expect_match "dry-run plan" "$out" 'extra'
out=$(pmc config reload); expect_match "reload plan names the removed process" "$out" 'gone'
check "extra running after reload" wait_until 20 state_is extra running
check "gone2 running after reload" wait_until 20 state_is gone2 running
printf '[process:broken\n' >>"$T/pm.ini"
out=$(pmc config reload 2>&1); expect_match "a broken reload is refused" "$out" 'section header'
sed -i '$d' "$T/pm.ini"
sed -i 's/^shutdown_timeout = 5s$/shutdown_timeout = 6s/' "$T/pm.ini"
out=$(pmc setting reload); expect_match "setting reload" "$out" 'shutdown_timeout'
kill -HUP $SERVER
check "SIGHUP reload logged" wait_until 20 log_has 'reloaded'
check "shutdown" pmc shutdown
check "server exits" wait_until 30 dead $SERVER
wait $SERVER; rc=$?
expect_eq "valgrind exit status (99 would mean errors)" "$rc" 0
sum=$(grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|in use at exit' "$T/vg.log" | sed 's/^==[0-9]*== *//')
echo "$sum" | sed 's/^/# /'
expect_match "no memcheck errors" "$sum" 'ERROR SUMMARY: 0 errors'
lost=$(grep -E '(definitely|indirectly|possibly) lost: [1-9]' "$T/vg.log")
expect_eq "no definite, indirect or possible leak" "$lost" ""
check "valgrind saw the session to its end" grep -q 'LEAK SUMMARY\|All heap blocks were freed' "$T/vg.log"
[ "$FAILS" -eq 0 ] || sed -n '1,200p' "$T/vg.log" | grep -v '^--' | head -80
finish
