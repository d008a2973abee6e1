#!/usr/bin/env bash
# Signals from the engine (issue 12): docker kill -s HUP reloads the
# config; docker kill -s TERM stops everything and pm exits 0.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/etc"; chmod 755 "$T/etc"
cat >"$T/etc/pm.ini" <<'INI'
[process:talker]
command = /bin/sh -c 'echo talker up; exec sleep 1000'
INI
chmod 644 "$T/etc/pm.ini"
c=$NAME-ctr
run_ctr ctr -v "$T/etc:/cfg:ro" pmt-base -c /cfg/pm.ini
has_log() { dk logs "$c" 2>&1 | grep -Eq -- "$1"; }
check "talker is up" wait_until 15 has_log '^talker \| talker up'
cat >>"$T/etc/pm.ini" <<'INI'

[process:extra]
command = /bin/sh -c 'echo extra up; exec sleep 1000'
INI
check "docker kill -s HUP" quiet dk kill -s HUP "$c"
check "HUP reloaded the config: extra started" wait_until 15 has_log '^extra \| extra up'
check "talker was left alone" test "$(dk logs "$c" 2>&1 | grep -c 'talker: started')" -eq 1
check "the container still runs" running "$c"
t0=$(ms)
check "docker kill -s TERM" quiet dk kill -s TERM "$c"
check "TERM stopped the container" wait_until 10 exited "$c"
el=$(( $(ms) - t0 ))
expect_eq "exit status 0 after TERM" "$(exit_code "$c")" 0
check "TERM stop took under 5 s (${el}ms)" test "$el" -lt 5000
check "both processes were stopped" has_log 'extra: stopping'
finish
