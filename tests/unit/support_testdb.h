/*
 * support_testdb.h - a fresh migrated database in a temp file for unit
 * tests that need tables (health, metrics, alerts, auth).
 */
#ifndef DOMECEK_SUPPORT_TESTDB_H
#define DOMECEK_SUPPORT_TESTDB_H

#include <sqlite3.h>

/* Opens a new migrated database; fails the test on error. */
sqlite3 *testdb_open(void);
/* Closes it and removes its files. */
void testdb_close(sqlite3 *db);
/* Runs SQL; fails the test on error. */
void testdb_exec(sqlite3 *db, const char *sql);

#endif
