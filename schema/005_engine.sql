-- 005: the queue at the floor's cost (issue 13).
--
-- An INSERT into jobs is one row and one index entry, with no second
-- write: the jobs_type_defaults trigger is gone. A row inserted without
-- priority keeps NULL, and its type's priority is resolved inside the
-- claim index's own expression (the CASE below names every type whose
-- priority is not 0; tests/unit/test_queue.c checks it against the job
-- registry, so a type whose priority changes needs a migration). A NULL
-- max_attempts is resolved by the claim, which writes the row anyway.
--
-- One index serves the claim, the next due time (a skip-scan over the
-- priorities), the running jobs (recovery) and the counts by state: it
-- holds exactly the unfinished jobs, so a finished job leaves it and
-- nothing else is kept per state. The other per-state indexes cost a page
-- write per job on every transition; pruning and the dashboard read the
-- small jobs table in rowid order instead.

DROP TRIGGER IF EXISTS jobs_type_defaults;
DROP INDEX IF EXISTS jobs_claim;
DROP INDEX IF EXISTS jobs_processing;
DROP INDEX IF EXISTS jobs_state_type;
DROP INDEX IF EXISTS jobs_finished;
DROP INDEX IF EXISTS jobs_due;

CREATE INDEX jobs_claim ON jobs (
    COALESCE(priority, CASE type WHEN 'send_email' THEN 10 WHEN 'backup' THEN -5 WHEN 'export_data' THEN -10 ELSE 0 END) DESC,
    run_at, id)
    WHERE state IN ('scheduled', 'enqueued', 'failed', 'processing');

-- Runs per job and hour are derived, not written per job: metrics_hourly
-- is now a view over the attempts still in job_attempts plus the archive
-- of those whose jobs were pruned (queue_prune folds them in, in the same
-- transaction as the delete, so every attempt is counted exactly once).
-- A cancelled attempt counts as failed, as before; a lost one not at all.
ALTER TABLE metrics_hourly RENAME TO metrics_archive;

CREATE VIEW metrics_hourly (hour, job, succeeded, failed, duration_ms) AS
    SELECT hour, job, succeeded, failed, duration_ms FROM metrics_archive
    UNION ALL
    SELECT substr(a.finished_at, 1, 13), j.type,
           sum(a.outcome = 'succeeded'), sum(a.outcome <> 'succeeded'),
           sum(a.duration_ms)
    FROM job_attempts a JOIN jobs j ON j.id = a.job_id
    WHERE a.outcome IN ('succeeded', 'failed', 'cancelled')
    GROUP BY 1, 2;
