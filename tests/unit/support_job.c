/*
 * support_job.c - runs one job type directly in a unit test.
 */
#include "support_job.h"
#include "base/clock.h"
#include "core/job.h"
#include "jobs/registry.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

void support_run_job(sqlite3 *db, const struct config *cfg, struct services *services,
		     const char *type, const char *payload, int64_t now, int max_steps,
		     struct support_job_result *out)
{
	const struct job_type *jt = job_type_find(job_registry, type);
	cJSON *parsed = cJSON_Parse(payload ? payload : "{}");
	int rc = 0;

	memset(out, 0, sizeof(*out));
	clock_fix(now);
	if (!jt || !parsed) {
		out->rc = err_set(&out->err, ERR_INVALID, "no job type %s or bad payload", type);
		cJSON_Delete(parsed);
		return;
	}
	out->ctx.db = db;
	out->ctx.cfg = cfg;
	out->ctx.services = services;
	out->ctx.attempt = 1;
	out->ctx.payload = parsed;
	out->ctx.now = now;
	if (jt->start)
		rc = jt->start(&out->ctx, &out->err);
	while (rc == 0 || rc == JOB_AGAIN) {
		if (max_steps > 0 && out->steps >= max_steps)
			break;
		out->ctx.now = clock_now();
		out->ctx.pause_ms = 0;
		rc = jt->step(&out->ctx, &out->err);
		out->steps++;
		if (rc == JOB_DONE)
			break;
	}
	if (jt->finish)
		jt->finish(&out->ctx);
	out->ctx.state = NULL;
	out->ctx.payload = NULL;
	out->rc = rc;
	cJSON_Delete(parsed);
}
