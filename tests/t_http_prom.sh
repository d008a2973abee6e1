#!/usr/bin/env bash
# A real Prometheus (Debian's package, installed when missing) scrapes two
# pm servers over HTTP with no adapter (issue 15). Through Prometheus' own
# query API: `up` for both targets, the restarts of a crash-looping process
# on one, the state of a process on the other.
. "$(dirname "$0")/lib.sh"
"$ROOT/tests/install-deps.sh" prometheus curl >/dev/null ||
	{ echo "skip - prometheus cannot be installed here"; finish; }

PA=$(port)
PB=$(port)
PP=$(port)
cat >"$T/a.ini" <<INI
[settings]
http = 127.0.0.1:$PA
[process:crash]
command = sh -c 'sleep 0.2; exit 3'
restart_delay = 100ms
restart_delay_max = 200ms
INI
cat >"$T/b.ini" <<INI
[settings]
http = 127.0.0.1:$PB
[process:web]
command = sleep 1000
INI
start_server "$T/a.ini" || finish
start_other "$T/b.ini" "$T/b.sock"
check "b's web running" wait_until 5 sh -c "'$PM' -S '$T/b.sock' status web |
	grep -q running"

mkdir -p "$T/prom"
cat >"$T/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: pm
    static_configs:
      - targets: ['127.0.0.1:$PA', '127.0.0.1:$PB']
YML
prometheus --config.file="$T/prom/prometheus.yml" \
	--storage.tsdb.path="$T/prom/data" \
	--web.listen-address="127.0.0.1:$PP" >"$T/prom/log" 2>&1 &
PROM=$!
track "$PROM"

# q PROMQL: the value of the first series, or nothing.
q() {
	curl -s -m 5 -G "http://127.0.0.1:$PP/api/v1/query" \
	    --data-urlencode "query=$1" | python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
is() { [ "$(q "$1")" = "$2" ]; }
at_least() { local v; v=$(q "$1"); [ -n "$v" ] && [ "${v%.*}" -ge "$2" ]; }

check "prometheus answers its query API" wait_until 30 sh -c \
	"curl -s -m 2 'http://127.0.0.1:$PP/-/ready' | grep -qi ready"
check "up for target a is 1" wait_until 20 is "up{instance=\"127.0.0.1:$PA\"}" 1
check "up for target b is 1" wait_until 20 is "up{instance=\"127.0.0.1:$PB\"}" 1
check "a's crash-looping process: restarts seen through Prometheus" \
	wait_until 20 at_least "pm_process_restarts_total{instance=\"127.0.0.1:$PA\",id=\"crash\"}" 3
check "b's web: state running seen through Prometheus" wait_until 20 is \
	"pm_process_state{instance=\"127.0.0.1:$PB\",id=\"web\",state=\"running\"}" 1
"$PM" -S "$T/b.sock" stop web >/dev/null
check "b's web: stopped, seen through Prometheus" wait_until 20 is \
	"pm_process_state{instance=\"127.0.0.1:$PB\",id=\"web\",state=\"stopped\"}" 1
check "pm_build_info scraped" wait_until 10 is \
	"count(pm_build_info{job=\"pm\"})" 2

kill "$PROM"
check "prometheus stopped" wait_until 15 dead "$PROM"
kill "$OTHER"
wait_until 10 dead "$OTHER"
stop_server
finish
