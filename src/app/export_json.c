/*
 * export_json.c - export.json of one user, produced piece by piece.
 *
 * Each section is one app table (app/app_tables.h) and one SQL statement
 * that returns (key, row as JSON text) in key order, built by SQLite's
 * json_object() from the tables' description (export_sql.c), so that
 * field names and NULLs are spelled in one place; we parse each row into
 * cJSON and print it pretty with cJSON_PrintBuffered, indented to its
 * depth. Pages are keyset-paged (key > last key), so a piece is one
 * bounded query and the export never holds more than one page. A
 * section's statement is built and prepared once, when the section
 * opens, and reset after each page so that no read stays open between
 * pieces.
 *
 * Pages are separate reads: rows changed between two pieces may show in
 * their new state or not at all; an export is a snapshot per page.
 */
#include "app/export_json.h"
#include "app/app_tables.h"
#include "base/buf.h"
#include "base/clock.h"
#include "db/db.h"
#include "base/err.h"
#include "base/log.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 1100
#define PRINT_PREBUFFER 4096
#define MISSING_MAX 100000 /* listed; more are counted only */

/* The sections are the app tables that name one, in app_tables[] order
 * (app/app_tables.h); export_sql.c builds their statements. */
#define SECTION_MAX 32

/* How many app tables, from the first, are sections of export.json. */
static int section_count(void)
{
	int n = 0;

	while ((size_t)n < app_table_count && n < SECTION_MAX &&
	       app_tables[n].section)
		n++;
	return n;
}

struct export_json {
	struct export_json_options opt;
	char user_id[64];
	int section;	    /* index into app_tables; then counts, end */
	int is_open;	    /* the section's opening was written */
	int64_t in_section; /* items written in the current section */
	char last_key[KEY_MAX];
	int64_t items, documents;
	int64_t section_counts[SECTION_MAX];
	sqlite3_stmt *st; /* the open section's statement, or NULL */
	cJSON *missing;	  /* array of {documentId, storageKey} */
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
	sqlite3_finalize(j->st);
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
	rc |= sqlite3_bind_text(st, 2, j->last_key, -1, SQLITE_TRANSIENT);
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
	const struct app_table *t = &app_tables[j->section];
	const char *key = (const char *)sqlite3_column_text(st, 0);
	cJSON *row = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
	int rc;

	if (!row || !key)
		rc = err_set(e, ERR_DB,
			     "export.json: section %s gave a row "
			     "that is not JSON",
			     t->section);
	else if (t->is_single)
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
	if (t->scope == APP_SCOPE_RECORD)
		j->documents++;
	return 0;
}

/* Writes the section's opening. */
static int open_section(struct export_json *j, struct buf *out, struct err *e)
{
	const struct app_table *t = &app_tables[j->section];
	int rc;

	j->is_open = 1;
	j->in_section = 0;
	j->last_key[0] = '\0';
	if ((rc = buf_printf(out, ",\n\t\"%s\": %s", t->section,
			     t->is_single ? "" : "[")))
		return err_set(e, rc, "export.json piece too large");
	return 0;
}

/* Builds and prepares the section's statement: once per section. */
static int prepare_section(struct export_json *j, sqlite3 *db, struct err *e)
{
	const struct app_table *t = &app_tables[j->section];
	struct buf sql;
	int rc;

	buf_init(&sql, 64 * 1024);
	rc = export_json_sql(t, &sql, e);
	if (!rc && log_enabled(LOG_DEBUG))
		log_event(LOG_DEBUG, "export.sql", "section", t->section, "sql",
			  buf_str(&sql), (char *)NULL);
	if (!rc && (rc = db_prepare(db, buf_str(&sql), &j->st, e)))
		err_prefix(e, "export.json section %s", t->section);
	buf_free(&sql);
	return rc;
}

static void close_section(struct export_json *j)
{
	sqlite3_finalize(j->st);
	j->st = NULL;
	j->is_open = 0;
	j->section++;
}

/* One page of the current section; closes it when the page is short. */
static int section_page(struct export_json *j, sqlite3 *db, struct buf *out,
			struct err *e)
{
	const struct app_table *t = &app_tables[j->section];
	int rc, n = 0;

	if (!j->is_open && (rc = open_section(j, out, e)))
		return rc;
	if (!j->st && (rc = prepare_section(j, db, e)))
		return rc;
	if (bind_page(j->st, j) != SQLITE_OK) {
		rc = db_error(db, sqlite3_errcode(db), e, t->section);
		goto done;
	}
	while ((rc = sqlite3_step(j->st)) == SQLITE_ROW &&
	       n < EXPORT_JSON_BATCH) {
		if ((rc = put_row(j, j->st, out, e)))
			goto done;
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = db_error(db, rc, e, t->section);
		goto done;
	}
	rc = 0;
	if (n < EXPORT_JSON_BATCH || t->is_single) {
		if (t->is_single && j->in_section == 0)
			rc = put(out, "null", e);
		else if (!t->is_single)
			rc = put(out, j->in_section ? "\n\t]" : "]", e);
		close_section(j);
		return rc;
	}
done:
	sqlite3_reset(j->st);
	return rc;
}

static int put_tail(struct export_json *j, struct buf *out, struct err *e)
{
	cJSON *counts = cJSON_CreateObject();
	int rc = 0;

	if (!counts)
		return err_set(e, ERR_NOMEM, "no memory for export.json");
	for (int i = 0; i < section_count(); i++)
		if (!app_tables[i].is_single &&
		    !cJSON_AddNumberToObject(counts, app_tables[i].section,
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
	if (j->section < section_count()) {
		rc = section_page(j, db, out, e);
		return rc ? rc : 1;
	}
	if (j->section == section_count()) {
		j->section++;
		rc = put_tail(j, out, e);
		return rc ? rc : 0;
	}
	return 0;
}
