# Run by pm inside the cgroup boot (issue 14): each step prints a marker
# line that tests/boot/run.sh checks on the console.
C=/sys/fs/cgroup
# poll N CMD...: CMD until it succeeds, at most N tenths of a second.
poll() { n=$1; shift; while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
js() { pm --json status "$1" | sed -n "s/.*\"$2\": \\([^,}]*\\).*/\\1/p"; }
echo "CG-PM-LEAF $(cat $C/-pm/cgroup.procs | tr '\n' ' ')"
echo "CG-CONTROLLERS $(cat $C/cgroup.subtree_control)"
# This shell's first command already runs in the driver's own group.
echo "CG-SELF $(cat /proc/self/cgroup)"
echo "OOM-ADJ pm=$(cat /proc/1/oom_score_adj) child=$(cat /proc/self/oom_score_adj)"
echo "LIMITS hog $(cat $C/hog/memory.max) $(cat $C/hog/memory.high) $(cat $C/hog/memory.swap.max)"

# 32 MiB touched: status shows about that much.
t32() { [ "$(js touch32 memory_bytes)" -ge 33554432 ] 2>/dev/null; }
poll 300 t32
echo "MEM32 $(js touch32 memory_bytes) $(pm status touch32 | awk '$1 == "touch32" { print $9 }')"
n_pid=$(js touch32 pid)

# The hog: OOM-killed, reported, restarted; the neighbour undisturbed.
restarted() { [ "$(js hog restarts)" -ge 1 ] && [ "$(js hog state)" = '"running"' ]; }
poll 300 restarted
echo "HOG-STATUS $(pm status hog | awk '$1 == "hog" { print $2, $6 }') oom=$(js hog exit_oom) restarts=$(js hog restarts)"
echo "HOG-METRIC $(pm metrics | grep '^pm_process_oom_kills_total{id="hog"}')"
echo "NEIGHBOUR pid=$([ "$(js touch32 pid)" = "$n_pid" ] && echo same) mem=$(js touch32 memory_bytes)"

# The fork bomb: held at pids_max; pm and the rest keep working.
pm start bomb
full() { [ "$(cat $C/bomb/pids.current)" -ge 16 ]; }
poll 300 full
sleep 1
echo "BOMB-LIMIT $(cat $C/bomb/pids.max) $(cat $C/bomb/cpu.max)"
echo "BOMB pids=$(cat $C/bomb/pids.current) max=$(cat $C/bomb/pids.max) $(grep max $C/bomb/pids.events)"
echo "BOMB-PM-OK $(pm status touch32 | awk '$1 == "touch32" { print $2 }') pid=$([ "$(js touch32 pid)" = "$n_pid" ] && echo same)"
pm stop bomb
empty() { [ -z "$(cat $C/bomb/cgroup.procs)" ]; }
poll 300 empty && echo "BOMB-GONE $(pm status bomb | awk '$1 == "bomb" { print $2 }')"

# The escaper: its daemon left the process group; pm stop still ends it.
pm start escaper
poll 300 test -s /tmp/esc.pid
d=$(cat /tmp/esc.pid)
echo "ESCAPED pid=$d sid=$(cut -d ' ' -f 6 /proc/$d/stat) main=$(js escaper pid)"
pm stop escaper
stopped() { [ "$(js escaper state)" = '"stopped"' ]; }
poll 300 stopped
if kill -0 "$d" 2>/dev/null; then echo "ESCAPER-LEFT $d"; else echo "ESCAPER-GONE procs=$(cat $C/escaper/cgroup.procs | wc -l)"; fi

# cpu_max = 20%: the busy loop's share over three seconds.
pm start busy
cpu() { pm metrics | sed -n 's/^pm_process_cpu_seconds_total{id="busy"} //p'; }
sleep 1
u0=$(cpu); t0=$(cut -d ' ' -f 1 /proc/uptime)
sleep 3
u1=$(cpu); t1=$(cut -d ' ' -f 1 /proc/uptime)
echo "CPU-SHARE $(awk -v a="$u0" -v b="$u1" -v s="$t0" -v e="$t1" \
    'BEGIN { printf "%d", (b - a) * 1000 / (e - s) }') per mille; cpu.max $(cat $C/busy/cpu.max) weight $(cat $C/busy/cpu.weight) io $(cat $C/busy/io.weight 2>/dev/null | head -1)"

pm stop busy

# Reload a changed memory_max: written live, no restart.
sed -i 's/^memory_max = 100M$/memory_max = 90M/' /etc/pm.ini
pm config reload >/dev/null
echo "RELOAD-LIMIT $(cat $C/touch32/memory.max) pid=$([ "$(js touch32 pid)" = "$n_pid" ] && echo same)"
echo CGROUP-DONE
pm poweroff
