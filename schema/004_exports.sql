-- 003: the export files the export_data job made, so that export_cleanup
-- can find expired ones without listing the storage (a listing of S3 is
-- paged, slow and costs requests; a table is one indexed query and works
-- the same for every provider).
--
-- A row is inserted before the file is committed to storage: a crash in
-- between leaves a row whose file never appeared, which the cleanup
-- treats as already gone (deleting a missing blob is success), never a
-- file that nothing remembers. user_id has no foreign key on purpose: the
-- file of a deleted user must still be cleaned up.

CREATE TABLE exports (
    storage_key   TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    job_id        INTEGER,
    format        TEXT NOT NULL CHECK (format IN ('zip', 'json')),
    size_bytes    INTEGER NOT NULL CHECK (size_bytes >= 0),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);

CREATE INDEX exports_expires_at ON exports (expires_at);
