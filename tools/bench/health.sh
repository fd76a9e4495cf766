#!/usr/bin/env bash
# tools/bench/health.sh [BUILD] - /health/jobs latency while the daemon is
# busy: a noop job of many short steps runs, and 1M finished jobs wait
# for the hourly prune (Queue.SucceededRetentionDays=0) that runs at start.
# Prints p50/p99 (goal: p99 <= 100 ms). Figures, not a pass/fail test.
set -eu
BUILD=${1:-build}
BIN=$PWD/$BUILD/domecek-jobs
T=$(mktemp -d /tmp/domecek-bench.XXXXXX)
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$T"' EXIT
"$BIN" --db "$T/b.db" migrate >/dev/null
echo "bench: seeding 1M succeeded jobs..."
sqlite3 "$T/b.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000000)
  INSERT INTO jobs (type, state, finished_at) SELECT 'noop', 'succeeded', '2020-01-01T00:00:00.000Z' FROM n;"
"$BIN" --db "$T/b.db" enqueue noop --payload '{"steps": 100000, "sleepMs": 0}' >/dev/null
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "password-for-bench" | "$BIN" --db "$T/b.db" passwd >/dev/null
Http__Listen=127.0.0.1:$PORT Queue__SucceededRetentionDays=0 Alerts__QueueLengthThreshold=100000000 \
	"$BIN" --db "$T/b.db" run >"$T/log" 2>&1 &
PID=$!
START=$(date +%s%N)
for i in $(seq 1 600); do curl -s -m 30 -o /dev/null "http://127.0.0.1:$PORT/health/jobs" && break; sleep 0.1; done
echo "bench: first /health/jobs answer $(( ($(date +%s%N) - START) / 1000000 )) ms after start (the start-up prune runs in one loop iteration)"
"$PWD/$BUILD/bench/bench_health" "http://127.0.0.1:$PORT/health/jobs" 2000
echo "bench: during the run: $(grep -c . "$T/log") log lines; $(grep -o 'queue.pruned jobs=[0-9]*' "$T/log" | head -1)"
