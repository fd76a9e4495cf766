/*
 * test_job_refresh_token_cleanup.c - refresh_token_cleanup: expired and
 * long-revoked tokens with exact boundaries, live tokens untouched,
 * rotation chains, batches, rerun and crash safety, a locked database.
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

/* revoked_at 0: not revoked; replaced_by < 0: none. */
static void add_token(sqlite3 *db, int n, int64_t expires_at, int64_t revoked_at,
		      int replaced_by)
{
	char id[37], hash[16], successor[37];
	struct err e = {0};
	struct demo_refresh_token row = {.id = id, .user_id = TESTDB_JANA, .token_hash = hash,
					 .created_at = NOW - 60 * MS_PER_DAY,
					 .expires_at = expires_at, .revoked_at = revoked_at,
					 .replaced_by_token_id = replaced_by >= 0 ? successor : NULL};

	snprintf(id, sizeof(id), "cccccccc-0000-4000-8000-%012d", n);
	snprintf(successor, sizeof(successor), "cccccccc-0000-4000-8000-%012d", replaced_by);
	snprintf(hash, sizeof(hash), "hash-%d", n);
	if (demo_insert_refresh_token(db, &row, &e))
		fail_msg("insert token %d: %s", n, e.msg);
}

static int is_kept(sqlite3 *db, int n)
{
	char sql[128];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM refresh_tokens WHERE id = 'cccccccc-0000-4000-8000-%012d'", n);
	return (int)testdb_int(db, sql);
}

static void run(struct testdb *f, int max_steps, struct testdb_job_result *out)
{
	testdb_run_job(f->db, &f->cfg, NULL, "refresh_token_cleanup", NULL, NOW, max_steps, out);
}

static void test_refresh_token_cleanup_deletes_expired_and_long_revoked_tokens(void **state)
{
	static const struct {
		int64_t expires_in_ms, revoked_ago_ms;
		int is_kept;
	} cases[] = {
		{-1, 0, 0},                          /* expired a millisecond ago */
		{0, 0, 1},                           /* expires this very instant */
		{30 * MS_PER_DAY, 0, 1},             /* live */
		{30 * MS_PER_DAY, 7 * MS_PER_DAY, 1}, /* revoked exactly 7 days ago */
		{30 * MS_PER_DAY, 7 * MS_PER_DAY + 1, 0},
		{30 * MS_PER_DAY, MS_PER_DAY, 1},
		{-MS_PER_DAY, MS_PER_DAY, 0},        /* expired and revoked: expired */
	};
	struct testdb *f = *state;
	struct testdb_job_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		add_token(f->db, (int)i, NOW + cases[i].expires_in_ms,
			  cases[i].revoked_ago_ms ? NOW - cases[i].revoked_ago_ms : 0, -1);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "deleted_expired"), 2);
	assert_int_equal(job_count_get(&r.ctx, "deleted_revoked"), 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (is_kept(f->db, (int)i) != cases[i].is_kept)
			fail_msg("case %zu: kept %d, expected %d", i, is_kept(f->db, (int)i),
				 cases[i].is_kept);
}

static void test_refresh_token_cleanup_follows_revoked_retention_days(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	f->cfg.jobs.refresh_token_cleanup.revoked_retention_days = 0;
	add_token(f->db, 1, NOW + MS_PER_DAY, NOW - 1, -1);
	add_token(f->db, 2, NOW + MS_PER_DAY, NOW, -1);
	run(f, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "deleted_revoked"), 1);
	assert_int_equal(is_kept(f->db, 1), 0);
	assert_int_equal(is_kept(f->db, 2), 1);
}

/* A rotated token points at its successor; deleting the successor first
 * clears the pointer of a token that stays. */
static void test_refresh_token_cleanup_deletes_rotation_chains_in_any_order(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char text[64];

	add_token(f->db, 3, NOW - MS_PER_DAY, 0, -1);
	add_token(f->db, 2, NOW - 2 * MS_PER_DAY, 0, 3);
	add_token(f->db, 1, NOW + MS_PER_DAY, NOW - MS_PER_DAY, 2);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "deleted_expired"), 2);
	assert_int_equal(is_kept(f->db, 1), 1);
	snprintf(text, sizeof(text), "%s",
		 testdb_text(f->db, "SELECT replaced_by_token_id FROM refresh_tokens"));
	assert_string_equal(text, "NULL");
}

static void test_refresh_token_cleanup_batches_rerun_and_crash_end_in_the_same_state(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char ids[64];

	f->cfg.jobs.refresh_token_cleanup.r.batch_size = 2;
	for (int i = 0; i < 9; i++)
		add_token(f->db, i, NOW + (i % 3 == 0 ? -MS_PER_DAY : MS_PER_DAY),
			  i % 3 == 1 ? NOW - 10 * MS_PER_DAY : 0, -1);
	run(f, 1, &r); /* the daemon dies after one batch */
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_int_equal(r.ctx.pause_ms, 0);
	assert_int_equal(job_count_get(&r.ctx, "deleted_expired"), 2);
	run(f, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(r.steps, 3); /* expired 1; revoked 2, 1 */
	assert_int_equal(job_count_get(&r.ctx, "deleted_expired"), 1);
	assert_int_equal(job_count_get(&r.ctx, "deleted_revoked"), 3);
	run(f, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "deleted_expired"), 0);
	assert_int_equal(job_count_get(&r.ctx, "deleted_revoked"), 0);
	snprintf(ids, sizeof(ids), "%s",
		 testdb_text(f->db, "SELECT group_concat(substr(id, 36), ',')"
			     " FROM (SELECT id FROM refresh_tokens ORDER BY id)"));
	assert_string_equal(ids, "2,5,8");
}

static void test_refresh_token_cleanup_reports_a_locked_database_as_busy(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	sqlite3 *other = testdb_connect(f);

	add_token(f->db, 1, NOW - MS_PER_DAY, 0, -1);
	assert_non_null(other);
	testdb_exec(other, "BEGIN IMMEDIATE");
	run(f, 0, &r);
	assert_int_equal(r.rc, ERR_BUSY);
	testdb_exec(other, "ROLLBACK");
	sqlite3_close(other);
	assert_int_equal(is_kept(f->db, 1), 1);
}

static void test_refresh_token_cleanup_reports_a_broken_schema(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	testdb_exec(f->db, "DROP TABLE refresh_tokens");
	run(f, 0, &r);
	assert_int_equal(r.rc, ERR_DB);
	assert_non_null(strstr(r.err.msg, "refresh_tokens"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_refresh_token_cleanup_deletes_expired_and_long_revoked_tokens, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_refresh_token_cleanup_follows_revoked_retention_days, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_refresh_token_cleanup_deletes_rotation_chains_in_any_order, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_refresh_token_cleanup_batches_rerun_and_crash_end_in_the_same_state,
			testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_refresh_token_cleanup_reports_a_locked_database_as_busy, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(test_refresh_token_cleanup_reports_a_broken_schema,
						testdb_setup, testdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
