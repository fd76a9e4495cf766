# Operations: the recurring backup job (Keep, a sound copy with the same
# rows), sd_notify to a socket like systemd's (READY, STATUS, WATCHDOG,
# STOPPING; path and abstract names), backup and status while the daemon
# runs, restore refused then, and log lines for journald and in JSON.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.bash"
setup
export Http__Enabled=false
PY=/usr/bin/python3

wait_file() { # FILE TEXT TIMEOUT_S: an event, the bound only stops a hung test
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}
# start_receiver ADDRESS OUT: a datagram socket as systemd holds it
start_receiver() {
	"$PY" "$HERE/notify_receiver.py" "$1" "$2" &
	track_pid $!
	local deadline=$((SECONDS + 10))
	until [ -e "$2" ] || [ $SECONDS -ge $deadline ]; do sleep 0.02; done
}
same_rows() { # COPY TABLE: the copy has as many rows as the live file
	test "$(sqlite3 "$1" "SELECT count(*) FROM $2")" = "$(sql "SELECT count(*) FROM $2")"
}

check "migrate" jobs_bin migrate
check "demo" jobs_bin --now 2026-11-28T20:00:00Z demo

# 1. The recurring backup job, run twice with Keep=1
export Jobs__Backup__Path="$T/backups" Jobs__Backup__Keep=1
check "backup job runs" jobs_bin --now 2026-11-29T03:30:00Z run-job Backup
sed 's/^/# /' "$T/out"
contains "it reports pages and bytes" "$T/out" '"pages":'
check "backup job runs again a day later" jobs_bin --now 2026-11-30T03:30:00Z run-job backup
contains "it removed the older copy" "$T/out" '"removed":1'
check "Keep=1 keeps one copy, the newer" \
	test "$(ls backups)" = domecek-20261130T033000Z.db
copy=backups/domecek-20261130T033000Z.db
check "the copy passes integrity_check" test "$(sqlite3 "$copy" 'PRAGMA integrity_check')" = ok
check "the copy is one self-contained file" test "$(sqlite3 "$copy" 'PRAGMA journal_mode')" = delete
for table in users properties zaznamy zaznam_dokumenty activities notifications invitations; do
	check "the copy has the same $table rows" same_rows "$copy" "$table"
done
check "the copy is not readable by others" test "$(stat -c %a "$copy")" = 640
Jobs__Backup__Keep=2 jobs_bin --now 2026-12-01T03:30:00Z run-job Backup >/dev/null 2>&1
check "Keep=2 keeps two" test "$(ls backups | wc -l)" = 2
unset Jobs__Backup__Path Jobs__Backup__Keep

# 2. The daemon under a systemd-like notify socket, with a watchdog
start_receiver "$T/notify.sock" notify.log
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=200000 start_daemon a.log run
a=$DAEMON_PID
check "READY=1 with a leader STATUS" wait_file notify.log "READY=1|STATUS=leader" 10
check "WATCHDOG=1 pings come" wait_file notify.log "WATCHDOG=1" 10
check "status while it runs" jobs_bin status
contains "status names the daemon's pid" "$T/out" "running, pid $a"
contains "status shows the queue" "$T/out" "queue:"
contains "status shows the next fires" "$T/out" "Backup"
sql "INSERT INTO jobs (type, payload) VALUES ('noop', '{\"steps\": 3}')"
check "backup while the daemon runs" jobs_bin backup live-copy.db
check "that copy passes integrity_check" test "$(sqlite3 live-copy.db 'PRAGMA integrity_check')" = ok
check "that copy has every activity" same_rows live-copy.db activities
expect_exit 1 "restore is refused while the daemon runs" jobs_bin restore live-copy.db
contains "the refusal says why" "$T/out" "a daemon is running"

# A second daemon on an abstract socket: ready as a standby
start_receiver "@domecek-test-$$" notify-b.log
NOTIFY_SOCKET="@domecek-test-$$" start_daemon b.log run
b=$DAEMON_PID
check "the standby is READY=1 too, and says it waits" \
	wait_file notify-b.log "READY=1|STATUS=standby" 10
not_contains "the standby sends no watchdog pings (none asked)" notify-b.log WATCHDOG
kill -TERM "$a"
wait "$a"
check "SIGTERM exits 0" test $? -eq 0
contains "STOPPING=1 on SIGTERM" notify.log "STOPPING=1"
check "the standby takes over and says so" wait_file notify-b.log "READY=1|STATUS=leader" 10
kill -TERM "$b"
wait "$b"
check "restore works once the daemons are stopped" jobs_bin restore live-copy.db

# 3. Log lines: journald priorities, JSON
export Jobs__Backup__Path="$T/backups"
JOURNAL_STREAM=8:1234 jobs_bin --now 2026-12-02T03:30:00Z run-job Backup 2>journal.log >/dev/null
check "under journald an INFO line starts with <6>" grep -qE '^<6>2026-12-02T03:30:00.000Z INFO job.done job=backup' journal.log
echo "not a folder" > notadir
JOURNAL_STREAM=8:1234 Jobs__Backup__Path="$T/notadir" \
	jobs_bin --now 2026-12-03T03:30:00Z run-job Backup 2>journal-warn.log >/dev/null
check "a failed job's WARN line starts with <4>" grep -qE '^<4>.* WARN job.failed job=backup' journal-warn.log
contains "and names the key" journal-warn.log "Jobs.Backup.Path"
Logging__Format=json jobs_bin --now 2026-12-04T03:30:00Z run-job Backup 2>json.log >/dev/null
check "Logging.Format json: every line is a JSON object" \
	"$PY" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' json.log
check "with time, level, event and the counts" "$PY" -c '
import json, sys
line = json.loads(open(sys.argv[1]).readline())
assert line["level"] == "info" and line["event"] == "job.done", line
assert line["job"] == "backup" and int(line["pages"]) > 0, line
assert line["time"] == "2026-12-04T03:30:00.000Z", line' json.log
JOURNAL_STREAM=8:1234 Logging__Format=json jobs_bin --now 2026-12-05T03:30:00Z run-job Backup 2>jj.log >/dev/null
check "json under journald: <6> then the object" grep -qE '^<6>\{"time":' jj.log
jobs_bin --now 2026-12-06T03:30:00Z run-job Backup 2>plain.log >/dev/null
check "outside journald no prefix" grep -qE '^2026-12-06T03:30:00.000Z INFO job.done' plain.log
