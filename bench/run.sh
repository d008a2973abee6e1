#!/bin/bash
# bench/run.sh [--quick]: pm side by side with the supervisors people would
# pick instead, measured in one run on one machine, interleaved (every
# repetition runs each contender once, in turn), so the ratios hold even
# when the machine is noisy. Writes bench/RESULTS.md and prints it.
#
# Peers come from Debian: installed when missing (root only), never
# enabled as system services: policy-rc.d forbids starting them, only the
# packages with the binaries are installed (runit, not runit-init), and
# anything an install started anyway is stopped by PID.
#
# The timed parts are in bench/pmb.c (one supervisor round, PID 1 runs),
# the service every supervisor runs is bench/svc.c, and bench/report.py
# turns the raw "contender N key value" lines into the tables and
# bench/results.json, from which bench/plot.py draws bench/plots/*.svg.
# The log throughput part is bench/logs.sh; bench/entry.sh profiles what
# one process entry costs, bench/profile.sh (with perf) where respawn and
# PID 1's reaping spend their time.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
REPS=${BENCH_REPS:-5}
NS=${BENCH_NS:-"10 100 1000 10000"}
# N = 10,000 runs in the first BIG_REPS repetitions only, every contender
# bounded by BIG_LIMIT seconds to start them all (a round of a peer can
# take minutes): one that does not make it is named in the tables.
BIG_REPS=${BENCH_BIG_REPS:-1}
BIG_LIMIT=60
IDLE_SECS=10
RESPAWN_PER_ROUND=2
ORPHANS="1000 10000"
SKIP=${BENCH_SKIP:-}	# "SUP:N" pairs left out of this run
SETTLE=1.5
LOAD_SECS=2
STATUS_REPS=10
LOG_LINES=500000	# lines a log round prints, between its producers
if [ $QUICK = 1 ]; then
	# Under 3 minutes: N = 10 and 100 only (a round of 1,000 takes up
	# to 15 s for some peers), one respawn a round, short windows.
	NS=${BENCH_NS:-"10 100"}
	IDLE_SECS=2
	ORPHANS="1000"
	RESPAWN_PER_ROUND=1
	STATUS_REPS=5
	SETTLE=1
	LOAD_SECS=1
	LOG_LINES=200000
fi

PEER_PKGS="tini dumb-init catatonit supervisor runit s6 busybox-static"
PEER_PKGS="$PEER_PKGS gnuplot-nox"	# for bench/plot.py
PEER_PKGS="$PEER_PKGS linux-perf"	# for bench/profile.sh
B=$ROOT/build/bench
OUT=$ROOT/bench/RESULTS.md
RAW=$B/raw.txt
T=$(mktemp -d "${TMPDIR:-/tmp}/pmbench.XXXXXX")
chmod 755 "$T"
BG=()

# Stop what this script started, by PID; pmb rounds stop their own trees.
cleanup() {
	local p
	for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${BG[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

# ------------------------------------------------------------------ peers

# Install the missing peers with every service start refused, then stop
# whatever supervisor the install started anyway (by PID, new ones only).
install_peers() {
	local missing= p before after pid rcd=/usr/sbin/policy-rc.d made=0
	for p in $PEER_PKGS; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		say "bench: missing peers:$missing (run as root to install them); measuring without them"
		return 0
	fi
	say "bench: installing$missing"
	before=$(pgrep -d' ' -x 'runsvdir|runsv|s6-svscan|s6-supervise|supervisord' || true)
	if [ ! -e $rcd ]; then
		printf '#!/bin/sh\nexit 101\n' > $rcd && chmod 755 $rcd && made=1
	fi
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing >/dev/null
	[ $made = 1 ] && rm -f $rcd
	after=$(pgrep -d' ' -x 'runsvdir|runsv|s6-svscan|s6-supervise|supervisord' || true)
	for pid in $after; do
		case " $before " in *" $pid "*) continue ;; esac
		say "bench: stopping pid $pid started by the install"
		kill -TERM "$pid" 2>/dev/null
	done
}

have() { command -v "$1" >/dev/null 2>&1; }

# ------------------------------------------------------------ contenders

# mk_svdir DIR N: N service directories whose ./run is the bench service.
mk_svdir() {
	local i
	mkdir -p "$1"
	for i in $(seq 1 "$2"); do
		mkdir "$1/s$i" && ln -s "$B/svc" "$1/s$i/run"
	done
}

mk_pm() {	# DIR N
	local i
	{
		printf '[settings]\nsocket = %s/pm.sock\n' "$1"
		for i in $(seq 1 "$2"); do
			# restart_delay 0: the respawn metric (the issue's rule);
			# start_limit 0: the bench kills on purpose, often.
			printf '[process:s%d]\ncommand = %s\nrestart_delay = 0\nstart_limit = 0\n' "$i" "$B/svc"
		done
	} > "$1/pm.ini"
}

mk_supervisord() {	# DIR N
	local i
	mkdir -p "$1/log"
	{
		printf '[unix_http_server]\nfile = %s/sup.sock\n' "$1"
		printf '[supervisord]\nnodaemon = true\nlogfile = %s/supervisord.log\n' "$1"
		printf 'pidfile = %s/supervisord.pid\nchildlogdir = %s/log\n' "$1" "$1"
		# Enough descriptors for N children with their log pipes.
		printf 'minfds = %d\n' $(( $2 * 4 + 1024 ))
		printf '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n'
		printf '[supervisorctl]\nserverurl = unix://%s/sup.sock\n' "$1"
		for i in $(seq 1 "$2"); do
			printf '[program:s%d]\ncommand = %s\n' "$i" "$B/svc"
		done
	} > "$1/supervisord.conf"
}

# Which supervisors run services in this run.
SUPS="pm"
have runsvdir && have runsv && have sv && SUPS="$SUPS runit"
have s6-svscan && SUPS="$SUPS s6"
have supervisord && have supervisorctl && SUPS="$SUPS supervisord"

# round SUP N DIR [extra pmb options]: one pmb round; raw lines appended.
round() {
	local sup=$1 n=$2 d=$3; shift 3
	local -a start status=()
	local r=$RESPAWN_PER_ROUND sreps=$STATUS_REPS limit=60
	[ "$n" -ge 1000 ] && sreps=5
	[ "$n" -ge 10000 ] && sreps=3 limit=$BIG_LIMIT
	mkdir -p "$d"
	case $sup in
	pm)	mk_pm "$d" "$n"
		start=("$ROOT/pm" -d -c "$d/pm.ini")
		status=(--- status $sreps "$ROOT/pm" -S "$d/pm.sock" status) ;;
	runit)	mk_svdir "$d/sv" "$n"
		start=(runsvdir "$d/sv")
		status=(--- status $sreps sv status "$d"/sv/*) ;;
	s6)	mk_svdir "$d/sv" "$n"
		# -c: room for N services (the default is 500).
		start=(s6-svscan -c $((n + 16)) "$d/sv") ;;
	supervisord)
		mk_supervisord "$d" "$n"
		[ "$n" -ge 1000 ] && sreps=2
		[ "$n" -ge 10000 ] && sreps=1
		start=(supervisord -n -c "$d/supervisord.conf")
		status=(--- status $sreps supervisorctl -c "$d/supervisord.conf" status) ;;
	esac
	[ "$*" = "" ] || status=()
	PMB_SOCK=$d/ann.sock PMB_SVC=$B/svc PMB_LOG=$d/log.txt \
	    "$B/pmb" round -n "$n" -r "$r" -t $limit -w $SETTLE "$@" -- "${start[@]}" "${status[@]}" \
	    > "$d/out.txt" 2>>"$d/log.txt"
	sed "s/^\([a-z_]*\)=\(.*\)/$sup ${TAG:-$n} \1 \2/" "$d/out.txt" >> "$RAW"
	grep '^error=' "$d/out.txt" | sed "s/^/bench: $sup N=$n: /" >&2
	[ "$sup" = pm ] && echo "pm ${TAG:-$n} nopipe $(grep -c 'cannot make a pipe' "$d/log.txt")" >> "$RAW"
	rm -rf "$d"
}

# ------------------------------------------------------------------ main

install_peers
say "bench: building"
make -s pm >&2 || exit 1
mkdir -p "$B"
for f in pmb svc; do
	if have musl-gcc; then cc=musl-gcc; else cc=gcc; fi
	$cc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$B/$f" \
	    "bench/$f.c" || exit 1
done
: > "$RAW"
# N = 10,000 wants two pipes per service in pm: as many open files as the
# hard limit allows (pm says which services it could not give a pipe).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
START=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# Footprint: pm stripped; peers with every executable and shared library
# they need (python's standard library is not counted for supervisord).
footprint() {	# NAME FILE...
	local name=$1 f total=0; shift
	local -A seen=()
	for f in "$@"; do
		[ -e "$f" ] || return 0
		for lib in "$f" $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
			lib=$(readlink -f "$lib")
			[ -n "${seen[$lib]:-}" ] && continue
			seen[$lib]=1
			if [ -d "$lib" ]; then
				total=$((total + $(du -sb "$lib" | cut -f1)))
			else
				total=$((total + $(stat -c %s "$lib")))
			fi
		done
	done
	echo "$name 0 footprint_bytes $total" >> "$RAW"
}
strip -o "$B/pm.stripped" pm
footprint pm "$B/pm.stripped"
w() { command -v "$1" 2>/dev/null || echo "/nonexistent/$1"; }
footprint tini "$(w tini-static)"
footprint dumb-init "$(w dumb-init)"
footprint catatonit "$(w catatonit)"
footprint busybox "$(w busybox)"
footprint runit "$(w runsvdir)" "$(w runsv)" "$(w sv)"
footprint s6 "$(w s6-svscan)" "$(w s6-supervise)" "$(w s6-svstat)" "$(w s6-svc)"
footprint supervisord "$(readlink -f "$(w python3)")" \
    /usr/lib/python3/dist-packages/supervisor

# Supervisor rounds, interleaved: each repetition runs every contender at
# every N once, in turn. pm's ping and the concurrent-client load run in
# its N=10 rounds.
for rep in $(seq 1 $REPS); do
	for n in $NS; do
		for sup in $SUPS; do
			case " $SKIP " in *" $sup:$n "*) continue ;; esac
			[ "$n" -ge 10000 ] && [ "$rep" -gt "$BIG_REPS" ] && continue
			say "bench: rep $rep/$REPS N=$n $sup ($(( $(date +%s) - START ))s)"
			if [ "$sup" = pm ] && [ "$n" = 10 ]; then
				d=$T/$sup-$n
				mkdir -p "$d"
				mk_pm "$d" "$n"
				PMB_SOCK=$d/ann.sock PMB_SVC=$B/svc PMB_LOG=$d/log.txt \
				    "$B/pmb" round -n "$n" -r $RESPAWN_PER_ROUND -t 60 \
				    -w $SETTLE -L "$d/pm.sock" -I s1 -c 50 -W 2 -T $LOAD_SECS -- \
				    "$ROOT/pm" -d -c "$d/pm.ini" \
				    --- status 10 "$ROOT/pm" -S "$d/pm.sock" status \
				    --- ping 20 "$ROOT/pm" -S "$d/pm.sock" ping s1 \
				    > "$d/out.txt" 2>>"$d/log.txt"
				sed "s/^\([a-z_]*\)=\(.*\)/$sup $n \1 \2/" "$d/out.txt" >> "$RAW"
				grep '^error=' "$d/out.txt" >&2
				rm -rf "$d"
			else
				round "$sup" "$n" "$T/$sup-$n"
			fi
		done
	done
done

# Idle wakeups: every contender at once with 10 services, each counted
# over the same quiet window (running them side by side does not change
# what an idle process does, and saves REPS x contenders x window).
for rep in $(seq 1 $REPS); do
	say "bench: idle rep $rep/$REPS (${IDLE_SECS}s window)"
	BG=()
	for sup in $SUPS; do
		TAG=idle round "$sup" 10 "$T/idle-$sup" -i "$IDLE_SECS" -r 0 &
		BG+=($!)
	done
	for p in "${BG[@]}"; do wait "$p"; done
	BG=()
done

# PID 1: N orphans released at once inside a new PID namespace; then TERM.
declare -A INIT=(
	[pm]="$ROOT/pm --"
	[tini]="$(w tini-static) --"
	[dumb-init]="$(w dumb-init)"
	[catatonit]="$(w catatonit) --"
)
INITS="pm"
for i in tini dumb-init catatonit; do
	set -- ${INIT[$i]}
	[ -x "$1" ] && INITS="$INITS $i"
done
# Reaping is short and noisy: twice the repetitions for 1,000.
for rep in $(seq 1 $((REPS * 2))); do
	for n in $ORPHANS; do
		[ "$n" -gt 1000 ] && [ "$rep" -gt "$REPS" ] && continue
		for i in $INITS; do
			say "bench: pid1 rep $rep/$REPS N=$n $i"
			PM_SOCKET=$T/pid1.sock "$B/pmb" pid1 -n "$n" -x 7 -- ${INIT[$i]} 2>/dev/null |
			    sed "s/^\([a-z_]*\)=\(.*\)/$i $n \1 \2/" >> "$RAW"
		done
	done
	[ "$rep" -gt "$REPS" ] && continue
	for i in $INITS; do
		PM_SOCKET=$T/pid1.sock "$B/pmb" pid1term -- ${INIT[$i]} 2>/dev/null |
		    sed "s/^\([a-z_]*\)=\(.*\)/$i 0 \1 \2/" >> "$RAW"
	done
done

# Log throughput (bench/logs.sh).
. "$ROOT/bench/logs.sh"
log_bench

# The report: machine and versions on top, a table per metric.
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "not installed"; }
{
	echo "date $(date -u +%Y-%m-%d)"
	echo "mode $([ $QUICK = 1 ] && echo quick || echo full)"
	echo "reps $REPS"
	echo "skipped $SKIP"
	echo "idle_secs $IDLE_SECS"
	echo "settle $SETTLE"
	echo "big_reps $BIG_REPS"
	echo "big_limit $BIG_LIMIT"
	echo "nofile $(ulimit -n)"
	echo "log_lines $LOG_LINES"
	echo "elapsed $(( $(date +%s) - START ))"
	echo "load $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores)"
	echo "mem $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "kernel $(uname -sr)"
	echo "os $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "pm $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?') ($(grep -o '"[0-9.]*"' pm.h | head -1 | tr -d '"'))"
	for p in $PEER_PKGS; do echo "pkg $p $(ver "$p")"; done
} > "$B/meta.txt"
python3 bench/report.py "$B/meta.txt" "$RAW" bench/results.json > "$OUT" ||
    exit 1
bench/entry.sh "$ROOT/pm" "$B/svc" >> "$OUT"
[ $QUICK = 1 ] || bench/profile.sh "$ROOT/pm" "$B/svc" "$B/pmb" >> "$OUT"
cat "$OUT"
if have gnuplot; then
	rm -f bench/plots/*.svg
	python3 bench/plot.py bench/results.json bench/plots &&
	    say "bench: drew bench/plots/*.svg"
else
	say "bench: no gnuplot (run as root to install it): no plots"
fi
say "bench: wrote bench/RESULTS.md in $(( $(date +%s) - START ))s"
