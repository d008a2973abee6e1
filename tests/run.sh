#!/usr/bin/env bash
# tests/run.sh [PATTERN]: run the unit tests and every black-box test script,
# each bounded in time, and end with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
pass=0 failn=0 skip=0
pat=${1:-}
out=$(mktemp)
for t in tests/unit/*.bin tests/t_*.sh; do
	[ -e "$t" ] || continue
	[ -n "$pat" ] && [[ $t != *$pat* ]] && continue
	limit=120
	start=$(date +%s)
	if [[ $t == *.bin ]]; then timeout -k 5 $limit "$t" >"$out" 2>&1
	else timeout -k 5 $limit bash "$t" >"$out" 2>&1; fi
	rc=$?
	p=$(grep -c '^ok - ' "$out"); f=$(grep -c '^FAIL - ' "$out")
	s=$(grep -c '^skip - ' "$out")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1; echo "FAIL - $t exited $rc$([ $rc -eq 124 ] && echo ' (timeout)')" >>"$out"
	fi
	pass=$((pass + p)); failn=$((failn + f)); skip=$((skip + s))
	printf '%-28s %3d ok %3d failed %3d skipped  %ds\n' "$t" "$p" "$f" "$s" $(( $(date +%s) - start ))
	# Failures, skips, and the diagnostics a test prints after a failure.
	grep -E '^(FAIL|skip) - |^# ' "$out" | sed 's/^/    /'
done
rm -f "$out"
echo "$pass passed, $failn failed, $skip skipped"
[ $failn -eq 0 ]
