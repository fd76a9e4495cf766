/*
 * test_schema.c - schema/001_app.sql against spec/data-model.md: names
 * and types, CHECK, UNIQUE and foreign keys, defaults of a minimal insert,
 * updated_at, purge behaviour, indexes and the seeded tags.
 *
 * Only migration 001 runs here, from db_migrations[], so the test sees
 * exactly what the app tables migration creates.
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
#include <string.h>

#include "db/db_schema.h"
#include "testdb.h"

struct fixture {
	struct testdb *t; /* an app.db with migration 1 by hand */
	sqlite3 *db;	  /* t->db */
};

/* The base rows every constraint case builds on. */
static const char base_rows[] =
    "INSERT INTO users (id, email, created_at) VALUES"
    " ('u1', 'jana@example.cz', '2026-01-01T00:00:00.000Z'),"
    " ('u2', 'petr@example.cz', '2026-01-01T00:00:00.000Z');"
    "INSERT INTO projects (id, owner_id, name, created_at) VALUES"
    " ('p1', 'u1', 'Dům', '2026-01-02T00:00:00.000Z');"
    "INSERT INTO project_members (id, project_id, user_id, created_at)"
    " VALUES ('pm1', 'p1', 'u1', '2026-01-02T00:00:00.000Z');"
    "INSERT INTO properties (id, project_id, name, created_at) VALUES"
    " ('pr1', 'p1', 'Dům', '2026-01-03T00:00:00.000Z');"
    "INSERT INTO property_members (id, property_id, user_id, created_at)"
    " VALUES ('prm1', 'pr1', 'u1', '2026-01-03T00:00:00.000Z');"
    "INSERT INTO units (id, property_id, name, created_at) VALUES"
    " ('un1', 'pr1', 'Kuchyň', '2026-01-03T00:00:00.000Z');"
    "INSERT INTO zaznamy (id, property_id, created_at) VALUES"
    " ('z1', 'pr1', '2026-01-04T00:00:00.000Z');"
    "INSERT INTO zaznam_tags (zaznam_id, tag_id) VALUES ('z1', 1);"
    "INSERT INTO zaznam_dokumenty (id, zaznam_id, storage_key, created_at)"
    " VALUES ('d1', 'z1', 'documents/pr1/z1/d1.jpg',"
    " '2026-01-04T00:00:00.000Z');"
    "INSERT INTO comments (id, zaznam_id, author_user_id, content,"
    " created_at) VALUES ('c1', 'z1', 'u1', 'Hotovo',"
    " '2026-01-05T00:00:00.000Z');"
    "INSERT INTO comment_mentions VALUES ('c1', 'u2');"
    "INSERT INTO refresh_tokens (id, user_id, token_hash, created_at,"
    " expires_at) VALUES ('rt1', 'u1', 'hash1', '2026-01-01T00:00:00.000Z',"
    " '2026-02-01T00:00:00.000Z');"
    "INSERT INTO invitations (id, token_hash, target_type, target_id, email,"
    " expires_at, created_at, created_by) VALUES ('i1', 'ih1', 'project',"
    " 'p1', 'eva@example.com', '2026-01-08T00:00:00.000Z',"
    " '2026-01-01T00:00:00.000Z', 'u1');"
    "INSERT INTO contacts (id, owner_user_id, email, created_at) VALUES"
    " ('ct1', 'u1', 'eva@example.com', '2026-01-01T00:00:00.000Z');"
    "INSERT INTO contact_groups (id, owner_user_id, name, created_at)"
    " VALUES ('g1', 'u1', 'Rodina', '2026-01-01T00:00:00.000Z');"
    "INSERT INTO contact_group_members VALUES ('gm1', 'g1', 'ct1');";

static const struct migration *app_migration(void)
{
	for (const struct migration *m = db_migrations; m->version; m++)
		if (m->version == 1)
			return m;
	return NULL;
}

static int setup(void **state)
{
	static struct fixture f;
	const struct migration *m = app_migration();
	char *message = NULL;

	memset(&f, 0, sizeof(f));
	if (!m || testdb_make(TESTDB_BARE, &f.t))
		return -1;
	f.db = f.t->db;
	if (sqlite3_exec(f.db, "BEGIN", NULL, NULL, NULL) ||
	    sqlite3_exec(f.db, m->sql, NULL, NULL, &message) ||
	    sqlite3_exec(f.db, "COMMIT", NULL, NULL, NULL) ||
	    sqlite3_exec(f.db, base_rows, NULL, NULL, &message)) {
		fprintf(stderr, "# setup: %s\n", message ? message : "?");
		sqlite3_free(message);
		return -1;
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testdb_close(f->t);
	return 0;
}

/* The data model's tables, with "name TYPE" per column, in order. */
static const struct {
	const char *table;
	const char *columns;
} data_model[] = {
    {"users", "id TEXT,first_name TEXT,last_name TEXT,email TEXT,phone TEXT,"
	      "avatar_storage_key TEXT,preferred_language TEXT,"
	      "theme_preference TEXT,is_admin INTEGER,created_at TEXT,"
	      "last_login_at TEXT,is_blocked INTEGER,blocked_reason TEXT,"
	      "is_deleted INTEGER,deleted_at TEXT"},
    {"user_preferences",
     "user_id TEXT,push_new_comments INTEGER,push_mentions INTEGER,"
     "push_shared_activity INTEGER,push_draft_reminders INTEGER,"
     "email_weekly_summary INTEGER,email_invitations INTEGER,"
     "sync_enabled INTEGER,sync_on_mobile_data INTEGER"},
    {"refresh_tokens", "id TEXT,user_id TEXT,token_hash TEXT,device_info TEXT,"
		       "created_at TEXT,expires_at TEXT,revoked_at TEXT,"
		       "replaced_by_token_id TEXT"},
    {"app_settings",
     "key TEXT,value TEXT,updated_at TEXT,updated_by_user_id TEXT"},
    {"projects", "id TEXT,owner_id TEXT,name TEXT,description TEXT,"
		 "created_at TEXT,updated_at TEXT,is_deleted INTEGER,"
		 "deleted_at TEXT"},
    {"project_members", "id TEXT,project_id TEXT,user_id TEXT,role TEXT,"
			"permissions TEXT,created_at TEXT"},
    {"properties", "id TEXT,project_id TEXT,name TEXT,description TEXT,"
		   "latitude REAL,longitude REAL,geo_radius INTEGER,"
		   "created_at TEXT,updated_at TEXT,is_deleted INTEGER,"
		   "deleted_at TEXT"},
    {"property_members", "id TEXT,property_id TEXT,user_id TEXT,role TEXT,"
			 "permissions TEXT,created_at TEXT"},
    {"units", "id TEXT,property_id TEXT,parent_unit_id TEXT,name TEXT,"
	      "description TEXT,unit_type TEXT,created_at TEXT,"
	      "updated_at TEXT,is_deleted INTEGER,deleted_at TEXT"},
    {"zaznamy", "id TEXT,property_id TEXT,unit_id TEXT,title TEXT,"
		"description TEXT,date TEXT,cost INTEGER,status TEXT,"
		"flags INTEGER,created_by TEXT,created_at TEXT,"
		"updated_at TEXT,is_deleted INTEGER,deleted_at TEXT"},
    {"zaznam_dokumenty",
     "id TEXT,zaznam_id TEXT,type TEXT,storage_key TEXT,"
     "original_file_name TEXT,mime_type TEXT,size_bytes INTEGER,"
     "description TEXT,created_at TEXT,updated_at TEXT,is_deleted INTEGER,"
     "deleted_at TEXT"},
    {"tags", "id INTEGER,name TEXT,icon TEXT,sort_order INTEGER,"
	     "is_active INTEGER"},
    {"zaznam_tags", "zaznam_id TEXT,tag_id INTEGER"},
    {"comments", "id TEXT,zaznam_id TEXT,author_user_id TEXT,content TEXT,"
		 "created_at TEXT,updated_at TEXT,is_deleted INTEGER,"
		 "deleted_at TEXT"},
    {"comment_mentions", "comment_id TEXT,mentioned_user_id TEXT"},
    {"invitations", "id TEXT,token_hash TEXT,target_type TEXT,target_id TEXT,"
		    "email TEXT,role TEXT,permissions TEXT,status TEXT,"
		    "expires_at TEXT,created_at TEXT,created_by TEXT"},
    {"activities", "id TEXT,property_id TEXT,actor_user_id TEXT,type TEXT,"
		   "target_type TEXT,target_id TEXT,metadata TEXT,"
		   "created_at TEXT"},
    {"notifications", "id TEXT,user_id TEXT,type TEXT,payload TEXT,"
		      "read_at TEXT,created_at TEXT"},
    {"contacts", "id TEXT,owner_user_id TEXT,email TEXT,display_name TEXT,"
		 "created_at TEXT"},
    {"contact_groups", "id TEXT,owner_user_id TEXT,name TEXT,created_at TEXT"},
    {"contact_group_members", "id TEXT,group_id TEXT,contact_id TEXT"},
    {"audit_log", "id TEXT,entity_type TEXT,entity_id TEXT,action TEXT,"
		  "actor_user_id TEXT,diff_summary TEXT,created_at TEXT"},
    {"sync_queue", "id TEXT,user_id TEXT,entity_type TEXT,entity_id TEXT,"
		   "operation TEXT,payload TEXT,client_updated_at TEXT,"
		   "status TEXT,retry_count INTEGER,next_retry_at TEXT,"
		   "last_attempt_at TEXT,last_error TEXT,created_at TEXT"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void
test_schema_has_exactly_the_data_model_tables_and_columns(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *stmt = NULL;
	char columns[2048];

	for (size_t t = 0; t < COUNT(data_model); t++) {
		size_t len = 0;

		columns[0] = '\0';
		assert_int_equal(
		    sqlite3_prepare_v2(
			f->db,
			"SELECT name, type FROM pragma_table_info(?)"
			" ORDER BY cid",
			-1, &stmt, NULL),
		    SQLITE_OK);
		sqlite3_bind_text(stmt, 1, data_model[t].table, -1,
				  SQLITE_STATIC);
		while (sqlite3_step(stmt) == SQLITE_ROW)
			len += (size_t)snprintf(
			    columns + len, sizeof(columns) - len, "%s%s %s",
			    len ? "," : "", sqlite3_column_text(stmt, 0),
			    sqlite3_column_text(stmt, 1));
		sqlite3_finalize(stmt);
		if (strcmp(columns, data_model[t].columns) != 0)
			fail_msg("table %s: got\n  %s\nwant\n  %s",
				 data_model[t].table, columns,
				 data_model[t].columns);
	}
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM sqlite_master"
					  " WHERE type = 'table'"
					  " AND name NOT LIKE 'sqlite_%'"),
			 (int64_t)COUNT(data_model));
}

/* Each statement must fail with this extended constraint code. */
static const struct {
	const char *sql;
	int code;
} rejected[] = {
#define CHECK_FAILS(sql)                                                       \
	{                                                                      \
		sql, SQLITE_CONSTRAINT_CHECK                                   \
	}
    CHECK_FAILS("UPDATE users SET preferred_language = 'de' WHERE id = 'u1'"),
    CHECK_FAILS("UPDATE users SET theme_preference = 'blue' WHERE id = 'u1'"),
    CHECK_FAILS("UPDATE users SET is_admin = 2 WHERE id = 'u1'"),
    CHECK_FAILS("UPDATE users SET is_blocked = -1 WHERE id = 'u1'"),
    CHECK_FAILS("UPDATE users SET email = 'Jana@Example.cz' WHERE id = 'u1'"),
    CHECK_FAILS("INSERT INTO user_preferences (user_id, push_mentions)"
		" VALUES ('u1', 2)"),
    CHECK_FAILS("INSERT INTO user_preferences (user_id, sync_enabled)"
		" VALUES ('u1', 'yes')"),
    CHECK_FAILS("INSERT INTO app_settings (key, value) VALUES ('k', '{x')"),
    CHECK_FAILS("UPDATE projects SET is_deleted = 3 WHERE id = 'p1'"),
    CHECK_FAILS("UPDATE project_members SET role = 'admin' WHERE id = 'pm1'"),
    CHECK_FAILS(
	"UPDATE project_members SET permissions = '{' WHERE id = 'pm1'"),
    CHECK_FAILS("UPDATE property_members SET role = 'guest' WHERE id = 'prm1'"),
    CHECK_FAILS("UPDATE property_members SET permissions = 'x'"
		" WHERE id = 'prm1'"),
    CHECK_FAILS("UPDATE properties SET latitude = 91 WHERE id = 'pr1'"),
    CHECK_FAILS("UPDATE properties SET geo_radius = 0 WHERE id = 'pr1'"),
    CHECK_FAILS("UPDATE units SET unit_type = 'cellar' WHERE id = 'un1'"),
    CHECK_FAILS("UPDATE zaznamy SET status = 'done' WHERE id = 'z1'"),
    CHECK_FAILS("UPDATE zaznamy SET date = '2026/01/04' WHERE id = 'z1'"),
    CHECK_FAILS("UPDATE zaznamy SET is_deleted = 2 WHERE id = 'z1'"),
    CHECK_FAILS("INSERT INTO zaznam_dokumenty (id, zaznam_id, type,"
		" storage_key, created_at) VALUES ('d2', 'z1', 'video', 'k',"
		" '2026-01-01T00:00:00.000Z')"),
    CHECK_FAILS("UPDATE tags SET is_active = 2 WHERE id = 1"),
    CHECK_FAILS("UPDATE comments SET is_deleted = 5 WHERE id = 'c1'"),
    CHECK_FAILS("UPDATE invitations SET status = 'revoked' WHERE id = 'i1'"),
    CHECK_FAILS("UPDATE invitations SET target_type = 'unit' WHERE id = 'i1'"),
    CHECK_FAILS("UPDATE invitations SET role = 'boss' WHERE id = 'i1'"),
    CHECK_FAILS(
	"INSERT INTO activities (id, property_id, type, created_at)"
	" VALUES ('a1', 'pr1', 'zaznam_viewed', '2026-01-01T00:00:00Z')"),
    CHECK_FAILS("INSERT INTO activities (id, property_id, type, metadata,"
		" created_at) VALUES ('a1', 'pr1', 'member_left', '[1,',"
		" '2026-01-01T00:00:00Z')"),
    CHECK_FAILS("INSERT INTO notifications (id, user_id, type, created_at)"
		" VALUES ('n1', 'u1', 'hello', '2026-01-01T00:00:00Z')"),
    CHECK_FAILS("INSERT INTO notifications (id, user_id, type, payload,"
		" created_at) VALUES ('n1', 'u1', 'sync_failed', 'oops',"
		" '2026-01-01T00:00:00Z')"),
    CHECK_FAILS("INSERT INTO audit_log (id, entity_type, entity_id, action,"
		" diff_summary, created_at) VALUES ('al1', 'users', 'u1',"
		" 'update', '{\"a\":}', '2026-01-01T00:00:00Z')"),
#define SYNC(cols, vals)                                                       \
	CHECK_FAILS(                                                           \
	    "INSERT INTO sync_queue (id, user_id, entity_id, created_at" cols  \
	    ") VALUES ('s1', 'u1', 'e1', '2026-01-01T00:00:00Z'" vals ")")
    SYNC(", entity_type, operation, payload", ", 'tags', 'create', '{}'"),
    SYNC(", entity_type, operation, payload", ", 'units', 'upsert', '{}'"),
    SYNC(", entity_type, operation, payload, status",
	 ", 'units', 'update', '{}', 'done'"),
    SYNC(", entity_type, operation, payload", ", 'units', 'update', '{no'"),
    SYNC(", entity_type, operation", ", 'units', 'create'"),
    SYNC(", entity_type, operation, payload, retry_count",
	 ", 'units', 'update', '{}', -1"),
#undef SYNC
#undef CHECK_FAILS
    {"INSERT INTO users (id, created_at) VALUES ('u9', '2026-01-01T00:00:00Z')",
     SQLITE_CONSTRAINT_NOTNULL},
    {"INSERT INTO zaznamy (id, property_id) VALUES ('z9', 'pr1')",
     SQLITE_CONSTRAINT_NOTNULL},
    {"INSERT INTO refresh_tokens (id, user_id, token_hash, created_at)"
     " VALUES ('rt9', 'u1', 'h9', '2026-01-01T00:00:00Z')",
     SQLITE_CONSTRAINT_NOTNULL},
    /* Unique constraints */
    {"INSERT INTO users (id, email, created_at) VALUES"
     " ('u9', 'jana@example.cz', '2026-01-01T00:00:00Z')",
     SQLITE_CONSTRAINT_UNIQUE},
    {"INSERT INTO refresh_tokens (id, user_id, token_hash, created_at,"
     " expires_at) VALUES ('rt9', 'u2', 'hash1', '2026-01-01T00:00:00Z',"
     " '2026-01-02T00:00:00Z')",
     SQLITE_CONSTRAINT_UNIQUE},
    {"INSERT INTO invitations (id, token_hash, target_type, target_id, email,"
     " expires_at, created_at, created_by) VALUES ('i9', 'ih1', 'project',"
     " 'p1', 'x@example.com', '2026-01-08T00:00:00Z',"
     " '2026-01-01T00:00:00Z', 'u1')",
     SQLITE_CONSTRAINT_UNIQUE},
    {"INSERT INTO project_members (id, project_id, user_id, created_at)"
     " VALUES ('pm9', 'p1', 'u1', '2026-01-02T00:00:00Z')",
     SQLITE_CONSTRAINT_UNIQUE},
    {"INSERT INTO property_members (id, property_id, user_id, created_at)"
     " VALUES ('prm9', 'pr1', 'u1', '2026-01-02T00:00:00Z')",
     SQLITE_CONSTRAINT_UNIQUE},
    {"INSERT INTO contacts (id, owner_user_id, email, created_at) VALUES"
     " ('ct9', 'u1', 'eva@example.com', '2026-01-01T00:00:00Z')",
     SQLITE_CONSTRAINT_UNIQUE},
    {"INSERT INTO contact_group_members VALUES ('gm9', 'g1', 'ct1')",
     SQLITE_CONSTRAINT_UNIQUE},
    {"INSERT INTO tags (name) VALUES ('Oprava')", SQLITE_CONSTRAINT_UNIQUE},
    {"INSERT INTO zaznam_tags VALUES ('z1', 1)", SQLITE_CONSTRAINT_PRIMARYKEY},
    {"INSERT INTO comment_mentions VALUES ('c1', 'u2')",
     SQLITE_CONSTRAINT_PRIMARYKEY},
    {"INSERT INTO user_preferences (user_id) VALUES ('u1'), ('u1')",
     SQLITE_CONSTRAINT_PRIMARYKEY},
/* Foreign keys */
#define FK_FAILS(sql)                                                          \
	{                                                                      \
		sql, SQLITE_CONSTRAINT_FOREIGNKEY                              \
	}
    FK_FAILS("INSERT INTO user_preferences (user_id) VALUES ('nobody')"),
    FK_FAILS("INSERT INTO projects (id, owner_id, name, created_at) VALUES"
	     " ('p9', 'nobody', 'x', '2026-01-01T00:00:00Z')"),
    FK_FAILS("UPDATE project_members SET project_id = 'nothing'"
	     " WHERE id = 'pm1'"),
    FK_FAILS("UPDATE property_members SET user_id = 'nobody'"
	     " WHERE id = 'prm1'"),
    FK_FAILS("UPDATE properties SET project_id = 'nothing' WHERE id = 'pr1'"),
    FK_FAILS("UPDATE units SET parent_unit_id = 'nothing' WHERE id = 'un1'"),
    FK_FAILS("UPDATE zaznamy SET property_id = 'nothing' WHERE id = 'z1'"),
    FK_FAILS("UPDATE zaznamy SET unit_id = 'nothing' WHERE id = 'z1'"),
    FK_FAILS("UPDATE zaznamy SET created_by = 'nobody' WHERE id = 'z1'"),
    FK_FAILS(
	"INSERT INTO zaznam_dokumenty (id, zaznam_id, storage_key,"
	" created_at) VALUES ('d9', 'nothing', 'k', '2026-01-01T00:00:00Z')"),
    FK_FAILS("INSERT INTO zaznam_tags VALUES ('z1', 99)"),
    FK_FAILS("UPDATE comments SET author_user_id = 'nobody' WHERE id = 'c1'"),
    FK_FAILS("INSERT INTO comment_mentions VALUES ('c1', 'nobody')"),
    FK_FAILS("UPDATE invitations SET created_by = 'nobody' WHERE id = 'i1'"),
    FK_FAILS(
	"INSERT INTO activities (id, property_id, type, created_at)"
	" VALUES ('a9', 'nothing', 'member_left', '2026-01-01T00:00:00Z')"),
    FK_FAILS("INSERT INTO notifications (id, user_id, type, created_at)"
	     " VALUES ('n9', 'nobody', 'sync_failed', '2026-01-01T00:00:00Z')"),
    FK_FAILS("UPDATE refresh_tokens SET replaced_by_token_id = 'nothing'"
	     " WHERE id = 'rt1'"),
    FK_FAILS("INSERT INTO app_settings (key, value, updated_by_user_id)"
	     " VALUES ('k', '1', 'nobody')"),
    FK_FAILS("INSERT INTO contact_group_members VALUES ('gm9', 'g1', 'x')"),
    FK_FAILS("INSERT INTO sync_queue (id, user_id, entity_type, entity_id,"
	     " operation, created_at) VALUES ('s9', 'nobody', 'units', 'e',"
	     " 'delete', '2026-01-01T00:00:00Z')"),
    /* A project owner cannot be purged while the project exists. */
    FK_FAILS("DELETE FROM users WHERE id = 'u1'"),
    /* A tag in use is deactivated, not deleted. */
    FK_FAILS("DELETE FROM tags WHERE id = 1"),
#undef FK_FAILS
};

static void
test_schema_rejects_bad_enums_booleans_json_duplicates_and_orphans(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < COUNT(rejected); i++) {
		int rc = sqlite3_exec(f->db, rejected[i].sql, NULL, NULL, NULL);

		if (rc == SQLITE_OK ||
		    sqlite3_extended_errcode(f->db) != rejected[i].code)
			fail_msg("case %zu was not rejected as expected (rc %d,"
				 " extended %d, want %d): %s\n  %s",
				 i, rc, sqlite3_extended_errcode(f->db),
				 rejected[i].code, sqlite3_errmsg(f->db),
				 rejected[i].sql);
	}
}

/* Minimal inserts of the conventions (ids, foreign keys, names/emails,
 * created_at, expires_at) and what the row must read back as. */
static const struct {
	const char *insert, *check;
} minimal[] = {
    {"INSERT INTO users (id, email, created_at) VALUES ('m', 'm@x.cz',"
     " '2026-03-01T10:00:00.000Z')",
     "SELECT preferred_language = 'cs' AND theme_preference = 'system'"
     " AND is_admin = 0 AND is_blocked = 0 AND is_deleted = 0"
     " AND deleted_at IS NULL FROM users WHERE id = 'm'"},
    {"INSERT INTO user_preferences (user_id) VALUES ('u2')",
     "SELECT push_new_comments = 1 AND push_mentions = 1"
     " AND push_shared_activity = 1 AND push_draft_reminders = 1"
     " AND email_weekly_summary = 0 AND email_invitations = 1"
     " AND sync_enabled = 1 AND sync_on_mobile_data = 0"
     " FROM user_preferences WHERE user_id = 'u2'"},
    {"INSERT INTO app_settings (key, value) VALUES ('m', '1')",
     "SELECT length(updated_at) = 24 AND updated_at LIKE "
     "'____-__-__T__:__:__.___Z'"
     " FROM app_settings WHERE key = 'm'"},
    {"INSERT INTO projects (id, owner_id, name, created_at) VALUES"
     " ('m', 'u2', 'Chata', '2026-03-01T10:00:00.000Z')",
     "SELECT is_deleted = 0 FROM projects WHERE id = 'm'"},
    {"INSERT INTO project_members (id, project_id, user_id, created_at)"
     " VALUES ('m', 'p1', 'u2', '2026-03-01T10:00:00.000Z')",
     "SELECT role = 'viewer' AND permissions IS NULL FROM project_members"
     " WHERE id = 'm'"},
    {"INSERT INTO properties (id, project_id, name, created_at) VALUES"
     " ('m', 'p1', 'Byt', '2026-03-01T10:00:00.000Z')",
     "SELECT geo_radius = 100 AND is_deleted = 0 AND latitude IS NULL"
     " FROM properties WHERE id = 'm'"},
    {"INSERT INTO property_members (id, property_id, user_id, created_at)"
     " VALUES ('m', 'pr1', 'u2', '2026-03-01T10:00:00.000Z')",
     "SELECT role = 'viewer' FROM property_members WHERE id = 'm'"},
    {"INSERT INTO units (id, property_id, name, created_at) VALUES"
     " ('m', 'pr1', 'Sklep', '2026-03-01T10:00:00.000Z')",
     "SELECT unit_type = 'other' AND is_deleted = 0 FROM units"
     " WHERE id = 'm'"},
    {"INSERT INTO zaznamy (id, property_id, created_at) VALUES"
     " ('m', 'pr1', '2026-03-01T10:00:00.000Z')",
     "SELECT status = 'draft' AND flags = 0 AND is_deleted = 0"
     " AND cost IS NULL AND created_by IS NULL FROM zaznamy WHERE id = 'm'"},
    {"INSERT INTO zaznam_dokumenty (id, zaznam_id, storage_key, created_at)"
     " VALUES ('m', 'z1', 'documents/pr1/z1/m.pdf', "
     "'2026-03-01T10:00:00.000Z')",
     "SELECT type = 'document' AND is_deleted = 0 FROM zaznam_dokumenty"
     " WHERE id = 'm'"},
    {"INSERT INTO tags (name) VALUES ('Jiné')",
     "SELECT sort_order = 0 AND is_active = 0 FROM tags WHERE name = 'Jiné'"},
    {"INSERT INTO comments (id, zaznam_id, author_user_id, content,"
     " created_at) VALUES ('m', 'z1', 'u2', 'ok', '2026-03-01T10:00:00.000Z')",
     "SELECT is_deleted = 0 FROM comments WHERE id = 'm'"},
    {"INSERT INTO invitations (id, token_hash, target_type, target_id, email,"
     " expires_at, created_at, created_by) VALUES ('m', 'mh', 'property',"
     " 'pr1', 'x@y.cz', '2026-03-08T10:00:00.000Z',"
     " '2026-03-01T10:00:00.000Z', 'u2')",
     "SELECT status = 'pending' AND role = 'viewer' FROM invitations"
     " WHERE id = 'm'"},
    {"INSERT INTO activities (id, property_id, type, created_at) VALUES"
     " ('m', 'pr1', 'member_joined', '2026-03-01T10:00:00.000Z')",
     "SELECT metadata IS NULL AND actor_user_id IS NULL FROM activities"
     " WHERE id = 'm'"},
    {"INSERT INTO notifications (id, user_id, type, created_at) VALUES"
     " ('m', 'u2', 'export_failed', '2026-03-01T10:00:00.000Z')",
     "SELECT payload = '{}' AND read_at IS NULL FROM notifications"
     " WHERE id = 'm'"},
    {"INSERT INTO sync_queue (id, user_id, entity_type, entity_id, operation,"
     " created_at) VALUES ('m', 'u2', 'zaznamy', 'z1', 'delete',"
     " '2026-03-01T10:00:00.000Z')",
     "SELECT status = 'pending' AND retry_count = 0 AND payload IS NULL"
     " FROM sync_queue WHERE id = 'm'"},
    {"INSERT INTO contacts (id, owner_user_id, email, created_at) VALUES"
     " ('m', 'u2', 'x@y.cz', '2026-03-01T10:00:00.000Z')",
     "SELECT display_name IS NULL FROM contacts WHERE id = 'm'"},
    {"INSERT INTO audit_log (id, entity_type, entity_id, action, created_at)"
     " VALUES ('m', 'users', 'u1', 'login', '2026-03-01T10:00:00.000Z')",
     "SELECT diff_summary IS NULL FROM audit_log WHERE id = 'm'"},
};

static void
test_schema_minimal_insert_gets_the_convention_defaults(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < COUNT(minimal); i++) {
		char *message = NULL;

		if (sqlite3_exec(f->db, minimal[i].insert, NULL, NULL,
				 &message) != SQLITE_OK)
			fail_msg("minimal insert %zu failed: %s\n  %s", i,
				 message, minimal[i].insert);
		if (testdb_int(f->db, minimal[i].check) != 1)
			fail_msg("defaults wrong after: %s\n  check: %s",
				 minimal[i].insert, minimal[i].check);
	}
}

static void test_schema_updated_at_defaults_to_created_at_but_keeps_a_given_one(
    void **state)
{
	static const char *const tables[] = {
	    "projects", "properties",	    "units",
	    "zaznamy",	"zaznam_dokumenty", "comments"};
	struct fixture *f = *state;
	char sql[256];

	assert_int_equal(sqlite3_exec(f->db,
				      "INSERT INTO zaznamy (id, property_id,"
				      " created_at, updated_at) VALUES ('z2',"
				      " 'pr1', '2026-01-01T00:00:00.000Z',"
				      " '2026-02-02T00:00:00.000Z')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < COUNT(tables); i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM %s WHERE updated_at IS NULL"
			 " OR (updated_at != created_at AND id != 'z2')",
			 tables[i]);
		assert_int_equal(testdb_int(f->db, sql), 0);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s",
			 tables[i]);
		assert_true(testdb_int(f->db, sql) >= 1);
	}
	assert_int_equal(testdb_int(f->db, "SELECT updated_at ="
					  " '2026-02-02T00:00:00.000Z'"
					  " FROM zaznamy WHERE id = 'z2'"),
			 1);
}

static void test_schema_seeds_the_ten_active_tags_in_order(void **state)
{
	static const char *const names[] = {
	    "Oprava",  "Údržba",    "Vylepšení", "Nákup",  "Revize",
	    "Havárie", "Pojištění", "Smlouva",	 "Platba", "Záruka"};
	struct fixture *f = *state;
	sqlite3_stmt *stmt = NULL;
	size_t n = 0;

	assert_int_equal(sqlite3_prepare_v2(f->db,
					    "SELECT name, icon, is_active FROM"
					    " tags ORDER BY sort_order, id",
					    -1, &stmt, NULL),
			 SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		assert_true(n < COUNT(names));
		assert_string_equal(sqlite3_column_text(stmt, 0), names[n]);
		assert_non_null(sqlite3_column_text(stmt, 1));
		assert_int_equal(sqlite3_column_int(stmt, 2), 1);
		n++;
	}
	sqlite3_finalize(stmt);
	assert_int_equal(n, COUNT(names));
}

static void
test_schema_purge_cascades_subtrees_and_unlinks_history(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    sqlite3_exec(
		f->db,
		"INSERT INTO refresh_tokens (id, user_id, token_hash,"
		" created_at, expires_at) VALUES ('rt2', 'u1', 'hash2',"
		" '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');"
		"UPDATE refresh_tokens SET replaced_by_token_id = 'rt2'"
		" WHERE id = 'rt1';"
		"INSERT INTO activities (id, property_id, actor_user_id, type,"
		" created_at) VALUES ('a1', 'pr1', 'u2', 'comment_added',"
		" '2026-01-05T00:00:00Z');"
		"DELETE FROM refresh_tokens WHERE id = 'rt2';"
		"DELETE FROM comments WHERE id = 'c1';"
		"DELETE FROM users WHERE id = 'u2';",
		NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(testdb_int(f->db, "SELECT replaced_by_token_id IS NULL"
				   " FROM refresh_tokens WHERE id = 'rt1'"),
			 1);
	assert_int_equal(
	    testdb_int(f->db, "SELECT count(*) FROM comment_mentions"), 0);
	assert_int_equal(testdb_int(f->db, "SELECT actor_user_id IS NULL FROM"
					  " activities WHERE id = 'a1'"),
			 1);
	assert_int_equal(
	    sqlite3_exec(f->db, "DELETE FROM projects", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(testdb_int(f->db, "SELECT (SELECT count(*) FROM"
				   " properties) + (SELECT count(*) FROM"
				   " units) + (SELECT count(*) FROM zaznamy)"
				   " + (SELECT count(*) FROM zaznam_tags)"
				   " + (SELECT count(*) FROM activities)"
				   " + (SELECT count(*) FROM project_members)"),
			 0);
}

static void test_schema_has_the_indexes_the_jobs_depend_on(void **state)
{
	static const struct {
		const char *table, *columns; /* leading columns of some index */
	} wanted[] = {
	    {"zaznamy", "status,created_at"},
	    {"zaznam_dokumenty", "zaznam_id"},
	    {"invitations", "status,expires_at"},
	    {"activities", "created_at"},
	    {"activities", "property_id,created_at"},
	    {"notifications", "user_id"},
	    {"notifications", "user_id,type"},
	    {"notifications", "read_at,created_at"},
	    {"refresh_tokens", "expires_at"},
	    {"refresh_tokens", "revoked_at"},
	    {"sync_queue", "status,next_retry_at"},
	    {"zaznamy", "created_by"},
	    {"comments", "zaznam_id"},
	    {"sync_queue", "user_id"},
	    {"activities", "target_id,created_at"},
	};
	struct fixture *f = *state;
	sqlite3_stmt *stmt = NULL;

	assert_int_equal(
	    sqlite3_prepare_v2(
		f->db,
		"SELECT count(*) FROM pragma_index_list(?1) AS l"
		" WHERE (SELECT group_concat(name, ',') FROM"
		" (SELECT name FROM pragma_index_info(l.name)"
		" ORDER BY seqno LIMIT length(?2) - length(replace(?2,"
		" ',', '')) + 1)) = ?2",
		-1, &stmt, NULL),
	    SQLITE_OK);
	for (size_t i = 0; i < COUNT(wanted); i++) {
		sqlite3_bind_text(stmt, 1, wanted[i].table, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, wanted[i].columns, -1,
				  SQLITE_STATIC);
		assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
		if (sqlite3_column_int(stmt, 0) < 1)
			fail_msg("no index on %s(%s)", wanted[i].table,
				 wanted[i].columns);
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(test_schema_has_exactly_the_data_model_tables_and_columns),
	    T(test_schema_rejects_bad_enums_booleans_json_duplicates_and_orphans),
	    T(test_schema_minimal_insert_gets_the_convention_defaults),
	    T(test_schema_updated_at_defaults_to_created_at_but_keeps_a_given_one),
	    T(test_schema_seeds_the_ten_active_tags_in_order),
	    T(test_schema_purge_cascades_subtrees_and_unlinks_history),
	    T(test_schema_has_the_indexes_the_jobs_depend_on),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
