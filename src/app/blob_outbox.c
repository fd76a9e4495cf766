/*
 * blob_outbox.c - delete blobs after the rows that named them are gone.
 *
 * Why an outbox. Deleting a blob is not transactional and, with S3, is a
 * network request. Doing it inside the write transaction that soft-deletes
 * the rows would hold SQLite's write lock (which the app's API shares)
 * for a round trip per blob, and a blocking request would stall the loop.
 * So the transaction that deletes the rows only records their keys in
 * blob_deletions; the blobs go afterwards, each through the storage's
 * asynchronous form (the loop drives S3 requests; a local delete is an
 * unlink), and a row is forgotten only once its blob is gone.
 *
 * Invariants. Rows are drained oldest first (by id) and a batch is
 * forgotten up to the last blob that is gone, in one short transaction, so
 * a crash or a failed delete leaves exactly the rows whose blobs may still
 * exist. A blob that is already missing counts as gone. A key that
 * storage_key_valid() refuses names no file of ours: it is logged and its
 * row dropped, never handed to the storage.
 */
#include "app/blob_outbox.h"
#include "base/err.h"
#include "base/log.h"
#include "core/job.h"
#include "core/services.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char insert_sql[] =
    "INSERT INTO blob_deletions (storage_key, reason, created_at)\n"
    "VALUES (?1, ?2, ?3)";

static const char select_sql[] = "SELECT id, storage_key FROM blob_deletions\n"
				 "ORDER BY id\n"
				 "LIMIT ?1";

static const char forget_sql[] = "DELETE FROM blob_deletions WHERE id <= ?1";

int blob_outbox_add(sqlite3 *db, const char *key, const char *reason,
		    int64_t now, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = storage_key_valid(key, e)))
		return rc;
	if ((rc = db_prepare(db, insert_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, reason, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, now);
	rc = sqlite3_step(stmt);
	rc = rc == SQLITE_DONE
		 ? 0
		 : db_error(db, rc, e, "queueing a blob to delete");
	sqlite3_finalize(stmt);
	return rc;
}

static void free_batch(struct blob_outbox_drain *d)
{
	for (int i = 0; i < d->count; i++)
		free(d->keys[i]);
	d->count = 0;
	d->next = 0;
}

static int load_batch(struct blob_outbox_drain *d, sqlite3 *db, int batch,
		      struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = db_prepare(db, select_sql, &stmt, e)))
		return rc;
	sqlite3_bind_int(stmt, 1, batch);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && d->count < batch) {
		const char *key = (const char *)sqlite3_column_text(stmt, 1);

		d->ids[d->count] = sqlite3_column_int64(stmt, 0);
		if (!(d->keys[d->count] = strdup(key ? key : ""))) {
			rc = err_set(e, ERR_NOMEM, "out of memory for a key");
			goto done;
		}
		d->count++;
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE
		 ? 0
		 : db_error(db, rc, e, "reading blobs to delete");
done:
	sqlite3_finalize(stmt);
	return rc;
}

/* Forgets the rows of the batch before d->next (their blobs are gone). */
static int forget_done(struct blob_outbox_drain *d, sqlite3 *db, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (d->next == 0)
		return 0;
	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = db_prepare(db, forget_sql, &stmt, e)))
		goto done;
	sqlite3_bind_int64(stmt, 1, d->ids[d->next - 1]);
	rc = sqlite3_step(stmt);
	rc = rc == SQLITE_DONE
		 ? db_commit(db, e)
		 : db_error(db, rc, e, "forgetting deleted blobs");
done:
	sqlite3_finalize(stmt);
	if (rc)
		db_rollback(db);
	return rc;
}

/* Counts the result of deleting the current blob; 0 when it is gone. */
static int settle(struct blob_outbox_drain *d, int rc, const struct err *why,
		  struct err *e)
{
	if (rc == ERR_NOTFOUND)
		d->missing++;
	else if (rc)
		return err_set(e, rc, "deleting blob \"%s\": %s",
			       d->keys[d->next], why->msg);
	else
		d->deleted++;
	d->next++;
	return 0;
}

/* Deletes the current blob: 0 when done now, JOB_WAIT when the loop runs
 * the request, or an error (the row stays). */
static int delete_current(struct blob_outbox_drain *d, struct job_ctx *ctx,
			  struct storage *st, struct err *e)
{
	struct storage_pending *p = NULL;
	const char *key = d->keys[d->next];
	struct err why = {0};
	int rc;

	if (storage_key_valid(key, &why)) {
		log_event(LOG_WARN, "blob_outbox.key_refused", "key", key,
			  "reason", why.msg, (char *)NULL);
		d->refused++;
		d->next++;
		return 0;
	}
	rc = storage_delete_start(st, key, &p, &why);
	/* The local provider's ERR_PERM is a symbolic link on the key's way:
	 * the file is not ours to delete (an S3 403 is an error, kept). */
	if (rc == ERR_PERM && !strcmp(storage_provider_name(st), "local")) {
		log_event(LOG_WARN, "blob_outbox.key_refused", "key", key,
			  "reason", why.msg, (char *)NULL);
		d->refused++;
		d->next++;
		return 0;
	}
	if (!rc && p) {
		rc = transfer_begin(&d->t, ctx, p, &why);
		if (rc == JOB_WAIT)
			return JOB_WAIT;
		if (!rc)
			rc = transfer_finish(&d->t, &why);
	}
	return settle(d, rc, &why, e);
}

int blob_outbox_drain(struct blob_outbox_drain *d, struct job_ctx *ctx,
		      int batch, struct err *e)
{
	struct storage *st = ctx->services ? ctx->services->storage : NULL;
	struct err why = {0};
	int rc = 0, was_full;

	if (batch < 1 || batch > BLOB_OUTBOX_BATCH_MAX)
		batch = BLOB_OUTBOX_BATCH_MAX;
	if (transfer_active(&d->t)) {
		rc = transfer_finish(&d->t, &why);
		rc = settle(d, rc, &why, e);
	} else if (d->count == 0) {
		if ((rc = load_batch(d, ctx->db, batch, e)))
			return rc;
		if (d->count == 0)
			return JOB_DONE;
		if (!st)
			rc = err_set(
			    e, ERR_INVALID,
			    "no blob storage is open (Storage.Provider), "
			    "so the file \"%s\" and the others waiting "
			    "in blob_deletions cannot be deleted",
			    d->keys[0]);
	}
	while (!rc && d->next < d->count)
		if ((rc = delete_current(d, ctx, st, e)) == JOB_WAIT)
			return JOB_WAIT;
	if (rc) { /* the error is the delete's; forget what went before it */
		struct err ignored = {0};

		forget_done(d, ctx->db, &ignored);
	} else {
		rc = forget_done(d, ctx->db, e);
	}
	was_full = d->count == batch;
	free_batch(d);
	if (rc)
		return rc;
	return was_full ? JOB_AGAIN : JOB_DONE;
}

void blob_outbox_drain_free(struct blob_outbox_drain *d)
{
	transfer_cancel(&d->t);
	free_batch(d);
}
