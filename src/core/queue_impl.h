/*
 * queue_impl.h - what the queue's files share: the queue handle, its
 * prepared statements and the one claim-index expression. Internal to
 * the queue module (queue.c, queue_settle.c, queue_admin.c).
 */
#ifndef DOMECEK_QUEUE_IMPL_H
#define DOMECEK_QUEUE_IMPL_H

#include <sqlite3.h>

#include "core/queue.h"

#define WAITING_STATES "('scheduled', 'enqueued', 'failed')"

/* The unfinished jobs: the WHERE of both partial indexes, jobs_claim and
 * jobs_unique_active (schema/011_enqueue.sql). A query uses a partial
 * index only when its WHERE repeats the index's term word for word, so
 * every query on them says UNFINISHED. Written as ORs, not IN: an IN over
 * more than two constants builds a temporary b-tree per statement run. */
#define UNFINISHED                                                             \
	"(state = 'scheduled' OR state = 'enqueued' OR state = 'failed' OR state = 'processing')"
/* The effective priority: the row's, else its type's (keep in step with
 * the registry: test_queue checks every type). */
#define EFFECTIVE_PRIORITY                                                     \
	"COALESCE(priority, CASE type WHEN 'send_email' THEN 10 WHEN "         \
	"'backup' THEN -5 WHEN 'export_data' THEN -10 ELSE 0 END)"

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ENQUEUE,
	ST_FIND_UNIQUE,
	ST_PICK,
	ST_PICK_ID,
	ST_TAKE,
	ST_ATTEMPT_NEXT,
	ST_ATTEMPT_START,
	ST_ATTEMPT_FINISH,
	ST_RENEW,
	ST_COMPLETE,
	ST_FAIL,
	ST_NEXT_DUE,
	ST_PENDING,
	ST_LOOK,
	ST_COUNT
};

struct queue {
	sqlite3 *db;
	const struct config *cfg;
	const struct job_type *const *types;
	char owner[128];
	sqlite3_stmt *stmt[ST_COUNT];
	sqlite3_stmt *extra[QUEUE_EXTRA_STATEMENTS]; /* queue_prepared() */
};

extern const char *const queue_statement_sql[ST_COUNT];

/* Runs a statement to its end and resets it; returns the last sqlite code. */
int queue_step_done(sqlite3_stmt *stmt);
/* The prepared statement `which`, reset and with its bindings cleared. */
sqlite3_stmt *queue_use(struct queue *q, int which);
/* BEGIN IMMEDIATE and COMMIT with the prepared statements. */
int queue_begin(struct queue *q, struct err *e);
int queue_commit(struct queue *q, struct err *e);

/* Finishes the attempt row of job (inside the caller's transaction). */
int queue_finish_attempt(struct queue *q, const struct queue_job *job,
			 int64_t now, const char *outcome, const char *error,
			 struct err *e);

#endif
