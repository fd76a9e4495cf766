#!/usr/bin/env python3
"""concurrent_writer.py DB STOPFILE [RATE] - the app's own writes while the
daemon works: inserts one activity per transaction at RATE/s (default 200,
paced to absolute times so a slow write is not hidden by the next sleep)
until STOPFILE exists, each on its own autocommit connection settings that
the app uses (WAL, busy_timeout 5000). Prints one line:
  writes N errors E p50 X ms p99 Y ms max Z ms
An error is any exception from an INSERT (SQLITE_BUSY after the timeout,
a locked database, ...)."""
import os, sqlite3, sys, time, uuid

db_path, stop_file = sys.argv[1], sys.argv[2]
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 200.0
db = sqlite3.connect(db_path, isolation_level=None)
db.execute("PRAGMA busy_timeout=5000")
db.execute("PRAGMA foreign_keys=ON")
prop = db.execute("SELECT id FROM properties ORDER BY id LIMIT 1").fetchone()[0]
lat, errors, first_errors = [], 0, []
start = time.monotonic()
i = 0
while not os.path.exists(stop_file):
    due = start + i / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    t0 = time.monotonic()
    try:
        db.execute("INSERT INTO activities (id, property_id, type, created_at)"
                   " VALUES (?, ?, 'comment_added', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                   (str(uuid.uuid4()), prop))
    except sqlite3.Error as exc:
        errors += 1
        if len(first_errors) < 3:
            first_errors.append(str(exc))
    lat.append((time.monotonic() - t0) * 1000.0)
    i += 1
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else 0.0
elapsed = time.monotonic() - start
print(f"writes {len(lat)} in {elapsed:.1f} s ({len(lat) / elapsed:.0f}/s) errors {errors} "
      f"p50 {p(0.50):.2f} ms p99 {p(0.99):.2f} ms max {lat[-1] if lat else 0:.2f} ms")
for e in first_errors:
    print(f"  error: {e}")
sys.exit(1 if errors else 0)
