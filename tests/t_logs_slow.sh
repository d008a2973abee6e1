#!/usr/bin/env bash
# Issue 5, back-pressure and faults: a flood into a slow console costs
# dropped (counted, reported) lines, never a stalled pm; a slow follower
# skips ahead; a full disk is reported, survived, and written again once
# there is room.
. "$(dirname "$0")/lib.sh"

small=
if [ "$(id -u)" = 0 ] && mkdir "$T/small" &&
    mount -t tmpfs -o size=64k tmpfs "$T/small" 2>/dev/null; then
	small=$T/small
	trap 'umount "$T/small" 2>/dev/null; cleanup' EXIT
	head -c 40960 /dev/zero >"$small/filler"
fi
cat >"$T/pm.ini" <<INI
[process:flood]
command = yes 'a line of flood that is long enough to fill a pipe fast ........'

[process:calm]
command = sh -c 'i=0; while :; do echo "calm \$i"; i=\$((i+1)); sleep 0.05; done'

[process:disk]
command = sh -c 'i=0; while :; do echo "disk line \$i ................................................................................"; i=\$((i+1)); sleep 0.005; done'
log = ${small:-$T}/disk.log
log_max_size = 0
INI

# pm's stdout is a FIFO read one line per 10 ms.
mkfifo "$T/fifo"
( exec <"$T/fifo"; while IFS= read -r l; do sleep 0.01; done ) &
track $!
"$PM" -d -c "$T/pm.ini" >"$T/fifo" 2>"$T/server.log" &
SERVER=$!
track $SERVER
check "server starts with a slow stdout" wait_until 5 test -S "$SOCK"

# A follower whose own stdout is not read at first: its socket fills.
mkfifo "$T/ffifo"
"$PM" -S "$SOCK" logs flood -f >"$T/ffifo" 2>"$T/ferr" &
FOLLOW=$!
track $FOLLOW
# A follower of a quiet process, to outlive the idle timeout.
"$PM" -S "$SOCK" logs calm -f -n 1 >"$T/calm" 2>&1 &
CALM=$!
track $CALM

check "flood's console lines are dropped and reported" \
    wait_until 10 log_has 'flood: [0-9]+ lines of output dropped'
slow=0
for i in 1 2 3 4 5; do
	t=$(ms)
	pmc status flood >/dev/null || slow=1
	[ $(( $(ms) - t )) -lt 1000 ] || slow=1
done
expect_eq "status answers within 1 s during the flood, 5 times" "$slow" 0
expect_match "status --json counts flood's dropped lines" \
    "$(pmc --json status flood)" '"dropped": [1-9][0-9]*'
calm_moves() { [ "$(pmc logs calm -n 1)" != "$1" ]; }
c=$(pmc logs calm -n 1)
check "the quiet process is still read during the flood" wait_until 5 calm_moves "$c"

# Now read the stalled follower: it skipped ahead and says by how much.
( exec <"$T/ffifo"; cat >/dev/null ) &
track $!
check "a slow follower gets a skip marker" \
    wait_until 10 grep -q 'bytes of output skipped' "$T/ferr"
check "and is still connected" alive $FOLLOW
pmc stop flood

# The disk fills up: reported, no crash, and lines come back with room.
if [ -n "$small" ]; then
	check "a full disk is reported" wait_until 10 \
	    log_has 'disk: cannot write .*disk.log: No space left on device'
	expect_match "pm survives ENOSPC" "$(pmc status disk)" running
	bad=$(grep -Evc '^disk line [0-9]+ \.+$' "$small/disk.log")
	expect_eq "no line in the full file is cut" "$bad" 0
	n=$(wc -l <"$small/disk.log")
	rm "$small/filler"
	grows() { [ "$(wc -l <"$small/disk.log")" -gt "$1" ]; }
	check "writing resumes once there is room" wait_until 5 grows "$n"
	check "the resumption is reported" log_has 'disk: writing .*disk.log again'
else
	echo "skip - ENOSPC needs root to mount a small tmpfs"
fi

calm_lines() { [ "$(wc -l <"$T/calm")" -ge 120 ]; }
check "a follower gets 6 s of lines (past the 5 s idle timeout)" \
    wait_until 10 calm_lines
check "the follower is still connected" alive $CALM
kill $CALM $FOLLOW 2>/dev/null
stop_server
check "pm exits 0 after the flood" log_has 'exiting with status 0'
finish
