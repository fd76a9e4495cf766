#!/usr/bin/env bash
# dashboard.sh - the dashboard's parts a browser does not show with curl:
# the live script and the CSP that lets it run, local times with the zone,
# the server page's facts (pid, version, role, backups, mail), the bulk
# actions' refusals (unknown action, missing type, missing CSRF token),
# jumping to a job number, and "last run" counting a run triggered by hand
# in `recurring list` and on the recurring page alike.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/http_lib.bash"
setup

PASSWORD=dashboard-test-password
jobs_bin migrate >/dev/null
echo "$PASSWORD" | jobs_bin passwd >/dev/null
export Scheduler__TimeZone=Europe/Prague Http__Enabled=false

# A run by hand, run to its end before the daemon serves anything.
check "recurring trigger enqueues DraftCleanup" jobs_bin recurring trigger DraftCleanup
check "run --drain runs it" jobs_bin run --drain
jobs_bin --now 2026-11-10T12:00:00Z recurring list >"$T/list.txt"
RUN_ID=$(sql "SELECT job_id FROM schedule_history WHERE name = 'DraftCleanup' AND result = 'succeeded'")
# NEXT RUN and LAST RUN both times (not "-"), then the run's result.
if grep -qE '^DraftCleanup .*T[0-9:]+[+-][0-9:]{5} +[0-9-]{10}T[0-9:]+[+-][0-9:]{5} +succeeded$' "$T/list.txt"; then
	ok "recurring list shows the run by hand as the last run"
else
	not_ok "recurring list shows the run by hand as the last run" "$(cat "$T/list.txt")"
fi

sql "INSERT INTO jobs (type, state, payload, attempts, max_attempts, last_error, finished_at) VALUES
     ('noop', 'dead', '{}', 3, 3, 'boom', '2026-11-30T02:30:00.000Z'),
     ('noop', 'dead', '{}', 3, 3, 'boom', '2026-11-30T02:30:00.000Z'),
     ('send_email', 'dead', '{}', 3, 3, 'SMTP refused', '2026-11-30T02:31:00.000Z');"
DEAD=$(sql "SELECT min(id) FROM jobs WHERE state = 'dead'")
sql "INSERT INTO metrics_hourly (hour, job, succeeded, failed, duration_ms)
     VALUES (strftime('%Y-%m-%dT%H', 'now', '-2 hours'), 'noop', 7, 2, 100);
     INSERT INTO alerts (kind, subject, message, created_at) VALUES
     ('long_running', 'job #$DEAD attempt 3',
      'noop has been running since 2026-11-30T02:00:00.000Z (longer than 10 minutes)',
      '2026-11-30T02:15:00.000Z');
     INSERT INTO schedule_history (name, planned_at, fired_at, job_id, started_at, finished_at, result)
     VALUES ('DraftCleanup', '2026-11-01T02:00:00.000Z', '2026-11-01T02:00:00.000Z', 9001,
             '2026-11-01T02:00:00.000Z', '2026-11-01T02:00:04.000Z', 'succeeded');"

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
check "daemon serves the dashboard" start_daemon "$PORT" Http__Enabled=true \
	Dashboard__Language=en Jobs__Backup__Path="$T/no-backups"
[ "$(login "$PASSWORD")" = 303 ] && ok "logged in" || not_ok "logged in"
get() { curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -b "$T/cookies" "$URL/jobs/$1"; }

# --- the live script and its CSP ------------------------------------------
[ "$(get live.js)" = 200 ] && ok "live.js is served" || not_ok "live.js is served"
contains "live.js is JavaScript" "$T/headers" "Content-Type: text/javascript"
get "" >/dev/null
contains "the CSP lets scripts run from 'self' only" "$T/headers" "script-src 'self';"
contains "the overview loads live.js" "$T/body" '<script src="/jobs/live.js" defer>'
contains "the overview asks to be live" "$T/body" '<main data-live="5">'
get recurring >/dev/null
not_contains "a page that does not change is not live" "$T/body" 'data-live'

# --- charts and alerts ---------------------------------------------------
get "" >/dev/null
contains "each bar has a hover title" "$T/body" "<g class=\"bar\"><title>"
contains "the hour of the runs says what ran" "$T/body" "7 succeeded, 2 failed</title>"
contains "the y-axis has round values" "$T/body" 'text-anchor="end">5</text>'
contains "hours have ticks" "$T/body" '<line class="tick"'
contains "a long-running alert of a run that ended is over" "$T/body" \
	'<li class="resolved"><time'
contains "and worded as the past" "$T/body" 'ran longer than 10 min'

# --- local time with the zone --------------------------------------------
get "job/$DEAD" >/dev/null
contains "the page names its zone once" "$T/body" "Times in Europe/Prague (UTC+01:00)"
contains "02:30 UTC shows as 03:30 in Prague" "$T/body" ">2026-11-30 03:30</time>"
contains "the UTC time stays in the title" "$T/body" 'title="2026-11-30T02:30:00.000Z"'

# --- the server page ------------------------------------------------------
get box >/dev/null
contains "the server page shows the daemon's pid" "$T/body" "<dd id=\"pid\">$DAEMON_PID</dd>"
contains "the server page shows the version" "$T/body" "<dd id=\"version\">0.1.0</dd>"
contains "the server page shows the leader" "$T/body" "leader: runs the schedules"
contains "the server page shows the database size" "$T/body" '<dd id="db-size">'
contains "without a backup it says so in red" "$T/body" '<span class="error">no backup yet</span>'
contains "the last delivery failed" "$T/body" 'last delivery failed'
contains "the next fires are listed" "$T/body" '<ul class="fires" id="fires"><li>'
mkdir -p "$T/no-backups"
STAMP=$(date -u -d '1 hour ago' +%Y%m%dT%H%M%SZ)
head -c 2000 /dev/zero >"$T/no-backups/domecek-$STAMP.db"
get box >/dev/null
contains "a fresh backup is shown, not in red" "$T/body" '<dd id="backup"><span class="ok">'
contains "with its size" "$T/body" '2.0 kB'

# --- jumping to a job -----------------------------------------------------
get "find?id=$DEAD" >/dev/null
contains "a job number opens its page" "$T/headers" "Location: /jobs/job/$DEAD"
for id in 999999 abc -1 ""; do
	get "find?id=$id" >/dev/null
	contains "job number '$id' says there is none" "$T/headers" "Location: /jobs/queue?msg=nojob"
done

# --- bulk actions ---------------------------------------------------------
[ "$(get "bulk?action=nope")" = 404 ] && ok "an unknown bulk action is 404" ||
	not_ok "an unknown bulk action is 404"
[ "$(get "bulk?action=retry-dead")" = 404 ] && ok "retrying dead jobs needs a type" ||
	not_ok "retrying dead jobs needs a type"
[ "$(get "bulk?action=retry-dead&type=noop")" = 200 ] && ok "the confirmation page is shown" ||
	not_ok "the confirmation page is shown"
contains "it says how many" "$T/body" "Retry 2 dead jobs?"
CSRF=$(csrf_from "$T/body")
code() { curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -b "$T/cookies" "$@"; }
[ "$(code --data "type=noop" "$URL/jobs/bulk/retry-dead")" = 403 ] &&
	ok "bulk retry without the CSRF token is 403" || not_ok "bulk retry without the CSRF token is 403"
[ "$(sql "SELECT count(*) FROM jobs WHERE state = 'dead'")" = 3 ] &&
	ok "and changes nothing" || not_ok "and changes nothing"
[ "$(code --data "csrf=$CSRF&type=noop" "$URL/jobs/bulk/nope")" = 404 ] &&
	ok "an unknown bulk action posted is 404" || not_ok "an unknown bulk action posted is 404"
[ "$(code --data "csrf=$CSRF&type=" "$URL/jobs/bulk/retry-dead")" = 404 ] &&
	ok "a bulk retry without a type is refused" || not_ok "a bulk retry without a type is refused"
[ "$(code --data "csrf=$CSRF&type=noop" "$URL/jobs/bulk/retry-dead")" = 303 ] &&
	ok "bulk retry with the token goes through" || not_ok "bulk retry with the token goes through"
contains "and says how many" "$T/headers" "msg=bulkretried&n=2"
[ "$(sql "SELECT group_concat(state) FROM jobs WHERE type = 'send_email'")" = dead ] &&
	ok "other types are left alone" || not_ok "other types are left alone"

# One click handles at most 500 jobs and says that more remain.
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 501)
     INSERT INTO jobs (type, state, payload, attempts, max_attempts, finished_at)
     SELECT 'noop', 'dead', '{}', 3, 3, '2026-11-30T02:30:00.000Z' FROM n;"
[ "$(code --data "csrf=$CSRF&type=noop" "$URL/jobs/bulk/retry-dead")" = 303 ] &&
	ok "a bulk retry of 501 jobs goes through" || not_ok "a bulk retry of 501 jobs goes through"
contains "it retries 500 and says more remain" "$T/headers" "msg=bulkretried&n=500&more=1"
[ "$(sql "SELECT count(*) FROM jobs WHERE state = 'dead' AND type = 'noop'")" = 1 ] &&
	ok "one is left for the next click" || not_ok "one is left for the next click"
get "queue?state=enqueued&msg=bulkretried&n=500&more=1" >/dev/null
contains "the notice says so" "$T/body" "500 jobs are back in the queue. More remain: run it again."

# --- last run, as the CLI has it --------------------------------------------
get recurring >/dev/null
contains "the recurring page has the durations' sparkline" "$T/body" '<svg class="spark"'
contains "the recurring page's last run is the run by hand" "$T/body" "/jobs/job/$RUN_ID\">#$RUN_ID</a>"
not_contains "no page used a text missing from the catalogue" "$T/daemon.log" dashboard.untranslated
