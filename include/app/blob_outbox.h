/*
 * blob_outbox.h - delete blobs after the rows that named them are gone.
 *
 * blob_outbox_add() records a key inside the caller's write transaction;
 * a job then drains the outbox step by step with blob_outbox_drain(),
 * which deletes each blob through the storage's asynchronous form (a
 * transfer in the loop for S3, an unlink for local) and removes the rows
 * whose blobs are gone. Schema: blob_deletions (schema/010).
 */
#ifndef DOMECEK_BLOB_OUTBOX_H
#define DOMECEK_BLOB_OUTBOX_H

#include "app/transfer.h"
#include "storage/storage.h"

#include <sqlite3.h>
#include <stdint.h>

struct err;
struct job_ctx;

#define BLOB_OUTBOX_BATCH_MAX 1000

/* Queues key for deletion; call inside the caller's transaction. reason
 * is a short static word ("draft_cleanup"). */
int blob_outbox_add(sqlite3 *db, const char *key, const char *reason,
		    int64_t now, struct err *e);

/* The drain's state, zeroed by the caller; blob_outbox_drain_free() once. */
struct blob_outbox_drain {
	struct transfer t;
	int64_t ids[BLOB_OUTBOX_BATCH_MAX];
	char *keys[BLOB_OUTBOX_BATCH_MAX];
	int count;		  /* rows of the current batch */
	int next;		  /* the next row to delete */
	int64_t deleted, missing; /* blobs deleted / already gone */
	int64_t refused; /* keys refused (unsafe, or a symlink on the way) */
};

/* One step: takes up to batch rows (oldest first), deletes their blobs,
 * and forgets the rows that are done in one short transaction. Returns
 * JOB_DONE when the outbox is empty, JOB_AGAIN when more is left,
 * JOB_WAIT while a remote delete is in flight (call again after the
 * job is woken), or an error: a blob that could not be deleted keeps its
 * row (named in the message) for the next run. Without storage
 * (ctx->services->storage NULL) a non-empty outbox is ERR_INVALID. */
int blob_outbox_drain(struct blob_outbox_drain *d, struct job_ctx *ctx,
		      int batch, struct err *e);
void blob_outbox_drain_free(struct blob_outbox_drain *d);

#endif
