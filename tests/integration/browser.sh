#!/usr/bin/env bash
# browser.sh - the dashboard in headless Chromium (WebDriver through
# chromedriver, driven by tests/integration/webdriver.py): log in, see a
# seeded dead job, click Retry, see it succeed. The screenshot is copied
# to $BUILD/screenshots/ (BUILD is set by tests/run).
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
sql "INSERT INTO jobs (type, state, payload, attempts, last_error, finished_at)
     VALUES ('noop', 'dead', '{\"steps\":1}', 3, 'seeded failure <b>not bold</b>',
             strftime('%Y-%m-%dT%H:%M:%fZ','now'));"
JOB=$(sql "SELECT max(id) FROM jobs")

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
check "daemon serves the dashboard" start_daemon "$PORT" Dashboard__Language=en

DRIVER_PORT=$(free_port)
chromedriver --port="$DRIVER_PORT" >"$T/chromedriver.log" 2>&1 &
track_pid $!
for i in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$DRIVER_PORT/status" && break
	sleep 0.1
done

mkdir -p "$T/profile"
"$PY" "$HERE/webdriver.py" "http://127.0.0.1:$DRIVER_PORT" "$URL" "$PASSWORD" "$JOB" \
	"$T/dashboard.png" "$T/profile" || echo "# chromedriver: $(tail -n 3 "$T/chromedriver.log")"
if [ -s "$T/dashboard.png" ]; then
	mkdir -p "$ROOT/${BUILD:-build}/screenshots"
	cp "$T/dashboard.png" "$ROOT/${BUILD:-build}/screenshots/dashboard-job.png"
fi
check "job is succeeded in the database" test "$(sql "SELECT state FROM jobs WHERE id=$JOB")" = succeeded
