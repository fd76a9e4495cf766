/*
 * bench_queue.c - throughput of the queue against a floor.
 *
 * The floor does only the minimal SQL a durable queue needs per job, with
 * prepared statements and the same pragmas: one INSERT, one claiming
 * UPDATE ... RETURNING, one completing UPDATE, each its own transaction.
 * The queue does the same work plus what makes it a product: attempt
 * history rows, leases, unique keys, payload validation. The goal is
 * >= 0.7x the floor. Figures in jobs per second.
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

static void must(int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "bench: %s failed (%d)\n", what, rc);
		exit(1);
	}
}

/* The floor: minimal SQL per job, prepared once. */
static double floor_cycle(const char *path)
{
	sqlite3 *db = fresh_db(path);
	sqlite3_stmt *insert, *claim, *complete;
	int64_t start;

	must(sqlite3_prepare_v2(db, "INSERT INTO jobs (type, payload, priority, max_attempts,"
				" run_at) VALUES ('noop', '{}', 0, 3, ?1)", -1, &insert, NULL), "prep");
	must(sqlite3_prepare_v2(db, "UPDATE jobs SET state = 'processing', owner = 'x', "
				"lease_until = ?1, attempts = attempts + 1 WHERE id = (SELECT id "
				"FROM jobs INDEXED BY jobs_claim WHERE state IN ('scheduled', 'enqueued', 'failed') AND "
				"run_at <= ?1 ORDER BY priority DESC, run_at, id LIMIT 1) RETURNING id",
				-1, &claim, NULL), "prep");
	must(sqlite3_prepare_v2(db, "UPDATE jobs SET state = 'succeeded', finished_at = ?2 "
				"WHERE id = ?1", -1, &complete, NULL), "prep");
	start = clock_mono();
	for (int i = 0; i < JOBS; i++) {
		db_bind_time(insert, 1, clock_now());
		must(sqlite3_step(insert), "insert");
		sqlite3_reset(insert);
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		db_bind_time(claim, 1, clock_now());
		must(sqlite3_step(claim), "claim");
		int64_t id = sqlite3_column_int64(claim, 0);
		sqlite3_reset(claim);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_bind_int64(complete, 1, id);
		db_bind_time(complete, 2, clock_now());
		must(sqlite3_step(complete), "complete");
		sqlite3_reset(complete);
	}
	double elapsed = seconds_since(start);
	sqlite3_finalize(insert);
	sqlite3_finalize(claim);
	sqlite3_finalize(complete);
	db_close(db);
	return JOBS / elapsed;
}

static double queue_cycle(const char *path, int batched_enqueue, double *enqueue_rate)
{
	sqlite3 *db = fresh_db(path);
	struct config cfg;
	struct queue *q;
	struct queue_job job;
	struct err e = {0};
	int64_t id, start, enqueue_start;
	double enqueue_seconds;

	config_defaults(&cfg);
	if (queue_open(db, &cfg, job_registry, "bench:1:0", &q, &e)) {
		fprintf(stderr, "bench: %s\n", e.msg);
		exit(1);
	}
	start = enqueue_start = clock_mono();
	if (batched_enqueue)
		db_begin(db, &e);
	for (int i = 0; i < JOBS; i++)
		if (queue_enqueue(q, "noop", NULL, &id, NULL, &e))
			exit(1);
	if (batched_enqueue)
		db_commit(db, &e);
	enqueue_seconds = seconds_since(enqueue_start);
	*enqueue_rate = JOBS / enqueue_seconds;
	for (int i = 0; i < JOBS; i++) {
		if (queue_claim(q, clock_now(), &job, &e) ||
		    queue_complete(q, &job, clock_now(), "{}", &e)) {
			fprintf(stderr, "bench: %s\n", e.msg);
			exit(1);
		}
		queue_job_clear(&job);
	}
	double elapsed = seconds_since(start);
	queue_free(q);
	db_close(db);
	return JOBS / elapsed;
}

int main(void)
{
	char path[256];
	double single_enqueue, batch_enqueue;

	snprintf(path, sizeof(path), "/tmp/domecek-bench-queue-%d.db", (int)getpid());
	double floor_rate = floor_cycle(path);
	double single = queue_cycle(path, 0, &single_enqueue);
	double batched = queue_cycle(path, 1, &batch_enqueue);
	printf("queue throughput, %d no-op jobs (enqueue + claim + complete):\n", JOBS);
	printf("  floor (minimal SQL)        %8.0f jobs/s\n", floor_rate);
	printf("  queue, single enqueue      %8.0f jobs/s  (%.2fx floor)\n", single,
	       single / floor_rate);
	printf("  queue, batched enqueue     %8.0f jobs/s  (%.2fx floor)\n", batched,
	       batched / floor_rate);
	printf("  enqueue alone: single %.0f/s, batched (one transaction) %.0f/s\n",
	       single_enqueue, batch_enqueue);
	unlink(path);
	strncat(path, "-wal", sizeof(path) - strlen(path) - 1);
	unlink(path);
	return 0;
}
