#!/usr/bin/env bash
# log_timestamps and log_format = json stamp a child's lines with the wall
# clock as ISO 8601 UTC with milliseconds, on the console and in a log file
# (issue 13: the date comes from musl's gmtime_r).
. "$(dirname "$0")/lib.sh"

# stamped FILE PATTERN BEFORE AFTER: the line with PATTERN starts with (or,
# in JSON, has as "time") an ISO 8601 UTC stamp between BEFORE and AFTER.
stamped() {
	python3 - "$@" <<'PY'
import calendar, json, re, sys, time
path, pat, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
line = next(l for l in open(path, encoding="utf-8") if pat in l)
t = json.loads(line)["time"] if line.startswith("{") else line.split(" ")[0]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t), t
s = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
assert lo <= s <= hi, (t, lo, hi)
PY
}

cat >"$T/text.ini" <<INI
[settings]
log_timestamps = yes
[process:con]
command = sh -c 'echo console-line; exec sleep 1000'
[process:file]
command = sh -c 'echo file-line; exec sleep 1000'
log = $T/file.log
INI
before=$(date -u +%s)
start_server "$T/text.ini" || finish
check "the console line arrives" wait_until 5 grep -q console-line "$T/server.out"
check "the file line arrives" wait_until 5 grep -q file-line "$T/file.log"
after=$(( $(date -u +%s) + 1 ))
check "console line stamped now, in UTC" stamped "$T/server.out" console-line "$before" "$after"
check "file line stamped now, in UTC" stamped "$T/file.log" file-line "$before" "$after"
stop_server

cat >"$T/json.ini" <<INI
[settings]
log_format = json
[process:js]
command = sh -c 'echo json-line; exec sleep 1000'
INI
before=$(date -u +%s)
start_server "$T/json.ini" || finish
check "the JSON line arrives" wait_until 5 grep -q json-line "$T/server.out"
after=$(( $(date -u +%s) + 1 ))
check "JSON line's time stamped now, in UTC" stamped "$T/server.out" json-line "$before" "$after"
finish
