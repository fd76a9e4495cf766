# Data jobs on the CLI: run-job DraftReminder, DraftCleanup and
# InvitationExpiration at a frozen --now on rows written with sqlite3 and
# real files in a storage root; reruns change nothing; a run stopped after
# one step and resumed ends as one whole run. Prints each job's counts.
. "$(dirname "$0")/lib.bash"
setup

NOW=2026-04-11T00:00:00.000Z
export Storage__Local__Root="$T/storage"
J=00000000-0000-4000-8000-00000000000a
P=00000000-0000-4000-8000-0000000000d1
run_job() { jobs_bin --now "$NOW" run-job "$@"; }
show() { sed 's/^/# /' "$T/out"; }

check "migrate" jobs_bin migrate
sql "INSERT INTO users (id, email, first_name, preferred_language, created_at)
       VALUES ('$J', 'jana@example.cz', 'Jana', 'cs', '2026-01-01T00:00:00.000Z');
     INSERT INTO projects (id, owner_id, name, created_at)
       VALUES ('p1', '$J', 'Rodina', '2026-01-01T00:00:00.000Z');
     INSERT INTO properties (id, project_id, name, created_at)
       VALUES ('$P', 'p1', 'Chalupa', '2026-01-01T00:00:00.000Z');
     INSERT INTO zaznamy (id, property_id, title, status, created_by, created_at) VALUES
       ('old', '$P', 'Stará oprava', 'draft', '$J', '2026-03-01T00:00:00.000Z'),
       ('exact', '$P', 'Přesně 30 dní', 'draft', '$J', '2026-03-12T00:00:00.000Z'),
       ('week', '$P', 'Týden do smazání', 'draft', '$J', '2026-03-19T00:00:00.000Z'),
       ('fresh', '$P', 'Nová', 'draft', '$J', '2026-04-10T00:00:00.000Z'),
       ('done', '$P', 'Hotová', 'complete', '$J', '2026-01-05T00:00:00.000Z');
     INSERT INTO zaznam_dokumenty (id, zaznam_id, storage_key, created_at) VALUES
       ('d1', 'old', 'documents/$P/old/a.jpg', '2026-03-01T00:00:00.000Z'),
       ('d2', 'old', 'documents/$P/old/b.pdf', '2026-03-01T00:00:00.000Z'),
       ('d3', 'old', 'documents/$P/old/gone.jpg', '2026-03-01T00:00:00.000Z'),
       ('d4', 'old', '../outside.txt', '2026-03-01T00:00:00.000Z'),
       ('d5', 'done', 'documents/$P/done/c.jpg', '2026-01-05T00:00:00.000Z');
     INSERT INTO invitations (id, token_hash, target_type, target_id, email, expires_at, created_at, created_by) VALUES
       ('i_past', 'h1', 'property', '$P', 'a@example.org', '2026-04-10T23:59:59.999Z', '2026-04-01T00:00:00.000Z', '$J'),
       ('i_now', 'h2', 'project', 'p1', 'b@example.org', '$NOW', '2026-04-01T00:00:00.000Z', '$J'),
       ('i_next', 'h3', 'project', 'p1', 'c@example.org', '2026-04-12T00:00:00.000Z', '2026-04-01T00:00:00.000Z', '$J');"
mkdir -p "storage/documents/$P/old" "storage/documents/$P/done"
echo a > "storage/documents/$P/old/a.jpg"
echo b > "storage/documents/$P/old/b.pdf"
echo c > "storage/documents/$P/done/c.jpg"
echo "not ours" > outside.txt

# DraftReminder: every draft older than 3 days is reminded once; 'old'
# (past due), 'exact' (due now) and 'week' (7 days left to the instant)
# are warned, with mail.
check "draft_reminder runs" run_job DraftReminder
show
contains "draft_reminder counts" "$T/out" '{"reminded":3,"expiring":3,"emails":3}'
check "three draft_expiring emails are queued" \
	test "$(sql "SELECT count(*) FROM jobs WHERE type = 'send_email' AND unique_key LIKE 'draft_expiring:%'")" = 3
check "the email for 'week' says 7 days" \
	test "$(sql "SELECT json_extract(payload, '$.data.daysRemaining') FROM jobs WHERE unique_key = 'draft_expiring:week'")" = 7
check "the email for 'exact' says today" \
	test "$(sql "SELECT json_extract(payload, '$.data.daysRemaining') FROM jobs WHERE unique_key = 'draft_expiring:exact'")" = 0
check "draft_reminder reruns" run_job DraftReminder
show
contains "a rerun sends nothing again" "$T/out" '{"reminded":0,"expiring":0,"emails":0}'

# DraftCleanup: only 'old' goes; its files go, the missing one is fine,
# the unsafe key is refused and the file outside the root stays.
check "draft_cleanup runs" run_job DraftCleanup
show
contains "draft_cleanup counts" "$T/out" \
	'{"deleted":1,"documents":4,"blobs_deleted":2,"blobs_missing":1,"keys_refused":1}'
check "the old draft's files are gone" test ! -e "storage/documents/$P/old/a.jpg" -a ! -e "storage/documents/$P/old/b.pdf"
check "the complete record's file stays" test -e "storage/documents/$P/done/c.jpg"
check "the file outside the root stays" test -e outside.txt
check "only 'old' is deleted" test "$(sql "SELECT group_concat(id) FROM zaznamy WHERE is_deleted = 1")" = old
check "deleted_at is the frozen now" test "$(sql "SELECT deleted_at FROM zaznamy WHERE id = 'old'")" = "$NOW"
check "draft_cleanup reruns" run_job DraftCleanup
show
contains "a rerun deletes nothing" "$T/out" '"deleted":0'

# A run stopped after one batch of one, then resumed, ends like one run.
for i in 1 2 3; do
	sql "INSERT INTO zaznamy (id, property_id, created_by, created_at)
	       VALUES ('batch$i', '$P', '$J', '2026-02-0${i}T00:00:00.000Z')"
done
export Jobs__DraftCleanup__BatchSize=1
check "draft_cleanup stops after one step" run_job DraftCleanup --stop-after-steps 1
show
contains "the stopped run was released" "$T/out" "draft_cleanup: released"
check "one of three is deleted" test "$(sql "SELECT count(*) FROM zaznamy WHERE id LIKE 'batch%' AND is_deleted = 1")" = 1
check "draft_cleanup resumes" run_job DraftCleanup
show
contains "the resumed run deletes the other two" "$T/out" '"deleted":2'
unset Jobs__DraftCleanup__BatchSize

# InvitationExpiration: expires_at < now; one expiring exactly now stays.
check "invitation_expiration runs" run_job InvitationExpiration
show
contains "invitation_expiration counts" "$T/out" '{"expired":1,"notified":1}'
check "statuses" test "$(sql "SELECT group_concat(id || '=' || status, ' ') FROM (SELECT * FROM invitations ORDER BY id)")" = \
	"i_next=pending i_now=pending i_past=expired"
check "the creator is told with the property's name" \
	test "$(sql "SELECT json_extract(payload, '$.targetName') FROM notifications WHERE type = 'invitation_expired'")" = Chalupa
check "invitation_expiration reruns" run_job InvitationExpiration
show
contains "a rerun expires nothing" "$T/out" '{"expired":0,"notified":0}'
