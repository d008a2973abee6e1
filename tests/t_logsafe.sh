#!/usr/bin/env bash
# Issue 11: pm writes log files as root, often in a directory its service's
# user owns. That user must not be able to point pm's writes anywhere else:
# not with a symlink or hard link planted at the log's name (reopened on
# `logs --reopen`, SIGHUP, or the retry after a failure), not with a
# symlinked directory on its path, not by racing the rotation, and not to
# make log_keep = 0 truncate a root file. pm's own log_target gets the same
# care, and can be rotated away and reopened.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
	echo "skip - needs root, setpriv and a nobody user"; finish
fi
NB=$(id -u nobody); NG=$(id -g nobody)
asnobody() { setpriv --reuid="$NB" --regid="$NG" --clear-groups "$@"; }
cc -O1 -o "$T/lograce" "$HELPERS/lograce.c" || { fail "build lograce helper"; finish; }

# Root-only files the service must not reach, and the service's own
# directories.
for f in secret1 secret2 secret3; do
	printf 'root only %s\n' "$f" >"$T/$f"
done
head -c 2000 /dev/zero | tr '\0' r >>"$T/secret2"	# past log_max_size
chmod 600 "$T"/secret*
sum() { cksum "$T/secret1" "$T/secret2" "$T/secret3" "$T/rootdir/deep.log" 2>/dev/null; }
mkdir -m 700 "$T/rootdir"
mkdir -m 755 "$T/app" "$T/trunc" "$T/race" "$T/logs"
chown nobody "$T/app" "$T/trunc" "$T/race"
before=$(sum)

# mkcfg LOG_TARGET: the same processes, pm's own log where asked.
mkcfg() {
	cat >"$T/pm.ini" <<INI
[settings]
log_target = $1

[process:app]
command = sh -c 'i=0; while :; do i=\$((i+1)); echo "app line \$i"; sleep 0.05; done'
user = nobody
log = $T/app/app.log

[process:trunc]
command = sh -c 'i=0; while :; do i=\$((i+1)); echo "trunc line \$i"; sleep 0.05; done'
user = nobody
log = $T/trunc/t.log
log_keep = 0
log_max_size = 1K

[process:deep]
command = sh -c 'i=0; while :; do i=\$((i+1)); echo "deep line \$i"; sleep 0.05; done'
user = nobody
log = $T/app/sub/deep.log

[process:race]
command = yes race-line
user = nobody
autostart = no
log = $T/race/r.log
log_max_size = 1K
log_keep = 2
INI
}
mkcfg "$T/logs/pm.log"
start_server "$T/pm.ini" || finish
PLOG=$T/logs/pm.log
plog_has() { cat "$PLOG"* 2>/dev/null | grep -Eq -- "$1"; }

# Lines reach a log after a given moment: wait for N more in the ring.
ring_at() { pmc logs "$1" -n 1 2>/dev/null | sed -n 's/.* line \([0-9]*\)$/\1/p'; }
advanced() { local n; n=$(ring_at "$1"); [ -n "$n" ] && [ "$n" -ge $(($2 + 5)) ]; }
settle() { local n; n=$(ring_at "$1"); wait_until 5 advanced "$1" "${n:-0}"; }

check "app writes its log" wait_until 5 grep -q "app line" "$T/app/app.log"
check "trunc writes its log" wait_until 5 grep -q "trunc line" "$T/trunc/t.log"
check "deep's missing directory is reported" wait_until 5 plog_has "deep: cannot open $T/app/sub/deep.log: No such file"

# 1. A planted symlink, then `logs --reopen` (logrotate's postrotate).
# Files are planted as NAME.new and renamed over NAME in one step: an rm
# then ln left a gap in which pm's retry (every second) created a fresh
# log at the name, the ln failed, and the refusal the test waits for never
# came (a failure seen once under load).
plant() {
	local path=$1; shift
	rm -f "$path.new" && "$@" "$path.new" && mv -Tf "$path.new" "$path"
}
asnobody sh -c "ln -s '$T/secret1' '$T/app/app.log.new' && mv -Tf '$T/app/app.log.new' '$T/app/app.log'"
asnobody sh -c "ln -s '$T/secret2' '$T/trunc/t.log.new' && mv -Tf '$T/trunc/t.log.new' '$T/trunc/t.log'"
check "the symlink is planted" test -L "$T/app/app.log"
check "the other symlink is planted" test -L "$T/trunc/t.log"
check "logs --reopen answers" timeout 5 "$PM" -S "$SOCK" logs --reopen
check "a symlinked log is refused, with the reason" wait_until 5 plog_has "app: cannot open $T/app/app.log: it is a symlink"
check "the log_keep = 0 one too" wait_until 5 plog_has "trunc: cannot open $T/trunc/t.log: it is a symlink"
check "app keeps running and writing" settle app
check "trunc keeps running and writing" settle trunc
expect_eq "no line reached a root file, none was truncated" "$(sum)" "$before"

# 2. The retry after a failure, through a symlinked parent directory: the
# service makes sub a link to a root-only directory.
asnobody ln -s "$T/rootdir" "$T/app/sub"
check "a directory symlink the service made is refused on retry" wait_until 5 plog_has "deep: cannot open $T/app/sub/deep.log: a directory on its path is a symlink that a non-root user can change"
check "nothing was created in the root-only directory" test ! -e "$T/rootdir/deep.log"
# A directory of its own is fine again.
asnobody sh -c "rm '$T/app/sub' && mkdir '$T/app/sub'"
check "deep writes once its directory is real" wait_until 5 grep -q "deep line" "$T/app/sub/deep.log"

# 3. SIGHUP with a hard link to a root file (possible where
# fs.protected_hardlinks is off; root makes it here on the service's behalf).
plant "$T/app/app.log" ln "$T/secret1"
check "the hard link is planted" test "$T/app/app.log" -ef "$T/secret1"
kill -HUP "$SERVER"
check "a hard-linked log is refused after SIGHUP" wait_until 5 plog_has "app: cannot open $T/app/app.log: it has another hard link"
check "app keeps running" settle app
expect_eq "the root file did not grow" "$(sum)" "$before"

# 4. A FIFO neither blocks pm nor is written; a file of another user is
# refused; the service user's own file is accepted.
asnobody sh -c "mkfifo '$T/app/app.log.new' && mv -Tf '$T/app/app.log.new' '$T/app/app.log'"
check "the FIFO is planted" test -p "$T/app/app.log"
check "logs --reopen answers with a FIFO at the log's name" timeout 5 "$PM" -S "$SOCK" logs --reopen
check "the FIFO is refused" wait_until 5 plog_has "app: cannot open $T/app/app.log: it is not a regular file"
check "pm still answers" quiet timeout 5 "$PM" -S "$SOCK" status app
# Owned by 12345 before it takes the name: a root file there even for a
# moment is pm's own, and the retry would write to it.
plant "$T/app/app.log" sh -c 'touch "$1" && chown 12345 "$1"' _
pmc logs --reopen >/dev/null
check "another user's file is refused" wait_until 5 plog_has "app: cannot open $T/app/app.log: it belongs to another user"
check "and not written" test ! -s "$T/app/app.log"
chown nobody "$T/app/app.log"
pmc logs --reopen >/dev/null
check "the service user's own file is written" wait_until 5 grep -q "app line" "$T/app/app.log"

# 5. The rotation race: a fast writer rotating every 1 KiB while the
# service swaps its log's name for a symlink to a root file, for 4 s.
pmc start race >/dev/null
# r.log.1 is gone between the rotation's two renames (.1 to .2, then the
# log to .1); on a busy CPU 100 of 100 polls landed in that gap (pm is
# most likely preempted after the rename that frees the old .2). After
# the first rotation .1 or .2 is always there.
rotated() { [ -s "$T/race/r.log.1" ] || [ -s "$T/race/r.log.2" ]; }
check "race writes and rotates" wait_until 5 rotated
rounds=$(asnobody "$T/lograce" "$T/race" r.log "$T/secret3" 4000)
check "the racer swapped the name ($rounds times)" test "${rounds:-0}" -gt 0
pmc stop race >/dev/null
expect_eq "no racing line reached the root file" "$(sum)" "$before"
check "pm is alive" alive "$SERVER"

# 6. pm's own log_target: rotated away and reopened (logrotate), on
# `logs --reopen` and on SIGHUP.
mv "$PLOG" "$PLOG.1"
pmc logs --reopen >/dev/null
check "logs --reopen starts a fresh log_target" wait_until 5 grep -q "log files reopened" "$PLOG"
mv "$PLOG" "$PLOG.2"
kill -HUP "$SERVER"
check "SIGHUP starts a fresh log_target" wait_until 5 grep -q "reloaded" "$PLOG"

# 7. setting reload: a log_target over 256 bytes is applied, not swapped
# for stderr (finding 13); one that cannot be opened is refused with its
# reason and the old target kept.
long=$T/logs/$(printf 'L%.0s' $(seq 120))/$(printf 'M%.0s' $(seq 120))
mkdir -p "$long"
mkcfg "$long/pm.log"
out=$(pmc setting reload 2>&1); rc=$?
expect_eq "setting reload with a ${#long}-byte log_target: exit 0" "$rc" 0
pmc logs --reopen >/dev/null
check "pm logs into the long log_target" wait_until 5 grep -q "log files reopened" "$long/pm.log"
mkcfg "$T/missing/pm.log"
out=$(pmc setting reload 2>&1); rc=$?
check "a log_target that cannot be opened is refused (exit $rc)" test "$rc" -ne 0
expect_match "with its reason" "$out" "cannot open log file $T/missing/pm.log: No such file.*nothing changed"
out=$(pmc config reload 2>&1); rc=$?
check "config reload refuses it too (exit $rc)" test "$rc" -ne 0
expect_match "with its reason" "$out" "cannot open log file $T/missing/pm.log: No such file.*old config kept"
: >"$long/pm.log"
pmc logs --reopen >/dev/null
check "the old log_target is kept" wait_until 5 grep -q "log files reopened" "$long/pm.log"

# 8. A log_target whose directory the service can swap for a symlink.
mkdir -m 755 "$T/app/plogs"; chown nobody "$T/app/plogs"
mkcfg "$T/app/plogs/pm.log"
pmc setting reload >/dev/null
check "log_target in the service's directory" wait_until 5 test -e "$T/app/plogs/pm.log"
asnobody sh -c "mv '$T/app/plogs' '$T/app/plogs.old' && ln -s '$T/rootdir' '$T/app/plogs'"
pmc logs --reopen >/dev/null
check "a symlinked log_target directory is refused" wait_until 5 log_has "cannot open log file $T/app/plogs/pm.log: a directory on its path is a symlink"
check "nothing was written in the root-only directory" test ! -e "$T/rootdir/pm.log"

stop_server
finish
