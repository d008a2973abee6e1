#!/usr/bin/env bash
# Security review (issue 8), tested: the Unix socket's mode and group, the
# SO_PEERCRED check against an unprivileged uid (even when the file mode
# lets it connect), no secret in a child's environment, argv or fds,
# privileges dropped as seen from inside the child, and no shell unless
# shell = yes.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "skip - needs root and a nobody user"; finish
fi
asuser() {	# asuser UID GID GROUPS CMD...: run CMD with exactly those ids
	local u=$1 g=$2 gs=$3; shift 3
	if [ -n "$gs" ]; then setpriv --reuid="$u" --regid="$g" --groups="$gs" "$@"
	else setpriv --reuid="$u" --regid="$g" --clear-groups "$@"; fi
}
NOBODY=$(id -u nobody); NOGROUP=$(id -g nobody)
P=$(port)
key_file "$T/key" top-secret-key
mkdir -m 777 "$T/wd"
cat >"$T/pm.ini" <<INI
[settings]
listen = 127.0.0.1:$P
token_file = $T/key
[process:child]
command = sleep 1000
[process:priv]
command = sh -c 'grep -E "^(Uid|Gid|Groups|CapPrm|CapEff|CapAmb):" /proc/self/status > $T/wd/status; exec sleep 1000'
user = nobody
[process:noshell]
command = echo \$HOME;touch $T/wd/pwned \`id\` \$(id)
type = oneshot
environment = X=\$(touch $T/wd/pwned2)
[process:withshell]
command = echo \$((6*7)) > $T/wd/shell
shell = yes
type = oneshot
INI
PM_TOKEN=top-secret-key start_server "$T/pm.ini" || finish
check "child running" wait_until 5 state_is child running
expect_eq "socket mode 0600 without socket_group" "$(stat -c %a "$SOCK")" 600
expect_eq "socket owned by root" "$(stat -c %U "$SOCK")" root

# Peers: nobody cannot even reach the 0600 socket; with the mode opened
# up by hand, pm itself refuses it on its SO_PEERCRED uid.
out=$(asuser $NOBODY $NOGROUP "" "$PM" -S "$SOCK" status 2>&1); rc=$?
check "nobody: refused by the socket's mode (exit $rc)" test $rc -ne 0
chmod 666 "$SOCK"
out=$(asuser $NOBODY $NOGROUP "" "$PM" -S "$SOCK" status 2>&1); rc=$?
expect_eq "nobody through a 0666 socket: exit 1" "$rc" 1
expect_match "refused by pm's peer check" "$out" 'permission denied'
check "and pm logged it" wait_until 2 log_has 'peer refused'
chmod 600 "$SOCK"

# Nothing secret reaches a child: not the key in PM_TOKEN (given to the
# server's environment above), nor in argv, nor an fd onto the key file,
# a control socket or a listener.
pid=$(pid_of child)
env_has_key() { tr '\0' '\n' </proc/$1/environ | grep -q 'top-secret-key\|^PM_TOKEN='; }
check "the server was given PM_TOKEN" env_has_key $SERVER
no_key_env() { ! env_has_key $1; }
check "no key in the child's environment" no_key_env $pid
check "no key in the child's argv" test -z "$(tr '\0' ' ' </proc/$pid/cmdline | grep secret)"
fds=$(ls /proc/$pid/fd | sort -n | tr '\n' ' ')
expect_eq "the child holds only fds 0-2 (pm listens on TCP too)" "$fds" "0 1 2 "
links=$(for f in /proc/$pid/fd/*; do readlink "$f"; done | grep -c 'socket:\|key')
expect_eq "none of them a socket or the key" "$links" "0"

# Privileges as the child sees them: every uid and gid nobody's, its
# groups only nobody's, and no capability left.
check "priv wrote its status" wait_until 5 has_lines 6 "$T/wd/status"
st=$(cat "$T/wd/status")
expect_match "Uid: real, effective, saved, fs all nobody" "$st" "^Uid:	$NOBODY	$NOBODY	$NOBODY	$NOBODY\$"
expect_match "Gid: all nogroup" "$st" "^Gid:	$NOGROUP	$NOGROUP	$NOGROUP	$NOGROUP\$"
expect_match "Groups: nobody's only" "$st" "^Groups:	$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//') ?\$"
expect_match "no permitted capability" "$st" '^CapPrm:	0000000000000000$'
expect_match "no effective capability" "$st" '^CapEff:	0000000000000000$'
expect_match "no ambient capability" "$st" '^CapAmb:	0000000000000000$'

# No shell unless shell = yes: metacharacters in a command and in an
# environment value reach the program as plain text.
check "noshell ran" wait_until 5 state_is noshell exited
expect_match "no expansion, no ';', no substitution" "$(cat "$T/server.out")" "\\\$HOME;touch $T/wd/pwned \`id\` \\\$\\(id\\)\$"
check "nothing the text names was run" test ! -e "$T/wd/pwned" -a ! -e "$T/wd/pwned2"
check "shell = yes runs /bin/sh" wait_until 5 has_lines 1 "$T/wd/shell"
expect_eq "and the shell did the arithmetic" "$(cat "$T/wd/shell")" 42
stop_server

# socket_group: mode 0660 and that group, and the peer check lets in a
# member by primary or by supplementary group only.
cat >"$T/grp.ini" <<INI
[settings]
socket_group = nogroup
[process:child]
command = sleep 1000
INI
start_server "$T/grp.ini" || finish
expect_eq "socket_group: mode 0660" "$(stat -c %a "$SOCK")" 660
expect_eq "socket_group: the group" "$(stat -c %G "$SOCK")" nogroup
out=$(asuser $NOBODY $NOGROUP "" "$PM" -S "$SOCK" status 2>&1); rc=$?
expect_eq "member by primary group: served" "$rc" 0
out=$(asuser $NOBODY 1 "$NOGROUP" "$PM" -S "$SOCK" status 2>&1); rc=$?
expect_eq "member by supplementary group: served" "$rc" 0
chmod 666 "$SOCK"
out=$(asuser $NOBODY 1 2 "$PM" -S "$SOCK" status 2>&1); rc=$?
expect_match "not a member: refused by pm" "$out" 'permission denied'
stop_server

# A symlink where the socket goes is not a stale socket: refused, and
# its target is left alone.
echo keep >"$T/target"; chmod 644 "$T/target"
ln -s "$T/target" "$T/link.sock"
"$PM" -d -c "$T/grp.ini" -S "$T/link.sock" >/dev/null 2>"$T/link.log"; rc=$?
check "a symlink at the socket path stops pm" test $rc -ne 0
expect_match "saying it is not a socket" "$(cat "$T/link.log")" 'not a socket'
expect_eq "the symlink's target untouched" "$(stat -c '%a %G' "$T/target") $(cat "$T/target")" "644 root keep"
finish
