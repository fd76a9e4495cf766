-- 002: the jobs appliance's own tables: queue, attempts, recurring
-- schedules, schedule history, leader lease, metrics history, alerts.
--
-- The jobs table is a public contract: another program enqueues a job
-- with a plain INSERT of (type, payload[, run_at][, unique_key]
-- [, priority][, max_attempts]). See README "Enqueueing from another
-- program". Times are UTC text YYYY-MM-DDTHH:MM:SS.sssZ.

CREATE TABLE job_types (
    name          TEXT PRIMARY KEY,
    priority      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    updated_at    TEXT NOT NULL
);

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    type          TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
    payload       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    state         TEXT NOT NULL DEFAULT 'enqueued'
                  CHECK (state IN ('scheduled', 'enqueued', 'processing',
                                   'succeeded', 'failed', 'dead', 'cancelled')),
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

-- Fill the type's priority and attempt limit into rows inserted without
-- them (another program's INSERT), so the claim can use one index.
CREATE TRIGGER jobs_type_defaults AFTER INSERT ON jobs
WHEN NEW.priority IS NULL OR NEW.max_attempts IS NULL
BEGIN
    UPDATE jobs SET
        priority = COALESCE(NEW.priority,
            (SELECT priority FROM job_types WHERE name = NEW.type), 0),
        max_attempts = COALESCE(NEW.max_attempts,
            (SELECT max_attempts FROM job_types WHERE name = NEW.type), 3)
    WHERE id = NEW.id;
END;

-- The claim: highest priority, then oldest run_at, among waiting jobs.
CREATE INDEX jobs_claim ON jobs (priority DESC, run_at, id)
    WHERE state IN ('scheduled', 'enqueued', 'failed');
CREATE INDEX jobs_processing ON jobs (lease_until) WHERE state = 'processing';
CREATE INDEX jobs_state_type ON jobs (state, type);
CREATE INDEX jobs_finished ON jobs (state, finished_at)
    WHERE state IN ('succeeded', 'dead', 'cancelled');
-- An enqueue with a unique_key is idempotent while that job is unfinished.
CREATE UNIQUE INDEX jobs_unique_active ON jobs (unique_key)
    WHERE unique_key IS NOT NULL
      AND state IN ('scheduled', 'enqueued', 'processing', 'failed');

-- Every attempt of every job, with its error: what `jobs show` prints.
CREATE TABLE job_attempts (
    job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    owner        TEXT,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT CHECK (outcome IN ('succeeded', 'failed', 'lost', 'cancelled')),
    error        TEXT,
    duration_ms  INTEGER,
    PRIMARY KEY (job_id, attempt)
) WITHOUT ROWID;

-- Recurring schedules, planned from the config's Jobs.<Name> sections.
CREATE TABLE recurring_jobs (
    name          TEXT PRIMARY KEY,           -- config name, e.g. DraftCleanup
    type          TEXT NOT NULL,              -- job type, e.g. draft_cleanup
    cron          TEXT NOT NULL,
    time_zone     TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    misfire       TEXT NOT NULL DEFAULT 'run_once' CHECK (misfire IN ('run_once', 'skip')),
    next_fire_at  TEXT,
    last_fire_at  TEXT,                       -- planned time of the last fire
    last_job_id   INTEGER,
    last_result   TEXT,
    last_duration_ms INTEGER,
    updated_at    TEXT NOT NULL
);

CREATE TABLE schedule_history (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    planned_at   TEXT NOT NULL,
    fired_at     TEXT NOT NULL,
    job_id       INTEGER,
    started_at   TEXT,
    finished_at  TEXT,
    result       TEXT NOT NULL CHECK (result IN ('enqueued', 'running', 'succeeded',
                     'failed', 'dead', 'skipped', 'missed', 'triggered')),
    detail       TEXT,
    counts       TEXT CHECK (counts IS NULL OR json_valid(counts))
);
CREATE INDEX schedule_history_name ON schedule_history (name, planned_at);
CREATE INDEX schedule_history_job ON schedule_history (job_id);

-- One row: which daemon leads on this file (runs the scheduler and the
-- queue). The lease itself is an flock() on the database file, which the
-- kernel releases the instant the holder dies; this row says who holds it.
CREATE TABLE leader_lease (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    owner        TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    acquired_at  TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);

-- Runs per job and hour, for the dashboard chart and restart-proof counts.
CREATE TABLE metrics_hourly (
    hour         TEXT NOT NULL,               -- YYYY-MM-DDTHH
    job          TEXT NOT NULL,
    succeeded    INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, job)
) WITHOUT ROWID;

CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('consecutive_failures',
                     'queue_length', 'long_running', 'disk_full', 'other')),
    subject      TEXT NOT NULL,
    message      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    resolved_at  TEXT
);

-- Small daemon-owned values: the generated link signing key, etc.
CREATE TABLE jobs_settings (
    key          TEXT PRIMARY KEY,
    value        TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- The earliest due time, for the loop's sleep.
CREATE INDEX jobs_due ON jobs (run_at)
    WHERE state IN ('scheduled', 'enqueued', 'failed');
