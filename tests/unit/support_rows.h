/*
 * support_rows.h - shared by the data job tests: one-value queries and the
 * smallest household the app tables need (a user, a project, a property).
 */
#ifndef DOMECEK_SUPPORT_ROWS_H
#define DOMECEK_SUPPORT_ROWS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* The household's ids. */
#define SUPPORT_USER "11111111-1111-4111-8111-111111111111"
#define SUPPORT_PROJECT "22222222-2222-4222-8222-222222222222"
#define SUPPORT_PROPERTY "33333333-3333-4333-8333-333333333333"

/* The instant the data job tests run at: 2026-11-28T20:45:17.000Z. */
#define SUPPORT_ROWS_NOW INT64_C(1795898717000)

/* A cmocka fixture: a temp dir, a migrated database with the household
 * at SUPPORT_ROWS_NOW, and the default config for the test to change. */
struct support_rows_fixture {
	char dir[256];
	sqlite3 *db;
	struct config cfg;
};
int support_rows_setup(void **state);
int support_rows_teardown(void **state);

/* Inserts the user, project and property, created a year before now.
 * Returns 0, or -1 with the error on stderr. */
int support_rows_household(sqlite3 *db, int64_t now);

/* The first column of the first row of sql as an integer; -1 when there
 * is no row or the statement fails (message on stderr). */
int64_t support_rows_int(sqlite3 *db, const char *sql);

/* The same as text into out (size bytes); "" for no row, "NULL" for a
 * NULL value. Returns out. */
char *support_rows_text(sqlite3 *db, const char *sql, char *out, size_t size);

/* Runs sql (several statements allowed); 0, or -1 with the error on stderr. */
int support_rows_exec(sqlite3 *db, const char *sql);

#endif
