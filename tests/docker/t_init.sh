#!/usr/bin/env bash
# docker run --init (issue 12): Docker's own init is PID 1 and pm runs
# below it in `--` mode. pm registers as the child subreaper, so an orphan
# of CMD is reparented to pm and reaped, and CMD's status comes back.
. "$(dirname "$0")/lib.sh"

build_img img 'FROM pmt-base
ENTRYPOINT ["/usr/local/bin/pm", "--"]'
CTRS+=("$NAME-run")
# The main command makes an orphan that exits at once, then reports.
out=$(dk run --rm --init --network none --name "$NAME-run" "$NAME-img" sh -c '
sh -c "sleep 0.5 & echo \$! > /orphan"
o=$(cat /orphan)
read -r _ _ _ pp _ < /proc/$o/stat
echo "init=$(cat /proc/1/comm) pm=$PPID:$(cat /proc/$PPID/comm) orphan_parent=$pp"
i=0
while [ $i -lt 100 ] && [ -e /proc/$o ]; do sleep 0.1; i=$((i + 1)); done
[ -e /proc/$o ] && echo "reaped=no $(grep State /proc/$o/status)" || echo reaped=yes
exit 9' 2>&1)
rc=$?
expect_match "PID 1 is docker-init" "$out" 'init=docker-init'
expect_match "pm is CMD's parent" "$out" 'pm=[0-9]+:pm '
pmpid=$(printf '%s' "$out" | sed -n 's/.*pm=\([0-9]*\):.*/\1/p')
expect_match "the orphan was reparented to pm, the subreaper" "$out" "orphan_parent=$pmpid\$"
expect_match "pm reaped the orphan" "$out" 'reaped=yes'
expect_eq "CMD's exit status comes back through docker-init" "$rc" 9

# Server mode below docker-init (compose's `init: true`): pm is not PID 1,
# so the server is asked for with -d.
c=$NAME-server
run_ctr server --init "${HC[@]}" pmt-base -d
if wait_until 15 health_is "$c" healthy; then ok "pm -d under docker-init: healthy"
else fail "pm -d under docker-init: healthy (is $(health "$c"); $(health_log "$c"))"; diag "$c"; fi
expect_match "pm -d under docker-init: docker exec pm status" "$(pm_in "$c" status 2>&1)" '^web +running'
check "pm -d under docker-init: docker stop" quiet dk stop "$c"
expect_eq "pm -d under docker-init: exit status 0" "$(exit_code "$c")" 0
check "pm -d under docker-init: the stop was ordered" eval \
    'dk logs "$c" 2>&1 | grep -q "web: stopping"'
finish
