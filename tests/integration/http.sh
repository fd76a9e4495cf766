#!/usr/bin/env bash
# http.sh - the daemon's HTTP server with curl: login and its limits,
# CSRF, escaping, /health/jobs, /metrics (promtool), /exports links,
# the Slack alert, and a port that is taken.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/http_lib.bash"
setup

PASSWORD=correct-horse-battery
SIGNING_KEY=0123456789abcdef0123456789abcdef0123456789abcdef
export Links__SigningKey=$SIGNING_KEY Storage__Local__Root="$T/storage"

jobs_bin migrate >/dev/null
check "passwd reads the new password from stdin" \
	bash -c "echo '$PASSWORD' | '$BIN' --db '$T/domecek.db' passwd"
expect_exit 2 "passwd refuses a short password" bash -c "echo short | '$BIN' --db '$T/domecek.db' passwd"

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
check "daemon serves HTTP on the chosen port" start_daemon "$PORT"

code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }

# --- health and metrics ---------------------------------------------------
[ "$(code "$URL/health/jobs")" = 200 ] && ok "health is 200 on a fresh daemon" ||
	not_ok "health is 200 on a fresh daemon" "$(cat "$T/body")"
contains "health lists its checks" "$T/body" '"name":"database_writable","ok":true'

curl -s "$URL/metrics" >"$T/metrics.txt"
if ! command -v promtool >/dev/null; then
	not_ok "promtool is installed (Debian package prometheus; tools/install-deps)"
else
	check "metrics pass promtool check metrics" bash -c "promtool check metrics <'$T/metrics.txt'"
fi
contains "metrics have the queue gauge" "$T/metrics.txt" 'job_queue_length{state="enqueued"}'
contains "metrics have process start time" "$T/metrics.txt" 'process_start_time_seconds '

# --- authentication -------------------------------------------------------
[ "$(code "$URL/jobs/")" = 303 ] && ok "dashboard without login redirects" ||
	not_ok "dashboard without login redirects"
curl -s -o /dev/null -D "$T/headers" "$URL/jobs/queue"
contains "redirect goes to the login page" "$T/headers" "Location: /jobs/login"
[ "$(code -X POST "$URL/jobs/job/1/retry")" = 401 ] && ok "action without login is 401" ||
	not_ok "action without login is 401"
[ "$(login wrong-password)" = 401 ] && ok "wrong password is refused (401)" ||
	not_ok "wrong password is refused (401)"
contains "wrong password says so" "$T/login-answer.html" "Špatné heslo"
[ "$(code -X POST -b "$T/cookies" --data "password=$PASSWORD" "$URL/jobs/login")" = 403 ] &&
	ok "login without its form token is 403" || not_ok "login without its form token is 403"
[ "$(login "$PASSWORD")" = 303 ] && ok "right password logs in (303)" ||
	not_ok "right password logs in (303)" "$(tail -n 3 "$T/daemon.log")"
check "session cookie is HttpOnly" grep -q '#HttpOnly_127.0.0.1.*dj_session' "$T/cookies"
curl -s -D "$T/headers" -o /dev/null "$URL/jobs/login"
contains "cookies are SameSite=Strict" "$T/headers" "SameSite=Strict"
[ "$(code -b "$T/cookies" "$URL/jobs/")" = 200 ] && ok "overview is shown after login" ||
	not_ok "overview is shown after login"
contains "overview has the hourly chart as SVG" "$T/body" "<svg viewBox"

# --- escaping and CSRF ----------------------------------------------------
sql "INSERT INTO jobs (type, state, payload, attempts, last_error, finished_at)
     VALUES ('noop', 'dead', '{\"steps\":1,\"note\":\"<img src=x onerror=alert(2)>\"}', 3,
             '<script>alert(\"xss\")</script> & \"quotes\"', strftime('%Y-%m-%dT%H:%M:%fZ','now'));"
JOB=$(sql "SELECT max(id) FROM jobs")
code -b "$T/cookies" "$URL/jobs/job/$JOB" >/dev/null
contains "job error is shown escaped" "$T/body" '&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt; &amp;'
not_contains "no raw script tag from the error" "$T/body" '<script>alert'
contains "payload is shown escaped" "$T/body" '&lt;img src=x onerror=alert(2)&gt;'
not_contains "no raw img tag from the payload" "$T/body" '<img src=x'
code -b "$T/cookies" "$URL/jobs/queue?state=dead" >/dev/null
not_contains "queue list escapes the error too" "$T/body" '<script>alert'

CSRF=$(csrf_from "$T/body")
[ "$(code -b "$T/cookies" -X POST "$URL/jobs/job/$JOB/retry")" = 403 ] &&
	ok "POST without CSRF token is 403" || not_ok "POST without CSRF token is 403"
[ "$(code -b "$T/cookies" --data "csrf=${CSRF}x" "$URL/jobs/job/$JOB/retry")" = 403 ] &&
	ok "POST with a wrong CSRF token is 403" || not_ok "POST with a wrong CSRF token is 403"
check "refused retry changed nothing" test "$(sql "SELECT state FROM jobs WHERE id=$JOB")" = dead
[ "$(code -b "$T/cookies" --data "csrf=$CSRF" "$URL/jobs/job/$JOB/retry")" = 303 ] &&
	ok "POST with the CSRF token retries (303)" || not_ok "POST with the CSRF token retries (303)"
for i in $(seq 1 100); do
	[ "$(sql "SELECT state FROM jobs WHERE id=$JOB")" = succeeded ] && break
	sleep 0.1
done
check "retried job succeeded" test "$(sql "SELECT state FROM jobs WHERE id=$JOB")" = succeeded
for page in recurring history "queue?state=succeeded" "queue?state=dead&page=2"; do
	[ "$(code -b "$T/cookies" "$URL/jobs/$page")" = 200 ] && ok "page $page is 200" ||
		not_ok "page $page is 200"
done
[ "$(code -b "$T/cookies" "$URL/jobs/job/999999")" = 404 ] && ok "unknown job is 404" ||
	not_ok "unknown job is 404"

# --- a stuck job makes health degraded, not 503 (http_health.sh has more) ----
sql "INSERT INTO jobs (type, state, attempts, started_at)
     VALUES ('noop', 'processing', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 hours'));"
STUCK=$(sql "SELECT max(id) FROM jobs")
[ "$(code "$URL/health/jobs")" = 200 ] && ok "health is 200 (degraded) with a stuck job" ||
	not_ok "health is 200 (degraded) with a stuck job" "$(cat "$T/body")"
contains "health names the stuck job" "$T/body" "#$STUCK"
sql "DELETE FROM jobs WHERE id = $STUCK"
code "$URL/health/jobs" >/dev/null
contains "health is healthy again" "$T/body" '"status":"healthy"'

# --- signed export links ----------------------------------------------------
mkdir -p "$T/storage/exports/42"
head -c 5000 /dev/urandom >"$T/storage/exports/42/export_test.zip"
token() { # key expiry_ms [signing key]
	"$PY" - "$1" "$2" "${3:-$SIGNING_KEY}" <<'PY'
import base64, hashlib, hmac, sys
key, expiry, secret = sys.argv[1], sys.argv[2], sys.argv[3]
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
mac = hmac.new(secret.encode(), (key + "\n" + expiry).encode(), hashlib.sha256).digest()
print(b64(key.encode()) + "." + expiry + "." + b64(mac))
PY
}
NOW_MS=$(($(date +%s) * 1000))
GOOD=$(token exports/42/export_test.zip $((NOW_MS + 3600000)))
curl -s -D "$T/headers" -o "$T/download" "$URL/exports/$GOOD"
check "valid link downloads the file" cmp "$T/download" "$T/storage/exports/42/export_test.zip"
contains "download is an attachment" "$T/headers" 'Content-Disposition: attachment; filename="export_test.zip"'
contains "download has its length" "$T/headers" "Content-Length: 5000"
CHANGED=$(echo "$GOOD" | sed 's/\.\([0-9]*\)\./.\19./')
[ "$(code "$URL/exports/$CHANGED")" = 403 ] && ok "changed link is 403" || not_ok "changed link is 403"
[ "$(code "$URL/exports/$(token exports/42/export_test.zip $((NOW_MS - 1000)))")" = 410 ] &&
	ok "expired link is 410" || not_ok "expired link is 410"
[ "$(code "$URL/exports/$(token exports/42/export_test.zip $((NOW_MS + 3600000)) \
	fedcba9876543210fedcba9876543210fedcba9876543210)")" = 403 ] &&
	ok "link signed with another key is 403" || not_ok "link signed with another key is 403"
contains "403 does not say which check failed" "$T/body" "invalid download link"

# --- a taken port stops the start -------------------------------------------
expect_exit 1 "second daemon on a taken port fails" \
	env Http__Listen="127.0.0.1:$PORT" "$BIN" --db "$T/other.db" run
contains "the error names Http.Listen" "$T/out" "Http.Listen"

# --- login rate limit (last: it locks this client out for a minute) ----------
for i in 1 2 3 4 5 6; do last=$(login wrong-password); done
[ "$last" = 429 ] && ok "sixth login attempt in a minute is 429" ||
	not_ok "sixth login attempt in a minute is 429" "got $last"

# --- queue alert to a loopback Slack webhook ---------------------------------
HOOK_PORT=$(free_port)
"$PY" - "$HOOK_PORT" "$T/hook.txt" <<'PY' &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(out, "ab") as f:
            f.write(body + b"\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
track_pid $!
for i in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$HOOK_PORT/" && break; sleep 0.1; done
kill "$DAEMON_PID" && wait "$DAEMON_PID" 2>/dev/null
sql "INSERT INTO jobs (type, state, run_at) SELECT 'noop', 'enqueued',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day') FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);"
check "daemon restarts with a webhook configured" start_daemon "$PORT" \
	Alerts__QueueLengthThreshold=3 Alerts__SlackWebhookUrl="http://127.0.0.1:$HOOK_PORT/hook"
for i in $(seq 1 100); do [ -s "$T/hook.txt" ] && break; sleep 0.1; done
touch "$T/hook.txt"
contains "webhook got the queue alert" "$T/hook.txt" '{"text":"domecek-jobs: 3 jobs are waiting'
check "the alert is in the alerts table" \
	test "$(sql "SELECT count(*) FROM alerts WHERE kind = 'queue_length'")" = 1
code -b "$T/cookies" "$URL/jobs/" >/dev/null
check "webhook was called once" test "$(wc -l <"$T/hook.txt")" = 1
