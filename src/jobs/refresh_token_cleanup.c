/*
 * refresh_token_cleanup.c - deletes refresh tokens that can no longer be
 * used: expired ones, and ones revoked more than RevokedRetentionDays ago.
 *
 * A revoked token is kept for a while so that the app can recognise a
 * stolen token being replayed (its whole family gets revoked); after
 * RevokedRetentionDays (default 7) that is no longer worth the row. Two
 * phases, expired first (a token both expired and revoked counts as
 * expired), each step one BEGIN IMMEDIATE transaction of at most BatchSize
 * rows through the expires_at or revoked_at index. The config has no
 * pause for this job: the table is small and the loop still serves other
 * work between steps. replaced_by_token_id is ON DELETE SET NULL, so the
 * order in which a rotation chain is deleted does not matter.
 *
 * Boundaries: expires_at < now (a token expiring this very millisecond
 * stays) and revoked_at < now - RevokedRetentionDays (a token revoked
 * exactly that long ago stays), compared as text in the data model's
 * fixed format. A value stored without milliseconds ("...T20:45:17Z")
 * sorts after every "...T20:45:17.sssZ": it is deleted at most a second
 * late, never early. Both cutoffs are fixed when the attempt starts.
 *
 * Counts: deleted_expired, deleted_revoked.
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"

#include <stdlib.h>

enum token_phase { PHASE_EXPIRED, PHASE_REVOKED };

struct refresh_token_cleanup_state {
	enum token_phase phase;
	int64_t now;
	int64_t revoked_cutoff;
	int batch_size;
	struct db_batch expired, revoked; /* prepared once per run */
};

static const char delete_expired_sql[] =
    "DELETE FROM refresh_tokens\n"
    " WHERE rowid IN (SELECT rowid FROM refresh_tokens\n"
    "                  WHERE expires_at < ?1\n"
    "                  ORDER BY expires_at\n"
    "                  LIMIT ?2)";

static const char delete_revoked_sql[] =
    "DELETE FROM refresh_tokens\n"
    " WHERE rowid IN (SELECT rowid FROM refresh_tokens\n"
    "                  WHERE revoked_at < ?1\n"
    "                  ORDER BY revoked_at\n"
    "                  LIMIT ?2)";

static int refresh_token_cleanup_start(struct job_ctx *ctx, struct err *e)
{
	struct refresh_token_cleanup_state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->phase = PHASE_EXPIRED;
	s->now = ctx->now;
	s->revoked_cutoff =
	    ctx->now -
	    ctx->cfg->jobs.refresh_token_cleanup.revoked_retention_days *
		MS_PER_DAY;
	s->batch_size = ctx->cfg->jobs.refresh_token_cleanup.r.batch_size;
	ctx->state = s;
	if ((rc = db_batch_prepare(ctx->db, delete_expired_sql,
				   "deleting expired refresh tokens",
				   &s->expired, e)) ||
	    (rc = db_batch_prepare(ctx->db, delete_revoked_sql,
				   "deleting revoked refresh tokens",
				   &s->revoked, e)))
		return rc;
	return 0;
}

static int refresh_token_cleanup_step(struct job_ctx *ctx, struct err *e)
{
	struct refresh_token_cleanup_state *s = ctx->state;
	int is_expired = s->phase == PHASE_EXPIRED;
	int deleted = 0, rc;

	if ((rc = db_batch_run(ctx->db, is_expired ? &s->expired : &s->revoked,
			       is_expired ? s->now : s->revoked_cutoff,
			       s->batch_size, 1, &deleted, e)))
		return rc;
	job_count(ctx, "deleted_expired", is_expired ? deleted : 0);
	job_count(ctx, "deleted_revoked", is_expired ? 0 : deleted);
	if (deleted == s->batch_size)
		return JOB_AGAIN;
	if (!is_expired)
		return JOB_DONE;
	s->phase = PHASE_REVOKED;
	return JOB_AGAIN;
}

static void refresh_token_cleanup_finish(struct job_ctx *ctx)
{
	struct refresh_token_cleanup_state *s = ctx->state;

	if (s) {
		db_batch_finalize(&s->expired);
		db_batch_finalize(&s->revoked);
	}
	free(s);
	ctx->state = NULL;
}

const struct job_type job_refresh_token_cleanup = {
    .name = "refresh_token_cleanup",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 30000,
    .retry_cap_ms = 3600000,
    .start = refresh_token_cleanup_start,
    .step = refresh_token_cleanup_step,
    .finish = refresh_token_cleanup_finish,
};
