#!/usr/bin/env bash
# tools/bench/health.sh [BUILD] - /health/jobs latency while the daemon is
# at its busiest: ActivityCleanup deleting 1,000,000 old activities and an
# export of BENCH_EXPORT_MB (default 1024) MB of documents run, one after
# the other, in the loop that also serves HTTP. Prints p50/p99 (goal: p99
# <= 100 ms). Figures, not a pass/fail test.
set -eu
BUILD=${1:-build}
BIN=$PWD/$BUILD/domecek-jobs
PROBE=$PWD/$BUILD/bench/bench_health
MB=${BENCH_EXPORT_MB:-1024}
T=$(mktemp -d /tmp/domecek-bench.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
export Storage__Local__Root=$T/storage Alerts__QueueLengthThreshold=100000000
"$BIN" --db b.db migrate >/dev/null
"$BIN" --db b.db --now 2026-11-28T20:00:00Z demo >/dev/null
user=$(sqlite3 b.db "SELECT owner_id FROM projects ORDER BY name LIMIT 1")
prop=$(sqlite3 b.db "SELECT p.id FROM properties p JOIN projects j ON j.id = p.project_id WHERE j.owner_id = '$user' LIMIT 1")
rec=$(sqlite3 b.db "SELECT id FROM zaznamy WHERE property_id = '$prop' AND is_deleted = 0 AND status = 'complete' LIMIT 1")
echo "bench: seeding 1,000,000 old activities and $MB MB of documents..."
sqlite3 b.db "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
  INSERT INTO activities (id, property_id, actor_user_id, type, target_type, target_id, created_at)
  SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
               || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
         '$prop', '$user', 'zaznam_updated', 'zaznam', '$rec',
         strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || (i % 86400) || ' seconds')
  FROM n"
mkdir -p "storage/documents/$prop/$rec"
for i in $(seq 1 $((MB / 8))); do
	key="documents/$prop/$rec/big$i.jpg"
	head -c $((8 * 1024 * 1024)) /dev/urandom > "storage/$key"
	sqlite3 b.db "INSERT INTO zaznam_dokumenty (id, zaznam_id, type, storage_key, mime_type, size_bytes, created_at)
	  VALUES (lower(hex(randomblob(16))), '$rec', 'photo', '$key', 'image/jpeg', $((8 * 1024 * 1024)), '2026-11-01T10:00:00.000Z')"
done
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "password-for-bench" | "$BIN" --db b.db passwd >/dev/null
"$BIN" --db b.db recurring trigger ActivityCleanup >/dev/null
"$BIN" --db b.db enqueue export_data --payload "{\"userId\": \"$user\", \"format\": \"zip\"}" >/dev/null
Http__Listen=127.0.0.1:$PORT Jobs__ActivityCleanup__BatchPauseMs=0 \
	Jobs__ExportData__MaxSizeBytes=$(( (MB + 64) * 1024 * 1024 )) "$BIN" --db b.db run 2>log &
PID=$!
until curl -s -m 5 -o /dev/null "http://127.0.0.1:$PORT/health/jobs"; do sleep 0.05; done
echo "bench: /health/jobs while the cleanup and the export run:"
"$PROBE" "http://127.0.0.1:$PORT/health/jobs" 3000
grep -E 'job.done job=(activity_cleanup|export_data)' log | sed 's/^/bench: /' || true
running=$(sqlite3 b.db "SELECT group_concat(type) FROM jobs WHERE state = 'processing'")
echo "bench: still running when the requests ended: ${running:-nothing}"
