#!/usr/bin/env bash
# t_cgroup.sh: per-process cgroups (issue 14) where pm has none of its own,
# as here: pm is not PID 1, so cgroup = auto finds no writable cgroup2.
# pm says so once, status and --json say each process's limits are not
# applied, usage comes from /proc for the process itself (and --json says
# so), and supervision is unchanged. Bad values are config errors naming
# FILE:LINE and the key. The real cgroups are tested in the qemu guest of
# tests/boot (make test-boot), where pm is init.
. "$(dirname "$0")/lib.sh"

# ---- bad values: FILE:LINE: key, and why
while read -r key val; do
	printf '[process:a]\ncommand = sleep 1\n%s = %s\n' "$key" "$val" >"$T/bad.ini"
	err=$("$PM" config check "$T/bad.ini" 2>&1); rc=$?
	expect_eq "$key = $val: refused" "$rc" 1
	expect_match "$key = $val: FILE:LINE, key and value named" "$err" \
	    "^$T/bad.ini:3: $key in \[process:a\]: bad value '$val' \(want "
done <<'LIST'
memory_max 12Q
memory_high -1
memory_swap_max lots
pids_max 1.5
cpu_max 0%
cpu_max 50
cpu_max 20000 10
cpu_max 500 100000
cpu_max 20 %
cpu_weight 0
cpu_weight 10001
io_weight max
LIST
printf '[settings]\nlog_level = info\ncgroup = maybe\n' >"$T/bad.ini"
err=$("$PM" config check "$T/bad.ini" 2>&1)
expect_match "cgroup = maybe: FILE:LINE and key" "$err" \
    "^$T/bad.ini:3: cgroup in \[settings\]: 'maybe' is not an absolute path"

# ---- the fallback: limits not applied, supervision unchanged
cat >"$T/pm.ini" <<INI
[process:lim]
command = sh -c 'i=0; while [ \$i -lt 100000 ]; do i=\$((i + 1)); done; exec sleep 100'
memory_max = 64M
memory_high = 48m
memory_swap_max = 0
pids_max = 100
cpu_max = 50%
cpu_weight = 200
io_weight = 300
restart_delay = 100ms

[process:free]
command = sleep 100
cpu_max = 20000 50000
INI
printf '[process:plain]\ncommand = sleep 100\n' >>"$T/pm.ini"
start_server "$T/pm.ini" || finish
check "lim runs" wait_until 5 state_is lim running
check "plain runs" wait_until 5 state_is plain running
expect_eq "pm says once that limits are not applied" \
    "$(count_log 'no writable cgroup2 at /sys/fs/cgroup .*: limits not applied')" 1

show=$(pmc config show lim | tr '\n' ' ')
expect_match "config show: sizes in bytes, cpu_max as the kernel reads it" \
    "$show" "memory_max = 67108864.*memory_high = 50331648.*memory_swap_max = 0.*pids_max = 100.*cpu_max = 50000 100000.*cpu_weight = 200.*io_weight = 300"
expect_match "config show: QUOTA PERIOD kept" "$(pmc config show free)" \
    "cpu_max = 20000 50000"
expect_match "settings show: cgroup = auto" "$(pmc setting show)" \
    '^cgroup = auto$'

st=$(pmc status)
expect_match "status has MEM and CPU columns" "$st" \
    '^ID +STATE +PID +UPTIME +RESTARTS +EXIT +HEALTH +NEXT +MEM +CPU +INFO'
expect_match "INFO: lim's limits are not applied" "$st" \
    '^lim +running .* limits not applied$'
if printf '%s\n' "$st" | grep -E '^plain ' | grep -q 'limits'; then
	fail "plain sets no limit, and INFO says nothing of limits"
else ok "plain sets no limit, and INFO says nothing of limits"; fi

js=$(pmc --json status lim)
expect_match "--json: usage from /proc, limits not applied" "$js" \
    '"pids": 1, "oom_kills": null, "usage_from": "proc", "limits_applied": false, "exit_oom": false'
expect_match "--json: plain's limits count as applied (it has none)" \
    "$(pmc --json status plain)" '"limits_applied": true'
mem=$(printf '%s' "$js" | sed -n 's/.*"memory_bytes": \([0-9]*\).*/\1/p')
pid=$(pid_of lim)
rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$pid/status")
if [ -n "$mem" ] && [ "$mem" -gt 0 ] && [ "$mem" -le $((rss * 2)) ] &&
    [ $((mem * 2)) -ge "$rss" ]; then
	ok "memory_bytes is the process's own RSS ($mem, VmRSS $rss)"
else fail "memory_bytes '$mem' vs VmRSS $rss"; fi
cpu_used() { pmc --json status lim | grep -q '"cpu_seconds_total": 0\.0*[1-9]\|"cpu_seconds_total": [1-9]'; }
check "cpu_seconds_total counts the process's own CPU time" wait_until 5 cpu_used

m=$(pmc metrics)
expect_match "metrics: memory_bytes" "$m" "pm_process_memory_bytes\{id=\"lim\"\} [1-9][0-9]*"
expect_match "metrics: cpu_seconds_total in seconds" "$m" \
    "pm_process_cpu_seconds_total\{id=\"lim\"\} [0-9]+\.[0-9]{6}"
expect_match "metrics: pids" "$m" "pm_process_pids\{id=\"lim\"\} 1"
if printf '%s' "$m" | grep -q '^pm_process_oom_kills_total{'; then
	fail "no oom_kills_total series without a cgroup to count them"
else ok "no oom_kills_total series without a cgroup to count them"; fi

# Supervision as without limits: a SIGKILL is a SIGKILL, and restarts.
kill -KILL "$pid"
new_pid() { p=$(pid_of lim); [ -n "$p" ] && [ "$p" != - ] && [ "$p" != "$pid" ]; }
check "lim restarts after SIGKILL" wait_until 5 new_pid
expect_match "EXIT is 137, not oom" "$(pmc status lim)" '^lim +running +[0-9]+ +[0-9]+s +1 +137 '

# A changed limit is no reason to restart.
pid=$(pid_of lim)
sed -i 's/^memory_max = 64M$/memory_max = 32M/' "$T/pm.ini"
plan=$(pmc config reload 2>&1)
expect_match "reload of a changed limit: lim unchanged" "$plan" 'lim unchanged'
expect_eq "lim kept its pid" "$(pid_of lim)" "$pid"
expect_match "the new limit is in the config" "$(pmc config show lim)" 'memory_max = 33554432'
expect_eq "still said only once" \
    "$(count_log 'limits not applied')" 1
pmc stop lim >/dev/null
check "pm stop still stops" wait_until 5 state_is lim stopped
stop_server

# cgroup = no: nothing logged; the limits are still reported not applied.
printf '[settings]\ncgroup = no\n' >"$T/no.ini"
sed -n '/^\[process:lim\]/,/^restart_delay/p' "$T/pm.ini" >>"$T/no.ini"
: >"$T/server.log"
start_server "$T/no.ini" || finish
check "cgroup = no: lim runs" wait_until 5 state_is lim running
expect_eq "cgroup = no: nothing logged about cgroups" "$(count_log cgroup)" 0
expect_match "cgroup = no: INFO says limits not applied" "$(pmc status lim)" \
    'limits not applied'
stop_server

# cgroup = PATH that is not a cgroup2: said once, with the path.
printf '[settings]\ncgroup = %s\n' "$T" >"$T/path.ini"
: >"$T/server.log"
start_server "$T/path.ini" || finish
expect_eq "cgroup = PATH: not a cgroup2, said once with the path" \
    "$(count_log "no writable cgroup2 at $T \\(Wrong medium type\\): limits not applied")" 1
stop_server
finish
