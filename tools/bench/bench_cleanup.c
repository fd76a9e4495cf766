/*
 * bench_cleanup.c - how long activity_cleanup holds the write lock.
 *
 * Builds a temporary database with 1,000,000 activities spread evenly over
 * the last 400 days (so ~775,000 are past the 90-day retention), shaped as
 * the app writes them: random UUID ids, and each record's activities (5
 * here) close together in time, as a record is created, edited and given
 * its documents within days. Then it runs
 * the activity_cleanup job type directly, BatchSize 1,000, timing each
 * step() call: a step is one BEGIN IMMEDIATE .. COMMIT, so its duration is
 * how long the app's writers wait at worst. Prints p50/p99/max per batch
 * and the totals; the goal is p99 <= 20 ms. Pauses between batches are
 * not slept (they do not hold the lock); their sum is printed.
 *
 * Usage: bench_cleanup [ROWS [BATCH]]   (default 1000000 rows, BatchSize
 * 1000; the database goes under $TMPDIR or /tmp and is removed afterwards).
 * BENCH_PRAGMA="PRAGMA cache_size=-65536" runs that SQL on the connection
 * first, to try connection settings the daemon does not use yet.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "jobs/registry.h"

#define INSERT_CHUNK 100000
#define SPREAD_DAYS 400
#define ACTIVITIES_PER_RECORD 5

static const char user_id[] = "11111111-1111-4111-8111-111111111111";
static const char project_id[] = "22222222-2222-4222-8222-222222222222";
static const char property_id[] = "33333333-3333-4333-8333-333333333333";

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int household(sqlite3 *db, struct err *e)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO users (id, email, created_at) VALUES ('%s', "
		 "'jana@example.cz',"
		 " '2025-01-01T00:00:00.000Z');"
		 "INSERT INTO projects (id, owner_id, name, created_at) VALUES "
		 "('%s', '%s',"
		 " 'Domov', '2025-01-01T00:00:00.000Z');"
		 "INSERT INTO properties (id, project_id, name, created_at) "
		 "VALUES ('%s', '%s',"
		 " 'Chalupa', '2025-01-01T00:00:00.000Z');",
		 user_id, project_id, user_id, property_id, project_id);
	return db_exec(db, sql, e);
}

/* Random-looking UUIDs, so the primary key index grows as in real use. */
static void make_id(uint64_t *state, char out[37])
{
	uint64_t a, b;

	*state = *state * UINT64_C(6364136223846793005) +
		 UINT64_C(1442695040888963407);
	a = *state;
	*state = *state * UINT64_C(6364136223846793005) +
		 UINT64_C(1442695040888963407);
	b = *state;
	snprintf(out, 37, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)(a >> 4) & 0xfff,
		 (unsigned)b & 0xfff,
		 (unsigned long long)(b >> 16) & 0xffffffffffffULL);
}

static int fill(sqlite3 *db, int rows, int64_t now, struct err *e)
{
	static const char insert_sql[] =
	    "INSERT INTO activities (id, property_id, actor_user_id, type, "
	    "target_type,"
	    " target_id, created_at) VALUES (?1, ?2, ?3, 'zaznam_updated', "
	    "'zaznam', ?5, ?4)";
	sqlite3_stmt *stmt = NULL;
	uint64_t rng = 42;
	char id[37], record[37];
	int rc = 0;

	if ((rc = db_prepare(db, insert_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 2, property_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, user_id, -1, SQLITE_STATIC);
	for (int i = 0; !rc && i < rows; i++) {
		if (i % INSERT_CHUNK == 0 && (rc = db_begin(db, e)))
			break;
		make_id(&rng, id);
		if (i % ACTIVITIES_PER_RECORD == 0)
			make_id(&rng, record);
		sqlite3_bind_text(stmt, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 5, record, -1, SQLITE_TRANSIENT);
		db_bind_time(stmt, 4,
			     now - (int64_t)((double)i / rows * SPREAD_DAYS *
					     MS_PER_DAY));
		if (sqlite3_step(stmt) != SQLITE_DONE)
			rc = db_error(db, sqlite3_errcode(db), e,
				      "inserting activities");
		sqlite3_reset(stmt);
		if (!rc &&
		    (i % INSERT_CHUNK == INSERT_CHUNK - 1 || i == rows - 1))
			rc = db_commit(db, e);
	}
	if (rc)
		db_rollback(db);
	sqlite3_finalize(stmt);
	return rc;
}

/* The write lock is held from BEGIN IMMEDIATE to the end of COMMIT; the
 * trace callback timestamps both, so a step's reads before BEGIN (its
 * prefetch) are not counted as lock time. */
static double lock_start, lock_held;

static int on_trace(unsigned type, void *arg, void *p, void *x)
{
	const char *sql = sqlite3_sql((sqlite3_stmt *)p);

	(void)arg;
	(void)x;
	if (!sql)
		return 0;
	if (type == SQLITE_TRACE_STMT && strncmp(sql, "BEGIN IMMEDIATE", 15) == 0)
		lock_start = mono_ms();
	else if (type == SQLITE_TRACE_PROFILE && strncmp(sql, "COMMIT", 6) == 0)
		lock_held = mono_ms() - lock_start;
	return 0;
}

static int run_cleanup(sqlite3 *db, const struct config *cfg, int64_t now,
		       double *times, int max_steps, int *steps, int *locked,
		       int64_t *pause_ms, struct err *e)
{
	const struct job_type *type = job_type_find(job_registry, "activity_cleanup");
	cJSON *payload = cJSON_CreateObject();
	struct job_ctx ctx = {
	    .db = db, .cfg = cfg, .payload = payload, .attempt = 1, .now = now};
	double step_total = 0;
	int rc;

	*steps = 0;
	*locked = 0;
	*pause_ms = 0;
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, on_trace, NULL);
	rc = type->start(&ctx, e);
	while (rc == 0 || rc == JOB_AGAIN) {
		double t0;
		if (*steps == max_steps) {
			rc = err_set(e, ERR_TOOBIG, "more than %d steps",
				     max_steps);
			break;
		}
		ctx.pause_ms = 0;
		t0 = mono_ms();
		lock_held = 0;
		rc = type->step(&ctx, e);
		(*steps)++;
		if (lock_held > 0) /* a read step takes no lock */
			times[(*locked)++] = lock_held;
		step_total += mono_ms() - t0;
		*pause_ms += ctx.pause_ms;
		if (rc == JOB_DONE)
			break;
	}
	printf("steps took %.0f ms in all (reads before the lock included)\n", step_total);
	printf("deleted %lld rows in %lld batches\n",
	       (long long)job_count_get(&ctx, "deleted"),
	       (long long)job_count_get(&ctx, "batches"));
	type->finish(&ctx);
	cJSON_Delete(payload);
	return rc < 0 ? rc : 0;
}

static void report(double *times, int steps, int batch, double total_ms,
		   int64_t pause_ms)
{
	total_ms = 0;
	for (int i = 0; i < steps; i++)
		total_ms += times[i];
	qsort(times, (size_t)steps, sizeof(*times), compare_double);
	printf("activity_cleanup: %d locked steps (batches) of BatchSize %d, "
	       "write lock held per batch:\n",
	       steps, batch);
	printf(
	    "  p50 %.2f ms  p99 %.2f ms  max %.2f ms  (goal: p99 <= 20 ms)\n",
	    times[steps / 2], times[(int)((steps - 1) * 0.99)],
	    times[steps - 1]);
	printf("  total %.0f ms holding the lock; %lld ms of pauses between batches "
	       "not slept\n",
	       total_ms, (long long)pause_ms);
}

static void remove_db(const char *dir)
{
	static const char *const files[] = {"bench.db", "bench.db-wal",
					    "bench.db-shm"};
	char path[600];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	if (rmdir(dir) != 0)
		fprintf(stderr, "bench_cleanup: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	int rows = argc > 1 ? atoi(argv[1]) : 1000000;
	int batch = argc > 2 ? atoi(argv[2]) : 1000;
	const char *tmp = getenv("TMPDIR");
	char dir[512], path[600];
	struct db_options opt = {.create = 1};
	struct config cfg;
	struct err e = {0};
	sqlite3 *db = NULL;
	double *times = NULL, t0, total = 0;
	int64_t now = 1795898717000, pause_ms = 0; /* 2026-11-28T20:45:17Z */
	int steps = 0, locked = 0, rc = 1, max_steps = batch > 0 ? 2 * (rows / batch + 2) : 0; /* a read and a delete per batch */

	snprintf(dir, sizeof(dir), "%s/bench_cleanup.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (rows < 1 || batch < 1 || !mkdtemp(dir) ||
	    !(times = calloc((size_t)max_steps, sizeof(*times)))) {
		fprintf(stderr,
			"bench_cleanup: bad row count or no temp dir\n");
		free(times);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	config_defaults(&cfg);
	cfg.jobs.activity_cleanup.r.batch_size = batch;
	clock_fix(now);
	if (db_open(path, &opt, &db, &e) || db_migrate(db, NULL, NULL, &e) ||
	    household(db, &e))
		goto done;
	if (getenv("BENCH_PRAGMA") && db_exec(db, getenv("BENCH_PRAGMA"), &e))
		goto done;
	t0 = mono_ms();
	if (fill(db, rows, now, &e))
		goto done;
	printf("inserted %d activities in %.0f ms\n", rows, mono_ms() - t0);
	t0 = mono_ms();
	if (run_cleanup(db, &cfg, now, times, max_steps, &steps, &locked, &pause_ms, &e))
		goto done;
	total = mono_ms() - t0;
	report(times, locked, batch, total, pause_ms);
	rc = 0;
done:
	if (rc)
		fprintf(stderr, "bench_cleanup: %s\n", e.msg);
	db_close(db);
	remove_db(dir);
	free(times);
	return rc;
}
