# bench/logs.sh: the log throughput part of `make bench`, sourced by
# bench/run.sh (which sets B, T, RAW, LOG_LINES, REPS and the helpers).
#
# NP chatty processes (bench/pmb gen: 80-byte lines, written in whole
# 4,080-byte chunks) print LOG_LINES lines between them, through:
#   pipe        the producers into one plain pipe, `cat > FILE`: the limit
#   sed         the same pipe through `sed -u 's/^/gen | /'` (the prefix
#               pipe s6-overlay users are told to use)
#   pm-text     pm's capture to its console, "ID | line"
#   pm-json     the same with log_format = json
#   pm-file     pm's capture to a log file per process (log = FILE,
#               log_max_size = 0)
#   supervisord stdout_logfile = /dev/stdout, maxbytes = 0
#   s6          s6-supervise with an s6-log logger per process
#   runit       runsv with an svlogd logger per process (with a prefix)
# The producers wait until all of them run, then start on one word from
# `pmb logs`, which follows the files the lines land in, checks every line
# is whole and in order per producer, and times the go to the last line.

# log_round WHO NP DIR: one measure; raw lines appended to RAW.
log_round() {
	local who=$1 np=$2 d=$3 i per=$((LOG_LINES / $2)) gens= out=
	local -a start sinks=() status=() pmname=()
	mkdir -p "$d"
	for i in $(seq 1 "$np"); do gens="$gens $B/pmb gen $i $per $d/go &"; done
	case $who in
	pipe|sed)
		local filt="cat"
		[ "$who" = sed ] && filt="sed -u 's/^/gen | /'"
		start=(sh -c "{ $gens wait; } | $filt > $d/sink")
		sinks=(-s "$d/sink") ;;
	pm-*)
		{
			printf '[settings]\nsocket = %s/pm.sock\n' "$d"
			[ "$who" = pm-json ] && printf 'log_format = json\n'
			for i in $(seq 1 "$np"); do
				printf '[process:gen%d]\ncommand = %s/pmb gen %d %d %s/go\n' \
				    "$i" "$B" "$i" "$per" "$d"
				[ "$who" = pm-file ] &&
				    printf 'log = %s/sink%d\nlog_max_size = 0\n' "$d" "$i" &&
				    sinks+=(-s "$d/sink$i")
			done
		} > "$d/pm.ini"
		start=("$ROOT/pm" -d -c "$d/pm.ini")
		[ "$who" = pm-file ] || { out=$d/sink; sinks=(-s "$d/sink"); }
		pmname=(-p pm)
		status=(--- status "$ROOT/pm" -S "$d/pm.sock" status) ;;
	supervisord)
		{
			printf '[supervisord]\nnodaemon = true\nlogfile = %s/supervisord.log\n' "$d"
			printf 'pidfile = %s/supervisord.pid\n' "$d"
			for i in $(seq 1 "$np"); do
				printf '[program:gen%d]\ncommand = %s/pmb gen %d %d %s/go\n' \
				    "$i" "$B" "$i" "$per" "$d"
				printf 'stdout_logfile = /dev/stdout\nstdout_logfile_maxbytes = 0\n'
			done
		} > "$d/supervisord.conf"
		start=(supervisord -n -c "$d/supervisord.conf")
		sinks=(-s "$d/sink")
		out=$d/sink ;;
	s6|runit)
		for i in $(seq 1 "$np"); do
			mkdir -p "$d/sv/gen$i/log" "$d/logs/gen$i"
			printf '#!/bin/sh\nexec %s/pmb gen %d %d %s/go\n' "$B" "$i" "$per" "$d" \
			    > "$d/sv/gen$i/run"
			if [ "$who" = s6 ]; then
				printf '#!/bin/sh\nexec s6-log s100000000 %s\n' \
				    "$d/logs/gen$i" > "$d/sv/gen$i/log/run"
			else
				printf 's0\npgen%d | \n' "$i" > "$d/logs/gen$i/config"
				printf '#!/bin/sh\nexec svlogd %s\n' \
				    "$d/logs/gen$i" > "$d/sv/gen$i/log/run"
			fi
			chmod 755 "$d/sv/gen$i/run" "$d/sv/gen$i/log/run"
			sinks+=(-s "$d/logs/gen$i/current")
		done
		if [ "$who" = s6 ]; then start=(s6-svscan "$d/sv")
		else start=(runsvdir "$d/sv"); fi ;;
	esac
	PMB_LOG=$d/log.txt "$B/pmb" logs -n "$LOG_LINES" -g "$np" -G "$d/go" -t 120 "${sinks[@]}" \
	    ${out:+-o "$out"} "${pmname[@]}" -- "${start[@]}" "${status[@]}" \
	    > "$d/out.txt" 2>>"$d/log.txt"
	sed "s/^\([a-z_]*\)=\(.*\)/$who $np \1 \2/" "$d/out.txt" >> "$RAW"
	grep '^error=' "$d/out.txt" | sed "s/^/bench: logs $who NP=$np: /" >&2
	[ -n "${KEEP:-}" ] || rm -rf "$d"
}

# Every contender present, 1 and 10 producers, interleaved per repetition.
log_bench() {
	local who np rep list="pipe pm-text pm-json pm-file sed"
	have supervisord && list="$list supervisord"
	have s6-svscan && have s6-log && list="$list s6"
	have runsvdir && have svlogd && list="$list runit"
	for rep in $(seq 1 "$REPS"); do
		for np in 1 10; do
			for who in $list; do
				say "bench: logs rep $rep/$REPS NP=$np $who"
				log_round "$who" "$np" "$T/logs-$who-$np"
			done
		done
	done
}
