#!/usr/bin/env bash
# tools/bench/preempt.sh - short jobs never wait behind long ones.
#
# The daemon runs ActivityCleanup over 1,000,000 old activities and an
# export of BENCH_EXPORT_MB (default 1024) MB of documents (the two start
# together; one runs, the other waits its turn). Meanwhile another program
# INSERTs a send_email job (Maildir) every 100 ms by plain SQL. Prints the
# pickup latency of those emails (started_at - created_at: p50, p99, max),
# how many were picked up while a long job was held, and how long the long
# jobs took. Then the cancel-to-stop time: `jobs delete` on a running long
# job, to the daemon's log line that the job stopped (5 times).
# Prints figures; asserts nothing.
set -u
: "${BIN:?BIN must point at the built binary}"
MB=${BENCH_EXPORT_MB:-1024}
T=$(mktemp -d "${TMPDIR:-/var/tmp}/domecek-bench-preempt.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
cd "$T" || exit 1
export Storage__Local__Root=$T/storage Alerts__QueueLengthThreshold=100000000 \
	Http__Enabled=false Email__Maildir__Path=$T/mail TZ=UTC
unset DOMECEK_CONFIG DOMECEK_DB
sqlq() { sqlite3 -cmd '.timeout 5000' b.db "$@"; }

"$BIN" --db b.db migrate >/dev/null
"$BIN" --db b.db --now 2026-11-28T20:00:00Z demo >/dev/null
user=$(sqlq "SELECT owner_id FROM projects ORDER BY name LIMIT 1")
prop=$(sqlq "SELECT p.id FROM properties p JOIN projects j ON j.id = p.project_id WHERE j.owner_id = '$user' LIMIT 1")
rec=$(sqlq "SELECT id FROM zaznamy WHERE property_id = '$prop' AND is_deleted = 0 AND status = 'complete' LIMIT 1")
echo "seeding 1,000,000 old activities and $MB MB of documents..."
sqlq "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
  INSERT INTO activities (id, property_id, actor_user_id, type, target_type, target_id, created_at)
  SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
               || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
         '$prop', '$user', 'zaznam_updated', 'zaznam', '$rec',
         strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || (i % 86400) || ' seconds')
  FROM n"
mkdir -p "storage/documents/$prop/$rec"
for i in $(seq 1 $((MB / 8))); do
	key="documents/$prop/$rec/big$i.jpg"
	head -c $((8 * 1024 * 1024)) /dev/urandom >"storage/$key"
	sqlq "INSERT INTO zaznam_dokumenty (id, zaznam_id, type, storage_key, mime_type, size_bytes, created_at)
	  VALUES (lower(hex(randomblob(16))), '$rec', 'photo', '$key', 'image/jpeg', $((8 * 1024 * 1024)), '2026-11-01T10:00:00.000Z')"
done
"$BIN" --db b.db recurring trigger ActivityCleanup >/dev/null
"$BIN" --db b.db enqueue export_data --payload "{\"userId\": \"$user\", \"format\": \"zip\"}" >/dev/null
Jobs__ActivityCleanup__BatchPauseMs=0 Jobs__ExportData__MaxSizeBytes=$(((MB + 64) * 1024 * 1024)) \
	"$BIN" --db b.db run 2>log &
pid=$!
until grep -q daemon.leader log; do sleep 0.05; done

/usr/bin/python3 - <<'PY'
import sqlite3, time
db = sqlite3.connect("b.db", isolation_level=None)
db.execute("PRAGMA busy_timeout=5000")
def long_running():
    return db.execute("SELECT count(*) FROM jobs WHERE type IN ('activity_cleanup', 'export_data') "
                      "AND state IN ('enqueued', 'processing')").fetchone()[0]
sent, held = 0, 0
start = time.time()
while long_running() and time.time() - start < 600:
    db.execute("INSERT INTO jobs (type, payload) VALUES ('send_email', "
               "'{\"to\": \"bench@example.cz\", \"subject\": \"pickup\", \"text\": \"x\"}')")
    sent += 1
    time.sleep(0.1)
time.sleep(1)
rows = db.execute("""SELECT (julianday(started_at) - julianday(created_at)) * 86400000.0
                     FROM jobs WHERE type = 'send_email' AND started_at IS NOT NULL ORDER BY 1""").fetchall()
lat = [r[0] for r in rows]
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"send_email pickup while the long jobs ran ({len(lat)} of {sent} inserted 100 ms apart): "
      f"p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {lat[-1]:.1f} ms")
for t, s, f in db.execute("""SELECT type, started_at, finished_at FROM jobs
                             WHERE type IN ('activity_cleanup', 'export_data')"""):
    d = db.execute("SELECT (julianday(?) - julianday(?)) * 86400", (f, s)).fetchone()[0]
    print(f"  {t}: {d:.1f} s from its start to its end (emails ran in between)")
PY

echo "cancel to stop: jobs delete on a running long job (5 times):"
for i in 1 2 3 4 5; do
	id=$("$BIN" --db b.db enqueue noop --payload '{"steps": 80000000}')
	until [ "$(sqlq "SELECT state FROM jobs WHERE id = $id")" = processing ]; do sleep 0.02; done
	sleep 0.2
	t0=$(date +%s%3N)
	"$BIN" --db b.db jobs delete "$id" >/dev/null
	until grep -q "id=$id state=cancelled" log; do sleep 0.005; done
	t1=$(date +%s%3N)
	line=$(grep "id=$id state=cancelled" log | head -1)
	stopped=$(/usr/bin/python3 -c "import sys,datetime; print(int(datetime.datetime.strptime(sys.argv[1][:23], '%Y-%m-%dT%H:%M:%S.%f').replace(tzinfo=datetime.timezone.utc).timestamp()*1000))" "$line")
	echo "  run $i: stopped $((stopped - t0)) ms after the delete began (seen in the log after $((t1 - t0)) ms)"
done
