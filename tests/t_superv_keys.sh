#!/usr/bin/env bash
# t_superv_keys.sh: the native keys supervisord's files map onto, in a
# plain pm.ini (issue 16): instances = N (IDs ID_00 ..., PM_INSTANCE),
# success_exit (for restart = on-failure and for counting failed starts),
# env_file (Docker's env-file syntax) and process_group with @NAME.
. "$(dirname "$0")/lib.sh"

printf '# a comment\n\nA=1\n  B="q" x\nPM_T_FROM_ENV\nPM_T_UNSET\n' >"$T/env"
export PM_T_FROM_ENV=outer
unset PM_T_UNSET
cat >"$T/pm.ini" <<EOF
[process:web]
command = /bin/sh -c 'echo "n=\$PM_INSTANCE A=\$A B=\$B E=\$PM_T_FROM_ENV U=\${PM_T_UNSET-unset}"; exec sleep 100'
instances = 3
process_group = front
env_file = $T/env

[process:ok2]
command = /bin/sh -c 'exit 2'
restart = on-failure
success_exit = 0 2

[process:bad3]
command = /bin/sh -c 'sleep 0.1; exit 3'
restart = on-failure
success_exit = 0, 2
restart_delay = 50ms
restart_delay_max = 50ms

[process:flap2]
command = /bin/sh -c 'exit 2'
success_exit = 2
start_limit = 1
restart_delay = 50ms
restart_delay_max = 50ms

[process:flap3]
command = /bin/sh -c 'exit 3'
success_exit = 2
start_limit = 1
restart_delay = 50ms
restart_delay_max = 50ms
EOF
out=$("$PM" config check "$T/pm.ini" 2>&1)
expect_eq "config check" "$out" "configuration OK"
start_server "$T/pm.ini" || finish

expect_eq "instances: web_00 web_01 web_02" \
	"$(pmc status @front | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "web_00 web_01 web_02 "
for i in 00 01 02; do
	check "web_$i is running" wait_until 5 state_is "web_$i" running
	wait_until 5 test -n "$(pmc logs "web_$i" 2>/dev/null)"
	expect_eq "web_$i: PM_INSTANCE and env_file lines" "$(pmc logs "web_$i")" \
		"n=$i A=1 B=\"q\" x E=outer U=unset"
done
expect_match "config show: each copy on its own" "$(pmc config show web_01)" \
	'^process_group = front$'

check "ok2: exit 2 is success, not restarted" wait_until 5 state_is ok2 exited
expect_eq "ok2: no restarts" "$(pmc status ok2 | awk 'NR == 2 { print $5 }')" 0
restarts3() { [ "$(pmc status bad3 | awk 'NR == 2 { print $5 }')" -ge 2 ]; }
check "bad3: exit 3 is a failure, restarted" wait_until 10 restarts3

# Failed starts count failures only: flap3 (exit 3) goes fatal past
# start_limit = 1, flap2 (exit 2, a success) keeps being restarted.
check "flap3: fatal after failed starts" wait_until 10 state_is flap3 fatal
restarts2() { [ "$(pmc status flap2 | awk 'NR == 2 { print $5 }')" -ge 4 ]; }
check "flap2: restarted past start_limit" wait_until 10 restarts2
expect_eq "flap2: not fatal" "$(state_of flap2 | grep -c fatal)" 0

pmc stop @front >/dev/null
front_down() { [ "$(pmc status @front | grep -c running)" = 0 ]; }
check "stop @front stops the group" wait_until 10 front_down
expect_eq "unknown group is an error, exit 2" "$(pmc stop @nope 2>&1; echo $?)" \
	"pm: unknown id: @nope
2"
stop_server

# Errors: FILE:LINE of the key; for env_file, the env file's line too.
printf 'A=1\nBAD NAME=2\n' >"$T/env2"
printf '[process:x]\ncommand = /bin/true\nenv_file = %s\n' "$T/env2" >"$T/b.ini"
"$PM" config check "$T/b.ini" >/dev/null 2>"$T/err"
expect_match "env_file: bad line named" "$(cat "$T/err")" "^$T/b.ini:3: env_file .*$T/env2:2:"
printf '[process:x]\ncommand = /bin/true\nenv_file = %s/none\n' "$T" >"$T/b.ini"
"$PM" config check "$T/b.ini" >/dev/null 2>"$T/err"
expect_match "env_file: missing file" "$(cat "$T/err")" "^$T/b.ini:3: env_file .*No such file"
# A FIFO (or a device) as env_file is refused before it is opened: the
# load never waits on it, and a reload of a running pm could not either.
mkfifo "$T/env.fifo"
printf '[process:x]\ncommand = /bin/true\nenv_file = %s/env.fifo\n' "$T" >"$T/b.ini"
expect_eq "env_file: a FIFO is refused, no wait" "$(timeout 10 "$PM" config check "$T/b.ini" 2>&1 >/dev/null; echo $?)" \
	"$T/b.ini:3: env_file in [process:x]: not a regular file
1"
printf '[process:x]\ncommand = /bin/true\nsuccess_exit = 0 256\n' >"$T/b.ini"
"$PM" config check "$T/b.ini" >/dev/null 2>"$T/err"
expect_match "success_exit: out of range" "$(cat "$T/err")" "^$T/b.ini:3: success_exit .*0-255"
printf '[process:x]\ncommand = /bin/true\ninstances = 2\ndepends = y\n[process:y]\ncommand = /bin/true\n' >"$T/b.ini"
"$PM" config check "$T/b.ini" >/dev/null 2>"$T/err"
expect_match "instances with depends: refused" "$(cat "$T/err")" "^$T/b.ini:4: depends"

finish
