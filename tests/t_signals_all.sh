#!/usr/bin/env bash
# Every signal is handled or ignored by pm -d, not only as PID 1 (issue
# 11, finding 8): libc reserves 32-34 for itself, musl's sigfillset left
# them unblocked, and `kill -34` killed pm (status 162), orphaning every
# child. Each signal but KILL and STOP, and the ones that shut pm down
# (TERM, INT), is sent; pm must live on with its children untouched,
# and the children must still start with an empty mask and default
# dispositions.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:a]
command = sleep 1000

[process:b]
command = sleep 1001
INI
start_server "$T/pm.ini" || finish
check "a and b running" wait_until 5 sh -c \
    "'$PM' -S '$SOCK' status a b | grep -c running | grep -qx 2"
a=$(pid_of a)
b=$(pid_of b)
lost=""
# qemu-user takes a fault signal sent from outside for its guest's own
# fault and dies of it, and keeps host real-time signals for itself:
# under emulation those are left out (the native run sends them all).
emu=
emu_gap "ILL TRAP BUS FPE SEGV SYS and 32-64 sent from outside" \
    "qemu takes them as the emulated program's faults or its own" && emu=1
for sig in $(seq 1 64); do
	case $sig in 2|9|15|19) continue ;; esac
	[ -n "$emu" ] && case $sig in 4|5|7|8|11|31|3[2-9]|[4-6]?) continue ;; esac
	kill -s "$sig" "$SERVER" 2>/dev/null || kill -"$sig" "$SERVER"
	# A fatal disposition acts at once; the status round trip that
	# follows is then refused, or pm is found dead.
	if ! quiet pmc status a || dead "$SERVER"; then
		lost="$lost $sig"
		break
	fi
done
expect_eq "pm survived signals 1-64 (but INT, KILL, TERM, STOP)" "$lost" ""
check "a kept its pid" test "$(pid_of a)" = "$a"
check "b kept its pid" test "$(pid_of b)" = "$b"
check "a still alive" alive "$a"
# A child's mask and ignored set are empty, whatever pm's own are.
expect_eq "child's blocked mask is empty" \
    "$(awk '/^SigBlk/ { print $2 }' /proc/$a/status)" 0000000000000000
emu_gap "child ignores no signal" "qemu keeps a host signal ignored for itself" ||
expect_eq "child ignores no signal" \
    "$(awk '/^SigIgn/ { print $2 }' /proc/$a/status)" 0000000000000000
pmc restart a >/dev/null
# A number, not the "-" of the moment between stop and start.
new_pid() { local p; p=$(pid_of a); [[ $p =~ ^[0-9]+$ ]] && [ "$p" != "$a" ]; }
check "a restarted" wait_until 10 new_pid
a2=$(pid_of a)
expect_eq "restarted child's blocked mask is empty" \
    "$(awk '/^SigBlk/ { print $2 }' /proc/$a2/status 2>/dev/null)" 0000000000000000
stop_server
check "pm ended on TERM afterwards" dead "$SERVER"
finish
