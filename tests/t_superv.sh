#!/usr/bin/env bash
# t_superv.sh: pm runs supervisord.conf files (issue 16). For each file in
# a shape people use: `pm config check` accepts it with the expected
# warnings (FILE:LINE: warning: ...), `pm config convert` prints pm.ini
# that `pm config check` accepts as it is, and pm starts the same
# processes, under the same names and with the same command lines, as the
# real supervisord (Debian's supervisor package) run on the same file.
# The daemons are stand-ins: shell scripts named php-fpm, nginx, cron ...
. "$(dirname "$0")/lib.sh"

"$ROOT/tests/install-deps.sh" supervisor >/dev/null 2>&1 ||
	fail "Debian's supervisor package is needed (tests/install-deps.sh supervisor)"

mkdir -p "$T/bin" "$T/conf.d"
for d in php-fpm nginx cron worker listener; do
	printf '#!/bin/sh\ntrap "exit 0" TERM INT\nwhile :; do sleep 1; done\n' \
	    >"$T/bin/$d"
	chmod 755 "$T/bin/$d"
done
B=$T/bin
export RUNAS=$(id -un) NUM=2 MODE=prod

# What every file needs for supervisord itself and supervisorctl.
head_of() {
	cat <<EOF
[unix_http_server]
file=$T/sup.sock

[supervisord]
nodaemon=true
logfile=/dev/stdout
logfile_maxbytes=0
pidfile=$T/sup.pid

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$T/sup.sock
EOF
}

# "NAME PID" per process: supervisorctl's (group: prefix dropped) and pm's.
sup_list() {
	supervisorctl -c "$1" status 2>/dev/null |
	    awk '{ n = $1; sub(/^[^:]*:/, "", n); p = $2 == "RUNNING" ? $4 : 0;
	    sub(/,/, "", p); print n, p }' | grep -Ev "^($2) " | sort
}
pm_list() { pmc status 2>/dev/null | awk 'NR > 1 { print $1, $2 == "running" ? $3 : 0 }' | sort; }
running() { [ "$("$1" "${@:2}" | awk '$2 != 0' | wc -l)" -eq "$N" ]; }
cmdline() { [ "$1" = 0 ] && echo - || tr '\0' ' ' <"/proc/$1/cmdline"; }
# NAME PID lines to NAME CMDLINE lines.
cmds() { while read -r n p; do echo "$n $(cmdline "$p")"; done; }

# shape NAME FILE RUNNING EXCLUDE WARNING...: the checks above for FILE, in
# which RUNNING processes stay up; EXCLUDE is a regex of supervisord's
# names pm does not run (an eventlistener), each WARNING a text one
# warning line must hold; the count of warnings must match too.
shape() {
	local name=$1 f=$2 w rc sp
	N=$3
	local ex=$4
	shift 4
	"$PM" config check "$f" >"$T/out" 2>"$T/warn"; rc=$?
	expect_eq "$name: config check exits 0" "$rc" 0
	for w in "$@"; do
		if grep -Fq -- "$w" "$T/warn"; then ok "$name: warns '$w'"
		else fail "$name: warns '$w' (got: $(cat "$T/warn"))"; fi
	done
	expect_eq "$name: $# warnings, each at FILE:LINE" \
	    "$(grep -Ec '^/[^:]+:[0-9]+: warning: ' "$T/warn")" "$#"
	"$PM" config convert "$f" >"$T/$name.ini" 2>/dev/null
	"$PM" config check "$T/$name.ini" >"$T/out" 2>"$T/err"; rc=$?
	expect_eq "$name: converted pm.ini passes config check" "$rc/$(cat "$T/err")" "0/"

	supervisord -n -c "$f" >"$T/sup.log" 2>&1 &
	sp=$!
	track "$sp"
	wait_until 20 running sup_list "$f" "$ex" ||
	    fail "$name: supervisord runs $N processes ($(sup_list "$f" "$ex"))"
	sup_list "$f" "$ex" | cmds >"$T/sup.cmds"
	kill -TERM "$sp"
	wait_until 15 dead "$sp" || fail "$name: supervisord stops"
	wait "$sp" 2>/dev/null

	start_server "$f" || return
	wait_until 10 running pm_list || fail "$name: pm runs $N processes"
	pm_list | cmds >"$T/pm.cmds"
	stop_server
	if diff "$T/sup.cmds" "$T/pm.cmds" >"$T/diff"; then
		ok "$name: same processes, names and commands ($(wc -l <"$T/pm.cmds"))"
	else
		fail "$name: supervisord vs pm differ: $(cat "$T/diff")"
	fi
}

# 1. php-fpm with nginx and cron, the usual web image; ';' inside quotes
# and inline comments after whitespace.
{ head_of; cat <<EOF
[program:php-fpm]
command=$B/php-fpm -F --fpm-config /etc/php/fpm.conf ; in the foreground
priority=5
autorestart=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
redirect_stderr=true

[program:nginx]
command=$B/nginx -g 'daemon off;'   # keeps its ';'
priority=10
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
stderr_logfile=/dev/stderr
stderr_logfile_maxbytes=0

[program:cron]
command=$B/cron -f -L 15
priority=20
EOF
} >"$T/web.conf"
shape web "$T/web.conf" 3 '' \
	"unix_http_server: not needed" "rpcinterface:supervisor: not needed" \
	"supervisorctl: not needed" "pidfile: pm writes no pidfile" \
	"logfile_maxbytes: pm does not rotate" "priority: start order" \
	"priority: start order" "priority: start order"
expect_match "web: ';' inside quotes kept" "$(cat "$T/web.ini")" \
	"command = $B/nginx -g 'daemon off;'\$"
# supervisord's defaults where pm's differ: autorestart=unexpected, startretries=3.
expect_match "web: supervisord's defaults written out" \
	"$(sed -n '/^\[process:cron\]/,$p' "$T/web.ini" | tr '\n' ' ')" \
	'restart = on-failure start_limit = 3'

# 2. numprocs workers named with %(process_num)02d, an eventlistener, and
# %(ENV_X)s in command, user and numprocs.
{ head_of; cat <<EOF
[program:worker]
command=$B/worker --queue %(ENV_MODE)s --slot %(process_num)d
process_name=%(program_name)s_%(process_num)02d
numprocs=%(ENV_NUM)s
numprocs_start=1
user=%(ENV_RUNAS)s
environment=QUEUE="a, b",HOME="/tmp"

[eventlistener:crashmail]
command=$B/listener
events=PROCESS_STATE_EXITED
EOF
} >"$T/workers.conf"
shape workers "$T/workers.conf" 2 crashmail \
	"unix_http_server: not needed" "rpcinterface:supervisor: not needed" \
	"supervisorctl: not needed" "pidfile: pm writes no pidfile" \
	"logfile_maxbytes: pm does not rotate" \
	"eventlistener:crashmail: not run: use on_exit, on_fatal or pm events"
expect_eq "workers: numbered names" "$(grep '^\[process' "$T/workers.ini" | tr '\n' ' ')" \
	'[process:worker_01] [process:worker_02] '
expect_match "workers: quoted environment value" "$(cat "$T/workers.ini")" \
	'environment = QUEUE=a, b'

# 3. An include directory: a group in one file over programs of others,
# included by a glob relative to the including file; a multi-line command;
# autorestart=unexpected with exitcodes (a job that exits 2 stays exited).
head_of >"$T/inc.conf"
printf '\n[include]\nfiles = conf.d/*.conf\n' >>"$T/inc.conf"
printf '[group:web]\nprograms=php-fpm,nginx\npriority=1\n' >"$T/conf.d/00-group.conf"
printf '[program:php-fpm]\ncommand=%s/php-fpm\n    --nodaemonize\n    -R\n' "$B" \
    >"$T/conf.d/php.conf"
# An [include] in an included file is not read, by supervisord or pm.
printf '[program:nginx]\ncommand=%s/nginx -g "daemon off;"\n[include]\nfiles=extra.ini\n' "$B" \
    >"$T/conf.d/nginx.conf"
printf '[program:extra]\ncommand=%s/worker\n' "$B" >"$T/conf.d/extra.ini"
printf '[program:job]\ncommand=/bin/sh -c "exit 2"\nautorestart=unexpected\nexitcodes=0,2\nstartsecs=0\n' \
    >"$T/conf.d/job.conf"
shape include "$T/inc.conf" 2 '' \
	"unix_http_server: not needed" "rpcinterface:supervisor: not needed" \
	"supervisorctl: not needed" "pidfile: pm writes no pidfile" \
	"logfile_maxbytes: pm does not rotate" "startsecs: pm: a run under 10s" \
	"include: not read: supervisord reads the main file's only"
expect_eq "include: group over programs of other files" \
	"$(grep -A1 '^\[process:\(php-fpm\|nginx\)' "$T/include.ini" | grep -c 'process_group = web')" 2
expect_match "include: multi-line command joined" "$(cat "$T/include.ini")" \
	"command = $B/php-fpm --nodaemonize -R"
expect_match "include: exitcodes" "$(tr '\n' ' ' <"$T/include.ini")" \
	'restart = on-failure success_exit = 0,2'

# The job exits 2, an expected code: exited, never restarted.
start_server "$T/inc.conf"
wait_until 10 state_is job exited || fail "job: exited (got $(state_of job))"
expect_eq "job: exit 2 is a success, no restart" \
	"$(pmc status job | awk 'NR == 2 { print $5 }')" 0
# Groups on the command line: @web, web:, web:* and web:name.
expect_eq "@web is php-fpm and nginx" "$(pmc status @web | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')" "nginx php-fpm "
pmc stop web: >/dev/null
web_down() { [ "$(state_of php-fpm)/$(state_of nginx)/$(state_of job)" = stopped/stopped/exited ]; }
check "stop web: stops the group" wait_until 10 web_down
expect_eq "web:* is the group too" "$(pmc status 'web:*' | wc -l)" 3
pmc start web:php-fpm >/dev/null
expect_eq "start web:php-fpm" "$(state_of php-fpm)/$(state_of nginx)" "running/stopped"
pmc start all >/dev/null
check "start all starts nginx" wait_until 5 state_is nginx running
expect_eq "pid ID is its PID" "$(pmc pid nginx)" "$(pid_of nginx)"
expect_eq "pid is pm's PID" "$(pmc pid)" "$SERVER"
pmc stop all >/dev/null
all_down() { [ "$(state_of php-fpm)/$(state_of nginx)" = stopped/stopped ]; }
check "stop all stops every process" wait_until 10 all_down
expect_match "reread plans, changes nothing" "$(pmc reread)" 'nginx unchanged'
n=$(grep -c 'startsecs: pm: a run under 10s' "$T/server.log")
expect_eq "the start printed the file's warning" "$n" 1
expect_eq "update reloads" "$(pmc update >/dev/null; echo $?)" 0
# The file's warnings are logged again by the reload, as at the start.
logged_twice() { [ "$(grep -c 'startsecs: pm: a run under 10s' "$T/server.log")" -eq $((n + 1)) ]; }
check "update logs the file's warnings" wait_until 5 logged_twice
# A program's names do not expand outside [program:x]: in [include]
# files, after a load that had programs, the reload is refused with the
# line named (it read the last load's freed names before).
cp "$T/inc.conf" "$T/inc.keep"
sed -i 's|^files = conf.d/\*.conf$|files = conf.d/*.conf %(program_name)s.conf|' "$T/inc.conf"
expect_match "update: %(program_name)s in [include] refused" "$(pmc update 2>&1)" \
	"inc.conf:[0-9]*: cannot expand 'conf.d/[*].conf %[(]program_name[)]s.conf'"
check "the server is still up" kill -0 "$SERVER"
expect_eq "nothing changed: nginx as it was" "$(state_of nginx)" stopped
cp "$T/inc.keep" "$T/inc.conf"
stop_server

# --format supervisord: a file with neither [supervisord] nor a
# [program:x] (an [include] alone) is read as supervisord's when told so,
# by the client's config check and by the server.
printf '[include]\nfiles = conf.d/php.conf\n' >"$T/fmt.txt"
expect_eq "no --format: not pm.ini" "$("$PM" config check "$T/fmt.txt" >/dev/null 2>&1; echo $?)" 1
expect_eq "--format supervisord: config check" "$("$PM" --format supervisord config check "$T/fmt.txt" 2>/dev/null)" "configuration OK"
expect_eq "--format: pm or supervisord" "$("$PM" --format nope config check "$T/fmt.txt" 2>&1; echo $?)" "pm: --format: want pm or supervisord
2"
start_server "$T/fmt.txt" --format supervisord
check "pm -d --format supervisord runs php-fpm" wait_until 5 state_is php-fpm running
stop_server

# Syntax and expansions: the last duplicate wins, a [supervisord] repeated
# in an included file is merged, %% is %, and the names expand.
mkdir -p "$T/x"
printf '[supervisord]\nloglevel=warn\n[include]\nfiles=x/*.ini\n[group:g]\nprograms=p\n' >"$T/syn.conf"
printf '[supervisord]\nloglevel=debug\n[program:p]\ncommand=/bin/false\ncommand=/bin/echo %%(here)s %%(host_node_name)s %%(group_name)s %%(program_name)s 100%%%% a#x b;y #c\n' \
    >"$T/x/p.ini"
out=$("$PM" config convert "$T/syn.conf" 2>/dev/null)
expect_match "syntax: merged [supervisord], last loglevel" "$out" '^log_level = debug$'
expect_match "syntax: last command, expansions, %%, inline comment only after a space" "$out" \
	"^command = /bin/echo $T/x $(uname -n) g p 100% a#x b;y\$"

# startretries=0 is no retry in supervisord, no limit in pm: 1, noted.
printf '[program:x]\ncommand=/bin/true\nstartretries=0\n' >"$T/r.conf"
"$PM" config check "$T/r.conf" >/dev/null 2>"$T/err"
expect_match "startretries=0 noted" "$(cat "$T/err")" "^$T/r.conf:3: warning: startretries: 0 is no limit"
expect_match "startretries=0 is start_limit = 1" "$("$PM" config convert "$T/r.conf" 2>/dev/null)" '^start_limit = 1$'

# Errors name the supervisord file and line, pm's own message reused.
printf '[program:x]\ncommand=/bin/true\nstopsignal=NOPE\n' >"$T/bad.conf"
"$PM" config check "$T/bad.conf" >/dev/null 2>"$T/err"
expect_match "bad value: FILE:LINE of supervisord's file" "$(cat "$T/err")" \
	"^$T/bad.conf:3: stop_signal"
printf 'command=/bin/true\n[program:x]\ncommand=/bin/true\n' >"$T/bad.conf"
"$PM" --format supervisord config check "$T/bad.conf" >/dev/null 2>"$T/err"
expect_match "a key before any section says so" "$(cat "$T/err")" \
	"^$T/bad.conf:1: key 'command' outside of any section\$"
{ printf '[program:x]\ncommand=/bin/'; head -c 5000 /dev/zero | tr '\0' a; echo; } >"$T/bad.conf"
"$PM" config check "$T/bad.conf" >/dev/null 2>"$T/err"
expect_match "a line too long: FILE:LINE and the limit" "$(cat "$T/err")" \
	"^$T/bad.conf:2: line too long [(]max 4094[)]\$"
printf '[program:x]\ncommand=%%(ENV_PM_TEST_UNSET)s\n' >"$T/bad.conf"
"$PM" config check "$T/bad.conf" >/dev/null 2>"$T/err"
expect_match "unset %(ENV_X)s: FILE:LINE" "$(cat "$T/err")" "^$T/bad.conf:2: cannot expand"

# An [include] glob reads regular files only: a FIFO (or a device) it
# matches is an error that names it, never a wait or an open that acts.
mkdir -p "$T/fifo.d" && mkfifo "$T/fifo.d/a.conf"
printf '[include]\nfiles = fifo.d/*.conf\n[program:x]\ncommand=/bin/true\n' >"$T/fifo.conf"
expect_eq "include: a FIFO is refused, no wait" \
	"$(timeout 10 "$PM" config check "$T/fifo.conf" 2>&1; echo $?)" \
	"$T/fifo.d/a.conf: not a regular file
1"

finish
