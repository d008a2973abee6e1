#!/usr/bin/env bash
# pm events (issue 15): `pm events -f` sees, in order, a kill -9, the
# restart, a failing check and its action, and a reload with its plan;
# --json parses line by line; ID filters; -H follows two hosts, each line
# prefixed by its host; [settings] events = FILE holds the same JSON lines
# and rotates like a process log, never through a symlink.
. "$(dirname "$0")/lib.sh"

touch "$T/healthy"
cat >"$T/pm.ini" <<INI
[settings]
events = $T/ev/events.jsonl
events_max_size = 1K
events_keep = 2
[process:web]
command = sleep 1000
restart_delay = 100ms
[process:chk]
command = sleep 1001
check = test -e $T/healthy
check_interval = 200ms
check_retries = 1
on_check_fail = stop
INI
mkdir "$T/ev"
start_server "$T/pm.ini" || finish
check "web running" wait_until 5 state_is web running
check "chk running" wait_until 5 state_is chk running

pmc events -f >"$T/follow" 2>&1 &
FOL=$!
track "$FOL"
check "the follower has the history" wait_until 5 grep -q ' state web running' "$T/follow"

pid=$(pid_of web)
kill -9 "$pid"
check "web restarted after kill -9" wait_until 5 sh -c "[ \"\$('$PM' -S '$SOCK' status web | awk 'NR==2 {print \$3}')\" != '$pid' ] && '$PM' -S '$SOCK' status web | grep -q running"
rm "$T/healthy"
check "chk stopped by its failing check" wait_until 5 state_is chk stopped
cat >>"$T/pm.ini" <<INI
[process:late]
command = sleep 1002
INI
pmc config reload >/dev/null
check "late running after the reload" wait_until 5 state_is late running
check "the follower saw the reload" wait_until 5 grep -q ' reload - ok' "$T/follow"

# line_of REGEX: the first line of the follower's output matching it.
line_of() { grep -nE -- "$1" "$T/follow" | head -1 | cut -d: -f1; }
k=$(line_of ' state web backoff signal status=137$')
r=$(line_of ' state web running spawn$')
# The restart after the kill: the first "running" after the kill line.
r=$(awk -v k="${k:-0}" 'NR > k && / state web running spawn$/ { print NR; exit }' "$T/follow")
c=$(line_of ' check chk fail status=1$')
a=$(line_of ' state chk stopping check$')
p=$(line_of ' reload late start$')
o=$(line_of ' reload - ok$')
echo "# lines: kill $k restart $r check $c action $a plan $p ok $o"
[ -n "$a" ] || sed "s/^/# /" "$T/follow"
check "kill -9 seen: backoff, reason signal, status 137" test -n "$k"
check "then the restart" test -n "$r" -a "${r:-0}" -gt "${k:-0}"
check "then the failing check" test -n "$c" -a "${c:-0}" -gt "${r:-0}"
check "then its action (stopping, reason check)" test -n "$a" -a "${a:-0}" -gt "${c:-0}"
check "then the reload's plan" test -n "$p" -a "${p:-0}" -gt "${a:-0}"
check "then the reload's outcome" test -n "$o" -a "${o:-0}" -gt "${p:-0}"
kill "$FOL"

# --json: every line parses on its own, with the documented members.
pmc --json events >"$T/json"
check "--json has lines" test -s "$T/json"
bad=$(python3 -c 'import json, sys
keys = {"seq", "time", "type", "id", "value", "reason", "status", "text"}
types = {"state", "check", "handler", "reload", "shutdown"}
last = 0
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        e = json.loads(line)
    except ValueError:
        print("line %d does not parse" % n); continue
    if not set(e) <= keys or e["type"] not in types or e["seq"] <= last:
        print("line %d: %s" % (n, line.strip()))
    last = e["seq"]' "$T/json")
expect_eq "--json: each line is one JSON object of the schema" "$bad" ""
check "--json: the kill is there with its signal status" grep -q \
	'"type":"state","id":"web","value":"backoff","reason":"signal","status":137' "$T/json"
check "--json: check failure carries its status" grep -q \
	'"type":"check","id":"chk","value":"fail","status":1' "$T/json"
check "only web's events with ID web" sh -c "'$PM' -S '$SOCK' events web |
	awk '\$3 != \"web\" { exit 1 }'"
check "events web is not empty" sh -c "'$PM' -S '$SOCK' events web | grep -q ."

# The events file: the same JSON lines, rotated at 1K, two kept.
check "events file written" test -s "$T/ev/events.jsonl"
check "events file rotated" test -s "$T/ev/events.jsonl.1"
check "no more than events_keep old files" test ! -e "$T/ev/events.jsonl.3"
last=$(tail -1 "$T/json")
check "the file holds the ring's JSON lines, byte for byte" grep -qxF "$last" \
	"$T/ev/events.jsonl"
bad=$(cat "$T/ev/events.jsonl.1" "$T/ev/events.jsonl" | python3 -c 'import json, sys
for line in sys.stdin:
    json.loads(line)' 2>&1)
expect_eq "every line of the file parses" "$bad" ""

# A symlink put where the file goes is never followed.
pmc stop late >/dev/null
echo keep >"$T/target"
rm -f "$T/ev/events.jsonl"
ln -s "$T/target" "$T/ev/events.jsonl"
pmc start late >/dev/null
pmc logs --reopen >/dev/null
check "late running again" wait_until 5 state_is late running
pmc stop late >/dev/null
expect_eq "the symlink's target is untouched" "$(cat "$T/target")" keep
check "the refusal is logged" log_has "events: cannot .*events.jsonl"
rm "$T/ev/events.jsonl"
pmc logs --reopen >/dev/null

# -H: two hosts followed at once, each line prefixed by its host.
P1=$(port)
P2=$(port)
key_file "$T/key" "k3y"
for i in 1 2; do
	eval p=\$P$i
	cat >"$T/h$i.ini" <<INI
[settings]
listen = 127.0.0.1:$p
token_file = $T/key
[process:w$i]
command = sleep 1000
INI
	"$PM" -d -c "$T/h$i.ini" -S "$T/h$i.sock" >/dev/null 2>&1 &
	track $!
	eval H$i=\$!
done
check "both hosts up" wait_until 5 sh -c "'$PM' -S '$T/h1.sock' status w1 | grep -q running &&
	'$PM' -S '$T/h2.sock' status w2 | grep -q running"
"$PM" -H "127.0.0.1:$P1,127.0.0.1:$P2" --token-file "$T/key" events -f >"$T/multi" 2>&1 &
FM=$!
track "$FM"
"$PM" -H "127.0.0.1:$P1,127.0.0.1:$P2" --token-file "$T/key" --json events >"$T/multi.json" 2>&1
"$PM" -S "$T/h2.sock" stop w2 >/dev/null
check "-H -f: host 2's new event, prefixed" wait_until 5 grep -q \
	"^127.0.0.1:$P2 .* state w2 stopping command$" "$T/multi"
check "-H -f: host 1's history, prefixed" grep -q \
	"^127.0.0.1:$P1 .* state w1 running spawn$" "$T/multi"
bad=$(python3 -c 'import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["host"] in sys.argv[2:], line' "$T/multi.json" "127.0.0.1:$P1" "127.0.0.1:$P2" 2>&1)
expect_eq "-H --json: a JSON line per event, with its host" "$bad" ""
kill "$FM" "$H1" "$H2"
wait_until 10 dead "$H1"
wait_until 10 dead "$H2"

# Shutdown is an event too, before the stops it causes.
stop_server
check "shutdown recorded in the file" grep -q \
	'"type":"shutdown","value":"exiting"' "$T/ev/events.jsonl"
check "and web's stop after it" sh -c "sed -n '/\"type\":\"shutdown\"/,\$p' \
	'$T/ev/events.jsonl' | grep -q '\"id\":\"web\",\"value\":\"stopped\"'"
finish
