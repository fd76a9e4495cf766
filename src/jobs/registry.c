/*
 * registry.c - the table of every job type this binary runs.
 *
 * Adding a job is adding its file in src/jobs/ and one line here. The
 * table is passed down to the queue, the runner and the scheduler (as
 * curl hands its protocol handlers to the transfer code), so the layers
 * below never name a job.
 */
#include "jobs/registry.h"
#include "core/job.h"

#include <stddef.h>

extern const struct job_type job_activity_cleanup;
extern const struct job_type job_backup;
extern const struct job_type job_draft_cleanup;
extern const struct job_type job_draft_reminder;
extern const struct job_type job_export_cleanup;
extern const struct job_type job_export_data;
extern const struct job_type job_invitation_expiration;
extern const struct job_type job_noop;
extern const struct job_type job_notification_cleanup;
extern const struct job_type job_refresh_token_cleanup;
extern const struct job_type job_send_email;
extern const struct job_type job_sync_retry;
extern const struct job_type job_weekly_summary_email;

const struct job_type *const job_registry[] = {
    &job_activity_cleanup,
    &job_backup,
    &job_draft_cleanup,
    &job_draft_reminder,
    &job_export_cleanup,
    &job_export_data,
    &job_invitation_expiration,
    &job_noop,
    &job_notification_cleanup,
    &job_refresh_token_cleanup,
    &job_send_email,
    &job_sync_retry,
    &job_weekly_summary_email,
    NULL,
};
