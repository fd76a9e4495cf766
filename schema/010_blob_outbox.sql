-- 010: blobs waiting to be deleted (the blob outbox).
--
-- A job that deletes rows naming blobs (draft_cleanup) records the blobs'
-- keys here in the same transaction, and deletes the blobs afterwards, one
-- storage request at a time, outside any transaction: with S3 a delete is
-- a network round trip that must neither hold the write lock nor block the
-- loop. A row goes once its blob is gone (or was already gone), so a crash
-- or an unreachable store leaves rows that the next run finishes; a blob
-- is never deleted while a row still names it as live data.
CREATE TABLE blob_deletions (
    id            INTEGER PRIMARY KEY,
    storage_key   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
