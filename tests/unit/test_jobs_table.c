/*
 * test_jobs_table.c - the jobs table as a public contract: another
 * program's plain INSERT costs what an INSERT into the floor's table costs
 * (no temporary b-tree per row), the constraints still refuse what they
 * refused, and migration 011, which rebuilt jobs and job_attempts to get
 * there, keeps every row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "db/db_schema.h"
#include "testdb.h"

/* A migrated database, no rows. */
static int setup(void **state)
{
	struct testdb *t = NULL;
	int rc = testdb_make(0, &t);

	*state = t;
	return rc;
}

/* How many steps of the statement's bytecode use opcode `op`. */
static int count_opcode(sqlite3 *db, const char *sql, const char *op)
{
	char explain[1024];
	sqlite3_stmt *stmt = NULL;
	int n = 0;

	snprintf(explain, sizeof(explain), "EXPLAIN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &stmt, NULL),
			 SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		n +=
		    strcmp((const char *)sqlite3_column_text(stmt, 1), op) == 0;
	sqlite3_finalize(stmt);
	return n;
}

static int exec_rc(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) &
	       0xff; /* primary code */
}

static void test_jobs_table_plain_insert_builds_no_temporary_btree(void **state)
{
	static const char *const inserts[] = {
	    "INSERT INTO jobs (type, payload) VALUES ('noop', '{}')",
	    "INSERT INTO jobs (type, payload, unique_key, priority) VALUES ('noop', '{}', 'k', 3)",
	    "INSERT INTO job_attempts (job_id, attempt, owner, started_at) VALUES (1, 1, 'o', '2026-11-30T00:00:00.000Z')",
	};
	struct testdb *f = *state;

	for (size_t i = 0; i < sizeof(inserts) / sizeof(inserts[0]); i++)
		if (count_opcode(f->db, inserts[i], "OpenEphemeral"))
			fail_msg("a temporary b-tree per row in: %s",
				 inserts[i]);
}

static void
test_jobs_table_still_refuses_unknown_states_and_outcomes(void **state)
{
	static const char *const states[] = {
	    "scheduled", "enqueued", "processing", "succeeded",
	    "failed",	 "dead",     "cancelled"};
	static const char *const outcomes[] = {"succeeded", "failed",
					       "lost",	    "interrupted",
					       "deferred",  "cancelled"};
	struct testdb *f = *state;
	char sql[256];

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO jobs (type, state) VALUES ('noop', '%s')",
			 states[i]);
		assert_int_equal(exec_rc(f->db, sql), SQLITE_OK);
	}
	assert_int_equal(
	    exec_rc(
		f->db,
		"INSERT INTO jobs (type, state) VALUES ('noop', 'Enqueued')"),
	    SQLITE_CONSTRAINT);
	assert_int_equal(
	    exec_rc(f->db,
		    "INSERT INTO jobs (type, state) VALUES ('noop', NULL)"),
	    SQLITE_CONSTRAINT);
	assert_int_equal(
	    exec_rc(
		f->db,
		"INSERT INTO jobs (type, payload) VALUES ('noop', '{oops')"),
	    SQLITE_CONSTRAINT);
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		snprintf(
		    sql, sizeof(sql),
		    "INSERT INTO job_attempts (job_id, attempt, started_at, outcome) VALUES (1, %zu, 't', '%s')",
		    i + 1, outcomes[i]);
		assert_int_equal(exec_rc(f->db, sql), SQLITE_OK);
	}
	assert_int_equal(
	    exec_rc(
		f->db,
		"INSERT INTO job_attempts (job_id, attempt, started_at, outcome) VALUES (1, 99, 't', 'lost ')"),
	    SQLITE_CONSTRAINT);
	assert_int_equal(
	    exec_rc(
		f->db,
		"INSERT INTO job_attempts (job_id, attempt, started_at) VALUES (1, 100, 't')"),
	    SQLITE_OK);
}

static void test_jobs_table_unique_key_holds_only_while_unfinished(void **state)
{
	static const char insert[] =
	    "INSERT INTO jobs (type, unique_key) VALUES ('noop', 'weekly-u1')";
	struct testdb *f = *state;

	assert_int_equal(exec_rc(f->db, insert), SQLITE_OK);
	assert_int_equal(exec_rc(f->db, insert), SQLITE_CONSTRAINT);
	assert_int_equal(
	    exec_rc(
		f->db,
		"UPDATE jobs SET state = 'processing' WHERE unique_key = 'weekly-u1'"),
	    SQLITE_OK);
	assert_int_equal(exec_rc(f->db, insert), SQLITE_CONSTRAINT);
	assert_int_equal(
	    exec_rc(
		f->db,
		"UPDATE jobs SET state = 'succeeded' WHERE unique_key = 'weekly-u1'"),
	    SQLITE_OK);
	assert_int_equal(exec_rc(f->db, insert), SQLITE_OK);
}

/* Every row of a table (or view), in key order, as one text. */
static char *table_text(sqlite3 *db, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1, 2", table);
	return testdb_rows(db, sql);
}

static void migrate_to(sqlite3 *db, int version)
{
	char set[64];

	assert_int_equal(exec_rc(db, "BEGIN"), SQLITE_OK);
	for (const struct migration *m = db_migrations;
	     m->version && m->version <= version; m++)
		assert_int_equal(exec_rc(db, m->sql), SQLITE_OK);
	snprintf(set, sizeof(set), "PRAGMA user_version=%d", version);
	assert_int_equal(exec_rc(db, set), SQLITE_OK);
	assert_int_equal(exec_rc(db, "COMMIT"), SQLITE_OK);
}

static const char rows_before_011[] =
    "INSERT INTO jobs (id, type, payload, state, priority, run_at, unique_key, attempts, max_attempts, owner, lease_until, recurring_name, progress, result, last_error, created_at, started_at, finished_at) VALUES\n"
    " (1, 'send_email', '{\"to\":\"jana@example.cz\"}', 'succeeded', NULL, '2026-11-01T08:00:00.000Z', NULL, 1, 3, NULL, NULL, NULL, NULL, '{\"sent\":1}', NULL, '2026-11-01T08:00:00.000Z', '2026-11-01T08:00:01.000Z', '2026-11-01T08:00:02.000Z'),\n"
    " (2, 'export_data', '{\"user_id\":\"u1\"}', 'processing', -10, '2026-11-01T09:00:00.000Z', 'export-u1', 1, 3, 'box:1', '2026-11-01T09:05:00.000Z', NULL, '3/10 files', NULL, NULL, '2026-11-01T09:00:00.000Z', '2026-11-01T09:00:01.000Z', NULL),\n"
    " (3, 'sync_retry', '{}', 'failed', NULL, '2026-11-01T10:00:00.000Z', NULL, 2, 3, NULL, NULL, 'SyncRetry', NULL, NULL, 'server said 503', '2026-11-01T09:55:00.000Z', '2026-11-01T09:56:00.000Z', NULL),\n"
    " (7, 'noop', '{}', 'enqueued', NULL, '2026-11-01T11:00:00.000Z', NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-11-01T11:00:00.000Z', NULL, NULL);\n"
    "INSERT INTO job_attempts (job_id, attempt, owner, started_at, finished_at, outcome, error, duration_ms) VALUES\n"
    " (1, 1, 'box:1', '2026-11-01T08:00:01.000Z', '2026-11-01T08:00:02.000Z', 'succeeded', NULL, 1000),\n"
    " (2, 1, 'box:1', '2026-11-01T09:00:01.000Z', NULL, NULL, NULL, NULL),\n"
    " (3, 1, 'box:1', '2026-11-01T09:55:01.000Z', '2026-11-01T09:55:02.000Z', 'interrupted', NULL, NULL),\n"
    " (3, 2, 'box:1', '2026-11-01T09:56:00.000Z', '2026-11-01T09:56:03.000Z', 'failed', 'server said 503', 3000);";

static void
test_jobs_table_migration_011_keeps_every_job_and_attempt(void **state)
{
	struct testdb *t = testdb_open(TESTDB_BARE);
	struct err e = {0};
	sqlite3 *db = t->db;
	int from = 0, to = 0;

	(void)state;
	migrate_to(db, 10);
	assert_int_equal(exec_rc(db, rows_before_011), SQLITE_OK);
	char *jobs = table_text(db, "jobs");
	char *attempts = table_text(db, "job_attempts");
	char *metrics = table_text(db, "metrics_hourly");

	assert_int_equal(db_migrate(db, &from, &to, &e), 0);
	assert_int_equal(from, 10);
	assert_true(to >= 11);
	char *jobs_after = table_text(db, "jobs");
	char *attempts_after = table_text(db, "job_attempts");
	char *metrics_after = table_text(db, "metrics_hourly");
	assert_string_equal(jobs_after, jobs);
	assert_string_equal(attempts_after, attempts);
	assert_string_equal(metrics_after, metrics);
	assert_int_equal(exec_rc(db, "SELECT 1 FROM job_attempts_kept"),
			 SQLITE_ERROR);
	/* The cascade still holds: deleting a job deletes its attempts. */
	assert_int_equal(exec_rc(db, "DELETE FROM jobs WHERE id = 3"),
			 SQLITE_OK);
	char *left = table_text(db, "job_attempts");
	assert_null(strstr(left, "server said 503"));
	assert_non_null(strstr(left, "box:1"));
	free(jobs);
	free(attempts);
	free(metrics);
	free(jobs_after);
	free(attempts_after);
	free(metrics_after);
	free(left);
	testdb_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, testdb_teardown)
	    T(test_jobs_table_plain_insert_builds_no_temporary_btree),
	    T(test_jobs_table_still_refuses_unknown_states_and_outcomes),
	    T(test_jobs_table_unique_key_holds_only_while_unfinished),
	    cmocka_unit_test(
		test_jobs_table_migration_011_keeps_every_job_and_attempt),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
