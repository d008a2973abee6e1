#!/usr/bin/env bash
# Config reloads racing with crashes and client commands (issue 8): for a
# couple of seconds the file flips between two versions (a process added
# and removed, one command changed, a broken file now and then) and is
# reloaded by SIGHUP and by `pm config reload`, while three processes
# crash-loop and clients restart, stop, start and ask for status. After
# the storm and a last reload, the table must be exactly the last file's,
# each process once, every child of pm shown by status, none left over.
. "$(dirname "$0")/lib.sh"

base() {
	cat <<INI
[process:web]
command = sleep 1000
INI
	for i in 1 2 3; do
		printf '[process:crash%d]\ncommand = sh -c "exit %d"\nrestart_delay = 10ms\nrestart_delay_max = 40ms\nstart_limit = 0\n' $i $i
	done
}
{ base; printf '[process:extra]\ncommand = sleep 1001\n'; } >"$T/a.ini"
{ base | sed 's/sleep 1000/sleep 1002/'; printf '[process:other]\ncommand = sleep 1003\ndepends = web\n'; } >"$T/b.ini"
{ base; printf '[process:broken\n'; } >"$T/bad.ini"
cp "$T/a.ini" "$T/pm.ini"
start_server "$T/pm.ini" || finish
check "extra running" wait_until 5 state_is extra running

end=$(( $(ms) + 2500 ))
storm_clients() {
	local ids=(web crash1 crash2 crash3 extra other) i=0
	while [ "$(ms)" -lt "$end" ]; do
		case $((i % 5)) in
		0) pmc restart "${ids[i % 6]}" ;;
		1) pmc stop "${ids[(i + 1) % 6]}" ;;
		2) pmc start "${ids[(i + 2) % 6]}" ;;
		3) pmc status ;;
		4) pmc config show ;;
		esac >/dev/null 2>&1
		i=$((i + 1))
	done
}
storm_clients & c1=$!
storm_clients & c2=$!
n=0
while [ "$(ms)" -lt "$end" ]; do
	case $((n % 4)) in
	0) cp "$T/b.ini" "$T/pm.ini" ;;
	1) cp "$T/a.ini" "$T/pm.ini" ;;
	2) cp "$T/bad.ini" "$T/pm.ini" ;;
	3) cp "$T/b.ini" "$T/pm.ini" ;;
	esac
	dead $SERVER && break
	if [ $((n % 2)) = 0 ]; then kill -HUP $SERVER; else pmc config reload >/dev/null 2>&1; fi
	n=$((n + 1))
done
wait $c1 $c2
check "pm survived $n reloads in the storm" alive $SERVER
if dead $SERVER; then
	wait $SERVER; echo "# pm exited $?:"; grep -v 'started pid\|exited with\|backoff' "$T/server.log" | tail -15 | sed 's/^/# /'
fi
cp "$T/b.ini" "$T/pm.ini"
check "a last reload succeeds" quiet pmc config reload
pmc start >/dev/null
settled() {
	local out
	out=$(pmc status)	# exit 3: the crashers are down; fine here
	echo "$out" | grep -Eq '^web +running' && echo "$out" | grep -Eq '^other +running' &&
	    ! echo "$out" | grep -Eq '^extra '
}
check "the table settles on the last file" wait_until 10 settled
settled || pmc status | sed 's/^/# /'
out=$(pmc status)
ids=$(echo "$out" | awk 'NR>1 { print $1 }' | sort | tr '\n' ' ')
expect_eq "each process of the last file once, nothing else" "$ids" "crash1 crash2 crash3 other web "
expect_match "web runs the last command" "$(pmc config show web)" 'command = sleep 1002'
expect_match "web's process is that command" "$(tr '\0' ' ' </proc/$(pid_of web)/cmdline)" '^sleep 1002'
gone_extra() { ! ps -o cmd= --ppid $SERVER | grep -q 'sleep 1001'; }
check "the removed process is stopped" wait_until 10 gone_extra
# Every child pm has is a pid status shows (a crasher may be between a
# spawn and its exit, so both views are taken until they agree).
agree() {
	local kids shown
	kids=$(ps -o pid= --ppid $SERVER | tr -d ' ' | sort -n | tr '\n' ' ')
	shown=$(pmc status | awk 'NR>1 && $3 != "-" { print $3 }' | sort -n | tr '\n' ' ')
	[ "$kids" = "$shown" ]
}
check "pm's children are exactly the pids status shows" wait_until 5 agree
no_zombie() { ! ps -o stat= --ppid $SERVER | grep -q Z; }
check "no zombie among pm's children (a crasher's exit is reaped)" wait_until 5 no_zombie
stop_server
check "server exits cleanly after the storm" dead $SERVER
finish
