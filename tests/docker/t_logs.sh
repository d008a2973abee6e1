#!/usr/bin/env bash
# docker logs (issue 12): each line is `ID | line`, stdout and stderr stay
# apart, no timestamps by default (Docker keeps its own), and
# log_format = json gives one JSON object per line.
. "$(dirname "$0")/lib.sh"

cfg text.ini <<'INI'
[process:both]
command = /bin/sh -c 'echo to-out; echo to-err >&2; exec sleep 1000'
INI
printf '[settings]\nlog_format = json\n\n' >"$T/json.ini"
cat "$T/text.ini" >>"$T/json.ini"; chmod 644 "$T/json.ini"
run_ctr text -v "$T/text.ini:/etc/pm.ini:ro" pmt-base
run_ctr json -v "$T/json.ini:/etc/pm.ini:ro" pmt-base

c=$NAME-text
has_err() { dk logs "$c" 2>&1 >/dev/null | grep -q to-err; }
has_out() { dk logs "$c" 2>/dev/null | grep -q to-out; }
check "both lines arrived" wait_until 15 has_err
wait_until 5 has_out
out=$(dk logs "$c" 2>/dev/null); err=$(dk logs "$c" 2>&1 >/dev/null)
check "stdout has 'both | to-out' as the whole line" eval 'printf "%s\n" "$out" | grep -qx "both | to-out"'
check "stderr has 'both | to-err' as the whole line" eval 'printf "%s\n" "$err" | grep -qx "both | to-err"'
check "stderr's line is not on stdout" eval '! printf "%s\n" "$out" | grep -q to-err'
check "stdout's line is not on stderr" eval '! printf "%s\n" "$err" | grep -q to-out'
check "no line carries a timestamp" eval \
    '! printf "%s\n%s\n" "$out" "$err" | grep -Eq "(^|[ T])[0-9]{2}:[0-9]{2}:[0-9]{2}"'

c=$NAME-json
check "json: the line arrived" wait_until 15 has_out
out=$(dk logs "$c" 2>/dev/null); err=$(dk logs "$c" 2>&1 >/dev/null)
res=$(printf '%s\n' "$out" | python3 -c '
import json, sys
n = 0
for l in sys.stdin:
	o = json.loads(l)
	assert isinstance(o, dict), l
	if o.get("line") == "to-out":
		assert o.get("id") == "both" and o.get("stream") == "stdout", l
		n += 1
print(n)' 2>&1)
expect_eq "json: every stdout line is one object; to-out attributed to both" "$res" 1
res=$(printf '%s\n' "$err" | grep '^{' | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l).get("line") == "to-err" and
    json.loads(l).get("stream") == "stderr"))' 2>&1)
expect_eq "json: to-err is an object on stderr" "$res" 1
finish
