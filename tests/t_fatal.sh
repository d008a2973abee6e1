#!/usr/bin/env bash
# start_limit stops a crash loop in "fatal"; a command that cannot be
# executed is reported once with the reason and goes fatal without a spin.
. "$(dirname "$0")/lib.sh"

printf 'not a program\n' > "$T/noexec"
chmod 644 "$T/noexec"
cat >"$T/pm.ini" <<INI
[process:loop]
command = sh -c 'echo x >> $T/starts; exit 3'
restart_delay = 50ms
start_limit = 2

[process:missing]
command = /nonexistent/program --flag

[process:noperm]
command = $T/noexec
INI
start_server "$T/pm.ini" || finish
check "crash loop goes fatal" wait_until 10 log_has 'loop: fatal: 3 failed starts in a row'
expect_eq "start_limit 2 allows exactly 3 starts" "$(wc -l < "$T/starts")" 3
if emu_gap "exec failure reported across vfork" "vfork runs as fork, so the child cannot hand back errno"; then
	stop_server; finish
fi
check "missing command is reported with the reason" \
	wait_until 5 log_has 'missing: cannot execute /nonexistent/program: No such file or directory'
check "non-executable command is reported with the reason" \
	wait_until 5 log_has "noperm: cannot execute $T/noexec: Permission denied"
expect_eq "exec failure reported once" "$(count_log 'missing: cannot execute')" 1
expect_eq "no start is logged for the missing command" "$(count_log 'missing: started')" 0
stop_server
expect_eq "no further start after fatal" "$(wc -l < "$T/starts")" 3
expect_eq "exec failure still reported once at the end" "$(count_log 'missing: cannot execute')" 1
finish
