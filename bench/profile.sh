#!/bin/bash
# bench/profile.sh PM SVC PMB: where the time goes, by perf, for the two
# costs that grow with N: respawn at N = 1,000 (pm's CPU while bench/pmb
# kills services one after the other) and PID 1 reaping 10,000 orphans
# released at once (pm, and one peer init for comparison). Prints Markdown
# sections for bench/RESULTS.md; prints nothing without perf.
set -u
PM=$1 SVC=$2 PMB=$3
command -v perf >/dev/null 2>&1 || exit 0
T=$(mktemp -d "${TMPDIR:-/tmp}/pmprof.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
F=4999	# samples per second and CPU

# cats DATA COMM: percent of COMM's samples, by the function they were
# in: the kernel's walk over a parent's children in wait4; waiting for
# the kernel's tasklist lock; copying and closing file descriptors; COMM's
# own code (user space); the rest of the kernel.
cats() {
	perf report -i "$1" --comm "$2" --percentage relative --no-children \
	    --stdio -g none --sort sym 2>/dev/null | awk '
	/%/ { v = $1 + 0; s = $NF
		if (s ~ /^(wait_consider_task|__do_wait)$/) w += v
		else if (s ~ /read_lock_slowpath/) l += v
		else if (s ~ /^(dup_fd|filp_close|filp_flush|dnotify_flush|fput_close|locks_remove_posix|file_close_fd_locked|close_range|pick_file)$/) f += v
		else if ($2 == "[.]") o += v
		else k += v }
	END { printf "%.0f%% %.0f%% %.0f%% %.0f%% %.0f%%\n", w, l, f, o, k }'
}
# samples DATA COMM: how many samples COMM has.
samples() {
	perf report -i "$1" --no-children --stdio --sort comm -n 2>/dev/null |
	    awk -v c="$2" '$3 == c { v = $2 } END { print v + 0 }'
}

# 1. Respawn at N = 1,000: perf on pm (and its vfork children until they
# exec) over 4 s of kill -9 and respawn, after the cold start.
{
	printf '[settings]\nsocket = %s/pm.sock\n' "$T"
	for i in $(seq 1 1000); do
		printf '[process:s%d]\ncommand = %s\nrestart_delay = 0\nstart_limit = 0\n' "$i" "$SVC"
	done
} > "$T/pm.ini"
PMB_SOCK=$T/ann.sock PMB_SVC=$SVC PMB_LOG=$T/log.txt \
    "$PMB" round -n 1000 -r 100000 -t 60 -w 1.5 -- "$PM" -d -c "$T/pm.ini" \
    > "$T/round.txt" 2>&1 &
bg=$!
pid=
for k in $(seq 1 600); do
	pid=$(pgrep -f -x "$PM -d -c $T/pm.ini" | head -1)
	[ -n "$pid" ] && grep -q '^respawn_us' "$T/round.txt" && break
	sleep 0.05
done
a=$(grep -c '^respawn_us' "$T/round.txt")
[ -n "$pid" ] && perf record -q -F $F -g -p "$pid" -o "$T/respawn.data" \
    -- sleep 4 >/dev/null 2>&1
b=$(grep -c '^respawn_us' "$T/round.txt")
kill -TERM "$bg" 2>/dev/null
wait "$bg" 2>/dev/null
if [ -s "$T/respawn.data" ]; then
	n=$((b - a))
	s=$(samples "$T/respawn.data" pm)
	read -r w l f o k < <(cats "$T/respawn.data" pm)
	echo "### Where a respawn's time goes at N = 1000 (perf)"
	echo
	echo "bench/profile.sh: perf record on pm and its vfork children (until they"
	echo "exec) over 4 s of kill -9 and respawn by bench/pmb: $n respawns,"
	echo "$s samples at $F Hz, about $(( s * 1000000 / F / (n > 0 ? n : 1) )) us of CPU each. Share"
	echo "of those samples by the function they were in:"
	echo
	echo "| where | share |"
	echo "|---|---|"
	echo "| the kernel's wait4 walking pm's 1,000 children for the zombie | $w |"
	echo "| copying pm's descriptor table at vfork and closing the copy (2,000+ pipe ends) | $f |"
	echo "| pm's own code: the loop, the state table and every walk over it | $o |"
	echo "| the rest of the kernel (vfork, execve, pipes, epoll, signals) | $((${k%\%} + ${l%\%}))% |"
	echo
fi

# 2. PID 1 reaping 10,000 orphans: perf on every CPU while bench/pmb
# releases them inside a PID namespace; pm and one peer init.
for init in "$PM --" "$(command -v dumb-init 2>/dev/null)" \
    "$(command -v catatonit 2>/dev/null) --" "$(command -v tini-static 2>/dev/null) --"; do
	set -- $init
	[ -x "${1:-}" ] || continue
	name=$(basename "$1")
	comm=${name:0:15}
	PM_SOCKET=$T/pid1.sock perf record -q -F $F -a -g -o "$T/reap-$name.data" \
	    -- "$PMB" pid1 -n 10000 -x 7 -- "$@" > "$T/reap-$name.txt" 2>/dev/null
	us=$(sed -n 's/^reap_us=//p' "$T/reap-$name.txt")
	s1=$(samples "$T/reap-$name.data" "$comm")
	so=$(samples "$T/reap-$name.data" pmb)
	read -r w l f o k < <(cats "$T/reap-$name.data" "$comm")
	echo "| $name | $(( ${us:-0} / 1000 )) ms | $(( s1 * 1000 / F )) ms | $w | $l | $o | $k | $(( so * 1000 / F )) ms |" >> "$T/reap.md"
	[ "$name" = pm ] || break	# one peer is enough to compare
done
if [ -s "$T/reap.md" ]; then
	echo "### Where PID 1's time goes reaping 10,000 orphans (perf)"
	echo
	echo "bench/profile.sh: perf record on every CPU during one \`pmb pid1 -n 10000\`"
	echo "round for pm and for one peer. CPU: the init's samples at $F Hz, and"
	echo "the orphans' (pmb processes) as they exit. The init's CPU split by the"
	echo "function its samples were in: the kernel's wait4 walking PID 1's"
	echo "children for a zombie, waiting for the kernel's tasklist lock (which"
	echo "every exiting orphan takes to write), the init's own code, the rest."
	echo
	echo "| init | wall time | init's CPU | wait4 walk | tasklist lock | own code | rest of kernel | orphans' CPU |"
	echo "|---|---|---|---|---|---|---|---|"
	cat "$T/reap.md"
	echo
fi
