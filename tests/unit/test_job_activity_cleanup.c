/*
 * test_job_activity_cleanup.c - activity_cleanup: the retention boundary
 * (exactly RetentionDays old stays), times without milliseconds, batches
 * and pauses, rerun and crash safety, a locked database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "config/config.h"
#include "demo/demo.h"
#include "testdb.h"

#define NOW TESTDB_NOW

static void add_activity(sqlite3 *db, int n, int64_t created_at)
{
	char id[37];
	struct err e = {0};
	struct demo_activity row = {.id = id, .property_id = TESTDB_PROPERTY,
				    .type = "zaznam_created", .actor_user_id = TESTDB_JANA,
				    .created_at = created_at};

	snprintf(id, sizeof(id), "aaaaaaaa-0000-4000-8000-%012d", n);
	if (demo_insert_activity(db, &row, &e))
		fail_msg("insert activity %d: %s", n, e.msg);
}

static int64_t activities(sqlite3 *db)
{
	return testdb_int(db, "SELECT count(*) FROM activities");
}

static void run(struct testdb *f, int max_steps, struct testdb_job_result *out)
{
	testdb_run_job(f->db, &f->cfg, NULL, "activity_cleanup", NULL, NOW, max_steps, out);
}

static void test_activity_cleanup_keeps_an_activity_exactly_retention_days_old(void **state)
{
	static const struct {
		int64_t age_ms;
		int is_kept;
	} cases[] = {
		{90 * MS_PER_DAY + 1, 0},
		{90 * MS_PER_DAY, 1},
		{90 * MS_PER_DAY - 1, 1},
		{89 * MS_PER_DAY, 1},
		{400 * MS_PER_DAY, 0},
		{0, 1},
	};
	struct testdb *f = *state;
	struct testdb_job_result r;
	char sql[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		add_activity(f->db, (int)i, NOW - cases[i].age_ms);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 2);
	assert_int_equal(job_count_get(&r.ctx, "batches"), 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM activities"
			 " WHERE id = 'aaaaaaaa-0000-4000-8000-%012zu'", i);
		assert_int_equal(testdb_int(f->db, sql), cases[i].is_kept);
	}
}

/* Stored without milliseconds, a time counts as up to a second younger:
 * deleted late, never early. The cutoff here is ...T20:45:17.500Z. */
static void test_activity_cleanup_deletes_a_time_without_milliseconds_never_early(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	add_activity(f->db, 1, NOW);
	add_activity(f->db, 2, NOW);
	add_activity(f->db, 3, NOW);
	testdb_exec(f->db,
		"UPDATE activities SET created_at = CASE id"
		" WHEN 'aaaaaaaa-0000-4000-8000-000000000001' THEN '2026-08-30T20:45:17Z'"
		" WHEN 'aaaaaaaa-0000-4000-8000-000000000002' THEN '2026-08-30T20:45:16Z'"
		" ELSE '2026-08-30T20:45:18Z' END");
	testdb_run_job(f->db, &f->cfg, NULL, "activity_cleanup", NULL, NOW + 500, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM activities"
					  " WHERE created_at = '2026-08-30T20:45:16Z'"), 0);
	assert_int_equal(activities(f->db), 2);
}

static void test_activity_cleanup_deletes_in_batches_with_a_pause_until_none_left(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	f->cfg.jobs.activity_cleanup.r.batch_size = 3;
	f->cfg.jobs.activity_cleanup.batch_pause_ms = 250;
	for (int i = 0; i < 10; i++)
		add_activity(f->db, i, NOW - (100 + i) * MS_PER_DAY);
	add_activity(f->db, 10, NOW - MS_PER_DAY);
	add_activity(f->db, 11, NOW - 2 * MS_PER_DAY);
	run(f, 2, &r); /* a batch is two steps: read, then delete */
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_int_equal(r.ctx.pause_ms, 250);
	assert_int_equal(activities(f->db), 9);
	/* the oldest go first */
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM activities WHERE id IN"
					  " ('aaaaaaaa-0000-4000-8000-000000000007',"
					  " 'aaaaaaaa-0000-4000-8000-000000000008',"
					  " 'aaaaaaaa-0000-4000-8000-000000000009')"), 0);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(r.steps, 6); /* 3 + 3 + 1, two steps each */
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 7);
	assert_int_equal(job_count_get(&r.ctx, "batches"), 3);
	assert_int_equal(activities(f->db), 2);
}

static void test_activity_cleanup_exact_multiple_of_batch_size_ends_with_an_empty_batch(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	f->cfg.jobs.activity_cleanup.r.batch_size = 4;
	for (int i = 0; i < 8; i++)
		add_activity(f->db, i, NOW - 91 * MS_PER_DAY);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(r.steps, 6);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 8);
	assert_int_equal(job_count_get(&r.ctx, "batches"), 2);
	assert_int_equal(r.ctx.pause_ms, 0);
}

static void test_activity_cleanup_rerun_deletes_nothing_more(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	add_activity(f->db, 1, NOW - 100 * MS_PER_DAY);
	add_activity(f->db, 2, NOW - 10 * MS_PER_DAY);
	run(f, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 1);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(r.steps, 2);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 0);
	assert_int_equal(job_count_get(&r.ctx, "batches"), 0);
	assert_int_equal(activities(f->db), 1);
}

static void test_activity_cleanup_after_a_crash_mid_way_ends_in_the_same_state(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char ids[64];

	f->cfg.jobs.activity_cleanup.r.batch_size = 2;
	for (int i = 0; i < 7; i++)
		add_activity(f->db, i, NOW - (i % 2 ? 120 : 30) * MS_PER_DAY);
	run(f, 2, &r); /* the daemon dies after one batch */
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_int_equal(activities(f->db), 5);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 1);
	snprintf(ids, sizeof(ids), "%s",
		 testdb_text(f->db, "SELECT group_concat(substr(id, 36), ',')"
			     " FROM (SELECT id FROM activities ORDER BY id)"));
	assert_string_equal(ids, "0,2,4,6");
}

static void test_activity_cleanup_reports_a_locked_database_as_busy(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	sqlite3 *other = testdb_connect(f);

	add_activity(f->db, 1, NOW - 100 * MS_PER_DAY);
	assert_non_null(other);
	testdb_exec(other, "BEGIN IMMEDIATE");
	run(f, 0, &r);
	assert_int_equal(r.rc, ERR_BUSY);
	testdb_exec(other, "ROLLBACK");
	sqlite3_close(other);
	assert_int_equal(activities(f->db), 1);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 0);
}

static void test_activity_cleanup_reports_a_broken_schema(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	testdb_exec(f->db, "DROP TABLE activities");
	run(f, 0, &r);
	assert_int_equal(r.rc, ERR_DB);
	assert_non_null(strstr(r.err.msg, "activities"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_activity_cleanup_keeps_an_activity_exactly_retention_days_old, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_activity_cleanup_deletes_a_time_without_milliseconds_never_early,
			testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_activity_cleanup_deletes_in_batches_with_a_pause_until_none_left,
			testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_activity_cleanup_exact_multiple_of_batch_size_ends_with_an_empty_batch,
			testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_activity_cleanup_rerun_deletes_nothing_more,
						testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_activity_cleanup_after_a_crash_mid_way_ends_in_the_same_state, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_activity_cleanup_reports_a_locked_database_as_busy, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_activity_cleanup_reports_a_broken_schema,
						testdb_setup, testdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
