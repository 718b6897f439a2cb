#!/usr/bin/env python3
"""redis_reader - reads a Redis the way Clouddriver does, for redis_store.sh.

A minimal RESP client (no third-party module) on 127.0.0.1. Commands:
  dump PREFIX          every record of taggedImage and imageId through
                       Clouddriver's read path (SSCAN P:T:members, MGET
                       P:T:attributes:ID), one "T<TAB>ID<TAB>JSON" line each,
                       sorted; ids whose attributes are missing are dropped.
  hashes PREFIX        checks every P:T:hashes field against SHA-1 of the
                       UTF-16LE encoding of the key's value; prints "ok N" or
                       the mismatches (exit 1).
  all PREFIX           prints, per type and agent, "T AGENT n" and checks the
                       _ALL_ list equals the members (minus _ALL_) (exit 1 if not).
  stats                INFO commandstats as "command calls" lines.
  sadd-many KEY N      adds N synthetic members to KEY (pipelined).
  call ARGS...         one command, its reply printed.
Port in REDIS_PORT, password (optional) in REDIS_PASSWORD.
"""
import hashlib
import json
import os
import socket
import sys


class Redis:
    def __init__(self, port, password):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        if password:
            self.call("AUTH", password)

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.exact(n).decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)

    def call(self, *args):
        self.send(*args)
        return self.reply()


def sscan(r, key, match=None):
    cursor, out = "0", []
    while True:
        args = ["SSCAN", key, cursor]
        if match:
            args += ["MATCH", match]
        cursor, ids = r.call(*(args + ["COUNT", 200]))
        out += ids
        if cursor == "0":
            return out


def sha1_utf16(text):
    return hashlib.sha1(text.encode("utf-16-le")).hexdigest()


def dump(r, prefix):
    lines = []
    for t in ("taggedImage", "imageId"):
        ids = [i for i in sscan(r, "%s:%s:members" % (prefix, t)) if i != "_ALL_"]
        for i in range(0, len(ids), 200):
            batch = ids[i:i + 200]
            values = r.call("MGET", *["%s:%s:attributes:%s" % (prefix, t, x) for x in batch])
            lines += ["%s\t%s\t%s" % (t, x, v) for x, v in zip(batch, values) if v is not None]
    print("\n".join(sorted(lines)))
    return 0


def hashes(r, prefix):
    bad, n = [], 0
    for t in ("taggedImage", "imageId"):
        h = r.call("HGETALL", "%s:%s:hashes" % (prefix, t))
        for key, value in zip(h[0::2], h[1::2]):
            stored = r.call("GET", key)
            n += 1
            if stored is None or sha1_utf16(stored) != value:
                bad.append("%s: hash %s, value %r" % (key, value, stored))
        # Every attributes key written carries its hash.
        for x in sscan(r, "%s:%s:members" % (prefix, t)):
            key = "%s:%s:attributes:%s" % (prefix, t, x)
            if r.call("HGET", "%s:%s:hashes" % (prefix, t), key) is None:
                bad.append("%s: no hash" % key)
    print("\n".join(bad) if bad else "ok %d" % n)
    return 1 if bad else 0


def all_items(r, prefix):
    rc = 0
    for t in ("taggedImage", "imageId"):
        members = set(sscan(r, "%s:%s:members" % (prefix, t))) - {"_ALL_"}
        held = set()
        for agent in sorted(r.call("SMEMBERS", "%s:%s:relationships" % (prefix, t))):
            ids = json.loads(r.call("GET", "%s:%s:relationships:_ALL_:%s" % (prefix, t, agent)))
            held |= set(ids)
            print("%s %s %d" % (t, agent, len(ids)))
        if r.call("GET", "%s:%s:attributes:_ALL_" % (prefix, t)) != '{"id":"_ALL_"}':
            print("%s: _ALL_ attributes missing" % t)
            rc = 1
        if held != members:
            print("%s: _ALL_ lists %s, members %s" % (t, sorted(held ^ members), len(members)))
            rc = 1
    return rc


def stats(r):
    for line in r.call("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_"):
            name, fields = line[len("cmdstat_"):].split(":", 1)
            calls = dict(f.split("=") for f in fields.split(","))["calls"]
            print(name, calls)
    return 0


def sadd_many(r, key, n):
    for start in range(0, n, 1000):
        r.send("SADD", key, *["synthetic:%d" % i for i in range(start, min(n, start + 1000))])
    for start in range(0, n, 1000):
        r.reply()
    return 0


def main():
    r = Redis(int(os.environ["REDIS_PORT"]), os.environ.get("REDIS_PASSWORD"))
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "dump":
        return dump(r, args[0])
    if cmd == "hashes":
        return hashes(r, args[0])
    if cmd == "all":
        return all_items(r, args[0])
    if cmd == "stats":
        return stats(r)
    if cmd == "sadd-many":
        return sadd_many(r, args[0], int(args[1]))
    if cmd == "call":
        print(r.call(*args))
        return 0
    print("unknown command " + cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
