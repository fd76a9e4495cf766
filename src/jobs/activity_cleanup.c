/*
 * activity_cleanup.c - deletes activities older than RetentionDays.
 *
 * The activity feed only needs its last few months; older rows are noise
 * that grows the file on a small SD card. One step is one BEGIN IMMEDIATE
 * transaction that deletes at most BatchSize of the oldest eligible rows,
 * then the job asks the loop for a BatchPauseMs pause, so the app's own
 * writers get the lock between batches. A short batch means none are left.
 *
 * Rows are picked by rowid through the activities(created_at) index.
 * SQLite's `DELETE ... LIMIT` needs SQLITE_ENABLE_UPDATE_DELETE_LIMIT,
 * which Debian's build has and others (the amalgamation's default, macOS)
 * do not; the rowid subquery walks the same index at the same cost and
 * works with any build.
 *
 * Boundary: created_at < now - RetentionDays, compared as text in the
 * data model's fixed format, so an activity exactly RetentionDays old
 * stays. A value stored without milliseconds ("...T20:45:17Z") sorts after
 * every "...T20:45:17.sssZ": it counts as up to one second younger than it
 * is, so it is deleted at most a second late, never early. The cutoff is
 * fixed when the attempt starts, so pauses do not move it.
 *
 * The rows of a batch sit all over the random-UUID primary-key index.
 * Before taking the write lock, the step reads the batch once through that
 * index (a plain read transaction, which blocks nobody), so the pages are
 * in the cache and the locked DELETE only writes: the lock is held for a
 * fraction of the time.
 *
 * Counts: deleted (rows), batches (transactions that deleted something).
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"

#include <stdlib.h>

struct activity_cleanup_state {
	int64_t cutoff;
	int batch_size;
	int pause_ms;
	int is_prefetched; /* the next batch was read by the previous step */
	struct db_batch prefetch, delete; /* prepared once per run */
};

static const char delete_batch_sql[] =
    "DELETE FROM activities\n"
    " WHERE rowid IN (SELECT rowid FROM activities\n"
    "                  WHERE created_at < ?1\n"
    "                  ORDER BY created_at\n"
    "                  LIMIT ?2)";

static const char prefetch_sql[] = "SELECT count(*) FROM activities\n"
				   " WHERE id IN (SELECT id FROM activities\n"
				   "               WHERE created_at < ?1\n"
				   "               ORDER BY created_at\n"
				   "               LIMIT ?2)";

static int activity_cleanup_start(struct job_ctx *ctx, struct err *e)
{
	struct activity_cleanup_state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->cutoff = ctx->now -
		    ctx->cfg->jobs.activity_cleanup.retention_days * MS_PER_DAY;
	s->batch_size = ctx->cfg->jobs.activity_cleanup.r.batch_size;
	s->pause_ms = ctx->cfg->jobs.activity_cleanup.batch_pause_ms;
	ctx->state = s;
	if ((rc =
		 db_batch_prepare(ctx->db, prefetch_sql,
				  "reading old activities", &s->prefetch, e)) ||
	    (rc = db_batch_prepare(ctx->db, delete_batch_sql,
				   "deleting old activities", &s->delete, e)))
		return rc;
	return 0;
}

static int activity_cleanup_step(struct job_ctx *ctx, struct err *e)
{
	struct activity_cleanup_state *s = ctx->state;
	int deleted = 0, rc;

	/* The read and the delete are two steps, so the loop serves HTTP
	 * between them and neither holds it long. */
	if (!s->is_prefetched) {
		if ((rc = db_batch_run(ctx->db, &s->prefetch, s->cutoff,
				       s->batch_size, 0, &deleted, e)))
			return rc;
		s->is_prefetched = 1;
		return JOB_AGAIN;
	}
	s->is_prefetched = 0;
	if ((rc = db_batch_run(ctx->db, &s->delete, s->cutoff, s->batch_size, 1,
			       &deleted, e)))
		return rc;
	job_count(ctx, "deleted", deleted);
	job_count(ctx, "batches", deleted > 0);
	if (deleted < s->batch_size)
		return JOB_DONE;
	ctx->pause_ms = s->pause_ms;
	return JOB_AGAIN;
}

static void activity_cleanup_finish(struct job_ctx *ctx)
{
	struct activity_cleanup_state *s = ctx->state;

	if (s) {
		db_batch_finalize(&s->prefetch);
		db_batch_finalize(&s->delete);
	}
	free(s);
	ctx->state = NULL;
}

const struct job_type job_activity_cleanup = {
    .name = "activity_cleanup",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 30000,
    .retry_cap_ms = 3600000,
    .start = activity_cleanup_start,
    .step = activity_cleanup_step,
    .finish = activity_cleanup_finish,
};
