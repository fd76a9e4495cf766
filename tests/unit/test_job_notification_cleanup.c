/*
 * test_job_notification_cleanup.c - notification_cleanup: read and unread
 * retentions and their exact boundaries, the two phases in batches,
 * rerun and crash safety, a locked database.
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

/* read_at 0: unread. */
static void add_notification(sqlite3 *db, int n, int64_t created_at, int64_t read_at)
{
	char id[37];
	struct err e = {0};
	struct demo_notification row = {.id = id, .user_id = TESTDB_JANA,
					.type = "mention_in_comment", .read_at = read_at,
					.created_at = created_at};

	snprintf(id, sizeof(id), "bbbbbbbb-0000-4000-8000-%012d", n);
	if (demo_insert_notification(db, &row, &e))
		fail_msg("insert notification %d: %s", n, e.msg);
}

static int is_kept(sqlite3 *db, int n)
{
	char sql[128];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM notifications WHERE id = 'bbbbbbbb-0000-4000-8000-%012d'", n);
	return (int)testdb_int(db, sql);
}

static void run(struct testdb *f, int max_steps, struct testdb_job_result *out)
{
	testdb_run_job(f->db, &f->cfg, NULL, "notification_cleanup", NULL, NOW, max_steps, out);
}

static void test_notification_cleanup_keeps_notifications_exactly_at_retention(void **state)
{
	static const struct {
		int64_t age_ms;
		int is_read;
		int is_kept;
	} cases[] = {
		{30 * MS_PER_DAY + 1, 1, 0},
		{30 * MS_PER_DAY, 1, 1},
		{29 * MS_PER_DAY, 1, 1},
		{30 * MS_PER_DAY + 1, 0, 1}, /* unread keeps 90 days */
		{90 * MS_PER_DAY, 0, 1},
		{90 * MS_PER_DAY + 1, 0, 0},
		{90 * MS_PER_DAY + 1, 1, 0},
		{365 * MS_PER_DAY, 0, 0},
		{0, 0, 1},
	};
	struct testdb *f = *state;
	struct testdb_job_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		add_notification(f->db, (int)i, NOW - cases[i].age_ms,
				 cases[i].is_read ? NOW - MS_PER_DAY : 0);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "deleted_read"), 2);
	assert_int_equal(job_count_get(&r.ctx, "deleted_unread"), 2);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (is_kept(f->db, (int)i) != cases[i].is_kept)
			fail_msg("case %zu: kept %d, expected %d", i, is_kept(f->db, (int)i),
				 cases[i].is_kept);
}

/* Age is created_at: a notification read only yesterday but created long
 * ago is old, one created yesterday and read at once is not. */
static void test_notification_cleanup_measures_age_from_created_at(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	add_notification(f->db, 1, NOW - 60 * MS_PER_DAY, NOW - MS_PER_DAY);
	add_notification(f->db, 2, NOW - MS_PER_DAY, NOW - MS_PER_DAY);
	run(f, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "deleted_read"), 1);
	assert_int_equal(is_kept(f->db, 1), 0);
	assert_int_equal(is_kept(f->db, 2), 1);
}

static void test_notification_cleanup_follows_configured_retentions(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	f->cfg.jobs.notification_cleanup.retention_days_read = 1;
	f->cfg.jobs.notification_cleanup.retention_days_unread = 2;
	add_notification(f->db, 1, NOW - MS_PER_DAY - 1, NOW - MS_PER_DAY);
	add_notification(f->db, 2, NOW - MS_PER_DAY - 1, 0);
	add_notification(f->db, 3, NOW - 2 * MS_PER_DAY - 1, 0);
	run(f, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "deleted_read"), 1);
	assert_int_equal(job_count_get(&r.ctx, "deleted_unread"), 1);
	assert_int_equal(is_kept(f->db, 2), 1);
}

static void test_notification_cleanup_runs_read_then_unread_in_batches(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	f->cfg.jobs.notification_cleanup.r.batch_size = 2;
	f->cfg.jobs.notification_cleanup.batch_pause_ms = 40;
	for (int i = 0; i < 5; i++)
		add_notification(f->db, i, NOW - 100 * MS_PER_DAY, NOW - 99 * MS_PER_DAY);
	for (int i = 5; i < 8; i++)
		add_notification(f->db, i, NOW - 100 * MS_PER_DAY, 0);
	run(f, 1, &r);
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_int_equal(r.ctx.pause_ms, 40);
	assert_int_equal(job_count_get(&r.ctx, "deleted_read"), 2);
	assert_int_equal(job_count_get(&r.ctx, "deleted_unread"), 0);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(r.steps, 4); /* read 2, 1; unread 2, 1 */
	assert_int_equal(job_count_get(&r.ctx, "deleted_read"), 3);
	assert_int_equal(job_count_get(&r.ctx, "deleted_unread"), 3);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM notifications"), 0);
}

static void test_notification_cleanup_rerun_and_crash_end_in_the_same_state(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char ids[64];

	f->cfg.jobs.notification_cleanup.r.batch_size = 1;
	for (int i = 0; i < 6; i++)
		add_notification(f->db, i, NOW - (i % 2 ? 100 : 10) * MS_PER_DAY,
				 i % 3 ? NOW - 5 * MS_PER_DAY : 0);
	run(f, 2, &r); /* the daemon dies after two batches */
	assert_int_equal(r.rc, JOB_AGAIN);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(r.steps, 2);
	assert_int_equal(job_count_get(&r.ctx, "deleted_read"), 0);
	assert_int_equal(job_count_get(&r.ctx, "deleted_unread"), 0);
	snprintf(ids, sizeof(ids), "%s",
		 testdb_text(f->db, "SELECT group_concat(substr(id, 36), ',')"
			     " FROM (SELECT id FROM notifications ORDER BY id)"));
	assert_string_equal(ids, "0,2,4");
}

static void test_notification_cleanup_reports_a_locked_database_as_busy(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	sqlite3 *other = testdb_connect(f);

	add_notification(f->db, 1, NOW - 100 * MS_PER_DAY, 0);
	assert_non_null(other);
	testdb_exec(other, "BEGIN IMMEDIATE");
	run(f, 0, &r);
	assert_int_equal(r.rc, ERR_BUSY);
	testdb_exec(other, "ROLLBACK");
	sqlite3_close(other);
	assert_int_equal(is_kept(f->db, 1), 1);
}

static void test_notification_cleanup_reports_a_broken_schema(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	testdb_exec(f->db, "DROP TABLE notifications");
	run(f, 0, &r);
	assert_int_equal(r.rc, ERR_DB);
	assert_non_null(strstr(r.err.msg, "notifications"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_notification_cleanup_keeps_notifications_exactly_at_retention, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_notification_cleanup_measures_age_from_created_at, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_notification_cleanup_follows_configured_retentions, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_notification_cleanup_runs_read_then_unread_in_batches, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_notification_cleanup_rerun_and_crash_end_in_the_same_state, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_notification_cleanup_reports_a_locked_database_as_busy, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(test_notification_cleanup_reports_a_broken_schema,
						testdb_setup, testdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
