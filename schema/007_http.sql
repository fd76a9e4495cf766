-- 007: counters that never go down (issue 15). job_execution_total and
-- job_failures_total were sums over metrics_hourly, whose rows older than
-- Queue.HistoryRetentionDays are pruned: the sums dropped every hour,
-- which Prometheus reads as a counter reset. metrics_totals keeps one row
-- per job type that is only ever increased, beside the hourly rows (which
-- the dashboard's charts still read) and untouched by their pruning.

CREATE TABLE metrics_totals (
    job          TEXT PRIMARY KEY,
    succeeded    INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO metrics_totals (job, succeeded, failed)
SELECT job, sum(succeeded), sum(failed) FROM metrics_hourly GROUP BY job;
