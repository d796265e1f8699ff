#!/usr/bin/env python3
"""Times failed AUTH PLAIN for an existing and a missing account, alternating, ATTEMPTS each,
every attempt from a loopback address in a /24 of its own (no throttle delay applies).
Prints the medians and the spread in ms.
Usage: auth-timing.py PORT EXISTING_USER ATTEMPTS"""
import asyncio, base64, statistics, sys, time

port, existing, attempts = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])

async def reply(reader):
    while True:
        line = await reader.readline()
        if not line or line[3:4] != b"-":
            return line

async def failed_auth(user, n):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(f"127.{200 + n // 250}.{n % 250}.1", 0))
    await reply(reader)
    writer.write(b"EHLO timing.bench.test\r\n")
    await reply(reader)
    plain = base64.b64encode(f"\0{user}\0a-wrong-password".encode()).decode()
    started = time.monotonic()
    writer.write(f"AUTH PLAIN {plain}\r\n".encode())
    answer = await reply(reader)
    elapsed = (time.monotonic() - started) * 1000
    if not answer.startswith(b"535"):
        raise IOError(answer)
    writer.close()
    return elapsed

async def main():
    times = {"existing": [], "missing": []}
    for i in range(attempts):
        times["existing"].append(await failed_auth(existing, 2 * i))
        times["missing"].append(await failed_auth(f"nobody{i}@{existing.split('@')[1]}", 2 * i + 1))
    for kind, values in times.items():
        values.sort()
        print(f"{kind}: attempts={len(values)} median_ms={statistics.median(values):.1f} p10_ms={values[len(values) // 10]:.1f} p90_ms={values[len(values) * 9 // 10]:.1f}")

asyncio.run(main())
