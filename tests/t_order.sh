#!/usr/bin/env bash
# Start order follows depends; shutdown stops in reverse order and exits 0.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:init]
type = oneshot
command = sh -c 'echo init >> $T/order'

[process:web]
depends = db
command = sh -c 'echo web >> $T/order; trap "echo stop-web >> $T/order; exit 0" TERM; sleep 1000 & wait'

[process:db]
depends = init
command = sh -c 'echo db >> $T/order; trap "echo stop-db >> $T/order; exit 0" TERM; sleep 1000 & wait'
INI

start_server "$T/pm.ini" || finish
check "web started" wait_until 5 log_has 'web: started pid'
starts=$(sed -n 's/^pm: info: \([a-z]*\): started pid.*/\1/p' "$T/server.log" | tr '\n' ' ')
expect_eq "processes start in dependency order" "$starts" "init db web "
check "init exited before db started" \
	awk '/init: pid .* exited with status 0/ { e = NR } /db: started/ { s = NR } END { exit !(e && s && e < s) }' "$T/server.log"
check "db and web wrote their start" wait_until 5 grep -q web "$T/order"

t0=$(ms)
kill -TERM "$SERVER"
check "server exits after SIGTERM" wait_until 10 dead "$SERVER"
wait "$SERVER"; rc=$?
expect_eq "graceful shutdown exits 0" "$rc" 0
expect_eq "stop order is the reverse of start order" \
	"$(grep stop "$T/order" | tr '\n' ' ')" "stop-web stop-db "
check "shutdown took under 5 s" test $(( $(ms) - t0 )) -lt 5000
finish
