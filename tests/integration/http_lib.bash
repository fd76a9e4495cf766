# Helpers for tests that talk HTTP to a running daemon (http.sh, browser.sh).
#   free_port                 prints a free loopback TCP port
#   start_daemon PORT [ENV..] starts `run` with HTTP on PORT, waits until it answers
#   csrf_from FILE            the csrf hidden field's value in an HTML file
#   login PASSWORD            logs in with curl's cookie jar $T/cookies
PY=/usr/bin/python3

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits (up to 20 s) for /health/jobs to answer at all: a daemon is up.
wait_http() {
	local port=$1 i
	for i in $(seq 1 200); do
		curl -s -o /dev/null "http://127.0.0.1:$port/health/jobs" && return 0
		sleep 0.1
	done
	return 1
}

start_daemon() {
	local port=$1
	shift
	env "$@" Http__Listen="127.0.0.1:$port" "$BIN" --db "$T/domecek.db" run \
		>>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	track_pid "$DAEMON_PID"
	wait_http "$port"
}

csrf_from() {
	grep -o 'name="csrf" value="[^"]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'
}

login() {
	curl -s -c "$T/cookies" -b "$T/cookies" "$URL/jobs/login" >"$T/login.html"
	curl -s -o "$T/login-answer.html" -w '%{http_code}' -c "$T/cookies" -b "$T/cookies" \
		--data-urlencode "csrf=$(csrf_from "$T/login.html")" \
		--data-urlencode "password=$1" "$URL/jobs/login"
}
