/*
 * export_sql.c - the statement of each export.json section, built from the
 * app tables' description (app/app_tables.h).
 *
 * A section's statement returns (page key, row as JSON text) in key order:
 * json_object() lists the table's exported columns in their export_at
 * order, then its extra fields; the WHERE clause is the table's scope
 * (how a row belongs to the user) and leaves soft-deleted rows out, except
 * the user's own row. ?1 is the user, ?2 the last key of the previous
 * page, ?3 the page size; the documents' file field uses ?4 ("files are
 * included") and ?5 ("photos are included"). The text is laid out one
 * clause a line so that a person can read it (export_json logs it at
 * debug level, test_app_tables prints it).
 */
#include "app/export_json.h"
#include "app/app_tables.h"
#include "base/buf.h"
#include "base/err.h"

#include <string.h>

/* The user's projects and properties (live ones), for the scopes below. */
/* clang-format off */
static const char scope_cte[] =
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
	"     WHERE m.user_id = ?1 AND p.is_deleted = 0)\n";
/* clang-format on */

/* The column's value in export.json, row alias a. */
static int put_value(struct buf *out, const struct app_column *c, const char *a)
{
	if (c->kind == APP_BOOL)
		return buf_printf(
		    out, "json(CASE WHEN %s.%s THEN 'true' ELSE 'false' END)",
		    a, c->name);
	if (c->kind == APP_JSON)
		return buf_printf(out, "json(%s.%s)", a, c->name);
	return buf_printf(out, "%s.%s", a, c->name);
}

/* 'key', value pairs of the exported columns in export order, each on a
 * line of its own after the first. */
static int put_columns(struct buf *out, const struct app_table *t,
		       const char *a, const char *indent)
{
	int rc = 0, n = 0;

	for (int at = 1; !rc && (size_t)at <= t->column_count; at++)
		for (size_t i = 0; !rc && i < t->column_count; i++) {
			const struct app_column *c = &t->columns[i];

			if (c->export_at != at)
				continue;
			rc = buf_printf(out, "%s'%s', ", n++ ? indent : "",
					app_column_export_key(c));
			rc = rc ? rc : put_value(out, c, a);
		}
	return rc;
}

static int has_soft_delete(const struct app_table *t)
{
	return app_table_column(t, "is_deleted") != NULL;
}

/* A nested table's live rows as an array of objects (alias n). */
static int put_nested(struct buf *out, const struct app_extra *x)
{
	const struct app_table *n = app_table_find(x->nested);
	int rc;

	if (!n)
		return ERR_INVALID;
	rc = buf_puts(out, "(SELECT json_group_array(json(c)) FROM (\n"
			   "           SELECT json_object(");
	rc = rc ? rc : put_columns(out, n, "n", ",\n                  ");
	rc = rc ? rc
		: buf_printf(out,
			     ") AS c\n             FROM %s n WHERE n.%s = t.id",
			     n->name, x->link);
	if (!rc && has_soft_delete(n))
		rc = buf_puts(out, " AND n.is_deleted = 0");
	return rc ? rc
		  : buf_printf(out, "\n            ORDER BY %s))", x->order);
}

static int put_extras(struct buf *out, const struct app_table *t)
{
	int rc = 0;

	for (const struct app_extra *x = t->extras; x && x->key && !rc; x++) {
		rc = buf_printf(out, ",\n       '%s', ", x->key);
		if (!rc && x->sql)
			rc = buf_puts(out, x->sql);
		else if (!rc)
			rc = put_nested(out, x);
	}
	return rc;
}

static const char *page_key(const struct app_table *t)
{
	for (size_t i = 0; i < t->column_count; i++)
		if (t->columns[i].pk == 1)
			return t->columns[i].name;
	return "rowid";
}

/* FROM and WHERE: the rows of t that belong to the user ?1. */
static int put_scope(struct buf *out, const struct app_table *t)
{
	const struct app_column *c = app_table_column(t, t->owner);
	const struct app_table *p = c ? app_table_find(c->parent) : NULL;

	switch (t->scope) {
	case APP_SCOPE_SELF:
	case APP_SCOPE_USER:
		return buf_printf(out, "  FROM %s t\n WHERE t.%s = ?1", t->name,
				  t->owner);
	case APP_SCOPE_PROJECT:
		return buf_printf(
		    out,
		    "  FROM %s t\n WHERE t.%s IN (SELECT id FROM my_projects)",
		    t->name, t->owner);
	case APP_SCOPE_PROPERTY:
		return buf_printf(
		    out,
		    "  FROM %s t\n WHERE t.%s IN (SELECT id FROM my_properties)",
		    t->name, t->owner);
	case APP_SCOPE_RECORD:
		if (!p)
			return ERR_INVALID;
		return buf_printf(
		    out,
		    "  FROM %s t JOIN %s z ON z.id = t.%s\n WHERE z.is_deleted = 0\n   AND z.%s IN (SELECT id FROM my_properties)",
		    t->name, p->name, t->owner, p->owner);
	case APP_SCOPE_INVITED:
		return buf_printf(
		    out,
		    "  FROM %s t\n WHERE (t.%s = ?1 OR t.email = (SELECT email FROM users WHERE id = ?1))",
		    t->name, t->owner);
	case APP_SCOPE_NONE:
	case APP_SCOPE_NESTED:
		break;
	}
	return ERR_INVALID;
}

static int needs_cte(const struct app_table *t)
{
	return t->scope == APP_SCOPE_PROJECT ||
	       t->scope == APP_SCOPE_PROPERTY || t->scope == APP_SCOPE_RECORD;
}

int export_json_sql(const struct app_table *t, struct buf *out, struct err *e)
{
	const char *key = page_key(t);
	int rc = 0;

	if (!t->section)
		return err_set(e, ERR_INVALID, "table %s is not in export.json",
			       t->name);
	if (needs_cte(t))
		rc = buf_puts(out, scope_cte);
	rc = rc ? rc : buf_printf(out, "SELECT t.%s, json_object(", key);
	rc = rc ? rc : put_columns(out, t, "t", ",\n       ");
	rc = rc ? rc : put_extras(out, t);
	rc = rc ? rc : buf_puts(out, ")\n");
	rc = rc ? rc : put_scope(out, t);
	if (!rc && t->scope != APP_SCOPE_SELF && has_soft_delete(t))
		rc = buf_puts(out, "\n   AND t.is_deleted = 0");
	rc = rc ? rc
		: buf_printf(out, "\n   AND t.%s > ?2 ORDER BY t.%s LIMIT ?3",
			     key, key);
	if (rc == ERR_INVALID)
		return err_set(
		    e, rc,
		    "export.json: the description of %s names no scope or nested table it can follow",
		    t->name);
	return rc ? err_set(e, rc,
			    "export.json: cannot build the statement of %s",
			    t->name)
		  : 0;
}
