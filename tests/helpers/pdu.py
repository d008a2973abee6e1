#!/usr/bin/env python3
"""pdu.py COMMAND ...: raw clients (and two fake peers) of pm's control
protocol (PROTOCOL.md), for tests that must send what the real client never
would. ADDR is a Unix socket path, or a TCP port on 127.0.0.1.

  port                      print a free TCP port on 127.0.0.1
  send ADDR EXPR [--challenge] [--timeout S]
                            send the bytes of the Python expression EXPR
                            (hdr(VER, TYPE, LEN), pdu(TYPE, BODY), field(TAG,
                            VAL) and file(PATH) are at hand), read to EOF,
                            print the reply as hex and as text; with
                            --challenge, first read the TCP challenge
  hold ADDR N [--secs S] [--report FILE] [--within S]
                            hold N silent connections, print "open N"; with
                            --report, write N to FILE, then "CLOSED SECONDS"
                            to FILE.closed: how many the server closed
                            within S seconds (default 8)
  trickle SOCK              send a STATUS one byte a second, printing
                            "sent K" as it goes; "cut off" when refused
  overflow SOCK N PID       hold N connections, wait until the server PID
                            holds them, then print the first reply of one
                            more
  badmac PORT SECONDS       a flood of AUTHs with wrong MACs for SECONDS (at
                            least one); print how many were answered
  followers SOCK ID N FILE  N LOGS followers of ID that never read; write
                            "FOLLOWING REFUSED" to FILE
  freeze SOCK MODE          send half a header (half), a header promising a
                            body never sent (body) or a CONFIG_SHOW whose
                            reply is never read (show), then SIGSTOP itself
  crowd SOCK N              N concurrent STATUS requests; print how many
                            were answered, refused, bad and unfinished
  midreload SOCK READY GO [show]
                            a STATUS (or CONFIG_SHOW) of every process read
                            up to its first item, then left unread until
                            the file GO exists (the test reloads meanwhile);
                            write READY when waiting; print each item's ID
                            (or KEY), then "END N", "ERROR CODE MESSAGE" or
                            "EOF"
  fill SOCK PID             hold every max_clients slot of the server PID
                            (one listener) at once; print how many were
                            held and how many refused
  authv1 PORT KEYFILE       authenticate as a client of TCP auth version 1
                            would, print the reply
  v1server PORT READYFILE   a server of TCP auth version 1 for one client
  vserver PORT READYFILE VER
                            a server for one client whose challenge is of
                            protocol version VER
  relay MODE PORT SERVER_PORT DIR [ARG]
                            a hostile middle box (see relay())
"""
import hashlib
import hmac
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time

HDR = struct.Struct(">HBBHHII")
MAGIC = 0x504D
AUTH, LOGS, CONFIG_SHOW, STATUS = 0x0F, 0x10, 0x06, 0x04
ERROR, END, STATUS_REC, TEXT, CHALLENGE, AUTH_OK = 0x81, 0x82, 0x83, 0x84, 0x86, 0x87
T_ID, T_PROTO, T_NONCE, T_MAC, T_AUTHV, T_HOST = 1, 15, 16, 17, 26, 27
FOLLOW = 0x0002


def fields(body):
    out, off = [], 0
    while off + 4 <= len(body):
        tag, n = struct.unpack(">HH", body[off:off + 4])
        out.append((tag, body[off + 4:off + 4 + n]))
        off += 4 + n
    return out


def field(tag, val):
    return struct.pack(">HH", tag, len(val)) + val


def build(ver, typ, flags, reqid, flds):
    body = b"".join(field(t, v) for t, v in flds)
    return HDR.pack(MAGIC, ver, typ, flags, 0, reqid, HDR.size + len(body)) + body


def pdu(typ, body=b"", ver=1, flags=0, reqid=1):
    return HDR.pack(MAGIC, ver, typ, flags, 0, reqid, HDR.size + len(body)) + body


def hdr(ver, typ, length):
    """A header alone, with any version and any declared length."""
    return bytes([0x50, 0x4D, ver, typ, 0, 0, 0, 0, 0, 0, 0, 1]) + length.to_bytes(4, "big")


def file(path):
    with open(path, "rb") as f:
        return f.read()


def connect(addr, timeout=None):
    if addr.isdigit():
        return socket.create_connection(("127.0.0.1", int(addr)), timeout)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(addr)
    return s


def read_all(s):
    """Everything up to EOF, and whether the peer went quiet instead."""
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return data, False
            data += b
    except socket.timeout:
        return data, True


def text(data):
    return data[16:].decode("latin1", "replace").replace("\x00", " ")


class Stream:
    """Whole PDUs out of one socket."""

    def __init__(self, sock):
        self.sock, self.buf, self.eof = sock, b"", False

    def fill(self):
        d = self.sock.recv(65536)
        if not d:
            self.eof = True
        self.buf += d

    def take(self):
        if len(self.buf) < HDR.size:
            return None
        n = HDR.unpack(self.buf[:HDR.size])[6]
        if len(self.buf) < n:
            return None
        p, self.buf = self.buf[:n], self.buf[n:]
        return p


def opt(args, name, default):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


def cmd_port(args):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])


def cmd_send(args):
    challenge = "--challenge" in args
    if challenge:
        args.remove("--challenge")
    timeout = float(opt(args, "--timeout", "10"))
    addr, expr = args
    data = eval(expr, {"hdr": hdr, "pdu": pdu, "field": field, "file": file})
    s = connect(addr, timeout)
    if challenge:
        s.recv(4096)
    s.sendall(data)
    data, quiet = read_all(s)
    if quiet:
        print("TIMEOUT")
    print(data.hex())
    print(text(data))


def cmd_hold(args):
    secs = float(opt(args, "--secs", "30"))
    report = opt(args, "--report", None)
    within = float(opt(args, "--within", "8"))
    addr, n = args[0], int(args[1])
    socks = []
    for i in range(n):
        try:
            socks.append(connect(addr, 5 if addr.isdigit() else None))
        except OSError:
            pass
    print("open", len(socks), flush=True)
    if report:
        with open(report, "w") as f:
            f.write("%d\n" % len(socks))
        t0 = time.time()
        closed = 0
        for s in socks:
            s.settimeout(max(0.1, within - (time.time() - t0)))
            try:
                while s.recv(4096):
                    pass
                closed += 1
            except OSError:
                closed += 1 if time.time() - t0 < within else 0
        with open(report + ".closed", "w") as f:
            f.write("%d %.1f\n" % (closed, time.time() - t0))
    time.sleep(secs)


def cmd_trickle(args):
    s = connect(args[0])
    req = pdu(STATUS)
    try:
        for k, b in enumerate(req):
            s.send(bytes([b]))
            print("sent", k + 1, flush=True)
            time.sleep(1)
        print("sent all")
    except OSError as e:
        print("cut off:", e)


def sockets_of(pid):
    d = "/proc/%s/fd" % pid
    n = 0
    for fd in os.listdir(d):
        try:
            n += os.readlink(os.path.join(d, fd)).startswith("socket:")
        except OSError:
            pass
    return n


def cmd_overflow(args):
    addr, n, pid = args[0], int(args[1]), args[2]
    conns = [connect(addr) for i in range(n)]
    # The server accepts them in its own time: wait until it holds them
    # all beside its listener.
    end = time.time() + 5
    while sockets_of(pid) < n + 1 and time.time() < end:
        time.sleep(0.02)
    s = connect(addr, 3)
    print(s.recv(4096)[16:].decode("latin1"))
    del conns


def cmd_badmac(args):
    port, secs = args[0], float(args[1])
    n, end = 0, time.time() + secs
    name = ("127.0.0.1:%s" % port).encode()
    while time.time() < end or n == 0:
        try:
            s = connect(port, 5)
            s.recv(4096)
            body = field(T_MAC, bytes(32)) + field(T_NONCE, bytes(32)) + field(T_HOST, name)
            s.sendall(pdu(AUTH, body, reqid=0))
            s.recv(4096)
            s.close()
            n += 1
        except OSError:
            pass
    print(n)


def cmd_followers(args):
    addr, pid, n, out = args[0], args[1].encode(), int(args[2]), args[3]
    req = pdu(LOGS, field(T_ID, pid), flags=FOLLOW)
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_UNIX)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(addr)
        s.sendall(req)
        socks.append(s)
    # Peek at the first header only, once it is there: an ERROR is a
    # refusal. The stream itself is never read.
    refused = 0
    for s in socks:
        s.settimeout(5)
        refused += s.recv(16, socket.MSG_PEEK | socket.MSG_WAITALL)[3] == ERROR
    with open(out, "w") as f:
        f.write("%d %d\n" % (len(socks) - refused, refused))
    time.sleep(30)


def cmd_midreload(args):
    addr, ready, go = args[:3]
    show = args[3:] == ["show"]
    s = connect(addr, 20)
    s.sendall(pdu(CONFIG_SHOW if show else STATUS))
    st, first = Stream(s), None
    while first is None:
        d = s.recv(4096)
        if not d:
            break
        st.buf += d
        first = st.take()
    open(ready, "w").close()
    end = time.time() + 20
    while not os.path.exists(go) and time.time() < end:
        time.sleep(0.02)
    p = first
    while True:
        if p is None:
            if st.eof:
                print("EOF")
                return
            st.fill()
            p = st.take()
            continue
        typ, f = p[3], dict(fields(p[HDR.size:]))
        if typ == STATUS_REC:
            print(f[T_ID].decode())
        elif typ == TEXT:
            print(f[3].decode())
        elif typ == END:
            print("END %d" % struct.unpack(">I", f[11])[0])
            return
        else:
            print("ERROR %s %s" % (f.get(12, b"").decode(),
                                   f.get(13, b"").decode()))
            return
        p = st.take()


def cmd_freeze(args):
    s = connect(args[0])
    mode = args[1]
    if mode == "half":
        s.sendall(pdu(STATUS, reqid=7)[:9])
    elif mode == "body":
        s.sendall(HDR.pack(MAGIC, 1, STATUS, 0, 0, 7, 400) + b"\0\1")
    elif mode == "show":
        s.sendall(pdu(CONFIG_SHOW, reqid=7))
    print("sent", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)


def drain(socks, data, timeout):
    r, _, _ = select.select([x[1] for x in socks.values()], [], [], timeout)
    for s in r:
        i = socks[s.fileno()][0]
        try:
            b = s.recv(65536)
        except OSError:
            b = b""
        if b:
            data[i] += b
        else:
            del socks[s.fileno()]
            s.close()


def cmd_crowd(args):
    addr, n = args[0], int(args[1])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))
    req = pdu(STATUS, reqid=9)
    socks, data, pending = {}, {}, list(range(n))
    deadline = time.time() + 30
    while pending and time.time() < deadline:
        nxt = []
        for i in pending:
            s = socket.socket(socket.AF_UNIX)
            s.setblocking(False)
            try:
                s.connect(addr)
            except BlockingIOError:     # backlog full: try again
                s.close()
                nxt.append(i)
                continue
            try:
                s.send(req)
            except OSError:             # refused and closed already: read why
                pass
            socks[s.fileno()] = (i, s)
            data[i] = b""
        pending = nxt
        if pending:
            time.sleep(0.005)
        # drain what is ready so the server can move on
        drain(socks, data, 0)
    while socks and time.time() < deadline:
        drain(socks, data, 1)
    ok = busy = bad = 0
    for i in range(n):
        d, recs, end = data.get(i, b""), [], None
        while len(d) >= 16:
            t, ln = d[3], struct.unpack(">I", d[12:16])[0]
            body, d = d[16:ln], d[ln:]
            if t == STATUS_REC:
                recs.append(dict(fields(body))[T_ID].decode())
            elif t == END:
                end = struct.unpack(">I", body[4:8])[0]
            elif t == ERROR and b"too many clients" in body:
                end = "busy"
        if end == "busy":
            busy += 1
        elif end is not None and end == len(recs) and len(set(recs)) == len(recs) == 64:
            ok += 1
        else:
            bad += 1
    print(f"answered {ok} refused {busy} bad {bad} unfinished {len(socks)}")


def answered(s):
    """The server has written to s or closed it (without taking a byte)."""
    try:
        s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def cmd_fill(args):
    addr, pid = args[0], args[1]
    req = pdu(STATUS, reqid=9)
    socks = []
    t0 = time.time()
    for i in range(270):
        s = socket.socket(socket.AF_UNIX)
        for t in range(500):            # a full backlog says EAGAIN: retry
            try:
                s.connect(addr)
                break
            except BlockingIOError:
                time.sleep(0.01)
        try:
            s.sendall(req[:-1])
        except OSError:                 # refused and closed already
            pass
        socks.append(s)
    # Every connection is either refused or held by the server (which has
    # its one listener besides): then the count is final.
    end = time.time() + 5
    while time.time() < end:
        if sum(map(answered, socks)) + sockets_of(pid) - 1 >= len(socks):
            break
        time.sleep(0.02)
    held, refused = [], 0
    for s in socks:
        s.setblocking(False)
        try:
            d = s.recv(4096)
            refused += b"too many clients" in d
        except BlockingIOError:
            held.append(s)
        except OSError:
            refused += 1
    for h in held:
        h.setblocking(True)
        h.settimeout(10)
        try:
            h.sendall(req[-1:])
        except OSError:
            pass
    for h in held:
        try:
            while h.recv(65536):
                pass
        except OSError:
            pass
    print(f"held {len(held)} refused {refused} in {time.time() - t0:.1f}s")


def cmd_authv1(args):
    key = file(args[1]).rstrip(b"\n")
    s = connect(args[0], 5)
    ch = s.recv(4096)
    nonce = ch[20:52]
    mac = hmac.new(key, nonce + b"pm-ctl-auth-v1", hashlib.sha256).digest()
    s.sendall(pdu(AUTH, field(T_MAC, mac), reqid=0))
    data, quiet = read_all(s)
    print(text(data))


def fake_server(port, ready, challenge):
    """Accept one client on 127.0.0.1:port (touching the file ready once
    listening), send it the challenge bytes, and wait for its answer."""
    lis = socket.socket()
    lis.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lis.bind(("127.0.0.1", int(port)))
    lis.listen(1)
    lis.settimeout(10)
    open(ready, "w").close()
    c, _ = lis.accept()
    c.sendall(challenge)
    c.settimeout(5)
    try:
        c.recv(4096)
    except OSError:
        pass


def cmd_v1server(args):
    """A server of TCP auth version 1: its challenge names no AUTHV."""
    body = field(T_NONCE, os.urandom(32)) + field(T_PROTO, b"\x01")
    fake_server(args[0], args[1], pdu(CHALLENGE, body, reqid=0))


def cmd_vserver(args):
    """A server whose header carries protocol version args[2]."""
    fake_server(args[0], args[1], build(int(args[2]), CHALLENGE, 0, 0,
                [(T_NONCE, os.urandom(32)), (T_AUTHV, b"\x02")]))


def relay(args):
    """A hostile middle box for pm's TCP control protocol (t_ctl_relay.sh,
    issue 11). It accepts one client on 127.0.0.1:PORT, speaks to the real
    server on 127.0.0.1:SERVER_PORT, and writes what it saw to
    DIR/relay.json. It never needs the key: what it tries is what a relay
    can do with the bytes of other people's sessions.

    MODE:
      forward    pass every PDU both ways unchanged
      rewrite    replace the name in the client's AUTH with ARG (the real
                 server's own name), so the server sees a name it owns
      tap        pass everything unchanged and keep each PDU in DIR as
                 c2s.N / s2c.N (a legitimate port forward that records)
      inject     pass the handshake, then send the PDU in file ARG instead
                 of the client's request
      fakeproof  no server: send the client a challenge of our own, then
                 answer its AUTH with the AUTH_OK kept in file ARG
    """
    mode, port, sport, outdir = args[0], int(args[1]), int(args[2]), args[3]
    arg = args[4] if len(args) > 4 else None
    log = {"mode": mode, "c2s": [], "s2c": [], "request_received": False}
    lis = socket.socket()
    lis.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lis.bind(("127.0.0.1", port))
    lis.listen(1)
    lis.settimeout(20)
    open(os.path.join(outdir, "relay.ready"), "w").close()
    cli, _ = lis.accept()
    cli.settimeout(10)
    c = Stream(cli)
    deadline = time.time() + 15

    if mode == "fakeproof":
        cli.sendall(build(1, CHALLENGE, 0, 0, [(T_NONCE, os.urandom(32)),
                                              (T_PROTO, b"\x01"), (T_AUTHV, b"\x02")]))
        while time.time() < deadline and not c.eof:
            p = c.take()
            if p is None:
                try:
                    c.fill()
                except socket.timeout:
                    break
                continue
            log["c2s"].append(p[3])
            if p[3] == AUTH:
                cli.sendall(file(arg))
                cli.settimeout(2)
            else:
                log["request_received"] = True
        json.dump(log, open(os.path.join(outdir, "relay.json"), "w"))
        return

    srv = socket.create_connection(("127.0.0.1", sport), 5)
    s = Stream(srv)
    n = {"c2s": 0, "s2c": 0}
    authed = False
    while time.time() < deadline and not (c.eof and s.eof):
        r, _, _ = select.select([x.sock for x in (c, s) if not x.eof], [], [], 1)
        for sock in r:
            src, dst, d = (c, srv, "c2s") if sock is cli else (s, cli, "s2c")
            try:
                src.fill()
            except OSError:
                src.eof = True
            while True:
                p = src.take()
                if p is None:
                    break
                log[d].append(p[3])
                if mode == "tap":
                    open(os.path.join(outdir, "%s.%d" % (d, n[d])), "wb").write(p)
                    n[d] += 1
                if d == "c2s" and p[3] == AUTH and mode == "rewrite":
                    h = HDR.unpack(p[:HDR.size])
                    f = [(t, arg.encode() if t == T_HOST else v)
                         for t, v in fields(p[HDR.size:])]
                    p = build(h[1], h[2], h[3], h[5], f)
                elif d == "c2s" and p[3] != AUTH and mode == "inject" and authed:
                    p = file(arg)
                if d == "s2c" and p[3] == AUTH_OK:
                    authed = True
                try:
                    dst.sendall(p)
                except OSError:
                    pass
            if src.eof:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
    log["server_proved"] = authed
    json.dump(log, open(os.path.join(outdir, "relay.json"), "w"))


COMMANDS = {
    "port": cmd_port, "send": cmd_send, "hold": cmd_hold,
    "trickle": cmd_trickle, "overflow": cmd_overflow, "badmac": cmd_badmac,
    "followers": cmd_followers, "freeze": cmd_freeze, "crowd": cmd_crowd,
    "fill": cmd_fill, "midreload": cmd_midreload, "authv1": cmd_authv1,
    "v1server": cmd_v1server, "vserver": cmd_vserver,
    "relay": relay,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
