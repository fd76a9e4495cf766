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
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "support_testdb.h"

sqlite3 *testdb_open(void)
{
	char path[] = "/tmp/domecek-unit-XXXXXX";
	struct db_options opt = {.create = 1};
	struct err e = {0};
	sqlite3 *db = NULL;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	if (db_open(path, &opt, &db, &e) || db_migrate(db, NULL, NULL, &e))
		fail_msg("test database: %s", e.msg);
	return db;
}

void testdb_close(sqlite3 *db)
{
	char path[4096], side[4200];
	const char *name = sqlite3_db_filename(db, "main");

	snprintf(path, sizeof(path), "%s", name ? name : "");
	db_close(db);
	if (!path[0])
		return;
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

void testdb_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fail_msg("SQL failed: %s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
	}
}
