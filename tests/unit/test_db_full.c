/*
 * test_db_full.c - a database that cannot be written: which errors mean
 * it, entering the backoff once, the probe that doubles the delay while
 * writes fail and ends the state when one succeeds; and a job that ran
 * out of space, deferred without spending an attempt (queue_defer and
 * the runner), backing off 1, 2, 4, 8, then every 15 minutes, the row
 * broken by an attempt that fails on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "config/config.h"
#include "core/db_full.h"
#include "core/job.h"
#include "core/queue.h"
#include "core/runner.h"
#include "core/status.h"
#include "db/db.h"
#include "testdb.h"

#define T0 INT64_C(1795000000000)

static int nospace_step(struct job_ctx *ctx, struct err *e)
{
	(void)ctx;
	return err_set(e, ERR_NOSPACE, "Maildir: writing x: No space left on device");
}

static const struct job_type job_nospace = {
    .name = "nospace", .priority = 0, .max_attempts = 1, .step = nospace_step};
static const struct job_type *const types[] = {&job_nospace, NULL};

static int setup(void **state)
{
	struct testdb *t = NULL;

	clock_fix(T0);
	if (testdb_make(0, &t) || testdb_queue(t, types)) {
		testdb_close(t);
		return -1;
	}
	*state = t;
	return 0;
}

static void test_db_full_which_errors_mean_it(void **state)
{
	static const struct {
		int code;
		const char *msg;
		int is_write_error;
	} cases[] = {
	    {ERR_NOSPACE, "claiming a job: disk or database full (database or disk is full)", 1},
	    {ERR_DB, "claiming a job: disk I/O error", 1},
	    {ERR_DB, "claiming a job: no such table: jobs", 0},
	    {ERR_BUSY, "claiming a job: database is busy", 0},
	    {ERR_IO, "Maildir: creating x: Permission denied", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_int_equal(db_full_is_write_error(cases[i].code, cases[i].msg),
				 cases[i].is_write_error);
}

static void test_db_full_backs_off_then_resumes(void **state)
{
	struct testdb *f = *state;
	struct daemon_status status = {0};
	struct db_full full;
	char path[300];
	sqlite3 *read_only = NULL;

	snprintf(path, sizeof(path), "%s/app.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &read_only, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	db_full_init(&full, path, &status);
	assert_int_equal(db_full_wait(&full, f->db), 0); /* not full: go on */
	assert_int_equal(db_full_deadline(&full), -1);
	assert_int_equal(db_full_enter(&full, "disk or database full"), 1);
	assert_int_equal(db_full_enter(&full, "disk or database full"), 0); /* once */
	assert_true(status.is_database_full);
	assert_string_equal(status.database_full_error, "disk or database full");
	assert_int_equal(full.delay_ms, DB_FULL_FIRST_DELAY_MS);
	assert_true(db_full_deadline(&full) > clock_mono());
	assert_int_equal(db_full_wait(&full, f->db), 1); /* the probe is not due */
	/* probes that fail double the delay up to the cap */
	for (int i = 0; i < 10; i++) {
		full.probe_mono = 0;
		assert_int_equal(db_full_wait(&full, read_only), 1);
	}
	assert_int_equal(full.delay_ms, DB_FULL_MAX_DELAY_MS);
	assert_true(status.is_database_full);
	full.probe_mono = 0;
	assert_int_equal(db_full_wait(&full, f->db), -1); /* writable: leaves */
	assert_false(status.is_database_full);
	assert_false(full.is_full);
	assert_int_equal(db_full_wait(&full, f->db), 0);
	sqlite3_close(read_only);
}

static void test_queue_defer_does_not_spend_the_attempt(void **state)
{
	struct testdb *f = *state;
	struct queue_job job;
	struct err e = {0};
	int64_t id, run_at = 0;
	int deleted;

	assert_int_equal(queue_enqueue(f->q, "nospace", NULL, &id, NULL, &e), 0);
	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	assert_int_equal(queue_defer(f->q, &job, T0 + 10, "no space", &run_at, &e), 0);
	assert_int_equal(run_at, T0 + 10 + 60000);
	assert_string_equal(testdb_text(f->db, "SELECT state || ' ' || attempts || ' ' || run_at || ' ' || "
				 "last_error FROM jobs"),
			    "failed 0 2026-11-18T11:07:40.010Z no space");
	assert_string_equal(testdb_text(f->db, "SELECT outcome || ' ' || error FROM job_attempts"),
			    "deferred no space");
	queue_job_clear(&job);
	/* cancelled while it ran: ERR_CONFLICT, nothing changes */
	assert_int_equal(queue_claim(f->q, T0 + 60010, &job, &e), 0);
	assert_int_equal(queue_delete(f->q, id, T0 + 60011, &deleted, &e), 0);
	assert_int_equal(queue_defer(f->q, &job, T0 + 60012, "no space", &run_at, &e),
			 ERR_CONFLICT);
	assert_string_equal(testdb_text(f->db, "SELECT state FROM jobs"), "cancelled");
	queue_job_clear(&job);
}

static int64_t job_run_at(sqlite3 *db)
{
	return testdb_int(db, "SELECT CAST(round((julianday(run_at) - 2440587.5) * 86400000) "
			  "AS INTEGER) FROM jobs");
}

static void test_nospace_delay_doubles_to_its_cap(void **state)
{
	static const struct {
		int deferrals;
		int64_t minutes;
	} cases[] = {{0, 1}, {1, 1}, {2, 2}, {3, 4}, {4, 8}, {5, 15}, {6, 15}, {1000, 15}};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(job_nospace_delay(cases[i].deferrals),
				 cases[i].minutes * 60 * 1000);
}

/* max_attempts is 1: were the attempt counted, the job would be dead.
 * Each round runs when the job is due again (the test sets the clock):
 * the waits are 1, 2, 4, 8, 15, 15 minutes, and a minute before it is
 * due the job is not claimed. */
static void test_runner_defers_a_job_out_of_space(void **state)
{
	static const int64_t minutes[] = {1, 2, 4, 8, 15, 15};
	struct testdb *f = *state;
	struct runner r;
	struct queue_job job;
	struct err e = {0};
	int64_t id, now = T0;

	assert_int_equal(queue_enqueue(f->q, "nospace", NULL, &id, NULL, &e), 0);
	runner_init(&r, f->db, &f->cfg, f->q, NULL, NULL, NULL);
	for (size_t round = 0; round < sizeof(minutes) / sizeof(minutes[0]); round++) {
		clock_fix(now);
		assert_int_equal(queue_claim(f->q, clock_now(), &job, &e), 0);
		runner_begin(&r, &job);
		for (int i = 0; i < 100 && runner_step(&r); i++)
			;
		assert_string_equal(testdb_text(f->db, "SELECT state || ' ' || attempts FROM jobs"),
				    "failed 0");
		assert_int_equal(job_run_at(f->db), now + minutes[round] * 60000);
		now = job_run_at(f->db);
		assert_int_equal(queue_claim(f->q, now - 60000, &job, &e), ERR_NOTFOUND);
	}
	assert_string_equal(testdb_text(f->db, "SELECT count(*) FROM job_attempts WHERE outcome = 'deferred'"),
			    "6");
	assert_non_null(strstr(testdb_text(f->db, "SELECT last_error FROM jobs"), "No space left"));
}

/* An attempt that fails on its own ends the row: the next deferral waits
 * a minute again. */
static void test_failure_of_its_own_restarts_the_backoff(void **state)
{
	struct testdb *f = *state;
	struct queue_enqueue_options opt = {.max_attempts = 5};
	struct queue_job job;
	struct err e = {0};
	const char *st;
	int64_t id, run_at = 0, now = T0;

	assert_int_equal(queue_enqueue(f->q, "nospace", &opt, &id, NULL, &e), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(queue_claim(f->q, now, &job, &e), 0);
		assert_int_equal(queue_defer(f->q, &job, now, "no space", &run_at, &e), 0);
		assert_int_equal(run_at - now, job_nospace_delay(i + 1));
		queue_job_clear(&job);
		now = run_at;
	}
	assert_int_equal(queue_claim(f->q, now, &job, &e), 0);
	assert_int_equal(queue_fail(f->q, &job, now, "boom", 0, 1000, &st, &e), 0);
	assert_string_equal(st, "failed");
	queue_job_clear(&job);
	now += 1000;
	assert_int_equal(queue_claim(f->q, now, &job, &e), 0);
	assert_int_equal(queue_defer(f->q, &job, now, "no space", &run_at, &e), 0);
	assert_int_equal(run_at - now, JOB_NOSPACE_RETRY_MS);
	queue_job_clear(&job);
	assert_int_equal(testdb_int(f->db, "SELECT attempts FROM jobs"), 1); /* boom only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_db_full_which_errors_mean_it),
	    cmocka_unit_test_setup_teardown(test_db_full_backs_off_then_resumes, setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_queue_defer_does_not_spend_the_attempt, setup,
					    testdb_teardown),
	    cmocka_unit_test(test_nospace_delay_doubles_to_its_cap),
	    cmocka_unit_test_setup_teardown(test_runner_defers_a_job_out_of_space, setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_failure_of_its_own_restarts_the_backoff, setup,
					    testdb_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
