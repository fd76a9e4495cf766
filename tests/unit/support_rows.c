/*
 * support_rows.c - one-value queries and a minimal household for tests.
 */
#include "support_rows.h"
#include "support_db.h"
#include "base/clock.h"
#include "demo/demo.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

int support_rows_household(sqlite3 *db, int64_t now)
{
	struct err e = {0};
	int64_t created = now - 365 * MS_PER_DAY;
	struct demo_user user = {.id = SUPPORT_USER, .email = "jana@example.cz",
				 .first_name = "Jana", .created_at = created};
	struct demo_project project = {.id = SUPPORT_PROJECT, .owner_id = SUPPORT_USER,
				       .name = "Domov", .created_at = created};
	struct demo_property property = {.id = SUPPORT_PROPERTY,
					 .project_id = SUPPORT_PROJECT,
					 .name = "Chalupa", .created_at = created};

	if (demo_insert_user(db, &user, &e) || demo_insert_project(db, &project, &e) ||
	    demo_insert_property(db, &property, &e)) {
		fprintf(stderr, "household: %s\n", e.msg);
		return -1;
	}
	return 0;
}

int64_t support_rows_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t value = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

char *support_rows_text(sqlite3 *db, const char *sql, char *out, size_t size)
{
	sqlite3_stmt *stmt = NULL;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		return out;
	}
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);
		snprintf(out, size, "%s", text ? text : "NULL");
	}
	sqlite3_finalize(stmt);
	return out;
}

int support_rows_exec(sqlite3 *db, const char *sql)
{
	char *message = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, message ? message : "?");
		sqlite3_free(message);
		return -1;
	}
	return 0;
}

int support_rows_setup(void **state)
{
	static struct support_rows_fixture f;

	memset(&f, 0, sizeof(f));
	if (support_tempdir(f.dir, sizeof(f.dir)) ||
	    !(f.db = support_open_migrated(f.dir)) ||
	    support_rows_household(f.db, SUPPORT_ROWS_NOW))
		return -1;
	config_defaults(&f.cfg);
	*state = &f;
	return 0;
}

int support_rows_teardown(void **state)
{
	struct support_rows_fixture *f = *state;

	sqlite3_close(f->db);
	support_rmrf(f->dir);
	return 0;
}
