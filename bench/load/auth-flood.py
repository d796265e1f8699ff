#!/usr/bin/env python3
"""An honest client's transaction latency while others flood AUTH.

FLOODERS clients each open a session from a loopback address of its own (a new one, in a new
/24, for every attempt: per-address throttling alone cannot stop them), send EHLO and an
AUTH PLAIN for an account that does not exist, read the answer, and start again, for SECONDS.
Meanwhile one honest client, from 127.0.0.1, runs EHLO, MAIL, RCPT, RSET over and over on one
session and times each round. Prints the honest rounds' p50/p99/max in ms and the flood's
answers by reply code.
Usage: auth-flood.py PORT FLOODERS SECONDS"""
import asyncio, base64, itertools, sys, time

port, flooders, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
plain = base64.b64encode(b"\0nobody@flood.invalid\0not-a-password").decode()
addresses = (f"127.{a}.{b}.1" for a, b in itertools.product(range(100, 200), range(256)))
codes = {}

async def reply(reader):
    while True:
        line = await reader.readline()
        if not line or line[3:4] != b"-":
            return line

async def flood(deadline):
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(next(addresses), 0))
        except OSError:
            codes["connect failed"] = codes.get("connect failed", 0) + 1
            continue
        try:
            await reply(reader)
            writer.write(b"EHLO flood.bench.test\r\n")
            await reply(reader)
            writer.write(f"AUTH PLAIN {plain}\r\n".encode())
            code = (await reply(reader))[:3].decode() or "closed"
            codes[code] = codes.get(code, 0) + 1
            writer.write(b"QUIT\r\n")
            await reply(reader)
        except OSError:
            codes["reset"] = codes.get("reset", 0) + 1
        finally:
            writer.close()

async def honest(deadline, rounds):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.1", 0))
    await reply(reader)
    while time.monotonic() < deadline:
        started = time.monotonic()
        for command in (b"EHLO honest.bench.test", b"MAIL FROM:<a@honest.bench.test>", b"RCPT TO:<postmaster@localhost>", b"RSET"):
            writer.write(command + b"\r\n")
            if not (await reply(reader)).startswith(b"2"):
                raise IOError(f"{command!r} refused")
        rounds.append((time.monotonic() - started) * 1000)
        await asyncio.sleep(0.05)
    writer.write(b"QUIT\r\n")
    writer.close()

async def main():
    deadline = time.monotonic() + seconds
    rounds = []
    await asyncio.gather(honest(deadline, rounds), *(flood(deadline) for _ in range(flooders)))
    rounds.sort()
    pick = lambda q: rounds[min(len(rounds) - 1, int(q * len(rounds)))]
    print(f"flooders={flooders} rounds={len(rounds)} p50_ms={pick(0.5):.1f} p99_ms={pick(0.99):.1f} max_ms={rounds[-1]:.1f} "
          f"flood_answers={' '.join(f'{c}:{n}' for c, n in sorted(codes.items()))}")

asyncio.run(main())
