# tests/lib.sh: shared helpers for the black-box tests. Each tests/t_*.sh
# sources this file, runs the real ./pm and reports one line per assertion:
# "ok - WHAT" or "FAIL - WHAT". tests/run.sh counts those lines.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PM=${PM:-$ROOT/pm}
T=$(mktemp -d "${TMPDIR:-/tmp}/pmtest.XXXXXX")
chmod 755 "$T"
SOCK=$T/pm.sock
export PM_SOCKET=$SOCK
PIDS=() STARTS=()
FAILS=0
# Every process this test starts inherits the tag, so cleanup finds the
# ones that outlive a SIGKILLed pm (services run in their own sessions).
export PMTEST_TAG=$T
# Raw protocol clients: tests/helpers/pdu.py (its docstring lists them).
# In the background run `python3 "$PDU" ... &`, so that $! is its PID.
PDU=$ROOT/tests/helpers/pdu.py
pdu() { python3 "$PDU" "$@"; }
port() { pdu port; }	# a free TCP port on 127.0.0.1

ok()   { echo "ok - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
# quiet CMD...: CMD with its output dropped (for check).
quiet() { "$@" >/dev/null 2>&1; }
# check WHAT CMD...: ok when CMD succeeds.
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', want '$3')"; fi
}
expect_match() {	# WHAT TEXT REGEX
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"
	else fail "$1 ('$3' not in: $(printf '%s' "$2" | head -c 600))"; fi
}

# for_a_while SECONDS: let time pass, at most 10 s. Only where the time
# itself is what is tested ("nothing runs while paused"); anything that can
# be waited on is waited on with wait_until.
for_a_while() {
	[ "${1%.*}" -lt 10 ] || { fail "for_a_while $1: longer than 10 s"; return 1; }
	sleep "$1"
}

# wait_until SECONDS CMD...: poll CMD every 20ms until it succeeds; 1 on
# timeout. This waits for a condition; it never stands in for one.
wait_until() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) / 1000000 + ${limit%.*} * 1000 ))
	while ! "$@" 2>/dev/null; do
		[ $(( $(date +%s%N) / 1000000 )) -ge $end ] && return 1
		sleep 0.02
	done
	return 0
}

# track PID: remembered with its start time, killed (with its process
# group) at exit while it is still that process: a PID that ended may be
# reused by anyone's process once it is reaped (pid_max can be 32768).
track() { PIDS+=("$1"); STARTS+=("$(pid_start "$1")"); }
# pid_start PID: its start time (field 22 of /proc/PID/stat), empty if gone.
pid_start() {
	local s f
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	IFS=' ' read -r -a f <<<"${s##*) }"
	echo "${f[19]}"
}
# pid_reused PID START: PID is a process again, but not the one that started
# at START.
pid_reused() { [ -d "/proc/$1" ] && [ "$(pid_start "$1")" != "$2" ]; }
# pid_ours PID: PID is not a tracked PID that another process has taken since
# (the last tracking of it counts).
pid_ours() {
	local i start=
	for i in "${!PIDS[@]}"; do
		[ "${PIDS[i]}" = "$1" ] && start=${STARTS[i]}-
	done
	[ -z "$start" ] || ! pid_reused "$1" "${start%-}"
}
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }
dead() { ! alive "$1"; }

# descendants PID: every process below PID (children lead their own
# sessions, so killing PID's group does not reach them).
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"; descendants "$c"
	done
}

cleanup() {
	local i p kids
	for i in "${!PIDS[@]}"; do
		p=${PIDS[i]}
		# A group outlives its leader, and its ID is not reused while
		# it lives: only a PID someone else has now is left alone.
		pid_reused "$p" "${STARTS[i]}" && continue
		kids=$(descendants "$p")
		kill -KILL -- "-$p" 2>/dev/null
		kill -KILL "$p" $kids 2>/dev/null
	done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	kill_tagged
	rm -rf "$T"
}

# kill_tagged: SIGKILL every process whose environment carries this test's
# tag (orphans of a killed server, grandchildren of services).
kill_tagged() {
	local e p
	for e in $(grep -lzxF "PMTEST_TAG=$T" /proc/[0-9]*/environ 2>/dev/null); do
		p=${e#/proc/}; p=${p%/environ}
		[ "$p" != $$ ] && [ "$p" != "$BASHPID" ] && kill -KILL "$p" 2>/dev/null
	done
}
# mine PID: PID carries this test's tag, so a process of another test
# running at the same time is never counted as ours.
mine() { grep -qzxF "PMTEST_TAG=$T" "/proc/$1/environ" 2>/dev/null; }
# my_pgrep PATTERN: pgrep -f, this test's processes only.
my_pgrep() {
	local p
	for p in $(pgrep -f -- "$1"); do mine "$p" && echo "$p"; done
}
trap cleanup EXIT

# pmc ARGS...: the real client against this test's server.
pmc() { "$PM" -S "$SOCK" "$@"; }

# start_server CONFIG [ARGS...]: pm -d in the background, its stderr in
# $T/server.log; waits until the control socket answers. Sets SERVER.
start_server() {
	local cfg=$1; shift
	"$PM" -d -c "$cfg" "$@" >"$T/server.out" 2>"$T/server.log" &
	SERVER=$!
	track "$SERVER"
	if ! wait_until 5 test -S "$SOCK"; then
		fail "server did not start: $(tail -5 "$T/server.log")"
		return 1
	fi
}

# start_other CONFIG SOCKET: a second pm -d on SOCKET, its stderr in
# $T/server2.log. Sets OTHER to its PID; the caller waits for what it needs.
start_other() {
	"$PM" -d -c "$1" -S "$2" >/dev/null 2>"$T/server2.log" &
	OTHER=$!
	track "$OTHER"
}

# key_file PATH TEXT: a token file holding TEXT, readable by its owner only.
key_file() { printf '%s\n' "$2" >"$1"; chmod 600 "$1"; }

# stop_server: pm shutdown through the client, then wait for the exit.
stop_server() {
	pid_ours "$SERVER" && kill -TERM "$SERVER" 2>/dev/null
	wait_until 15 dead "$SERVER"
	wait "$SERVER" 2>/dev/null
}

# pid_of ID: the PID column of `pm status ID`.
pid_of() { pmc status "$1" 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
state_of() { pmc status "$1" 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }
# log_has REGEX: the server's own log contains REGEX.
log_has() { grep -Eq -- "$1" "$T/server.log"; }

# in_pidns CMD...: run CMD as PID 1 of a new PID namespace.
in_pidns() { unshare --pid --fork --mount-proc "$@"; }

# emu_gap WHAT REASON: under qemu-user (make ARCH=... test sets
# PM_EMULATED), print a skip line naming the emulator's gap and succeed, so
# the caller leaves WHAT out; natively fail, so the caller runs it.
emu_gap() {
	[ -n "${PM_EMULATED:-}" ] || return 1
	echo "skip - $1 (qemu-user $PM_EMULATED: $2)"
}

finish() { [ "$FAILS" -eq 0 ]; exit $?; }

# started_pid ID: the pid of ID's latest start, from the server's own log.
started_pid() {
	sed -n "s/^pm: info: $1: started pid \([0-9]*\)$/\1/p" "$T/server.log" | tail -1
}
# count_log REGEX: how many of the server's log lines match.
count_log() { grep -Ec -- "$1" "$T/server.log"; }
HELPERS=$ROOT/tests/helpers
# ms: monotonic-enough wall clock in milliseconds, for timing bounds.
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# has_lines N FILE: FILE exists and holds at least N lines (for wait_until).
has_lines() { [ -f "$2" ] && [ "$(wc -l < "$2")" -ge "$1" ]; }
# state_is ID STATE: `pm status ID` shows STATE now (for wait_until).
state_is() { [ "$(state_of "$1")" = "$2" ]; }

# start_web_db [SETTING...]: the server on $T/pm.ini, two services web
# (sleep 1000) and db (sleep 1001), and a [settings] section of the lines
# given, if any; checks both run. 1 when the server did not start.
start_web_db() {
	{
		[ $# -eq 0 ] || { echo '[settings]'; printf '%s\n' "$@"; }
		printf '[process:web]\ncommand = sleep 1000\n'
		printf '[process:db]\ncommand = sleep 1001\n'
	} >"$T/pm.ini"
	start_server "$T/pm.ini" || return 1
	check "web running" wait_until 5 state_is web running
	check "db running" wait_until 5 state_is db running
}
# status_pids: "ID PID" a line, as `pm status` shows them (at most 5 s).
status_pids() { timeout 5 "$PM" -S "$SOCK" status | awk 'NR>1 {print $1, $3}'; }
# still_fine WHAT: `pm status` answers within 1 s, every PID as in
# $BEFORE (taken with status_pids).
still_fine() {
	local t0 out el
	t0=$(ms)
	out=$(status_pids)
	el=$(( $(ms) - t0 ))
	check "$1: status answered within 1 s (${el}ms)" test "$el" -lt 1000
	expect_eq "$1: every PID unchanged" "$out" "$BEFORE"
}

# start_logged ID SCRIPT DELAY MAX: the server on $T/pm.ini with one
# process ID, which appends the time of each start (ns) to $T/starts and
# then runs the shell SCRIPT; restart_delay DELAY up to MAX, no
# start_limit. 1 when the server did not start.
start_logged() {
	cat >"$T/pm.ini" <<INI
[process:$1]
command = sh -c 'date +%s%N >> $T/starts; $2'
restart_delay = $3
restart_delay_max = $4
start_limit = 0
INI
	start_server "$T/pm.ini"
}
# start_ms I: when start I (from 0) in $T/starts happened, in ms.
start_ms() { local s; mapfile -t s <"$T/starts"; echo $(( s[$1] / 1000000 )); }
# start_gap I: ms from start I to start I+1 in $T/starts.
start_gap() {
	local s; mapfile -t s <"$T/starts"
	echo $(( (s[$1 + 1] - s[$1]) / 1000000 ))
}
# backoffs ID N: the first N delays the server logged for ID, each with a
# space after it ("0.200s 0.400s ").
backoffs() {
	grep -Eo "$1: backoff [0-9.]+s" "$T/server.log" | head -"$2" |
	    awk '{ printf "%s ", $3 }'
}
