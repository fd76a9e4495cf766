#!/usr/bin/env bash
# interrupt.sh - a crash is not the job's fault (issue 14, item 1).
#   1. One long ZIP export and one long ActivityCleanup (200,000 rows):
#      the daemon is killed with SIGKILL 5 times while each runs; then
#      `run --drain`. Both end `succeeded`, with 5 'interrupted' attempts
#      that were not counted (attempts = 1).
#   2. A job that "kills the daemon every time": an external loop kills
#      the daemon whenever that export is running. After 5 interruptions
#      in a row are forgiven, the 6th makes it dead with that reason, and
#      its user gets the export_failed notification and email.
# Run by `make test-long`.
. "$(dirname "$0")/../integration/lib.bash"
setup
export Http__Enabled=false Storage__Local__Root="$T/storage" Email__Maildir__Path="$T/mail" \
	Jobs__ActivityCleanup__BatchSize=500 Jobs__ActivityCleanup__BatchPauseMs=20
U=11111111-1111-4111-8111-111111111111
KILLS=5

jobs_bin migrate >/dev/null
mkdir -p "$T/storage/documents"
for i in $(seq 1 40); do head -c 1048576 /dev/urandom >"$T/storage/documents/d$i.bin"; done
sql "INSERT INTO users (id, email, first_name, created_at)
       VALUES ('$U', 'jana@example.cz', 'Jana', '2026-01-01T00:00:00.000Z');
     INSERT INTO projects (id, owner_id, name, created_at) VALUES ('p0', '$U', 'Domov', '2026-01-01T00:00:00.000Z');
     INSERT INTO properties (id, project_id, name, created_at) VALUES ('p1', 'p0', 'Chata', '2026-01-01T00:00:00.000Z');
     INSERT INTO zaznamy (id, property_id, title, created_by, created_at)
       VALUES ('r1', 'p1', 'Střecha', '$U', '2026-01-02T00:00:00.000Z');
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
     INSERT INTO zaznam_dokumenty (id, zaznam_id, type, storage_key, mime_type, created_at)
       SELECT 'd' || i, 'r1', 'document', 'documents/d' || i || '.bin', 'application/octet-stream',
              '2026-01-02T00:00:00.000Z' FROM n;
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
     INSERT INTO activities (id, property_id, type, created_at)
       SELECT 'a' || i, 'p1', 'zaznam_updated', '2020-01-01T00:00:00.000Z' FROM n;"

# (a read that meets a checkpoint waits instead of printing nothing)
state_of() { sqlite3 -batch -cmd ".timeout 5000" "$T/domecek.db" "SELECT state FROM jobs WHERE id = $1"; }

# Is job $1 running in process $2 (not still marked processing by the
# previous, killed daemon, which this one has not recovered yet)?
runs_in() { [ "$(sqlite3 -batch -cmd ".timeout 5000" "$T/domecek.db" \
	"SELECT count(*) FROM jobs WHERE id = $1 AND state = 'processing' AND owner LIKE '%:$2:%'")" = 1 ]; }

# Starts the daemon, waits until it runs job $1, lets it work a moment,
# then kills it with SIGKILL. Fails when the job was not running in it.
kill_while_running() { # job id
	local id=$1 i pid ran=1
	"$BIN" --db "$T/domecek.db" run 2>>"$T/daemon.log" &
	pid=$!
	for i in $(seq 1 400); do
		runs_in "$id" "$pid" && break
		[ "$(state_of "$id")" = dead ] && break
		sleep 0.05
	done
	sleep 0.$((RANDOM % 3 + 1))
	runs_in "$id" "$pid" || ran=0
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ "$ran" = 1 ]
}

long_job() { # name type payload
	local name=$1 id ran=0
	id=$(jobs_bin enqueue "$2" --payload "$3")
	for k in $(seq 1 $KILLS); do
		kill_while_running "$id" && ran=$((ran + 1))
	done
	check "$name: killed $KILLS times while it ran" test "$ran" -eq $KILLS
	check "$name: run --drain" timeout 300 "$BIN" --db "$T/domecek.db" run --drain
	check "$name: succeeded after $KILLS kills" test "$(state_of "$id")" = succeeded
	local interrupted attempts
	interrupted=$(sql "SELECT count(*) FROM job_attempts WHERE job_id = $id AND outcome = 'interrupted'")
	attempts=$(sql "SELECT attempts FROM jobs WHERE id = $id")
	check "$name: $KILLS attempts recorded as interrupted ($interrupted)" test "$interrupted" -eq $KILLS
	check "$name: interruptions not counted (attempts = $attempts)" test "$attempts" -eq 1
	echo "# $name: $KILLS kills -> $(state_of "$id"), $interrupted interrupted, attempts=$attempts"
}

long_job export export_data "{\"userId\":\"$U\",\"format\":\"zip\"}"
check "export: the ZIP is whole" unzip -tq "$(ls "$T"/storage/exports/$U/export_*.zip | head -n 1)"
long_job cleanup activity_cleanup '{}'
check "cleanup: no old activity left" test "$(sql "SELECT count(*) FROM activities")" -eq 0
check "integrity_check" test "$(sql 'PRAGMA integrity_check')" = ok

# ---- a job that crashes the daemon every time ---------------------------
rm -rf "$T/storage/exports"
id=$(jobs_bin enqueue export_data --payload "{\"userId\":\"$U\",\"format\":\"zip\"}")
for k in $(seq 1 10); do
	kill_while_running "$id"
	[ "$(state_of "$id")" = dead ] && break
done
st=$(state_of "$id")
error=$(sql "SELECT last_error FROM jobs WHERE id = $id")
n=$(sql "SELECT count(*) FROM job_attempts WHERE job_id = $id AND outcome = 'interrupted'")
echo "# crasher: state=$st after $n interrupted attempts: $error"
check "a job that crashes the daemon every time ends dead" test "$st" = dead
check "after exactly 6 interruptions (5 forgiven)" test "$n" -eq 6
if [[ "$error" == *"interrupted 6 times in a row"* ]]; then ok "the reason says it"; else
	not_ok "the reason says it" "$error"; fi
check "its user gets the export_failed notification" \
	test "$(sql "SELECT count(*) FROM notifications WHERE type = 'export_failed' AND user_id = '$U'")" -eq 1
check "and one export_failed email" \
	test "$(sql "SELECT count(*) FROM jobs WHERE type = 'send_email' AND unique_key = 'export_failed:job:$id'")" -eq 1
check "no stray partial export" test -z "$(find "$T/storage/exports" -type f 2>/dev/null)"
