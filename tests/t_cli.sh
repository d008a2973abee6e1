#!/usr/bin/env bash
# The client's one grammar (issue 13): global options anywhere before "--",
# help and --version, the original design's spellings (`start -ID`,
# `config -display [-ID]`, `setting display -KEY`...), a client config the
# server would refuse still naming the socket, errors naming the word, and
# PID 1 running a client command instead of becoming the server.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[settings]
max_clients = 17
[process:web]
command = sleep 1000
[process:id0]
command = sleep 1001
autostart = no
INI
start_server "$T/pm.ini" || finish
check "web running" wait_until 5 state_is web running

# Global options anywhere, -- ends them.
out=$(PM_SOCKET= "$PM" status -S "$SOCK" web); expect_eq "status -S SOCK web exits 0" $? 0
expect_match "status -S SOCK web shows web" "$out" '^web +running'
out=$(PM_SOCKET= "$PM" --json -S "$SOCK" status); expect_match "--json before the command" "$out" '^\{"processes": \['
out=$(PM_SOCKET= "$PM" status web --json -S "$SOCK"); expect_match "--json and -S after the ID" "$out" '"id": "web"'
out=$(pmc status -- --json 2>&1); expect_eq "after --, --json is an argument" $? 2
expect_match "... and is named as an unknown option" "$out" 'unknown option: --json'
out=$(pmc ping -q); expect_eq "ping -q exits 0" $? 0
expect_eq "ping -q prints nothing" "$out" ""
out=$(pmc -q ping); expect_eq "-q before ping prints nothing" "$out" ""

# Help and version.
out=$("$PM" --help); expect_eq "--help exits 0" $? 0
expect_match "--help prints the usage" "$out" '^usage: pm '
out2=$("$PM" -h); expect_eq "-h = --help" "$out2" "$out"
out=$("$PM" help config); expect_eq "help config exits 0" $? 0
expect_match "help config has one line per sub-command" "$out" 'pm config reload \[--dry-run\]'
expect_match "help config names the display spelling" "$out" 'show\|display'
expect_eq "config --help = help config" "$("$PM" config --help)" "$out"
expect_eq "help -config = help config" "$("$PM" help -config)" "$out"
expect_eq "-h status = help status" "$("$PM" -h status)" "$("$PM" help status)"
out=$("$PM" -S "$T/none.sock" --version); expect_eq "--version exits 0 with no server" $? 0
expect_match "--version prints the client's version" "$out" '^pm [0-9]+\.[0-9]+\.[0-9]+$'

# Errors name what was wrong, exit 2.
out=$("$PM" frobnicate 2>&1); expect_eq "unknown command exits 2" $? 2
expect_match "unknown command is named" "$out" 'unknown command: frobnicate'
out=$("$PM" --bogus status 2>&1); expect_eq "unknown option before the command exits 2" $? 2
expect_match "unknown option is named" "$out" 'unknown option: --bogus'
out=$(pmc status --bogus 2>&1); expect_eq "unknown option after the command exits 2" $? 2
expect_match "unknown option after the command is named" "$out" 'unknown option: --bogus'
out=$(pmc config frob 2>&1); expect_eq "unknown sub-command exits 2" $? 2
expect_match "unknown sub-command is named" "$out" 'unknown sub-command: frob'
out=$("$PM" status -S 2>&1); expect_eq "an option without its value exits 2" $? 2
expect_match "... and is named" "$out" '-S needs a value'

# The original design's spellings.
pmc start -id0 >/dev/null; expect_eq "start -id0 exits 0" $? 0
check "start -id0 started id0" wait_until 5 state_is id0 running
pmc stop -id0 >/dev/null; expect_eq "stop -id0 exits 0" $? 0
check "stop -id0 stopped id0" wait_until 5 state_is id0 stopped
out=$(pmc config -display -web); expect_match "config -display -web shows [process:web]" "$out" '^\[process:web\]'
expect_eq "config -display -web = config show web" "$out" "$(pmc config show web)"
expect_eq "config display web = config show web" "$(pmc config display web)" "$out"
out=$(pmc config -display); expect_match "config -display shows every section" "$out" '\[process:id0\]'
out=$(pmc setting -display -max_clients); expect_match "setting -display -KEY" "$out" '17'
expect_eq "setting display -KEY = setting show KEY" "$(pmc setting display -max_clients)" "$out"
expect_eq "setting show KEY" "$(pmc setting show max_clients)" "$out"
pmc setting -reload >/dev/null; expect_eq "setting -reload exits 0" $? 0
pmc config -reload >/dev/null; expect_eq "config -reload exits 0" $? 0
pmc signal -web -CONT >/dev/null; expect_eq "signal -web -CONT exits 0" $? 0

# An ID may not begin with '-': that dash is the design's.
printf '[process:-x]\ncommand = true\n' >"$T/dash.ini"
out=$("$PM" config check "$T/dash.ini" 2>&1); expect_eq "an ID beginning with - is refused" $? 1
expect_match "... naming the file, line and ID" "$out" "dash.ini:1: bad process ID '-x'"

# The client reads only socket and token_file: a key or a user that only
# the server uses does not stop it.
# A line longer than inih's default buffer is read whole, as the server does.
long=$(printf 'x%.0s' $(seq 300))
cat >"$T/client.ini" <<INI
[process:x]
command = true $long
user = pm-no-such-user-$$
[settings]
no_such_key = 1
socket = $SOCK
INI
out=$(PM_SOCKET= "$PM" -c "$T/client.ini" status web 2>&1); expect_eq "client with a config the server would refuse reaches the server" $? 0
expect_match "... and prints the status" "$out" '^web +running'
out=$(PM_SOCKET= PM_CONFIG=$T/client.ini "$PM" ping -q 2>&1); expect_eq "PM_CONFIG naming such a file works too" $? 0

# -d still refuses a command.
out=$("$PM" -d status 2>&1); expect_eq "-d with a command exits 2" $? 2

# PID 1 with a client command runs it and exits (a Dockerfile's RUN).
if unshare --pid --fork --mount-proc true 2>/dev/null; then
	out=$(timeout 10 unshare --pid --fork --mount-proc "$PM" config check "$T/pm.ini" 2>&1)
	expect_eq "PID 1: config check FILE exits 0" $? 0
	expect_eq "PID 1: config check prints its verdict" "$out" "configuration OK"
	out=$(timeout 10 unshare --pid --fork --mount-proc "$PM" config check "$T/dash.ini" 2>&1)
	expect_eq "PID 1: config check of a bad file exits 1" $? 1
	out=$(timeout 10 unshare --pid --fork --mount-proc "$PM" --version 2>&1)
	expect_eq "PID 1: --version exits 0" $? 0
	out=$(timeout 10 unshare --pid --fork --mount-proc "$PM" -S "$SOCK" status web 2>&1)
	expect_match "PID 1: status reaches the server" "$out" '^web +running'
	out=$(timeout 10 unshare --pid --fork --mount-proc "$PM" help 2>&1)
	expect_eq "PID 1: help exits 0" $? 0
	# No command: the server, a word that is no command (a kernel's
	# "single") ignored.
	printf '[process:s]\ncommand = sleep 1000\n' >"$T/ns.ini"
	unshare --pid --fork --mount-proc "$PM" -c "$T/ns.ini" -S "$T/ns.sock" single \
	    >/dev/null 2>"$T/ns.log" &
	u=$!; track "$u"
	check "PID 1: no command and a stray word: the server" \
	    wait_until 5 sh -c "'$PM' -S '$T/ns.sock' ping s >/dev/null"
	nspm=$(cat /proc/$u/task/$u/children 2>/dev/null | awk '{ print $1 }')
	[ -n "$nspm" ] && kill -TERM "$nspm"
	wait_until 15 dead "$u"; wait "$u"
	expect_eq "PID 1: that server exits 0 on SIGTERM" $? 0
else
	echo "skip - PID 1 cases (no unshare --pid here)"
fi

stop_server
finish
