#!/usr/bin/env bash
# pm -- CMD as PID 1 of a new PID namespace: exit status propagation,
# signal forwarding, -e mapping and -g process-group forwarding.
. "$(dirname "$0")/lib.sh"

if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
	echo "skip - unshare --pid needs root or user namespaces"; finish
fi

in_pidns "$PM" -- sh -c 'exit 7'; rc=$?
expect_eq "exit 7 propagates as PID 1" "$rc" 7
in_pidns "$PM" -- sh -c 'kill -TERM $$'; rc=$?
expect_eq "killed by TERM propagates as 143" "$rc" 143
if ! emu_gap "main child is PID 2" "qemu's own helper thread takes PID 2"; then
	in_pidns "$PM" -- sh -c 'test "$$" = 2'; rc=$?
	expect_eq "pm is PID 1 and the main child PID 2" "$rc" 0
fi
in_pidns "$PM" -e 3 -- sh -c 'exit 3'; rc=$?
expect_eq "-e 3 maps status 3 to 0" "$rc" 0
in_pidns "$PM" -e 3 -- sh -c 'exit 4'; rc=$?
expect_eq "-e 3 leaves status 4 alone" "$rc" 4

# Every status 0..255 comes through unchanged (subreaper mode, no namespace).
bad=
for i in $(seq 0 255); do
	"$PM" -- sh -c "exit $i" 2>/dev/null; rc=$?
	[ "$rc" = "$i" ] || bad="$bad $i->$rc"
done
expect_eq "exit statuses 0..255 propagate" "$bad" ""

has_child() { [ -n "$(cat /proc/$1/task/$1/children 2>/dev/null)" ]; }
# pm_in_ns NAME CMD...: start pm -- CMD as PID 1 in the background; sets NSPM
# to pm's pid as seen from here (unshare's child).
pm_in_ns() {
	unshare --pid --fork --mount-proc "$PM" "$@" 2>>"$T/ns.log" &
	NSU=$!
	track "$NSU"
	wait_until 5 has_child "$NSU"
	NSPM=$(cat /proc/$NSU/task/$NSU/children | awk '{ print $1 }')
}

code=40
for sig in TERM INT HUP QUIT USR1 USR2 WINCH; do
	code=$((code + 1))
	rm -f "$T/ready"
	pm_in_ns -- sh -c "trap 'exit $code' $sig; touch $T/ready; while :; do sleep 0.02; done"
	if ! wait_until 5 test -e "$T/ready"; then fail "child for $sig did not start"; continue; fi
	kill -"$sig" "$NSPM"
	wait "$NSU"; rc=$?
	expect_eq "SIG$sig is forwarded to the main child" "$rc" "$code"
done

# -g: the signal reaches the child's whole process group.
rm -f "$T/ready" "$T/got"
pm_in_ns -g -- sh -c "sh -c 'trap \"echo inner >> $T/got; exit 0\" TERM; touch $T/ready; while :; do sleep 0.02; done' & trap '' TERM; wait"
check "group child ready" wait_until 5 test -e "$T/ready"
kill -TERM "$NSPM"
wait "$NSU"; rc=$?
check "-g delivered TERM to the main child's group" grep -q inner "$T/got"
expect_eq "pm exits with the main child's status" "$rc" 0
finish
