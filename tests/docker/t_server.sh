#!/usr/bin/env bash
# Server mode as the ENTRYPOINT (issue 12): the images of init-examples/
# built offline and run; then one config in every shape a container user
# picks (no /run and no /tmp, --read-only with and without --tmpfs /run, a
# non-root --user): healthy under HEALTHCHECK CMD pm ping, and docker exec
# runs pm status, restart and logs, with nothing added by the user.
. "$(dirname "$0")/lib.sh"

# The examples, exactly as their comments build them.
IMGS+=(pm-example-scratch pm-example-debian)
check "init-examples/Dockerfile.scratch builds" \
    quiet dk build -q -f "$ROOT/init-examples/Dockerfile.scratch" -t pm-example-scratch "$CTX"
check "init-examples/Dockerfile.debian builds on the debootstrapped root" \
    quiet dk build -q --build-arg BASE="$DEBIAN_IMG" \
    -f "$ROOT/init-examples/Dockerfile.debian" -t pm-example-debian "$CTX"
check "the scratch image has no /run and no /tmp" \
    quiet dk run --rm --network none --entrypoint /bin/sh pm-example-scratch \
    -c '! test -e /run && ! test -e /tmp'

for k in scratch debian; do
	c=$NAME-$k
	run_ctr "$k" "${HC[@]}" "pm-example-$k"
	# container.ini's cleanup is a scheduled oneshot waiting for its run.
	if wait_until 15 health_is "$c" healthy; then ok "$k example: healthy under pm ping"
	else fail "$k example: healthy under pm ping (is $(health "$c"); log: $(health_log "$c"))"; diag "$c"; fi
	check "$k example: web serves the page setup wrote" \
	    wait_until 10 quiet dk exec "$c" busybox wget -qO- http://127.0.0.1:8080/
	out=$(pm_in "$c" status 2>&1)
	expect_match "$k example: docker exec pm status" "$out" '^web +running'
	p0=$(pm_in "$c" status web 2>/dev/null | awk '$1 == "web" { print $3 }')
	check "$k example: docker exec pm restart web" quiet pm_in "$c" restart web
	p1=$(pm_in "$c" status web 2>/dev/null | awk '$1 == "web" { print $3 }')
	check "$k example: web has a new pid ($p0 -> $p1)" \
	    test -n "$p1" -a "$p1" != "$p0" -a "$p1" != -
	check "$k example: docker exec pm logs app" quiet pm_in "$c" logs app
done

cfg s.ini <<'INI'
[process:talker]
command = /bin/sh -c 'echo hello from talker; exec sleep 1000'

[process:job]
type = oneshot
command = /bin/true
schedule = @every 1h
INI

# shape SUFFIX IMAGE DOCKER-RUN-OPTIONS...: the config in that shape.
shape() {
	local k=$1 img=$2 c=$NAME-$1 out p0 p1; shift 2
	run_ctr "$k" "${HC[@]}" -v "$T/s.ini:/etc/pm.ini:ro" "$@" "$img"
	if wait_until 15 health_is "$c" healthy; then ok "$k: healthy under pm ping"
	else fail "$k: healthy under pm ping (is $(health "$c"); log: $(health_log "$c"))"; diag "$c"; fi
	out=$(pm_in "$c" status 2>&1)
	expect_match "$k: docker exec pm status" "$out" '^talker +running'
	p0=$(pm_in "$c" status talker 2>/dev/null | awk '$1 == "talker" { print $3 }')
	check "$k: docker exec pm restart talker" quiet pm_in "$c" restart talker
	p1=$(pm_in "$c" status talker 2>/dev/null | awk '$1 == "talker" { print $3 }')
	check "$k: talker has a new pid ($p0 -> $p1)" test -n "$p1" -a "$p1" != "$p0" -a "$p1" != -
	out=$(pm_in "$c" logs talker 2>&1)
	expect_match "$k: docker exec pm logs talker" "$out" 'hello from talker'
	dk rm -f "$c" >/dev/null
}
shape no-run pmt-base
shape read-only pmt-base --read-only
shape read-only-tmpfs pmt-base --read-only --tmpfs /run
shape user pmt-base --user 65534:65534
shape read-only-user pmt-base --read-only --user 65534:65534
shape debian-read-only-user pm-example-debian --read-only --user 65534:65534

# A user the server does not trust is refused, and told why; it is not
# sent to a socket path the server never used.
c=$NAME-trust
run_ctr trust -v "$T/s.ini:/etc/pm.ini:ro" pmt-base
wait_until 20 quiet pm_in "$c" status
out=$(dk exec -u 1000:1000 "$c" pm status 2>&1); rc=$?
check "exec -u 1000: pm status fails (rc $rc)" test "$rc" -ne 0
expect_match "exec -u 1000: the refusal says why" "$out" '[Pp]ermission|[Dd]enied|[Rr]efus|not allowed|trust'
# The server names its socket in its log; the refusal names that one.
sock=$(dk logs "$c" 2>&1 | sed -n 's/^pm: info: control socket \(.*\)$/\1/p' | head -1)
if [ -n "$sock" ] && printf '%s' "$out" | grep -qF -- "$sock"; then
	ok "exec -u 1000: the refusal is about the server's socket ($sock)"
else fail "exec -u 1000: the refusal is about the server's socket ('$sock'; $out)"; fi
finish
