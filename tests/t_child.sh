#!/usr/bin/env bash
# What a child gets: its own session, only fds 0-2, default signals and
# an empty mask, and user, group, directory, environment, umask, nice and
# rlimits from the config.
. "$(dirname "$0")/lib.sh"

mkdir -m 777 "$T/wd"
user= group=
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	user="user = nobody"
	group="group = $(id -gn nobody)"
fi
cat >"$T/pm.ini" <<INI
[process:env]
command = sh -c 'exec > $T/wd/out; id -u; id -g; id -G; pwd; echo "\$FOO|\$PM_TEST|\$HOME_KEPT"; umask; ulimit -n; ulimit -c; cut -d" " -f19 /proc/self/stat; grep -E "^Sig(Blk|Ign)" /proc/self/status; exec sleep 1000'
$user
$group
directory = $T/wd
environment = FOO=bar baz
environment = PM_TEST=1
umask = 027
nice = 5
rlimit_nofile = 123
rlimit_core = 0
type = service
INI
exec 7>"$T/leak"	# an fd pm inherits and must not pass on
HOME_KEPT=yes start_server "$T/pm.ini" || finish
exec 7>&-
check "env's sleep is running" wait_until 5 has_lines 11 "$T/wd/out"
mapfile -t o < "$T/wd/out"
pid=$(started_pid env)
if [ -n "$user" ]; then
	expect_eq "uid is nobody's" "${o[0]}" "$(id -u nobody)"
	expect_eq "gid is the group's" "${o[1]}" "$(id -g nobody)"
	expect_eq "supplementary groups dropped to the user's" "${o[2]}" "$(id -G nobody)"
else
	echo "skip - user/group switching needs root"
fi
expect_eq "directory" "${o[3]}" "$T/wd"
expect_eq "environment added, pm's kept" "${o[4]}" "bar baz|1|yes"
expect_eq "umask" "${o[5]}" "0027"
expect_eq "rlimit_nofile" "${o[6]}" "123"
expect_eq "rlimit_core" "${o[7]}" "0"
expect_eq "nice" "${o[8]}" "5"
expect_eq "no signal blocked" "${o[9]}" "SigBlk:	0000000000000000"
emu_gap "no signal ignored" "qemu keeps a host signal ignored for itself" ||
	expect_eq "no signal ignored" "${o[10]}" "SigIgn:	0000000000000000"
fds=$(ls /proc/"$pid"/fd | sort -n | tr '\n' ' ')
expect_eq "only fds 0-2 are open in the child" "$fds" "0 1 2 "
sid=$(awk '{ print $6 }' /proc/"$pid"/stat)
expect_eq "the child leads its own session" "$sid" "$pid"
stop_server
finish
