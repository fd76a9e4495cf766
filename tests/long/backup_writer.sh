#!/usr/bin/env bash
# backup_writer.sh - backups finish while another process writes (issue
# 14, item 3). A 50 MB database; tests/long/writer.py commits 200
# transactions a second into it (started and stopped by pid). Under that
# writer both `backup DEST` and the Backup job (`run-job Backup`) finish
# (a 300 s timeout only guards against a hang; the time is printed, not
# asserted), and each copy passes integrity_check, is a self-contained
# file in rollback-journal mode that opens read-only, and holds every
# row the writer committed before the backup started.
# Run by `make test-long`.
. "$(dirname "$0")/../integration/lib.bash"
WRITER=$(cd "$(dirname "$0")" && pwd)/writer.py
setup
RATE=200
jobs_bin migrate >/dev/null
sql "CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 54000)
     INSERT INTO filler (data) SELECT randomblob(1000) FROM n;
     PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
mb=$(($(stat -c %s "$T/domecek.db") / 1048576))
check "the database is 50 MB or more ($mb MB)" test "$mb" -ge 50

/usr/bin/python3 "$WRITER" "$T/domecek.db" "$RATE" "$T/ready" >"$T/writer.out" 2>"$T/writer.err" &
WRITER_PID=$!
track_pid "$WRITER_PID"
for i in $(seq 1 100); do [ -f "$T/ready" ] && break; sleep 0.1; done
check "the writer is writing" test -f "$T/ready"
sleep 1

# copy_ok NAME FILE ROWS: the checks every copy must pass
copy_ok() {
	local name=$1 file=$2 rows=$3
	check "$name: integrity_check ok" test "$(sqlite3 -readonly "$file" 'PRAGMA integrity_check')" = ok
	check "$name: rollback-journal mode (self-contained)" \
		test "$(sqlite3 -readonly "$file" 'PRAGMA journal_mode')" = delete
	check "$name: no -wal or -journal beside it" test ! -e "$file-wal" -a ! -e "$file-journal"
	check "$name: opens read-only from a read-only copy" \
		sh -c "cp '$file' '$T/ro.db' && chmod 0444 '$T/ro.db' && sqlite3 -readonly '$T/ro.db' 'SELECT count(*) FROM jobs'"
	check "$name: holds all $rows rows committed before it started" \
		test "$(sqlite3 -readonly "$file" "SELECT count(*) FROM writer_log WHERE id <= $rows")" -eq "$rows"
	check "$name: no .tmp left" test -z "$(ls "$(dirname "$file")" | grep '\.tmp$')"
}

before=$(sql "SELECT max(id) FROM writer_log")
start=$(date +%s.%N)
check "backup under a $RATE tx/s writer finishes" timeout "${BACKUP_TIMEOUT:-300}" "$BIN" --db "$T/domecek.db" backup "$T/copy.db"
cli_s=$(echo "$(date +%s.%N) - $start" | bc)
copy_ok "backup" "$T/copy.db" "$before"

before=$(sql "SELECT max(id) FROM writer_log")
start=$(date +%s.%N)
check "the Backup job under a $RATE tx/s writer finishes" \
	timeout "${BACKUP_TIMEOUT:-300}" env Jobs__Backup__Path="$T/backups" "$BIN" --db "$T/domecek.db" run-job Backup
job_s=$(echo "$(date +%s.%N) - $start" | bc)
copy_ok "Backup job" "$(ls "$T"/backups/domecek-*.db | head -n 1)" "$before"

kill "$WRITER_PID"
wait "$WRITER_PID"
read -r commits rate <"$T/writer.out"
check "the writer kept writing throughout (rate $rate tx/s)" test "${rate%.*}" -ge 150
echo "# backup of a $mb MB database under a writer at $rate tx/s ($commits commits):" \
	"backup ${cli_s} s, Backup job ${job_s} s"
check "integrity_check of the live database" test "$(sql 'PRAGMA integrity_check')" = ok
