/*
 * export_json.c - export.json of one user, produced piece by piece.
 *
 * Each section is one SQL statement that returns (key, row as JSON text)
 * in key order, built by SQLite's json_object() so that field names and
 * NULLs are spelled in one place; we parse each row into cJSON and print
 * it pretty with cJSON_PrintBuffered, indented to its depth. Pages are
 * keyset-paged (key > last key), so a piece is one bounded query and the
 * export never holds more than one page.
 *
 * Pages are separate reads: rows changed between two pieces may show in
 * their new state or not at all; an export is a snapshot per page.
 */
#include "app/export_json.h"
#include "base/buf.h"
#include "base/clock.h"
#include "db/db.h"
#include "base/err.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 1100
#define PRINT_PREBUFFER 4096
#define MISSING_MAX 100000 /* listed; more are counted only */

/*
 * The SQL below is laid out by hand, one clause a line; clang-format keeps
 * its hands off it. ?1 is the user, ?2 the last key of the previous page,
 * ?3 the page size, ?4 "files are included", ?5 "photos are included".
 */
/* clang-format off */
#define SCOPE \
	"WITH my_projects(id) AS (\n" \
	"    SELECT id FROM projects WHERE owner_id = ?1 AND is_deleted = 0\n" \
	"    UNION SELECT m.project_id FROM project_members m\n" \
	"      JOIN projects p ON p.id = m.project_id\n" \
	"     WHERE m.user_id = ?1 AND p.is_deleted = 0),\n" \
	"  my_properties(id) AS (\n" \
	"    SELECT id FROM properties\n" \
	"     WHERE is_deleted = 0 AND project_id IN (SELECT id FROM my_projects)\n" \
	"    UNION SELECT m.property_id FROM property_members m\n" \
	"      JOIN properties p ON p.id = m.property_id\n" \
	"     WHERE m.user_id = ?1 AND p.is_deleted = 0)\n"

#define BOOL(col) "json(CASE WHEN " col " THEN 'true' ELSE 'false' END)"
#define PAGE(col) "\n   AND " col " > ?2 ORDER BY " col " LIMIT ?3"

struct section {
	const char *name;
	int is_single; /* an object (or null), not an array */
	const char *sql;
};

static const struct section sections[] = {
	{"user", 1,
	 "SELECT id, json_object('id', id, 'email', email,\n"
	 "       'firstName', first_name, 'lastName', last_name, 'phone', phone,\n"
	 "       'avatarStorageKey', avatar_storage_key,\n"
	 "       'preferredLanguage', preferred_language,\n"
	 "       'themePreference', theme_preference,\n"
	 "       'isAdmin', " BOOL("is_admin") ",\n"
	 "       'createdAt', created_at, 'lastLoginAt', last_login_at)\n"
	 "  FROM users WHERE id = ?1" PAGE("id")},
	{"preferences", 1,
	 "SELECT user_id, json_object(\n"
	 "       'pushNewComments', " BOOL("push_new_comments") ",\n"
	 "       'pushMentions', " BOOL("push_mentions") ",\n"
	 "       'pushSharedActivity', " BOOL("push_shared_activity") ",\n"
	 "       'pushDraftReminders', " BOOL("push_draft_reminders") ",\n"
	 "       'emailWeeklySummary', " BOOL("email_weekly_summary") ",\n"
	 "       'emailInvitations', " BOOL("email_invitations") ",\n"
	 "       'syncEnabled', " BOOL("sync_enabled") ",\n"
	 "       'syncOnMobileData', " BOOL("sync_on_mobile_data") ")\n"
	 "  FROM user_preferences WHERE user_id = ?1" PAGE("user_id")},
	{"projects", 0,
	 SCOPE
	 "SELECT id, json_object('id', id, 'ownerId', owner_id, 'name', name,\n"
	 "       'description', description,\n"
	 "       'createdAt', created_at, 'updatedAt', updated_at)\n"
	 "  FROM projects WHERE id IN (SELECT id FROM my_projects)" PAGE("id")},
	{"projectMembers", 0,
	 SCOPE
	 "SELECT id, json_object('id', id, 'projectId', project_id,\n"
	 "       'userId', user_id, 'role', role,\n"
	 "       'permissions', json(permissions), 'createdAt', created_at)\n"
	 "  FROM project_members\n"
	 " WHERE project_id IN (SELECT id FROM my_projects)" PAGE("id")},
	{"properties", 0,
	 SCOPE
	 "SELECT id, json_object('id', id, 'projectId', project_id,\n"
	 "       'name', name, 'description', description,\n"
	 "       'latitude', latitude, 'longitude', longitude,\n"
	 "       'geoRadius', geo_radius,\n"
	 "       'createdAt', created_at, 'updatedAt', updated_at)\n"
	 "  FROM properties WHERE id IN (SELECT id FROM my_properties)" PAGE("id")},
	{"propertyMembers", 0,
	 SCOPE
	 "SELECT id, json_object('id', id, 'propertyId', property_id,\n"
	 "       'userId', user_id, 'role', role,\n"
	 "       'permissions', json(permissions), 'createdAt', created_at)\n"
	 "  FROM property_members\n"
	 " WHERE property_id IN (SELECT id FROM my_properties)" PAGE("id")},
	{"units", 0,
	 SCOPE
	 "SELECT id, json_object('id', id, 'propertyId', property_id,\n"
	 "       'parentUnitId', parent_unit_id, 'name', name,\n"
	 "       'description', description, 'unitType', unit_type,\n"
	 "       'createdAt', created_at, 'updatedAt', updated_at)\n"
	 "  FROM units\n"
	 " WHERE is_deleted = 0\n"
	 "   AND property_id IN (SELECT id FROM my_properties)" PAGE("id")},
	{"records", 0,
	 SCOPE
	 "SELECT z.id, json_object('id', z.id, 'propertyId', z.property_id,\n"
	 "       'unitId', z.unit_id, 'title', z.title,\n"
	 "       'description', z.description, 'date', z.date, 'cost', z.cost,\n"
	 "       'status', z.status, 'flags', z.flags, 'createdBy', z.created_by,\n"
	 "       'createdAt', z.created_at, 'updatedAt', z.updated_at,\n"
	 "       'tags', (SELECT json_group_array(name) FROM (\n"
	 "           SELECT t.name FROM zaznam_tags zt JOIN tags t ON t.id = zt.tag_id\n"
	 "            WHERE zt.zaznam_id = z.id ORDER BY t.sort_order, t.id)),\n"
	 "       'comments', (SELECT json_group_array(json(c)) FROM (\n"
	 "           SELECT json_object('id', id, 'authorUserId', author_user_id,\n"
	 "                  'content', content, 'createdAt', created_at,\n"
	 "                  'updatedAt', updated_at) AS c\n"
	 "             FROM comments WHERE zaznam_id = z.id AND is_deleted = 0\n"
	 "            ORDER BY created_at, id)))\n"
	 "  FROM zaznamy z\n"
	 " WHERE z.is_deleted = 0\n"
	 "   AND z.property_id IN (SELECT id FROM my_properties)" PAGE("z.id")},
	{"documents", 0,
	 SCOPE
	 "SELECT d.id, json_object('id', d.id, 'recordId', d.zaznam_id,\n"
	 "       'type', d.type, 'storageKey', d.storage_key,\n"
	 "       'originalFileName', d.original_file_name,\n"
	 "       'mimeType', d.mime_type, 'sizeBytes', d.size_bytes,\n"
	 "       'description', d.description,\n"
	 "       'createdAt', d.created_at, 'updatedAt', d.updated_at,\n"
	 "       'file', CASE WHEN ?4 AND (?5 OR d.type <> 'photo')\n"
	 "                    THEN 'files/' || d.storage_key END)\n"
	 "  FROM zaznam_dokumenty d JOIN zaznamy z ON z.id = d.zaznam_id\n"
	 " WHERE d.is_deleted = 0 AND z.is_deleted = 0\n"
	 "   AND z.property_id IN (SELECT id FROM my_properties)" PAGE("d.id")},
	{"contacts", 0,
	 "SELECT id, json_object('id', id, 'email', email,\n"
	 "       'displayName', display_name, 'createdAt', created_at)\n"
	 "  FROM contacts WHERE owner_user_id = ?1" PAGE("id")},
	{"contactGroups", 0,
	 "SELECT g.id, json_object('id', g.id, 'name', g.name,\n"
	 "       'createdAt', g.created_at,\n"
	 "       'contactIds', (SELECT json_group_array(contact_id) FROM (\n"
	 "           SELECT contact_id FROM contact_group_members\n"
	 "            WHERE group_id = g.id ORDER BY contact_id)))\n"
	 "  FROM contact_groups g WHERE g.owner_user_id = ?1" PAGE("g.id")},
	{"invitations", 0,
	 "SELECT id, json_object('id', id, 'targetType', target_type,\n"
	 "       'targetId', target_id, 'email', email, 'role', role,\n"
	 "       'permissions', json(permissions), 'status', status,\n"
	 "       'expiresAt', expires_at,\n"
	 "       'createdAt', created_at, 'createdBy', created_by)\n"
	 "  FROM invitations\n"
	 " WHERE (created_by = ?1 OR email = (SELECT email FROM users WHERE id = ?1))" PAGE("id")},
	{"notifications", 0,
	 "SELECT id, json_object('id', id, 'type', type,\n"
	 "       'payload', json(payload), 'readAt', read_at,\n"
	 "       'createdAt', created_at)\n"
	 "  FROM notifications WHERE user_id = ?1" PAGE("id")},
};
/* clang-format on */

#define SECTION_COUNT (int)(sizeof(sections) / sizeof(sections[0]))
#define DOCUMENTS_SECTION 8

struct export_json {
	struct export_json_options opt;
	char user_id[64];
	int section;	    /* index into sections; then missing, counts, end */
	int is_open;	    /* the section's opening was written */
	int64_t in_section; /* items written in the current section */
	char last_key[KEY_MAX];
	int64_t items, documents;
	int64_t section_counts[SECTION_COUNT];
	cJSON *missing; /* array of {documentId, storageKey} */
	int64_t missing_count;
};

int export_json_new(const struct export_json_options *opt,
		    struct export_json **out, struct err *e)
{
	struct export_json *j = calloc(1, sizeof(*j));

	*out = NULL;
	if (!j || !(j->missing = cJSON_CreateArray())) {
		free(j);
		return err_set(e, ERR_NOMEM, "no memory for export.json");
	}
	j->opt = *opt;
	snprintf(j->user_id, sizeof(j->user_id), "%s", opt->user_id);
	j->opt.user_id = j->user_id;
	j->section = -1;
	*out = j;
	return 0;
}

void export_json_free(struct export_json *j)
{
	if (!j)
		return;
	cJSON_Delete(j->missing);
	free(j);
}

int64_t export_json_items(const struct export_json *j)
{
	return j->items;
}

int64_t export_json_documents(const struct export_json *j)
{
	return j->documents;
}

int export_json_add_missing(struct export_json *j, const char *document_id,
			    const char *storage_key, struct err *e)
{
	cJSON *item;

	j->missing_count++;
	if (cJSON_GetArraySize(j->missing) >= MISSING_MAX)
		return 0;
	item = cJSON_CreateObject();
	if (!item ||
	    !cJSON_AddStringToObject(item, "documentId", document_id) ||
	    !cJSON_AddStringToObject(item, "storageKey", storage_key)) {
		cJSON_Delete(item);
		return err_set(e, ERR_NOMEM, "no memory for missingFiles");
	}
	cJSON_AddItemToArray(j->missing, item);
	return 0;
}

/* Appends item printed pretty, each line indented by depth tabs. */
static int put_item(struct buf *out, const cJSON *item, int depth,
		    struct err *e)
{
	char *text = cJSON_PrintBuffered(item, PRINT_PREBUFFER, 1);
	int rc = 0;

	if (!text)
		return err_set(e, ERR_NOMEM, "no memory to print export.json");
	for (const char *p = text; *p && !rc; p++) {
		rc = buf_putc(out, *p);
		for (int d = 0; *p == '\n' && d < depth && !rc; d++)
			rc = buf_putc(out, '\t');
	}
	free(text);
	return rc ? err_set(e, rc, "export.json piece too large") : 0;
}

static int put(struct buf *out, const char *text, struct err *e)
{
	int rc = buf_puts(out, text);

	return rc ? err_set(e, rc, "export.json piece too large") : 0;
}

static int bind_page(sqlite3_stmt *st, const struct export_json *j)
{
	int n = sqlite3_bind_parameter_count(st), rc = 0;

	rc |= sqlite3_bind_text(st, 1, j->user_id, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 2, j->last_key, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_int(st, 3, EXPORT_JSON_BATCH);
	if (n >= 5) {
		rc |= sqlite3_bind_int(st, 4, j->opt.has_files);
		rc |= sqlite3_bind_int(st, 5, j->opt.include_photos);
	}
	return rc;
}

static int put_row(struct export_json *j, sqlite3_stmt *st, struct buf *out,
		   struct err *e)
{
	const struct section *s = &sections[j->section];
	const char *key = (const char *)sqlite3_column_text(st, 0);
	cJSON *row = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
	int rc;

	if (!row || !key)
		rc = err_set(e, ERR_DB,
			     "export.json: section %s gave a row "
			     "that is not JSON",
			     s->name);
	else if (s->is_single)
		rc = put_item(out, row, 1, e);
	else if ((rc = put(out, j->in_section ? ",\n\t\t" : "\n\t\t", e)) == 0)
		rc = put_item(out, row, 2, e);
	cJSON_Delete(row);
	if (rc)
		return rc;
	snprintf(j->last_key, sizeof(j->last_key), "%s", key);
	j->in_section++;
	j->items++;
	j->section_counts[j->section]++;
	if (j->section == DOCUMENTS_SECTION)
		j->documents++;
	return 0;
}

/* One page of the current section; closes it when the page is short. */
static int section_page(struct export_json *j, sqlite3 *db, struct buf *out,
			struct err *e)
{
	const struct section *s = &sections[j->section];
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	if (!j->is_open) {
		j->is_open = 1;
		j->in_section = 0;
		j->last_key[0] = '\0';
		if ((rc = buf_printf(out, ",\n\t\"%s\": %s", s->name,
				     s->is_single ? "" : "[")))
			return err_set(e, rc, "export.json piece too large");
	}
	if ((rc = db_prepare(db, s->sql, &st, e)))
		return err_prefix(e, "export.json section %s", s->name);
	if (bind_page(st, j) != SQLITE_OK) {
		rc = db_error(db, sqlite3_errcode(db), e, s->name);
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < EXPORT_JSON_BATCH) {
		if ((rc = put_row(j, st, out, e)))
			goto done;
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = db_error(db, rc, e, s->name);
		goto done;
	}
	rc = 0;
	if (n < EXPORT_JSON_BATCH || s->is_single) {
		if (s->is_single && j->in_section == 0)
			rc = put(out, "null", e);
		else if (!s->is_single)
			rc = put(out, j->in_section ? "\n\t]" : "]", e);
		j->is_open = 0;
		j->section++;
	}
done:
	sqlite3_finalize(st);
	return rc;
}

static int put_tail(struct export_json *j, struct buf *out, struct err *e)
{
	cJSON *counts = cJSON_CreateObject();
	int rc = 0;

	if (!counts)
		return err_set(e, ERR_NOMEM, "no memory for export.json");
	for (int i = 0; i < SECTION_COUNT; i++)
		if (!sections[i].is_single &&
		    !cJSON_AddNumberToObject(counts, sections[i].name,
					     (double)j->section_counts[i]))
			rc = ERR_NOMEM;
	if (j->opt.has_files &&
	    !cJSON_AddNumberToObject(counts, "missingFiles",
				     (double)j->missing_count))
		rc = ERR_NOMEM;
	if (rc) {
		cJSON_Delete(counts);
		return err_set(e, rc, "no memory for export.json");
	}
	if (j->opt.has_files) {
		rc = put(out, ",\n\t\"missingFiles\": ", e);
		if (!rc)
			rc = put_item(out, j->missing, 1, e);
	}
	if (!rc)
		rc = put(out, ",\n\t\"counts\": ", e);
	if (!rc)
		rc = put_item(out, counts, 1, e);
	if (!rc)
		rc = put(out, "\n}\n", e);
	cJSON_Delete(counts);
	return rc;
}

int export_json_next(struct export_json *j, sqlite3 *db, struct buf *out,
		     struct err *e)
{
	char when[CLOCK_ISO_LEN];
	int rc;

	if (j->section < 0) {
		j->section = 0;
		rc = buf_printf(out,
				"{\n\t\"format\": \"domecek-export\",\n"
				"\t\"version\": 1,\n\t\"exportedAt\": \"%s\",\n"
				"\t\"userId\": \"%s\"",
				clock_format(j->opt.now, when), j->user_id);
		return rc ? err_set(e, rc, "export.json piece too large") : 1;
	}
	if (j->section < SECTION_COUNT) {
		rc = section_page(j, db, out, e);
		return rc ? rc : 1;
	}
	if (j->section == SECTION_COUNT) {
		j->section++;
		rc = put_tail(j, out, e);
		return rc ? rc : 0;
	}
	return 0;
}
