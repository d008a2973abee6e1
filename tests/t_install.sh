#!/usr/bin/env bash
# make install and make uninstall (issue 17), into a DESTDIR: the stripped
# binary, both man pages, completion where bash-completion and zsh look,
# the example configs; uninstall leaves nothing behind.
. "$(dirname "$0")/lib.sh"
D=$T/dest
# Inside make ARCH=... test the binary under test is ./pm-ARCH (make
# passes ARCH on to the make calls below); ./pm may then be any earlier
# build, the sanitizer one included, and is not looked at.
BIN=pm${PM_EMULATED:+-$PM_EMULATED}
# -q: ./$BIN is up to date (make test built it), so nothing is rebuilt here.
if ! make -q -C "$ROOT" "$BIN" 2>/dev/null; then
	echo "skip - ./$BIN is not up to date; run make first"; finish
fi
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr >"$T/make.out" 2>&1
expect_eq "make install succeeds" "$?" 0
want=$(printf '%s\n' usr/bin/pm usr/share/man/man1/pm.1 usr/share/man/man5/pm.ini.5 \
    usr/share/bash-completion/completions/pm usr/share/zsh/site-functions/_pm \
    $(cd "$ROOT/init-examples" && ls *.ini | sed 's|^|usr/share/doc/pm/examples/|') | sort)
got=$(cd "$D" && find . -type f | sed 's|^\./||' | sort)
expect_eq "the installed files" "$got" "$want"
check "the binary is executable" test -x "$D/usr/bin/pm"
# The sanitizer build (make SAN=1) keeps its symbols for ASan's reports.
SAN_BUILD=; [ -z "${PM_EMULATED:-}" ] && [ -e "$ROOT/build/flavor-san" ] && SAN_BUILD=1
if [ -n "$SAN_BUILD" ]; then
	echo "skip - stripped binaries: ./pm is the sanitizer build, which keeps its symbols"
else
	check "the binary is stripped (no .symtab)" sh -c "! readelf -S '$D/usr/bin/pm' | grep -q '\.symtab'"
fi
# Inside make ARCH=... test, make install installs that architecture's
# binary, which the kernel here runs only through the emulator.
emu_gap "the installed binary runs" "it is the ${PM_EMULATED:-} binary" ||
    expect_match "it runs" "$("$D/usr/bin/pm" --version)" '^pm [0-9]'
[ -n "$SAN_BUILD" ] ||
    check "./$BIN is stripped too" sh -c "! readelf -S '$ROOT/$BIN' | grep -q '\.symtab'"
check "build/$BIN.debug keeps the symbols" sh -c "readelf -S '$ROOT/build/$BIN.debug' | grep -q '\.symtab'"
make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr >>"$T/make.out" 2>&1
expect_eq "make uninstall succeeds" "$?" 0
expect_eq "uninstall removes every file" "$(find "$D" -type f)" ""
finish
