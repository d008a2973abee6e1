#!/usr/bin/env bash
# t_superv_verbs.sh: supervisorctl's verbs and group names, with a plain
# pm.ini (issue 16): @web, web:, web:* and web:ID on start, stop, restart
# and status; start all / stop all; pid [ID...]; avail; tail [-f] ID
# [stdout|stderr]; reread and update against a changed file.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<'EOF'
[process:php]
command = sleep 1001
process_group = web

[process:nginx]
command = sleep 1002
process_group = web

[process:cron]
command = sleep 1003

[process:chat]
command = /bin/sh -c 'i=0; while :; do i=$((i+1)); echo "o $i"; echo "e $i" >&2; sleep 0.1; done'
EOF
cp "$T/pm.ini" "$T/orig.ini"
start_server "$T/pm.ini" || finish
for id in php nginx cron chat; do
	check "$id running" wait_until 5 state_is $id running
done
ids() { pmc status "$@" | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' '; }

# --- Group names: the same two processes, however named.
for g in @web web: 'web:*'; do
	expect_eq "status $g is php and nginx" "$(ids "$g")" "nginx php "
done
expect_eq "status web:php is php alone" "$(ids web:php)" "php "
expect_eq "a process outside a group is its own: @cron" "$(ids @cron)" "cron "
expect_eq "groups and IDs mix" "$(ids @web chat)" "chat nginx php "
expect_eq "unknown group: exit 2, named" "$(pmc status nope: 2>&1; echo $?)" \
	"pm: unknown id: nope:
2"
expect_eq "web:ID of an unknown ID: exit 2, named" \
	"$(pmc status web:nope 2>&1; echo $?)" "pm: unknown id: nope
2"

pp=$(pid_of php); pn=$(pid_of nginx); pc=$(pid_of cron)
pmc stop web: >/dev/null
web_down() { [ "$(state_of php)/$(state_of nginx)" = stopped/stopped ]; }
check "stop web: stops the group" wait_until 10 web_down
expect_eq "stop web: leaves cron running" "$(pid_of cron)" "$pc"
check "php's process is gone" wait_until 5 dead "$pp"
pmc start web:php >/dev/null
check "start web:php starts php" wait_until 5 state_is php running
expect_eq "start web:php leaves nginx stopped" "$(state_of nginx)" stopped
pmc start 'web:*' >/dev/null
check "start web:* starts nginx" wait_until 5 state_is nginx running
pp=$(pid_of php); pn=$(pid_of nginx)
pmc restart @web >/dev/null
new_pids() {
	local a b
	a=$(pid_of php); b=$(pid_of nginx)
	[ -n "$a" ] && [ "$a" != - ] && [ "$a" != "$pp" ] &&
	    [ -n "$b" ] && [ "$b" != - ] && [ "$b" != "$pn" ]
}
check "restart @web gives both new PIDs" wait_until 10 new_pids
expect_eq "restart @web leaves cron alone" "$(pid_of cron)" "$pc"

# --- pid: pm's own PID, or each named process's.
expect_eq "pid is pm's PID" "$(pmc pid)" "$SERVER"
expect_eq "pid ID is its PID" "$(pmc pid cron)" "$pc"
expect_eq "pid ID ID: one a line, in order" "$(pmc pid cron php | tr '\n' ' ')" \
	"$pc $(pid_of php) "
expect_eq "pid of an unknown ID: exit 2" "$(pmc pid nope >/dev/null 2>&1; echo $?)" 2

# --- avail: the status table.
expect_eq "avail lists every process" "$(pmc avail | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')" \
	"chat cron nginx php "
expect_eq "avail has status's header" "$(pmc avail | head -1)" "$(pmc status | head -1)"

# --- tail [-f] ID [stdout|stderr]: logs, one stream if named.
enough() { [ "$(pmc tail chat 2>/dev/null | wc -l)" -ge 3 ]; }
check "chat has written" wait_until 5 enough
out=$(pmc tail chat stdout 2>&1)
expect_match "tail ID stdout: stdout lines" "$out" '^o [0-9]+$'
expect_eq "tail ID stdout: no stderr line" "$(printf '%s\n' "$out" | grep -c '^e')" 0
out=$(pmc tail chat stderr 2>&1)
expect_match "tail ID stderr: stderr lines" "$out" '^e [0-9]+$'
expect_eq "tail ID stderr: no stdout line" "$(printf '%s\n' "$out" | grep -c '^o')" 0
out=$(pmc tail chat 2>&1)
expect_match "tail ID: both streams (o)" "$out" '^o [0-9]+$'
expect_match "tail ID: both streams (e)" "$out" '^e [0-9]+$'
"$PM" -S "$SOCK" tail -f -n 1 chat stderr >"$T/follow" 2>&1 &
FOLLOW=$!
track $FOLLOW
check "tail -f ID stderr streams new lines" wait_until 5 has_lines 4 "$T/follow"
expect_eq "tail -f ID stderr: stderr lines only" "$(grep -vc '^e [0-9]*$' "$T/follow")" 0
kill $FOLLOW
"$PM" -S "$SOCK" tail -f chat stdout >"$T/follow2" 2>&1 &
FOLLOW=$!
track $FOLLOW
check "tail -f ID stdout streams new lines" wait_until 5 has_lines 4 "$T/follow2"
expect_eq "tail -f ID stdout: stdout lines only" "$(grep -vc '^o [0-9]*$' "$T/follow2")" 0
kill $FOLLOW

# --- stop all / start all.
pmc stop all >/dev/null
all_down() { [ "$(pmc status | awk 'NR > 1 && $2 != "stopped"' | wc -l)" = 0 ]; }
check "stop all stops every process" wait_until 10 all_down
expect_eq "pid of a stopped process is 0" "$(pmc pid cron)" 0
pmc start all >/dev/null
all_up() { [ "$(pmc status | awk 'NR > 1 && $2 != "running"' | wc -l)" = 0 ]; }
check "start all starts every process" wait_until 10 all_up

# --- reread plans against the changed file and changes nothing; update
# applies it.
pc=$(pid_of cron)
sed -e 's/sleep 1002/sleep 2002/' "$T/orig.ini" >"$T/pm.ini"
printf '[process:added]\ncommand = sleep 1004\n' >>"$T/pm.ini"
pn=$(pid_of nginx)
out=$(pmc reread); rc=$?
expect_eq "reread exits 0" "$rc" 0
expect_match "reread: cron unchanged" "$out" '^cron unchanged'
expect_match "reread: nginx restart" "$out" '^nginx restart'
expect_match "reread: added start" "$out" '^added start'
expect_eq "reread: nginx keeps its PID" "$(pid_of nginx)" "$pn"
expect_eq "reread: added not known yet" "$(pmc status added >/dev/null 2>&1; echo $?)" 2
expect_eq "reread takes no argument" "$(pmc reread x >/dev/null 2>&1; echo $?)" 2
out=$(pmc update); rc=$?
expect_eq "update exits 0" "$rc" 0
expect_match "update: its plan" "$out" '^added start'
check "update: added started" wait_until 5 state_is added running
check "update: nginx runs the new command" wait_until 5 eval '[ -n "$(my_pgrep "sleep 2002")" ]'
expect_eq "update: cron keeps its PID" "$(pid_of cron)" "$pc"

stop_server
finish
