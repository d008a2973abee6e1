#!/usr/bin/env bash
# docker stop (issue 12): the example stops in reverse dependency order and
# exits 0 well inside Docker's default 10 s grace. When the engine's grace
# is shorter than what pm's stop would take (shutdown_timeout, 30 s by
# default), the engine's SIGKILL ends pm and with it every process of the
# container at once: exit 137, no ordered stop for what was left.
. "$(dirname "$0")/lib.sh"

c=$NAME-example
run_ctr example pmt-base
has_log() { dk logs "$c" 2>&1 | grep -Eq -- "$1"; }
check "the example's web started" wait_until 15 has_log 'web: started'
t0=$(ms)
check "docker stop returns" quiet dk stop "$c"
el=$(( $(ms) - t0 ))
check "docker stop took under 5 s (${el}ms)" test "$el" -lt 5000
echo "# docker stop of the example: ${el}ms"
expect_eq "exit status 0" "$(exit_code "$c")" 0
logs=$(dk logs "$c" 2>&1)
w=$(printf '%s\n' "$logs" | grep -n 'web: stopping' | cut -d: -f1 | head -1)
a=$(printf '%s\n' "$logs" | grep -n 'app: stopping' | cut -d: -f1 | head -1)
wx=$(printf '%s\n' "$logs" | grep -En 'web: pid [0-9]+ (exited|killed)' | cut -d: -f1 | tail -1)
check "web (depends on app) is stopped before app (lines $w, $wx, $a)" \
    test -n "$w" -a -n "$a" -a -n "$wx" -a "${wx:-0}" -lt "${a:-0}"
check "pm said it was shutting down" has_log 'shutting down'

# A process that ignores SIGTERM, with a stop_timeout longer than the grace.
cfg slow.ini <<'INI'
[process:stubborn]
command = /bin/sh -c 'trap "" TERM; while :; do sleep 1; done'
stop_timeout = 20s
INI
c=$NAME-slow
run_ctr slow -v "$T/slow.ini:/etc/pm.ini:ro" pmt-base
check "stubborn started" wait_until 15 has_log 'stubborn: started'
t0=$(ms)
check "docker stop -t 2 returns" quiet dk stop -t 2 "$c"
el=$(( $(ms) - t0 ))
check "the engine's grace bounds the stop (${el}ms)" test "$el" -lt 6000
expect_eq "the engine's SIGKILL gives exit 137" "$(exit_code "$c")" 137
finish
