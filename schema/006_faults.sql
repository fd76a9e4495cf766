-- 006: faults a home server meets (issue 14).
--
-- An attempt that ended because the process died (kill -9, a power cut)
-- is recorded as 'interrupted', apart from 'failed': it does not count
-- against the job's attempts, only against the limit of interruptions in
-- a row. An attempt that failed only for lack of space is 'deferred': it
-- does not count either, the job waits for a retry. SQLite cannot alter a CHECK, so job_attempts is rebuilt (it is a
-- history table without dependants but the jobs foreign key).
CREATE TABLE job_attempts_new (
    job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    owner        TEXT,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT CHECK (outcome IN ('succeeded', 'failed', 'lost',
                                         'interrupted', 'deferred',
                                         'cancelled')),
    error        TEXT,
    duration_ms  INTEGER,
    PRIMARY KEY (job_id, attempt)
) WITHOUT ROWID;
INSERT INTO job_attempts_new
    SELECT job_id, attempt, owner, started_at, finished_at, outcome, error,
           duration_ms
      FROM job_attempts;
DROP TABLE job_attempts;
ALTER TABLE job_attempts_new RENAME TO job_attempts;

-- The database's own identity: Message-IDs and Maildir file names are
-- derived from it and the job id, so that every attempt of a job sends
-- the same message and two databases sharing a Maildir never collide.
INSERT INTO jobs_settings (key, value, updated_at)
VALUES ('database_id', lower(hex(randomblob(8))),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
ON CONFLICT (key) DO NOTHING;
