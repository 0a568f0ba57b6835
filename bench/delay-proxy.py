#!/usr/bin/env python3
"""delay-proxy.py - a TCP proxy on 127.0.0.1 that holds every chunk for a
fixed delay in each direction, so that a client's round trips show up in
its wall time (one round trip = 2 x delay).  Used by compare.py; it only
ever connects to 127.0.0.1.

usage: delay-proxy.py LISTEN_PORT_FILE TARGET_PORT DELAY_MS
"""
import asyncio
import sys


async def pump(reader, writer, delay):
    """Forward reader to writer; each chunk leaves `delay` after it came."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            await asyncio.sleep(max(0, due - loop.time()))
            if not data:
                writer.close()
                return
            writer.write(data)

    sender = asyncio.create_task(send())
    try:
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                break
    except (ConnectionError, OSError):
        queue.put_nowait((loop.time(), b""))
    await sender


async def handle(creader, cwriter, target, delay):
    sreader, swriter = await asyncio.open_connection("127.0.0.1", target)
    await asyncio.gather(pump(creader, swriter, delay),
                         pump(sreader, cwriter, delay))


async def main():
    port_file, target, delay = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, target, delay), "127.0.0.1", 0)
    with open(port_file, "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    async with server:
        await asyncio.sleep(600)   # bounded: never outlives a benchmark


asyncio.run(main())
