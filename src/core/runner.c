/*
 * runner.c - runs one claimed job through its steps.
 *
 * Errors from a step are sorted three ways: a busy database is not the
 * job's fault, so the same step is tried again shortly and no attempt is
 * spent; a final error (bad payload, permanent refusal) makes the job dead
 * at once; anything else is a failed attempt, retried after the type's
 * delay. Recording the outcome can itself meet a busy database; then the
 * runner keeps the outcome and tries again on the next turn, so a result
 * is never dropped.
 */
#include "core/runner.h"
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "base/log.h"
#include "core/scheduler.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_RETRY_MS 200
/* A minute of a locked database (300 retries 200 ms apart) fails the
 * attempt. */
#define BUSY_RETRY_MAX 300

void runner_init(struct runner *r, sqlite3 *db, const struct config *cfg,
		 struct queue *queue, struct services *services,
		 runner_outcome_fn on_outcome, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->db = db;
	r->cfg = cfg;
	r->queue = queue;
	r->services = services;
	r->on_outcome = on_outcome;
	r->outcome_arg = arg;
}

/* finish() once: it frees the job's state and its temporary files. */
static void release_state(struct runner *r)
{
	if (r->has_started && r->type->finish)
		r->type->finish(&r->ctx);
	r->has_started = 0;
}

static void end_job(struct runner *r)
{
	release_state(r);
	cJSON_Delete(r->payload);
	queue_job_clear(&r->job);
	r->payload = NULL;
	r->is_active = 0;
	r->has_started = 0;
	r->pending = RUNNER_NONE;
}

static void report(struct runner *r, const char *state, const char *error,
		   int64_t retry_at)
{
	struct runner_outcome outcome = {0};
	char counts[256], id[24];

	job_counts_json_into(&r->ctx, r->counts_json, sizeof(r->counts_json));
	outcome.job = &r->job;
	outcome.state = state;
	outcome.error = error;
	outcome.counts_json = r->counts_json;
	outcome.duration_ms = clock_mono() - r->started_mono;
	outcome.retry_at = retry_at;
	snprintf(id, sizeof(id), "%lld", (long long)r->job.id);
	if (error)
		log_event(strcmp(state, "dead") == 0 ? LOG_ERROR : LOG_WARN,
			  "job.failed", "job", r->job.type, "id", id, "state",
			  state, "error", error, (char *)NULL);
	else if (strcmp(state, "succeeded") != 0)
		log_event(LOG_INFO, "job.released", "job", r->job.type, "id",
			  id, (char *)NULL);
	else if (log_enabled(LOG_INFO)) {
		job_counts_text(&r->ctx, counts, sizeof(counts));
		log_fmt(LOG_INFO, "job.done",
			"job=%s id=%lld attempt=%d duration_ms=%lld %s",
			r->job.type, (long long)r->job.id, r->job.attempt,
			(long long)outcome.duration_ms, counts);
	}
	if (r->on_outcome)
		r->on_outcome(&outcome, r->outcome_arg);
}

/* Inside the settling transaction: the schedule history of a recurring
 * job. (Metrics need no write: metrics_hourly is derived from the attempt
 * rows, see metrics.h.) */
static int record_in_txn(sqlite3 *db, const struct queue_job *job,
			 const char *state, void *arg, struct err *e)
{
	struct runner *r = arg;
	int64_t now = clock_now(), duration = clock_mono() - r->started_mono;

	if (!strcmp(state, "dead"))
		job_tell_dead(r->type, db, r->cfg, job->id, r->payload,
			      r->pending_code, r->pending_error);
	if (!job->recurring_name)
		return 0;
	job_counts_json_into(&r->ctx, r->counts_json, sizeof(r->counts_json));
	return scheduler_job_finished(
	    db, job->id, job->recurring_name, state, job->started_at, now,
	    duration, r->counts_json,
	    r->pending == RUNNER_FAILED ? r->pending_error : NULL, e);
}

/* Records the pending outcome and, by the claim policy, claims the next
 * job in the same transaction. Busy: kept for a later turn. */
static void settle(struct runner *r)
{
	struct queue_outcome o = {0};
	struct queue_next next = {0};
	const char *state = "failed";
	char result[sizeof(r->counts_json)];
	int64_t now = clock_now();
	struct err e = {0};
	int rc;

	o.is_success = r->pending == RUNNER_SUCCEEDED;
	if (o.is_success) {
		job_counts_json_into(&r->ctx, result, sizeof(result));
		o.result = result;
	} else {
		o.error = r->pending_error;
		o.is_final = r->pending_is_final;
		o.retry_delay_ms = r->pending_delay_ms;
	}
	next.want = r->claim_next;
	next.is_above = r->has_claim_floor;
	next.above_priority = r->claim_floor;
	rc = queue_settle(r->queue, &r->job, &o, now, record_in_txn, r, &next,
			  &state, &e);
	if (rc == ERR_BUSY) {
		r->next_step_mono = clock_mono() + BUSY_RETRY_MS;
		return;
	}
	if (rc) {
		log_event(LOG_ERROR, "job.record_failed", "job", r->job.type,
			  "error", e.msg, (char *)NULL);
		state = o.is_success ? "succeeded" : "failed";
	}
	if (!strcmp(state, "cancelled"))
		report(r, state, "the job was cancelled while it ran", 0);
	else
		report(r, state, o.is_success ? NULL : o.error,
		       !strcmp(state, "failed") ? now + o.retry_delay_ms : 0);
	end_job(r);
	if (next.claimed)
		runner_begin(r, &next.job);
}

static void succeed(struct runner *r)
{
	r->pending = RUNNER_SUCCEEDED;
	settle(r);
}

/* Out of space is not the job's fault either: it waits and runs again
 * when there may be space (job_nospace_delay: 1 minute, doubling up to
 * 15), without spending an attempt. A database too full to record even
 * that leaves the job to lease expiry, and recovery returns it uncounted
 * as well. */
static void defer(struct runner *r, const struct err *cause)
{
	int64_t now = clock_now(), run_at = 0;
	struct err e = {0};
	int rc;

	release_state(r); /* frees what the job held of the space */
	rc = queue_defer(r->queue, &r->job, now, cause->msg, &run_at, &e);
	if (rc && rc != ERR_CONFLICT)
		log_event(LOG_ERROR, "job.record_failed", "job", r->job.type,
			  "error", e.msg, (char *)NULL);
	/* The queue shows it 'failed' (waiting for a retry) like any retry. */
	report(r, rc == ERR_CONFLICT ? "cancelled" : "failed", cause->msg,
	       rc ? 0 : run_at);
	end_job(r);
}

static void fail(struct runner *r, const struct err *cause)
{
	r->pending = RUNNER_FAILED;
	r->pending_is_final = job_error_is_final(cause->code);
	r->pending_code = cause->code;
	r->pending_delay_ms =
	    r->type ? job_type_retry_delay(r->type, r->cfg, r->job.attempt,
					   (uint32_t)rand())
		    : 0;
	if (r->ctx.retry_after_ms > r->pending_delay_ms)
		r->pending_delay_ms = r->ctx.retry_after_ms; /* server asked */
	snprintf(r->pending_error, sizeof(r->pending_error), "%s", cause->msg);
	/* A job that failed for lack of space may hold the space itself (a
	 * half-written export in .tmp): drop it first, or the WAL cannot grow
	 * to record the failure and the job stays "processing" until its
	 * lease runs out. */
	release_state(r);
	settle(r);
}

static int begin_attempt(struct runner *r, struct err *e)
{
	r->type = queue_type(r->queue, r->job.type);
	if (!r->type)
		return err_set(e, ERR_INVALID, "unknown job type '%s'",
			       r->job.type);
	r->payload = cJSON_Parse(r->job.payload ? r->job.payload : "{}");
	if (!cJSON_IsObject(r->payload))
		return err_set(e, ERR_INVALID,
			       "payload is not a JSON object: %.100s",
			       r->job.payload ? r->job.payload : "");
	r->ctx.payload = r->payload;
	r->has_started = 1;
	if (r->type->start)
		return r->type->start(&r->ctx, e);
	return 0;
}

void runner_begin(struct runner *r, struct queue_job *job)
{
	struct err e = {0};
	int rc;

	r->job = *job;
	memset(job, 0, sizeof(*job));
	memset(&r->ctx, 0, sizeof(r->ctx));
	r->ctx.db = r->db;
	r->ctx.cfg = r->cfg;
	r->ctx.services = r->services;
	r->ctx.job_id = r->job.id;
	r->ctx.attempt = r->job.attempt;
	r->ctx.now = clock_now();
	r->is_active = 1;
	r->pending = RUNNER_NONE;
	r->type = NULL;
	r->steps = 0;
	r->busy_retries = 0;
	r->started_mono = clock_mono();
	r->next_step_mono = r->started_mono;
	r->next_renew_mono =
	    r->started_mono + (int64_t)r->cfg->queue.lease_seconds * 1000 / 3;
	log_fmt(LOG_DEBUG, "job.start", "job=%s id=%lld attempt=%d/%d",
		r->job.type, (long long)r->job.id, r->job.attempt,
		r->job.max_attempts);
	if ((rc = begin_attempt(r, &e)) != 0) {
		if (!e.msg[0])
			err_set(&e, rc, "job could not start (%s)",
				err_name(rc));
		fail(r, &e);
	}
}

static int renew_if_due(struct runner *r)
{
	struct err e = {0};
	int rc;

	if (clock_mono() < r->next_renew_mono)
		return 0;
	rc = queue_renew(r->queue, &r->job, clock_now(),
			 r->ctx.progress[0] ? r->ctx.progress : NULL, &e);
	if (rc == ERR_CONFLICT) {
		runner_cancelled(r, e.msg);
		return rc;
	}
	/* Busy: the lease is long enough to try again next turn. */
	r->next_renew_mono =
	    clock_mono() +
	    (rc ? 1000 : (int64_t)r->cfg->queue.lease_seconds * 1000 / 3);
	return 0;
}

int runner_step(struct runner *r)
{
	struct err e = {0};
	int rc;

	if (!r->is_active)
		return 0;
	if (r->ctx.is_waiting || clock_mono() < r->next_step_mono)
		return 1;
	if (r->pending != RUNNER_NONE) { /* the database was busy: again */
		settle(r);
		return r->is_active;
	}
	if (renew_if_due(r))
		return 0;
	if (r->stop_after_steps && r->steps >= r->stop_after_steps) {
		runner_release(r,
			       "stopped after the requested number of steps");
		return 0;
	}
	r->ctx.now = clock_now();
	r->ctx.pause_ms = 0;
	rc = r->type->step(&r->ctx, &e);
	r->steps++;
	if (rc == ERR_BUSY && ++r->busy_retries < BUSY_RETRY_MAX) {
		r->next_step_mono = clock_mono() + BUSY_RETRY_MS;
		return 1;
	}
	if (rc < 0) {
		if (!e.msg[0])
			err_set(&e, rc, "step failed (%s)", err_name(rc));
		if (rc == ERR_NOSPACE)
			defer(r, &e);
		else
			fail(r, &e);
	} else if (rc == JOB_DONE) {
		succeed(r);
	} else {
		r->busy_retries = 0;
		r->ctx.is_waiting = rc == JOB_WAIT;
		r->next_step_mono =
		    clock_mono() + (r->ctx.pause_ms > 0 ? r->ctx.pause_ms : 0);
	}
	return r->is_active;
}

int64_t runner_deadline(const struct runner *r)
{
	/* While it waits for a transfer, the transfer's socket wakes the loop;
	 * the lease still needs renewing. */
	if (r->is_active && r->ctx.is_waiting)
		return r->next_renew_mono;
	return r->is_active ? r->next_step_mono : -1;
}

void runner_release(struct runner *r, const char *why)
{
	struct err e = {0};

	if (!r->is_active)
		return;
	if (queue_release(r->queue, &r->job, clock_now(), why, &e))
		log_event(LOG_WARN, "job.release_failed", "job", r->job.type,
			  "error", e.msg, (char *)NULL);
	report(r, "released", NULL, 0);
	end_job(r);
}

int runner_keepalive(struct runner *r)
{
	if (!r->is_active)
		return 0;
	return renew_if_due(r) == 0;
}

void runner_cancelled(struct runner *r, const char *why)
{
	if (!r->is_active)
		return;
	report(r, "cancelled", why, 0);
	end_job(r);
}

void runner_record_outcome(sqlite3 *db, const struct runner_outcome *o)
{
	int64_t now = clock_now();
	struct err e = {0};

	if (strcmp(o->state, "cancelled") != 0)
		return; /* written with the outcome, in its transaction */
	if (scheduler_job_finished(db, o->job->id, o->job->recurring_name,
				   o->state, o->job->started_at, now,
				   o->duration_ms, o->counts_json, o->error,
				   &e))
		log_event(LOG_WARN, "schedule.record_failed", "error", e.msg,
			  (char *)NULL);
}
