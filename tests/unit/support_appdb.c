/*
 * support_appdb.c - the data jobs' test household (see support_appdb.h).
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "support_appdb.h"
#include "base/buf.h"
#include "demo/demo.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "storage/storage.h"
#include "support_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void household(struct appdb *f)
{
	struct demo_user jana = {.id = APPDB_JANA,
				 .email = "jana@example.cz",
				 .first_name = "Jana",
				 .last_name = "Nováková",
				 .created_at = APPDB_EPOCH};
	struct demo_user tom = {.id = APPDB_TOM,
				.email = "tom@example.com",
				.first_name = "Tom",
				.preferred_language = "en",
				.created_at = APPDB_EPOCH};
	struct demo_project project = {.id = APPDB_PROJECT,
				       .owner_id = APPDB_JANA,
				       .name = "Rodina",
				       .created_at = APPDB_EPOCH};
	struct demo_property property = {.id = APPDB_PROPERTY,
					 .project_id = APPDB_PROJECT,
					 .name = "Chalupa",
					 .created_at = APPDB_EPOCH};
	struct err e = {0};

	if (demo_insert_user(f->db, &jana, &e) ||
	    demo_insert_user(f->db, &tom, &e) ||
	    demo_insert_project(f->db, &project, &e) ||
	    demo_insert_property(f->db, &property, &e))
		fail_msg("household: %s", e.msg);
}

struct appdb *appdb_open(void)
{
	struct appdb *f = calloc(1, sizeof(*f));
	struct err e = {0};

	assert_non_null(f);
	assert_int_equal(support_tempdir(f->dir, sizeof(f->dir)), 0);
	snprintf(f->root, sizeof(f->root), "%s/storage", f->dir);
	assert_int_equal(mkdir(f->root, 0750), 0);
	f->db = support_open_migrated(f->dir);
	assert_non_null(f->db);
	if (storage_open_local(f->root, &f->storage, &e))
		fail_msg("storage: %s", e.msg);
	f->services.storage = f->storage;
	config_defaults(&f->cfg);
	household(f);
	return f;
}

void appdb_close(struct appdb *f)
{
	if (!f)
		return;
	storage_close(f->storage);
	sqlite3_close(f->db);
	support_rmrf(f->dir);
	free(f);
}

int64_t appdb_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t value = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

char *appdb_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	struct buf out;

	buf_init(&out, 1 << 20);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(stmt); i++) {
			const char *v =
			    (const char *)sqlite3_column_text(stmt, i);

			buf_printf(&out, "%s%s", i ? "|" : "", v ? v : "NULL");
		}
		buf_putc(&out, '\n');
	}
	sqlite3_finalize(stmt);
	return buf_steal(&out);
}

void appdb_put_file(const struct appdb *f, const char *key, const char *text)
{
	char path[1024], dir[1024];
	struct err e = {0};
	FILE *fp;
	char *slash;

	snprintf(path, sizeof(path), "%s/%s", f->root, key);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (fs_mkdirs(dir, 0750, &e))
		fail_msg("mkdir %s: %s", dir, e.msg);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

int appdb_has_file(const struct appdb *f, const char *key)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", f->root, key);
	return access(path, F_OK) == 0;
}
