/*
 * app_tables.h - the one description of the MujDomecek app tables
 * (schema/001_app.sql, spec/data-model.md) that sync, export and the demo
 * generator build their statements from.
 *
 * Per table: its name, its columns in schema order with their kind, NOT
 * NULL, DEFAULT and primary key exactly as PRAGMA table_info reports them
 * (test_app_tables compares the two on a migrated database), which table a
 * column points into, and what each user of the description needs: the
 * camelCase key a column has in export.json and in sync payloads, whether
 * it is exported (and where in the row's object), whether the app syncs
 * it; per table, how a row belongs to a user (the path export.json
 * follows) and the fields export.json adds that are not columns.
 *
 * The description is static data; app_table_find() and the builders hand
 * out pointers into it. Builders write whole, readable statements into a
 * caller's buf (caller frees), every value a numbered parameter.
 */
#ifndef DOMECEK_APP_TABLES_H
#define DOMECEK_APP_TABLES_H

#include <stddef.h>

struct buf;
struct err;

/* What a column holds; the declared SQL type follows from it. */
enum app_kind {
	APP_ID,		 /* TEXT: a UUID (or a natural key) */
	APP_TEXT,	 /* TEXT */
	APP_INTEGER,	 /* INTEGER */
	APP_REAL,	 /* REAL */
	APP_BOOL,	 /* INTEGER 0/1; true/false in export.json */
	APP_TIME,	 /* TEXT, YYYY-MM-DDTHH:MM:SS.sssZ */
	APP_DATE,	 /* TEXT, YYYY-MM-DD */
	APP_JSON,	 /* TEXT holding JSON; nested as JSON in export.json */
	APP_STORAGE_KEY, /* TEXT, a relative key under the storage root */
};

/* No app table has more columns (test_app_tables checks). */
#define APP_MAX_COLUMNS 24

/* What a column is for (bits of app_column.flags): a field of the app's
 * sync payloads; one that, missing on a synced create, is the envelope's
 * user. */
#define APP_SYNCED 1u
#define APP_SYNC_OWNER 2u

struct app_column {
	const char *name; /* snake_case, as in the schema */
	enum app_kind kind;
	int not_null;
	const char *dflt; /* DEFAULT as PRAGMA table_info prints it, or NULL */
	int pk;		  /* position in the primary key, 0 when not in it */
	const char *parent; /* table a foreign key points into, or NULL */
	const char *noun;   /* the parent row in messages: "parent property" */
	const char *key;    /* camelCase in export.json and sync payloads */
	const char *export_as; /* export.json's name when not key, or NULL */
	int export_at;	       /* place in the exported object, 1...; 0: not */
	unsigned flags;	       /* APP_SYNCED, APP_SYNC_OWNER */
};

/* How a row belongs to a user: what export.json takes. ?1 is the user. */
enum app_scope {
	APP_SCOPE_NONE,	    /* not in export.json */
	APP_SCOPE_SELF,	    /* the user's own row: owner = ?1, even deleted */
	APP_SCOPE_USER,	    /* owner = ?1 */
	APP_SCOPE_PROJECT,  /* owner names one of the user's projects */
	APP_SCOPE_PROPERTY, /* owner names one of the user's properties */
	APP_SCOPE_RECORD,   /* owner names a live zaznam of those properties */
	APP_SCOPE_INVITED, /* sent by the user (owner) or to the user's email */
	APP_SCOPE_NESTED,  /* inside its parent's rows (see app_extra) */
};

/*
 * A field export.json adds to each row of a table: either an SQL
 * expression over the row (alias t), or the rows of a nested table whose
 * column link names this row, live ones only, in the order given.
 */
struct app_extra {
	const char *key;
	const char *sql;    /* an expression, or NULL for a nested table */
	const char *nested; /* table exported inside the row */
	const char *link;   /* its column naming the row (t.id) */
	const char *order;  /* ORDER BY of the nested rows */
};

struct app_table {
	const char *name;
	const char *noun; /* one row, in messages: "zaznam", "document" */
	const struct app_column *columns;
	size_t column_count;
	/* export.json: section name, single object (not an array), scope */
	const char *section;
	int is_single;
	enum app_scope scope;
	const char *owner;		/* the column the scope starts from */
	const struct app_extra *extras; /* ends with a NULL key; or NULL */
	/* sync: sync_queue.entity_type of this table, or NULL */
	const char *sync_type;
	const char *why_not; /* neither exported nor synced: why, or NULL */
};

/* Every app table: the exported ones first, in export.json's order. */
extern const struct app_table app_tables[];
extern const size_t app_table_count;

/* The table named name, or NULL. */
const struct app_table *app_table_find(const char *name);
/* The table sync_queue.entity_type type names, or NULL. */
const struct app_table *app_table_for_sync(const char *type);
/* The column named name of t, or NULL. */
const struct app_column *app_table_column(const struct app_table *t,
					  const char *name);
/* "TEXT", "INTEGER" or "REAL": the declared type of a kind. */
const char *app_kind_type(enum app_kind kind);
/* The column's name in export.json: export_as, else key. */
const char *app_column_export_key(const struct app_column *c);
/* NOT NULL without a default: a writer must give it. */
int app_column_is_required(const struct app_column *c);

/*
 * INSERT INTO t (every column) VALUES (?1, ?2, ...): column i is bound at
 * i + 1; a bound NULL in a column with a default takes the default
 * (coalesce), as leaving the column out would. ERR_NOMEM when out does.
 */
int app_sql_insert(const struct app_table *t, struct buf *out, struct err *e);

#endif
