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
#include "base/err.h"
#include "base/log.h"
#include "core/metrics.h"
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
}

static void report(struct runner *r, const char *state, const char *error,
		   int64_t retry_at)
{
	struct runner_outcome outcome = {0};
	char counts[256], id[24];
	char *json = job_counts_json(&r->ctx);

	outcome.job = &r->job;
	outcome.state = state;
	outcome.error = error;
	outcome.counts_json = json;
	outcome.duration_ms = clock_mono() - r->started_mono;
	outcome.retry_at = retry_at;
	job_counts_text(&r->ctx, counts, sizeof(counts));
	snprintf(id, sizeof(id), "%lld", (long long)r->job.id);
	if (error)
		log_event(strcmp(state, "dead") == 0 ? LOG_ERROR : LOG_WARN,
			  "job.failed", "job", r->job.type, "id", id, "state",
			  state, "error", error, (char *)NULL);
	else if (strcmp(state, "succeeded") != 0)
		log_event(LOG_INFO, "job.released", "job", r->job.type, "id",
			  id, (char *)NULL);
	else
		log_fmt(LOG_INFO, "job.done",
			"job=%s id=%lld attempt=%d duration_ms=%lld %s",
			r->job.type, (long long)r->job.id, r->job.attempt,
			(long long)outcome.duration_ms, counts);
	if (r->on_outcome)
		r->on_outcome(&outcome, r->outcome_arg);
	free(json);
}

/* Records success; keeps trying while the database is busy. */
static void succeed(struct runner *r)
{
	char *result = job_counts_json(&r->ctx);
	struct err e = {0};
	int rc = queue_complete(r->queue, &r->job, clock_now(), result, &e);

	free(result);
	if (rc == ERR_BUSY) {
		r->next_step_mono = clock_mono() + BUSY_RETRY_MS;
		r->ctx.pause_ms = -1; /* marks "completion pending" */
		return;
	}
	if (rc == ERR_CONFLICT) {
		report(r, "cancelled", e.msg, 0);
	} else if (rc) {
		log_event(LOG_ERROR, "job.record_failed", "job", r->job.type,
			  "error", e.msg, (char *)NULL);
		report(r, "succeeded", NULL, 0);
	} else {
		report(r, "succeeded", NULL, 0);
	}
	end_job(r);
}

static void fail(struct runner *r, const struct err *cause)
{
	int is_final = job_error_is_final(cause->code);
	int64_t delay = 0, now = clock_now();
	const char *state = "dead";
	struct err e = {0};
	int rc;

	if (r->type)
		delay = job_type_retry_delay(r->type, r->cfg, r->job.attempt,
					     (uint32_t)rand());
	if (r->ctx.retry_after_ms > delay) /* the server asked for longer */
		delay = r->ctx.retry_after_ms;
	/* A job that failed for lack of space may hold the space itself (a
	 * half-written export in .tmp): drop it first, or the WAL cannot grow
	 * to record the failure and the job stays "processing" until its
	 * lease runs out. */
	release_state(r);
	rc = queue_fail(r->queue, &r->job, now, cause->msg, is_final, delay,
			&state, &e);
	if (rc == ERR_BUSY) {
		/* Keep the cause and try again: the attempt must be recorded.
		 */
		r->next_step_mono = clock_mono() + BUSY_RETRY_MS;
		return;
	}
	if (rc == ERR_CONFLICT)
		state = "cancelled";
	else if (rc)
		log_event(LOG_ERROR, "job.record_failed", "job", r->job.type,
			  "error", e.msg, (char *)NULL);
	report(r, state, cause->msg,
	       strcmp(state, "failed") == 0 ? now + delay : 0);
	end_job(r);
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
		report(r, "cancelled", e.msg, 0);
		end_job(r);
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
	if (r->ctx.pause_ms == -1) { /* completion was busy: record it now */
		succeed(r);
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

void runner_record_outcome(sqlite3 *db, const struct runner_outcome *o)
{
	int64_t now = clock_now();
	struct err e = {0};

	if (strcmp(o->state, "released") != 0 &&
	    metrics_record_run(db, o->job->type, !strcmp(o->state, "succeeded"),
			       o->duration_ms, now, &e))
		log_event(LOG_WARN, "metrics.failed", "error", e.msg,
			  (char *)NULL);
	if (scheduler_job_finished(db, o->job->id, o->job->recurring_name,
				   o->state, o->job->started_at, now,
				   o->duration_ms, o->counts_json, o->error,
				   &e))
		log_event(LOG_WARN, "schedule.record_failed", "error", e.msg,
			  (char *)NULL);
}
