/*
 * bench_queue_lib.c - the queue library alone, in one process: enqueue,
 * then claim + complete as separate transactions (queue_claim,
 * queue_complete) and chained (queue_settle claims the next job in the
 * transaction that completes one). Jobs per second. The comparison with
 * the real floor (../shared/bench/floor.c) is tools/bench/drain.sh, which
 * runs the daemon itself; this one shows what the chaining saves.
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/queue.h"
#include "jobs/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOBS 20000

static double seconds_since(int64_t start)
{
	return (double)(clock_mono() - start) / 1000.0;
}

static sqlite3 *fresh_db(const char *path)
{
	struct db_options opt = {.create = 1};
	struct err e = {0};
	char wal[600];
	sqlite3 *db;

	unlink(path);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(wal);
	if (db_open(path, &opt, &db, &e) || db_migrate(db, NULL, NULL, &e)) {
		fprintf(stderr, "bench: %s\n", e.msg);
		exit(1);
	}
	return db;
}

static struct queue *fresh_queue(const char *path, sqlite3 **db,
				 struct config *cfg, int batched, double *rate)
{
	struct queue *q;
	struct err e = {0};
	int64_t id, start;

	*db = fresh_db(path);
	config_defaults(cfg);
	if (queue_open(*db, cfg, job_registry, "bench:1:0", &q, &e)) {
		fprintf(stderr, "bench: %s\n", e.msg);
		exit(1);
	}
	start = clock_mono();
	if (batched)
		db_begin(*db, &e);
	for (int i = 0; i < JOBS; i++)
		if (queue_enqueue(q, "noop", NULL, &id, NULL, &e))
			exit(1);
	if (batched)
		db_commit(*db, &e);
	*rate = JOBS / seconds_since(start);
	return q;
}

/* claim and complete, each its own transaction */
static double separate(const char *path, double *enqueue_rate)
{
	struct config cfg;
	sqlite3 *db;
	struct queue *q = fresh_queue(path, &db, &cfg, 0, enqueue_rate);
	struct queue_job job;
	struct err e = {0};
	int64_t start = clock_mono();

	for (int i = 0; i < JOBS; i++) {
		if (queue_claim(q, clock_now(), &job, &e) ||
		    queue_complete(q, &job, clock_now(), "{}", &e)) {
			fprintf(stderr, "bench: %s\n", e.msg);
			exit(1);
		}
		queue_job_clear(&job);
	}
	double rate = JOBS / seconds_since(start);
	queue_free(q);
	db_close(db);
	return rate;
}

/* one transaction per job: complete N and claim N+1 */
static double chained(const char *path, double *enqueue_rate)
{
	struct config cfg;
	sqlite3 *db;
	struct queue *q = fresh_queue(path, &db, &cfg, 1, enqueue_rate);
	struct queue_outcome ok = {.is_success = 1, .result = "{}"};
	struct queue_next next = {.want = 1};
	struct queue_job job;
	const char *state;
	struct err e = {0};
	int64_t start = clock_mono();
	int done = 0;

	if (queue_claim(q, clock_now(), &job, &e))
		exit(1);
	for (;;) {
		if (queue_settle(q, &job, &ok, clock_now(), NULL, NULL, &next,
				 &state, &e)) {
			fprintf(stderr, "bench: %s\n", e.msg);
			exit(1);
		}
		queue_job_clear(&job);
		done++;
		if (!next.claimed)
			break;
		job = next.job;
	}
	double rate = done / seconds_since(start);
	queue_free(q);
	db_close(db);
	return rate;
}

int main(void)
{
	char path[256];
	double single_enqueue, batch_enqueue;

	snprintf(path, sizeof(path), "/tmp/domecek-bench-queue-%d.db", (int)getpid());
	double split = separate(path, &single_enqueue);
	double chain = chained(path, &batch_enqueue);
	printf("queue library, %d no-op jobs, jobs/s (the floor comparison is drain.sh):\n", JOBS);
	printf("  claim + complete, two transactions per job   %8.0f\n", split);
	printf("  settle + claim chained, one transaction/job  %8.0f  (%.2fx)\n", chain,
	       chain / split);
	printf("  enqueue alone: single %.0f/s, batched (one transaction) %.0f/s\n",
	       single_enqueue, batch_enqueue);
	unlink(path);
	strncat(path, "-wal", sizeof(path) - strlen(path) - 1);
	unlink(path);
	return 0;
}
