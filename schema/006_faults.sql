-- 006: faults a home server meets (issue 14).
--
-- An attempt that ended because the process died (kill -9, a power cut)
-- is recorded as 'interrupted', apart from 'failed': it does not count
-- against the job's attempts, only against the limit of interruptions in
-- a row. An attempt that failed only for lack of space is 'deferred': it
-- does not count either, the job waits for a retry. SQLite cannot alter a
-- CHECK, so job_attempts is rebuilt; the metrics_hourly view (005) reads
-- it, so the view is dropped first and made again, unchanged, after.
DROP VIEW metrics_hourly;

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

CREATE VIEW metrics_hourly (hour, job, succeeded, failed, duration_ms) AS
    SELECT hour, job, succeeded, failed, duration_ms FROM metrics_archive
    UNION ALL
    SELECT substr(a.finished_at, 1, 13), j.type,
           sum(a.outcome = 'succeeded'), sum(a.outcome <> 'succeeded'),
           sum(a.duration_ms)
    FROM job_attempts a JOIN jobs j ON j.id = a.job_id
    WHERE a.outcome IN ('succeeded', 'failed', 'cancelled')
    GROUP BY 1, 2;

-- The database's own identity: Message-IDs and Maildir file names are
-- derived from it and the job id, so that every attempt of a job sends
-- the same message and two databases sharing a Maildir never collide.
INSERT INTO jobs_settings (key, value, updated_at)
VALUES ('database_id', lower(hex(randomblob(8))),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
ON CONFLICT (key) DO NOTHING;
