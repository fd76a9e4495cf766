#!/usr/bin/env bash
# http_security.sh - the smaller security points of issue 15: a POST from
# another site is refused by its Origin or Sec-Fetch-Site even with a
# valid token; the login limit counts failures only and believes
# X-Forwarded-For only from Http.TrustedProxies; the database and its
# -wal and -shm files are created 0600.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/http_lib.bash"
setup
umask 022 # what `make run` has: files would be 0644 unless made private

PASSWORD=correct-horse-battery
jobs_bin migrate >/dev/null
check "the new database is 0600" test "$(stat -c %a "$T/domecek.db")" = 600
echo "$PASSWORD" | jobs_bin passwd >/dev/null 2>&1
expect_exit 2 "a Http.TrustedProxies entry that is not an address is refused" \
	env Http__TrustedProxies=proxy.lan "$BIN" --db "$T/domecek.db" status
contains "... naming the key and the entry" "$T/out" "Http.TrustedProxies: 'proxy.lan' is not an IP address"

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
check "daemon starts behind a trusted proxy at 127.0.0.1" start_daemon "$PORT" Http__TrustedProxies=127.0.0.1
check "the -wal file is 0600" test "$(stat -c %a "$T/domecek.db-wal")" = 600
check "the -shm file is 0600" test "$(stat -c %a "$T/domecek.db-shm")" = 600

# try_login XFF PASSWORD: the status of one login through the "proxy".
try_login() {
	local jar="$T/jar-$1"
	curl -s -c "$jar" -b "$jar" -H "X-Forwarded-For: $1" "$URL/jobs/login" >"$T/login.html"
	curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" -H "X-Forwarded-For: $1" \
		--data-urlencode "csrf=$(csrf_from "$T/login.html")" \
		--data-urlencode "password=$2" "$URL/jobs/login"
}

# --- the login limit counts failures only -------------------------------------
for i in 1 2 3 4 5 6 7 8; do last=$(try_login 10.0.0.7 "$PASSWORD"); done
[ "$last" = 303 ] && ok "eight good logins in a minute are all let in (successes do not count)" ||
	not_ok "eight good logins in a minute are all let in (successes do not count)" "got $last"
for i in 1 2 3 4 5; do try_login 10.0.0.1 wrong >/dev/null; done
last=$(try_login 10.0.0.1 wrong)
[ "$last" = 429 ] && ok "the sixth failure in a minute is 429" || not_ok "the sixth failure in a minute is 429" "got $last"
last=$(try_login 10.0.0.1 "$PASSWORD")
[ "$last" = 429 ] && ok "... and the right password is refused too while locked" ||
	not_ok "... and the right password is refused too while locked" "got $last"
last=$(try_login 10.0.0.2 "$PASSWORD")
[ "$last" = 303 ] && ok "another client behind the same proxy is not locked out" ||
	not_ok "another client behind the same proxy is not locked out" "got $last"
last=$(try_login "10.0.0.2, 10.0.0.1" wrong)
[ "$last" = 429 ] && ok "a forged left entry of X-Forwarded-For does not escape the limit" ||
	not_ok "a forged left entry of X-Forwarded-For does not escape the limit" "got $last"

# --- Origin and Sec-Fetch-Site beside the CSRF token -----------------------------
try_login 10.0.0.3 "$PASSWORD" >/dev/null
JAR="$T/jar-10.0.0.3"
curl -s -b "$JAR" -H "X-Forwarded-For: 10.0.0.3" "$URL/jobs/queue" >"$T/page.html"
CSRF=$(csrf_from "$T/page.html")
sql "INSERT INTO jobs (type, state, payload, attempts, finished_at)
     VALUES ('noop', 'dead', '{}', 3, strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
JOB=$(sql "SELECT max(id) FROM jobs")
post() { # extra curl arguments...
	curl -s -o "$T/answer" -w '%{http_code}' -b "$JAR" -H "X-Forwarded-For: 10.0.0.3" \
		--data-urlencode "csrf=$CSRF" "$@" "$URL/jobs/job/$JOB/retry"
}
[ "$(post -H "Origin: http://evil.example")" = 403 ] &&
	ok "a POST with the token but Origin of another site is 403" ||
	not_ok "a POST with the token but Origin of another site is 403"
[ "$(post -H "Origin: null")" = 403 ] && ok "a POST with Origin: null is 403" ||
	not_ok "a POST with Origin: null is 403"
[ "$(post -H "Sec-Fetch-Site: cross-site")" = 403 ] &&
	ok "a POST with the token but Sec-Fetch-Site: cross-site is 403" ||
	not_ok "a POST with the token but Sec-Fetch-Site: cross-site is 403"
[ "$(post -H "Sec-Fetch-Site: same-site")" = 403 ] &&
	ok "a POST from a sibling site (same-site) is 403" || not_ok "a POST from a sibling site (same-site) is 403"
contains "... saying why" "$T/answer" "sent from another site"
check "the refused POSTs changed nothing" test "$(sql "SELECT state FROM jobs WHERE id=$JOB")" = dead
[ "$(post -H "Origin: http://evil.example" -H "Sec-Fetch-Site: same-site")" = 403 ] &&
	ok "Sec-Fetch-Site decides when present (same-site with a foreign Origin: 403)" ||
	not_ok "Sec-Fetch-Site decides when present (same-site with a foreign Origin: 403)"
curl -s -D "$T/headers" -o /dev/null "$URL/jobs/login"
contains "pages ask browsers to send their origin to us only (Referrer-Policy: same-origin)" \
	"$T/headers" "Referrer-Policy: same-origin"
[ "$(post -H "Origin: http://127.0.0.1:$PORT")" = 303 ] &&
	ok "a POST from the dashboard's own origin is let through (303)" ||
	not_ok "a POST from the dashboard's own origin is let through (303)" "$(cat "$T/answer")"

# --- without a trusted proxy, X-Forwarded-For is ignored ---------------------------
kill "$DAEMON_PID" && wait "$DAEMON_PID" 2>/dev/null
check "daemon restarts with no trusted proxy" start_daemon "$PORT"
for i in 1 2 3 4 5; do try_login "10.9.0.$i" wrong >/dev/null; done
last=$(try_login 10.9.0.99 wrong)
[ "$last" = 429 ] && ok "X-Forwarded-For from an untrusted peer does not make new clients" ||
	not_ok "X-Forwarded-For from an untrusted peer does not make new clients" "got $last"
