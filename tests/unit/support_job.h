/*
 * support_job.h - runs one job type directly in a unit test: start, then
 * step until done (pauses skipped), then finish, with the clock fixed.
 */
#ifndef DOMECEK_SUPPORT_JOB_H
#define DOMECEK_SUPPORT_JOB_H

#include <sqlite3.h>
#include <stdint.h>

#include "base/err.h"
#include "core/job.h"

struct config;
struct services;

struct support_job_result {
	int rc;          /* JOB_DONE, or the negative error code */
	int steps;       /* step() calls made */
	struct err err;  /* the error, when rc < 0 */
	struct job_ctx ctx; /* counters after the run (state is gone) */
};

/* Runs `type` with payload (NULL = {}) at the fixed time now. max_steps
 * > 0 stops after that many steps (as if the daemon died there; finish()
 * is still called, as the runner does on release). Transfers that return
 * JOB_WAIT are not supported here. */
void support_run_job(sqlite3 *db, const struct config *cfg, struct services *services,
		     const char *type, const char *payload, int64_t now, int max_steps,
		     struct support_job_result *out);

#endif
