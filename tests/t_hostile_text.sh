#!/usr/bin/env bash
# Child bytes never reach JSON or a terminal raw (issue 11): invalid UTF-8
# and escape sequences in sd_notify STATUS=, in a failing check's output
# and in a process's own output keep `--json` and log_format = json valid
# UTF-8 JSON, and `pm status` shows control bytes escaped.
. "$(dirname "$0")/lib.sh"

cc -O1 -o "$T/notify" "$HELPERS/notify.c" || { fail "build notify helper"; finish; }
# Invalid bytes, ESC[2J, an 8-bit CSI as UTF-8 (U+009B), a cut sequence.
printf 'bad \377\376 utf8 \033[2J clear \302\233 csi \342\202' >"$T/status.bin"

cat >"$T/pm.ini" <<INI
[settings]
log_format = json
[process:evil]
command = $T/notify 0 $T/status.bin
ready = notify
[process:chk]
command = sleep 1000
check = sh -c 'printf "chk \\\\377\\\\376 \\\\033[2J out\\\\n"; exit 1'
check_interval = 200ms
check_retries = 100
[process:out]
command = sh -c 'printf "line \\\\377 \\\\033[2J end\\\\n"; exec sleep 1000'
INI
start_server "$T/pm.ini" || finish
check "evil is ready" wait_until 5 state_is evil running
check "the check failed and its output is kept" wait_until 5 sh -c "'$PM' -S '$SOCK' status --json chk | grep -q '\"check_output\": \"chk'"

# --json: strict UTF-8, then a JSON document, with the bytes replaced.
pmc status --json >"$T/st.json"
check "--json status is valid UTF-8 and valid JSON" python3 -c '
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
p = {x["id"]: x for x in d["processes"]}
t = p["evil"]["status_text"]
assert t == "bad \ufffd\ufffd utf8 \x1b[2J clear \x9b csi \ufffd\ufffd", repr(t)
c = p["chk"]["check_output"]
assert c == "chk \ufffd\ufffd \x1b[2J out", repr(c)
' "$T/st.json"
check "--json escapes ESC as \\u001b" grep -q 'utf8 \\u001b\[2J clear \\u009b csi' "$T/st.json"

# The terminal: no ESC, no C1 and no stray byte gets through.
pmc status >"$T/st.txt"
expect_match "status INFO shows the escape sequence escaped" "$(cat "$T/st.txt")" \
    'bad \\xff\\xfe utf8 \\x1b\[2J clear \\xc2\\x9b csi \\xe2\\x82'
expect_match "... and the check's output too" "$(cat "$T/st.txt")" 'chk \\xff\\xfe \\x1b\[2J out'
check "status printed no raw ESC, C1 or invalid byte" python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
assert b"\x1b" not in b and b"\xff" not in b and b"\xc2\x9b" not in b
b.decode("utf-8")
' "$T/st.txt"

# log_format = json on pm's stdout: every line parses, bytes replaced.
check "the process's line reached the log" wait_until 5 grep -q '"id":"out"' "$T/server.out"
check "log_format = json lines are valid UTF-8 JSON" python3 -c '
import json, sys
for l in open(sys.argv[1], "rb").read().decode("utf-8").splitlines():
    o = json.loads(l)
    if o["id"] == "out":
        assert o["line"] == "line \ufffd \x1b[2J end", repr(o["line"])
' "$T/server.out"
finish
