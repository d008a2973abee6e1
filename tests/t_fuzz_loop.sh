#!/usr/bin/env bash
# The loop under a random storm (issue 11): a seeded sequence of reloads
# that remove and add processes, start, stop and restart requests, status
# and logs queries, children killed, late output from helpers that outlive
# their service, and the one-turn pattern of a reload signal queued with
# output while pm is frozen, against the real server (run `make SAN=1
# test` for ASan and UBSan). It asserts that pm survives every step, that
# status never lists an ID twice, that no ID ever has two instances, and
# that nothing is left a zombie. PM_FUZZ_SECS sets how long it runs
# (default 4), PM_FUZZ_SEED the sequence (printed, to replay a failure).
. "$(dirname "$0")/lib.sh"

secs=${PM_FUZZ_SECS:-4}
seed=${PM_FUZZ_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
echo "# seed $seed, $secs s (replay: PM_FUZZ_SEED=$seed PM_FUZZ_SECS=$secs)"
RANDOM=$seed
mkfifo "$T/late"

# The pool. Every process carries FZID=ID; an instance is a session leader
# with it (pm gives each service its own session; helpers and subshells
# are not leaders), so two leaders with one FZID are two instances.
ids=(a b c d e f g)
spec() {
	local cmd
	case $1 in
	a) cmd='sleep 1000' ;;
	b) cmd='sh -c '"'"'while :; do echo line; sleep 0.02; done'"'"'' ;;
	c) cmd='sh -c '"'"'sleep 0.2; exit 3'"'"''
	   printf 'restart_delay = 50ms\nrestart_delay_max = 200ms\nstart_limit = 0\n' ;;
	d) cmd='sh -c '"'"'trap "sleep 1; exit 0" TERM; while :; do sleep 1; done'"'"''
	   printf 'stop_timeout = 3s\n' ;;
	e) cmd='sh -c '"'"'(trap "" TERM; exec cat 0<>'"$T"'/late) & while :; do sleep 1; done'"'"''
	   printf 'stop_timeout = 2s\n' ;;
	f) cmd='sh -c '"'"'echo once'"'"''
	   printf 'type = oneshot\ndepends = a\n' ;;
	g) cmd='sleep 1001'
	   printf 'depends = b\n' ;;
	esac
	printf 'command = %s\nenvironment = FZID=%s\n' "$cmd" "$1"
}
write_config() {	# write_config ID...: the settings and those processes
	local id
	{
		# The TERM-proof helpers of e make each shutdown wait this long.
		printf '[settings]\nshutdown_timeout = 2s\n\n'
		for id in "$@"; do
			# f and g need what they depend on.
			[ "$id" = f ] && [[ " $* " != *" a "* ]] && continue
			[ "$id" = g ] && [[ " $* " != *" b "* ]] && continue
			printf '[process:%s]\n' "$id"
			spec "$id"
			echo
		done
	} >"$T/pm.ini.new"
	mv "$T/pm.ini.new" "$T/pm.ini"
}
pick() { echo "${ids[RANDOM % ${#ids[@]}]}"; }
subset() {
	local id
	for id in "${ids[@]}"; do
		[ $((RANDOM % 3)) -ne 0 ] && printf '%s ' "$id"
	done
}

# instances: "ID COUNT" for every ID with more than one session leader.
instances() {
	local e p id
	for e in $(grep -lzx 'FZID=[a-g]' /proc/[0-9]*/environ 2>/dev/null); do
		p=${e#/proc/}; p=${p%/environ}
		mine "$p" || continue
		# Field 6 of stat (after the name) is the session.
		[ "$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -d' ' -f4)" = "$p" ] || continue
		id=$({ tr '\0' '\n' <"$e"; } 2>/dev/null | sed -n 's/^FZID=//p')
		echo "$id"
	done | sort | uniq -c | awk '$1 > 1 { print $2, $1 }'
}
# dup_status: IDs that status lists more than once.
dup_status() { pmc status 2>/dev/null | awk 'NR > 1 { print $1 }' | sort | uniq -d; }
zombies() {
	local s p
	for s in /proc/[0-9]*/stat; do
		p=$(sed 's/.*) //' "$s" 2>/dev/null) || continue
		set -- $p
		[ "$1" = Z ] && [ "$2" = "$SERVER" ] && echo "${s#/proc/}"
	done
}
no_zombies() { [ -z "$(zombies)" ]; }
# leftover helpers (cat) are bounded: the oldest go beyond four.
trim_helpers() {
	local h p
	h=$(for p in $(grep -lzx 'FZID=e' /proc/[0-9]*/environ 2>/dev/null); do
		p=${p#/proc/}; p=${p%/environ}
		mine "$p" && [ "$(cat /proc/$p/comm 2>/dev/null)" = cat ] && echo "$p"
	done | sort -n)
	[ "$(echo "$h" | grep -c .)" -gt 4 ] && kill -KILL $(echo "$h" | head -n -4) 2>/dev/null
	return 0
}
late_output() {	# a line for whichever helper reads the FIFO, if any
	timeout 1 sh -c "echo late >'$T/late'" 2>/dev/null
}

write_config "${ids[@]}"
start_server "$T/pm.ini" || finish
check "a running" wait_until 5 state_is a running

steps=0 dups=0 twins=0 dead_at=""
end=$(( $(ms) + secs * 1000 ))
while [ "$(ms)" -lt "$end" ]; do
	op=$((RANDOM % 12))
	case $op in
	0|1)	write_config $(subset)
		if [ $((RANDOM % 2)) = 0 ]; then kill -HUP "$SERVER"
		else pmc config reload >/dev/null 2>&1; fi ;;
	2)	pmc start "$(pick)" >/dev/null 2>&1 ;;
	3)	pmc stop "$(pick)" >/dev/null 2>&1 ;;
	4)	pmc restart "$(pick)" >/dev/null 2>&1 ;;
	5)	p=$(pid_of "$(pick)")
		[ -n "$p" ] && [ "$p" != - ] && kill -KILL "$p" 2>/dev/null ;;
	6)	late_output ;;
	7)	# One turn: a reload queued, then late output, then pm runs.
		write_config $(subset)
		kill -STOP "$SERVER"
		wait_until 2 grep -q '^State:.*T' /proc/$SERVER/status
		kill -HUP "$SERVER"
		late_output
		kill -CONT "$SERVER" ;;
	8)	pmc status >/dev/null 2>&1 ;;
	9)	pmc logs "$(pick)" -n 5 >/dev/null 2>&1 ;;
	10)	trim_helpers ;;
	11)	pmc signal "$(pick)" HUP >/dev/null 2>&1 ;;
	esac
	steps=$((steps + 1))
	if dead "$SERVER"; then dead_at="step $steps (op $op)"; break; fi
	if [ $((steps % 4)) = 0 ]; then
		d=$(dup_status); [ -n "$d" ] && { dups=$((dups + 1)); echo "# step $steps: status lists twice: $d"; }
		d=$(instances); [ -n "$d" ] && { twins=$((twins + 1)); echo "# step $steps: two instances: $d"; }
	fi
done
expect_eq "pm survived $steps random steps" "$dead_at" ""
expect_eq "status never listed an ID twice" "$dups" 0
expect_eq "no ID ever had two instances" "$twins" 0

if alive "$SERVER"; then
	# Settle on the whole pool: everything wanted runs, once.
	write_config "${ids[@]}"
	pmc config reload >/dev/null 2>&1
	pmc start >/dev/null 2>&1
	check "after the storm a, b, d and g run" wait_until 15 sh -c \
	    "'$PM' -S '$SOCK' status a b d g | grep -c ' running ' | grep -qx 4"
	expect_eq "status lists each ID once" "$(dup_status)" ""
	expect_eq "one instance per ID" "$(instances)" ""
	check "no zombie left among pm's children" wait_until 5 no_zombies
	stop_server
	check "pm shut down" dead "$SERVER"
else
	wait "$SERVER"; echo "# pm exited $?"
fi
if grep -q 'Sanitizer\|runtime error' "$T/server.log"; then
	fail "sanitizer report"
	grep -E 'ERROR|SUMMARY|runtime error|#[0-5] ' "$T/server.log" | head -14 | sed 's/^/# /'
else
	ok "no sanitizer report"
fi
finish
