#!/usr/bin/env python3
"""Transaction latency under load: one client sends complete transactions (connect, EHLO, MAIL,
RCPT, DATA of 2 KB, QUIT) one after another until STOPFILE exists (or for at most LIMIT seconds),
and writes the count it sent and each transaction's latency in milliseconds to OUTFILE.
Usage: probe.py PORT STOPFILE OUTFILE [LIMIT]"""
import os, socket, sys, time

port, stop_file, out_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
limit = float(sys.argv[4]) if len(sys.argv) > 4 else 900
body = b"Subject: probe\r\n\r\n" + (b"x" * 70 + b"\r\n") * 28 + b".\r\n"

def expect(f, code):
    while True:
        line = f.readline()
        if not line:
            raise IOError("connection closed")
        if line[3:4] != b"-":
            if not line.startswith(code):
                raise IOError(line.decode(errors="replace").strip())
            return

latencies, sent, started = [], 0, time.monotonic()
while not os.path.exists(stop_file) and time.monotonic() - started < limit:
    t0 = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            f = s.makefile("rb")
            expect(f, b"220")
            s.sendall(b"EHLO probe.bench.test\r\n"); expect(f, b"250")
            s.sendall(b"MAIL FROM:<probe@client.test>\r\n"); expect(f, b"250")
            s.sendall(b"RCPT TO:<probe@remote.example>\r\n"); expect(f, b"250")
            s.sendall(b"DATA\r\n"); expect(f, b"354")
            s.sendall(body); expect(f, b"250")
            sent += 1
            s.sendall(b"QUIT\r\n"); expect(f, b"221")
    except (OSError, IOError) as error:
        print(f"probe: {error}", file=sys.stderr)
        time.sleep(0.05)
        continue
    latencies.append((time.perf_counter() - t0) * 1000)

with open(out_file, "w") as out:
    out.write(f"{sent}\n" + "\n".join(f"{l:.3f}" for l in latencies) + "\n")
