#!/usr/bin/env bash
# fulldisk.sh - the appliance on a disk that fills up. An export that does
# not fit fails with a clear error while the daemon keeps running and
# /health/jobs reports it (check "space"); once space returns the same job
# succeeds on `jobs retry`. Two ways to run out:
#   quota  Storage.Local.QuotaBytes in the config file, raised by editing
#          the file and SIGHUP (always possible, so the test never passes
#          without having filled something);
#   tmpfs  storage and database on an 8 MiB tmpfs, grown with
#          `mount -o remount,size=` (needs CAP_SYS_ADMIN: as root a refused
#          mount fails the test; not root, it is said and skipped).
# Then a full database: Database.MaxPageCount just above the file's size
# makes DraftReminder hit SQLITE_FULL; the job fails cleanly, nothing of
# its batch is left, integrity_check is ok, and without the cap it succeeds.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/http_lib.bash"
setup
U=11111111-1111-4111-8111-111111111111
MOUNTED=
cleanup() {
	for pid in "${_pids[@]:-}"; do
		[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	_pids=()
	[ -n "$MOUNTED" ] && umount "$MOUNTED" 2>/dev/null
	teardown
}
trap cleanup EXIT

# waits up to 60 s for job $1 to reach one of the states in $2 (regex)
wait_state() {
	local i
	for i in $(seq 1 600); do
		[[ "$(sql "SELECT state FROM jobs WHERE id = $1")" =~ ^($2)$ ]] && return 0
		sleep 0.1
	done
	return 1
}

# household with one 5 MiB incompressible document under ROOT
seed() { # DB ROOT
	"$BIN" --db "$1" migrate >/dev/null
	mkdir -p "$2/documents/p1/r1"
	head -c 5242880 /dev/urandom >"$2/documents/p1/r1/photo.jpg"
	sqlite3 -batch "$1" <<SQL
INSERT INTO users (id, email, first_name, created_at)
  VALUES ('$U', 'jana@example.cz', 'Jana', '2026-11-01T10:00:00.000Z');
INSERT INTO projects (id, owner_id, name, created_at)
  VALUES ('p0', '$U', 'Domov', '2026-11-01T10:00:00.000Z');
INSERT INTO properties (id, project_id, name, created_at)
  VALUES ('p1', 'p0', 'Chata', '2026-11-01T10:00:00.000Z');
INSERT INTO zaznamy (id, property_id, title, created_by, created_at)
  VALUES ('r1', 'p1', 'Střecha', '$U', '2026-11-02T10:00:00.000Z');
INSERT INTO zaznam_dokumenty (id, zaznam_id, type, storage_key, mime_type, created_at)
  VALUES ('d1', 'r1', 'photo', 'documents/p1/r1/photo.jpg', 'image/jpeg', '2026-11-02T10:00:00.000Z');
SQL
}

# MODE DIR: DIR holds domecek.db and storage/; space is short already.
# GROW is the command that gives space back.
space_flow() {
	local mode=$1 dir=$2 grow=$3 port id health verdict
	DB=$dir/domecek.db
	sql() { sqlite3 -batch "$DB" "$@"; }
	port=$(free_port)
	env Storage__Local__Root="$dir/storage" Email__Maildir__Path="$T/mail" \
		Http__Listen="127.0.0.1:$port" "$BIN" --config "$T/appsettings.json" \
		--db "$DB" run >>"$T/daemon-$mode.log" 2>&1 &
	DAEMON_PID=$!
	track_pid "$DAEMON_PID"
	check "$mode: the daemon answers HTTP" wait_http "$port"
	id=$("$BIN" --db "$DB" enqueue export_data --payload "{\"userId\":\"$U\",\"format\":\"zip\"}")
	check "$mode: the export that does not fit fails (waits for a retry)" wait_state "$id" "failed|dead"
	sql "SELECT last_error FROM jobs WHERE id = $id" >"$T/error"
	sed 's/^/# last_error: /' "$T/error"
	if grep -qiE "quota|no space left" "$T/error"; then ok "$mode: the error says the space ran out"; else
		not_ok "$mode: the error says the space ran out" "$(cat "$T/error")"
	fi
	check "$mode: no partial export is visible" test -z "$(find "$dir/storage/exports" -type f 2>/dev/null)"
	check "$mode: nothing is left in storage/.tmp" test -z "$(ls -A "$dir/storage/.tmp" 2>/dev/null)"
	check "$mode: the daemon keeps running" kill -0 "$DAEMON_PID"
	health=$(curl -s "http://127.0.0.1:$port/health/jobs")
	echo "$health" >"$T/health"
	# A full disk stops the work (503); a full export quota needs a look.
	[ "$mode" = quota ] && verdict=degraded || verdict=unhealthy
	contains "$mode: /health/jobs answers $verdict" "$T/health" "\"status\":\"$verdict\""
	contains "$mode: health names the job that ran out of space" "$T/health" \
		"\"name\":\"space\",\"ok\":false,\"detail\":\"1 job(s) failed for lack of space"

	check "$mode: space returns ($grow)" eval "$grow"
	check "$mode: jobs retry" "$BIN" --db "$DB" jobs retry "$id"
	check "$mode: the retried export succeeds" wait_state "$id" succeeded
	check "$mode: the ZIP is complete" unzip -tq "$(ls "$dir"/storage/exports/$U/export_*.zip | head -n 1)"
	curl -s "http://127.0.0.1:$port/health/jobs" >"$T/health"
	contains "$mode: health's space check is ok again" "$T/health" '"name":"space","ok":true'
	check "$mode: integrity_check" test "$(sql 'PRAGMA integrity_check')" = ok
	kill "$DAEMON_PID" && wait "$DAEMON_PID" 2>/dev/null
	check "$mode: the daemon stops cleanly" test $? -eq 0
}

# ---- quota --------------------------------------------------------------
mkdir -p "$T/q"
seed "$T/q/domecek.db" "$T/q/storage"
echo '{"Http": {"Enabled": true}, "Storage": {"Local": {"QuotaBytes": 7340032}}}' >"$T/appsettings.json"
space_flow quota "$T/q" \
	"echo '{\"Storage\": {\"Local\": {\"QuotaBytes\": 67108864}}}' >'$T/appsettings.json' && kill -HUP \$DAEMON_PID && sleep 0.5"

# ---- tmpfs --------------------------------------------------------------
mkdir -p "$T/small"
echo '{}' >"$T/appsettings.json"
if mount -t tmpfs -o size=8m tmpfs "$T/small" 2>/dev/null; then
	MOUNTED=$T/small
	seed "$T/small/domecek.db" "$T/small/storage"
	space_flow tmpfs "$T/small" "mount -o remount,size=32m '$T/small'"
elif [ "$(id -u)" -eq 0 ]; then
	# As root (the README's test command, CI) the mount must work: a
	# refusal is a failure, never a silent skip.
	not_ok "an 8 MiB tmpfs is mounted for the full-disk flow" "mount -t tmpfs was refused as root"
else
	echo "# tmpfs: not root, so no mount; the quota path above ran"
fi

# ---- a full database ----------------------------------------------------
NOW=2026-04-11T00:00:00.000Z
DB=$T/full.db
sql() { sqlite3 -batch "$DB" "$@"; }
"$BIN" --db "$DB" migrate >/dev/null
sql "INSERT INTO users (id, email, first_name, created_at)
       VALUES ('$U', 'jana@example.cz', 'Jana', '2026-01-01T00:00:00.000Z');
     INSERT INTO projects (id, owner_id, name, created_at)
       VALUES ('p0', '$U', 'Domov', '2026-01-01T00:00:00.000Z');
     INSERT INTO properties (id, project_id, name, created_at)
       VALUES ('p1', 'p0', 'Chata', '2026-01-01T00:00:00.000Z');
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
     INSERT INTO zaznamy (id, property_id, title, status, created_by, created_at)
       SELECT 'z' || i, 'p1', 'Koncept ' || i, 'draft', '$U', '2026-03-01T00:00:00.000Z' FROM n;
     PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
pages=$(sql "PRAGMA page_count")
expect_exit 1 "full database: DraftReminder fails" \
	env Database__MaxPageCount=$((pages + 4)) "$BIN" --db "$DB" --now "$NOW" run-job DraftReminder
sed 's/^/# /' "$T/out"
contains "full database: the error says the database is full" "$T/out" "disk or database full"
check "full database: nothing of the failed batch is left" \
	test "$(sql "SELECT count(*) FROM notifications") $(sql "SELECT count(*) FROM jobs WHERE type = 'send_email'")" = "0 0"
check "full database: integrity_check" test "$(sql 'PRAGMA integrity_check')" = ok
check "full database: without the cap DraftReminder succeeds" \
	"$BIN" --db "$DB" --now "$NOW" run-job DraftReminder
contains "full database: all 400 drafts reminded" "$T/out" '"reminded":400'
check "full database: integrity_check after" test "$(sql 'PRAGMA integrity_check')" = ok
