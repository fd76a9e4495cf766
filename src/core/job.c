/*
 * job.c - counters, retry policy and lookup in a table of job types.
 *
 * The table itself lives above this layer (src/jobs/registry.c) and is
 * handed to the queue, the runner and the scheduler, so nothing here
 * knows which jobs exist. Retry delays double from the type's first delay up to
 * its cap; network jobs get +-10% jitter so retries of many failed sends
 * don't hit a recovering server at the same instant. A job deferred for
 * lack of space backs off too (job_nospace_delay), uncounted. A job that ends
 * dead tells whoever waits for it (job_tell_dead), whichever way it died.
 */
#include "core/job.h"
#include "base/buf.h"
#include "config/config.h"
#include "base/err.h"
#include "base/log.h"
#include "db/db.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct job_type *job_type_find(const struct job_type *const *types,
				     const char *name)
{
	for (int i = 0; types && types[i]; i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}

void job_wake(struct job_ctx *ctx)
{
	ctx->is_waiting = 0;
}

void job_count(struct job_ctx *ctx, const char *name, int64_t delta)
{
	for (int i = 0; i < ctx->count_used; i++)
		if (strcmp(ctx->counts[i].name, name) == 0) {
			ctx->counts[i].value += delta;
			return;
		}
	if (ctx->count_used == JOB_MAX_COUNTS)
		return;
	ctx->counts[ctx->count_used].name = name;
	ctx->counts[ctx->count_used].value = delta;
	ctx->count_used++;
}

int64_t job_count_get(const struct job_ctx *ctx, const char *name)
{
	for (int i = 0; i < ctx->count_used; i++)
		if (strcmp(ctx->counts[i].name, name) == 0)
			return ctx->counts[i].value;
	return 0;
}

void job_counts_json_into(const struct job_ctx *ctx, char *out, size_t size)
{
	size_t used = 1;

	snprintf(out, size, "{");
	for (int i = 0; i < ctx->count_used && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s\"%s\":%lld",
				 i ? "," : "", ctx->counts[i].name,
				 (long long)ctx->counts[i].value);
		if (n < 0 || (size_t)n >= size - used - 1) {
			out[used] = '\0'; /* drop a count that does not fit */
			break;
		}
		used += (size_t)n;
	}
	snprintf(out + used, size - used, "}");
}

void job_counts_text(const struct job_ctx *ctx, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < ctx->count_used && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s%s=%lld",
				 i ? " " : "", ctx->counts[i].name,
				 (long long)ctx->counts[i].value);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int job_error_is_final(int code)
{
	return code == ERR_INVALID || code == ERR_FATAL || code == ERR_PERM ||
	       code == ERR_NOTFOUND || code == ERR_TOOBIG;
}

int job_type_max_attempts(const struct job_type *type, const struct config *cfg)
{
	if (type->max_attempts > 0)
		return type->max_attempts;
	return cfg->email.retry_count;
}

int64_t job_type_retry_delay(const struct job_type *type,
			     const struct config *cfg, int attempt,
			     uint32_t random)
{
	int64_t delay = type->retry_delay_ms > 0
			    ? type->retry_delay_ms
			    : (int64_t)cfg->email.retry_delay_seconds * 1000;
	int64_t cap =
	    type->retry_cap_ms > 0 ? type->retry_cap_ms : INT64_C(3600000);

	for (int i = 1; i < attempt && delay < cap; i++)
		delay *= 2;
	if (delay > cap)
		delay = cap;
	if (type->jitter) /* uniform in [-10%, +10%] */
		delay +=
		    (int64_t)(delay / 5) * (int64_t)(random % 1001) / 1000 -
		    delay / 10;
	return delay;
}

int64_t job_nospace_delay(int deferrals)
{
	int64_t delay = JOB_NOSPACE_RETRY_MS;

	for (int i = 1; i < deferrals && delay < JOB_NOSPACE_RETRY_CAP_MS; i++)
		delay *= 2;
	return delay < JOB_NOSPACE_RETRY_CAP_MS ? delay
						: JOB_NOSPACE_RETRY_CAP_MS;
}

void job_tell_dead(const struct job_type *type, sqlite3 *db,
		   const struct config *cfg, int64_t job_id,
		   const struct cJSON *payload, int code, const char *reason)
{
	struct err e = {0};
	char id[24];
	int rc;

	if (!type || !type->on_dead || !cJSON_IsObject(payload))
		return; /* a payload that is not an object names nobody */
	if ((rc = db_exec(db, "SAVEPOINT job_tell_dead", &e)) == 0) {
		rc = type->on_dead(db, cfg, job_id, payload, code, reason, &e);
		if (rc)
			db_exec(db, "ROLLBACK TO job_tell_dead", NULL);
		db_exec(db, "RELEASE job_tell_dead", NULL);
	}
	if (!rc)
		return;
	snprintf(id, sizeof(id), "%lld", (long long)job_id);
	log_event(LOG_ERROR, "job.notice_failed", "job", type->name, "id", id,
		  "error", e.msg, "effect",
		  "the job is dead; whoever waits for it was not told",
		  (char *)NULL);
}
