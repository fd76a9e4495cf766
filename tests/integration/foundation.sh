# Foundation: migrate, config check/show, bad input with clear errors and
# exit codes, backup/restore, status, --help for every command.
. "$(dirname "$0")/lib.bash"
# The newest schema version is the number of the last schema/NNN_*.sql
# file; numbers may leave gaps, so schema_version has one row per file.
LATEST=$(ls "$(dirname "$0")"/../../schema/[0-9]*.sql | sed 's|.*/0*\([0-9]*\)_.*|\1|' | sort -n | tail -n 1)
FILES=$(ls "$(dirname "$0")"/../../schema/[0-9]*.sql | wc -l)
setup

# migrate creates the database, then reports it is up to date
check "migrate creates the database" jobs_bin migrate
contains "migrate says what it did" "$T/out" "migrated from schema version 0 to $LATEST"
check "migrate twice is a no-op" jobs_bin migrate
contains "second migrate is up to date" "$T/out" "is up to date (schema version $LATEST)"
check "WAL mode is on" test "$(sql 'PRAGMA journal_mode')" = wal
check "auto_vacuum is incremental" test "$(sql 'PRAGMA auto_vacuum')" = 2
check "schema_version records every migration" test "$(sql 'SELECT count(*) FROM schema_version')" = "$FILES"

# configuration
check "config check passes on defaults" jobs_bin config check
contains "config check names the source" "$T/out" "config OK (built-in defaults)"
cat > bad.json <<'JSON'
{
  "Jobs": {
    "DraftCleanup": { "BatchSize": "ten" }
  }
}
JSON
expect_exit 2 "wrong type exits 2" jobs_bin --config bad.json config check
contains "wrong type names the key" "$T/out" 'Jobs.DraftCleanup.BatchSize: expected an integer, got "ten"'
printf '{\n  "Jobs": {\n    "DraftCleanup": { "BatchSize": 10, }\n' > broken.json
expect_exit 2 "broken JSON exits 2" jobs_bin --config broken.json config check
contains "broken JSON gives line:column" "$T/out" "broken.json:3:"
echo '{"Jobs": {"DraftCleanup": {"DeleteAfterDays": -1}}}' > negative.json
expect_exit 2 "negative days exits 2" jobs_bin --config negative.json config check
contains "negative days is out of range" "$T/out" "Jobs.DraftCleanup.DeleteAfterDays: -1 is out of range"
echo '{"Jobs": {"DraftCleanup": {"BatchSize": 0}}}' > zero.json
expect_exit 2 "BatchSize 0 exits 2" jobs_bin --config zero.json config check
echo '{"Jobs": {"DraftCleanup": {"BatchSzie": 5}}}' > typo.json
expect_exit 0 "unknown key is only a warning" jobs_bin --config typo.json config check
contains "unknown key suggests the closest" "$T/out" "did you mean Jobs.DraftCleanup.BatchSize?"
echo '{"Jobs": {"SyncRetry": {"CronSchedule": "0 0 30 2 *"}}}' > never.json
expect_exit 2 "a cron that never fires is refused" jobs_bin --config never.json config check
contains "cron error names the key" "$T/out" "Jobs.SyncRetry.CronSchedule"
echo '{"Scheduler": {"TimeZone": "Europe/Atlantis"}}' > zone.json
expect_exit 2 "an unknown time zone is refused" jobs_bin --config zone.json config check
contains "time zone error names it" "$T/out" "Europe/Atlantis"
expect_exit 2 "a missing config file given explicitly fails" jobs_bin --config /nonexistent.json config check
contains "missing config names the file" "$T/out" "/nonexistent.json"
Jobs__DraftCleanup__Enabled=false jobs_bin config show > shown.json 2>&1
contains "environment overrides show up" shown.json '"Enabled":	false'
Email__Smtp__Password=hunter2 jobs_bin config show > secret.json 2>&1
not_contains "config show masks secrets" secret.json hunter2
contains "config show prints the mask" secret.json '"Password":	"********"'
expect_exit 2 "a broken config refuses to start the daemon" jobs_bin --config bad.json run --drain

# databases the binary must refuse
expect_exit 1 "a database in a missing directory is refused" "$BIN" --db /nonexistent/dir/x.db migrate
contains "missing directory is named" "$T/out" "directory /nonexistent/dir does not exist"
echo "this is not sqlite, just some text that is long enough to be a header......." > notadb.db
expect_exit 1 "a file that is not SQLite is refused" "$BIN" --db notadb.db migrate
contains "not a database is said plainly" "$T/out" "is not a SQLite database"
cp domecek.db newer.db
sqlite3 newer.db 'PRAGMA user_version=99'
expect_exit 1 "a newer schema is refused" "$BIN" --db newer.db migrate
contains "newer schema says upgrade" "$T/out" "newer than this domecek-jobs knows"
check "the newer database was not changed" test "$(sqlite3 newer.db 'PRAGMA user_version')" = 99
expect_exit 1 "commands refuse a missing database" "$BIN" --db missing.db jobs list
contains "missing database says run migrate" "$T/out" "run \`domecek-jobs migrate\`"
if command -v setpriv >/dev/null; then
	chmod 755 "$T" && mkdir ro && cp domecek.db ro/ && chmod 755 ro && chmod 644 ro/domecek.db
	expect_exit 1 "a read-only database is refused" setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" --db ro/domecek.db enqueue noop
	contains "read-only is said plainly" "$T/out" "read-only"
else
	not_ok "a read-only database is refused" "setpriv (util-linux) is missing"
fi

# usage errors
expect_exit 2 "unknown command exits 2" jobs_bin frobnicate
expect_exit 2 "unknown option exits 2" jobs_bin --frob status
expect_exit 2 "bad --now exits 2" jobs_bin --now yesterday status
contains "bad --now explains the format" "$T/out" "not an ISO-8601 time"
expect_exit 2 "enqueue of an unknown type exits 2" jobs_bin enqueue no_such_type
contains "unknown type is named" "$T/out" "unknown job type 'no_such_type'"
expect_exit 2 "enqueue with a bad payload exits 2" jobs_bin enqueue noop --payload '{"x":'
contains "bad payload is explained with its position" "$T/out" "--payload:1:5: invalid JSON"

# every command answers --help
"$BIN" --help > help.txt
grep -E '^  [a-z]' help.txt | sed -E 's/^  ([a-z-]+( [a-z]+)?) {2,}.*/\1/; s/^  ([a-z-]+) .*/\1/' | sort -u > commands.txt
while read -r cmd; do
	# shellcheck disable=SC2086
	expect_exit 0 "'$cmd --help' answers" "$BIN" $cmd --help
done < <(grep -E '^  [a-z]' help.txt | awk '{ if ($2 ~ /^[a-z]+$/ && $1 ~ /^(jobs|recurring|config|cron)$/) print $1" "$2; else print $1 }' | grep -v -- '^--')

# backup and restore
jobs_bin enqueue noop >/dev/null 2>&1
check "backup makes a copy" jobs_bin backup copy.db
check "the copy has the job" test "$(sqlite3 copy.db 'SELECT count(*) FROM jobs')" = 1
expect_exit 1 "backup refuses to overwrite" jobs_bin backup copy.db
jobs_bin enqueue noop >/dev/null 2>&1
check "restore brings the copy back" jobs_bin restore copy.db
check "restored database has one job again" test "$(sql 'SELECT count(*) FROM jobs')" = 1
expect_exit 1 "restore refuses a non-database" jobs_bin restore notadb.db
check "status shows the queue" jobs_bin status
contains "status shows queue counts" "$T/out" "1 enqueued"

# demo: a believable household in an empty database, refused twice
rm -f domecek.db*
jobs_bin migrate >/dev/null 2>&1
check "demo fills an empty database" jobs_bin --now 2026-11-28T20:00:00Z demo
contains "demo reports what it wrote" "$T/out" "3 users"
check "demo wrote 5000 activities" test "$(sql 'SELECT count(*) FROM activities')" = 5000
check "demo wrote document files" test "$(find var/storage/documents -type f | wc -l)" -gt 10
check "demo has a draft exactly 30 days old" test "$(sql "SELECT count(*) FROM zaznamy WHERE status = 'draft' AND created_at = '2026-10-29T20:00:00.000Z'")" -ge 1
expect_exit 1 "demo refuses a database with users" jobs_bin demo
contains "demo says why" "$T/out" "already has 3 users"
