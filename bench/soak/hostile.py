#!/usr/bin/env python3
"""Hostile SMTP clients for the soak test: for SECONDS, THREADS workers each open connections
to 127.0.0.1:PORT and misbehave in turn (garbage, over-long lines, bare-LF smuggling, a PROXY
header from an unlisted client, dropping mid-DATA, trickling data, idling after EHLO, a good
message now and then), each from a random 127.0.x.y. Loopback only; every socket has a timeout; prints what it did."""
import random, socket, sys, threading, time

port, seconds, threads = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + seconds
counts = {}
lock = threading.Lock()

def connect():
    # From a loopback address of its own each time: the auto-deny this provokes must not shut
    # out the good load, which comes from 127.0.0.1.
    source = f"127.0.{random.randint(2, 250)}.{random.randint(1, 250)}"
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    s.recv(512)
    return s

def garbage(s):
    s.sendall(bytes(random.getrandbits(8) for _ in range(random.randint(1, 2000))) + b"\r\nQUIT\r\n")

def long_line(s):
    s.sendall(b"EHLO " + b"x" * random.choice([600, 5000, 100000]) + b"\r\nQUIT\r\n")

def smuggling(s):
    s.sendall(b"EHLO h\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n")
    time.sleep(0.05)
    s.sendall(b"Subject: smuggle\r\n\r\nx\n.\nMAIL FROM:<evil@b.example>\r\n.\r\nQUIT\r\n")

def proxy_header(s):
    s.sendall(b"PROXY TCP4 192.0.2.1 192.0.2.2 1 25\r\n")

def drop_mid_data(s):
    s.sendall(b"EHLO h\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<u@remote.example>\r\nDATA\r\n")
    time.sleep(0.05)
    s.sendall(b"Subject: cut\r\n\r\n" + b"y" * random.randint(0, 300000))

def trickle(s):
    s.sendall(b"EHLO h\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<u@remote.example>\r\nDATA\r\n")
    for _ in range(random.randint(1, 20)):
        s.sendall(b"z")
        time.sleep(0.2)

def idle(s):
    s.sendall(b"EHLO h\r\n")
    time.sleep(random.uniform(0.5, 3))

def good(s):
    s.sendall(b"EHLO h\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<u@remote.example>\r\nDATA\r\n")
    time.sleep(0.05)
    s.sendall(b"Subject: good\r\n\r\nhello\r\n.\r\nQUIT\r\n")

actions = [garbage, long_line, smuggling, proxy_header, drop_mid_data, trickle, idle, good]

def worker():
    while time.monotonic() < deadline:
        action = random.choice(actions)
        try:
            s = connect()
            try:
                action(s)
                s.settimeout(2)
                while s.recv(65536):
                    pass
            finally:
                s.close()
        except OSError:
            pass
        with lock:
            counts[action.__name__] = counts.get(action.__name__, 0) + 1

pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join(timeout=seconds + 60)
print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
