#!/usr/bin/env bash
# http_alerts.sh - alerts get out when email is broken (issue 15): SMTP is
# down, send_email jobs fail three times in a row, and the failure alert
# goes to the Slack webhook as well as to the (failing) email, while
# /health/jobs shows it open for a monitor.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/http_lib.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
setup

jobs_bin migrate >/dev/null
mkdir -p "$T/hook"
"$PY" "$HERE/http_receiver.py" --dir "$T/hook" --ready-file "$T/hook.ready" >"$T/hook.log" 2>&1 &
track_pid $!
for i in $(seq 100); do [ -s "$T/hook.ready" ] && break; sleep 0.05; done
HOOK_PORT=$(cat "$T/hook.ready")
SMTP_PORT=$(free_port) # nothing listens there: SMTP is down

for i in 1 2 3; do
	jobs_bin enqueue send_email --payload '{"to": "petr@example.cz", "subject": "Ahoj", "text": "Dobrý den"}' >/dev/null
done
PORT=$(free_port)
check "daemon starts with SMTP down, an admin email and a webhook" start_daemon "$PORT" \
	Email__Provider=SMTP Email__Smtp__Host=127.0.0.1 Email__Smtp__Port="$SMTP_PORT" \
	Email__Smtp__Security=None Email__Smtp__TimeoutSeconds=2 Email__RetryDelaySeconds=600 \
	Alerts__AdminEmail=admin@example.com Alerts__ConsecutiveFailures=3 \
	Alerts__SlackWebhookUrl="http://127.0.0.1:$HOOK_PORT/hook"
for i in $(seq 1 200); do
	grep -qs "send_email failed 3 times in a row" "$T"/hook/*.request && break
	sleep 0.1
done
check "the email failure alert reached the webhook" grep -qs "send_email failed 3 times in a row" "$T"/hook/*.request
check "... once" test "$(grep -ls "send_email failed" "$T"/hook/*.request | wc -l)" = 1
check "... and was also sent as email (a send_email job to the admin)" \
	test "$(sql "SELECT count(*) FROM jobs WHERE json_extract(payload, '$.to') = 'admin@example.com'
	             AND json_extract(payload, '$.template') = 'job_failed_alert'")" = 1
curl -s "http://127.0.0.1:$PORT/health/jobs" >"$T/health"
contains "health shows the open alert" "$T/health" '"name":"alerts","ok":false,"detail":"open alert: send_email'
contains "... as degraded" "$T/health" '"status":"degraded"'

# Without a webhook, an email failure alert is logged as undeliverable.
kill "$DAEMON_PID" && wait "$DAEMON_PID" 2>/dev/null
sql "DELETE FROM alerts; DELETE FROM jobs"
for i in 1 2 3; do
	jobs_bin enqueue send_email --payload '{"to": "petr@example.cz", "subject": "Ahoj", "text": "Dobrý den"}' >/dev/null
done
check "daemon restarts without a webhook" start_daemon "$PORT" \
	Email__Provider=SMTP Email__Smtp__Host=127.0.0.1 Email__Smtp__Port="$SMTP_PORT" \
	Email__Smtp__Security=None Email__Smtp__TimeoutSeconds=2 Email__RetryDelaySeconds=600 \
	Alerts__AdminEmail=admin@example.com Alerts__ConsecutiveFailures=3
for i in $(seq 1 200); do grep -q "alert.undeliverable" "$T/daemon.log" && break; sleep 0.1; done
contains "an email failure alert with no webhook is logged as undeliverable" "$T/daemon.log" "alert.undeliverable"
contains "... naming the key to set" "$T/daemon.log" "set Alerts.SlackWebhookUrl"
