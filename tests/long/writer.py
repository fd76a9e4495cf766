#!/usr/bin/python3
"""A second process writing to the database: RATE transactions a second,
each one INSERT into writer_log (created if missing), until SIGTERM.
Usage: writer.py DB RATE READY_FILE. READY_FILE gets "ready" after the
first commit; at the end, the number of commits goes to stdout."""
import signal
import sqlite3
import sys
import time

db, rate, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stop = False


def on_term(signum, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
con = sqlite3.connect(db, timeout=30, isolation_level=None)
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA synchronous=NORMAL")  # the usual setting with WAL
con.execute("CREATE TABLE IF NOT EXISTS writer_log"
            " (id INTEGER PRIMARY KEY, at REAL NOT NULL, pad TEXT)")
commits = 0
start = time.monotonic()
while not stop:
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO writer_log (at, pad) VALUES (?, ?)",
                (time.time(), "x" * 200))
    con.execute("COMMIT")
    commits += 1
    if commits == 1:
        with open(ready, "w") as f:
            f.write("ready\n")
    delay = start + commits / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
print(commits, "%.1f" % (commits / (time.monotonic() - start)))
