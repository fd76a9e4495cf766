/*
 * export_cleanup.c - deletes export files whose download link expired.
 *
 * Recurring (Jobs.ExportCleanup). The exports table (schema 003) lists
 * every export the export_data job made, with its expiry, so the job
 * needs no listing of the storage and works the same for S3. A step takes
 * the next expired row, deletes its blob (a missing blob counts as gone)
 * and then the row, in a short transaction; so a crash between the two
 * leaves a row whose blob is gone, which the next run finishes. With a
 * remote storage the delete is a transfer in the loop (JOB_WAIT); a local
 * delete is immediate, and then up to BatchSize rows go in one step.
 *
 * Refused keys. A row whose storage_key storage_key_valid() refuses, or
 * whose way holds a symbolic link (ERR_PERM from the storage), names no
 * file we will ever delete: it is logged (export_cleanup.key_refused),
 * counted (keys_refused) and its row dropped, as DraftCleanup does, so one
 * bad row cannot stop every later run.
 *
 * Boundary: expires_at <= now, compared as text against now in the data
 * model's format with milliseconds; a value stored without milliseconds
 * ("...T20:45:17Z") sorts after "...T20:45:17.999Z" and so expires up to
 * one second late, never early.
 */
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "base/log.h"
#include "core/job.h"
#include "core/services.h"
#include "storage/storage.h"
#include "app/transfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cleanup_state {
	struct storage *st;
	struct transfer t;
	char key[STORAGE_KEY_MAX + 1];
};

static const char next_sql[] = "SELECT storage_key FROM exports\n"
			       "WHERE expires_at <= ?1\n"
			       "ORDER BY expires_at, storage_key LIMIT 1";

static int cleanup_start(struct job_ctx *ctx, struct err *e)
{
	struct cleanup_state *s = calloc(1, sizeof(*s));

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	ctx->state = s;
	s->st = ctx->services ? ctx->services->storage : NULL;
	if (!s->st)
		return err_set(e, ERR_FATAL,
			       "export_cleanup needs a storage "
			       "(Storage.Provider)");
	job_count(ctx, "deleted", 0);
	job_count(ctx, "keys_refused", 0);
	return 0;
}

/* 1 and the key when an expired export is left, 0 when none. */
static int next_expired(struct job_ctx *ctx, struct cleanup_state *s,
			struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(ctx->db, next_sql, &st, e)))
		return rc;
	db_bind_time(st, 1, ctx->now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(s->key, sizeof(s->key), "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_error(ctx->db, rc, e, "exports");
}

static int is_local(struct storage *st)
{
	return strcmp(storage_provider_name(st), "local") == 0;
}

static int forget(struct job_ctx *ctx, struct cleanup_state *s, int rc,
		  struct err *e)
{
	sqlite3_stmt *st = NULL;

	if (rc == ERR_NOTFOUND)
		rc = 0;
	else if (rc == ERR_INVALID ||
		 (rc == ERR_PERM && is_local(s->st))) { /* not S3's 403 */
		log_event(LOG_WARN, "export_cleanup.key_refused", "key", s->key,
			  "reason", e->msg, (char *)NULL);
		job_count(ctx, "keys_refused", 1);
		rc = 0;
	} else if (rc)
		return rc;
	else
		job_count(ctx, "deleted", 1);
	if ((rc = db_begin(ctx->db, e)) ||
	    (rc = db_prepare(ctx->db,
			     "DELETE FROM exports WHERE storage_key = ?1", &st,
			     e)))
		goto done;
	sqlite3_bind_text(st, 1, s->key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE ? db_commit(ctx->db, e)
			       : db_error(ctx->db, rc, e, "exports");
done:
	sqlite3_finalize(st);
	if (rc)
		db_rollback(ctx->db);
	return rc;
}

static int cleanup_step(struct job_ctx *ctx, struct err *e)
{
	struct cleanup_state *s = ctx->state;
	int batch = ctx->cfg->jobs.export_cleanup.r.batch_size;

	if (transfer_active(&s->t)) {
		int rc = forget(ctx, s, transfer_finish(&s->t, e), e);

		return rc ? rc : JOB_AGAIN;
	}
	for (int i = 0; i < (batch > 0 ? batch : 100); i++) {
		struct storage_pending *p = NULL;
		int rc = next_expired(ctx, s, e);

		if (rc <= 0)
			return rc < 0 ? rc : JOB_DONE;
		rc = storage_delete_start(s->st, s->key, &p, e);
		if (!rc && p) {
			rc = transfer_begin(&s->t, ctx, p, e);
			if (rc == JOB_WAIT || rc < 0)
				return rc;
			rc = transfer_finish(&s->t, e);
		}
		if ((rc = forget(ctx, s, rc, e)))
			return rc;
	}
	return JOB_AGAIN;
}

static void cleanup_finish(struct job_ctx *ctx)
{
	struct cleanup_state *s = ctx->state;

	if (!s)
		return;
	transfer_cancel(&s->t);
	free(s);
	ctx->state = NULL;
}

const struct job_type job_export_cleanup = {
    .name = "export_cleanup",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 60000,
    .retry_cap_ms = 3600000,
    .start = cleanup_start,
    .step = cleanup_step,
    .finish = cleanup_finish,
};
