#!/usr/bin/env python3
"""Opens COUNT sessions to 127.0.0.1:PORT, each greeted and past EHLO, then holds them idle
until STOPFILE exists (at most LIMIT seconds). Prints "ready N" when N are open.
Usage: idle.py PORT COUNT STOPFILE [LIMIT]"""
import asyncio, os, resource, sys

port, count, stop_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
limit = float(sys.argv[4]) if len(sys.argv) > 4 else 300
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

async def reply(reader):
    while True:
        line = await reader.readline()
        if not line or line[3:4] != b"-":
            return line

async def open_one(semaphore):
    async with semaphore:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        if not (await reply(reader)).startswith(b"220"):
            raise IOError("no greeting")
        writer.write(b"EHLO idle.bench.test\r\n")
        if not (await reply(reader)).startswith(b"250"):
            raise IOError("EHLO refused")
        return writer

async def main():
    semaphore = asyncio.Semaphore(200)
    writers = await asyncio.gather(*(open_one(semaphore) for _ in range(count)))
    print(f"ready {len(writers)}", flush=True)
    waited = 0.0
    while not os.path.exists(stop_file) and waited < limit:
        await asyncio.sleep(0.1); waited += 0.1
    for writer in writers:
        writer.close()

asyncio.run(main())
