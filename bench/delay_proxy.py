#!/usr/bin/env python3
"""A loopback TCP proxy that adds a fixed delay to each direction.

Every chunk read from one side is written to the other ONE_WAY_MS after it
was read, in order, so a request and its answer cost one round trip of
2 x ONE_WAY_MS more than without the proxy; bandwidth is not limited.
Listens on 127.0.0.1 (any port), prints its port, and stops by itself
after LIFETIME_S seconds, or on SIGTERM.

With STATS_FILE it writes there, when it stops, what it saw (JSON): the
delay it really added per direction (timers overshoot a little), how long
the registry took to start answering a forwarded request, and how long the
client took to send its next request on a connection after an answer was
delivered; each as count, mean and median seconds. HTTP/1.1 without
pipelining is assumed: one request at a time per connection.

Usage: delay_proxy.py UPSTREAM_PORT ONE_WAY_MS LIFETIME_S [STATS_FILE]
"""
import asyncio
import json
import signal
import statistics
import sys

SAMPLES = {"added_to_upstream": [], "added_to_client": [],
           "registry": [], "client": []}


class Connection:
    """Timestamps of one proxied connection, for the statistics."""

    def __init__(self):
        self.forwarded = None   # a request went upstream, no answer yet
        self.delivered = None   # an answer went to the client, no request yet

    def read(self, upstream_side, now):
        if upstream_side and self.forwarded is not None:
            SAMPLES["registry"].append(now - self.forwarded)
            self.forwarded = None
        if not upstream_side and self.delivered is not None:
            SAMPLES["client"].append(now - self.delivered)
            self.delivered = None

    def wrote(self, upstream_side, read_at, now):
        SAMPLES["added_to_client" if upstream_side else "added_to_upstream"].append(
            now - read_at)
        if upstream_side:
            self.delivered = now
        else:
            self.forwarded = now


async def pump(reader, writer, delay, conn, upstream_side):
    """Copies reader to writer, each chunk `delay` seconds after it came."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def send():
        while True:
            read_at, data = await queue.get()
            wait = read_at + delay - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            writer.write(data)
            conn.wrote(upstream_side, read_at, loop.time())
            await writer.drain()
        writer.close()

    sender = asyncio.ensure_future(send())
    try:
        while True:
            data = await reader.read(65536)
            if data:
                conn.read(upstream_side, loop.time())
            queue.put_nowait((loop.time(), data))
            if not data:
                break
    except ConnectionError:
        queue.put_nowait((loop.time() - delay, b""))
    try:
        await sender
    except ConnectionError:
        pass


def serve(upstream, delay):
    async def handle(client_r, client_w):
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            client_w.close()
            return
        conn = Connection()
        await asyncio.gather(pump(client_r, up_w, delay, conn, False),
                             pump(up_r, client_w, delay, conn, True))
    return handle


def write_stats(path):
    def summary(values):
        if not values:
            return {"count": 0}
        return {"count": len(values), "mean": statistics.fmean(values),
                "median": statistics.median(values)}
    with open(path, "w", encoding="utf-8") as out:
        json.dump({name: summary(v) for name, v in SAMPLES.items()}, out)


async def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    upstream, one_way = int(sys.argv[1]), float(sys.argv[2]) / 1000.0
    lifetime = float(sys.argv[3])
    server = await asyncio.start_server(serve(upstream, one_way), "127.0.0.1", 0)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        try:
            await asyncio.wait_for(stop.wait(), lifetime)
        except asyncio.TimeoutError:
            pass
    if len(sys.argv) == 5:
        write_stats(sys.argv[4])


if __name__ == "__main__":
    asyncio.run(main())
