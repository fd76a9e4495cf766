/*
 * support_db.c - temp directories and migrated databases for unit tests.
 *
 * The migrations run straight from db_migrations[] with sqlite3_exec, as
 * the migrator does (one transaction each, user_version set after), so a
 * test does not depend on the db module it may be testing.
 */
#include "support_db.h"
#include "db/db.h"
#include "base/err.h"

#include "db/db_schema.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int support_tempdir(char *out, size_t n)
{
	const char *base = getenv("TMPDIR");
	int len;

	if (!base || !*base)
		base = "/tmp";
	len = snprintf(out, n, "%s/domecek-test-XXXXXX", base);
	if (len < 0 || (size_t)len >= n || !mkdtemp(out)) {
		fprintf(stderr, "support_tempdir: cannot create under %s\n",
			base);
		return -1;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void support_rmrf(const char *dir)
{
	if (dir && *dir)
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int exec_or_report(sqlite3 *db, const char *sql, const char *what)
{
	char *message = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &message) == SQLITE_OK)
		return 0;
	fprintf(stderr, "support_db: %s: %s\n", what,
		message ? message : sqlite3_errmsg(db));
	sqlite3_free(message);
	return -1;
}

sqlite3 *support_open(const char *dir)
{
	char path[4096];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/app.db", dir);
	if (sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK ||
	    exec_or_report(db, "PRAGMA foreign_keys=ON", path)) {
		fprintf(stderr, "support_db: cannot open %s\n", path);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

sqlite3 *support_open_migrated(const char *dir)
{
	struct db_options opt = {.create = 1};
	struct err e = {0};
	char path[4096];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/app.db", dir);
	if (db_open(path, &opt, &db, &e) || db_migrate(db, NULL, NULL, &e)) {
		fprintf(stderr, "support_open_migrated: %s\n", e.msg);
		db_close(db);
		return NULL;
	}
	return db;
}
