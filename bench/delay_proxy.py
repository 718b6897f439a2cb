#!/usr/bin/env python3
"""A loopback TCP proxy that adds a fixed delay to each direction.

Every chunk read from one side is written to the other
exactly ONE_WAY_MS after it was read, in order, so a request/response pair
costs one round trip of 2 x ONE_WAY_MS more than without the proxy, and
bandwidth is not limited. Listens on 127.0.0.1 (port 0 = any), prints its
port, and exits by itself after LIFETIME_S seconds.

Usage: delay_proxy.py UPSTREAM_PORT ONE_WAY_MS LIFETIME_S
"""
import asyncio
import sys


async def pump(reader, writer, delay):
    """Copies reader to writer, each chunk `delay` seconds after it came."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.ensure_future(send())
    try:
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                break
    except ConnectionError:
        queue.put_nowait((loop.time(), b""))
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
        await asyncio.gather(pump(client_r, up_w, delay),
                             pump(up_r, client_w, delay))
    return handle


async def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    upstream, one_way = int(sys.argv[1]), float(sys.argv[2]) / 1000.0
    lifetime = float(sys.argv[3])
    server = await asyncio.start_server(serve(upstream, one_way), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), lifetime)
        except asyncio.TimeoutError:
            pass


if __name__ == "__main__":
    asyncio.run(main())
