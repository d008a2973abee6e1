#!/usr/bin/env python3
"""relay.py MODE PORT SERVER_PORT DIR [ARG]: a hostile middle box for pm's
TCP control protocol (t_ctl_relay.sh, issue 11). It accepts one client on
127.0.0.1:PORT, speaks to the real server on 127.0.0.1:SERVER_PORT, and
writes what it saw to DIR/relay.json. It never needs the key: what it tries
is what a relay can do with the bytes of other people's sessions.

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
import json
import os
import select
import socket
import struct
import sys
import time

HDR = struct.Struct(">HBBHHII")
AUTH, CHALLENGE, AUTH_OK = 0x0F, 0x86, 0x87
T_NONCE, T_PROTO, T_AUTHV, T_HOST = 16, 15, 26, 27


def fields(body):
    out, off = [], 0
    while off + 4 <= len(body):
        tag, n = struct.unpack(">HH", body[off:off + 4])
        out.append((tag, body[off + 4:off + 4 + n]))
        off += 4 + n
    return out


def build(ver, typ, flags, reqid, flds):
    body = b"".join(struct.pack(">HH", t, len(v)) + v for t, v in flds)
    return HDR.pack(0x504D, ver, typ, flags, 0, reqid, HDR.size + len(body)) + body


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


def main():
    mode, port, sport, outdir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    arg = sys.argv[5] if len(sys.argv) > 5 else None
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
                cli.sendall(open(arg, "rb").read())
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
                    p = open(arg, "rb").read()
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


main()
