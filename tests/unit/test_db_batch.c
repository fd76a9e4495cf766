/*
 * test_db_batch.c - the cleanup jobs' batch shape: a statement prepared
 * once and run per step in its own short transaction; a prepare error
 * names the batch, a locked database rolls back and reports busy, a read
 * changes nothing.
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "base/err.h"
#include "db/db.h"
#include "testdb.h"

#include <string.h>

#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

static const char delete_sql[] =
    "DELETE FROM t WHERE rowid IN (SELECT rowid FROM t WHERE at < ?1\n"
    "                                ORDER BY at LIMIT ?2)";
static const char read_sql[] =
    "SELECT count(*) FROM t WHERE at < ?1 LIMIT ?2";

struct fixture {
	struct testdb *t; /* an empty app.db */
	sqlite3 *db;	  /* t->db */
};

static int setup(void **state)
{
	static struct fixture f;

	if (testdb_make(TESTDB_BARE, &f.t))
		return -1;
	f.db = f.t->db;
	sqlite3_busy_timeout(f.db, 0);
	if (sqlite3_exec(f.db,
			 "CREATE TABLE t (at TEXT);"
			 "INSERT INTO t VALUES ('2025-01-01T00:00:00.000Z'),"
			 " ('2025-01-02T00:00:00.000Z'),"
			 " ('2025-01-03T00:00:00.000Z'),"
			 " ('2027-01-01T00:00:00.000Z')",
			 NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testdb_close(f->t);
	return 0;
}

static int rows(sqlite3 *db)
{
	return (int)testdb_int(db, "SELECT count(*) FROM t");
}

static void test_db_batch_runs_in_batches_until_short(void **state)
{
	struct fixture *f = *state;
	struct db_batch b = {0}, r = {0};
	struct err e = {0};
	int changes = -1;

	assert_int_equal(db_batch_prepare(f->db, delete_sql, "deleting t", &b,
					  &e),
			 0);
	assert_int_equal(db_batch_prepare(f->db, read_sql, "reading t", &r, &e),
			 0);
	assert_int_equal(db_batch_run(f->db, &r, T0, 2, 0, &changes, &e), 0);
	assert_int_equal(changes, 0);
	assert_int_equal(db_batch_run(f->db, &b, T0, 2, 1, &changes, &e), 0);
	assert_int_equal(changes, 2);
	assert_int_equal(db_batch_run(f->db, &b, T0, 2, 1, &changes, &e), 0);
	assert_int_equal(changes, 1);
	assert_int_equal(db_batch_run(f->db, &b, T0, 2, 1, &changes, &e), 0);
	assert_int_equal(changes, 0);
	assert_int_equal(rows(f->db), 1);
	assert_true(sqlite3_get_autocommit(f->db)); /* no transaction left */
	db_batch_finalize(&b);
	db_batch_finalize(&r);
	db_batch_finalize(&b); /* twice is harmless */
}

static void test_db_batch_prepare_error_names_the_batch(void **state)
{
	struct fixture *f = *state;
	struct db_batch b = {0};
	struct err e = {0};

	assert_int_not_equal(db_batch_prepare(f->db,
					      "DELETE FROM missing LIMIT ?2",
					      "deleting old things", &b, &e),
			     0);
	assert_non_null(strstr(e.msg, "deleting old things"));
	assert_non_null(strstr(e.msg, "missing"));
	db_batch_finalize(&b);
}

static void test_db_batch_locked_database_is_busy_and_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct db_batch b = {0};
	struct err e = {0};
	sqlite3 *other = testdb_connect(f->t);
	int changes = -1;

	assert_non_null(other);
	assert_int_equal(db_batch_prepare(f->db, delete_sql, "deleting t", &b,
					  &e),
			 0);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	assert_int_equal(db_batch_run(f->db, &b, T0, 2, 1, &changes, &e),
			 ERR_BUSY);
	assert_int_equal(changes, 0);
	assert_true(sqlite3_get_autocommit(f->db));
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	/* The statement is reusable after the failure. */
	assert_int_equal(db_batch_run(f->db, &b, T0, 10, 1, &changes, &e), 0);
	assert_int_equal(changes, 3);
	db_batch_finalize(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_db_batch_runs_in_batches_until_short, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_db_batch_prepare_error_names_the_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_db_batch_locked_database_is_busy_and_rolls_back, setup,
		teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
