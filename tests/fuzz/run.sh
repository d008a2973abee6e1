#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS TARGET...: run each libFuzzer target (built in
# build/fuzz/) for SECONDS, starting from its seed corpus in
# tests/fuzz/TARGET/corpus and the inputs it found in earlier runs
# (build/fuzz/TARGET.corpus, kept out of the repo). A finding stops the
# run with the crashing input named; keep it in tests/fuzz/TARGET/regressions/
# so the suite replays it forever. Prints one line per target:
# "TARGET: N executions in S s, no finding".
set -u
cd "$(dirname "$0")/../.."
secs=${1:?usage: run.sh SECONDS TARGET...}; shift
rc=0
for t in "$@"; do
	work=build/fuzz/$t.corpus
	mkdir -p "$work" build/fuzz/artifacts
	log=build/fuzz/$t.log
	build/fuzz/$t -max_total_time="$secs" -print_final_stats=1 \
	    -timeout=10 -rss_limit_mb=1024 -max_len=8192 \
	    -artifact_prefix=build/fuzz/artifacts/$t- \
	    "$work" "tests/fuzz/$t/corpus" "tests/fuzz/$t/regressions" >"$log" 2>&1
	r=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ $r -ne 0 ]; then
		echo "$t: FINDING after ${execs:-?} executions (exit $r); see $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5
		ls build/fuzz/artifacts/$t-* 2>/dev/null | sed 's/^/  input: /'
		rc=1
	else
		echo "$t: ${execs:-?} executions in ${secs} s, no finding ($(ls "$work" | wc -l) corpus inputs)"
	fi
done
exit $rc
