#!/usr/bin/env bash
# pm run and rm run a command of the caller's choosing as pm's user
# (issue 17): a member of socket_group, who may stop and start, may not.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! getent group nogroup >/dev/null; then
	echo "skip - needs root, setpriv and a nogroup group"; finish
fi
cat >"$T/pm.ini" <<'CFG'
[settings]
socket_group = nogroup
[process:web]
command = sleep 1000
CFG
start_server "$T/pm.ini" || finish
asgroup() { setpriv --reuid="$(id -u nobody)" --regid=nogroup --clear-groups "$PM" -S "$SOCK" "$@"; }
check "a socket_group member gets status" quiet asgroup status web
out=$(asgroup run --name x -- true 2>&1); rc=$?
expect_eq "run by a socket_group member: exit 1" "$rc" 1
expect_match "... refused, saying who may" "$out" "run and rm: only root or pm's user"
check "... nothing added" sh -c "! '$PM' -S '$SOCK' status x >/dev/null 2>&1"
pmc run --name x -- sleep 300 >/dev/null
out=$(asgroup rm x 2>&1)
expect_match "rm by a socket_group member: refused" "$out" "run and rm: only root"
expect_match "root's run works" "$(pmc status x)" 'x +running'
finish
