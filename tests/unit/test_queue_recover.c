/*
 * test_queue_recover.c - jobs whose process died: the attempt is recorded
 * as 'interrupted' and not counted, a job interrupted more than
 * QUEUE_MAX_INTERRUPTIONS times in a row is dead with that reason, a
 * failure of its own breaks the row, and a dead export tells its user
 * (export_failed notification and email), also when it dies by failing.
 * A notice that cannot be written (job_tell_dead) leaves nothing half
 * written, is logged, and holds up neither the death nor the recovery of
 * the other jobs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ---- a notice that cannot be written -------------------------------- */

/* Writes part of its notice (a user row), then fails, as a hook whose
 * template or recipient is broken would. */
static int tell_badly(sqlite3 *db, const struct config *cfg, int64_t job_id,
		      const struct cJSON *payload, int code, const char *reason,
		      struct err *e)
{
	(void)cfg;
	(void)job_id;
	(void)payload;
	(void)code;
	(void)reason;
	if (sqlite3_exec(db,
			 "INSERT INTO users (id, email, created_at) VALUES "
			 "('half-told', 'half@example.cz', "
			 "'2026-01-01T00:00:00.000Z')",
			 NULL, NULL, NULL) != SQLITE_OK)
		return err_set(e, ERR_IO, "the first write failed");
	return err_set(e, ERR_INVALID, "the notice's template is broken");
}

static int step_final_error(struct job_ctx *ctx, struct err *e)
{
	(void)ctx;
	return err_set(e, ERR_INVALID, "a final error");
}

static const struct job_type type_tells_badly = {
    .name = "tells_badly",
    .max_attempts = 1,
    .step = step_final_error,
    .on_dead = tell_badly,
};
static const struct job_type type_quiet = {.name = "quiet",
					   .step = step_final_error};
static const struct job_type *const badly_registry[] = {&type_tells_badly,
							&type_quiet, NULL};

/* Both queues of the fixture now know only the two types above. */
static void use_badly_registry(struct fixture *f)
{
	struct err e = {0};

	queue_free(f->t->q);
	queue_free(f->other);
	assert_int_equal(queue_open(f->t->db, &f->t->cfg, badly_registry,
				    "testhost:1:aaaa", &f->t->q, &e),
			 0);
	assert_int_equal(queue_open(f->t->db, &f->t->cfg, badly_registry,
				    "otherhost:42:bbbb", &f->other, &e),
			 0);
}

/* stderr (the log) goes to path until stderr_back(). */
static int stderr_to(const char *path)
{
	int saved = dup(STDERR_FILENO);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);

	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return saved;
}

static const char *stderr_back(int saved, const char *path)
{
	static char out[4096];
	FILE *fp;
	size_t n = 0;

	dup2(saved, STDERR_FILENO);
	close(saved);
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(out, 1, sizeof(out) - 1, fp);
		fclose(fp);
	}
	out[n] = '\0';
	return out;
}

static void test_notice_that_fails_does_not_hold_up_recovery(void **state)
{
	struct fixture *f = *state;
	struct queue_job job;
	struct err e = {0};
	char log_path[300];
	const char *log;
	int64_t now = T0;
	int count, saved;

	use_badly_registry(f);
	testdb_enqueue(f->t, "tells_badly", NULL, 0, 0);
	testdb_enqueue(f->t, "quiet", NULL, 0, 0);
	snprintf(log_path, sizeof(log_path), "%s/log", f->t->dir);
	saved = stderr_to(log_path);
	for (int i = 0; i <= QUEUE_MAX_INTERRUPTIONS; i++) {
		for (int j = 0; j < 2;
		     j++) { /* the other daemon dies with both */
			assert_int_equal(queue_claim(f->other, now, &job, &e),
					 0);
			queue_job_clear(&job);
		}
		now += LEASE_MS + 1000;
		count = 0;
		assert_int_equal(queue_recover(f->t->q, now, &count, &e), 0);
		assert_int_equal(count, 2);
	}
	log = stderr_back(saved, log_path);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM jobs "
				       "WHERE state = 'dead'"),
			 2);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM users "
				       "WHERE id = 'half-told'"),
			 0); /* the half-written notice is gone */
	assert_non_null(strstr(log, "job.notice_failed job=tells_badly"));
	assert_non_null(strstr(log, "the notice's template is broken"));
}

static void test_notice_that_fails_leaves_the_runner_dead_job(void **state)
{
	struct fixture *f = *state;
	struct runner r;
	struct queue_job job;
	struct err e = {0};
	char log_path[300];
	const char *log;
	int saved;

	use_badly_registry(f);
	testdb_enqueue(f->t, "tells_badly", NULL, 0, 0);
	snprintf(log_path, sizeof(log_path), "%s/log", f->t->dir);
	runner_init(&r, f->t->db, &f->t->cfg, f->t->q, NULL, NULL, NULL);
	assert_int_equal(queue_claim(f->t->q, T0, &job, &e), 0);
	saved = stderr_to(log_path);
	runner_begin(&r, &job);
	for (int i = 0; i < 1000 && runner_step(&r); i++)
		;
	log = stderr_back(saved, log_path);
	assert_string_equal(testdb_text(f->t->db, "SELECT state FROM jobs"), "dead");
	assert_string_equal(testdb_text(f->t->db, "SELECT last_error FROM jobs"),
			    "a final error");
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM users "
				       "WHERE id = 'half-told'"),
			 0);
	assert_non_null(strstr(log, "job.notice_failed job=tells_badly"));
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
	    cmocka_unit_test_setup_teardown(
		test_notice_that_fails_does_not_hold_up_recovery, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_notice_that_fails_leaves_the_runner_dead_job, setup,
		teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
