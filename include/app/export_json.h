/*
 * export_json.h - export.json of one user, produced piece by piece.
 *
 * The export job asks for the next piece until there is none; each piece
 * is at most one batch of rows of one section (EXPORT_JSON_BATCH rows),
 * each row built as a cJSON object and printed pretty, so memory holds
 * one batch, never the whole export.
 *
 * The document (stable camelCase field names, times as stored:
 * ISO-8601 UTC "YYYY-MM-DDTHH:MM:SS.sssZ"):
 *   { "format": "domecek-export", "version": 1, "exportedAt", "userId",
 *     "user": {...}, "preferences": {...} | null,
 *     "projects", "projectMembers", "properties", "propertyMembers",
 *     "units", "records" (each with "tags" and "comments"), "documents"
 *     (each with "file": "files/<storageKey>" when the file is in the
 *     ZIP, else null), "contacts", "contactGroups" (with "contactIds"),
 *     "invitations", "notifications": [...],
 *     "missingFiles": [{"documentId", "storageKey"}] (ZIP only),
 *     "counts": {"<section>": n, ...} }
 * Scope: projects the user owns or is a member of, the properties of
 * those and those the user is a member of, and what hangs below them;
 * soft-deleted rows (is_deleted = 1) are left out. Contacts, groups and
 * notifications are the user's own; invitations those the user sent or
 * that were sent to the user's address.
 */
#ifndef DOMECEK_EXPORT_JSON_H
#define DOMECEK_EXPORT_JSON_H

#include <sqlite3.h>
#include <stdint.h>

struct app_table;
struct buf;
struct err;
struct export_json;

#define EXPORT_JSON_BATCH 200

struct export_json_options {
	const char *user_id;
	int64_t now;	    /* exportedAt */
	int has_files;	    /* ZIP: documents name their files/ entry */
	int include_photos; /* with has_files: photos are in the ZIP too */
};

int export_json_new(const struct export_json_options *opt,
		    struct export_json **out, struct err *e);
/* Remembers a document whose blob was missing (listed in missingFiles).
 * Must be called before the "missingFiles" section is reached. */
int export_json_add_missing(struct export_json *j, const char *document_id,
			    const char *storage_key, struct err *e);
/* Appends the next piece to out. Returns 1 when more follows, 0 when the
 * document is complete, or an error (ERR_DB/ERR_BUSY/ERR_NOMEM). db is
 * the same connection on every call: a section's statement is prepared
 * on it once and kept (reset) until the section ends or j is freed. */
int export_json_next(struct export_json *j, sqlite3 *db, struct buf *out,
		     struct err *e);
/* Items written so far (all sections), and documents among them. */
int64_t export_json_items(const struct export_json *j);
int64_t export_json_documents(const struct export_json *j);
void export_json_free(struct export_json *j); /* NULL is a no-op */

/* Appends the statement of t's section (t->section set), built from the
 * app tables' description: (page key, row as JSON) of the rows of user ?1
 * with key > ?2, ?3 at most, in key order; ?4/?5 "files"/"photos are
 * included". ERR_INVALID when the description gives no scope to follow,
 * ERR_NOMEM/ERR_TOOBIG when out is full. (export_sql.c) */
int export_json_sql(const struct app_table *t, struct buf *out, struct err *e);

#endif
