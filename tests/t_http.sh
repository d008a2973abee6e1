#!/usr/bin/env bash
# The HTTP endpoint (issue 15), with curl: /livez, /readyz (200, then 503
# naming the process; ?id=), /metrics with the bytes of `pm metrics`,
# HEAD, 404, 405, 400, the bearer token; IPv6; off by default.
. "$(dirname "$0")/lib.sh"
"$ROOT/tests/install-deps.sh" curl >/dev/null || { echo "skip - curl missing"; finish; }

P=$(port)
key_file "$T/tok" "s3cret"
start_web_db "http = 127.0.0.1:$P" || finish
U=http://127.0.0.1:$P
# tcp_listeners PID: how many of PID's sockets listen on TCP (state 0A).
tcp_listeners() {
	local n=0 i
	for i in $(ls -l "/proc/$1/fd" | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p'); do
		awk -v i="$i" '$4 == "0A" && $10 == i { f = 1 } END { exit !f }' \
		    /proc/net/tcp /proc/net/tcp6 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}
expect_eq "with http = one TCP listener" "$(tcp_listeners "$SERVER")" 1

# get PATH [CURL ARGS]: "CODE" then the body.
get() { local p=$1; shift; curl -s -m 5 -o "$T/body" -w '%{http_code}' "$@" "$U$p"; }
expect_eq "/livez: 200" "$(get /livez)" 200
expect_eq "/livez says ok" "$(cat "$T/body")" ok
expect_eq "/readyz: 200 while every process is fine" "$(get /readyz)" 200
hdr=$(curl -s -m 5 -D - -o /dev/null "$U/metrics")
expect_match "/metrics: Prometheus text Content-Type" "$hdr" \
	'Content-Type: text/plain; version=0.0.4; charset=utf-8'
expect_match "/metrics: HTTP/1.1 200" "$hdr" '^HTTP/1.1 200 OK'
curl -s -m 5 "$U/metrics" >"$T/m.http"
pmc metrics >"$T/m.cli"
check "/metrics and pm metrics give the same bytes" cmp -s "$T/m.http" "$T/m.cli"
for f in up state restarts_total last_exit_status check_failures_total \
    uptime_seconds skipped_runs_total; do
	check "family pm_process_$f has HELP and TYPE" \
		grep -q "^# TYPE pm_process_$f " "$T/m.http"
done
for f in build_info start_time_seconds reloads_total \
    config_last_reload_successful; do
	check "family pm_$f has HELP, TYPE and a sample" \
		grep -q "^pm_$f[{ ]" "$T/m.http"
done
expect_match "pm_build_info carries the version" "$(cat "$T/m.http")" \
	"pm_build_info\\{version=\"$("$PM" --version | cut -d' ' -f2)\"\\} 1"

expect_eq "HEAD /metrics: 200" "$(get /metrics -I)" 200
check "HEAD has no body" test "$(curl -s -m 5 -I "$U/livez" | tr -d '\r' |
	sed '1,/^$/d' | wc -c)" -eq 0
expect_eq "HEAD /readyz: 200" "$(get /readyz -I)" 200
expect_eq "unknown path: 404" "$(get /nope)" 404
expect_eq "POST: 405" "$(get /metrics -X POST)" 405
check "405 names the methods allowed" sh -c "curl -s -m 5 -D - -o /dev/null \
	-X DELETE '$U/livez' | grep -q '^Allow: GET, HEAD'"
out=$(timeout 5 python3 -c 'import socket,sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"BROKEN\r\n\r\n")
print(s.recv(100).decode())' "$P")
expect_match "malformed request line: 400" "$out" '^HTTP/1.1 400'

# Stop db: fine (stopped by an operator). Kill it and it is not.
pmc stop db >/dev/null
expect_eq "/readyz: stopped by an operator is fine" "$(get /readyz)" 200
cat >>"$T/pm.ini" <<INI
[process:bad]
command = sh -c 'exit 7'
restart = never
INI
pmc config reload >/dev/null
check "bad exited" wait_until 5 state_is bad exited
expect_eq "/readyz: 503 once a process is not fine" "$(get /readyz)" 503
expect_match "/readyz names the process and why" "$(cat "$T/body")" \
	'^bad exited: service exited with status 7'
expect_eq "/readyz names only that process" "$(wc -l <"$T/body")" 1
expect_eq "/readyz?id=web: 200" "$(get '/readyz?id=web')" 200
expect_eq "/readyz?id=bad: 503" "$(get '/readyz?id=bad')" 503
expect_eq "/readyz?id=ghost: 404" "$(get '/readyz?id=ghost')" 404
check "reload counted in pm_reloads_total" sh -c "curl -s -m 5 '$U/metrics' |
	grep -qx 'pm_reloads_total 1'"
stop_server

# The bearer token, on IPv6.
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
	P6=$(port)
	cat >"$T/pm6.ini" <<INI
[settings]
http = [::1]:$P6
http_token_file = $T/tok
[process:web]
command = sleep 1000
INI
	start_server "$T/pm6.ini" || finish
	U="http://[::1]:$P6"
	expect_eq "IPv6, no token: 401" "$(get /livez)" 401
	check "401 asks for a Bearer token" sh -c "curl -s -m 5 -D - -o /dev/null \
		'$U/livez' | grep -q '^WWW-Authenticate: Bearer'"
	expect_eq "wrong token: 401" "$(get /livez -H 'Authorization: Bearer s3cre')" 401
	expect_eq "longer token: 401" "$(get /livez -H 'Authorization: Bearer s3crett')" 401
	expect_eq "right token: 200" "$(get /livez -H 'Authorization: Bearer s3cret')" 200
	expect_eq "right token, /metrics: 200" \
		"$(get /metrics -H 'authorization: bearer s3cret')" 200
	stop_server
else
	echo "skip - no IPv6 loopback here"
fi

# Off by default: pm holds no listening TCP socket at all.
printf '[process:web]\ncommand = sleep 1000\n' >"$T/off.ini"
start_server "$T/off.ini" || finish
expect_eq "without http = no TCP listener" "$(tcp_listeners "$SERVER")" 0
stop_server
finish
