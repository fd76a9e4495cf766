-- 007: counters that never go down (issue 15). The Prometheus counters
-- job_execution_total and job_failures_total are sums over metrics_hourly
-- (a view over the attempts and metrics_archive, 005), whose archive rows
-- older than Queue.HistoryRetentionDays are pruned: the sums would drop,
-- which Prometheus reads as a counter reset. metrics_totals receives each
-- archive hour in the transaction that prunes it, one row per job type
-- that is only ever increased; a counter is metrics_totals plus
-- metrics_hourly, so every attempt is counted once wherever it is.

CREATE TABLE metrics_totals (
    job          TEXT PRIMARY KEY,
    succeeded    INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
