/*
 * queue.h - the durable job queue in the jobs table.
 *
 * States: scheduled (run_at in the future), enqueued, processing,
 * succeeded, failed (waiting for a retry at run_at), dead (no attempts
 * left), cancelled. A claim is one short BEGIN IMMEDIATE transaction that
 * moves the best due job to processing with an owner and a lease, and
 * counts the attempt. A daemon that dies leaves its lease to expire; the
 * job then returns to the queue (or to dead, when that was its last
 * attempt) with the lost attempt recorded.
 *
 * Another process may INSERT into jobs directly (README "Enqueueing from
 * another program"); the type's priority and attempt limit are filled in
 * by a trigger from the job_types table, which queue_open() keeps current.
 */
#ifndef DOMECEK_QUEUE_H
#define DOMECEK_QUEUE_H

#include <sqlite3.h>
#include <stdint.h>

struct config;
struct job_type;
struct err;
struct queue;

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
};

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

/* Enqueues a job of a known type. With a unique_key that an unfinished
 * job already holds, nothing is inserted: *id is that job and *existed 1. */
int queue_enqueue(struct queue *q, const char *type,
		  const struct queue_enqueue_options *opt, int64_t *id,
		  int *existed, struct err *e);

/* Enqueues from inside a caller's open transaction, so that a job can
 * record what it did and enqueue the follow-up (an email) atomically.
 * It is the public INSERT contract, so the type need not be built into
 * this binary; priority and attempts come from job_types. run_at 0 = now.
 * With a unique_key that an unfinished job holds, nothing is inserted and
 * *inserted is 0. */
int queue_insert(sqlite3 *db, const char *type, const char *payload,
		 const char *unique_key, int64_t run_at, int *inserted,
		 struct err *e);

/* Claims the best due job (priority, then run_at). ERR_NOTFOUND: none. */
int queue_claim(struct queue *q, int64_t now, struct queue_job *job,
		struct err *e);
/* Claims the job with that id if it is waiting (run-job). ERR_NOTFOUND
 * when it does not exist, ERR_CONFLICT when it is running or finished. */
int queue_claim_id(struct queue *q, int64_t id, int64_t now,
		   struct queue_job *job, struct err *e);
void queue_job_clear(struct queue_job *job);

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

/* Returns jobs whose lease expired, or whose owner on this host is no
 * longer running, to the queue (or to dead). *count: how many. */
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
