#!/usr/bin/env bash
# browser.sh - the dashboard in headless Chromium (WebDriver through
# chromedriver, driven by tests/integration/webdriver.py): every page in
# English and Czech, at a desktop width and at 375 px, with no console
# error, CSP violation, untranslated text, raw JSON in a table or sideways
# scrolling; then every action. Seeds a month of runs, results, alerts, a
# stale backup and a mail delivery first so that each page has something
# to show. Screenshots of every page go to $BUILD/screenshots/ (BUILD is
# set by tests/run). chromedriver and the daemon are stopped by pid.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/http_lib.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
setup

for tool in chromium chromedriver; do
	if ! command -v "$tool" >/dev/null; then
		not_ok "$tool is installed (Debian chromium, chromium-driver; tools/install-deps)"
		exit 1
	fi
done

PASSWORD=browser-test-password
jobs_bin migrate >/dev/null
echo "$PASSWORD" | jobs_bin passwd >/dev/null

ago() { sql "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '$*')"; }

# Jobs: one dead that will succeed when retried (with its three failed
# attempts), one dead that fails again, finished jobs with results.
sql "INSERT INTO jobs (type, state, payload, attempts, max_attempts, last_error, started_at, finished_at)
     VALUES ('noop', 'dead', '{\"steps\":1}', 3, 3, 'seeded failure <b>not bold</b>',
             '$(ago '-3 hours')', '$(ago '-3 hours')');"
DEAD=$(sql "SELECT max(id) FROM jobs")
for n in 1 2 3; do
	sql "INSERT INTO job_attempts (job_id, attempt, started_at, finished_at, outcome, error, duration_ms)
	     VALUES ($DEAD, $n, '$(ago -$((4 - n)) hours)', '$(ago -$((4 - n)) hours)', 'failed',
	             'seeded failure <b>not bold</b>', 15);"
done
sql "INSERT INTO jobs (type, state, payload, attempts, max_attempts, last_error, finished_at)
     VALUES ('noop', 'dead', '{\"fail\":true,\"error\":\"still broken\"}', 1, 1, 'still broken',
             '$(ago '-2 hours')');"
DIES=$(sql "SELECT max(id) FROM jobs")
sql "INSERT INTO jobs (type, state, payload, attempts, recurring_name, result, started_at, finished_at)
     VALUES ('draft_cleanup', 'succeeded', '{}', 1, 'DraftCleanup',
             '{\"deleted\":6,\"documents\":0,\"blobs_deleted\":4,\"blobs_missing\":0,\"keys_refused\":0}',
             '$(ago '-1 days')', '$(ago '-1 days')');"
SUCCEEDED=$(sql "SELECT max(id) FROM jobs")
sql "INSERT INTO jobs (type, state, payload, attempts, result, started_at, finished_at) VALUES
     ('weekly_summary_email', 'succeeded', '{}', 1,
      '{\"users\":4,\"emails\":3,\"already\":0,\"quiet\":1}', '$(ago '-5 hours')', '$(ago '-5 hours')'),
     ('send_email', 'succeeded', '{\"template\":\"weekly_summary\",\"to\":\"a@example.org\"}', 1,
      '{\"sent\":1}', '$(ago '-4 hours')', '$(ago '-4 hours')');"

# A month of runs for the charts, an hour with failures now and then.
sql "WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM h WHERE n < 30 * 24)
     INSERT INTO metrics_hourly (hour, job, succeeded, failed, duration_ms)
     SELECT strftime('%Y-%m-%dT%H', 'now', '-' || n || ' hours'), 'send_email',
            (n * 7) % 5 + (CASE WHEN n % 24 BETWEEN 6 AND 9 THEN 6 ELSE 0 END),
            CASE WHEN n % 37 = 0 THEN 2 ELSE 0 END, 1200 FROM h;"

# Alerts: an open failure streak, a long run that has ended, a cleared queue.
sql "INSERT INTO alerts (kind, subject, message, created_at, resolved_at) VALUES
     ('queue_length', 'queue', 'domecek-jobs: 1200 jobs are waiting in the queue (threshold 1000)',
      '$(ago '-6 days')', '$(ago '-6 days')'),
     ('long_running', 'job #$DEAD attempt 1', 'noop has been running since 2026-01-01T00:00:00.000Z (longer than 10 minutes)',
      '$(ago '-3 hours')', NULL),
     ('consecutive_failures', 'send_email', '3 failures in a row; last error: SMTP 550 mailbox <unavailable>',
      '$(ago '-1 hours')', NULL);"

# A backup three days old: the server page shows it in red.
mkdir -p var/backups
STAMP=$(date -u -d '3 days ago' +%Y%m%dT%H%M%SZ)
head -c 300000 /dev/zero >"var/backups/domecek-$STAMP.db"

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
check "daemon serves the dashboard" start_daemon "$PORT" Dashboard__Language=en \
	Scheduler__TimeZone=Europe/Prague

# History of the schedules (the daemon has planned them by now).
for d in 1 2 3 4 5 6 7 8; do
	sql "INSERT INTO schedule_history (name, planned_at, fired_at, job_id, started_at, finished_at, result, counts)
	     VALUES ('DraftCleanup', '$(ago "-$d days")', '$(ago "-$d days")',
	             CASE $d WHEN 1 THEN $SUCCEEDED ELSE 1000 + $d END,
	             '$(ago "-$d days")', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-$d days', '+$((d * 7 % 5 + 1)) seconds'),
	             'succeeded', '{\"deleted\":$d,\"documents\":0,\"blobs_deleted\":$((d * 2))}');"
done
sql "INSERT INTO schedule_history (name, planned_at, fired_at, result, detail) VALUES
     ('WeeklySummaryEmail', '$(ago '-9 days')', '$(ago '-9 days')', 'missed',
      '2 fire(s) missed while the daemon was not running, first at planned time');"

DRIVER_PORT=$(free_port)
chromedriver --port="$DRIVER_PORT" >"$T/chromedriver.log" 2>&1 &
track_pid $!
for i in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$DRIVER_PORT/status" && break
	sleep 0.1
done

SHOTS="$ROOT/${BUILD:-build}/screenshots"
mkdir -p "$SHOTS" "$T/profile"
"$PY" "$HERE/webdriver.py" "http://127.0.0.1:$DRIVER_PORT" "$URL" "$PASSWORD" "$T/domecek.db" \
	"$SHOTS" "$T/profile" "{\"dead\": $DEAD, \"dies\": $DIES, \"succeeded\": $SUCCEEDED}" ||
	echo "# chromedriver: $(tail -n 3 "$T/chromedriver.log")"
grep -E 'WARN|ERROR' "$T/daemon.log" | head -20 | sed 's/^/# /'
not_contains "no page used a text missing from the catalogue" "$T/daemon.log" dashboard.untranslated
check "the daemon is still running" kill -0 "$DAEMON_PID"
