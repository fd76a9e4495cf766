/*
 * queue_settle.c - the queue's hot path: claiming a job, and settling an
 * attempt (succeeded, failed, dead) together with the next claim.
 *
 * In the steady state a job costs one write transaction: queue_settle()
 * writes job N's state, finishes its attempt row, lets the caller write
 * what goes with it (metrics, schedule history), and claims job N+1 with
 * its attempt row, between one BEGIN IMMEDIATE and one COMMIT. Every
 * statement is prepared once (queue.c) and reset after use; a claim reads
 * through the claim index and updates by id, so no statement opens a
 * temporary table.
 */
#include "base/err.h"
#include "config/config.h"
#include "core/job.h"
#include "core/queue.h"
#include "db/db.h"
#include "queue_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_FLOOR (INT64_MIN / 2)

static char *dup_column(sqlite3_stmt *stmt, int column)
{
	const char *text = (const char *)sqlite3_column_text(stmt, column);

	return text ? strdup(text) : NULL;
}

static void read_job(sqlite3_stmt *stmt, int64_t now, struct queue_job *job)
{
	job->id = sqlite3_column_int64(stmt, 0);
	snprintf(job->type, sizeof(job->type), "%s",
		 (const char *)sqlite3_column_text(stmt, 1));
	job->payload = dup_column(stmt, 2);
	job->attempt = sqlite3_column_int(stmt, 3) + 1;
	job->max_attempts = sqlite3_column_int(stmt, 4); /* 0: NULL */
	job->recurring_name = dup_column(stmt, 5);
	if (db_column_time(stmt, 6, &job->run_at))
		job->run_at = now;
	job->priority = sqlite3_column_int(stmt, 7);
	job->started_at = now;
}

/* id 0: the best due job above floor; otherwise that job if it waits. */
static int pick(struct queue *q, int64_t now, int64_t id, int64_t floor,
		struct queue_job *job, struct err *e)
{
	sqlite3_stmt *stmt = queue_use(q, id ? ST_PICK_ID : ST_PICK);
	int rc;

	db_bind_time(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, floor);
	if (id)
		sqlite3_bind_int64(stmt, 3, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		read_job(stmt, now, job);
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE && id)
		return err_set(e, ERR_CONFLICT,
			       "job %lld is not waiting to run "
			       "(it runs, finished, or does not exist)",
			       (long long)id);
	if (rc == SQLITE_DONE)
		return err_set(e, ERR_NOTFOUND, "no job is due");
	return rc == SQLITE_ROW ? 0 : db_error(q->db, rc, e, "claiming a job");
}

static int max_attempts_of(struct queue *q, const char *type)
{
	const struct job_type *jt = queue_type(q, type);

	return jt ? job_type_max_attempts(jt, q->cfg) : 3;
}

static int take(struct queue *q, int64_t now, struct queue_job *job,
		struct err *e)
{
	sqlite3_stmt *stmt = queue_use(q, ST_TAKE);
	int rc;

	if (job->max_attempts <= 0)
		job->max_attempts = max_attempts_of(q, job->type);
	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_text(stmt, 2, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3,
		     now + (int64_t)q->cfg->queue.lease_seconds * 1000);
	db_bind_time(stmt, 4, now);
	sqlite3_bind_int(stmt, 5, job->max_attempts);
	if ((rc = queue_step_done(stmt)) != SQLITE_DONE)
		return db_error(q->db, rc, e, "claiming a job");
	stmt = queue_use(q, ST_ATTEMPT_NEXT);
	sqlite3_bind_int64(stmt, 1, job->id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		job->history_attempt = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return db_error(q->db, rc, e, "numbering an attempt");
	stmt = queue_use(q, ST_ATTEMPT_START);
	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_int(stmt, 2, job->history_attempt);
	sqlite3_bind_text(stmt, 3, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 4, now);
	rc = queue_step_done(stmt);
	return rc == SQLITE_DONE
		   ? 0
		   : db_error(q->db, rc, e, "recording an attempt");
}

/* Inside an open transaction: claims into job, or ERR_NOTFOUND. */
static int claim_in_txn(struct queue *q, int64_t now, int64_t id, int64_t floor,
			struct queue_job *job, struct err *e)
{
	int rc;

	memset(job, 0, sizeof(*job));
	if ((rc = pick(q, now, id, floor, job, e)) ||
	    (rc = take(q, now, job, e)))
		queue_job_clear(job);
	return rc;
}

static int claim(struct queue *q, int64_t now, int64_t id, int64_t floor,
		 struct queue_job *job, struct err *e)
{
	int rc;

	memset(job, 0, sizeof(*job));
	if ((rc = queue_begin(q, e)))
		return rc;
	if ((rc = claim_in_txn(q, now, id, floor, job, e)) ||
	    (rc = queue_commit(q, e))) {
		db_rollback(q->db);
		queue_job_clear(job);
	}
	return rc;
}

int queue_claim(struct queue *q, int64_t now, struct queue_job *job,
		struct err *e)
{
	return claim(q, now, 0, NO_FLOOR, job, e);
}

int queue_claim_above(struct queue *q, int64_t now, int priority,
		      struct queue_job *job, struct err *e)
{
	return claim(q, now, 0, priority, job, e);
}

int queue_claim_id(struct queue *q, int64_t id, int64_t now,
		   struct queue_job *job, struct err *e)
{
	return claim(q, now, id, NO_FLOOR, job, e);
}

void queue_job_clear(struct queue_job *job)
{
	free(job->payload);
	free(job->recurring_name);
	job->payload = NULL;
	job->recurring_name = NULL;
}

int queue_finish_attempt(struct queue *q, const struct queue_job *job,
			 int64_t now, const char *outcome, const char *error,
			 struct err *e)
{
	sqlite3_stmt *stmt = queue_use(q, ST_ATTEMPT_FINISH);
	int rc;

	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_int(stmt, 2, job->history_attempt);
	db_bind_time(stmt, 3, now);
	sqlite3_bind_text(stmt, 4, outcome, -1, SQLITE_STATIC);
	if (error)
		sqlite3_bind_text(stmt, 5, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, now - job->started_at);
	rc = queue_step_done(stmt);
	return rc == SQLITE_DONE
		   ? 0
		   : db_error(q->db, rc, e, "finishing an attempt");
}

/* Writes the job's new state; *state: succeeded, failed, dead, or
 * cancelled when the row is no longer ours. */
static int write_outcome(struct queue *q, const struct queue_job *job,
			 const struct queue_outcome *o, int64_t now,
			 const char **state, struct err *e)
{
	sqlite3_stmt *stmt;
	int rc;

	if (o->is_success) {
		*state = "succeeded";
		stmt = queue_use(q, ST_COMPLETE);
		if (o->result)
			sqlite3_bind_text(stmt, 4, o->result, -1,
					  SQLITE_STATIC);
	} else {
		*state = o->is_final || job->attempt >= job->max_attempts
			     ? "dead"
			     : "failed";
		stmt = queue_use(q, ST_FAIL);
		sqlite3_bind_text(stmt, 4, *state, -1, SQLITE_STATIC);
		db_bind_time(stmt, 5, now + o->retry_delay_ms);
		sqlite3_bind_text(stmt, 6, o->error ? o->error : "failed", -1,
				  SQLITE_STATIC);
	}
	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_text(stmt, 2, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, now);
	if ((rc = queue_step_done(stmt)) != SQLITE_DONE)
		return db_error(q->db, rc, e, "recording how a job ended");
	if (sqlite3_changes(q->db) == 0) {
		*state = "cancelled";
		return 0;
	}
	return queue_finish_attempt(q, job, now,
				    o->is_success ? "succeeded" : "failed",
				    o->is_success ? NULL : o->error, e);
}

int queue_settle(struct queue *q, const struct queue_job *job,
		 const struct queue_outcome *o, int64_t now,
		 queue_record_fn record, void *record_arg,
		 struct queue_next *next, const char **state_out, struct err *e)
{
	const char *state = "cancelled";
	int rc;

	if (next)
		next->claimed = 0;
	if ((rc = queue_begin(q, e)))
		return rc;
	if ((rc = write_outcome(q, job, o, now, &state, e)))
		goto fail;
	if (strcmp(state, "cancelled") && record &&
	    (rc = record(q->db, job, state, record_arg, e)))
		goto fail;
	if (next && next->want) {
		rc = claim_in_txn(
		    q, now, 0, next->is_above ? next->above_priority : NO_FLOOR,
		    &next->job, e);
		if (rc && rc != ERR_NOTFOUND)
			goto fail;
		next->claimed = rc == 0;
	}
	if ((rc = queue_commit(q, e)))
		goto fail;
	*state_out = state;
	return 0;
fail:
	db_rollback(q->db);
	if (next && next->claimed)
		queue_job_clear(&next->job);
	if (next)
		next->claimed = 0;
	return rc;
}

/* A settle that found the job cancelled under it is a conflict for the
 * callers that name one outcome (complete, fail). */
static int cancelled_while_it_ran(int rc, const struct queue_job *job,
				  const char *state, struct err *e)
{
	if (!rc && !strcmp(state, "cancelled"))
		return err_set(e, ERR_CONFLICT,
			       "job %lld was cancelled while it ran",
			       (long long)job->id);
	return rc;
}

int queue_complete(struct queue *q, const struct queue_job *job, int64_t now,
		   const char *result, struct err *e)
{
	struct queue_outcome o = {.is_success = 1, .result = result};
	const char *state = NULL;
	int rc = queue_settle(q, job, &o, now, NULL, NULL, NULL, &state, e);

	return cancelled_while_it_ran(rc, job, state, e);
}

int queue_fail(struct queue *q, const struct queue_job *job, int64_t now,
	       const char *error, int is_final, int64_t retry_delay_ms,
	       const char **state_out, struct err *e)
{
	struct queue_outcome o = {.error = error,
				  .is_final = is_final,
				  .retry_delay_ms = retry_delay_ms};
	const char *state = "failed";
	int rc = queue_settle(q, job, &o, now, NULL, NULL, NULL, &state, e);

	*state_out = state;
	return cancelled_while_it_ran(rc, job, state, e);
}
