/*
 * runner.h - runs one claimed job through its steps.
 *
 * The runner owns the job between claim and outcome: it parses the
 * payload, calls the type's start/step/finish, renews the lease while the
 * job runs, waits out pauses without blocking, retries a step that met a
 * busy database, and records the outcome in the queue (succeeded, a
 * retry with its delay, dead, or cancelled). The daemon calls
 * runner_step() from its loop; `run-job` calls it until the job is done.
 */
#ifndef DOMECEK_RUNNER_H
#define DOMECEK_RUNNER_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/job.h"
#include "core/queue.h"

struct config;
struct services;

struct runner_outcome {
	const struct queue_job *job;
	const char
	    *state; /* succeeded | failed | dead | cancelled | released */
	const char *error;	 /* NULL on success */
	const char *counts_json; /* {"deleted":12} */
	int64_t duration_ms;
	int64_t retry_at; /* state "failed": when it runs again */
};

typedef void (*runner_outcome_fn)(const struct runner_outcome *outcome,
				  void *arg);

struct runner {
	sqlite3 *db;
	const struct config *cfg;
	struct queue *queue;
	struct services *services;
	runner_outcome_fn on_outcome;
	void *outcome_arg;

	/* the job in hand */
	int is_active;
	int has_started; /* start() was called: finish() is owed */
	struct queue_job job;
	const struct job_type *type;
	struct job_ctx ctx;
	struct cJSON *payload;
	int64_t started_mono;
	int64_t next_step_mono; /* do not step before this (pauses, busy) */
	int64_t next_renew_mono;
	int busy_retries;
	int64_t steps;
	int stop_after_steps; /* tests: release the job after N steps */

	/* Claim policy, set by the caller: when the job ends, claim the next
	 * due job in the same transaction (of priority above claim_floor
	 * when has_claim_floor). */
	int claim_next;
	int has_claim_floor;
	int claim_floor;

	/* An outcome the database was too busy to take: kept and recorded
	 * on a later turn, never dropped. */
	enum { RUNNER_NONE, RUNNER_SUCCEEDED, RUNNER_FAILED } pending;
	int pending_is_final;
	int pending_code; /* the error code of a pending failure */
	int64_t pending_delay_ms;
	char pending_error[512];
	char counts_json[512];
};

void runner_init(struct runner *r, sqlite3 *db, const struct config *cfg,
		 struct queue *queue, struct services *services,
		 runner_outcome_fn on_outcome, void *arg);

/* Takes over a claimed job (the runner frees it). */
void runner_begin(struct runner *r, struct queue_job *job);

/* Does one step if one is due. Returns 1 while the job is active. */
int runner_step(struct runner *r);

/* A job held back (another one runs in front of it): only renews its
 * lease when due. Returns 0 when the job turned out to be no longer ours
 * (it was cancelled and has ended). */
int runner_keepalive(struct runner *r);

/* Ends the job because it is no longer ours (cancelled, or its lease was
 * taken over): finish() runs, the outcome is "cancelled", nothing is
 * written for it. */
void runner_cancelled(struct runner *r, const char *why);

/* Monotonic ms of the next step, or -1 when idle. */
int64_t runner_deadline(const struct runner *r);

/* Stops the job between steps and puts it back in the queue without
 * counting the attempt (SIGTERM, or stop_after_steps in tests). */
void runner_release(struct runner *r, const char *why);

/* Records a cancelled attempt in the schedule history; the other outcomes
 * are recorded inside the transaction that settles them. */
void runner_record_outcome(sqlite3 *db, const struct runner_outcome *o);

#endif
