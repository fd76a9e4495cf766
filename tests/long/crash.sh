#!/usr/bin/env bash
# crash.sh - CRASH_RUNS (50) times: the daemon on a mixed workload (noop,
# activity_cleanup batches, Maildir emails, a ZIP export), kill -9 at a
# random moment, then `run --drain`. After each run: integrity_check ok,
# nothing left in storage/.tmp. At the end: every job succeeded (none lost,
# none stuck), every send_email job (also the export_ready ones) produced
# exactly one .eml named after it (<database id>.J<id>.eml: Maildir
# delivery is exactly once) - and every file under storage/exports/ is a
# whole ZIP recorded in the exports table.
# Run by `make test-long` (tests/run with SUITES=tests/long).
. "$(dirname "$0")/../integration/lib.bash"
setup
RUNS=${CRASH_RUNS:-50}
export Http__Enabled=false Storage__Local__Root="$T/storage" Email__Maildir__Path="$T/mail" \
	Jobs__ActivityCleanup__BatchSize=200 Jobs__ActivityCleanup__BatchPauseMs=5
started=$(date +%s)

jobs_bin migrate >/dev/null
check "demo fills a household" jobs_bin demo
U=$(sql "SELECT owner_id FROM projects p WHERE EXISTS (SELECT 1 FROM properties pr
           JOIN zaznamy z ON z.property_id = pr.id JOIN zaznam_dokumenty d ON d.zaznam_id = z.id
           WHERE pr.project_id = p.id) ORDER BY owner_id LIMIT 1")
P=$(sql "SELECT id FROM properties ORDER BY id LIMIT 1")
check "the export user has documents" test -n "$U"

# Each run exports its own user (export keys are per user and second):
# a copy of the demo owner's first 30 documents, so the ZIP takes a while.
workload() { # run number
	local r=$1 u
	u=$(printf '00000000-0000-4000-8000-%012d' "$r")
	sql "INSERT INTO users (id, email, first_name, created_at)
	       VALUES ('$u', 'crash$r@example.cz', 'Crash', '2026-01-01T00:00:00.000Z');
	     INSERT INTO projects (id, owner_id, name, created_at)
	       VALUES ('cp$r', '$u', 'Projekt $r', '2026-01-01T00:00:00.000Z');
	     INSERT INTO properties (id, project_id, name, created_at)
	       VALUES ('cq$r', 'cp$r', 'Dům $r', '2026-01-01T00:00:00.000Z');
	     INSERT INTO zaznamy (id, property_id, title, created_by, created_at)
	       VALUES ('cz$r', 'cq$r', 'Záznam $r', '$u', '2026-01-02T00:00:00.000Z');
	     INSERT INTO zaznam_dokumenty (id, zaznam_id, type, storage_key, mime_type, created_at)
	       SELECT 'cd$r-' || d.id, 'cz$r', d.type, d.storage_key, d.mime_type, d.created_at
	         FROM zaznam_dokumenty d JOIN zaznamy z ON z.id = d.zaznam_id
	         JOIN properties pr ON pr.id = z.property_id JOIN projects p ON p.id = pr.project_id
	        WHERE p.owner_id = '$U' ORDER BY d.id LIMIT 30;
	     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
	     INSERT INTO activities (id, property_id, type, created_at)
	       SELECT 'crash-$r-' || i, '$P', 'zaznam_updated', '2020-01-01T00:00:00.000Z' FROM n;
	     INSERT INTO jobs (type, payload) VALUES
	       ('noop', '{\"steps\":10,\"sleepMs\":100}'),
	       ('activity_cleanup', '{}'),
	       ('send_email', '{\"to\":\"crash@example.cz\",\"subject\":\"crash $r/1\",\"text\":\"run $r mail 1\"}'),
	       ('export_data', '{\"userId\":\"$u\",\"format\":\"zip\"}'),
	       ('send_email', '{\"to\":\"crash@example.cz\",\"subject\":\"crash $r/2\",\"text\":\"run $r mail 2\"}'),
	       ('noop', '{\"steps\":5,\"sleepMs\":20}'),
	       ('send_email', '{\"to\":\"crash@example.cz\",\"subject\":\"crash $r/3\",\"text\":\"run $r mail 3\"}'),
	       ('send_email', '{\"to\":\"crash@example.cz\",\"subject\":\"crash $r/4\",\"text\":\"run $r mail 4\"}'),
	       ('send_email', '{\"to\":\"crash@example.cz\",\"subject\":\"crash $r/5\",\"text\":\"run $r mail 5\"}');"
}

emls_of() { ls "$T/mail/new" "$T/mail/cur" 2>/dev/null | grep -c "\.J$1\.eml"; }
# a mail client reads: new/NAME -> cur/NAME:2,S (so that a second delivery
# of the same job would show as a second file, not replace the first)
read_mail() {
	for f in "$T"/mail/new/*.eml; do [ -e "$f" ] && mv "$f" "$T/mail/cur/$(basename "$f"):2,S"; done
}

bad_runs=0
dups_total=0
max_dups_run=0
declare -a dups_per_run
last_id=0
for r in $(seq 1 "$RUNS"); do
	workload "$r"
	"$BIN" --db "$T/domecek.db" run 2>>"$T/daemon.log" &
	pid=$!
	delay=$((RANDOM % 700)) # the workload takes about 0.6 s
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if ! timeout 300 "$BIN" --db "$T/domecek.db" run --drain >>"$T/drain.log" 2>&1; then
		not_ok "run $r: run --drain after kill -9 at ${delay} ms" "$(tail -n 3 "$T/drain.log")"
		bad_runs=$((bad_runs + 1))
		continue
	fi
	read_mail
	integrity=$(sql "PRAGMA integrity_check")
	tmp_left=$(ls -A "$T/storage/.tmp" 2>/dev/null | wc -l)
	# duplicates among this run's email jobs (their ids follow the last run's)
	dups=0
	for id in $(sql "SELECT id FROM jobs WHERE type = 'send_email' AND id > $last_id"); do
		n=$(emls_of "$id")
		[ "$n" -gt 1 ] && dups=$((dups + n - 1))
	done
	last_id=$(sql "SELECT max(id) FROM jobs")
	dups_per_run[r]=$dups
	dups_total=$((dups_total + dups))
	[ "$dups" -gt "$max_dups_run" ] && max_dups_run=$dups
	if [ "$integrity" != ok ] || [ "$tmp_left" -ne 0 ] || [ "$dups" -gt 0 ]; then
		not_ok "run $r (kill at ${delay} ms)" "integrity_check: $integrity" \
			"files left in storage/.tmp: $tmp_left" "duplicate emails: $dups"
		bad_runs=$((bad_runs + 1))
	fi
done
check "$RUNS runs: each drained, integrity_check ok, storage/.tmp empty, no duplicate email" \
	test "$bad_runs" -eq 0

sql "SELECT id || ' ' || type || ' ' || state || ' ' || coalesce(last_error, '')
       FROM jobs WHERE state <> 'succeeded'" >"$T/unfinished"
check "no job is lost or stuck: every job succeeded" test ! -s "$T/unfinished"
sed 's/^/# not succeeded: /' "$T/unfinished" | head -n 10

missing=0
for id in $(sql "SELECT id FROM jobs WHERE type = 'send_email'"); do
	[ "$(emls_of "$id")" -ge 1 ] || missing=$((missing + 1))
done
emails=$(sql "SELECT count(*) FROM jobs WHERE type = 'send_email'")
files=$(ls "$T/mail/new" "$T/mail/cur" | grep -c '\.eml')
check "every one of $emails email jobs produced an .eml" test "$missing" -eq 0
check "emails delivered = jobs + duplicates ($files = $emails + $dups_total)" \
	test "$files" -eq $((emails + dups_total))

sql "SELECT storage_key FROM exports" | sort >"$T/recorded"
(cd "$T/storage" && find exports -type f | sort) >"$T/stored"
check "every stored export is recorded in the exports table" \
	test -z "$(comm -13 "$T/recorded" "$T/stored")"
broken=0
while read -r key; do
	unzip -tq "$T/storage/$key" >/dev/null 2>&1 || broken=$((broken + 1))
done <"$T/stored"
check "every stored export is a whole ZIP (no partial files)" test "$broken" -eq 0
exports=$(sql "SELECT count(*) FROM jobs WHERE type = 'export_data'")
no_zip=0
for u in $(sql "SELECT json_extract(payload, '$.userId') FROM jobs WHERE type = 'export_data'"); do
	ls "$T/storage/exports/$u"/export_*.zip >/dev/null 2>&1 || no_zip=$((no_zip + 1))
done
check "every one of $exports export jobs stored its ZIP" test "$no_zip" -eq 0
check "no stray temp file in storage/.tmp" test -z "$(ls -A "$T/storage/.tmp")"

lost=$(sql "SELECT coalesce(sum(c), 0) || ' (' || coalesce(group_concat(n, ', '), '') || ')' FROM
  (SELECT count(*) AS c, j.type || ' ' || count(*) AS n FROM job_attempts a JOIN jobs j ON j.id = a.job_id
    WHERE a.outcome = 'interrupted' GROUP BY j.type)")
stray=$(ls -A "$T/mail/tmp" 2>/dev/null | wc -l)
echo "# crash: $RUNS runs in $(($(date +%s) - started)) s; $lost attempts interrupted by kill -9 and rerun (not counted);"
echo "# emails: $emails jobs, $files .eml files, $dups_total duplicates (max $max_dups_run in one run;" \
	"per run: ${dups_per_run[*]:-none}); $stray stray file(s) in Maildir tmp/"
swept=$(grep -o 'storage.swept removed=[0-9]*' "$T/drain.log" | awk -F= '{n += $2} END {print n + 0}')
echo "# exports: $swept orphaned temp file(s) of killed exports swept at restart;"
echo "# exports: $exports jobs, $(wc -l <"$T/stored") ZIPs stored, $(wc -l <"$T/recorded") recorded"
