#!/usr/bin/env bash
# pm.exe, the Windows client (issue 20), under wine against a real Linux pm
# with TCP on 127.0.0.1: each command's stdout, stderr and exit code are
# compared with the Linux client's for the same server state. Skipped,
# saying why, when pm.exe is not built or wine cannot start it. The wine
# prefix is kept in build/wine: creating it is the slow part of the first
# run. `make test-windows` builds pm.exe, installs wine and runs this.
. "$(dirname "$0")/lib.sh"

WINE=${WINE:-/usr/lib/wine/wine64}
EXE=$ROOT/pm.exe
# No Mono or Gecko installer dialogs for a prefix that needs neither; the
# Unix side's arguments reach pm.exe as UTF-8.
export WINEPREFIX=$ROOT/build/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export LC_ALL=C.UTF-8
unset PM_TOKEN

skip_all() { echo "skip - $*"; exit 0; }
[ -x "$WINE" ] || skip_all "no wine at $WINE (make test-windows installs wine64)"
[ -f "$EXE" ] || skip_all "pm.exe is not built (make client-windows)"
for f in client.c pdu.c sha256.c cfgparse.c esc.c plat_win.c plat.h out.c out.h; do
	[ "$ROOT/$f" -nt "$EXE" ] &&
	    skip_all "pm.exe is older than $f (make client-windows)"
done
mkdir -p "$ROOT/build"
fresh=$([ -d "$WINEPREFIX" ] || echo ", creating its prefix")
t0=$(ms)
v=$(timeout 90 "$WINE" "$EXE" --version 2>"$T/wine.err") ||
    skip_all "wine cannot start pm.exe here: $(tail -1 "$T/wine.err")"
echo "# wine started pm.exe in $(( $(ms) - t0 )) ms$fresh"
expect_eq "pm.exe --version is the Linux client's" "$v" "$("$PM" --version)"

win() { timeout 20 "$WINE" "$EXE" "$@"; }
lin() { timeout 20 "$PM" "$@"; }

# between L1 W L2: W is L1 byte for byte, except where L1 and L2 (the
# Linux client's output just before and just after) differ: there a word
# of W must lie between theirs (an uptime that ticked meanwhile).
between() {
	python3 - "$@" <<'PY'
import re, sys
a, w, b = (open(f, "rb").read().decode() for f in sys.argv[1:4])
if a == w:
    sys.exit(0)
num = lambda t: float(re.sub(r"[^0-9.]", "", t) or "nan")
def dur(t):
    m = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?[,}\]]*", t)
    if not m or not any(m.groups()):
        return num(t)
    d, h, mi, s = (int(x or 0) for x in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s
la, lw, lb = a.split("\n"), w.split("\n"), b.split("\n")
if not len(la) == len(lw) == len(lb):
    sys.exit("line counts differ")
for x, y, z in zip(la, lw, lb):
    if len(y) not in (len(x), len(z)):
        sys.exit("width differs: %r" % y)
    tx, ty, tz = x.split(), y.split(), z.split()
    if not len(tx) == len(ty) == len(tz):
        sys.exit("words differ: %r" % y)
    for p, q, r in zip(tx, ty, tz):
        if q == p or q == r:
            continue
        if p == r or not min(dur(p), dur(r)) <= dur(q) <= max(dur(p), dur(r)):
            sys.exit("%r is not between %r and %r" % (q, p, r))
PY
}

# same WHAT ARGS...: pm.exe ARGS gives the Linux client's stdout, stderr
# and exit code for the same server state. The Linux client runs before
# and after; when those two differ (a second ticked in an uptime), the
# three runs are made again, and after three tries pm.exe's words must lie
# between the Linux client's where those two differ.
same() {
	local what=$1 i lr wr; shift
	for i in 1 2 3; do
		lin "$@" >"$T/l1" 2>"$T/l1e"; lr=$?
		win "$@" >"$T/w" 2>"$T/we"; wr=$?
		lin "$@" >"$T/l2" 2>"$T/l2e"
		cmp -s "$T/l1" "$T/l2" && cmp -s "$T/l1e" "$T/l2e" && break
	done
	if between "$T/l1" "$T/w" "$T/l2" >"$T/why" 2>&1 &&
	    cmp -s "$T/l1e" "$T/we" && [ "$lr" = "$wr" ]
	then
		ok "$what: the Linux client's output and exit code ($wr)"
	else
		fail "$what: pm.exe exit $wr, Linux $lr"
		sed 's/^/# /' "$T/why"
		diff "$T/l1" "$T/w" | head -20 | sed 's/^/# out /'
		diff "$T/l1e" "$T/we" | head -20 | sed 's/^/# err /'
	fi
}

P1=$(port); P2=$(port); PDOWN=$(port); PV=$(port)
key_file "$T/key" "sekrit-kéy"
key_file "$T/badkey" wrong-key
cat >"$T/pm.ini" <<INI
[settings]
listen = 127.0.0.1:$P1
token_file = $T/key
[process:web]
command = sh -c 'echo "web up ✓ héllo"; exec sleep 1000'
[process:job]
type = oneshot
command = true
INI
start_server "$T/pm.ini" || finish
check "web running" wait_until 5 state_is web running
check "job done" wait_until 5 state_is job exited
H=127.0.0.1:$P1
A=(-H "$H" --token-file "$T/key")

# status, text and JSON, byte for byte; then the JSON field for field.
same "status" "${A[@]}" status
same "status web job" "${A[@]}" status web job
same "status --json" "${A[@]}" status --json
python3 - "$T/l1" "$T/w" >"$T/fields" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(f))["processes"] for f in sys.argv[1:3])
assert len(a) == len(b) == 2, (len(a), len(b))
n = 0
for x, y in zip(a, b):
    for k in x:
        assert k in y and x[k] == y[k], (x["id"], k, x.get(k), y.get(k))
        n += 1
    assert set(x) == set(y), (set(x) ^ set(y))
print(n)
PY
check "status --json: every field of both processes equal ($(tail -1 "$T/fields"))" \
    test "$(tail -1 "$T/fields")" -gt 20
export PM_TOKEN="sekrit-kéy"
same "status with PM_TOKEN (UTF-8 key)" -H "$H" status
unset PM_TOKEN
same "ping" "${A[@]}" ping
same "metrics" "${A[@]}" metrics
same "metrics web" "${A[@]}" metrics web
same "config show web" "${A[@]}" config show web
same "version" "${A[@]}" version

# start, stop, restart from pm.exe, seen by the Linux client; then logs.
pid0=$(pid_of web)
win "${A[@]}" stop web >"$T/o" 2>&1; rc=$?
expect_eq "pm.exe stop web: exit 0" "$rc" 0
check "web stopped" wait_until 5 state_is web stopped
win "${A[@]}" start web >"$T/o" 2>&1; rc=$?
expect_eq "pm.exe start web: exit 0" "$rc" 0
check "web running again" wait_until 5 state_is web running
pid1=$(pid_of web)
win "${A[@]}" restart web >"$T/o" 2>&1; rc=$?
expect_eq "pm.exe restart web: exit 0" "$rc" 0
check "web restarted: a new PID" wait_until 5 sh -c \
    "p=\$(\"$PM\" -S \"$SOCK\" status web | awk '\$1 == \"web\" { print \$3 }'); \
    [ -n \"\$p\" ] && [ \"\$p\" != \"$pid1\" ] && [ \"\$p\" != \"$pid0\" ]"
check "web wrote three lines" wait_until 5 sh -c \
    "[ \$(\"$PM\" -S \"$SOCK\" logs web -n 10 | grep -c 'web up') -ge 3 ]"
same "logs web -n 10 (UTF-8 lines)" "${A[@]}" logs web -n 10
check "the UTF-8 bytes arrive unchanged" grep -q 'web up ✓ héllo' "$T/w"
same "logs web --json" "${A[@]}" --json logs web -n 2
# Arguments are read as UTF-16 by Windows and made UTF-8 by pm.exe.
same "a UTF-8 argument (unknown ID)" "${A[@]}" logs wéb
check "the server got the ID's UTF-8 bytes" grep -q 'wéb' "$T/we"

# Errors: a wrong key, no key, a usage error, no -H, a bad signal.
same "a wrong token is refused" -H "$H" --token-file "$T/badkey" status
check "saying so" grep -q 'authentication failed' "$T/we"
same "no key" -c /dev/null -H "$H" status
check "no key: explained" grep -q 'requires a key: --token-file FILE or PM_TOKEN' "$T/we"
# A token file others may read is refused on Windows (wine maps mode 0644
# to an ACL that lets Everyone read), as the server refuses one on Linux.
cp "$T/key" "$T/openkey"; chmod 644 "$T/openkey"
win -H "$H" --token-file "$T/openkey" status >"$T/o" 2>&1; rc=$?
expect_eq "a token file Everyone may read: exit 1" "$rc" 1
check "saying who may read it and how to fix it" grep -q \
    "pm: token file $T/openkey: Everyone may read it; let only its owner (icacls" "$T/o"
check "and nothing else is printed" test "$(wc -l <"$T/o")" -eq 1
same "a missing token file" -H "$H" --token-file "$T/nosuchkey" status
same "unknown command" "${A[@]}" frobnicate
same "a bad signal" "${A[@]}" signal web NOSUCH
# SIGCONT: 18 on Linux, and no such signal in Windows' C library.
same "signal by name (Linux numbers on the wire)" "${A[@]}" signal web CONT
same "a bad -H" -H nohost status
win status >"$T/o" 2>&1; rc=$?
expect_eq "pm.exe without -H: exit 1" "$rc" 1
check "pm.exe without -H: it speaks TCP only" grep -q 'TCP only: -H HOST:PORT' "$T/o"
win config check >"$T/o" 2>&1; rc=$?
expect_eq "pm.exe config check: exit 2" "$rc" 2
check "config check: only the Linux pm checks a configuration" \
    grep -q 'only the Linux pm checks' "$T/o"

# A crafted server whose challenge is of protocol version 9.
vsrv() {
	rm -f "$T/v.ready"
	python3 "$PDU" vserver "$PV" "$T/v.ready" 9 &
	VS=$!; track $VS
	wait_until 5 test -e "$T/v.ready"
}
vsrv && lin -H "127.0.0.1:$PV" --token-file "$T/key" status >/dev/null 2>"$T/lv"; lr=$?
wait_until 10 dead $VS
vsrv && win -H "127.0.0.1:$PV" --token-file "$T/key" status >/dev/null 2>"$T/wv"; wr=$?
wait_until 10 dead $VS
expect_eq "version mismatch: exit 1 from both" "$lr/$wr" 1/1
check "version mismatch: the message names both versions" \
    grep -q "protocol version mismatch: client speaks 1, server at 127.0.0.1:$PV speaks 9" "$T/wv"
check "version mismatch: the Linux client's message" cmp -s "$T/lv" "$T/wv"

# -H with two servers, one of them down (and one not listening at all).
cat >"$T/pm2.ini" <<INI
[settings]
listen = 127.0.0.1:$P2
token_file = $T/key
[process:api]
command = sleep 1002
INI
start_other "$T/pm2.ini" "$T/pm2.sock"; S2=$OTHER
check "api running" wait_until 5 sh -c "\"$PM\" -S \"$T/pm2.sock\" status api | grep -q running"
same "-H two servers" -H "$H,127.0.0.1:$P2" --token-file "$T/key" status
same "-H two servers --json" -H "$H,127.0.0.1:$P2" --token-file "$T/key" --json status
kill -TERM "$S2"; check "the second server is down" wait_until 10 dead "$S2"
same "-H two servers, one down" -H "$H,127.0.0.1:$P2" --token-file "$T/key" status
check "the down one: connection refused" grep -q "cannot reach pm at 127.0.0.1:$P2: Connection refused" "$T/we"
check "the up one still answers" grep -q "^$H web" "$T/w"
same "-H three, one never listened" -H "127.0.0.1:$PDOWN,$H" --token-file "$T/key" metrics web

# logs -f: lines as they come, then Ctrl-C. wine turns SIGINT into the
# console's CTRL_C_EVENT, which pm.exe's handler ends with exit 130; a
# process killed by the signal instead would show -2, and without the
# handler wine 8 ends it with 0.
python3 - "$WINE" "$EXE" "$H" "$T/key" "$PM" "$SOCK" >"$T/ctrlc" 2>&1 <<'PY'
import os, select, signal, subprocess, sys, time
wine, exe, h, key, pm, sock = sys.argv[1:7]
p = subprocess.Popen([wine, exe, "-H", h, "--token-file", key, "logs", "web",
                      "-f", "-n", "1"], stdout=subprocess.PIPE)
buf = b""
def until(n, secs):
    global buf
    end = time.time() + secs
    while buf.count(b"web up") < n and time.time() < end:
        if select.select([p.stdout], [], [], 0.2)[0]:
            buf += os.read(p.stdout.fileno(), 4096)
    return buf.count(b"web up") >= n
print("first", until(1, 15))
subprocess.run([pm, "-S", sock, "restart", "web"], stdout=subprocess.DEVNULL,
               timeout=10)
print("live", until(2, 15))
os.kill(p.pid, signal.SIGINT)
try:
    print("rc", p.wait(10))
except subprocess.TimeoutExpired:
    p.kill()
    print("rc none")
print("utf8", "web up ✓ héllo".encode() in buf)
PY
check "logs -f: the last line at once" grep -qx 'first True' "$T/ctrlc"
check "logs -f: a new line as it is written" grep -qx 'live True' "$T/ctrlc"
check "logs -f: Ctrl-C ends it with exit 130" grep -qx 'rc 130' "$T/ctrlc"
check "logs -f: UTF-8 intact" grep -qx 'utf8 True' "$T/ctrlc"
grep -v True "$T/ctrlc" | grep -v '^rc 130' | sed 's/^/# /'
check "the server is still up" alive "$SERVER"
finish
