/*
 * app_tables.c - the app tables described once (see app_tables.h).
 *
 * One entry per table of schema/001_app.sql, columns in schema order; the
 * tables export.json shows come first, in the order of its sections (as
 * design.md lists them for export_data). test_app_tables checks every
 * column against PRAGMA table_info of a migrated database and that every
 * app table of the schema is here, so a schema change without a change
 * here fails the build's tests.
 *
 * A column line reads: its schema facts (COL: name, kind, NOT NULL,
 * DEFAULT as SQLite prints it, place in the primary key), then what it
 * points into (FK), then what sync and export make of it.
 */
#include "app/app_tables.h"
#include "base/buf.h"
#include "base/err.h"

#include <string.h>

#define COL(n, k, nn, d, p)                                                    \
	.name = n, .kind = k, .not_null = nn, .dflt = d, .pk = p
#define FK(table, what) .parent = table, .noun = what
#define OUT(k, at) .key = k, .export_at = at
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define TABLE(cols) .columns = cols, .column_count = COUNT(cols)

/* The columns most tables end with. */
#define SOFT_DELETE                                                            \
	{COL("is_deleted", APP_BOOL, 1, "0", 0)},                              \
	{                                                                      \
		COL("deleted_at", APP_TIME, 0, NULL, 0)                        \
	}

/* clang-format off */
static const struct app_column users[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("first_name", APP_TEXT, 0, NULL, 0), OUT("firstName", 3)},
	{COL("last_name", APP_TEXT, 0, NULL, 0), OUT("lastName", 4)},
	{COL("email", APP_TEXT, 1, NULL, 0), OUT("email", 2)},
	{COL("phone", APP_TEXT, 0, NULL, 0), OUT("phone", 5)},
	{COL("avatar_storage_key", APP_STORAGE_KEY, 0, NULL, 0), OUT("avatarStorageKey", 6)},
	{COL("preferred_language", APP_TEXT, 1, "'cs'", 0), OUT("preferredLanguage", 7)},
	{COL("theme_preference", APP_TEXT, 1, "'system'", 0), OUT("themePreference", 8)},
	{COL("is_admin", APP_BOOL, 1, "0", 0), OUT("isAdmin", 9)},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 10)},
	{COL("last_login_at", APP_TIME, 0, NULL, 0), OUT("lastLoginAt", 11)},
	{COL("is_blocked", APP_BOOL, 1, "0", 0)},
	{COL("blocked_reason", APP_TEXT, 0, NULL, 0)},
	SOFT_DELETE,
};

static const struct app_column user_preferences[] = {
	{COL("user_id", APP_ID, 1, NULL, 1), FK("users", "user")},
	{COL("push_new_comments", APP_BOOL, 1, "1", 0), OUT("pushNewComments", 1)},
	{COL("push_mentions", APP_BOOL, 1, "1", 0), OUT("pushMentions", 2)},
	{COL("push_shared_activity", APP_BOOL, 1, "1", 0), OUT("pushSharedActivity", 3)},
	{COL("push_draft_reminders", APP_BOOL, 1, "1", 0), OUT("pushDraftReminders", 4)},
	{COL("email_weekly_summary", APP_BOOL, 1, "0", 0), OUT("emailWeeklySummary", 5)},
	{COL("email_invitations", APP_BOOL, 1, "1", 0), OUT("emailInvitations", 6)},
	{COL("sync_enabled", APP_BOOL, 1, "1", 0), OUT("syncEnabled", 7)},
	{COL("sync_on_mobile_data", APP_BOOL, 1, "0", 0), OUT("syncOnMobileData", 8)},
};

static const struct app_column projects[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("owner_id", APP_ID, 1, NULL, 0), FK("users", "user"), OUT("ownerId", 2), .flags = APP_SYNCED | APP_SYNC_OWNER},
	{COL("name", APP_TEXT, 1, NULL, 0), OUT("name", 3), .flags = APP_SYNCED},
	{COL("description", APP_TEXT, 0, NULL, 0), OUT("description", 4), .flags = APP_SYNCED},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 5)},
	{COL("updated_at", APP_TIME, 0, "NULL", 0), OUT("updatedAt", 6)},
	SOFT_DELETE,
};

static const struct app_column project_members[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("project_id", APP_ID, 1, NULL, 0), FK("projects", "project"), OUT("projectId", 2)},
	{COL("user_id", APP_ID, 1, NULL, 0), FK("users", "user"), OUT("userId", 3)},
	{COL("role", APP_TEXT, 1, "'viewer'", 0), OUT("role", 4)},
	{COL("permissions", APP_JSON, 0, NULL, 0), OUT("permissions", 5)},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 6)},
};

static const struct app_column properties[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("project_id", APP_ID, 1, NULL, 0), FK("projects", "parent project"), OUT("projectId", 2), .flags = APP_SYNCED},
	{COL("name", APP_TEXT, 1, NULL, 0), OUT("name", 3), .flags = APP_SYNCED},
	{COL("description", APP_TEXT, 0, NULL, 0), OUT("description", 4), .flags = APP_SYNCED},
	{COL("latitude", APP_REAL, 0, NULL, 0), OUT("latitude", 5), .flags = APP_SYNCED},
	{COL("longitude", APP_REAL, 0, NULL, 0), OUT("longitude", 6), .flags = APP_SYNCED},
	{COL("geo_radius", APP_INTEGER, 1, "100", 0), OUT("geoRadius", 7), .flags = APP_SYNCED},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 8)},
	{COL("updated_at", APP_TIME, 0, "NULL", 0), OUT("updatedAt", 9)},
	SOFT_DELETE,
};

static const struct app_column property_members[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("property_id", APP_ID, 1, NULL, 0), FK("properties", "property"), OUT("propertyId", 2)},
	{COL("user_id", APP_ID, 1, NULL, 0), FK("users", "user"), OUT("userId", 3)},
	{COL("role", APP_TEXT, 1, "'viewer'", 0), OUT("role", 4)},
	{COL("permissions", APP_JSON, 0, NULL, 0), OUT("permissions", 5)},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 6)},
};

static const struct app_column units[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("property_id", APP_ID, 1, NULL, 0), FK("properties", "parent property"), OUT("propertyId", 2), .flags = APP_SYNCED},
	{COL("parent_unit_id", APP_ID, 0, NULL, 0), FK("units", "parent unit"), OUT("parentUnitId", 3), .flags = APP_SYNCED},
	{COL("name", APP_TEXT, 1, NULL, 0), OUT("name", 4), .flags = APP_SYNCED},
	{COL("description", APP_TEXT, 0, NULL, 0), OUT("description", 5), .flags = APP_SYNCED},
	{COL("unit_type", APP_TEXT, 1, "'other'", 0), OUT("unitType", 6), .flags = APP_SYNCED},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 7)},
	{COL("updated_at", APP_TIME, 0, "NULL", 0), OUT("updatedAt", 8)},
	SOFT_DELETE,
};

static const struct app_column zaznamy[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("property_id", APP_ID, 1, NULL, 0), FK("properties", "parent property"), OUT("propertyId", 2), .flags = APP_SYNCED},
	{COL("unit_id", APP_ID, 0, NULL, 0), FK("units", "unit"), OUT("unitId", 3), .flags = APP_SYNCED},
	{COL("title", APP_TEXT, 0, NULL, 0), OUT("title", 4), .flags = APP_SYNCED},
	{COL("description", APP_TEXT, 0, NULL, 0), OUT("description", 5), .flags = APP_SYNCED},
	{COL("date", APP_DATE, 0, NULL, 0), OUT("date", 6), .flags = APP_SYNCED},
	{COL("cost", APP_INTEGER, 0, NULL, 0), OUT("cost", 7), .flags = APP_SYNCED},
	{COL("status", APP_TEXT, 1, "'draft'", 0), OUT("status", 8), .flags = APP_SYNCED},
	{COL("flags", APP_INTEGER, 1, "0", 0), OUT("flags", 9), .flags = APP_SYNCED},
	{COL("created_by", APP_ID, 0, NULL, 0), FK("users", "user"), OUT("createdBy", 10), .flags = APP_SYNCED},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 11)},
	{COL("updated_at", APP_TIME, 0, "NULL", 0), OUT("updatedAt", 12)},
	SOFT_DELETE,
};

static const struct app_column zaznam_dokumenty[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("zaznam_id", APP_ID, 1, NULL, 0), FK("zaznamy", "parent zaznam"), OUT("zaznamId", 2), .export_as = "recordId", .flags = APP_SYNCED},
	{COL("type", APP_TEXT, 1, "'document'", 0), OUT("type", 3), .flags = APP_SYNCED},
	{COL("storage_key", APP_STORAGE_KEY, 1, NULL, 0), OUT("storageKey", 4), .flags = APP_SYNCED},
	{COL("original_file_name", APP_TEXT, 0, NULL, 0), OUT("originalFileName", 5), .flags = APP_SYNCED},
	{COL("mime_type", APP_TEXT, 0, NULL, 0), OUT("mimeType", 6), .flags = APP_SYNCED},
	{COL("size_bytes", APP_INTEGER, 0, NULL, 0), OUT("sizeBytes", 7), .flags = APP_SYNCED},
	{COL("description", APP_TEXT, 0, NULL, 0), OUT("description", 8), .flags = APP_SYNCED},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 9)},
	{COL("updated_at", APP_TIME, 0, "NULL", 0), OUT("updatedAt", 10)},
	SOFT_DELETE,
};

static const struct app_column contacts[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("owner_user_id", APP_ID, 1, NULL, 0), FK("users", "user")},
	{COL("email", APP_TEXT, 1, NULL, 0), OUT("email", 2)},
	{COL("display_name", APP_TEXT, 0, NULL, 0), OUT("displayName", 3)},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 4)},
};

static const struct app_column contact_groups[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("owner_user_id", APP_ID, 1, NULL, 0), FK("users", "user")},
	{COL("name", APP_TEXT, 1, NULL, 0), OUT("name", 2)},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 3)},
};

static const struct app_column invitations[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("token_hash", APP_TEXT, 1, NULL, 0)},
	{COL("target_type", APP_TEXT, 1, NULL, 0), OUT("targetType", 2)},
	{COL("target_id", APP_ID, 1, NULL, 0), OUT("targetId", 3)},
	{COL("email", APP_TEXT, 1, NULL, 0), OUT("email", 4)},
	{COL("role", APP_TEXT, 1, "'viewer'", 0), OUT("role", 5)},
	{COL("permissions", APP_JSON, 0, NULL, 0), OUT("permissions", 6)},
	{COL("status", APP_TEXT, 1, "'pending'", 0), OUT("status", 7)},
	{COL("expires_at", APP_TIME, 1, NULL, 0), OUT("expiresAt", 8)},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 9)},
	{COL("created_by", APP_ID, 1, NULL, 0), FK("users", "user"), OUT("createdBy", 10)},
};

static const struct app_column notifications[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("user_id", APP_ID, 1, NULL, 0), FK("users", "user")},
	{COL("type", APP_TEXT, 1, NULL, 0), OUT("type", 2)},
	{COL("payload", APP_JSON, 1, "'{}'", 0), OUT("payload", 3)},
	{COL("read_at", APP_TIME, 0, NULL, 0), OUT("readAt", 4)},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 5)},
};

static const struct app_column comments[] = {
	{COL("id", APP_ID, 1, NULL, 1), OUT("id", 1)},
	{COL("zaznam_id", APP_ID, 1, NULL, 0), FK("zaznamy", "zaznam")},
	{COL("author_user_id", APP_ID, 1, NULL, 0), FK("users", "user"), OUT("authorUserId", 2)},
	{COL("content", APP_TEXT, 1, NULL, 0), OUT("content", 3)},
	{COL("created_at", APP_TIME, 1, NULL, 0), OUT("createdAt", 4)},
	{COL("updated_at", APP_TIME, 0, "NULL", 0), OUT("updatedAt", 5)},
	SOFT_DELETE,
};

static const struct app_column refresh_tokens[] = {
	{COL("id", APP_ID, 1, NULL, 1)},
	{COL("user_id", APP_ID, 1, NULL, 0), FK("users", "user")},
	{COL("token_hash", APP_TEXT, 1, NULL, 0)},
	{COL("device_info", APP_TEXT, 0, NULL, 0)},
	{COL("created_at", APP_TIME, 1, NULL, 0)},
	{COL("expires_at", APP_TIME, 1, NULL, 0)},
	{COL("revoked_at", APP_TIME, 0, NULL, 0)},
	{COL("replaced_by_token_id", APP_ID, 0, NULL, 0), FK("refresh_tokens", "token")},
};

static const struct app_column app_settings[] = {
	{COL("key", APP_ID, 1, NULL, 1)},
	{COL("value", APP_JSON, 1, NULL, 0)},
	{COL("updated_at", APP_TIME, 1, "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", 0)},
	{COL("updated_by_user_id", APP_ID, 0, NULL, 0), FK("users", "user")},
};

static const struct app_column tags[] = {
	{COL("id", APP_INTEGER, 0, NULL, 1)},
	{COL("name", APP_TEXT, 1, NULL, 0)},
	{COL("icon", APP_TEXT, 0, NULL, 0)},
	{COL("sort_order", APP_INTEGER, 1, "0", 0)},
	{COL("is_active", APP_BOOL, 1, "0", 0)},
};

static const struct app_column zaznam_tags[] = {
	{COL("zaznam_id", APP_ID, 1, NULL, 1), FK("zaznamy", "zaznam")},
	{COL("tag_id", APP_INTEGER, 1, NULL, 2), FK("tags", "tag")},
};

static const struct app_column comment_mentions[] = {
	{COL("comment_id", APP_ID, 1, NULL, 1), FK("comments", "comment")},
	{COL("mentioned_user_id", APP_ID, 1, NULL, 2), FK("users", "user")},
};

static const struct app_column activities[] = {
	{COL("id", APP_ID, 1, NULL, 1)},
	{COL("property_id", APP_ID, 1, NULL, 0), FK("properties", "property")},
	{COL("actor_user_id", APP_ID, 0, NULL, 0), FK("users", "user")},
	{COL("type", APP_TEXT, 1, NULL, 0)},
	{COL("target_type", APP_TEXT, 0, NULL, 0)},
	{COL("target_id", APP_ID, 0, NULL, 0)},
	{COL("metadata", APP_JSON, 0, NULL, 0)},
	{COL("created_at", APP_TIME, 1, NULL, 0)},
};

static const struct app_column contact_group_members[] = {
	{COL("id", APP_ID, 1, NULL, 1)},
	{COL("group_id", APP_ID, 1, NULL, 0), FK("contact_groups", "contact group")},
	{COL("contact_id", APP_ID, 1, NULL, 0), FK("contacts", "contact")},
};

static const struct app_column audit_log[] = {
	{COL("id", APP_ID, 1, NULL, 1)},
	{COL("entity_type", APP_TEXT, 1, NULL, 0)},
	{COL("entity_id", APP_ID, 1, NULL, 0)},
	{COL("action", APP_TEXT, 1, NULL, 0)},
	{COL("actor_user_id", APP_ID, 0, NULL, 0)},
	{COL("diff_summary", APP_JSON, 0, NULL, 0)},
	{COL("created_at", APP_TIME, 1, NULL, 0)},
};

static const struct app_column sync_queue[] = {
	{COL("id", APP_ID, 1, NULL, 1)},
	{COL("user_id", APP_ID, 1, NULL, 0), FK("users", "user")},
	{COL("entity_type", APP_TEXT, 1, NULL, 0)},
	{COL("entity_id", APP_ID, 1, NULL, 0)},
	{COL("operation", APP_TEXT, 1, NULL, 0)},
	{COL("payload", APP_JSON, 0, NULL, 0)},
	{COL("client_updated_at", APP_TIME, 0, NULL, 0)},
	{COL("status", APP_TEXT, 1, "'pending'", 0)},
	{COL("retry_count", APP_INTEGER, 1, "0", 0)},
	{COL("next_retry_at", APP_TIME, 0, NULL, 0)},
	{COL("last_attempt_at", APP_TIME, 0, NULL, 0)},
	{COL("last_error", APP_TEXT, 0, NULL, 0)},
	{COL("created_at", APP_TIME, 1, NULL, 0)},
};

/* Fields of export.json rows that are not columns; t is the row. */
static const struct app_extra record_extras[] = {
	{.key = "tags", .sql =
	 "(SELECT json_group_array(name) FROM (\n"
	 "           SELECT tg.name FROM zaznam_tags zt JOIN tags tg ON tg.id = zt.tag_id\n"
	 "            WHERE zt.zaznam_id = t.id ORDER BY tg.sort_order, tg.id))"},
	{.key = "comments", .nested = "comments", .link = "zaznam_id", .order = "n.created_at, n.id"},
	{.key = NULL},
};

/* ?4: the export has files; ?5: photos are among them. */
static const struct app_extra document_extras[] = {
	{.key = "file", .sql =
	 "CASE WHEN ?4 AND (?5 OR t.type <> 'photo')\n"
	 "                    THEN 'files/' || t.storage_key END"},
	{.key = NULL},
};

static const struct app_extra group_extras[] = {
	{.key = "contactIds", .sql =
	 "(SELECT json_group_array(contact_id) FROM (\n"
	 "           SELECT contact_id FROM contact_group_members\n"
	 "            WHERE group_id = t.id ORDER BY contact_id))"},
	{.key = NULL},
};

const struct app_table app_tables[] = {
	{"users", "user", TABLE(users), "user", 1, APP_SCOPE_SELF, "id"},
	{"user_preferences", "preferences", TABLE(user_preferences), "preferences", 1, APP_SCOPE_USER, "user_id"},
	{"projects", "project", TABLE(projects), "projects", 0, APP_SCOPE_PROJECT, "id", .sync_type = "projects"},
	{"project_members", "project member", TABLE(project_members), "projectMembers", 0, APP_SCOPE_PROJECT, "project_id"},
	{"properties", "property", TABLE(properties), "properties", 0, APP_SCOPE_PROPERTY, "id", .sync_type = "properties"},
	{"property_members", "property member", TABLE(property_members), "propertyMembers", 0, APP_SCOPE_PROPERTY, "property_id"},
	{"units", "unit", TABLE(units), "units", 0, APP_SCOPE_PROPERTY, "property_id", .sync_type = "units"},
	{"zaznamy", "zaznam", TABLE(zaznamy), "records", 0, APP_SCOPE_PROPERTY, "property_id", record_extras, .sync_type = "zaznamy"},
	{"zaznam_dokumenty", "document", TABLE(zaznam_dokumenty), "documents", 0, APP_SCOPE_RECORD, "zaznam_id", document_extras, .sync_type = "dokumenty"},
	{"contacts", "contact", TABLE(contacts), "contacts", 0, APP_SCOPE_USER, "owner_user_id"},
	{"contact_groups", "contact group", TABLE(contact_groups), "contactGroups", 0, APP_SCOPE_USER, "owner_user_id", group_extras},
	{"invitations", "invitation", TABLE(invitations), "invitations", 0, APP_SCOPE_INVITED, "created_by"},
	{"notifications", "notification", TABLE(notifications), "notifications", 0, APP_SCOPE_USER, "user_id"},
	{"comments", "comment", TABLE(comments), .scope = APP_SCOPE_NESTED, .owner = "zaznam_id"},
	{"zaznam_tags", "record tag", TABLE(zaznam_tags), .why_not = "exported as each record's tags"},
	{"contact_group_members", "group member", TABLE(contact_group_members), .why_not = "exported as each contact group's contactIds"},
	{"refresh_tokens", "refresh token", TABLE(refresh_tokens), .why_not = "login sessions and token hashes, not the user's data"},
	{"app_settings", "setting", TABLE(app_settings), .why_not = "the appliance's settings, no user's"},
	{"tags", "tag", TABLE(tags), .why_not = "the app's fixed list; a record exports its tag names"},
	{"comment_mentions", "mention", TABLE(comment_mentions), .why_not = "not in export_data's list (design.md)"},
	{"activities", "activity", TABLE(activities), .why_not = "not in export_data's list (design.md)"},
	{"audit_log", "audit entry", TABLE(audit_log), .why_not = "not in export_data's list (design.md)"},
	{"sync_queue", "sync item", TABLE(sync_queue), .why_not = "the app's outbox of changes; applied by sync, not exported"},
};
/* clang-format on */

const size_t app_table_count = COUNT(app_tables);

const struct app_table *app_table_find(const char *name)
{
	for (size_t i = 0; name && i < app_table_count; i++)
		if (strcmp(app_tables[i].name, name) == 0)
			return &app_tables[i];
	return NULL;
}

const struct app_table *app_table_for_sync(const char *type)
{
	for (size_t i = 0; type && i < app_table_count; i++)
		if (app_tables[i].sync_type &&
		    strcmp(app_tables[i].sync_type, type) == 0)
			return &app_tables[i];
	return NULL;
}

const struct app_column *app_table_column(const struct app_table *t,
					  const char *name)
{
	for (size_t i = 0; name && i < t->column_count; i++)
		if (strcmp(t->columns[i].name, name) == 0)
			return &t->columns[i];
	return NULL;
}

const char *app_kind_type(enum app_kind kind)
{
	switch (kind) {
	case APP_INTEGER:
	case APP_BOOL:
		return "INTEGER";
	case APP_REAL:
		return "REAL";
	case APP_ID:
	case APP_TEXT:
	case APP_TIME:
	case APP_DATE:
	case APP_JSON:
	case APP_STORAGE_KEY:
		break;
	}
	return "TEXT";
}

const char *app_column_export_key(const struct app_column *c)
{
	return c->export_as ? c->export_as : c->key;
}

int app_column_is_required(const struct app_column *c)
{
	return c->not_null && !c->dflt;
}

/* A default worth writing: DEFAULT NULL is what a bound NULL is anyway. */
static int has_default(const struct app_column *c)
{
	return c->dflt && strcmp(c->dflt, "NULL") != 0;
}

int app_sql_insert(const struct app_table *t, struct buf *out, struct err *e)
{
	int rc = buf_printf(out, "INSERT INTO %s (", t->name);

	for (size_t i = 0; !rc && i < t->column_count; i++)
		rc = buf_printf(out, "%s%s", i ? ", " : "", t->columns[i].name);
	rc = rc ? rc : buf_puts(out, ") VALUES (");
	for (size_t i = 0; !rc && i < t->column_count; i++) {
		const struct app_column *c = &t->columns[i];

		if (has_default(c))
			rc = buf_printf(out, "%scoalesce(?%zu, %s)",
					i ? ", " : "", i + 1, c->dflt);
		else
			rc = buf_printf(out, "%s?%zu", i ? ", " : "", i + 1);
	}
	rc = rc ? rc : buf_putc(out, ')');
	return rc ? err_set(e, rc, "cannot build the insert into %s", t->name)
		  : 0;
}
