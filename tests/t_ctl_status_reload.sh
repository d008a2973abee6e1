#!/usr/bin/env bash
# A status reply too long for one turn of the loop, with a reload in the
# middle of it: the reply went on by table index in the new table, so it
# could list a process twice, leave one out or mix the two tables. Every
# reply now comes from one table, or ends with an error saying the table
# changed.
. "$(dirname "$0")/lib.sh"

N=2500	# records of about 170 bytes: far more than a socket holds
# mkcfg NEW: NEW processes new-*, then the N old-* ones, none started.
mkcfg() {
	awk -v new="$1" -v n="$N" 'BEGIN {
		for (i = 1; i <= new; i++)
			printf "[process:new-%035d]\ncommand = sleep 1000\nautostart = no\n", i
		for (i = 1; i <= n; i++)
			printf "[process:old-%035d]\ncommand = sleep 1000\nautostart = no\n", i
	}' >"$T/pm.ini"
}
mkcfg 0
start_server "$T/pm.ini" || finish
expect_eq "all $N are listed" "$(pmc status | grep -c '^old-')" "$N"

records() { grep -v '^END\|^ERROR\|^EOF' "$1"; }

# 1. Without a reload the slow reader gets the whole list, once each.
python3 "$PDU" midreload "$SOCK" "$T/ready1" "$T/go1" >"$T/out1" &
R=$!; track $R
check "the slow reader is waiting" wait_until 10 test -e "$T/ready1"
touch "$T/go1"
wait $R
expect_eq "the reply ends with END $N" "$(tail -1 "$T/out1")" "END $N"
expect_eq "with $N distinct records" "$(records "$T/out1" | sort -u | wc -l)" "$N"

# 2. A reload while the reply is still being sent: 50 processes are put
# in front of the old ones, so every old one moves 50 places.
python3 "$PDU" midreload "$SOCK" "$T/ready2" "$T/go2" >"$T/out2" &
R=$!; track $R
check "the slow reader is waiting again" wait_until 10 test -e "$T/ready2"
mkcfg 50
reloaded() { log_has '^pm: info: reloaded '; }
kill -HUP "$SERVER"
check "the reload is done" wait_until 5 reloaded
touch "$T/go2"
wait $R
expect_match "the reply ends with an error saying why" "$(tail -1 "$T/out2")" \
    '^ERROR changed a reload changed the process table mid-reply; ask again'
expect_eq "no process is listed twice" "$(records "$T/out2" | sort | uniq -d | head -3)" ""
expect_eq "every record is of the old table" "$(records "$T/out2" | grep -vc '^old-')" 0
expect_eq "a new request lists the new table" "$(pmc status | grep -c '^\(old\|new\)-')" $((N + 50))

# 3. The same for `pm config show`, which lists the config by index: 50
# of the new ones are dropped again, so every process moves back.
python3 "$PDU" midreload "$SOCK" "$T/ready3" "$T/go3" show >"$T/out3" &
R=$!; track $R
check "a slow config show is waiting" wait_until 10 test -e "$T/ready3"
mkcfg 0
reloaded2() { [ "$(count_log '^pm: info: reloaded ')" -ge 2 ]; }
kill -HUP "$SERVER"
check "the second reload is done" wait_until 5 reloaded2
touch "$T/go3"
wait $R
expect_match "config show ends with the same error" "$(tail -1 "$T/out3")" \
    '^ERROR changed '
expect_eq "no section is shown twice" "$(records "$T/out3" | sort | uniq -d | head -3)" ""
expect_eq "the old config's new ones are all there" "$(records "$T/out3" | grep -c '^process:new-')" 50
# old-1 to old-M in order: none left out on the way.
last=$(records "$T/out3" | sed -n 's/^process:old-0*//p' | tail -1)
expect_eq "no section is left out" "$(records "$T/out3" | grep -c '^process:old-')" "${last:-0}"
check "the server is still up" alive "$SERVER"
finish
