# pickup.sh - how fast the idle daemon picks up a job that another
# program INSERTs: started_at - created_at over 200 inserts, 50 ms apart
# (the daemon is idle in between). Prints p50/p99/max in milliseconds.
set -u
: "${BIN:?}"
dir=$(mktemp -d /tmp/domecek-bench-pickup.XXXXXX)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
cd "$dir" || exit 1
"$BIN" --db bench.db migrate >/dev/null
Http__Enabled=false "$BIN" --db bench.db run 2>daemon.log &
pid=$!
until grep -q daemon.leader daemon.log; do sleep 0.05; done
/usr/bin/python3 - <<'PY'
import sqlite3, time, statistics
db = sqlite3.connect("bench.db", isolation_level=None)
db.execute("PRAGMA busy_timeout=5000")
for i in range(200):
    db.execute("INSERT INTO jobs (type, payload) VALUES ('noop', '{}')")
    time.sleep(0.05)
time.sleep(0.5)
rows = db.execute("""SELECT (julianday(started_at) - julianday(created_at)) * 86400000.0
                     FROM jobs WHERE started_at IS NOT NULL ORDER BY 1""").fetchall()
lat = [r[0] for r in rows]
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"pickup of an externally inserted job ({len(lat)} of 200 done): "
      f"p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {lat[-1]:.1f} ms")
PY
