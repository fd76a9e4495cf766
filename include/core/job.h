/*
 * job.h - what a job is: a type with defaults and a step machine.
 *
 * A job never runs to completion in one call. The runner calls step()
 * repeatedly; each call does one bounded piece of work (one batch in one
 * transaction, one chunk of a file, one turn of a network transfer) and
 * returns, so the loop can serve HTTP and signals between steps. No step
 * may hold the loop for more than ~50 ms.
 *
 * Life of one attempt:  start() -> step() ... step() -> finish()
 * start() parses the payload and allocates ctx->state; finish() frees it
 * whatever happened (also after an error or a cancel).
 */
#ifndef DOMECEK_JOB_H
#define DOMECEK_JOB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct err;
struct cJSON;
struct services;

/* step() results. Errors are negative err codes (see job_error_is_final). */
enum job_step {
	JOB_DONE = 0,  /* finished: the job succeeded */
	JOB_AGAIN = 1, /* more to do: call step() again (after ctx->pause_ms) */
	JOB_WAIT = 2,  /* waiting for a transfer: called again when it moves */
};

#define JOB_MAX_COUNTS 8

struct job_count {
	const char *name; /* static string: "deleted", "notified", ... */
	int64_t value;
};

struct job_ctx {
	sqlite3 *db;
	const struct config *cfg;
	struct services
	    *services;	/* storage, mail, net: may be NULL in tests */
	int64_t job_id; /* 0 when run outside the queue */
	int attempt;	/* 1 for the first attempt */
	const struct cJSON
	    *payload; /* parsed payload (never NULL: {} at least) */
	int64_t now;  /* clock_now() when this step began */
	void *state;  /* the job's own, from start() to finish() */
	int pause_ms; /* set by step(): wait before the next step */
	/* Set by step() with a temporary error: retry no sooner than this
	 * many ms (a server's Retry-After); 0 = the type's own delay. */
	int64_t retry_after_ms;
	int is_waiting; /* after JOB_WAIT, until job_wake() */
	struct job_count counts[JOB_MAX_COUNTS];
	int count_used;
	char progress[128]; /* short text for the dashboard */
};

struct job_type {
	const char *name;   /* "draft_cleanup": the jobs.type value */
	int priority;	    /* higher is claimed first (email before export) */
	int max_attempts;   /* 0: from the config (send_email) */
	int retry_delay_ms; /* first retry delay; doubles each attempt */
	int retry_cap_ms;   /* longest retry delay */
	int jitter;	    /* 1: +-10% on retry delays (network jobs) */
	/* Optional: parse payload, allocate ctx->state. ERR_INVALID for a bad
	 * payload fails this job at once, without retries. */
	int (*start)(struct job_ctx *ctx, struct err *e);
	/* One bounded piece of work: enum job_step, or a negative err code. */
	int (*step)(struct job_ctx *ctx, struct err *e);
	/* Optional: free ctx->state. Called exactly once after start(). */
	void (*finish)(struct job_ctx *ctx);
	/* Optional: the job ended dead (its last failure, a final error, or
	 * too many interruptions); tells the person who waits for it. Runs
	 * inside the caller's transaction. code is the error's code
	 * (ERR_EXPIRED: interrupted too often), reason its text. */
	int (*on_dead)(sqlite3 *db, const struct config *cfg, int64_t job_id,
		       const struct cJSON *payload, int code,
		       const char *reason, struct err *e);
};

/* Ends a JOB_WAIT: the runner calls step() again on its next turn. Called
 * from a transfer's done callback. */
void job_wake(struct job_ctx *ctx);

/* Adds delta to the named counter (name must be a static string). */
void job_count(struct job_ctx *ctx, const char *name, int64_t delta);
int64_t job_count_get(const struct job_ctx *ctx, const char *name);
/* The counters as a JSON object text {"deleted":12} in out[size] (no
 * allocation; a count that does not fit is left out). size >= 3. */
void job_counts_json_into(const struct job_ctx *ctx, char *out, size_t size);
/* The counters as "deleted=12 notified=3" for log lines. */
void job_counts_text(const struct job_ctx *ctx, char *out, size_t size);

/* Is an error final (no retry: bad payload, permanent refusal)? Busy,
 * temporary, I/O and disk-full errors are retried. */
int job_error_is_final(int code);

/* The type called name in a NULL-terminated table (the registry that the
 * binary hands down, see jobs/registry.h), or NULL. */
const struct job_type *job_type_find(const struct job_type *const *types,
				     const char *name);

/* The job ended dead (its last failure, a final error, or too many
 * interruptions): the type's on_dead hook tells whoever waits for it,
 * inside the caller's transaction and in a savepoint of its own, so the
 * notice is written whole or not at all. A notice that cannot be written
 * is logged (job.notice_failed) and the job's death stands: one bad
 * notice never holds up recording it. Nothing happens for a type without
 * the hook or a payload that is not a JSON object. */
void job_tell_dead(const struct job_type *type, sqlite3 *db,
		   const struct config *cfg, int64_t job_id,
		   const struct cJSON *payload, int code, const char *reason);

/* A job that failed only for lack of space waits, uncounted, before it
 * runs again: 1 minute after its first deferral in a row, doubling (2,
 * 4, 8 minutes) up to 15 minutes, so a disk that stays full is not
 * retried in vain every minute for days, yet freed space is used soon. */
#define JOB_NOSPACE_RETRY_MS (60 * 1000)
#define JOB_NOSPACE_RETRY_CAP_MS (15 * 60 * 1000)
/* The wait after deferral number `deferrals` in a row (1 = the first). */
int64_t job_nospace_delay(int deferrals);

/* Max attempts of a type under this config (send_email: Email.RetryCount). */
int job_type_max_attempts(const struct job_type *type,
			  const struct config *cfg);
/* Delay before retry number `attempt` (1 = after the first failure). */
int64_t job_type_retry_delay(const struct job_type *type,
			     const struct config *cfg, int attempt,
			     uint32_t random);

#endif
