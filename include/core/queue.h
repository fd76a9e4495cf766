/*
 * queue.h - the durable job queue in the jobs table.
 *
 * States: scheduled (run_at in the future), enqueued, processing,
 * succeeded, failed (waiting for a retry at run_at), dead (no attempts
 * left), cancelled. A claim moves the best due job to processing with an
 * owner and a lease, and counts the attempt. In the steady state one
 * BEGIN IMMEDIATE transaction (queue_settle) records how job N ended,
 * with its attempt row, and claims job N+1. A daemon that dies leaves its
 * lease to expire; the job then returns to the queue with that attempt
 * recorded as 'interrupted' and not counted: a crash or a power cut is
 * not the job's fault. Only a job interrupted more than
 * QUEUE_MAX_INTERRUPTIONS times in a row (one that crashes the daemon
 * itself) goes to dead.
 *
 * Another process may INSERT into jobs directly (README "Enqueueing
 * jobs"): one row, no trigger. A NULL priority means the type's (read so
 * by the claim index), a NULL max_attempts is filled in by the claim.
 * job_types lists the types this binary runs, with their defaults.
 */
#ifndef DOMECEK_QUEUE_H
#define DOMECEK_QUEUE_H

#include <sqlite3.h>
#include <stdint.h>

struct config;
struct job_type;
struct err;
struct queue;

/* Interruptions in a row that a job is forgiven; the next one is dead. */
#define QUEUE_MAX_INTERRUPTIONS 5

struct queue_enqueue_options {
	const char *payload;	/* JSON text; NULL = {} */
	int64_t run_at;		/* 0 = now */
	const char *unique_key; /* NULL = none */
	int has_priority;	/* 0: the type's default */
	int priority;
	int max_attempts;	    /* 0: the type's default */
	const char *recurring_name; /* set by the scheduler */
};

struct queue_job {
	int64_t id;
	char type[65];
	char *payload; /* owned; freed by queue_job_clear */
	int attempt;   /* this attempt, 1-based, within the current cycle */
	int history_attempt; /* number in job_attempts (keeps counting after a
				retry) */
	int max_attempts;
	char *recurring_name; /* owned or NULL */
	int64_t run_at;	      /* when it was due (the planned time) */
	int64_t started_at;
	int priority; /* effective: the row's, else its type's */
};

/* How an attempt ended, for queue_settle(). */
struct queue_outcome {
	int is_success;
	const char *result; /* success: JSON object text, or NULL */
	const char *error;  /* failure: the message */
	int is_final;	    /* failure: no retry */
	int64_t retry_delay_ms;
};

/* The next job, claimed in the same transaction as the outcome. */
struct queue_next {
	int want;     /* 0: claim nothing */
	int is_above; /* 1: only a job of priority > above_priority */
	int above_priority;
	int claimed;	      /* out: 1 when job holds a claimed job */
	struct queue_job job; /* out */
};

/* Called inside queue_settle's transaction, after the outcome is written
 * and before the commit, to write what goes with it (metrics, schedule
 * history). state: succeeded | failed | dead | cancelled. A non-zero
 * return rolls the whole transaction back. */
typedef int (*queue_record_fn)(sqlite3 *db, const struct queue_job *job,
			       const char *state, void *arg, struct err *e);

struct queue_counts {
	int64_t scheduled, enqueued, processing, succeeded, failed, dead,
	    cancelled;
};

/* owner identifies this process in leases ("host:pid:random"). types is
 * the NULL-terminated table of job types this process runs (the caller's
 * registry, kept by reference). */
int queue_open(sqlite3 *db, const struct config *cfg,
	       const struct job_type *const *types, const char *owner,
	       struct queue **out, struct err *e);
void queue_free(struct queue *q);
const char *queue_owner(const struct queue *q);
/* The job type called name in the queue's table, or NULL. */
const struct job_type *queue_type(const struct queue *q, const char *name);
/* The table given to queue_open(). */
const struct job_type *const *queue_types(const struct queue *q);

/* A statement of the caller's, prepared once on the queue's connection
 * (SQLITE_PREPARE_PERSISTENT) and finalized by queue_free(): what the
 * runner writes in the settling transaction. slot < QUEUE_EXTRA_STATEMENTS;
 * the same slot must always get the same sql. */
#define QUEUE_EXTRA_STATEMENTS 4
int queue_prepared(struct queue *q, int slot, const char *sql,
		   sqlite3_stmt **out, struct err *e);

/* Enqueues a job of a known type. With a unique_key that an unfinished
 * job already holds, nothing is inserted: *id is that job and *existed 1. */
int queue_enqueue(struct queue *q, const char *type,
		  const struct queue_enqueue_options *opt, int64_t *id,
		  int *existed, struct err *e);

/* Enqueues from inside a caller's open transaction, so that a job can
 * record what it did and enqueue the follow-up (an email) atomically.
 * It is the public INSERT contract, so the type need not be built into
 * this binary; priority and attempts are left to the type's (resolved by
 * the claim). run_at 0 = now.
 * With a unique_key that an unfinished job holds, nothing is inserted and
 * *inserted is 0. */
int queue_insert(sqlite3 *db, const char *type, const char *payload,
		 const char *unique_key, int64_t run_at, int *inserted,
		 struct err *e);

/* Claims the best due job (priority, then run_at). ERR_NOTFOUND: none. */
int queue_claim(struct queue *q, int64_t now, struct queue_job *job,
		struct err *e);
/* Claims the best due job whose priority is above `priority` (a job that
 * preempts a running one). ERR_NOTFOUND: none. */
int queue_claim_above(struct queue *q, int64_t now, int priority,
		      struct queue_job *job, struct err *e);
/* Claims the job with that id if it is waiting (run-job). ERR_NOTFOUND
 * when it does not exist, ERR_CONFLICT when it is running or finished. */
int queue_claim_id(struct queue *q, int64_t id, int64_t now,
		   struct queue_job *job, struct err *e);
void queue_job_clear(struct queue_job *job);

/* Records how job ended and, when next->want, claims the next due job,
 * all in one BEGIN IMMEDIATE ... COMMIT. *state_out: succeeded, failed
 * (retry later), dead, or cancelled (the job was no longer ours: nothing
 * is written for it). ERR_BUSY: nothing was written, call again. record
 * (may be NULL) runs inside the transaction unless cancelled. */
int queue_settle(struct queue *q, const struct queue_job *job,
		 const struct queue_outcome *o, int64_t now,
		 queue_record_fn record, void *record_arg,
		 struct queue_next *next, const char **state_out,
		 struct err *e);

/* Between two steps of a running job: is it still ours (not cancelled,
 * lease not taken), is a job of higher priority than it due, and when is
 * the next one of higher priority due (*due_at, 0: none)? One read. */
int queue_look(struct queue *q, const struct queue_job *job, int64_t now,
	       int *is_ours, int *has_higher, int64_t *due_at, struct err *e);

/* Extends the lease and stores progress text (may be NULL).
 * ERR_CONFLICT when the job is no longer ours (cancelled, or lease lost). */
int queue_renew(struct queue *q, const struct queue_job *job, int64_t now,
		const char *progress, struct err *e);

/* Marks the attempt succeeded; result is a JSON object text or NULL. */
int queue_complete(struct queue *q, const struct queue_job *job, int64_t now,
		   const char *result, struct err *e);

/* Records a failed attempt with its error. is_final skips further retries.
 * Sets *state_out to "failed" (retry at *retry_at) or "dead". */
int queue_fail(struct queue *q, const struct queue_job *job, int64_t now,
	       const char *error, int is_final, int64_t retry_delay_ms,
	       const char **state_out, struct err *e);

/* Puts a job we hold back in the queue without counting this attempt
 * (the daemon is stopping); the attempt is recorded with why. */
int queue_release(struct queue *q, const struct queue_job *job, int64_t now,
		  const char *why, struct err *e);

/* The attempt failed only for lack of space (ERR_NOSPACE): the job waits
 * as 'failed' without counting the attempt, which is recorded as
 * 'deferred' with why, until *run_at: now + job_nospace_delay() of its
 * deferrals in a row (since its last attempt that succeeded or failed on
 * its own). ERR_CONFLICT when it was cancelled. */
int queue_defer(struct queue *q, const struct queue_job *job, int64_t now,
		const char *why, int64_t *run_at, struct err *e);

/* Returns jobs whose lease expired, or whose owner on this host is no
 * longer running, to the queue, the attempt recorded as 'interrupted'
 * and not counted; a job past QUEUE_MAX_INTERRUPTIONS in a row goes to
 * dead instead, and its type's on_dead hook tells whoever waits for it
 * (in the same transaction). *count: how many. */
int queue_recover(struct queue *q, int64_t now, int *count, struct err *e);

/* Earliest run_at among waiting jobs; ERR_NOTFOUND when none wait. */
int queue_next_due(struct queue *q, int64_t *when, struct err *e);
/* 1 when a job is enqueued, processing, or failed-and-waiting-for-retry:
 * what `run --drain` waits for (scheduled jobs do not count). */
int queue_has_pending(struct queue *q, int64_t now, int *pending,
		      struct err *e);

/* Revives a dead, failed or cancelled job: enqueued now, a full set of
 * attempts. ERR_NOTFOUND / ERR_CONFLICT (it is waiting or running). */
int queue_retry(struct queue *q, int64_t id, int64_t now, struct err *e);
/* Cancels a waiting or running job; deletes a finished one.
 * *deleted: 1 when the row was removed. */
int queue_delete(struct queue *q, int64_t id, int64_t now, int *deleted,
		 struct err *e);

/* Deletes finished jobs past their retention, at most limit rows.
 * *deleted: how many (call again while it equals limit). */
int queue_prune(struct queue *q, int64_t now, int limit, int *deleted,
		struct err *e);

int queue_counts(sqlite3 *db, struct queue_counts *out, struct err *e);

#endif
