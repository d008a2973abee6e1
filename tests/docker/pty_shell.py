#!/usr/bin/env python3
"""pty_shell.py CMD...: run CMD (docker run -it ... /bin/sh) on a new
pseudo-terminal and drive the interactive shell as a person would. Prints
"ok - " / "FAIL - " lines, then the exit status of CMD as "status N"."""
import os, pty, re, select, sys, time

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
buf = b""


def expect(pat, limit=15):
    """Read until PAT (bytes regex) shows up; the match, or None."""
    global buf
    end = time.time() + limit
    while True:
        m = re.search(pat, buf)
        if m:
            buf = buf[m.end():]
            return m
        left = end - time.time()
        if left <= 0:
            return None
        r, _, _ = select.select([fd], [], [], min(left, 0.2))
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return None
            if not d:
                return None
            buf += d


def say(ok, what):
    print(("ok - " if ok else "FAIL - ") + what, flush=True)


def send(s):
    os.write(fd, s.encode())


# Each command's output is told apart from its echo by quoting: the echo
# shows A""B, the output AB.
send('echo REA""DY\r')
say(expect(rb"READY") is not None, "the shell answers on the terminal")
send('read -r _ _ _ _ pg _ _ tp _ < /proc/$$/stat; echo "F""G $pg $tp"\r')
m = expect(rb"FG (\d+) (\d+)")
say(m is not None and m.group(1) == m.group(2),
    "the shell is the terminal's foreground process group (%s)" %
    (str(m.groups()) if m else "no answer",))
send('read -r _ _ _ _ pg _ < /proc/1/stat; echo "P""M $pg"\r')
m1 = expect(rb"PM (\d+)")
say(m1 is not None and m is not None and m1.group(1) != m.group(2),
    "pm (PID 1) is not in the foreground group, so Ctrl-C cannot reach it")
send('sh -c \'echo SLE""EPING; exec sleep 60\'\r')
say(expect(rb"SLEEPING") is not None, "a foreground job runs")
t0 = time.time()
send("\x03")
send('echo "R""C $?"\r')
m = expect(rb"RC (\d+)")
say(m is not None and m.group(1) == b"130" and time.time() - t0 < 10,
    "Ctrl-C killed the foreground job by SIGINT (%s)" %
    (m.group(1) if m else "no answer"))
send('echo ALI""VE\r')
say(expect(rb"ALIVE") is not None, "the shell and pm survived Ctrl-C")
send("exit 5\r")
status = None
end = time.time() + 20
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            if not os.read(fd, 4096):
                break
        except OSError:
            break
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = os.waitstatus_to_exitcode(st)
        break
if status is None:
    p, st = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(st)
print("status %d" % status)
