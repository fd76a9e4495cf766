/*
 * test_queue.c - the durable queue: transitions, retries with the fixed
 * clock, unique keys, priorities, leases and recovery, retry/delete,
 * pruning, and the public INSERT contract.
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
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "jobs/registry.h"
#include "core/queue.h"
#include "core/runner.h"
#include "testdb.h"

#define T0 INT64_C(1795000000000) /* 2026-11-18T... */

static int setup(void **state)
{
	clock_fix(T0);
	return testdb_setup_queue(state);
}

static const char *state_of(sqlite3 *db, int64_t id)
{
	static char state[32];
	sqlite3_stmt *stmt;

	state[0] = '\0';
	sqlite3_prepare_v2(db, "SELECT state FROM jobs WHERE id = ?", -1, &stmt, NULL);
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(state, sizeof(state), "%s", sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return state;
}

static void test_queue_enqueue_claim_complete(void **state)
{
	struct testdb *f = *state;
	struct queue_job job, none;
	struct err e = {0};
	int64_t id = testdb_enqueue(f, "noop", "{\"steps\":1}", 0, 0);

	assert_string_equal(state_of(f->db, id), "enqueued");
	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	assert_int_equal(job.id, id);
	assert_int_equal(job.attempt, 1);
	assert_int_equal(job.max_attempts, 3);
	assert_string_equal(job.type, "noop");
	assert_string_equal(state_of(f->db, id), "processing");
	assert_int_equal(queue_claim(f->q, T0, &none, &e), ERR_NOTFOUND);
	assert_int_equal(queue_complete(f->q, &job, T0 + 5, "{\"steps\":1}", &e), 0);
	assert_string_equal(state_of(f->db, id), "succeeded");
	assert_int_equal(testdb_int(f->db, "SELECT duration_ms FROM job_attempts"), 5);
	queue_job_clear(&job);
}

static void test_queue_scheduled_job_waits_for_run_at(void **state)
{
	struct testdb *f = *state;
	struct queue_job job;
	struct err e = {0};
	int64_t when, id = testdb_enqueue(f, "noop", NULL, 0, T0 + 60000);

	assert_string_equal(state_of(f->db, id), "scheduled");
	assert_int_equal(queue_claim(f->q, T0, &job, &e), ERR_NOTFOUND);
	assert_int_equal(queue_next_due(f->q, &when, &e), 0);
	assert_int_equal(when, T0 + 60000);
	assert_int_equal(queue_claim(f->q, T0 + 60000, &job, &e), 0);
	assert_int_equal(job.id, id);
	queue_job_clear(&job);
}

static void test_queue_failure_retries_with_doubling_delay_then_dead(void **state)
{
	struct testdb *f = *state;
	const struct job_type *noop = job_type_find(job_registry, "noop");
	struct queue_job job;
	struct err e = {0};
	const char *result;
	int64_t now = T0, id = testdb_enqueue(f, "noop", NULL, 0, 0);

	for (int attempt = 1; attempt <= 3; attempt++) {
		int64_t delay = job_type_retry_delay(noop, &f->cfg, attempt, 0);
		assert_int_equal(queue_claim(f->q, now, &job, &e), 0);
		assert_int_equal(job.attempt, attempt);
		assert_int_equal(queue_fail(f->q, &job, now, "boom", 0, delay, &result, &e), 0);
		queue_job_clear(&job);
		if (attempt < 3) {
			assert_string_equal(result, "failed");
			assert_int_equal(delay, 30000 << (attempt - 1));
			/* not before the delay, exactly at it */
			assert_int_equal(queue_claim(f->q, now + delay - 1, &job, &e), ERR_NOTFOUND);
			now += delay;
		} else {
			assert_string_equal(result, "dead");
		}
	}
	assert_string_equal(state_of(f->db, id), "dead");
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM job_attempts WHERE error = 'boom'"), 3);
}

static void test_queue_final_error_goes_dead_at_once(void **state)
{
	struct testdb *f = *state;
	struct queue_job job;
	struct err e = {0};
	const char *result;
	int64_t id = testdb_enqueue(f, "noop", NULL, 0, 0);

	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	assert_int_equal(queue_fail(f->q, &job, T0, "bad payload", 1, 1000, &result, &e), 0);
	assert_string_equal(result, "dead");
	assert_string_equal(state_of(f->db, id), "dead");
	queue_job_clear(&job);
}

static void test_queue_retry_delay_has_jitter_only_for_network_types(void **state)
{
	struct testdb *f = *state;
	struct job_type network = *job_type_find(job_registry, "noop");
	(void)state;
	network.jitter = 1;
	for (uint32_t r = 0; r < 2000; r += 7) {
		int64_t d = job_type_retry_delay(&network, &f->cfg, 2, r);
		assert_true(d >= 54000 && d <= 66000);
	}
	assert_int_equal(job_type_retry_delay(job_type_find(job_registry, "noop"), &f->cfg, 2, 12345), 60000);
	/* capped */
	assert_int_equal(job_type_retry_delay(job_type_find(job_registry, "noop"), &f->cfg, 30, 0), 3600000);
}

static void test_queue_unique_key_is_idempotent_while_unfinished(void **state)
{
	struct testdb *f = *state;
	struct queue_enqueue_options opt = {.unique_key = "weekly:u1:2026-W48"};
	struct queue_job job;
	struct err e = {0};
	int64_t a, b, c;
	int existed;

	assert_int_equal(queue_enqueue(f->q, "noop", &opt, &a, &existed, &e), 0);
	assert_false(existed);
	assert_int_equal(queue_enqueue(f->q, "noop", &opt, &b, &existed, &e), 0);
	assert_true(existed);
	assert_int_equal(a, b);
	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	assert_int_equal(queue_enqueue(f->q, "noop", &opt, &b, &existed, &e), 0);
	assert_true(existed); /* still unfinished while processing */
	assert_int_equal(queue_complete(f->q, &job, T0, NULL, &e), 0);
	assert_int_equal(queue_enqueue(f->q, "noop", &opt, &c, &existed, &e), 0);
	assert_false(existed);
	assert_true(c != a);
	queue_job_clear(&job);
}

static void test_queue_priority_before_age(void **state)
{
	struct testdb *f = *state;
	struct queue_enqueue_options low = {.has_priority = 1, .priority = -10};
	struct queue_enqueue_options high = {.has_priority = 1, .priority = 10};
	struct queue_job job;
	struct err e = {0};
	int64_t first, second;

	assert_int_equal(queue_enqueue(f->q, "noop", &low, &first, NULL, &e), 0);
	assert_int_equal(queue_enqueue(f->q, "noop", &high, &second, NULL, &e), 0);
	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	assert_int_equal(job.id, second);
	queue_job_clear(&job);
}

static void test_queue_plain_insert_is_a_valid_enqueue(void **state)
{
	struct testdb *f = *state;
	struct queue_job job;
	struct err e = {0};

	assert_int_equal(sqlite3_exec(f->db,
		"INSERT INTO jobs (type, payload) VALUES ('noop', '{\"steps\":2}')",
		NULL, NULL, NULL), SQLITE_OK);
	/* one row, nothing filled in afterwards (no second write) */
	assert_int_equal(testdb_int(f->db, "SELECT max_attempts IS NULL AND priority IS NULL FROM jobs"), 1);
	clock_fix(T0 + INT64_C(3650) * MS_PER_DAY); /* run_at defaulted to SQLite's now */
	assert_int_equal(queue_claim(f->q, clock_now(), &job, &e), 0);
	assert_string_equal(job.payload, "{\"steps\":2}");
	/* the claim resolved the type's defaults */
	assert_int_equal(job.max_attempts, 3);
	assert_int_equal(job.priority, 0);
	assert_int_equal(testdb_int(f->db, "SELECT max_attempts FROM jobs"), 3);
	assert_int_equal(testdb_int(f->db, "SELECT priority IS NULL FROM jobs"), 1);
	queue_job_clear(&job);
	/* a bad payload is refused by the table itself */
	assert_int_not_equal(sqlite3_exec(f->db,
		"INSERT INTO jobs (type, payload) VALUES ('noop', '{oops')",
		NULL, NULL, NULL), SQLITE_OK);
}

static void test_queue_insert_inside_a_transaction(void **state)
{
	struct testdb *f = *state;
	struct err e = {0};
	int inserted;

	assert_int_equal(db_begin(f->db, &e), 0);
	assert_int_equal(queue_insert(f->db, "send_email", "{\"to\":\"a@b.cz\"}", "k1", 0,
				      &inserted, &e), 0);
	assert_true(inserted);
	assert_int_equal(queue_insert(f->db, "send_email", "{}", "k1", 0, &inserted, &e), 0);
	assert_false(inserted);
	db_rollback(f->db);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs"), 0);
	assert_int_equal(queue_insert(f->db, "x", "[1]", NULL, 0, &inserted, &e), ERR_INVALID);
}

static void test_queue_dead_local_owner_is_recovered_at_once(void **state)
{
	struct testdb *f = *state;
	struct queue *ghost;
	struct queue_job job;
	struct err e = {0};
	int count;

	testdb_enqueue(f, "noop", NULL, 0, 0);
	/* same host as f->q, a pid that cannot exist */
	assert_int_equal(queue_open(f->db, &f->cfg, job_registry, "testhost:999999999:cccc", &ghost, &e), 0);
	assert_int_equal(queue_claim(ghost, T0, &job, &e), 0);
	queue_job_clear(&job);
	assert_int_equal(queue_recover(f->q, T0 + 1, &count, &e), 0);
	assert_int_equal(count, 1);
	queue_free(ghost);
}

static void test_queue_renew_fails_after_cancel(void **state)
{
	struct testdb *f = *state;
	struct queue_job job;
	struct err e = {0};
	int64_t id = testdb_enqueue(f, "noop", NULL, 0, 0);
	int deleted;

	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	assert_int_equal(queue_renew(f->q, &job, T0 + 1000, "half way", &e), 0);
	assert_int_equal(queue_delete(f->q, id, T0 + 2000, &deleted, &e), 0);
	assert_false(deleted);
	assert_string_equal(state_of(f->db, id), "cancelled");
	assert_int_equal(queue_renew(f->q, &job, T0 + 3000, NULL, &e), ERR_CONFLICT);
	assert_int_equal(queue_complete(f->q, &job, T0 + 3000, NULL, &e), ERR_CONFLICT);
	/* deleting a finished job removes it */
	assert_int_equal(queue_delete(f->q, id, T0 + 4000, &deleted, &e), 0);
	assert_true(deleted);
	assert_int_equal(queue_delete(f->q, id, T0 + 4000, &deleted, &e), ERR_NOTFOUND);
	queue_job_clear(&job);
}

static void test_queue_retry_revives_dead_job(void **state)
{
	struct testdb *f = *state;
	struct queue_job job;
	struct err e = {0};
	const char *result;
	int64_t id = testdb_enqueue(f, "noop", NULL, 0, 0);

	assert_int_equal(queue_retry(f->q, id, T0, &e), ERR_CONFLICT);
	assert_non_null(strstr(e.msg, "only dead, failed or cancelled"));
	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	assert_int_equal(queue_fail(f->q, &job, T0, "no", 1, 0, &result, &e), 0);
	queue_job_clear(&job);
	assert_int_equal(queue_retry(f->q, id, T0 + 10, &e), 0);
	assert_string_equal(state_of(f->db, id), "enqueued");
	assert_int_equal(queue_claim(f->q, T0 + 10, &job, &e), 0);
	assert_int_equal(job.attempt, 1);
	assert_int_equal(job.history_attempt, 2);
	queue_job_clear(&job);
	assert_int_equal(queue_retry(f->q, 424242, T0, &e), ERR_NOTFOUND);
}

static void test_queue_prune_keeps_recent_and_unfinished(void **state)
{
	struct testdb *f = *state;
	struct queue_job job;
	struct err e = {0};
	int deleted;

	testdb_enqueue(f, "noop", NULL, 0, 0);
	testdb_enqueue(f, "noop", NULL, 0, 0);
	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	assert_int_equal(queue_complete(f->q, &job, T0, NULL, &e), 0);
	queue_job_clear(&job);
	assert_int_equal(queue_prune(f->q, T0 + 7 * MS_PER_DAY, 100, &deleted, &e), 0);
	assert_int_equal(deleted, 0); /* exactly 7 days: kept */
	assert_int_equal(queue_prune(f->q, T0 + 7 * MS_PER_DAY + 1, 100, &deleted, &e), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM job_attempts"), 0);
}

static void test_queue_unknown_type_and_bad_payload_are_refused(void **state)
{
	struct testdb *f = *state;
	struct queue_enqueue_options opt = {.payload = "[1,2]"};
	struct err e = {0};
	int64_t id;

	assert_int_equal(queue_enqueue(f->q, "nope", NULL, &id, NULL, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "unknown job type 'nope'"));
	assert_int_equal(queue_enqueue(f->q, "noop", &opt, &id, NULL, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "must be a JSON object"));
}

struct outcome_log {
	char states[8][16];
	int n;
};

static void remember(const struct runner_outcome *o, void *arg)
{
	struct outcome_log *log = arg;

	snprintf(log->states[log->n++ % 8], 16, "%s", o->state);
}

static void run_all(struct runner *r)
{
	while (r->is_active) {
		r->next_step_mono = 0;
		runner_step(r);
	}
}

static void test_runner_bad_payload_fails_that_job_alone(void **state)
{
	struct testdb *f = *state;
	struct outcome_log log = {0};
	struct runner r;
	struct queue_job job;
	struct err e = {0};
	int64_t bad = testdb_enqueue(f, "noop", "{\"steps\": \"many\"}", 0, 0);
	int64_t good = testdb_enqueue(f, "noop", "{\"steps\": 2}", 0, 0);

	runner_init(&r, f->db, &f->cfg, f->q, NULL, remember, &log);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
		runner_begin(&r, &job);
		run_all(&r);
	}
	assert_string_equal(state_of(f->db, bad), "dead");
	assert_string_equal(state_of(f->db, good), "succeeded");
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs WHERE last_error LIKE "
				"'payload field steps: expected a number%'"), 1);
	assert_string_equal(log.states[0], "dead");
	assert_string_equal(log.states[1], "succeeded");
}

static void test_runner_unknown_type_from_sql_insert_is_dead(void **state)
{
	struct testdb *f = *state;
	struct outcome_log log = {0};
	struct runner r;
	struct queue_job job;
	struct err e = {0};

	sqlite3_exec(f->db, "INSERT INTO jobs (type, run_at) VALUES ('mystery', "
		     "'2020-01-01T00:00:00.000Z')", NULL, NULL, NULL);
	runner_init(&r, f->db, &f->cfg, f->q, NULL, remember, &log);
	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	runner_begin(&r, &job);
	run_all(&r);
	assert_string_equal(log.states[0], "dead");
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs WHERE last_error = "
				"'unknown job type ''mystery'''"), 1);
}

static void test_runner_release_puts_job_back_without_spending_attempt(void **state)
{
	struct testdb *f = *state;
	struct outcome_log log = {0};
	struct runner r;
	struct queue_job job;
	struct err e = {0};
	int64_t id = testdb_enqueue(f, "noop", "{\"steps\": 10}", 0, 0);

	runner_init(&r, f->db, &f->cfg, f->q, NULL, remember, &log);
	r.stop_after_steps = 3;
	assert_int_equal(queue_claim(f->q, T0, &job, &e), 0);
	runner_begin(&r, &job);
	run_all(&r);
	assert_string_equal(log.states[0], "released");
	assert_string_equal(state_of(f->db, id), "enqueued");
	assert_int_equal(testdb_int(f->db, "SELECT attempts FROM jobs"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_enqueue_claim_complete, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_scheduled_job_waits_for_run_at, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_failure_retries_with_doubling_delay_then_dead, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_final_error_goes_dead_at_once, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_retry_delay_has_jitter_only_for_network_types, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_unique_key_is_idempotent_while_unfinished, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_priority_before_age, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_plain_insert_is_a_valid_enqueue, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_insert_inside_a_transaction, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_dead_local_owner_is_recovered_at_once, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_renew_fails_after_cancel, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_retry_revives_dead_job, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_prune_keeps_recent_and_unfinished, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_queue_unknown_type_and_bad_payload_are_refused, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_runner_bad_payload_fails_that_job_alone, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_runner_unknown_type_from_sql_insert_is_dead, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_runner_release_puts_job_back_without_spending_attempt, setup, testdb_teardown),
	};
	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
