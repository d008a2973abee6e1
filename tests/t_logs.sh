#!/usr/bin/env bash
# Issue 5: children's output. A rotating file keeps every line exactly once;
# two chatty processes never mix on the console; pm logs -n and -f read the
# ring; a file that cannot be written (gone directory) is retried.
. "$(dirname "$0")/lib.sh"

mkdir "$T/logs"
cat >"$T/pm.ini" <<INI
[process:count]
type = oneshot
command = seq 1 100000
log = $T/logs/count.log
log_max_size = 64K
log_keep = 30

[process:a]
type = oneshot
command = sh -c 'l=\$(printf "%0300d" 0 | tr 0 a); i=0; while [ \$i -lt 3000 ]; do echo "\$l"; i=\$((i+1)); done'

[process:b]
type = oneshot
command = sh -c 'l=\$(printf "%0300d" 0 | tr 0 b); i=0; while [ \$i -lt 3000 ]; do echo "\$l"; echo "err \$i" >&2; i=\$((i+1)); done'

[process:e]
command = sh -c 'echo out 1; echo err 1 >&2; echo err 2 >&2; exec sleep 100'

[process:tick]
command = sh -c 'i=0; while :; do echo "tick \$i"; i=\$((i+1)); sleep 0.05; done'

[process:long]
type = oneshot
command = sh -c 'printf "%09000d\\\\n" 7; printf "no newline at the end"'

[process:gone]
command = sh -c 'i=0; while :; do echo "gone \$i"; i=\$((i+1)); sleep 0.05; done'
log = $T/gone/gone.log
INI
mkdir "$T/gone"
start_server "$T/pm.ini" || finish

# --- 100,000 numbered lines through a 64K rotating file.
all_count() { cat "$T"/logs/count.log* 2>/dev/null | wc -l; }
count_done() { [ "$(all_count)" -ge 100000 ]; }
check "100000 lines reach count.log and its rotations" wait_until 10 count_done
files=$(ls "$T"/logs/count.log* | wc -l)
check "the file was rotated (got $files files)" test "$files" -gt 5
big=$(find "$T/logs" -name 'count.log*' -size +64k | wc -l)
expect_eq "no file grew past log_max_size" "$big" 0
order=$(for i in $(seq 30 -1 1); do f=$T/logs/count.log.$i; [ -f "$f" ] && cat "$f"; done; cat "$T/logs/count.log")
expect_eq "every line once, in order, none split" "$(printf '%s\n' "$order" | cmp - <(seq 1 100000) && echo same)" same

# --- Two chatty processes on the console: whole lines only.
con_done() { [ "$(grep -c '^[ab] | ' "$T/server.out")" -ge 6000 ]; }
check "6000 lines of a and b on pm's stdout" wait_until 10 con_done
mixed=$(grep -Evc '^(a \| a{300}|b \| b{300}|tick \| tick [0-9]+|long \| .*|e \| out 1)$' "$T/server.out")
expect_eq "no mixed or cut line on stdout" "$mixed" 0
expect_eq "all 3000 lines of a" "$(grep -c '^a | ' "$T/server.out")" 3000
expect_eq "all 3000 lines of b" "$(grep -c '^b | ' "$T/server.out")" 3000
errs_done() { [ "$(grep -c '^b | err ' "$T/server.log")" -ge 3000 ]; }
check "b's stderr lines go to pm's stderr, prefixed" wait_until 5 errs_done

# --- A long line is cut with a marker; the last unfinished line is kept.
long_done() { grep -q '^long | no newline at the end$' "$T/server.out"; }
check "a last line without newline is kept" wait_until 5 long_done
pieces=$(grep -c '^long | 0*7\?\( \[\.\.\.\]\)\?$' "$T/server.out")
expect_eq "a 9000-byte line is cut into 3 pieces" "$pieces" 3
expect_eq "every piece but the last ends with the marker" \
    "$(grep -c '^long | .* \[\.\.\.\]$' "$T/server.out")" 2
joined=$(grep '^long | 0' "$T/server.out" | sed 's/^long | //; s/ \[\.\.\.\]$//' | tr -d '\n')
expect_eq "the pieces join to the line" "$joined" "$(printf '%09000d' 7)"

# --- pm logs -n N reads the ring.
ticks() { [ "$(pmc logs tick | wc -l)" -ge 8 ]; }
check "tick has written 8 lines" wait_until 5 ticks
out=$(pmc logs tick -n 5)
expect_eq "logs -n 5 gives 5 lines" "$(printf '%s\n' "$out" | wc -l)" 5
expect_match "logs -n 5 gives tick's lines" "$out" '^tick [0-9]+'
last=$(printf '%s\n' "$out" | tail -1 | awk '{ print $2 }')
first=$(printf '%s\n' "$out" | head -1 | awk '{ print $2 }')
expect_eq "logs -n 5 gives the 5 newest in order" $((last - first)) 4
err=$(pmc logs e 2>&1 >/dev/null)
expect_eq "stderr lines come back on stderr" "$err" "err 1
err 2"
expect_eq "stdout lines on stdout" "$(pmc logs e 2>/dev/null)" "out 1"
out=$(pmc --json logs tick -n 1)
expect_match "logs --json" "$out" '^\{"lines": \[\{"stream": "stdout", "line": "tick [0-9]+"\}\]\}$'

# --- pm logs -f streams new lines until interrupted.
"$PM" -S "$SOCK" logs tick -f -n 1 >"$T/follow" 2>&1 &
FOLLOW=$!
track $FOLLOW
check "logs -f streams new lines" wait_until 5 has_lines 6 "$T/follow"
n1=$(head -1 "$T/follow" | awk '{ print $2 }'); n6=$(sed -n 6p "$T/follow" | awk '{ print $2 }')
expect_eq "followed lines are consecutive" $((n6 - n1)) 5
kill $FOLLOW
out=$(timeout 5 "$PM" -S "$SOCK" logs nosuch -f 2>&1); expect_eq "logs -f of an unknown ID exits 2" $? 2
expect_match "and names it" "$out" nosuch
expect_match "pm still answers after the follower left" "$(pmc status tick)" running

# --- A log directory that vanishes is reported and retried.
gone_has() { grep -q "gone" "$T/gone/gone.log" 2>/dev/null; }
check "gone writes its file" wait_until 5 gone_has
rm -rf "$T/gone"
pmc logs --reopen; expect_eq "logs --reopen exits 0" $? 0
check "the missing directory is reported" wait_until 5 log_has 'gone: cannot open .*gone.log: No such file'
mkdir "$T/gone"
check "writing resumes once the directory is back" wait_until 5 gone_has
check "the resumption is reported" wait_until 5 log_has 'gone: writing .*gone.log again'
check "dropped lines are reported" wait_until 15 log_has 'gone: [0-9]+ lines of output dropped'
expect_match "status --json counts them" "$(pmc --json status gone)" '"dropped": [1-9]'
expect_match "pm is still running" "$(pmc status gone)" running
stop_server

# --- The -- mode's main child: transparent by default, as with tini.
unset PM_SOCKET
printf '[process:side]\ntype = oneshot\ncommand = echo side\n' >"$T/m.ini"
out=$(timeout 10 "$PM" -c "$T/m.ini" -S "$T/m.sock" -- sh -c 'echo out; echo err >&2' 2>"$T/m.err")
expect_eq "main's stdout reaches pm's stdout as is" "$(printf '%s\n' "$out" | grep -v '^side')" "out"
expect_match "other processes stay prefixed" "$out" '^side \| side$|
side \| side'
check "main's stderr reaches pm's stderr as is" grep -qx err "$T/m.err"
printf '[settings]\nlog_main_prefix = yes\n' >>"$T/m.ini"
out=$(timeout 10 "$PM" -c "$T/m.ini" -S "$T/m.sock" -- sh -c 'echo out' 2>/dev/null)
expect_match "log_main_prefix = yes prefixes main" "$out" 'main \| out'
finish
