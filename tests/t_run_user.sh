#!/usr/bin/env bash
# pm run as a user who is not root, with no server running (issue 17):
# it starts a server of that user's own in the background, with no config
# file, and later commands of the same user find it by the socket rule.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
	echo "skip - needs root, setpriv and a nobody user"; finish
fi
# pm starts that server by exec of its own binary: under qemu-user with no
# binfmt registration the kernel cannot exec it (ENOEXEC).
emu_gap "pm run's own server" "pm's exec of itself needs binfmt, which is not registered" && finish
NB=$(id -u nobody)
RT=$T/xdg
mkdir -m 700 "$RT" && chown "$NB" "$RT"
cp "$PM" "$T/pm" && chmod 755 "$T/pm"
# As nobody, with a private XDG_RUNTIME_DIR and none of the test's socket.
asnobody() {
	env -u PM_SOCKET -u PM_CONFIG XDG_RUNTIME_DIR="$RT" HOME="$RT" \
	    setpriv --reuid="$NB" --regid="$(id -g nobody)" --clear-groups "$T/pm" "$@"
}

asnobody status >/dev/null 2>&1
expect_eq "no server answers for nobody yet (exit 1)" "$?" 1
out=$(asnobody run --name web -- sleep 300 2>"$T/err"); rc=$?
expect_eq "run starts a server and the process" "$rc" 0
expect_match "it prints ID and pid" "$out" '^web [1-9][0-9]*$'
expect_match "it says it started a server" "$(cat "$T/err")" 'started a server'
check "the server listens at \$XDG_RUNTIME_DIR/pm.sock" test -S "$RT/pm.sock"
SRV=$(for p in $(pgrep -u "$NB" -f -- '-d --background'); do mine "$p" && echo "$p"; done | head -1)
check "the server runs as nobody" [ -n "$SRV" ]
[ -n "$SRV" ] && track "$SRV"
st=$(asnobody status 2>&1)
expect_match "status of the same user finds it" "$st" '^web +running'
expect_match "... marked as added" "$st" 'web .* run$'
pid=${out#web }
check "the process runs as nobody" [ "$(stat -c %u /proc/$pid)" = "$NB" ]
kill -TERM "$SRV"
check "the server stops by its pid" wait_until 10 dead "$SRV"
check "and its process with it" wait_until 5 dead "$pid"
finish
