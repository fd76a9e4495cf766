-- 008: edges found from outside (issue 17).
--
-- activities.target_type is written by other programs too and the data
-- model states no case, so the jobs find a record's creator with
-- lower(target_type) = 'zaznam'; the partial index says the same, or the
-- planner could not use it for that query.
DROP INDEX IF EXISTS activities_record_created;
CREATE INDEX activities_record_created ON activities (target_id, created_at)
	WHERE lower(target_type) = 'zaznam' AND type = 'zaznam_created';

-- weekly_summaries: the weekly_summary_email job's record of the email it
-- enqueued for a user in an ISO week ("2026-W48"), with the send_email
-- job's id. The queue is no such record: Queue.SucceededRetentionDays may
-- prune a sent email before the week is over. A marker whose job went
-- dead is replaced by a new attempt. Rows older than five weeks go.
CREATE TABLE weekly_summaries (
    user_id       TEXT NOT NULL,
    week          TEXT NOT NULL,
    job_id        INTEGER NOT NULL,
    enqueued_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, week)
) WITHOUT ROWID;
