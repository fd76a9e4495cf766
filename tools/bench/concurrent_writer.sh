# concurrent_writer.sh - the app writing while the daemon cleans up and
# exports: a separate process (concurrent_writer.py) inserts activities at
# 200 writes/s while the daemon runs activity_cleanup over ROWS (1,000,000)
# old activities with the default BatchSize/BatchPauseMs, and a ZIP export
# of the demo household. Prints the writer's error count (must be 0) and
# its write latency p50/p99/max, and how long the jobs took. A benchmark:
# figures, no bound but the errors.
set -u
: "${BIN:?}"
ROWS=${ROWS:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/domecek-bench-writer.XXXXXX)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
cd "$dir" || exit 1
export Http__Enabled=false Storage__Local__Root="$dir/storage" Email__Maildir__Path="$dir/mail"
"$BIN" --db bench.db migrate >/dev/null
"$BIN" --db bench.db demo >/dev/null
/usr/bin/python3 - "$ROWS" <<'PY'
import sqlite3, sys
rows = int(sys.argv[1])
db = sqlite3.connect("bench.db")
props = [r[0] for r in db.execute("SELECT id FROM properties")]
db.executemany("INSERT INTO activities (id, property_id, type, created_at)"
               " VALUES (?, ?, 'zaznam_updated', '2020-01-01T00:00:00.000Z')",
               ((f"old-{i}", props[i % len(props)]) for i in range(rows)))
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
PY
user=$(sqlite3 bench.db "SELECT owner_id FROM projects ORDER BY owner_id LIMIT 1")
"$BIN" --db bench.db run 2>daemon.log &
pid=$!
until grep -q daemon.leader daemon.log; do sleep 0.05; done
/usr/bin/python3 "$here/concurrent_writer.py" bench.db "$dir/stop" 200 >writer.out 2>&1 &
writer=$!
sleep 1 # the writer's undisturbed start
t0=$(date +%s.%N)
sqlite3 bench.db "INSERT INTO jobs (type, payload) VALUES ('activity_cleanup', '{}'),
  ('export_data', '{\"userId\":\"$user\",\"format\":\"zip\"}')"
until [ "$(sqlite3 bench.db "SELECT count(*) FROM jobs WHERE type IN ('activity_cleanup', 'export_data')
                               AND state IN ('succeeded', 'dead')")" = 2 ]; do
	sleep 0.5
done
t1=$(date +%s.%N)
touch "$dir/stop"
wait "$writer"
rc=$?
echo "activity_cleanup of $ROWS rows + ZIP export: $(echo "$t1 - $t0" | bc) s" \
	"($(grep -o 'job=activity_cleanup [^"]*' daemon.log | grep -o 'deleted=[0-9]* batches=[0-9]*' | tail -1))"
echo "concurrent writer at 200/s: $(cat writer.out)"
exit $rc
