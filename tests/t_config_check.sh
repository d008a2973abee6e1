#!/usr/bin/env bash
# t_config_check.sh: `pm config check FILE` validates offline, with no
# server. good.ini prints "configuration OK" and exits 0; every
# tests/configs/bad_*.ini exits 1 with FILE:LINE: on stderr, at the line
# its first line announces ("# error: LINE: TEXT"). The long-line case is
# generated here rather than checked in.
. "$(dirname "$0")/lib.sh"

CFG=$ROOT/tests/configs

out=$("$PM" config check "$CFG/good.ini" 2>"$T/err"); rc=$?
expect_eq "good.ini: exit 0" "$rc" 0
expect_match "good.ini: configuration OK on stdout" "$out" '^configuration OK$'
expect_eq "good.ini: nothing on stderr" "$(cat "$T/err")" ""

# -c FILE names the file too, as for every other command.
"$PM" -c "$CFG/good.ini" config check >"$T/out" 2>&1; rc=$?
expect_eq "-c good.ini config check: exit 0" "$rc" 0

for f in "$CFG"/bad_*.ini; do
	name=$(basename "$f")
	line=$(sed -n '1s/^# error: \([0-9]*\):.*/\1/p' "$f")
	text=$(sed -n '1s/^# error: [0-9]*: //p' "$f")
	out=$("$PM" config check "$f" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	expect_eq "$name: exit 1" "$rc" 1
	expect_match "$name: error at $f:$line:" "$err" "^$f:$line: "
	if printf '%s' "$err" | grep -Fq -- "$text"; then
		ok "$name: message says '$text'"
	else
		fail "$name: message says '$text' (got: $err)"
	fi
	expect_match "$name: no 'configuration OK'" "${out:-none}" '^none$'
done

# A line longer than the 4094-byte limit is an error, never split.
{
	printf '[process:long]\ncommand = /bin/echo '
	head -c 5000 /dev/zero | tr '\0' x
	printf '\n'
} >"$T/long.ini"
"$PM" config check "$T/long.ini" >/dev/null 2>"$T/err"; rc=$?
expect_eq "long line: exit 1" "$rc" 1
expect_match "long line: error at line 2" "$(cat "$T/err")" \
    "^$T/long.ini:2: line too long \\(max 4094\\)"

# A missing file is an error that names it.
"$PM" config check "$T/nope.ini" >/dev/null 2>"$T/err"; rc=$?
expect_eq "missing file: exit 1" "$rc" 1
expect_match "missing file: named" "$(cat "$T/err")" "$T/nope.ini"

finish
