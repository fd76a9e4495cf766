#!/usr/bin/env bash
# http_limits.sh - the HTTP side under abuse, with real sockets on
# loopback: silent connections by the hundred (issue 15: 64 of them used
# to stop HTTP for good), a dashboard flooded with requests in progress,
# and HTTP/1.1 framing (pipelining, Content-Length with
# Transfer-Encoding, bodies past the cap refused on the header).
# The health monitor must be answered within 1 s throughout.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/http_lib.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
FLOOD="$HERE/http_flood.py" RAW="$HERE/http_raw.py"
setup

jobs_bin migrate >/dev/null
PORT=$(free_port)
check "daemon serves HTTP with a 2 s idle timeout" start_daemon "$PORT" Http__IdleTimeoutSeconds=2

# flood NAME ARGS...: the monitor was answered every time, and every
# held connection had been closed by the server when the hold ended.
flood() {
	local name=$1 summary held closed
	shift
	if "$PY" "$FLOOD" "$PORT" "$@" >"$T/flood.out" 2>&1; then
		summary=$(tail -n 1 "$T/flood.out")
		held=$(echo "$summary" | sed 's/.* held=\([0-9]*\).*/\1/')
		closed=$(echo "$summary" | sed 's/.* server_closed=\([0-9]*\).*/\1/')
		if [ "$held" = "$closed" ]; then ok "$name"; else
			not_ok "$name" "the idle timeout left connections open: $summary"
		fi
	else
		not_ok "$name" "$(tail -n 5 "$T/flood.out")"
	fi
}

# --- 200 silent connections, held past the timeout, 5 times ----------------
for run in 1 2 3 4 5; do
	# A device of its own, the monitor's own address, and thirteen devices
	# (past the limit of all connections, not only one client's).
	case $run in
	2 | 4) from=127.0.0.1 ;;
	3) from=$(seq -s, -f '127.0.0.%g' 2 14) ;;
	*) from=127.0.0.2 ;;
	esac
	flood "run $run: health answered while 200 silent connections from ${from%%,*}${from//[^,]/+} were held 3 s and closed at once" \
		200 3 fast "$from"
	flood "run $run: health answered while 200 silent connections from ${from%%,*}${from//[^,]/+} were held 3 s and closed one by one" \
		200 3 slow "$from"
done
[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/jobs")" = 200 ] &&
	ok "health is 200 after the floods" || not_ok "health is 200 after the floods"
[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/jobs/login")" = 200 ] &&
	ok "the dashboard answers after the floods" || not_ok "the dashboard answers after the floods"

# --- requests in progress fill every connection -------------------------------
# POSTs from five addresses each send half a body and wait: 64 of them
# fill the connections; the monitor still has a reserve of its own.
flood "health answered while 64 dashboard requests in progress were held" \
	64 3 fast 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 post
FLOOD_READY="$T/ready" "$PY" "$FLOOD" "$PORT" 72 2 fast \
	127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6 post >"$T/flood.out" 2>&1 &
FLOOD_PID=$!
track_pid "$FLOOD_PID"
for i in $(seq 1 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/jobs/login")
[ "$code" = 503 ] && ok "with every connection busy, a dashboard page gets 503 from the reserve" ||
	not_ok "with every connection busy, a dashboard page gets 503 from the reserve" "got $code"
wait "$FLOOD_PID"
check "... while the monitor was answered" grep -q "failed=0" "$T/flood.out"

# --- HTTP/1.1 on one connection -----------------------------------------------
"$PY" "$RAW" "$PORT" pipelined >"$T/raw"
check "a pipelined second request is answered too" test "$(grep -c '^HTTP/1.1 200' "$T/raw")" = 2
"$PY" "$RAW" "$PORT" cl_te >"$T/raw"
contains "Content-Length with Transfer-Encoding is refused (400)" "$T/raw" "HTTP/1.1 400"
contains "... and the connection is closed (RFC 9112 6.3)" "$T/raw" "EOF"
"$PY" "$RAW" "$PORT" huge_header >"$T/raw"
contains "a 100 MB Content-Length gets 413 before any of the body is sent" "$T/raw" "HTTP/1.1 413"
contains "... and the connection is closed" "$T/raw" "EOF"
"$PY" "$RAW" "$PORT" huge_chunk >"$T/raw"
contains "a chunked body past the cap is not read to its end (closed)" "$T/raw" "EOF"
not_contains "... and is not answered as if it were whole" "$T/raw" "HTTP/1.1 200"
