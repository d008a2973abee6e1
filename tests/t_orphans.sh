#!/usr/bin/env bash
# Orphans: as PID 1, 1,000 orphaned grandchildren are reaped with no zombie
# left; running orphans are stopped before pm exits; as a subreaper (not PID
# 1) pm does not exit while an orphan of its child still runs.
. "$(dirname "$0")/lib.sh"

cc -O1 -o "$T/orphans" "$HELPERS/orphans.c" || { fail "build orphans helper"; finish; }
if unshare --pid --fork --mount-proc true 2>/dev/null; then
	out=$(in_pidns "$PM" -- sh -c "
		$T/orphans 1000 0 $T/pids1 || exit 1
		i=0
		while [ \$i -lt 250 ]; do
			z=\$(sh $HELPERS/zombies.sh)
			[ \"\$z\" = 0 ] && break
			sleep 0.02; i=\$((i + 1))
		done
		echo zombies=\$z
		exit 5")
	rc=$?
	expect_eq "1000 orphans were made" "$(wc -l < "$T/pids1")" 1000
	expect_eq "no zombie is left as PID 1" "$out" "zombies=0"
	expect_eq "status after reaping" "$rc" 5

	t0=$(ms)
	in_pidns "$PM" -- sh -c "$T/orphans 200 100 $T/pids2"; rc=$?
	expect_eq "main status with running orphans" "$rc" 0
	check "running orphans are stopped promptly as PID 1" test $(( $(ms) - t0 )) -lt 5000
else
	echo "skip - unshare --pid needs root or user namespaces"
fi

# Subreaper mode: the main child leaves 50 sleeping orphans behind.
emu_gap "subreaper mode" "prctl(PR_SET_CHILD_SUBREAPER) fails with EINVAL" && finish
t0=$(ms)
"$PM" -- "$T/orphans" 50 100 "$T/pids3"; rc=$?
expect_eq "subreaper: main status" "$rc" 0
left=0
while read -r p; do alive "$p" && left=$((left + 1)) && kill -9 "$p"; done < "$T/pids3"
expect_eq "subreaper: no orphan outlives pm" "$left" 0
check "subreaper: exit is prompt" test $(( $(ms) - t0 )) -lt 5000
finish
