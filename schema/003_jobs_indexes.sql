-- 003: what the data jobs keep beyond the data model.
--
-- draft_notices: the draft_reminder job's record of the once-per-draft
-- notices it has sent (draft_reminder, draft_expiring). The notifications
-- themselves are no such record: NotificationCleanup deletes read ones
-- after RetentionDaysRead, while a draft may live longer than that
-- (DeleteAfterDays is configurable), and the draft_expiring email leaves
-- no row once its send_email job is pruned. One row per (draft, notice),
-- primary key lookup, gone with the draft when the app purges it.
CREATE TABLE draft_notices (
    zaznam_id     TEXT NOT NULL REFERENCES zaznamy (id) ON DELETE CASCADE,
    type          TEXT NOT NULL
                  CHECK (type IN ('draft_reminder', 'draft_expiring')),
    sent_at       TEXT NOT NULL,
    PRIMARY KEY (zaznam_id, type)
) WITHOUT ROWID;
