#!/usr/bin/env python3
"""A loopback TCP proxy that adds a fixed delay to each direction.

Every chunk read from one side is written to the other ONE_WAY_MS after it
was read, in order, so a request and its answer cost one round trip of
2 x ONE_WAY_MS more than without the proxy; bandwidth is not limited.
Listens on 127.0.0.1 (any port), prints its port, and stops by itself
after LIFETIME_S seconds, or on SIGTERM.

Threads and time.sleep (clock_nanosleep) rather than asyncio: asyncio's
timers wake on a millisecond grid and overshot by 0.7 ms per direction.

With STATS_FILE it writes there, when it stops, what it saw (JSON): the
delay it really added per direction, how long the registry took to start
answering a forwarded request, and how long the client took to send its
next request on a connection after an answer was delivered; each as count,
mean and median seconds. HTTP/1.1 without pipelining is assumed: one
request at a time per connection.

Usage: delay_proxy.py UPSTREAM_PORT ONE_WAY_MS LIFETIME_S [STATS_FILE]
"""
import json
import queue
import signal
import socket
import statistics
import sys
import threading
import time

SAMPLES = {"added_to_upstream": [], "added_to_client": [],
           "registry": [], "client": []}
LOCK = threading.Lock()
STOP = threading.Event()


class Connection:
    """Timestamps of one proxied connection, for the statistics."""

    def __init__(self):
        self.forwarded = None   # a request went upstream, no answer yet
        self.delivered = None   # an answer went to the client, no request yet

    def read(self, from_upstream, now):
        with LOCK:
            if from_upstream and self.forwarded is not None:
                SAMPLES["registry"].append(now - self.forwarded)
                self.forwarded = None
            if not from_upstream and self.delivered is not None:
                SAMPLES["client"].append(now - self.delivered)
                self.delivered = None

    def wrote(self, from_upstream, read_at, now):
        with LOCK:
            name = "added_to_client" if from_upstream else "added_to_upstream"
            SAMPLES[name].append(now - read_at)
            if from_upstream:
                self.delivered = now
            else:
                self.forwarded = now


def reader(src, chunks, conn, from_upstream):
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        now = time.monotonic()
        if data:
            conn.read(from_upstream, now)
        chunks.put((now, data))
        if not data:
            return


def writer(dst, chunks, conn, from_upstream, delay):
    while True:
        read_at, data = chunks.get()
        wait = read_at + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            dst.sendall(data)
        except OSError:
            return
        conn.wrote(from_upstream, read_at, time.monotonic())


def pipe(src, dst, conn, from_upstream, delay):
    """One direction: a reader and a writer thread joined by a queue."""
    chunks = queue.Queue()
    for target, args in ((reader, (src, chunks, conn, from_upstream)),
                         (writer, (dst, chunks, conn, from_upstream, delay))):
        threading.Thread(target=target, args=args, daemon=True).start()


def proxy(client, upstream_port, delay):
    try:
        upstream = socket.create_connection(("127.0.0.1", upstream_port))
    except OSError:
        client.close()
        return
    for s in (client, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = Connection()
    pipe(client, upstream, conn, False, delay)
    pipe(upstream, client, conn, True, delay)


def write_stats(path):
    def summary(values):
        if not values:
            return {"count": 0}
        return {"count": len(values), "mean": statistics.fmean(values),
                "median": statistics.median(values)}
    with LOCK, open(path, "w", encoding="utf-8") as out:
        json.dump({name: summary(v) for name, v in SAMPLES.items()}, out)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    upstream, one_way = int(sys.argv[1]), float(sys.argv[2]) / 1000.0
    deadline = time.monotonic() + float(sys.argv[3])
    sys.setswitchinterval(0.0002)  # a woken writer must not wait for the GIL
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    print(server.getsockname()[1], flush=True)
    while not STOP.is_set() and time.monotonic() < deadline:
        try:
            client, _ = server.accept()
        except socket.timeout:
            continue
        proxy(client, upstream, one_way)
    server.close()
    if len(sys.argv) == 5:
        write_stats(sys.argv[4])


if __name__ == "__main__":
    main()
