#!/bin/bash
# bench/entry.sh PM SVC: what one process entry costs pm, all included.
# Starts pm with N = 10 and N = 1000 silent services (SVC), reads the
# PSS of every mapping of pm from /proc/PID/smaps once all run, and prints
# a Markdown section: the growth per entry by mapping, and (with gdb) the
# sizes of the structures each entry has. Used by bench/run.sh.
set -u
PM=$1 SVC=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/pmentry.XXXXXX")
trap 'rm -rf "$T"' EXIT

# smaps_of N: "KIB NAME" per mapping of a pm running N services.
smaps_of() {
	local n=$1 i pid k
	{
		printf '[settings]\nsocket = %s/pm.sock\n' "$T"
		for i in $(seq 1 "$n"); do
			printf '[process:s%d]\ncommand = %s\n' "$i" "$SVC"
		done
	} > "$T/pm.ini"
	"$PM" -d -c "$T/pm.ini" 2>/dev/null &
	pid=$!
	for k in $(seq 1 300); do
		[ "$("$PM" -S "$T/pm.sock" status 2>/dev/null | grep -c ' running ')" -ge "$n" ] && break
		sleep 0.05
	done
	sleep 1
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 ~ /^\// ? "pm itself (file-backed)" : $6 != "" ? $6 : "anonymous" }
	     /^Size:/ { size = $2 } /^Pss:/ { print $2, size, name }' "/proc/$pid/smaps"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
}
smaps_of 10 > "$T/a"
smaps_of 1000 > "$T/b"
a=$(awk '{ s += $1 } END { print s }' "$T/a")
b=$(awk '{ s += $1 } END { print s }' "$T/b")
echo "### What one process entry costs"
echo
echo "pm's PSS with 10 and with 1,000 silent services (bench/entry.sh); the"
echo "largest mappings at 1,000, and the growth per entry over 990 entries."
echo
echo "| mapping of pm at N = 1000 | size | PSS |"
echo "|---|---|---|"
sort -rn "$T/b" | head -5 | while read -r pss size name; do
	echo "| $name | $size KiB | $pss KiB |"
done
echo
echo "Total PSS: $a KiB at N = 10, $b KiB at N = 1000: $(( (b - a) * 1024 / 990 )) bytes per entry."
echo
if command -v gdb >/dev/null 2>&1; then
	echo "Structures per entry (sizeof, from the debug info of the unstripped pm):"
	echo
	for s in cfg_proc lb proc proc_view; do
		v=$(gdb -batch -ex "p sizeof(struct $s)" "$PM" 2>/dev/null | sed -n 's/^\$1 = //p')
		[ -n "$v" ] && echo "- struct $s: $v bytes"
	done
	echo
fi
