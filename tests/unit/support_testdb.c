/*
 * support_testdb.c - temp-file databases for unit tests (see the header).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "support_db.h"
#include "support_testdb.h"

/* A thin layer over support_db.h that fails the test instead of
 * returning an error: a temp dir holding a migrated app.db. */
sqlite3 *testdb_open(void)
{
	char dir[256];
	sqlite3 *db;

	assert_int_equal(support_tempdir(dir, sizeof(dir)), 0);
	db = support_open_migrated(dir);
	if (!db)
		fail_msg("test database in %s could not be made", dir);
	return db;
}

void testdb_close(sqlite3 *db)
{
	const char *name = sqlite3_db_filename(db, "main");
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", name ? name : "");
	db_close(db);
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		support_rmrf(dir);
	}
}

void testdb_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fail_msg("SQL failed: %s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
	}
}
