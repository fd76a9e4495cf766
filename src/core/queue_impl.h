/*
 * queue_impl.h - what src/queue.c and src/queue_admin.c share: the queue
 * handle and its prepared statements. Internal to the queue module.
 */
#ifndef DOMECEK_QUEUE_IMPL_H
#define DOMECEK_QUEUE_IMPL_H

#include <sqlite3.h>

#include "core/queue.h"

#define WAITING_STATES "('scheduled', 'enqueued', 'failed')"
#define UNFINISHED_STATES "('scheduled', 'enqueued', 'processing', 'failed')"

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ENQUEUE,
	ST_FIND_UNIQUE,
	ST_CLAIM,
	ST_CLAIM_ID,
	ST_ATTEMPT_START,
	ST_ATTEMPT_FINISH,
	ST_RENEW,
	ST_COMPLETE,
	ST_FAIL,
	ST_NEXT_DUE,
	ST_PENDING,
	ST_COUNT
};

struct queue {
	sqlite3 *db;
	const struct config *cfg;
	const struct job_type *const *types;
	char owner[128];
	sqlite3_stmt *stmt[ST_COUNT];
};

/* Runs a statement to its end and resets it; returns the last sqlite code. */
int queue_step_done(sqlite3_stmt *stmt);

#endif
