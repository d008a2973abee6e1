#!/usr/bin/env bash
# The man pages (issue 17): clean under mandoc -Tlint, and the keys of
# pm.ini(5), the README's config example, `pm help run` and the parser's
# own key table (as `pm config show` prints every key of [settings] and,
# for a process with a check, of [process:ID])
# are the same set.
. "$(dirname "$0")/lib.sh"
"$ROOT/tests/install-deps.sh" mandoc >/dev/null 2>&1 || { echo "skip - mandoc missing"; finish; }

out=$(cd "$ROOT/man" && mandoc -Tlint pm.1 pm.ini.5 2>&1)
expect_eq "mandoc -Tlint finds nothing" "$out" ""

cat >"$T/pm.ini" <<'CFG'
[process:a]
command = sleep 1000
check = true
CFG
# same_set WHAT GOT WANT: two lists of words, the difference named.
same_set() {
	local d
	d=$(diff <(echo "$2") <(echo "$3") | sed -n 's/^\([<>]\) /\1/p' | tr '\n' ' ')
	if [ -z "$d" ]; then ok "$1"; else fail "$1 (< only in it, > only in the parser: $d)"; fi
}
start_server "$T/pm.ini" || finish
parser=$(pmc config show | sed -n 's/^#* *\([a-z_]*\) =.*/\1/p' | sort -u)
check "the parser's table has keys" [ "$(echo "$parser" | wc -l)" -gt 40 ]
man=$(sed -n 's/^\.It Ic \(.*\) Pq.*/\1/p' "$ROOT/man/pm.ini.5" | tr -d ',' | tr ' ' '\n' | grep . | sort -u)
same_set "pm.ini(5) has the parser's keys" "$man" "$parser"
readme=$(sed -n '/^```ini$/,/^```$/p' "$ROOT/README.md" | sed -n 's/^;\{0,1\} *\([a-z_]*\) =.*/\1/p' | sort -u)
same_set "the README's config example has the parser's keys" "$readme" "$parser"
help=$("$PM" help run | tr ' ' '\n' | sed -n 's/^--\([a-z_]*\)$/\1/p' | grep -vx name | grep . | sort -u)
proc=$(pmc config show a | sed -n 's/^#* *\([a-z_]*\) =.*/\1/p' | sort -u)
same_set "pm help run lists every process key" "$help" "$proc"
finish
