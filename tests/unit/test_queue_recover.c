/*
 * test_queue_recover.c - jobs whose process died: the attempt is recorded
 * as 'interrupted' and not counted, a job interrupted more than
 * QUEUE_MAX_INTERRUPTIONS times in a row is dead with that reason, a
 * failure of its own breaks the row, and a dead export tells its user
 * (export_failed notification and email), also when it dies by failing.
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
#include "core/job.h"
#include "core/queue.h"
#include "core/runner.h"
#include "db/db.h"
#include "jobs/registry.h"
#include "testdb.h"

#define T0 INT64_C(1795000000000)
#define LEASE_MS INT64_C(120000)
#define USER TESTDB_JANA /* jana@example.cz */

struct fixture {
	struct testdb *t;     /* with t->q */
	struct queue *other; /* a daemon on another host */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = {0};

	clock_fix(T0);
	if (!f || testdb_make(0, &f->t) ||
	    testdb_queue(f->t, job_registry) ||
	    queue_open(f->t->db, &f->t->cfg, job_registry, "otherhost:42:bbbb", &f->other, &e)) {
		if (f)
			testdb_close(f->t);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	queue_free(f->other);
	testdb_close(f->t);
	free(f);
	return 0;
}

/* The other daemon claims the job at *now and dies; its lease runs out
 * and this one recovers it. */
static void crash_once(struct fixture *f, int64_t *now)
{
	struct queue_job job;
	struct err e = {0};
	int count = 0;

	assert_int_equal(queue_claim(f->other, *now, &job, &e), 0);
	queue_job_clear(&job);
	assert_int_equal(queue_recover(f->t->q, *now + 1000, &count, &e), 0);
	assert_int_equal(count, 0); /* its lease is still valid */
	*now += LEASE_MS + 1000;
	assert_int_equal(queue_recover(f->t->q, *now, &count, &e), 0);
	assert_int_equal(count, 1);
}

static void test_interrupted_attempt_is_not_counted(void **state)
{
	struct fixture *f = *state;
	struct queue_job job;
	struct err e = {0};
	int64_t now = T0, id = testdb_enqueue(f->t, "noop", NULL, 0, 0);

	crash_once(f, &now);
	assert_string_equal(testdb_text(f->t->db, "SELECT state FROM jobs"), "enqueued");
	assert_int_equal(testdb_int(f->t->db, "SELECT attempts FROM jobs"), 0);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM job_attempts "
				       "WHERE outcome = 'interrupted'"),
			 1);
	assert_non_null(strstr(testdb_text(f->t->db, "SELECT last_error FROM jobs"),
			       "not counted"));
	assert_int_equal(queue_claim(f->t->q, now, &job, &e), 0);
	assert_int_equal(job.id, id);
	assert_int_equal(job.attempt, 1); /* still the first attempt */
	assert_int_equal(job.history_attempt, 2);
	queue_job_clear(&job);
}

static void test_too_many_interruptions_in_a_row_is_dead(void **state)
{
	struct fixture *f = *state;
	int64_t now = T0;

	testdb_enqueue(f->t, "noop", NULL, 0, 0);
	for (int i = 0; i < QUEUE_MAX_INTERRUPTIONS; i++) {
		crash_once(f, &now);
		assert_string_equal(testdb_text(f->t->db, "SELECT state FROM jobs"),
				    "enqueued");
	}
	crash_once(f, &now);
	assert_string_equal(testdb_text(f->t->db, "SELECT state FROM jobs"), "dead");
	assert_non_null(
	    strstr(testdb_text(f->t->db, "SELECT last_error FROM jobs"),
		   "interrupted 6 times in a row"));
	assert_int_equal(testdb_int(f->t->db, "SELECT attempts FROM jobs"), 0);
	assert_true(testdb_int(f->t->db, "SELECT finished_at IS NOT NULL FROM jobs"));
}

static void test_failure_of_its_own_breaks_the_row(void **state)
{
	struct fixture *f = *state;
	struct queue_job job;
	struct err e = {0};
	const char *st;
	int64_t now = T0;

	testdb_enqueue(f->t, "noop", NULL, 0, 0);
	for (int i = 0; i < QUEUE_MAX_INTERRUPTIONS; i++)
		crash_once(f, &now);
	assert_int_equal(queue_claim(f->t->q, now, &job, &e), 0);
	assert_int_equal(queue_fail(f->t->q, &job, now, "boom", 0, 0, &st, &e), 0);
	assert_string_equal(st, "failed");
	queue_job_clear(&job);
	crash_once(f, &now); /* the first interruption of a new row */
	assert_string_equal(testdb_text(f->t->db, "SELECT state FROM jobs"), "enqueued");
	assert_int_equal(testdb_int(f->t->db, "SELECT attempts FROM jobs"), 1);
}

static void assert_user_told_once(struct fixture *f, int64_t id)
{
	char sql[256];

	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM notifications "
				       "WHERE type = 'export_failed' AND "
				       "user_id = '" USER "'"),
			 1);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM jobs WHERE type = 'send_email' AND "
		 "unique_key = 'export_failed:job:%lld' AND "
		 "json_extract(payload, '$.to') = 'jana@example.cz'",
		 (long long)id);
	assert_int_equal(testdb_int(f->t->db, sql), 1);
}

static void test_export_interrupted_too_often_tells_the_user(void **state)
{
	struct fixture *f = *state;
	int64_t now = T0, id;

	assert_int_equal(testdb_household(f->t->db), 0);
	id = testdb_enqueue(f->t, "export_data", "{\"userId\":\"" USER "\"}", 0, 0);
	for (int i = 0; i <= QUEUE_MAX_INTERRUPTIONS; i++)
		crash_once(f, &now);
	assert_string_equal(
	    testdb_text(f->t->db, "SELECT state FROM jobs WHERE type = 'export_data'"),
	    "dead");
	assert_user_told_once(f, id);
}

/* The only attempt fails in the runner (this test gives it no storage),
 * so the job goes dead by failing, not by interruptions. */
static void test_export_dead_by_failing_tells_the_user(void **state)
{
	struct fixture *f = *state;
	struct queue_enqueue_options opt = {
	    .payload = "{\"userId\":\"" USER "\",\"format\":\"json\"}",
	    .max_attempts = 1};
	struct runner r;
	struct queue_job job;
	struct err e = {0};
	int64_t id;

	assert_int_equal(testdb_household(f->t->db), 0);
	assert_int_equal(queue_enqueue(f->t->q, "export_data", &opt, &id, NULL, &e),
			 0);
	runner_init(&r, f->t->db, &f->t->cfg, f->t->q, NULL, NULL, NULL);
	assert_int_equal(queue_claim(f->t->q, T0, &job, &e), 0);
	runner_begin(&r, &job);
	for (int i = 0; i < 1000 && runner_step(&r); i++)
		;
	assert_string_equal(
	    testdb_text(f->t->db, "SELECT state FROM jobs WHERE type = 'export_data'"),
	    "dead");
	assert_user_told_once(f, id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_interrupted_attempt_is_not_counted, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_too_many_interruptions_in_a_row_is_dead, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_failure_of_its_own_breaks_the_row, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_export_interrupted_too_often_tells_the_user, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_export_dead_by_failing_tells_the_user, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
