/*
 * sync_retry.c - applies the sync envelopes that failed before, with
 * backoff, and gives up on them after MaxRetries.
 *
 * Due rows: status 'failed', retry_count < MaxRetries and next_retry_at
 * <= now, oldest next_retry_at first. A failed row without next_retry_at
 * counts as due (it was never given a time, and would otherwise wait
 * forever without ever failing permanently or telling its user). One step
 * is one BEGIN IMMEDIATE transaction over at most BatchSize rows; the rows
 * are read into memory first, because applying them moves them in the
 * (status, next_retry_at) index the reading cursor walks.
 *
 * Each envelope is applied by sync_apply() inside its own SAVEPOINT, so a
 * bad one is rolled back alone and the batch goes on:
 * - applied or stale (the app row is newer: last write wins): the
 *   sync_queue row is deleted;
 * - an envelope error: retry_count + 1, last_error, last_attempt_at = now
 *   and next_retry_at = now + RetryDelayMinutes[retry_count - 1] (the last
 *   entry for later retries), so the first retry after the first failure
 *   waits RetryDelayMinutes[0]. Reaching MaxRetries instead sets
 *   'permanently_failed' (next_retry_at NULL: nothing is planned) and
 *   inserts one sync_failed notification for the row's user, in the same
 *   transaction, so a crash can neither lose nor repeat it.
 * - a database error (busy, disk full) rolls the whole batch back; the
 *   runner retries the step and no envelope loses an attempt.
 *
 * Boundary: next_retry_at <= now as text in the fixed format; a value
 * stored without milliseconds ("...T20:45:17Z") sorts after every
 * "...T20:45:17.sssZ", so such a row is retried up to a second late,
 * never early.
 *
 * Counts: applied, stale, retried, failed_permanently.
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "app/notification.h"
#include "app/sync.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sync_retry_state {
	int batch_size;
	int max_retries;
	const int *delay_minutes;
	int delay_count;
};

/* What one step did; added to the job's counts only after its commit, so
 * a rolled-back batch that runs again is not counted twice. */
struct step_tally {
	int64_t applied, stale, retried, failed_permanently;
};

/* One due sync_queue row, copied out of the cursor. */
struct due_row {
	char *id, *user_id, *entity_type, *entity_id, *operation, *payload;
	char *client_updated_at;
	int retry_count;
};

static const char select_due_sql[] =
    "SELECT id, user_id, entity_type, entity_id, operation, payload,\n"
    "       client_updated_at, retry_count\n"
    "  FROM sync_queue\n"
    " WHERE status = 'failed' AND retry_count < ?1\n"
    "   AND (next_retry_at IS NULL OR next_retry_at <= ?2)\n"
    " ORDER BY next_retry_at, created_at, id\n"
    " LIMIT ?3";

static const char delete_row_sql[] = "DELETE FROM sync_queue WHERE id = ?1";

static const char record_failure_sql[] =
    "UPDATE sync_queue\n"
    "   SET status = ?2, retry_count = ?3, last_error = ?4,\n"
    "       last_attempt_at = ?5, next_retry_at = ?6\n"
    " WHERE id = ?1";

static int sync_retry_start(struct job_ctx *ctx, struct err *e)
{
	struct sync_retry_state *s = calloc(1, sizeof(*s));

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->batch_size = ctx->cfg->jobs.sync_retry.r.batch_size;
	s->max_retries = ctx->cfg->jobs.sync_retry.max_retries;
	s->delay_minutes = ctx->cfg->jobs.sync_retry.retry_delay_minutes;
	s->delay_count = ctx->cfg->jobs.sync_retry.retry_delay_count;
	ctx->state = s;
	job_count(ctx, "applied", 0);
	job_count(ctx, "stale", 0);
	job_count(ctx, "retried", 0);
	job_count(ctx, "failed_permanently", 0);
	return 0;
}

static char *column_copy(sqlite3_stmt *stmt, int column, int *is_nomem)
{
	const char *text = (const char *)sqlite3_column_text(stmt, column);
	char *copy = text ? strdup(text) : NULL;

	if (text && !copy)
		*is_nomem = 1;
	return copy;
}

static void rows_free(struct due_row *rows, int count)
{
	for (int i = 0; rows && i < count; i++) {
		free(rows[i].id);
		free(rows[i].user_id);
		free(rows[i].entity_type);
		free(rows[i].entity_id);
		free(rows[i].operation);
		free(rows[i].payload);
		free(rows[i].client_updated_at);
	}
	free(rows);
}

static int load_due(struct job_ctx *ctx, const struct sync_retry_state *s,
		    struct due_row *rows, int *count, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int is_nomem = 0, rc;

	*count = 0;
	if ((rc = db_prepare(ctx->db, select_due_sql, &stmt, e)))
		return rc;
	sqlite3_bind_int(stmt, 1, s->max_retries);
	db_bind_time(stmt, 2, ctx->now);
	sqlite3_bind_int(stmt, 3, s->batch_size);
	while (*count < s->batch_size &&
	       (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct due_row *r = &rows[(*count)++];
		r->id = column_copy(stmt, 0, &is_nomem);
		r->user_id = column_copy(stmt, 1, &is_nomem);
		r->entity_type = column_copy(stmt, 2, &is_nomem);
		r->entity_id = column_copy(stmt, 3, &is_nomem);
		r->operation = column_copy(stmt, 4, &is_nomem);
		r->payload = column_copy(stmt, 5, &is_nomem);
		r->client_updated_at = column_copy(stmt, 6, &is_nomem);
		r->retry_count = sqlite3_column_int(stmt, 7);
	}
	if (is_nomem)
		rc = err_set(e, ERR_NOMEM, "out of memory reading sync_queue");
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = 0;
	else
		rc = db_error(ctx->db, rc, e, "reading due sync_queue rows");
	sqlite3_finalize(stmt);
	return rc;
}

static int exec_one(sqlite3 *db, sqlite3_stmt *stmt, const char *what,
		    struct err *e)
{
	int rc = sqlite3_step(stmt);

	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : db_error(db, rc, e, what);
}

static int delete_row(sqlite3 *db, const char *id, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = db_prepare(db, delete_row_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	return exec_one(db, stmt, "deleting an applied sync_queue row", e);
}

static int notify_user(struct job_ctx *ctx, const struct due_row *r,
		       const char *error, struct err *e)
{
	cJSON *payload = cJSON_CreateObject();
	char *text = NULL;
	int rc;

	cJSON_AddStringToObject(payload, "syncId", r->id);
	cJSON_AddStringToObject(payload, "entityType", r->entity_type);
	cJSON_AddStringToObject(payload, "entityId", r->entity_id);
	cJSON_AddStringToObject(payload, "operation", r->operation);
	cJSON_AddStringToObject(payload, "lastError", error);
	if (!(text = cJSON_PrintUnformatted(payload))) {
		rc = err_set(e, ERR_NOMEM,
			     "out of memory building a notification");
		goto done;
	}
	rc = notification_insert(ctx->db, r->user_id, "sync_failed", text,
				 ctx->now, NULL, e);
done:
	cJSON_free(text);
	cJSON_Delete(payload);
	return rc;
}

static int record_failure(struct job_ctx *ctx, const struct sync_retry_state *s,
			  const struct due_row *r, const char *error,
			  struct step_tally *tally, struct err *e)
{
	int retry_count = r->retry_count + 1;
	int is_final = retry_count >= s->max_retries;
	int index = retry_count - 1 < s->delay_count ? retry_count - 1
						     : s->delay_count - 1;
	int64_t delay =
	    index >= 0 ? s->delay_minutes[index] * MS_PER_MINUTE : 0;
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = db_prepare(ctx->db, record_failure_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, is_final ? "permanently_failed" : "failed",
			  -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, retry_count);
	sqlite3_bind_text(stmt, 4, error, -1, SQLITE_STATIC);
	db_bind_time(stmt, 5, ctx->now);
	if (!is_final)
		db_bind_time(stmt, 6, ctx->now + delay);
	if ((rc =
		 exec_one(ctx->db, stmt, "recording a failed sync attempt", e)))
		return rc;
	if (!is_final) {
		tally->retried++;
		return 0;
	}
	tally->failed_permanently++;
	return notify_user(ctx, r, error, e);
}

static int process_row(struct job_ctx *ctx, const struct sync_retry_state *s,
		       const struct due_row *r, struct step_tally *tally,
		       struct err *e)
{
	struct sync_envelope env = {
	    .sync_id = r->id,
	    .user_id = r->user_id,
	    .entity_type = r->entity_type,
	    .entity_id = r->entity_id,
	    .operation = r->operation,
	    .payload = r->payload,
	};
	struct err apply_err = {0};
	int rc;

	if (r->client_updated_at &&
	    clock_parse(r->client_updated_at, &env.client_updated_at, NULL))
		rc = err_set(&apply_err, ERR_INVALID,
			     "client_updated_at '%s' is not a time",
			     r->client_updated_at);
	else
		rc = sync_apply(ctx->db, &env, &apply_err);
	if (rc >= 0) {
		if (rc == SYNC_STALE)
			tally->stale++;
		else
			tally->applied++;
		return delete_row(ctx->db, r->id, e);
	}
	if (sync_error_is_envelope(rc))
		return record_failure(ctx, s, r, apply_err.msg, tally, e);
	*e = apply_err;
	return rc;
}

static int sync_retry_step(struct job_ctx *ctx, struct err *e)
{
	const struct sync_retry_state *s = ctx->state;
	struct due_row *rows = calloc((size_t)s->batch_size, sizeof(*rows));
	struct step_tally tally = {0};
	int count = 0, rc;

	if (!rows)
		return err_set(e, ERR_NOMEM, "out of memory");
	if ((rc = db_begin(ctx->db, e)))
		goto done;
	rc = load_due(ctx, s, rows, &count, e);
	for (int i = 0; !rc && i < count; i++)
		rc = process_row(ctx, s, &rows[i], &tally, e);
	if (!rc)
		rc = db_commit(ctx->db, e);
	if (rc) {
		db_rollback(ctx->db);
		goto done;
	}
	job_count(ctx, "applied", tally.applied);
	job_count(ctx, "stale", tally.stale);
	job_count(ctx, "retried", tally.retried);
	job_count(ctx, "failed_permanently", tally.failed_permanently);
	rc = count < s->batch_size ? JOB_DONE : JOB_AGAIN;
done:
	rows_free(rows, count);
	return rc;
}

static void sync_retry_finish(struct job_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

const struct job_type job_sync_retry = {
    .name = "sync_retry",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 30000,
    .retry_cap_ms = 3600000,
    .start = sync_retry_start,
    .step = sync_retry_step,
    .finish = sync_retry_finish,
};
