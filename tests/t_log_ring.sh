#!/usr/bin/env bash
# The log ring forgets its oldest lines whole: after many wraps of a small
# ring, `pm logs` gives a run of the newest lines, each whole, in order.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[settings]
log_ring_size = 8K
[process:many]
command = sh -c 'i=0; while [ \$i -lt 6000 ]; do i=\$((i+1)); printf "%d %.*s\\\\n" \$i \$((i % 37)) xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done; echo end; exec sleep 100'
INI
start_server "$T/pm.ini" || finish
ended() { pmc logs many | grep -qx end; }
check "the last line arrived" wait_until 20 ended
out=$(pmc logs many -n 10000)
# Every line but "end": N and then N % 37 x's; N one more than the last.
bad=$(printf '%s\n' "$out" | awk '
	$0 == "end" { next }
	{ want = "" ; for (k = 0; k < $1 % 37; k++) want = want "x"
	  if ($2 != want || (prev && $1 != prev + 1)) bad++; prev = $1 }
	END { print bad + 0 }')
expect_eq "every line whole and in order" "$bad" 0
expect_match "the newest lines kept" "$(printf '%s\n' "$out" | tail -2 | head -1)" '^6000 '
n=$(printf '%s\n' "$out" | wc -c)
check "no more than the ring holds ($n bytes)" test "$n" -le 8192
check "server still running" alive "$SERVER"
stop_server
finish
