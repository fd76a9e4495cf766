/*
 * noop.c - a job that does nothing, slowly or not, and may fail.
 *
 * Payload: {"sleepMs": N, "steps": N, "fail": true|false, "error": "..."}.
 * For tests, benchmarks and a user's smoke test of a fresh install. It
 * "sleeps" by asking the loop for a pause between steps, never by
 * blocking, so the daemon stays responsive while it runs.
 */
#include "base/err.h"
#include "core/job.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

struct noop_state {
	int steps_left;
	int pause_each_ms;
	int has_paused;
	int fail;
	const char *error;
};

static int payload_int(const cJSON *payload, const char *name, int fallback,
		       int *out, struct err *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(payload, name);

	if (!item) {
		*out = fallback;
		return 0;
	}
	if (!cJSON_IsNumber(item) || item->valuedouble < 0 ||
	    item->valuedouble > 86400000)
		return err_set(e, ERR_INVALID,
			       "payload field %s: expected a number "
			       "0..86400000",
			       name);
	*out = item->valueint;
	return 0;
}

static int noop_start(struct job_ctx *ctx, struct err *e)
{
	struct noop_state *s = calloc(1, sizeof(*s));
	const cJSON *fail, *error;
	int rc, sleep_ms;

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	ctx->state = s;
	if ((rc = payload_int(ctx->payload, "sleepMs", 0, &sleep_ms, e)) ||
	    (rc = payload_int(ctx->payload, "steps", 1, &s->steps_left, e)))
		return rc;
	fail = cJSON_GetObjectItemCaseSensitive(ctx->payload, "fail");
	if (fail && !cJSON_IsBool(fail))
		return err_set(e, ERR_INVALID,
			       "payload field fail: expected true or false");
	s->fail = cJSON_IsTrue(fail);
	error = cJSON_GetObjectItemCaseSensitive(ctx->payload, "error");
	s->error =
	    cJSON_IsString(error) ? error->valuestring : "noop failed as asked";
	if (s->steps_left < 1)
		s->steps_left = 1;
	s->pause_each_ms = sleep_ms / s->steps_left;
	return 0;
}

static int noop_step(struct job_ctx *ctx, struct err *e)
{
	struct noop_state *s = ctx->state;

	/* The sleep is spread over the steps as pauses of the loop. */
	if (s->pause_each_ms > 0 && !s->has_paused) {
		s->has_paused = 1;
		ctx->pause_ms = s->pause_each_ms;
		return JOB_AGAIN;
	}
	s->has_paused = 0;
	job_count(ctx, "steps", 1);
	if (--s->steps_left > 0)
		return JOB_AGAIN;
	if (s->fail)
		return err_set(e, ERR_TEMP, "%s", s->error);
	return JOB_DONE;
}

static void noop_finish(struct job_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

const struct job_type job_noop = {
    .name = "noop",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 30000,
    .retry_cap_ms = 3600000,
    .start = noop_start,
    .step = noop_step,
    .finish = noop_finish,
};
