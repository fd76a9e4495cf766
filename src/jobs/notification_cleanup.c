/*
 * notification_cleanup.c - deletes read notifications older than
 * RetentionDaysRead and unread ones older than RetentionDaysUnread.
 *
 * A read notification has done its work sooner than an unread one, hence
 * two retentions. The job runs in two phases, read first, then unread;
 * each step is one BEGIN IMMEDIATE transaction deleting at most BatchSize
 * rows of the current phase, followed by a BatchPauseMs pause. A short
 * batch ends the phase; a short batch of the unread phase ends the job.
 * Both phases walk the notifications(read_at, created_at) index.
 *
 * Age is created_at (the seed's "older than"), not read_at. Boundary:
 * created_at < now - retention, compared as text in the data model's
 * fixed format, so a notification exactly at its retention stays. A value
 * stored without milliseconds ("...T20:45:17Z") sorts after every
 * "...T20:45:17.sssZ": it counts as up to one second younger, so it is
 * deleted at most a second late, never early. Cutoffs are fixed when the
 * attempt starts.
 *
 * Counts: deleted_read, deleted_unread.
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"

#include <stdlib.h>

enum notification_phase { PHASE_READ, PHASE_UNREAD };

struct notification_cleanup_state {
	enum notification_phase phase;
	int64_t cutoff_read;
	int64_t cutoff_unread;
	int batch_size;
	int pause_ms;
	struct db_batch read, unread; /* prepared once per run */
};

static const char delete_read_sql[] =
    "DELETE FROM notifications\n"
    " WHERE rowid IN (SELECT rowid FROM notifications\n"
    "                  WHERE read_at IS NOT NULL AND created_at < ?1\n"
    "                  LIMIT ?2)";

static const char delete_unread_sql[] =
    "DELETE FROM notifications\n"
    " WHERE rowid IN (SELECT rowid FROM notifications\n"
    "                  WHERE read_at IS NULL AND created_at < ?1\n"
    "                  ORDER BY created_at\n"
    "                  LIMIT ?2)";

static int notification_cleanup_start(struct job_ctx *ctx, struct err *e)
{
	struct notification_cleanup_state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->phase = PHASE_READ;
	s->cutoff_read =
	    ctx->now - ctx->cfg->jobs.notification_cleanup.retention_days_read *
			   MS_PER_DAY;
	s->cutoff_unread =
	    ctx->now -
	    ctx->cfg->jobs.notification_cleanup.retention_days_unread *
		MS_PER_DAY;
	s->batch_size = ctx->cfg->jobs.notification_cleanup.r.batch_size;
	s->pause_ms = ctx->cfg->jobs.notification_cleanup.batch_pause_ms;
	ctx->state = s;
	if ((rc = db_batch_prepare(ctx->db, delete_read_sql,
				   "deleting old read notifications", &s->read,
				   e)) ||
	    (rc = db_batch_prepare(ctx->db, delete_unread_sql,
				   "deleting old unread notifications",
				   &s->unread, e)))
		return rc;
	return 0;
}

static int notification_cleanup_step(struct job_ctx *ctx, struct err *e)
{
	struct notification_cleanup_state *s = ctx->state;
	int is_read = s->phase == PHASE_READ;
	int deleted = 0, rc;

	if ((rc = db_batch_run(ctx->db, is_read ? &s->read : &s->unread,
			       is_read ? s->cutoff_read : s->cutoff_unread,
			       s->batch_size, 1, &deleted, e)))
		return rc;
	job_count(ctx, "deleted_read", is_read ? deleted : 0);
	job_count(ctx, "deleted_unread", is_read ? 0 : deleted);
	if (deleted == s->batch_size) {
		ctx->pause_ms = s->pause_ms;
		return JOB_AGAIN;
	}
	if (!is_read)
		return JOB_DONE;
	s->phase = PHASE_UNREAD;
	return JOB_AGAIN;
}

static void notification_cleanup_finish(struct job_ctx *ctx)
{
	struct notification_cleanup_state *s = ctx->state;

	if (s) {
		db_batch_finalize(&s->read);
		db_batch_finalize(&s->unread);
	}
	free(s);
	ctx->state = NULL;
}

const struct job_type job_notification_cleanup = {
    .name = "notification_cleanup",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 30000,
    .retry_cap_ms = 3600000,
    .start = notification_cleanup_start,
    .step = notification_cleanup_step,
    .finish = notification_cleanup_finish,
};
