/*
 * test_app_tables.c - the one description of the app tables
 * (app/app_tables.h) against the real schema, and the statements built
 * from it.
 *
 * For every described table PRAGMA table_info and foreign_key_list of a
 * migrated database must equal the description, and every table that
 * schema/001_app.sql creates must be described and either exported,
 * synced, nested in an exported row or listed with the reason it is
 * neither: a schema change without a description change fails here. The
 * checker itself is shown to catch an added column, a changed default,
 * a dropped foreign key and an undescribed table. The built statements
 * must prepare; three are compared whole, so that what a person reads in a
 * debug log is pinned. Run with APP_TABLES_PRINT=1 to print every
 * statement.
 */
/* cmocka wants these first, in this order. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_tables.h"
#include "app/export_json.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db_schema.h"

#define WHY_MAX 512

/* An in-memory database with migrations up to last (0: all) applied. */
static sqlite3 *open_migrated(int last)
{
	sqlite3 *db = NULL;
	char *message = NULL;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		goto fail;
	for (const struct migration *m = db_migrations; m->version; m++) {
		if (last && m->version > last)
			break;
		if (sqlite3_exec(db, m->sql, NULL, NULL, &message) != SQLITE_OK)
			goto fail;
	}
	return db;
fail:
	fprintf(stderr, "# migrate: %s\n",
		message ? message : sqlite3_errmsg(db));
	sqlite3_free(message);
	sqlite3_close(db);
	return NULL;
}

static int differs(char *why, const char *table, const char *what,
		   const char *schema, const char *described)
{
	snprintf(why, WHY_MAX, "%s: %s is %s in the schema, %s described",
		 table, what, schema ? schema : "(none)",
		 described ? described : "(none)");
	return 1;
}

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* One PRAGMA table_info row against the column described at cid. */
static int compare_column(sqlite3_stmt *st, const struct app_table *t, int cid,
			  char *why)
{
	const struct app_column *c = &t->columns[cid];
	const char *name = (const char *)sqlite3_column_text(st, 1);
	const char *type = (const char *)sqlite3_column_text(st, 2);
	const char *dflt = (const char *)sqlite3_column_text(st, 4);
	char what[128], a[32], b[32];

	if (!same_text(name, c->name))
		return differs(why, t->name, "a column's name", name, c->name);
	snprintf(what, sizeof(what), "the type of %s", c->name);
	if (!same_text(type, app_kind_type(c->kind)))
		return differs(why, t->name, what, type,
			       app_kind_type(c->kind));
	snprintf(what, sizeof(what), "the DEFAULT of %s", c->name);
	if (!same_text(dflt, c->dflt))
		return differs(why, t->name, what, dflt, c->dflt);
	snprintf(a, sizeof(a), "%d/%d", sqlite3_column_int(st, 3),
		 sqlite3_column_int(st, 5));
	snprintf(b, sizeof(b), "%d/%d", c->not_null, c->pk);
	snprintf(what, sizeof(what), "NOT NULL/pk of %s", c->name);
	return same_text(a, b) ? 0 : differs(why, t->name, what, a, b);
}

static int compare_columns(sqlite3 *db, const struct app_table *t, char *why)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc = 0;

	sqlite3_prepare_v2(db, "SELECT * FROM pragma_table_info(?1)", -1, &st,
			   NULL);
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		if (n >= t->column_count)
			rc = differs(why, t->name, "a column",
				     (const char *)sqlite3_column_text(st, 1),
				     "not");
		else
			rc = compare_column(st, t, (int)n, why);
		n++;
	}
	sqlite3_finalize(st);
	if (!rc && n == 0)
		rc = differs(why, t->name, "the table", "missing", "");
	else if (!rc && n < t->column_count)
		rc = differs(why, t->name, "a column", "missing",
			     t->columns[n].name);
	return rc;
}

/* Both ways: each declared foreign key is a described parent and back. */
static int compare_parents(sqlite3 *db, const struct app_table *t, char *why)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	sqlite3_prepare_v2(
	    db, "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?1)",
	    -1, &st, NULL);
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *from = (const char *)sqlite3_column_text(st, 0);
		const char *to = (const char *)sqlite3_column_text(st, 1);
		const struct app_column *c = app_table_column(t, from);

		if (!c || !same_text(c->parent, to))
			rc = differs(why, t->name, from, to,
				     c ? c->parent : NULL);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(
	    db,
	    "SELECT count(*) FROM pragma_foreign_key_list(?1) WHERE \"from\" = ?2 AND \"table\" = ?3",
	    -1, &st, NULL);
	for (size_t i = 0; !rc && i < t->column_count; i++) {
		const struct app_column *c = &t->columns[i];

		if (!c->parent)
			continue;
		sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, c->parent, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW ||
		    !sqlite3_column_int(st, 0))
			rc = differs(why, t->name, c->name, "no foreign key",
				     c->parent);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int compare_table(sqlite3 *db, const struct app_table *t, char *why)
{
	return compare_columns(db, t, why) || compare_parents(db, t, why);
}

/* Every table the app migration creates is described. */
static int every_table_described(sqlite3 *app_only, char *why)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	sqlite3_prepare_v2(
	    app_only,
	    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
	    -1, &st, NULL);
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (!app_table_find(name))
			rc = differs(why, name, "the table", "there", "not");
	}
	sqlite3_finalize(st);
	return rc;
}

static void test_description_matches_the_migrated_schema(void **state)
{
	sqlite3 *db = open_migrated(0);
	char why[WHY_MAX] = "";

	(void)state;
	assert_non_null(db);
	for (size_t i = 0; i < app_table_count; i++)
		if (compare_table(db, &app_tables[i], why))
			fail_msg("%s", why);
	sqlite3_close(db);
}

static void test_every_app_table_is_described_and_accounted_for(void **state)
{
	sqlite3 *db = open_migrated(1);
	char why[WHY_MAX] = "";

	(void)state;
	assert_non_null(db);
	if (every_table_described(db, why))
		fail_msg("%s", why);
	for (size_t i = 0; i < app_table_count; i++) {
		const struct app_table *t = &app_tables[i];
		int uses = (t->section != NULL) + (t->sync_type != NULL) +
			   (t->scope == APP_SCOPE_NESTED);

		if (!uses && !t->why_not)
			fail_msg("%s is neither exported, synced nor nested, "
				 "and says not why",
				 t->name);
		if (uses && t->why_not)
			fail_msg("%s is used and says why not", t->name);
		assert_true(t->column_count <= APP_MAX_COLUMNS);
	}
	sqlite3_close(db);
}

/* Each table's exported columns are placed 1..n once each, exported
 * tables come first, synced columns have keys, parents have nouns. */
static void check_table_flags(const struct app_table *t, int was_section)
{
	int places = 0;

	if (t->section && !was_section)
		fail_msg("%s is exported after a table that is not", t->name);
	for (size_t i = 0; i < t->column_count; i++) {
		const struct app_column *c = &t->columns[i];

		places += c->export_at != 0;
		if ((c->export_at || (c->flags & APP_SYNCED)) && !c->key)
			fail_msg("%s.%s is used without a key", t->name,
				 c->name);
		if (c->parent && (!c->noun || !app_table_find(c->parent)))
			fail_msg("%s.%s: parent %s", t->name, c->name,
				 c->parent);
	}
	for (int at = 1; at <= places; at++) {
		int found = 0;

		for (size_t i = 0; i < t->column_count; i++)
			found += t->columns[i].export_at == at;
		if (found != 1)
			fail_msg("%s: export place %d taken %d times", t->name,
				 at, found);
	}
	if ((t->section || t->scope == APP_SCOPE_NESTED) &&
	    !app_table_column(t, t->owner))
		fail_msg("%s: the scope's column %s is not described", t->name,
			 t->owner ? t->owner : "(none)");
}

static void test_description_is_consistent(void **state)
{
	int was_section = 1;

	(void)state;
	for (size_t i = 0; i < app_table_count; i++) {
		check_table_flags(&app_tables[i], was_section);
		was_section = app_tables[i].section != NULL;
	}
}

/* sync_queue's CHECK lists the entity types: each synced table's type
 * is accepted, and every type the CHECK accepts names a table. */
static void test_sync_types_are_the_queue_entity_types(void **state)
{
	static const char *const types[] = {"projects", "properties", "units",
					    "zaznamy", "dokumenty"};
	sqlite3 *db = open_migrated(1);
	sqlite3_stmt *st = NULL;

	(void)state;
	assert_non_null(db);
	assert_int_equal(
	    sqlite3_exec(
		db,
		"INSERT INTO users (id, email, created_at) VALUES ('u', 'u@x.cz', 'x')",
		NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(
		db,
		"INSERT INTO sync_queue (id, user_id, entity_type, entity_id, operation, created_at) VALUES (?1, 'u', ?1, 'e', 'delete', 'x')",
		-1, &st, NULL),
	    SQLITE_OK);
	for (size_t i = 0; i < app_table_count; i++) {
		if (!app_tables[i].sync_type)
			continue;
		sqlite3_bind_text(st, 1, app_tables[i].sync_type, -1,
				  SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_non_null(app_table_for_sync(types[i]));
	assert_null(app_table_for_sync("dokumenty_x"));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static int exec_on(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* The checker fails on each kind of change a migration could make. */
static void
test_a_schema_change_without_a_description_change_fails(void **state)
{
	static const struct {
		const char *change, *table, *says;
	} cases[] = {
	    {"ALTER TABLE users ADD COLUMN nickname TEXT", "users", "nickname"},
	    {"DROP TABLE tags; CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, icon TEXT, sort_order INTEGER NOT NULL DEFAULT 1, is_active INTEGER NOT NULL DEFAULT 0)",
	     "tags", "DEFAULT of sort_order"},
	    {"DROP TABLE contact_group_members; CREATE TABLE contact_group_members (id TEXT NOT NULL PRIMARY KEY, group_id TEXT NOT NULL, contact_id TEXT NOT NULL REFERENCES contacts (id))",
	     "contact_group_members", "group_id"},
	    {"ALTER TABLE activities RENAME COLUMN metadata TO meta",
	     "activities", "meta"},
	    {"DROP TABLE audit_log", "audit_log", "missing"},
	};
	char why[WHY_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sqlite3 *db = open_migrated(1);

		assert_non_null(db);
		exec_on(db, "PRAGMA foreign_keys = OFF");
		assert_int_equal(exec_on(db, cases[i].change), SQLITE_OK);
		why[0] = '\0';
		assert_int_equal(
		    compare_table(db, app_table_find(cases[i].table), why), 1);
		if (!strstr(why, cases[i].says))
			fail_msg("case %zu: '%s' does not say %s", i, why,
				 cases[i].says);
		sqlite3_close(db);
	}
}

static void test_an_undescribed_app_table_fails(void **state)
{
	sqlite3 *db = open_migrated(1);
	char why[WHY_MAX] = "";

	(void)state;
	assert_non_null(db);
	assert_int_equal(every_table_described(db, why), 0);
	assert_int_equal(
	    exec_on(db, "CREATE TABLE chores (id TEXT PRIMARY KEY)"),
	    SQLITE_OK);
	assert_int_equal(every_table_described(db, why), 1);
	assert_non_null(strstr(why, "chores"));
	sqlite3_close(db);
}

static void print_sql(const char *what, const char *sql)
{
	const char *print = getenv("APP_TABLES_PRINT");

	if (print && *print)
		printf("-- %s\n%s;\n\n", what, sql);
}

/* Every built statement prepares on the migrated database. */
static void test_built_statements_prepare(void **state)
{
	sqlite3 *db = open_migrated(0);
	struct err e = {0};

	(void)state;
	assert_non_null(db);
	for (size_t i = 0; i < app_table_count; i++) {
		const struct app_table *t = &app_tables[i];
		struct buf sql;
		sqlite3_stmt *st = NULL;

		buf_init(&sql, 64 * 1024);
		if (t->section) {
			assert_int_equal(export_json_sql(t, &sql, &e), 0);
			print_sql(t->section, buf_str(&sql));
			if (sqlite3_prepare_v2(db, buf_str(&sql), -1, &st,
					       NULL))
				fail_msg("%s: %s", t->section,
					 sqlite3_errmsg(db));
			sqlite3_finalize(st);
			buf_reset(&sql);
		}
		assert_int_equal(app_sql_insert(t, &sql, &e), 0);
		print_sql(t->name, buf_str(&sql));
		if (sqlite3_prepare_v2(db, buf_str(&sql), -1, &st, NULL))
			fail_msg("%s: %s", t->name, sqlite3_errmsg(db));
		assert_int_equal(sqlite3_bind_parameter_count(st),
				 (int)t->column_count);
		sqlite3_finalize(st);
		buf_free(&sql);
	}
	sqlite3_close(db);
}

/* Three statements whole, as a person reads them in the debug log. */
static void test_built_statements_read_whole(void **state)
{
	/* clang-format off */
	static const char documents[] =
	    "WITH my_projects(id) AS (\n"
	    "    SELECT id FROM projects WHERE owner_id = ?1 AND is_deleted = 0\n"
	    "    UNION SELECT m.project_id FROM project_members m\n"
	    "      JOIN projects p ON p.id = m.project_id\n"
	    "     WHERE m.user_id = ?1 AND p.is_deleted = 0),\n"
	    "  my_properties(id) AS (\n"
	    "    SELECT id FROM properties\n"
	    "     WHERE is_deleted = 0 AND project_id IN (SELECT id FROM my_projects)\n"
	    "    UNION SELECT m.property_id FROM property_members m\n"
	    "      JOIN properties p ON p.id = m.property_id\n"
	    "     WHERE m.user_id = ?1 AND p.is_deleted = 0)\n"
	    "SELECT t.id, json_object('id', t.id,\n"
	    "       'recordId', t.zaznam_id,\n"
	    "       'type', t.type,\n"
	    "       'storageKey', t.storage_key,\n"
	    "       'originalFileName', t.original_file_name,\n"
	    "       'mimeType', t.mime_type,\n"
	    "       'sizeBytes', t.size_bytes,\n"
	    "       'description', t.description,\n"
	    "       'createdAt', t.created_at,\n"
	    "       'updatedAt', t.updated_at,\n"
	    "       'file', CASE WHEN ?4 AND (?5 OR t.type <> 'photo')\n"
	    "                    THEN 'files/' || t.storage_key END)\n"
	    "  FROM zaznam_dokumenty t JOIN zaznamy z ON z.id = t.zaznam_id\n"
	    " WHERE z.is_deleted = 0\n"
	    "   AND z.property_id IN (SELECT id FROM my_properties)\n"
	    "   AND t.is_deleted = 0\n"
	    "   AND t.id > ?2 ORDER BY t.id LIMIT ?3";
	/* the user's own row even when soft-deleted; email second */
	static const char user[] =
	    "SELECT t.id, json_object('id', t.id,\n"
	    "       'email', t.email,\n"
	    "       'firstName', t.first_name,\n"
	    "       'lastName', t.last_name,\n"
	    "       'phone', t.phone,\n"
	    "       'avatarStorageKey', t.avatar_storage_key,\n"
	    "       'preferredLanguage', t.preferred_language,\n"
	    "       'themePreference', t.theme_preference,\n"
	    "       'isAdmin', json(CASE WHEN t.is_admin THEN 'true' ELSE 'false' END),\n"
	    "       'createdAt', t.created_at,\n"
	    "       'lastLoginAt', t.last_login_at)\n"
	    "  FROM users t\n"
	    " WHERE t.id = ?1\n"
	    "   AND t.id > ?2 ORDER BY t.id LIMIT ?3";
	static const char insert[] =
	    "INSERT INTO app_settings (key, value, updated_at, updated_by_user_id) VALUES (?1, ?2, coalesce(?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), ?4)";
	/* clang-format on */
	struct buf sql;
	struct err e = {0};

	(void)state;
	buf_init(&sql, 64 * 1024);
	assert_int_equal(
	    export_json_sql(app_table_find("zaznam_dokumenty"), &sql, &e), 0);
	assert_string_equal(buf_str(&sql), documents);
	buf_reset(&sql);
	assert_int_equal(export_json_sql(app_table_find("users"), &sql, &e), 0);
	assert_string_equal(buf_str(&sql), user);
	buf_reset(&sql);
	assert_int_equal(
	    app_sql_insert(app_table_find("app_settings"), &sql, &e), 0);
	assert_string_equal(buf_str(&sql), insert);
	buf_free(&sql);
}

static void test_builders_report_what_they_cannot_build(void **state)
{
	static const struct app_column one[] = {
	    {.name = "id",
	     .kind = APP_ID,
	     .not_null = 1,
	     .pk = 1,
	     .key = "id",
	     .export_at = 1},
	};
	static const struct app_extra nowhere[] = {
	    {.key = "x", .nested = "nowhere", .link = "id", .order = "id"},
	    {.key = NULL},
	};
	/* no scope; a record scope whose column names no table; a nested
	 * table that is not described */
	static const struct app_table lost[] = {
	    {.name = "lost",
	     .columns = one,
	     .column_count = 1,
	     .section = "lost",
	     .scope = APP_SCOPE_NONE,
	     .owner = "id"},
	    {.name = "lost",
	     .columns = one,
	     .column_count = 1,
	     .section = "lost",
	     .scope = APP_SCOPE_RECORD,
	     .owner = "id"},
	    {.name = "lost",
	     .columns = one,
	     .column_count = 1,
	     .section = "lost",
	     .scope = APP_SCOPE_USER,
	     .owner = "id",
	     .extras = nowhere},
	};
	struct buf sql;
	struct err e = {0};

	(void)state;
	buf_init(&sql, 64 * 1024);
	assert_int_equal(export_json_sql(app_table_find("tags"), &sql, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "tags is not in export.json"));
	for (size_t i = 0; i < sizeof(lost) / sizeof(lost[0]); i++) {
		buf_reset(&sql);
		assert_int_equal(export_json_sql(&lost[i], &sql, &e),
				 ERR_INVALID);
		assert_non_null(strstr(e.msg, "lost names no scope"));
	}
	buf_free(&sql);
	buf_init(&sql, 40);
	assert_int_equal(export_json_sql(app_table_find("projects"), &sql, &e),
			 ERR_TOOBIG);
	assert_non_null(strstr(e.msg, "statement of projects"));
	buf_free(&sql);
	buf_init(&sql, 40);
	assert_int_equal(app_sql_insert(app_table_find("users"), &sql, &e),
			 ERR_TOOBIG);
	assert_non_null(strstr(e.msg, "insert into users"));
	buf_free(&sql);
}

static void test_lookups(void **state)
{
	const struct app_table *t = app_table_find("zaznam_dokumenty");

	(void)state;
	assert_non_null(t);
	assert_ptr_equal(app_table_for_sync("dokumenty"), t);
	assert_null(app_table_find("jobs"));
	assert_null(app_table_find(NULL));
	assert_null(app_table_column(t, "nope"));
	assert_string_equal(
	    app_column_export_key(app_table_column(t, "zaznam_id")),
	    "recordId");
	assert_string_equal(app_table_column(t, "zaznam_id")->key, "zaznamId");
	assert_true(app_column_is_required(app_table_column(t, "storage_key")));
	assert_false(app_column_is_required(app_table_column(t, "type")));
	assert_string_equal(app_kind_type(APP_BOOL), "INTEGER");
	assert_string_equal(app_kind_type(APP_REAL), "REAL");
	assert_string_equal(app_kind_type(APP_STORAGE_KEY), "TEXT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_description_matches_the_migrated_schema),
	    cmocka_unit_test(
		test_every_app_table_is_described_and_accounted_for),
	    cmocka_unit_test(test_description_is_consistent),
	    cmocka_unit_test(test_sync_types_are_the_queue_entity_types),
	    cmocka_unit_test(
		test_a_schema_change_without_a_description_change_fails),
	    cmocka_unit_test(test_an_undescribed_app_table_fails),
	    cmocka_unit_test(test_built_statements_prepare),
	    cmocka_unit_test(test_built_statements_read_whole),
	    cmocka_unit_test(test_builders_report_what_they_cannot_build),
	    cmocka_unit_test(test_lookups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
