#!/usr/bin/env bash
# http_health.sh - /health/jobs tells the truth: "degraded" (200) for what
# needs a look (a long-running job, a queue over its threshold, a standby
# daemon), "unhealthy" (503) for what stops the work (the database not
# writable, the loop stalled). The stall is real: the daemon is stopped
# with SIGSTOP while a job runs, and the monitor's request that waited
# through it is answered 503 when the loop comes back. And /metrics:
# counters that pruning does not lower, unknown job types as "unknown".
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/http_lib.bash"
setup

jobs_bin migrate >/dev/null
# A run 150 days ago: its hour is pruned (90 days kept) when the daemon
# starts its upkeep, its count must stay.
jobs_bin --now "$(date -u -d '150 days ago' +%Y-%m-%dT%H:%M:%SZ)" run-job DraftCleanup >/dev/null 2>&1
PORT=$(free_port)
URL="http://127.0.0.1:$PORT/health/jobs"
check "daemon starts" start_daemon "$PORT" Alerts__QueueLengthThreshold=3
code() { curl -s -m 10 -o "$T/body" -w '%{http_code}' "$@"; }

[ "$(code "$URL")" = 200 ] && ok "a fresh daemon is 200" || not_ok "a fresh daemon is 200"
contains "... and healthy" "$T/body" '"status":"healthy"'

# --- metrics: monotonic counters, a capped label set -----------------------------
for i in $(seq 1 100); do
	[ "$(sql "SELECT count(*) FROM metrics_hourly")" = 0 ] && break
	sleep 0.1
done
check "the daemon pruned the 150-day-old hour" test "$(sql "SELECT count(*) FROM metrics_hourly")" = 0
curl -s "http://127.0.0.1:$PORT/metrics" >"$T/metrics.txt"
contains "the pruned run still counts in job_execution_total" "$T/metrics.txt" \
	'job_execution_total{job="draft_cleanup",result="succeeded"} 1'
sql "INSERT INTO jobs (type, payload) VALUES ('made_up_by_hand', '{}')"
for i in $(seq 1 100); do
	[ "$(sql "SELECT count(*) FROM metrics_totals WHERE job = 'made_up_by_hand'")" = 1 ] && break
	sleep 0.1
done
curl -s "http://127.0.0.1:$PORT/metrics" >"$T/metrics.txt"
contains "a job type no handler knows is counted as unknown" "$T/metrics.txt" 'job_failures_total{job="unknown"} 1'
not_contains "... and adds no label of its own" "$T/metrics.txt" 'made_up_by_hand'
check "metrics still pass promtool check metrics" bash -c "promtool check metrics <'$T/metrics.txt'"
sql "DELETE FROM jobs"

# --- degraded: a long-running job ----------------------------------------------
sql "INSERT INTO jobs (type, state, attempts, started_at)
     VALUES ('noop', 'processing', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 hours'));"
STUCK=$(sql "SELECT max(id) FROM jobs")
[ "$(code "$URL")" = 200 ] && ok "a job running for 2 hours leaves health 200" ||
	not_ok "a job running for 2 hours leaves health 200" "$(cat "$T/body")"
contains "... with status degraded" "$T/body" '"status":"degraded"'
contains "... naming the job" "$T/body" "#$STUCK"
contains "... as a non-critical check" "$T/body" "#$STUCK\",\"critical\":false}"
contains "... that failed" "$T/body" '"name":"no_stuck_jobs","ok":false'
sql "DELETE FROM jobs WHERE id = $STUCK"

# --- degraded: a queue over its threshold --------------------------------------
sql "INSERT INTO jobs (type, state, run_at) SELECT 'noop', 'enqueued',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day') FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);"
[ "$(code "$URL")" = 200 ] && ok "3 enqueued jobs (threshold 3) leave health 200" ||
	not_ok "3 enqueued jobs (threshold 3) leave health 200" "$(cat "$T/body")"
contains "... with status degraded" "$T/body" '"status":"degraded"'
contains "... naming the queue" "$T/body" '"name":"queue_length","ok":false'
sql "DELETE FROM jobs"

# --- degraded: a standby daemon --------------------------------------------------
PORT2=$(free_port)
env Http__Listen="127.0.0.1:$PORT2" "$BIN" --db "$T/domecek.db" run >>"$T/standby.log" 2>&1 &
STANDBY_PID=$!
track_pid "$STANDBY_PID"
wait_http "$PORT2"
[ "$(code "http://127.0.0.1:$PORT2/health/jobs")" = 200 ] &&
	ok "a standby daemon answers 200 while another leads" ||
	not_ok "a standby daemon answers 200 while another leads" "$(cat "$T/body")"
contains "... degraded, saying it is on standby" "$T/body" '"status":"degraded"'
contains "... and who leads" "$T/body" "on standby; "
kill "$STANDBY_PID" && wait "$STANDBY_PID" 2>/dev/null

# --- unhealthy: the database is not writable -------------------------------------
"$PY" - "$T/domecek.db" "$T/locked" <<'PY' &
import sqlite3, sys, time, os
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
db.execute("ROLLBACK")
PY
LOCK_PID=$!
track_pid "$LOCK_PID"
for i in $(seq 1 100); do [ -e "$T/locked" ] && break; sleep 0.05; done
[ "$(code "$URL")" = 503 ] && ok "health is 503 while another process holds the write lock" ||
	not_ok "health is 503 while another process holds the write lock" "$(cat "$T/body")"
contains "... naming the database check" "$T/body" '"name":"database_writable","ok":false'
wait "$LOCK_PID"
[ "$(code "$URL")" = 200 ] && ok "health is 200 once the lock is released" ||
	not_ok "health is 200 once the lock is released" "$(cat "$T/body")"

# --- unhealthy: the loop stalled --------------------------------------------------
kill "$DAEMON_PID" && wait "$DAEMON_PID" 2>/dev/null
check "daemon restarts with Alerts.LoopStallSeconds=1" start_daemon "$PORT" Alerts__LoopStallSeconds=1
# A job that pauses 100 ms between steps: the loop has a wake-up planned
# every 100 ms, so a stop of the process makes it wake up late.
sql "INSERT INTO jobs (type, payload) VALUES ('noop', '{\"steps\": 600, \"sleepMs\": 60000}')"
for i in $(seq 1 100); do
	[ "$(sql "SELECT state FROM jobs ORDER BY id DESC LIMIT 1")" = processing ] && break
	sleep 0.1
done
kill -STOP "$DAEMON_PID"
curl -s -m 20 -o "$T/stalled" -w '%{http_code}' "$URL" >"$T/stalled.code" &
CURL_PID=$!
sleep 2.5 # the stall itself: longer than Alerts.LoopStallSeconds
kill -CONT "$DAEMON_PID"
wait "$CURL_PID"
[ "$(cat "$T/stalled.code")" = 503 ] && ok "a request that waited through a 2.5 s stall is answered 503" ||
	not_ok "a request that waited through a 2.5 s stall is answered 503" "$(cat "$T/stalled.code") $(cat "$T/stalled")"
contains "... saying the loop stalled" "$T/stalled" '"name":"loop_heartbeat","ok":false,"detail":"the loop stalled for'
[ "$(code "$URL")" = 503 ] && ok "the next request is still 503 (the stall is shown for a minute)" ||
	not_ok "the next request is still 503 (the stall is shown for a minute)" "$(cat "$T/body")"
contains "the daemon logged the stall" "$T/daemon.log" "loop.stalled"
