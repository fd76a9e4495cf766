/*
 * test_engine.c - the hot path and the engine: one transaction settles a
 * job and claims the next (counted with a commit hook), the claim index's
 * priorities match the registry, pruning keeps the metrics, a job of
 * higher priority runs between two steps of a long one (with the fixed
 * clock), and a cancelled job stops at its next step boundary.
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
#include "core/engine.h"
#include "core/job.h"
#include "core/queue.h"
#include "core/runner.h"
#include "db/db.h"
#include "jobs/registry.h"
#include "testdb.h"

#define T0 INT64_C(1795000000000)

struct fixture {
	struct testdb *t; /* with t->q */
	int commits;
	/* outcomes, in order: "id:state:steps" */
	char log[16][48];
	int logged;
};

static int count_commit(void *arg)
{
	((struct fixture *)arg)->commits++;
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	clock_fix(T0);
	if (!f || testdb_make(0, &f->t) || testdb_queue(f->t, job_registry)) {
		if (f)
			testdb_close(f->t);
		free(f);
		return -1;
	}
	sqlite3_commit_hook(f->t->db, count_commit, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testdb_close(f->t);
	free(f);
	return 0;
}

static void test_settle_completes_and_claims_next_in_one_transaction(void **state)
{
	struct fixture *f = *state;
	struct queue_outcome ok = {.is_success = 1, .result = "{\"steps\":1}"};
	struct queue_next next = {.want = 1};
	struct queue_job job;
	const char *st = NULL;
	struct err e = {0};
	int64_t first = testdb_enqueue(f->t, "noop", NULL, 0, 0);
	int64_t second = testdb_enqueue(f->t, "noop", NULL, 0, 0);

	assert_int_equal(queue_claim(f->t->q, T0, &job, &e), 0);
	assert_int_equal(job.id, first);
	f->commits = 0;
	assert_int_equal(queue_settle(f->t->q, &job, &ok, T0 + 5, NULL, NULL, &next, &st, &e), 0);
	assert_int_equal(f->commits, 1);
	assert_string_equal(st, "succeeded");
	assert_true(next.claimed);
	assert_int_equal(next.job.id, second);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE state = 'succeeded' AND owner IS NULL"), 1);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE state = 'processing'"), 1);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM job_attempts WHERE outcome = 'succeeded'"), 1);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM job_attempts WHERE outcome IS NULL"), 1);
	/* metrics need no write: the view counts the attempt row */
	assert_int_equal(testdb_int(f->t->db, "SELECT sum(succeeded) FROM metrics_hourly"), 1);
	queue_job_clear(&job);
	/* the last job: settled, nothing more to claim, still one commit */
	job = next.job;
	f->commits = 0;
	assert_int_equal(queue_settle(f->t->q, &job, &ok, T0 + 6, NULL, NULL, &next, &st, &e), 0);
	assert_int_equal(f->commits, 1);
	assert_false(next.claimed);
	queue_job_clear(&job);
}

static void test_settle_failure_retries_then_dead(void **state)
{
	struct fixture *f = *state;
	struct queue_outcome bad = {.error = "boom", .retry_delay_ms = 1000};
	struct queue_job job;
	const char *st = NULL;
	struct err e = {0};
	int64_t id = testdb_enqueue(f->t, "noop", NULL, 0, 0);

	for (int attempt = 1; attempt <= 3; attempt++) {
		clock_fix(T0 + attempt * 10000);
		assert_int_equal(queue_claim(f->t->q, clock_now(), &job, &e), 0);
		assert_int_equal(job.id, id);
		assert_int_equal(job.attempt, attempt);
		assert_int_equal(queue_settle(f->t->q, &job, &bad, clock_now(), NULL, NULL, NULL, &st, &e), 0);
		assert_string_equal(st, attempt < 3 ? "failed" : "dead");
		queue_job_clear(&job);
	}
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM job_attempts WHERE outcome = 'failed' AND error = 'boom'"), 3);
	assert_int_equal(testdb_int(f->t->db, "SELECT sum(failed) FROM metrics_hourly"), 3);
}

static void test_settle_of_a_cancelled_job_writes_nothing_for_it_and_claims_next(void **state)
{
	struct fixture *f = *state;
	struct queue_outcome ok = {.is_success = 1};
	struct queue_next next = {.want = 1};
	struct queue_job job;
	const char *st = NULL;
	struct err e = {0};
	int64_t first = testdb_enqueue(f->t, "noop", NULL, 0, 0);
	int64_t second = testdb_enqueue(f->t, "noop", NULL, 0, 0);
	int deleted;

	assert_int_equal(queue_claim(f->t->q, T0, &job, &e), 0);
	assert_int_equal(queue_delete(f->t->q, first, T0, &deleted, &e), 0);
	assert_int_equal(queue_settle(f->t->q, &job, &ok, T0, NULL, NULL, &next, &st, &e), 0);
	assert_string_equal(st, "cancelled");
	assert_true(next.claimed);
	assert_int_equal(next.job.id, second);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE state = 'cancelled'"), 1);
	queue_job_clear(&job);
	queue_job_clear(&next.job);
}

static void test_settle_claims_only_above_the_floor(void **state)
{
	struct fixture *f = *state;
	struct queue_outcome ok = {.is_success = 1};
	struct queue_next next = {.want = 1, .is_above = 1, .above_priority = 0};
	struct queue_job job;
	const char *st = NULL;
	struct err e = {0};
	int64_t urgent = testdb_enqueue(f->t, "noop", NULL, 5, 0);

	testdb_enqueue(f->t, "noop", NULL, 0, 0); /* not above the floor */
	assert_int_equal(queue_claim(f->t->q, T0, &job, &e), 0);
	assert_int_equal(job.id, urgent);
	assert_int_equal(job.priority, 5);
	assert_int_equal(queue_settle(f->t->q, &job, &ok, T0, NULL, NULL, &next, &st, &e), 0);
	assert_false(next.claimed);
	queue_job_clear(&job);
}

/* The claim index resolves a NULL priority to the type's: every type of
 * the registry, inserted by plain SQL, is claimed with its own priority,
 * highest first. */
static void test_claim_index_priorities_match_the_registry(void **state)
{
	struct fixture *f = *state;
	struct queue_job job;
	struct err e = {0};
	int n = 0, last = INT32_MAX;

	for (int i = 0; job_registry[i]; i++) {
		char sql[256];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO jobs (type, payload, run_at) VALUES ('%s', '{}', "
			 "'2020-01-01T00:00:00.000Z')",
			 job_registry[i]->name);
		assert_int_equal(sqlite3_exec(f->t->db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	while (queue_claim(f->t->q, T0, &job, &e) == 0) {
		const struct job_type *jt = job_type_find(job_registry, job.type);
		assert_non_null(jt);
		assert_int_equal(job.priority, jt->priority);
		assert_true(job.priority <= last);
		assert_int_equal(job.max_attempts, job_type_max_attempts(jt, &f->t->cfg));
		last = job.priority;
		queue_job_clear(&job);
		n++;
	}
	assert_int_equal(e.code, ERR_NOTFOUND);
	for (int i = 0; job_registry[i]; i++)
		n--;
	assert_int_equal(n, 0);
}

static void test_prune_keeps_the_counts_in_the_metrics(void **state)
{
	struct fixture *f = *state;
	struct queue_job job;
	struct err e = {0};
	int deleted;

	testdb_enqueue(f->t, "noop", NULL, 0, 0);
	assert_int_equal(queue_claim(f->t->q, T0, &job, &e), 0);
	assert_int_equal(queue_complete(f->t->q, &job, T0, NULL, &e), 0);
	queue_job_clear(&job);
	assert_int_equal(queue_prune(f->t->q, T0 + 8 * MS_PER_DAY, 100, &deleted, &e), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM job_attempts"), 0);
	assert_int_equal(testdb_int(f->t->db, "SELECT sum(succeeded) FROM metrics_hourly"), 1);
	assert_int_equal(testdb_int(f->t->db, "SELECT sum(succeeded) FROM metrics_archive"), 1);
}

static void remember(const struct runner_outcome *o, void *arg)
{
	struct fixture *f = arg;
	const char *steps = strstr(o->counts_json, "\"steps\":");

	snprintf(f->log[f->logged++ % 16], sizeof(f->log[0]), "%lld:%s:%s", (long long)o->job->id,
		 o->state, steps ? steps + 8 : "0}");
}

static int64_t front_steps(struct engine *g)
{
	struct runner *r = engine_front(g);

	return r ? r->steps : -1;
}

static void turns_until_steps(struct engine *g, int64_t steps)
{
	for (int i = 0; i < 50 && front_steps(g) < steps; i++)
		engine_turn(g, clock_now());
	assert_int_equal(front_steps(g), steps);
}

static void test_engine_runs_an_urgent_job_between_two_steps_of_a_long_one(void **state)
{
	struct fixture *f = *state;
	struct engine g;
	int64_t long_id = testdb_enqueue(f->t, "noop", "{\"steps\": 4}", 0, 0), urgent, later;

	engine_init(&g, f->t->db, &f->t->cfg, f->t->q, NULL, remember, f);
	turns_until_steps(&g, 2);
	assert_int_equal(engine_front(&g)->job.id, long_id);
	/* an email-like job arrives (priority 10): it runs at the next step
	 * boundary, the long job is held with its two steps done */
	urgent = testdb_enqueue(f->t, "noop", NULL, 10, 0);
	/* and one that is due only in 5 s, noticed by its time, not a write */
	later = testdb_enqueue(f->t, "noop", NULL, 10, T0 + 5000);
	engine_notice(&g);
	engine_turn(&g, clock_now());
	assert_int_equal(g.preempted, 1);
	assert_int_equal(f->logged, 1);
	assert_string_equal(f->log[0], "2:succeeded:1}");
	assert_int_equal(engine_front(&g)->job.id, long_id);
	assert_int_equal(engine_front(&g)->steps, 2);
	engine_turn(&g, clock_now()); /* the long job's third step */
	assert_int_equal(engine_front(&g)->steps, 3);
	clock_advance(5000);
	engine_turn(&g, clock_now()); /* the scheduled one is due: in front */
	assert_int_equal(g.preempted, 2);
	for (int i = 0; i < 10 && engine_is_active(&g); i++)
		engine_turn(&g, clock_now());
	assert_false(engine_is_active(&g));
	assert_int_equal(f->logged, 3);
	char expect[3][48];
	snprintf(expect[0], 48, "%lld:succeeded:1}", (long long)urgent);
	snprintf(expect[1], 48, "%lld:succeeded:1}", (long long)later);
	snprintf(expect[2], 48, "%lld:succeeded:4}", (long long)long_id);
	for (int i = 0; i < 3; i++)
		assert_string_equal(f->log[i], expect[i]);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'"), 3);
}

static void test_engine_stops_a_cancelled_job_at_its_next_step_boundary(void **state)
{
	struct fixture *f = *state;
	struct engine g;
	struct err e = {0};
	int64_t id = testdb_enqueue(f->t, "noop", "{\"steps\": 1000}", 0, 0);
	int deleted;

	engine_init(&g, f->t->db, &f->t->cfg, f->t->q, NULL, remember, f);
	turns_until_steps(&g, 2);
	assert_int_equal(queue_delete(f->t->q, id, clock_now(), &deleted, &e), 0);
	engine_notice(&g); /* the WAL changed (inotify in the daemon) */
	engine_turn(&g, clock_now());
	assert_false(engine_is_active(&g));
	assert_int_equal(f->logged, 1);
	assert_string_equal(f->log[0], "1:cancelled:2}");
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE state = 'cancelled'"), 1);
}

static void test_engine_takes_no_look_while_nothing_changed(void **state)
{
	struct fixture *f = *state;
	struct engine g;

	testdb_enqueue(f->t, "noop", "{\"steps\": 5}", 0, 0);
	engine_init(&g, f->t->db, &f->t->cfg, f->t->q, NULL, remember, f);
	for (int i = 0; i < 10 && (engine_is_active(&g) || !f->logged); i++)
		engine_turn(&g, clock_now());
	assert_int_equal(g.looks, 0);
	assert_string_equal(f->log[0], "1:succeeded:5}");
}

static int count_rows(void *arg, int n, char **values, char **names)
{
	(void)n;
	(void)values;
	(void)names;
	(*(int *)arg)++;
	return 0;
}

/* README "Enqueueing jobs": the public INSERT contract, statement for
 * statement, without the trigger: RETURNING id, the idempotent unique
 * key, explicit priority and max_attempts kept, a send_email inserted
 * without a priority claimed before an older noop. */
static void test_plain_insert_contract_of_the_readme(void **state)
{
	struct fixture *f = *state;
	struct queue_job job;
	struct err e = {0};
	int rows = 0;
	/* run_at defaults to SQLite's own now */
	const int64_t LATER = T0 + INT64_C(3650) * MS_PER_DAY;

	assert_int_equal(sqlite3_exec(f->t->db, "INSERT INTO jobs (type, payload, unique_key) VALUES "
				      "('weekly_summary_email', '{}', 'manual-summary') RETURNING id;",
				      count_rows, &rows, NULL), SQLITE_OK);
	assert_int_equal(rows, 1);
	rows = 0;
	assert_int_equal(sqlite3_exec(f->t->db, "INSERT INTO jobs (type, payload, unique_key) VALUES "
				      "('weekly_summary_email', '{}', 'manual-summary') "
				      "ON CONFLICT DO NOTHING RETURNING id;",
				      count_rows, &rows, NULL), SQLITE_OK);
	assert_int_equal(rows, 0);
	assert_int_equal(sqlite3_exec(f->t->db, "INSERT INTO jobs (type, payload, priority, max_attempts, run_at) "
				      "VALUES ('noop', '{}', -3, 7, '2020-01-01T00:00:00.000Z'), "
				      "('send_email', '{\"to\":\"a@b.cz\"}', NULL, NULL, '2020-01-02T00:00:00.000Z')",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(queue_claim(f->t->q, LATER, &job, &e), 0);
	assert_string_equal(job.type, "send_email");
	assert_int_equal(job.priority, 10);
	assert_int_equal(job.max_attempts, f->t->cfg.email.retry_count);
	queue_job_clear(&job);
	assert_int_equal(queue_claim(f->t->q, LATER, &job, &e), 0);
	assert_string_equal(job.type, "weekly_summary_email");
	queue_job_clear(&job);
	assert_int_equal(queue_claim(f->t->q, LATER, &job, &e), 0);
	assert_string_equal(job.type, "noop");
	assert_int_equal(job.priority, -3);
	assert_int_equal(job.max_attempts, 7);
	queue_job_clear(&job);
}

/* Opening the queue again (every start, every CLI command) writes nothing
 * when job_types is current; a changed default is written. */
static void test_queue_open_writes_job_types_only_when_they_changed(void **state)
{
	struct fixture *f = *state;
	struct queue *again;
	struct err e = {0};

	f->commits = 0;
	assert_int_equal(queue_open(f->t->db, &f->t->cfg, job_registry, "testhost:2:bbbb", &again, &e), 0);
	queue_free(again);
	assert_int_equal(f->commits, 0);
	assert_int_equal(sqlite3_exec(f->t->db, "UPDATE job_types SET priority = 99 WHERE name = 'noop'",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(queue_open(f->t->db, &f->t->cfg, job_registry, "testhost:2:bbbb", &again, &e), 0);
	queue_free(again);
	assert_int_equal(testdb_int(f->t->db, "SELECT priority FROM job_types WHERE name = 'noop'"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_settle_completes_and_claims_next_in_one_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle_failure_retries_then_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle_of_a_cancelled_job_writes_nothing_for_it_and_claims_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle_claims_only_above_the_floor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_index_priorities_match_the_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_keeps_the_counts_in_the_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_runs_an_urgent_job_between_two_steps_of_a_long_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_stops_a_cancelled_job_at_its_next_step_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_takes_no_look_while_nothing_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_open_writes_job_types_only_when_they_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_insert_contract_of_the_readme, setup, teardown),
	};
	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
