# Data jobs on the CLI: activity, notification and refresh token cleanup
# and sync_retry, each run with `run-job NAME --now` on rows inserted with
# sqlite3; exact boundaries, batches with --stop-after-steps (a crash),
# reruns, and a failing envelope followed to permanently_failed.
. "$(dirname "$0")/lib.bash"
setup

NOW=2026-11-28T20:45:17.000Z
U=11111111-1111-4111-8111-111111111111
P=22222222-2222-4222-8222-222222222222
PR=33333333-3333-4333-8333-333333333333

check "migrate" jobs_bin migrate
sql "INSERT INTO users (id, email, created_at) VALUES ('$U', 'jana@example.cz', '2025-01-01T00:00:00.000Z');
     INSERT INTO projects (id, owner_id, name, created_at) VALUES ('$P', '$U', 'Domov', '2025-01-01T00:00:00.000Z');
     INSERT INTO properties (id, project_id, name, created_at) VALUES ('$PR', '$P', 'Chalupa', '2025-01-01T00:00:00.000Z');"

# activities: 90 days before NOW is 2026-08-30T20:45:17.000Z
sql "INSERT INTO activities (id, property_id, type, created_at) VALUES
     ('a1', '$PR', 'zaznam_created', '2026-08-30T20:45:16.999Z'),
     ('a2', '$PR', 'zaznam_created', '2026-08-30T20:45:17.000Z'),
     ('a3', '$PR', 'zaznam_created', '2026-08-30T20:45:17Z'),
     ('a4', '$PR', 'zaznam_created', '2026-01-01T00:00:00.000Z'),
     ('a5', '$PR', 'zaznam_created', '2026-11-01T00:00:00.000Z');"
check "ActivityCleanup runs" jobs_bin --now $NOW run-job ActivityCleanup
contains "ActivityCleanup reports its counts" "$T/out" 'activity_cleanup: succeeded'
contains "ActivityCleanup deleted the two old ones in one batch" "$T/out" '{"deleted":2,"batches":1}'
check "an activity exactly 90 days old stays" test "$(sql "SELECT group_concat(id) FROM (SELECT id FROM activities ORDER BY id)")" = a2,a3,a5
check "ActivityCleanup by type name reruns as a no-op" jobs_bin --now $NOW run-job activity_cleanup
contains "the rerun deleted nothing" "$T/out" '{"deleted":0,"batches":0}'

# batches and a crash after the first one
for i in $(seq 1 7); do sql "INSERT INTO activities (id, property_id, type, created_at) VALUES ('old$i', '$PR', 'comment_added', '2025-0$i-01T00:00:00.000Z')"; done
echo '{"Jobs": {"ActivityCleanup": {"BatchSize": 3, "BatchPauseMs": 0}}}' > small.json
check "ActivityCleanup stops after one batch (a read step and a delete step)" jobs_bin --config small.json --now $NOW run-job ActivityCleanup --stop-after-steps 2
check "one batch of three went" test "$(sql "SELECT count(*) FROM activities WHERE id LIKE 'old%'")" = 4
check "the rest after the crash" jobs_bin --config small.json --now $NOW run-job ActivityCleanup
contains "the rest took two batches" "$T/out" '{"deleted":4,"batches":2}'
check "only young activities remain" test "$(sql "SELECT count(*) FROM activities")" = 3

# notifications: read 30 days, unread 90 days
sql "INSERT INTO notifications (id, user_id, type, read_at, created_at) VALUES
     ('n1', '$U', 'draft_reminder', '2026-11-01T00:00:00.000Z', '2026-10-29T20:45:17.000Z'),
     ('n2', '$U', 'draft_reminder', '2026-11-01T00:00:00.000Z', '2026-10-29T20:45:16.999Z'),
     ('n3', '$U', 'draft_reminder', NULL, '2026-10-01T00:00:00.000Z'),
     ('n4', '$U', 'draft_reminder', NULL, '2026-08-30T20:45:17.000Z'),
     ('n5', '$U', 'draft_reminder', NULL, '2026-08-30T20:45:16.999Z');"
check "NotificationCleanup runs" jobs_bin --now $NOW run-job NotificationCleanup
contains "NotificationCleanup counts read and unread" "$T/out" '{"deleted_read":1,"deleted_unread":1}'
check "notifications exactly at retention stay" test "$(sql "SELECT group_concat(id) FROM (SELECT id FROM notifications ORDER BY id)")" = n1,n3,n4

# refresh tokens: expired, and revoked more than 7 days ago
sql "INSERT INTO refresh_tokens (id, user_id, token_hash, created_at, expires_at, revoked_at) VALUES
     ('t1', '$U', 'h1', '2026-01-01T00:00:00.000Z', '2026-11-28T20:45:16.999Z', NULL),
     ('t2', '$U', 'h2', '2026-01-01T00:00:00.000Z', '2026-11-28T20:45:17.000Z', NULL),
     ('t3', '$U', 'h3', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '2026-11-21T20:45:17.000Z'),
     ('t4', '$U', 'h4', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '2026-11-21T20:45:16.999Z');"
check "RefreshTokenCleanup runs" jobs_bin --now $NOW run-job RefreshTokenCleanup
contains "RefreshTokenCleanup counts expired and revoked" "$T/out" '{"deleted_expired":1,"deleted_revoked":1}'
check "boundary tokens stay" test "$(sql "SELECT group_concat(id) FROM (SELECT id FROM refresh_tokens ORDER BY id)")" = t2,t3

# sync_retry: one good envelope, one that misses a field
sql "INSERT INTO sync_queue (id, user_id, entity_type, entity_id, operation, payload, client_updated_at, status, retry_count, next_retry_at, created_at) VALUES
     ('s1', '$U', 'zaznamy', 'z1', 'create', '{\"propertyId\": \"$PR\", \"title\": \"Okap\", \"cost\": 7400, \"date\": \"2026-05-14\"}', '2026-11-28T20:00:00.000Z', 'failed', 1, '2026-11-28T20:40:00.000Z', '2026-11-28T20:00:00.000Z'),
     ('s2', '$U', 'units', 'u1', 'create', '{\"propertyId\": \"$PR\"}', '2026-11-28T20:00:00.000Z', 'failed', 0, '2026-11-28T20:45:17.000Z', '2026-11-28T20:00:00.000Z'),
     ('s3', '$U', 'units', 'u2', 'create', '{\"propertyId\": \"$PR\", \"name\": \"x\"}', '2026-11-28T20:00:00.000Z', 'failed', 0, '2026-11-28T20:45:17.001Z', '2026-11-28T20:00:00.000Z');"
check "SyncRetry runs" jobs_bin --now $NOW run-job SyncRetry
contains "SyncRetry counts" "$T/out" '{"applied":1,"stale":0,"retried":1,"failed_permanently":0}'
check "the good envelope is in zaznamy" test "$(sql "SELECT title || ' ' || cost || ' ' || date FROM zaznamy WHERE id = 'z1'")" = "Okap 7400 2026-05-14"
check "the applied row left the queue" test "$(sql "SELECT count(*) FROM sync_queue WHERE id = 's1'")" = 0
check "the failure is recorded with a clear error" test "$(sql "SELECT last_error FROM sync_queue WHERE id = 's2'")" = "missing field 'name'"
check "the first retry waits RetryDelayMinutes[0]" test "$(sql "SELECT retry_count || ' ' || next_retry_at FROM sync_queue WHERE id = 's2'")" = "1 2026-11-28T20:50:17.000Z"
check "a row due a millisecond later waits" test "$(sql "SELECT retry_count FROM sync_queue WHERE id = 's3'")" = 0
sql "DELETE FROM sync_queue WHERE id = 's3'"
at=$NOW
for minutes in 5 15 60 240; do
	at=$(date -u -d "${at%.000Z} UTC + $minutes minutes" +%Y-%m-%dT%H:%M:%S.000Z)
	jobs_bin --now "$at" run-job SyncRetry >"$T/out" 2>&1
done
contains "the fifth failure gives up" "$T/out" '"failed_permanently":1'
check "status is permanently_failed" test "$(sql "SELECT status || ' ' || retry_count FROM sync_queue WHERE id = 's2'")" = "permanently_failed 5"
check "a rerun changes nothing" jobs_bin --now 2027-01-01T00:00:00Z run-job SyncRetry
contains "the rerun found nothing due" "$T/out" '{"applied":0,"stale":0,"retried":0,"failed_permanently":0}'
check "exactly one sync_failed notification" test "$(sql "SELECT count(*) FROM notifications WHERE type = 'sync_failed'")" = 1
check "its payload names the envelope" test "$(sql "SELECT json_extract(payload, '\$.syncId') || ' ' || json_extract(payload, '\$.entityType') || ' ' || json_extract(payload, '\$.lastError') FROM notifications WHERE type = 'sync_failed'")" = "s2 units missing field 'name'"
