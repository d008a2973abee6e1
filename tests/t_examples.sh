#!/usr/bin/env bash
# Every example in init-examples/ is valid: each .ini passes `pm config
# check`, and each Dockerfile runs pm as its ENTRYPOINT with a
# `pm ping` HEALTHCHECK on a config that itself checks.
. "$(dirname "$0")/lib.sh"

n=0
for f in "$ROOT"/init-examples/*.ini; do
	out=$("$PM" config check "$f" 2>&1); rc=$?
	expect_eq "config check $(basename "$f"): $out" "$rc" 0
	n=$((n + 1))
done
check "the example configs are all there ($n)" test "$n" -ge 4
for d in "$ROOT"/init-examples/Dockerfile.*; do
	b=$(basename "$d")
	check "$b: pm is the ENTRYPOINT" grep -Eq '^ENTRYPOINT \["/usr/local/bin/pm"\]' "$d"
	check "$b: HEALTHCHECK runs pm ping" grep -Eq '^HEALTHCHECK .*CMD pm ping$' "$d"
	cfg=$(sed -n 's|^COPY \(init-examples/[^ ]*\.ini\) /etc/pm.ini$|\1|p' "$d")
	check "$b: its /etc/pm.ini ($cfg) checks" "$PM" config check "$ROOT/$cfg"
done
finish
