#!/usr/bin/env bash
# Readiness (issue 4): an sd_notify sender, a TCP listener on 127.0.0.1,
# s6's fd:N, exec:CMD; dependents wait for readiness; status tells
# starting from running and shows STATUS=; a process that never becomes
# ready counts as a failed start.
. "$(dirname "$0")/lib.sh"

cc -O1 -o "$T/notify" "$HELPERS/notify.c" || { fail "build notify helper"; finish; }
PORT=$(port)

cat >"$T/pm.ini" <<INI
[process:ntf]
command = $T/notify 600
ready = notify

[process:after_ntf]
depends = ntf
command = sleep 100

[process:tcp]
command = python3 -c 'import socket,time; time.sleep(0.6); s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", $PORT)); s.listen(5); time.sleep(100)'
ready = tcp:$PORT

[process:after_tcp]
depends = tcp
command = sleep 100

[process:fd]
command = sh -c 'sleep 0.3; echo >&3; exec sleep 100'
ready = fd:3

[process:ex]
command = sleep 100
ready = exec:test -e $T/go

[process:never]
command = sleep 100
ready = notify
ready_timeout = 400ms
restart_delay = 5s
INI

start_server "$T/pm.ini" || finish
check "notify: starting before READY=1" state_is ntf starting
check "notify: status shows STATUS= while starting" \
	wait_until 3 sh -c "'$PM' -S '$SOCK' status ntf | grep -q 'warming up'"
check "dependent waits while its dependency is starting" state_is after_ntf starting
check "notify: running after READY=1" wait_until 5 state_is ntf running
check "notify: status shows the new STATUS=" \
	wait_until 3 sh -c "'$PM' -S '$SOCK' status ntf | grep -q 'serving'"
check "notify: readiness logged" log_has 'ntf: ready after [0-9]+ms'
check "dependent starts once its dependency is ready" wait_until 5 state_is after_ntf running
check "dependent started after the ready line" \
	awk '/ntf: ready after/ { r = NR } /after_ntf: started/ { s = NR } END { exit !(r && s && r < s) }' "$T/server.log"

check "tcp: running once the port accepts" wait_until 5 state_is tcp running
check "tcp: was starting before the listener" \
	awk '/info: tcp: started pid/ { s = NR } /info: tcp: ready after/ { r = NR } END { exit !(s && r && s < r) }' "$T/server.log"
# That a port is not ready before it listens is pinned without clocks in
# tests/unit/check_test.c.
check "tcp dependent starts after it" wait_until 5 state_is after_tcp running

check "fd:3: running after the newline" wait_until 5 state_is fd running
check "exec: starting while the probe fails" state_is ex starting
touch "$T/go"
check "exec: running once the probe exits 0" wait_until 5 state_is ex running

check "never ready: stopped at ready_timeout" wait_until 5 log_has 'never: not ready within 400ms'
check "never ready: counts as a failed start (backoff)" wait_until 5 state_is never backoff

stop_server
finish
