#!/usr/bin/env bash
# Every seed and every input a fuzzer once crashed on (issue 8), replayed
# through the fuzz targets built with gcc and ASan+UBSan (make builds
# build/fuzz/*.replay). A regression aborts the target: its name and the
# sanitizer's report are printed.
. "$(dirname "$0")/lib.sh"

# The targets are the files tests/fuzz/fuzz_NAME.c, as in the Makefile.
targets=$(cd "$ROOT/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_\(.*\)\.c$/\1/')
check "fuzz targets found" test -n "$targets"
for t in $targets; do
	bin=$ROOT/build/fuzz/$t.replay
	if [ ! -x "$bin" ]; then
		fail "$t: $bin not built (make build/fuzz/$t.replay)"
		continue
	fi
	n=$(ls "$ROOT/tests/fuzz/$t/corpus" "$ROOT/tests/fuzz/$t/regressions" | grep -vc ':$\|^$')
	out=$("$bin" "$ROOT/tests/fuzz/$t/corpus" "$ROOT/tests/fuzz/$t/regressions" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		ok "$t: $(echo "$out" | tail -1) without a finding"
	else
		fail "$t: replay exited $rc: $(echo "$out" | grep -E 'ERROR|runtime error|SUMMARY' | head -3)"
	fi
	check "$t: every kept input was read ($n)" grep -q "replayed $n inputs" <<<"$out"
done
finish
