#!/usr/bin/env bash
# export_data end to end with local storage: the daemon drains the queue,
# the ZIP is checked by unzip and by Python's zipfile against the source
# files, export.json is valid and lists the missing blob, the export_ready
# email holds a signed /exports/ link; the json format; an unknown user.
. "$(dirname "$0")/lib.bash"
setup
PY=/usr/bin/python3
U=11111111-1111-4111-8111-111111111111
export Storage__Local__Root="$T/storage" Http__PublicUrl="https://domecek.example"

jobs_bin migrate >/dev/null
mkdir -p storage/documents/p1/r1
head -c 300000 /dev/urandom >storage/documents/p1/r1/photo.jpg
seq 1 20000 >storage/documents/p1/r1/notes.txt
head -c 50000 /dev/urandom >storage/documents/p1/r1/scan.pdf
sql <<SQL
INSERT INTO users (id, email, first_name, created_at)
  VALUES ('$U', 'jana@example.cz', 'Jana', '2026-11-01T10:00:00.000Z');
INSERT INTO projects (id, owner_id, name, created_at)
  VALUES ('p0', '$U', 'Domov', '2026-11-01T10:00:00.000Z');
INSERT INTO properties (id, project_id, name, created_at)
  VALUES ('p1', 'p0', 'Chata', '2026-11-01T10:00:00.000Z');
INSERT INTO zaznamy (id, property_id, title, created_by, created_at)
  VALUES ('r1', 'p1', 'Střecha', '$U', '2026-11-02T10:00:00.000Z');
INSERT INTO zaznam_dokumenty (id, zaznam_id, type, storage_key, mime_type, created_at) VALUES
  ('d1', 'r1', 'photo', 'documents/p1/r1/photo.jpg', 'image/jpeg', '2026-11-02T10:00:00.000Z'),
  ('d2', 'r1', 'document', 'documents/p1/r1/notes.txt', 'text/plain', '2026-11-02T10:00:00.000Z'),
  ('d3', 'r1', 'receipt', 'documents/p1/r1/scan.pdf', 'application/pdf', '2026-11-02T10:00:00.000Z'),
  ('d4', 'r1', 'receipt', 'documents/p1/r1/gone.pdf', 'application/pdf', '2026-11-02T10:00:00.000Z');
SQL

check "enqueue export_data (zip)" jobs_bin enqueue export_data --payload "{\"userId\":\"$U\",\"format\":\"zip\"}"
timeout 120 "$BIN" --db "$T/domecek.db" run --drain >"$T/run.log" 2>&1
zip=$(ls storage/exports/$U/export_*.zip 2>/dev/null | head -n 1)
check "the export ZIP is stored under exports/{userId}/" test -n "$zip"
check "unzip -t accepts the ZIP" unzip -t "$zip"
cat >"$T/cmp.py" <<'PY'
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
names = set(z.namelist())
for key in ["photo.jpg", "notes.txt", "scan.pdf"]:
    with open(sys.argv[2] + "/documents/p1/r1/" + key, "rb") as f:
        assert z.read("files/documents/p1/r1/" + key) == f.read(), key
assert "files/documents/p1/r1/gone.pdf" not in names
info = {i.filename: i for i in z.infolist()}
assert info["files/documents/p1/r1/photo.jpg"].compress_type == zipfile.ZIP_STORED
assert info["files/documents/p1/r1/scan.pdf"].compress_type == zipfile.ZIP_STORED
assert info["files/documents/p1/r1/notes.txt"].compress_type == zipfile.ZIP_DEFLATED
doc = json.loads(z.read("export.json"))
assert doc["user"]["email"] == "jana@example.cz"
assert [m["storageKey"] for m in doc["missingFiles"]] == ["documents/p1/r1/gone.pdf"]
assert len(doc["documents"]) == 4 and doc["records"][0]["title"] == "Střecha"
PY
check "Python zipfile: contents equal the sources, store/deflate by type, JSON complete" "$PY" "$T/cmp.py" "$zip" "$T/storage"
sql "SELECT payload FROM jobs WHERE type = 'send_email'" >"$T/email"
contains "export_ready email queued with a signed /exports/ link" "$T/email" '"link":"https://domecek.example/exports/'
contains "the email says the size" "$T/email" '"size":"'
sql "SELECT count(*) FROM exports" >"$T/count"
contains "the export is recorded for cleanup" "$T/count" "1"

check "enqueue export_data (json)" jobs_bin enqueue export_data --payload "{\"userId\":\"$U\",\"format\":\"json\"}" --run-at 2099-01-01T00:00:00Z
sql "UPDATE jobs SET run_at = '2000-01-01T00:00:00.000Z' WHERE type = 'export_data' AND state = 'scheduled'"
timeout 120 "$BIN" --db "$T/domecek.db" --now 2030-01-01T00:00:00Z run --drain >"$T/run2.log" 2>&1
json=$(ls storage/exports/$U/export_*.json 2>/dev/null | head -n 1)
check "the json export is valid JSON with every section" "$PY" -c "
import json,sys
d = json.load(open('$json'))
for k in ['user','preferences','projects','properties','units','records','documents','contacts','contactGroups','invitations','notifications','counts']:
    assert k in d, k
"

check "enqueue export_data for an unknown user" jobs_bin enqueue export_data --payload '{"userId":"99999999-9999-4999-8999-999999999999"}'
timeout 120 "$BIN" --db "$T/domecek.db" run --drain >"$T/run3.log" 2>&1
sql "SELECT state || ' ' || coalesce(last_error, '') FROM jobs WHERE payload LIKE '%9999-4999%'" >"$T/dead"
contains "unknown user: the job is dead at once" "$T/dead" "dead"
contains "unknown user: the error names the user" "$T/dead" "unknown user 99999999-9999-4999-8999-999999999999"
