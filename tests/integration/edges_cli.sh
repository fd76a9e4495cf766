#!/usr/bin/env bash
# edges_cli.sh - command-line edges found from outside (issue 17, items
# 18, 19, 22-24): schedules that never fire, the key named for a bad zone,
# enqueue --payload errors with a position, bad list/run-job arguments,
# global options after the command, and what the database commands say
# about a non-SQLite file, a directory, a read-only directory, and a
# restore of a damaged, foreign or locked database.
. "$(dirname "$0")/lib.bash"
setup
PY=/usr/bin/python3
jobs_bin migrate >/dev/null

# --- 18: a schedule that can never fire again ---------------------------------
expect_exit 2 "config check refuses a schedule in a past year" \
	env Jobs__Backup__CronSchedule='0 0 12 1 1 ? 2020' "$BIN" config check
contains "the refusal names the key and says never" "$T/out" \
	"Jobs.Backup.CronSchedule: '0 0 12 1 1 ? 2020' never fires again"
expect_exit 1 "cron next of a past year fails" "$BIN" cron next '0 0 12 1 1 ? 2020'
contains "cron next says there is no fire" "$T/out" "'0 0 12 1 1 ? 2020' has no fire after"
expect_exit 1 "cron next at the end of time fails" "$BIN" cron next '0 0 * * *' --from 9999-12-31T23:59:00Z
contains "it names the instant" "$T/out" "has no fire after 9999-12-31T23:59:00"
expect_exit 0 "cron next with fewer fires than asked prints them" \
	"$BIN" cron next '0 0 12 1 1 ? 2030-2031' --from 2029-01-01T00:00:00Z --count 5
check "both fires are printed" test "$(grep -c '^20[0-9][0-9]-' "$T/out")" = 2

# --- 19: the key of a bad zone -------------------------------------------------
expect_exit 2 "a bad Scheduler.TimeZone is refused" env Scheduler__TimeZone=Mars/Olympus "$BIN" config check
contains "the error names Scheduler.TimeZone" "$T/out" "Scheduler.TimeZone (used by Jobs."
not_contains "not a job's TimeZone key" "$T/out" "Jobs.DraftCleanup.TimeZone"
expect_exit 2 "a bad job TimeZone is refused" env Jobs__Backup__TimeZone=Mars/Olympus "$BIN" config check
contains "the error names the job's key" "$T/out" "Jobs.Backup.TimeZone"

# --- 22: enqueue --payload errors -------------------------------------------------
expect_exit 2 "broken --payload is refused" jobs_bin enqueue noop --payload $'{"steps":\n 1,,}'
contains "the error has line and column" "$T/out" "--payload:2:"
expect_exit 2 "--payload nested too deep is refused" jobs_bin enqueue noop --payload "$(printf '[%.0s' $(seq 600))"
contains "the error says nesting" "$T/out" "nested deeper than 512 levels"
expect_exit 2 "--payload with a control byte is refused" jobs_bin enqueue noop --payload $'{"a": x\x1b[2J}'
contains "it is shown escaped" "$T/out" '\x1b'
check "the control byte is not echoed raw" bash -c "! grep -q $'\x1b' '$T/out'"
expect_exit 2 "--payload that is not an object is refused" jobs_bin enqueue noop --payload '[1]'
check "nothing was enqueued" test "$(sql 'SELECT count(*) FROM jobs')" = 0

# --- 23: list and run-job arguments -----------------------------------------------
expect_exit 2 "jobs list --state bogus is a usage error" jobs_bin jobs list --state bogus
contains "it lists the states" "$T/out" "is not a job state (scheduled, enqueued"
expect_exit 2 "jobs list --limit -5 is a usage error" jobs_bin jobs list --limit -5
contains "it names the range" "$T/out" "--limit: -5 is out of range 1..1000000"
expect_exit 2 "run-job --stop-after-steps -1 is a usage error" jobs_bin run-job DraftCleanup --stop-after-steps -1
check "and leaves no job queued" test "$(sql 'SELECT count(*) FROM jobs')" = 0
expect_exit 0 "run-job NAME --now ISO runs (global options after the command)" \
	"$BIN" run-job DraftCleanup --db "$T/domecek.db" --now 2026-12-01T03:00:00Z
check "it ran at --now" test "$(sql "SELECT run_at FROM jobs WHERE type = 'draft_cleanup'")" = 2026-12-01T03:00:00.000Z
expect_exit 2 "a bad --now after the command is refused" jobs_bin run-job DraftCleanup --now yesterday

# --- 24: database errors ------------------------------------------------------------
echo "this is not sqlite, just some text that is long enough to be a header......." >notadb.db
expect_exit 1 "run on a file that is not SQLite exits 1" "$BIN" --db notadb.db run --once
contains "and says what it is" "$T/out" "is not a SQLite database"
mkdir adir.db
expect_exit 1 "a directory as --db is refused" "$BIN" --db adir.db status
contains "it says it is a directory" "$T/out" "adir.db is a directory, not a database file"
not_contains "not a disk I/O error" "$T/out" "disk I/O error"
# The database is created 0600; here another user must be able to read it.
mkdir ro && "$BIN" --db ro/x.db migrate >/dev/null && chmod 644 ro/x.db && chmod 555 ro && chmod 711 "$T"
if [ "$(id -u)" = 0 ]; then as_other=(setpriv --reuid=nobody --regid=nogroup --clear-groups); else as_other=(); fi
expect_exit 1 "status in a read-only directory fails" "${as_other[@]}" "$BIN" --db "$T/ro/x.db" status
contains "it explains the read-only directory" "$T/out" "may not write the file or its directory"
not_contains "not SQLite's raw words" "$T/out" "attempt to write a readonly database"
chmod 755 ro

# restore: a damaged file, a foreign one, a lock held by another program
cp domecek.db damaged.db
sqlite3 damaged.db "INSERT INTO exports (storage_key, user_id, format, size_bytes, created_at, expires_at) VALUES
  ('exports/a/1.zip', 'a', 'zip', 1, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'),
  ('exports/a/2.zip', 'a', 'zip', 1, '2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.000Z');
  PRAGMA writable_schema=ON;
  UPDATE sqlite_master SET sql='CREATE INDEX exports_expires_at ON exports (user_id)' WHERE name='exports_expires_at';"
expect_exit 1 "restore of a damaged file fails" jobs_bin restore damaged.db
contains "it counts the problems" "$T/out" "is damaged: the integrity check found 2 problems"
contains "and gives the first" "$T/out" "; the first: row 1 missing from index exports_expires_at"
check "the report is one line" test "$(wc -l <"$T/out")" = 1
sqlite3 foreign.db "CREATE TABLE photos (id INTEGER); INSERT INTO photos VALUES (1);"
expect_exit 1 "restore of another program's database fails" jobs_bin restore foreign.db
contains "it says it is not ours" "$T/out" "is not a domecek-jobs database"
not_contains "not 'schema version 0'" "$T/out" "schema version 0"
cp domecek.db good.db
"$PY" - "$T/domecek.db" "$T/locked" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(60)
PY
track_pid $!
for i in $(seq 100); do [ -e "$T/locked" ] && break; sleep 0.05; done
expect_exit 1 "restore gives up on a lock another program holds" \
	env Database__BusyTimeoutMs=300 "$BIN" --db "$T/domecek.db" restore good.db
contains "it says another program holds the lock" "$T/out" "another program holds the database's lock"
