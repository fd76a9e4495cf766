/*
 * draft_cleanup.c - drafts nobody finished are deleted after DeleteAfterDays.
 *
 * A draft (zaznamy.status 'draft', not deleted) whose created_at is
 * strictly older than now - DeleteAfterDays loses its documents' blobs,
 * then its documents and itself are soft-deleted (is_deleted, deleted_at
 * and updated_at = now). Complete records, deleted drafts and documents
 * already deleted are never touched. BatchSize drafts per step, oldest
 * first, until a batch comes back short.
 *
 * Blobs go through the outbox (app/blob_outbox.h). Each batch is one
 * short write transaction: select the drafts, record the keys of every
 * document of each draft (also documents the app had already deleted: the
 * seed removes all of a draft's files) in blob_deletions, soft-delete the
 * documents and the draft, commit. Once no draft is left, the job drains
 * the outbox: each blob is deleted through the storage's asynchronous
 * form, so an S3 request never holds the write lock nor blocks the loop,
 * and a row is forgotten once its blob is gone. A crash, or a blob that
 * cannot be deleted (the step fails and the runner retries later), leaves
 * its row for the next run; a blob already missing counts as gone.
 *
 * Unsafe keys. A storage_key that storage_key_valid() refuses (absolute,
 * "..", control characters) is never queued: it is logged
 * (draft_cleanup.key_refused) and counted, and the document row is still
 * soft-deleted, since a key we will never follow names no file of ours.
 *
 * Time boundary. The data model's times are fixed-width text, but readers
 * must accept values without milliseconds ("...T20:45:17Z"), which sort
 * after every "...T20:45:17.sssZ". The index narrows by text to
 * created_at < (cutoff rounded up to the next whole second), which keeps
 * every candidate of either form, and the exact test compares the value
 * normalised by strftime('%f') with the cutoff: "...17Z" counts as 17.000.
 * A draft exactly DeleteAfterDays old is not older, so it stays.
 *
 * Counts: deleted (drafts), documents, blobs_deleted, blobs_missing (the
 * blob was already gone), keys_refused.
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "base/log.h"
#include "app/blob_outbox.h"
#include "storage/storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cleanup_state {
	int64_t cutoff; /* created_at must be before this */
	int64_t coarse; /* text bound for the index: next whole second */
	int batch_size;
	char **ids; /* this batch's drafts, owned until the step ends */
	int id_count;
	int is_draining; /* all drafts done: deleting the queued blobs */
	struct blob_outbox_drain drain;
};

/* What one batch did; added to the job's counts only after the commit. */
struct cleanup_batch {
	int64_t documents, keys_refused;
};

static const char select_drafts_sql[] =
    "SELECT id FROM zaznamy\n"
    "WHERE status = 'draft' AND is_deleted = 0\n"
    "  AND created_at < ?1\n"
    "  AND strftime('%Y-%m-%dT%H:%M:%fZ', created_at) < ?2\n"
    "ORDER BY created_at, id\n"
    "LIMIT ?3";

static const char select_documents_sql[] =
    "SELECT id, storage_key FROM zaznam_dokumenty\n"
    "WHERE zaznam_id = ?1 AND storage_key IS NOT NULL\n"
    "ORDER BY id";

static const char delete_documents_sql[] =
    "UPDATE zaznam_dokumenty\n"
    "SET is_deleted = 1, deleted_at = ?2, updated_at = ?2\n"
    "WHERE zaznam_id = ?1 AND is_deleted = 0";

static const char delete_draft_sql[] =
    "UPDATE zaznamy\n"
    "SET is_deleted = 1, deleted_at = ?2, updated_at = ?2\n"
    "WHERE id = ?1 AND status = 'draft' AND is_deleted = 0";

static int cleanup_start(struct job_ctx *ctx, struct err *e)
{
	const struct config *cfg = ctx->cfg;
	struct cleanup_state *s = calloc(1, sizeof(*s));

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	ctx->state = s;
	s->batch_size = cfg->jobs.draft_cleanup.r.batch_size;
	if (s->batch_size < 1)
		return err_set(
		    e, ERR_INVALID,
		    "Jobs.DraftCleanup.BatchSize must be at least 1");
	s->ids = calloc((size_t)s->batch_size, sizeof(*s->ids));
	if (!s->ids)
		return err_set(e, ERR_NOMEM, "out of memory for %d draft ids",
			       s->batch_size);
	s->cutoff =
	    ctx->now - cfg->jobs.draft_cleanup.delete_after_days * MS_PER_DAY;
	s->coarse = s->cutoff - s->cutoff % MS_PER_SECOND + MS_PER_SECOND;
	/* Every count shows in the result, zero or not. */
	job_count(ctx, "deleted", 0);
	job_count(ctx, "documents", 0);
	job_count(ctx, "blobs_deleted", 0);
	job_count(ctx, "blobs_missing", 0);
	job_count(ctx, "keys_refused", 0);
	return 0;
}

static void free_ids(struct cleanup_state *s)
{
	for (int i = 0; i < s->id_count; i++)
		free(s->ids[i]);
	s->id_count = 0;
}

static int select_batch(struct job_ctx *ctx, struct cleanup_state *s,
			int *count, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc, n = 0;

	if ((rc = db_prepare(ctx->db, select_drafts_sql, &stmt, e)))
		return rc;
	db_bind_time(stmt, 1, s->coarse);
	db_bind_time(stmt, 2, s->cutoff);
	sqlite3_bind_int(stmt, 3, s->batch_size);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && n < s->batch_size) {
		s->ids[n] = strdup((const char *)sqlite3_column_text(stmt, 0));
		if (!s->ids[n]) {
			rc = err_set(e, ERR_NOMEM,
				     "out of memory for a draft id");
			goto done;
		}
		s->id_count = ++n;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = db_error(ctx->db, rc, e, "select drafts to delete");
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(stmt);
	*count = n;
	return rc;
}

/* Queues one document's blob; a refused key is logged and skipped. */
static int queue_blob(struct job_ctx *ctx, const char *draft_id,
		      const char *doc_id, const char *key,
		      struct cleanup_batch *b, struct err *e)
{
	struct err why = {0};
	int rc;

	if (storage_key_valid(key, &why)) {
		log_event(LOG_WARN, "draft_cleanup.key_refused", "draft",
			  draft_id, "document", doc_id, "reason", why.msg,
			  (char *)NULL);
		b->keys_refused++;
		return 0;
	}
	rc = blob_outbox_add(ctx->db, key, "draft_cleanup", ctx->now, &why);
	return rc ? err_set(e, rc, "draft %s, document %s: %s", draft_id,
			    doc_id, why.msg)
		  : 0;
}

static int queue_blobs(struct job_ctx *ctx, const char *draft_id,
		       struct cleanup_batch *b, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = db_prepare(ctx->db, select_documents_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, draft_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *doc_id = (const char *)sqlite3_column_text(stmt, 0);
		const char *key = (const char *)sqlite3_column_text(stmt, 1);

		if ((rc = queue_blob(ctx, draft_id, doc_id, key, b, e)))
			goto done;
	}
	if (rc != SQLITE_DONE) {
		rc = db_error(ctx->db, rc, e, "select documents of a draft");
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(stmt);
	return rc;
}

/* Runs an UPDATE of (id, now); *changes gets the rows it changed. */
static int soft_delete(struct job_ctx *ctx, const char *sql, const char *id,
		       int *changes, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = db_prepare(ctx->db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	db_bind_time(stmt, 2, ctx->now);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		rc = db_error(ctx->db, rc, e, "soft-delete a draft");
	else
		rc = 0;
	*changes = sqlite3_changes(ctx->db);
	sqlite3_finalize(stmt);
	return rc;
}

static int delete_draft(struct job_ctx *ctx, const char *draft_id,
			struct cleanup_batch *b, struct err *e)
{
	int rc, documents = 0, drafts = 0;

	if ((rc = queue_blobs(ctx, draft_id, b, e)) ||
	    (rc = soft_delete(ctx, delete_documents_sql, draft_id, &documents,
			      e)) ||
	    (rc = soft_delete(ctx, delete_draft_sql, draft_id, &drafts, e)))
		return rc;
	b->documents += documents;
	return 0;
}

/* Deletes the queued blobs (after the last batch of drafts). */
static int drain_step(struct job_ctx *ctx, struct cleanup_state *s,
		      struct err *e)
{
	int64_t deleted = s->drain.deleted, missing = s->drain.missing;
	int64_t refused = s->drain.refused;
	int rc = blob_outbox_drain(&s->drain, ctx, s->batch_size, e);

	job_count(ctx, "blobs_deleted", s->drain.deleted - deleted);
	job_count(ctx, "blobs_missing", s->drain.missing - missing);
	job_count(ctx, "keys_refused", s->drain.refused - refused);
	snprintf(ctx->progress, sizeof(ctx->progress),
		 "%lld drafts deleted, %lld files",
		 (long long)job_count_get(ctx, "deleted"),
		 (long long)(s->drain.deleted + s->drain.missing));
	return rc;
}

static int cleanup_step(struct job_ctx *ctx, struct err *e)
{
	struct cleanup_state *s = ctx->state;
	struct cleanup_batch b = {0};
	int rc, n = 0;

	if (s->is_draining)
		return drain_step(ctx, s, e);
	if ((rc = db_begin(ctx->db, e)))
		return rc;
	if ((rc = select_batch(ctx, s, &n, e)))
		goto fail;
	for (int i = 0; i < n; i++)
		if ((rc = delete_draft(ctx, s->ids[i], &b, e)))
			goto fail;
	if ((rc = db_commit(ctx->db, e)))
		goto fail;
	free_ids(s);
	job_count(ctx, "deleted", n);
	job_count(ctx, "documents", b.documents);
	job_count(ctx, "keys_refused", b.keys_refused);
	snprintf(ctx->progress, sizeof(ctx->progress), "%lld drafts deleted",
		 (long long)job_count_get(ctx, "deleted"));
	s->is_draining = n < s->batch_size;
	return JOB_AGAIN;
fail:
	db_rollback(ctx->db);
	free_ids(s);
	return rc;
}

static void cleanup_finish(struct job_ctx *ctx)
{
	struct cleanup_state *s = ctx->state;

	if (s) {
		free_ids(s);
		free(s->ids);
		blob_outbox_drain_free(&s->drain);
	}
	free(s);
	ctx->state = NULL;
}

const struct job_type job_draft_cleanup = {
    .name = "draft_cleanup",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 30000,
    .retry_cap_ms = 3600000,
    .start = cleanup_start,
    .step = cleanup_step,
    .finish = cleanup_finish,
};
