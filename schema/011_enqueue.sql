-- 011: a plain INSERT into jobs at the floor's cost (issue 13, item 6).
--
-- SQLite evaluates `x IN (a, b, c)` over more than two constants by
-- building a temporary b-tree of the constants, once per execution of a
-- statement. Another program's single INSERT is one execution, and the
-- jobs table had three such lists on that path: the CHECK on state and
-- the WHERE of both partial indexes. Three b-trees per row made a plain
-- INSERT into jobs about 0.75x an INSERT into the floor's table
-- (../shared/bench/floor.c); written as ORs of equalities, the same tests
-- cost a few comparisons and the INSERT runs at the floor's rate. Test:
-- test_queue's "no temporary b-tree" check over EXPLAIN of the INSERT;
-- figure: tools/bench/drain.sh.
--
-- The queries that read a partial index repeat its WHERE term word for
-- word (SQLite matches the text), so src/core/queue_impl.h spells the
-- same ORs. The meaning of every constraint and index is unchanged.
--
-- SQLite cannot alter a CHECK, so jobs is rebuilt. job_attempts
-- references jobs with ON DELETE CASCADE and the migration runs with
-- foreign keys on, so the attempts are kept aside in a plain table while
-- jobs is dropped, then restored into job_attempts rebuilt the same way
-- (its outcome CHECK is written as ORs too: one attempt row per claim).
DROP VIEW metrics_hourly;

CREATE TABLE job_attempts_kept AS SELECT * FROM job_attempts;
DROP TABLE job_attempts;

CREATE TABLE jobs_new (
    id            INTEGER PRIMARY KEY,
    type          TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
    payload       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    state         TEXT NOT NULL DEFAULT 'enqueued'
                  CHECK (state = 'scheduled' OR state = 'enqueued' OR state = 'processing'
                         OR state = 'succeeded' OR state = 'failed' OR state = 'dead'
                         OR state = 'cancelled'),
    priority      INTEGER,                    -- NULL: the type's default
    run_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    unique_key    TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts  INTEGER CHECK (max_attempts IS NULL OR max_attempts >= 1),
    owner         TEXT,                       -- daemon holding the lease
    lease_until   TEXT,
    recurring_name TEXT,                      -- set when a schedule fired it
    progress      TEXT,                       -- short text for the dashboard
    result        TEXT CHECK (result IS NULL OR json_valid(result)),
    last_error    TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at    TEXT,
    finished_at   TEXT
);
INSERT INTO jobs_new (id, type, payload, state, priority, run_at, unique_key, attempts, max_attempts, owner, lease_until, recurring_name, progress, result, last_error, created_at, started_at, finished_at)
    SELECT id, type, payload, state, priority, run_at, unique_key, attempts, max_attempts, owner, lease_until, recurring_name, progress, result, last_error, created_at, started_at, finished_at
    FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;

-- The claim index of 005, with its WHERE written as ORs.
CREATE INDEX jobs_claim ON jobs (
    COALESCE(priority, CASE type WHEN 'send_email' THEN 10 WHEN 'backup' THEN -5 WHEN 'export_data' THEN -10 ELSE 0 END) DESC,
    run_at, id)
    WHERE (state = 'scheduled' OR state = 'enqueued' OR state = 'failed' OR state = 'processing');

-- An enqueue with a unique_key is idempotent while that job is unfinished.
CREATE UNIQUE INDEX jobs_unique_active ON jobs (unique_key)
    WHERE unique_key IS NOT NULL
      AND (state = 'scheduled' OR state = 'enqueued' OR state = 'failed' OR state = 'processing');

CREATE TABLE job_attempts (
    job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    owner        TEXT,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT CHECK (outcome = 'succeeded' OR outcome = 'failed' OR outcome = 'lost'
                             OR outcome = 'interrupted' OR outcome = 'deferred'
                             OR outcome = 'cancelled'),
    error        TEXT,
    duration_ms  INTEGER,
    PRIMARY KEY (job_id, attempt)
) WITHOUT ROWID;
INSERT INTO job_attempts (job_id, attempt, owner, started_at, finished_at, outcome, error, duration_ms)
    SELECT job_id, attempt, owner, started_at, finished_at, outcome, error, duration_ms
    FROM job_attempts_kept;
DROP TABLE job_attempts_kept;

CREATE VIEW metrics_hourly (hour, job, succeeded, failed, duration_ms) AS
    SELECT hour, job, succeeded, failed, duration_ms FROM metrics_archive
    UNION ALL
    SELECT substr(a.finished_at, 1, 13), j.type,
           sum(a.outcome = 'succeeded'), sum(a.outcome <> 'succeeded'),
           sum(a.duration_ms)
    FROM job_attempts a JOIN jobs j ON j.id = a.job_id
    WHERE a.outcome IN ('succeeded', 'failed', 'cancelled')
    GROUP BY 1, 2;
