#!/usr/bin/python3
"""http_flood.py - silent connections against the daemon while a monitor
polls /health/jobs (used by http_limits.sh).

  http_flood.py PORT COUNT HOLD_S CLOSE [SOURCES [post]]

Opens COUNT TCP connections from SOURCES (loopback addresses, comma-
separated, used in turn; default 127.0.0.1) that send nothing (or, with
"post", the header of a dashboard POST and half its body, so that each
holds a request in progress), holds them HOLD_S seconds, then closes them
all at once (CLOSE=fast) or one every 10 ms (CLOSE=slow). Meanwhile, and
for 1 s after, it asks /health/jobs from 127.0.0.1 every 100 ms with a
1 s timeout. Prints one line per failed probe ("probe failed: ...") and
a summary "probes=N failed=N refused=N held=N server_closed=N" (held:
connections that connected; server_closed: those the server had closed
by the end of the hold); exits 1 when any probe failed.
Connections the server refuses or closes are counted, not errors: the
point is that the monitor is always answered. With FLOOD_READY=FILE in
the environment, FILE is created once every connection is open.
"""
import json
import os
import select
import socket
import sys
import time

port, count, hold, close_how = (int(sys.argv[1]), int(sys.argv[2]),
                                float(sys.argv[3]), sys.argv[4])
sources = (sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1").split(",")
is_post = len(sys.argv) > 6 and sys.argv[6] == "post"
POST = (b"POST /jobs/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + b"a" * 500)


def probe():
    """One GET /health/jobs; an answer with any status line is a success."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1.0)
    except OSError as e:
        raise OSError("connect: %s" % e)
    try:
        s.sendall(b"GET /health/jobs HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        try:
            head = s.recv(64)
        except OSError as e:
            raise OSError("answer: %s" % e)
        if not head.startswith(b"HTTP/1.1 "):
            raise OSError("no status line: %r" % head[:40])
    finally:
        s.close()


def monitor(stop_fd, result_fd):
    """The monitor is a process of its own, as a real one would be: a
    thread would wait for the flooding thread's turn between its connect
    and its request."""
    probes, failures = 0, []
    while not select.select([stop_fd], [], [], 0)[0]:
        probes += 1
        try:
            probe()
        except OSError as e:
            failures.append("%.1f s: %s" % (time.monotonic() - started, e))
        time.sleep(0.1)
    os.write(result_fd, json.dumps([probes, failures]).encode())


started = time.monotonic()
stop_r, stop_w = os.pipe()
result_r, result_w = os.pipe()
child = os.fork()
if child == 0:
    monitor(stop_r, result_w)
    os._exit(0)
os.close(result_w)
held, refused = [], 0
for i in range(count):
    s = socket.socket()
    s.settimeout(1.0)
    try:
        s.bind((sources[i % len(sources)], 0))
        s.connect(("127.0.0.1", port))
        if is_post:
            s.sendall(POST)
        held.append(s)
    except OSError:
        refused += 1
        s.close()
if os.environ.get("FLOOD_READY"):
    open(os.environ["FLOOD_READY"], "w").close()
time.sleep(hold)
server_closed = 0
for s in held:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            server_closed += 1
    except BlockingIOError:
        pass
    except OSError:
        server_closed += 1
for s in held:
    s.close()
    if close_how == "slow":
        time.sleep(0.01)
time.sleep(1)
os.write(stop_w, b"x")
result = b""
while True:
    chunk = os.read(result_r, 65536)
    if not chunk:
        break
    result += chunk
os.waitpid(child, 0)
probes, failures = json.loads(result)
for f in failures:
    print("probe failed: " + f)
print("probes=%d failed=%d refused=%d held=%d server_closed=%d" %
      (probes, len(failures), refused, len(held), server_closed))
sys.exit(1 if failures else 0)
