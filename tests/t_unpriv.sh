#!/usr/bin/env bash
# pm -d --background detaches once the socket listens; pm runs as a non-root
# user with the contract's socket fallback; and on a read-only root it only
# writes its socket.
. "$(dirname "$0")/lib.sh"

cat >"$T/pm.ini" <<INI
[process:svc]
command = sleep 1000
INI
chmod 644 "$T/pm.ini"

# --background: the command returns 0 only once `pm status` can answer.
"$PM" -d --background -c "$T/pm.ini" 2>"$T/bg.log"; rc=$?
expect_eq "pm -d --background exits 0" "$rc" 0
pmc status >/dev/null; rc=$?
check "status answers right after --background returns" test "$rc" -eq 0 -o "$rc" -eq 3
bgpid=$(pmc status --json | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
# No ^$PM: under qemu-user (make ARCH=... test) the command line starts
# with the emulator.
spid=$(pgrep -f -- " -d --background -c $T/pm.ini$" | head -1)
[ -n "$spid" ] && track "$spid"
check "the detached server is running" test -n "$spid"
check "svc runs under it" wait_until 5 state_is svc running
check "the server left the caller's session" test "$(awk '{print $6}' /proc/$spid/stat)" = "$spid"
pmc shutdown >/dev/null
check "detached server shuts down" wait_until 10 dead "$spid"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
	echo "skip - running as another user needs root and setpriv"; finish
fi
nobody=$(id -u nobody)
asnobody() { env -u PM_SOCKET -u XDG_RUNTIME_DIR HOME=/ setpriv --reuid="$nobody" --regid="$(id -g nobody)" --clear-groups "$@"; }

# Non-root with no socket configured: a private directory /tmp/pm-UID
# (t_socket_rule.sh tries every other place of the rule). That name is one
# for the whole machine: two runs of this test at once reached each other's
# server through it, and one shut the other's down. So this part runs in a
# mount namespace with an empty /tmp of its own ($T and the checkout still
# reachable in it).
fallback=/tmp/pm-$nobody/pm.sock
export fallback nobody T PM ROOT
export -f asnobody wait_until alive dead
out=$(timeout 40 unshare --mount bash -c '
	mount --make-rprivate / && new=$(mktemp -d "$T/tmp.XXXXXX") &&
	    mount -t tmpfs -o mode=1777 tmpfs "$new" || { echo no-namespace; exit; }
	# The test directory and the checkout (pm itself) stay reachable,
	# wherever they are: a CI clone may live under /tmp too.
	for d in "$T" "$ROOT"; do
		case $d in /tmp/*)
			mkdir -p "$new/${d#/tmp/}" &&
			    mount --bind "$d" "$new/${d#/tmp/}" ||
			    { echo no-namespace; exit; };;
		esac
	done
	mount --rbind "$new" /tmp || { echo no-namespace; exit; }
	test -e "${fallback%/*}" && echo "not private"
	asnobody "$PM" -d -c "$T/pm.ini" >/dev/null 2>"$T/nobody.log" &
	np=$!
	wait_until 5 test -S "$fallback" && echo listening
	up() { asnobody "$PM" status svc >/dev/null; }
	wait_until 5 up && echo answers
	svc=$(asnobody "$PM" status svc | awk "\$1 == \"svc\" { print \$3 }")
	echo "uid=$(ps -o uid= -p "$svc" | tr -d " ")"
	asnobody "$PM" shutdown >/dev/null
	wait_until 10 dead "$np" && echo down
	test ! -e "$fallback" && echo removed
	kill -KILL "$np" 2>/dev/null
' 2>&1)
if [ "$out" = no-namespace ] || ! unshare --mount true 2>/dev/null; then
	echo "skip - no private /tmp here (unshare --mount): $out"
else
	check "/tmp is private to this run" sh -c "! printf '%s' \"\$1\" | grep -q 'not private'" _ "$out"
	expect_match "non-root server uses /tmp/pm-UID/pm.sock" "$out" listening
	expect_match "non-root client finds the same socket" "$out" answers
	expect_match "the service runs as nobody" "$out" "uid=$nobody"
	expect_match "non-root server shuts down" "$out" down
	expect_match "its socket is removed" "$out" removed
fi

# Read-only root: a private mount namespace where / is read-only and only a
# tmpfs is writable, as in `docker run --read-only --tmpfs /run`. The client
# runs inside the namespace too, where the tmpfs is.
mkdir -p "$T/rw"
if unshare --mount true 2>/dev/null; then
	out=$(timeout 30 unshare --mount sh -c "
		mount --make-rprivate / &&
		mount -t tmpfs tmpfs '$T/rw' &&
		{ mount -o remount,bind,ro / 2>/dev/null || mount -o remount,ro /; } || { echo cannot-ro; exit 0; }
		touch /pm-ro-probe 2>/dev/null && { rm -f /pm-ro-probe; echo cannot-ro; exit 0; }
		'$PM' -d -c '$T/pm.ini' -S '$T/rw/pm.sock' 2>'$T/rw/log' &
		p=\$!
		i=0
		until '$PM' -S '$T/rw/pm.sock' status svc >/dev/null 2>&1; do
			i=\$((i + 1)); [ \$i -gt 250 ] && { echo no-status; kill -9 \$p; exit 0; }
			sleep 0.02
		done
		echo status-ok
		'$PM' -S '$T/rw/pm.sock' shutdown >/dev/null
		wait \$p; echo exit=\$?
		cat '$T/rw/log' >&2" 2>"$T/ro.log")
	if [ "$out" = cannot-ro ]; then
		echo "skip - cannot make / read-only here"
	else
		expect_match "pm runs on a read-only root and answers status" "$out" status-ok
		expect_match "it shuts down and exits 0" "$out" "exit=0"
		check "it wrote nothing but its socket (no error logged)" sh -c "! grep -q 'error' '$T/ro.log'"
	fi
else
	echo "skip - unshare --mount not permitted"
fi
finish
