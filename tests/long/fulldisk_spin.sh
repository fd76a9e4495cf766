#!/usr/bin/env bash
# fulldisk_spin.sh - a full disk must not spin (issue 14, item 2). The
# database and the Maildir on a 20 MiB tmpfs (the test fails when tmpfs
# cannot be mounted: it must not pass without having filled a disk).
# Three emails are due in 3 s; the WAL is truncated and the disk filled.
# While it is full (FULL_SECONDS, 30): the daemon's CPU time (from
# /proc/PID/stat, not wall time) stays under 5 % of the window, its log
# grows by less than 4 KiB, /health/jobs is unhealthy with a
# database_full check, and the Slack webhook got one alert. After the
# filler is removed, work resumes (db.writable logged once), every email
# is delivered once, health is ok again and integrity_check passes.
# Run by `make test-long`.
. "$(dirname "$0")/../integration/lib.bash"
. "$(dirname "$0")/../integration/http_lib.bash"
HERE=$(cd "$(dirname "$0")/../integration" && pwd)
setup
FULL_SECONDS=${FULL_SECONDS:-30}
MOUNTED=
cleanup() {
	for pid in "${_pids[@]:-}"; do
		[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	_pids=()
	[ -n "$MOUNTED" ] && umount "$MOUNTED"
	teardown
}
trap cleanup EXIT

mkdir -p "$T/small" "$T/hook"
if mount -t tmpfs -o size=20m tmpfs "$T/small"; then
	MOUNTED=$T/small
	ok "a 20 MiB tmpfs is mounted"
else
	not_ok "a 20 MiB tmpfs is mounted" "mount -t tmpfs failed (needs root / CAP_SYS_ADMIN)"
	exit 1
fi
DB=$T/small/domecek.db
sql() { sqlite3 -batch "$DB" "$@"; }
/usr/bin/python3 "$HERE/http_receiver.py" --dir "$T/hook" --ready-file "$T/hook.ready" >"$T/hook.log" 2>&1 &
track_pid $!
for i in $(seq 100); do [ -s "$T/hook.ready" ] && break; sleep 0.05; done
HOOK_PORT=$(cat "$T/hook.ready")
PORT=$(free_port)

"$BIN" --db "$DB" migrate >/dev/null
Http__Listen="127.0.0.1:$PORT" Email__Maildir__Path="$T/small/mail" \
	Alerts__SlackWebhookUrl="http://127.0.0.1:$HOOK_PORT/hook" \
	"$BIN" --db "$DB" run >"$T/daemon.out" 2>"$T/daemon.log" &
PID=$!
track_pid "$PID"
check "the daemon answers HTTP" wait_http "$PORT"
due=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%S.000Z)
for k in 1 2 3; do
	"$BIN" --db "$DB" enqueue send_email --run-at "$due" \
		--payload "{\"to\":\"jana@example.cz\",\"subject\":\"full $k\",\"text\":\"x\"}" >/dev/null
done
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
dd if=/dev/zero of="$T/small/fill" bs=64k 2>/dev/null
check "the disk is full" test "$(df --output=avail "$T/small" | tail -n 1 | tr -d ' ')" -lt 64

wait_log() { # text, up to 20 s
	local i
	for i in $(seq 200); do grep -q "$1" "$T/daemon.log" && return 0; sleep 0.1; done
	return 1
}
check "the daemon notices and backs off (db.full)" wait_log "db.full"
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
b0=$(stat -c %s "$T/daemon.log")
sleep "$FULL_SECONDS"
t1=$(ticks)
b1=$(stat -c %s "$T/daemon.log")
cpu_ms=$(((t1 - t0) * 1000 / hz))
pct=$(echo "scale=2; $cpu_ms / ($FULL_SECONDS * 10)" | bc)
log_bytes=$((b1 - b0))
echo "# full for ${FULL_SECONDS} s: CPU ${cpu_ms} ms (${pct} %), log +${log_bytes} bytes"
check "CPU under 5 % while full (${pct} %)" test "$cpu_ms" -lt $((FULL_SECONDS * 50))
check "the log stays small (+${log_bytes} bytes in ${FULL_SECONDS} s)" test "$log_bytes" -lt 4096
check "db.full logged once" test "$(grep -c 'db.full' "$T/daemon.log")" -eq 1
curl -s "http://127.0.0.1:$PORT/health/jobs" >"$T/health"
contains "/health/jobs is unhealthy" "$T/health" '"status":"unhealthy"'
contains "with a database_full check" "$T/health" '"name":"database_full","ok":false'
check "the Slack webhook got the alert" grep -lq "cannot be written" "$T"/hook/*.request

freed=$(date +%s.%N)
rm -f "$T/small/fill"
check "work resumes after space is freed (db.writable)" wait_log "db.writable"
resumed=$(echo "$(date +%s.%N) - $freed" | bc)
echo "# resumed ${resumed} s after the filler was removed"
sent() { [ "$(sql "SELECT count(*) FROM jobs WHERE type = 'send_email' AND state = 'succeeded'")" -eq 3 ]; }
wait_sent() { local i; for i in $(seq 300); do sent && return 0; sleep 0.1; done; return 1; }
check "the three emails are sent" wait_sent
check "each delivered once" test "$(ls "$T/small/mail/new" | wc -l)" -eq 3
check "no attempt was spent on the full disk" \
	test "$(sql "SELECT max(attempts) FROM jobs WHERE type = 'send_email'")" -le 1
check "db.writable logged once" test "$(grep -c 'db.writable' "$T/daemon.log")" -eq 1
check "the webhook got the all-clear" grep -lq "can be written again" "$T"/hook/*.request
curl -s "http://127.0.0.1:$PORT/health/jobs" >"$T/health"
contains "health's database_full check is ok again" "$T/health" '"name":"database_full","ok":true'
kill "$PID" && wait "$PID"
check "the daemon stops cleanly" test $? -eq 0
check "integrity_check" test "$(sql 'PRAGMA integrity_check')" = ok
