#!/usr/bin/env bash
# The S3 provider against a real S3-compatible server on 127.0.0.1:
# s3rver from npm (installed into tests/.node, ignored by git), started
# on a free port with a temp directory and stopped by pid. s3rver checks
# SigV4 signatures for its S3RVER/S3RVER credentials. Without the npm
# registry this test FAILS: it never skips.
. "$(dirname "$0")/lib.bash"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NODE_DIR="$ROOT/tests/.node"
setup

S3RVER="$NODE_DIR/node_modules/.bin/s3rver"
if [ ! -x "$S3RVER" ]; then
	if ! npm install --prefix "$NODE_DIR" s3rver@3 --no-audit --no-fund >"$T/npm.log" 2>&1; then
		not_ok "npm install s3rver@3 (registry unreachable?)" "$(tail -n 5 "$T/npm.log")"
		exit 1
	fi
fi
check "s3rver is installed" test -x "$S3RVER"

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/s3data"
"$S3RVER" -d "$T/s3data" -a 127.0.0.1 -p "$PORT" -s --configure-bucket domecek >"$T/s3rver.log" 2>&1 &
track_pid $!
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
	sleep 0.1
done
check "s3rver answers on 127.0.0.1:$PORT" curl -sf -o /dev/null "http://127.0.0.1:$PORT/domecek"

# upload, read, stat, list, delete, async forms, presigned GET with curl
DOMECEK_S3_ENDPOINT="http://127.0.0.1:$PORT" DOMECEK_S3_BUCKET=domecek \
	CMOCKA_MESSAGE_OUTPUT=TAP "$ROOT/$BUILD/tests/test_storage_s3" >"$T/unit.out" 2>&1
grep -E '^(not )?ok ' "$T/unit.out" | sed 's/^\(\(not \)\?ok\) [0-9]* -/\1 - live S3:/'
grep -qE '^ok ' "$T/unit.out" || not_ok "live S3 unit tests ran" "$(tail -n 5 "$T/unit.out")"

# The export job through the daemon with Storage.Provider=S3.
U=11111111-1111-4111-8111-111111111111
export Storage__Provider=S3 Storage__S3__Endpoint="http://127.0.0.1:$PORT" \
	Storage__S3__Bucket=domecek Storage__S3__AccessKey=S3RVER \
	Storage__S3__SecretKey=S3RVER Storage__S3__PathStyle=true
jobs_bin migrate >/dev/null
head -c 200000 /dev/urandom >"$T/photo.jpg"
# Uploaded with curl's own signer: an independent client puts the blob.
check "a document is uploaded with curl --aws-sigv4" curl -sf -X PUT \
	--aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --data-binary @"$T/photo.jpg" \
	"http://127.0.0.1:$PORT/domecek/documents/p1/r1/photo.jpg"
sql <<SQL
INSERT INTO users (id, email, created_at) VALUES ('$U', 'jana@example.cz', '2026-11-01T10:00:00.000Z');
INSERT INTO projects (id, owner_id, name, created_at) VALUES ('p0', '$U', 'Domov', '2026-11-01T10:00:00.000Z');
INSERT INTO properties (id, project_id, name, created_at) VALUES ('p1', 'p0', 'Chata', '2026-11-01T10:00:00.000Z');
INSERT INTO zaznamy (id, property_id, created_at) VALUES ('r1', 'p1', '2026-11-02T10:00:00.000Z');
INSERT INTO zaznam_dokumenty (id, zaznam_id, type, storage_key, mime_type, created_at) VALUES
  ('d1', 'r1', 'photo', 'documents/p1/r1/photo.jpg', 'image/jpeg', '2026-11-02T10:00:00.000Z');
SQL
check "enqueue export_data with S3 storage" jobs_bin enqueue export_data --payload "{\"userId\":\"$U\"}"
timeout 120 "$BIN" --db "$T/domecek.db" run --drain >"$T/run.log" 2>&1
sql "SELECT json_extract(payload, '$.data.link') FROM jobs WHERE type = 'send_email'" >"$T/link"
contains "the export_ready link is a presigned S3 URL" "$T/link" "X-Amz-Signature="
check "the presigned URL is fetched with curl" curl -sf -o "$T/export.zip" "$(head -n 1 "$T/link")"
check "the downloaded export is a valid ZIP" unzip -t "$T/export.zip"
check "the ZIP holds export.json" unzip -p "$T/export.zip" export.json
unzip -p "$T/export.zip" files/documents/p1/r1/photo.jpg >"$T/photo.out" 2>/dev/null
check "the document downloaded from S3 is in the ZIP unchanged" cmp "$T/photo.out" "$T/photo.jpg"

# DraftCleanup with S3: the draft's rows go in one transaction, its blob
# through the outbox, deleted by a request the loop drives.
check "a draft's document is uploaded" curl -sf -X PUT \
	--aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --data-binary @"$T/photo.jpg" \
	"http://127.0.0.1:$PORT/domecek/documents/p1/r2/draft.jpg"
sql <<SQL
UPDATE zaznamy SET status = 'complete' WHERE id = 'r1';
INSERT INTO zaznamy (id, property_id, status, created_at) VALUES ('r2', 'p1', 'draft', '2025-01-02T10:00:00.000Z');
INSERT INTO zaznam_dokumenty (id, zaznam_id, type, storage_key, mime_type, created_at) VALUES
  ('d2', 'r2', 'photo', 'documents/p1/r2/draft.jpg', 'image/jpeg', '2026-11-02T10:00:00.000Z');
SQL
check "enqueue draft_cleanup" jobs_bin enqueue draft_cleanup
timeout 120 "$BIN" --db "$T/domecek.db" run --drain >"$T/run2.log" 2>&1
contains "draft_cleanup succeeded" <(sql "SELECT state FROM jobs WHERE type = 'draft_cleanup'") "succeeded"
contains "the draft is soft-deleted" <(sql "SELECT is_deleted FROM zaznamy WHERE id = 'r2'") "1"
contains "the outbox is empty" <(sql "SELECT count(*) FROM blob_deletions") "0"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/domecek/documents/p1/r2/draft.jpg")
if [ "$code" = 404 ]; then ok "the draft's blob is gone from the bucket"; else not_ok "the draft's blob is gone from the bucket" "HTTP $code"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/domecek/documents/p1/r1/photo.jpg")
if [ "$code" = 200 ]; then ok "the complete record's blob stays"; else not_ok "the complete record's blob stays" "HTTP $code"; fi
