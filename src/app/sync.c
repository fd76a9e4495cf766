/*
 * sync.c - applies one sync envelope (a create, update or delete the app
 * queued offline) to the app tables.
 *
 * Each entity is an app table with a sync_type (app/app_tables.h, the one
 * description of the app tables): its payload fields are the columns
 * flagged APP_SYNCED, camelCase key to column, with the kind of value each
 * takes and the table it points into; a field is required on create when
 * its column is NOT NULL without a default. Statements are built from
 * those static names only; every value is bound. An insert or update
 * names the columns the envelope carries, so its text is built per
 * envelope. The envelope is checked whole (fields, kinds,
 * parents) before anything is written, and written inside a SAVEPOINT, so
 * an envelope applies completely or not at all whatever the caller's
 * transaction does next.
 *
 * Last write wins compares instants (clock_parse of both times), not
 * text, so a row stored without milliseconds compares exactly.
 *
 * Errors are sorted for the caller: ERR_INVALID/ERR_NOTFOUND belong to the
 * envelope (a CHECK constraint failing counts as such), anything else is
 * the database's and leaves the envelope's attempt uncounted.
 */
#include "app/sync.h"
#include "app/app_tables.h"
#include "base/buf.h"
#include "base/clock.h"
#include "db/db.h"
#include "base/err.h"
#include "storage/storage.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum sync_op { OP_CREATE, OP_UPDATE, OP_DELETE };

/* One column to write: from the payload (item) or the envelope's user. */
struct sync_value {
	const struct app_column *field;
	const cJSON *item;
	const char *text;
};

struct sync_row {
	int exists;
	int is_deleted;
	int64_t updated_at;
};

static int parse_op(const char *text, enum sync_op *op, struct err *e)
{
	static const char *const names[] = {"create", "update", "delete"};

	for (int i = 0; text && i < 3; i++)
		if (strcmp(names[i], text) == 0) {
			*op = (enum sync_op)i;
			return 0;
		}
	return err_set(e, ERR_INVALID, "unknown operation '%s'",
		       text ? text : "(null)");
}

static int parse_payload(const struct sync_envelope *env, enum sync_op op,
			 cJSON **out, struct err *e)
{
	const char *end = NULL;

	*out = NULL;
	if (!env->payload) {
		if (op == OP_DELETE)
			return 0;
		return err_set(
		    e, ERR_INVALID,
		    "missing payload: a %s needs the entity's fields",
		    env->operation);
	}
	*out = cJSON_ParseWithOpts(env->payload, &end, 1);
	if (!*out) {
		size_t offset = end ? (size_t)(end - env->payload) : 0;
		if (!env->payload[offset])
			return err_set(
			    e, ERR_INVALID,
			    "payload is not valid JSON at offset %zu "
			    "(it ends too early)",
			    offset);
		return err_set(
		    e, ERR_INVALID,
		    "payload is not valid JSON at offset %zu (near '%.16s')",
		    offset, env->payload + offset);
	}
	if (!cJSON_IsObject(*out))
		return err_set(e, ERR_INVALID, "payload is not a JSON object");
	return 0;
}

static int parse_time_field(const cJSON *payload, const char *key, int64_t *out,
			    struct err *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(payload, key);

	if (!cJSON_IsString(item) || clock_parse(item->valuestring, out, NULL))
		return err_set(e, ERR_INVALID,
			       "field '%s' must be an ISO-8601 time", key);
	return 0;
}

/* The instant of the change: the queue's column, else the payload's. */
static int envelope_time(const struct sync_envelope *env, const cJSON *payload,
			 int64_t *out, struct err *e)
{
	*out = env->client_updated_at;
	if (*out > 0)
		return 0;
	if (payload &&
	    cJSON_GetObjectItemCaseSensitive(payload, "clientUpdatedAt"))
		return parse_time_field(payload, "clientUpdatedAt", out, e);
	return err_set(e, ERR_INVALID,
		       "missing client_updated_at (the time of the change; "
		       "last write wins needs it)");
}

static int check_identity(const struct sync_envelope *env, const cJSON *payload,
			  struct err *e)
{
	const cJSON *id =
	    payload ? cJSON_GetObjectItemCaseSensitive(payload, "id") : NULL;

	if (!env->entity_id || !env->entity_id[0])
		return err_set(e, ERR_INVALID, "missing entity_id");
	if (id && (!cJSON_IsString(id) ||
		   strcmp(id->valuestring, env->entity_id) != 0))
		return err_set(e, ERR_INVALID,
			       "payload id %s does not match entity_id '%s'",
			       cJSON_IsString(id) ? id->valuestring
						  : "(not a string)",
			       env->entity_id);
	return 0;
}

/* Payload values are JSON strings, whole numbers or numbers, by the
 * column's declared type. */
static int check_kind(const struct app_column *f, const cJSON *item,
		      struct err *e)
{
	const char *type = app_kind_type(f->kind);
	double v = item->valuedouble;

	if (strcmp(type, "INTEGER") == 0) {
		if (!cJSON_IsNumber(item) || !isfinite(v) ||
		    fabs(v) > 9007199254740992.0 || floor(v) != v)
			return err_set(e, ERR_INVALID,
				       "field '%s' must be a whole number",
				       f->key);
		return 0;
	}
	if (strcmp(type, "REAL") == 0) {
		if (!cJSON_IsNumber(item))
			return err_set(e, ERR_INVALID,
				       "field '%s' must be a number", f->key);
		return 0;
	}
	if (!cJSON_IsString(item))
		return err_set(e, ERR_INVALID, "field '%s' must be a string",
			       f->key);
	return 0;
}

static int check_parent(sqlite3 *db, const struct app_column *f, const char *id,
			struct err *e)
{
	char sql[128];
	sqlite3_stmt *stmt = NULL;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT is_deleted FROM %s WHERE id = ?1",
		 f->parent);
	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		rc = err_set(e, ERR_NOTFOUND, "missing %s %s", f->noun, id);
	else if (rc == SQLITE_ROW && sqlite3_column_int(stmt, 0))
		rc = err_set(e, ERR_NOTFOUND, "%s %s is deleted", f->noun, id);
	else if (rc == SQLITE_ROW)
		rc = 0;
	else
		rc = db_error(db, rc, e, "looking up a sync envelope's parent");
	sqlite3_finalize(stmt);
	return rc;
}

static int check_value(sqlite3 *db, const struct app_column *f,
		       const cJSON *item, struct err *e)
{
	int rc;

	if (cJSON_IsNull(item)) {
		if (app_column_is_required(f))
			return err_set(e, ERR_INVALID,
				       "field '%s' must not be null", f->key);
		return 0;
	}
	if ((rc = check_kind(f, item, e)))
		return rc;
	if (f->kind == APP_STORAGE_KEY &&
	    (rc = storage_key_valid(item->valuestring, e)))
		return err_prefix(e, "field '%s'", f->key);
	if (f->parent)
		return check_parent(db, f, item->valuestring, e);
	return 0;
}

/* The columns this envelope writes, each checked; create needs every
 * required one (or its default). */
static int collect_values(sqlite3 *db, const struct app_table *entity,
			  const struct sync_envelope *env, const cJSON *payload,
			  int is_create, struct sync_value *out, int *count,
			  struct err *e)
{
	int rc;

	*count = 0;
	for (size_t i = 0; i < entity->column_count; i++) {
		const struct app_column *f = &entity->columns[i];
		const cJSON *item =
		    cJSON_GetObjectItemCaseSensitive(payload, f->key);
		struct sync_value *v = &out[*count];

		if (!(f->flags & APP_SYNCED) || (!item && !is_create))
			continue;
		if (!item && (f->flags & APP_SYNC_OWNER)) {
			*v = (struct sync_value){f, NULL, env->user_id};
			if ((rc = check_parent(
				 db, f, env->user_id ? env->user_id : "", e)))
				return rc;
		} else if (!item && app_column_is_required(f)) {
			return err_set(e, ERR_INVALID, "missing field '%s'",
				       f->key);
		} else if (!item) {
			continue;
		} else {
			if ((rc = check_value(db, f, item, e)))
				return rc;
			*v = (struct sync_value){f, item, NULL};
		}
		(*count)++;
	}
	return 0;
}

static void bind_value(sqlite3_stmt *stmt, int index,
		       const struct sync_value *v)
{
	if (v->text)
		sqlite3_bind_text(stmt, index, v->text, -1, SQLITE_STATIC);
	else if (cJSON_IsNull(v->item))
		sqlite3_bind_null(stmt, index);
	else if (cJSON_IsString(v->item))
		sqlite3_bind_text(stmt, index, v->item->valuestring, -1,
				  SQLITE_STATIC);
	else if (strcmp(app_kind_type(v->field->kind), "INTEGER") == 0)
		sqlite3_bind_int64(stmt, index,
				   (sqlite3_int64)v->item->valuedouble);
	else
		sqlite3_bind_double(stmt, index, v->item->valuedouble);
}

/* Runs a built write; a failed constraint is the envelope's fault. */
static int run_write(sqlite3 *db, sqlite3_stmt *stmt,
		     const struct app_table *entity, const char *id,
		     struct err *e)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return err_set(e, ERR_INVALID, "%s %s: %s", entity->noun, id,
			       sqlite3_errmsg(db));
	return db_error(db, rc, e, "writing a synced row");
}

static int prepare_built(sqlite3 *db, struct buf *sql, sqlite3_stmt **stmt,
			 struct err *e)
{
	if (!buf_str(sql))
		return err_set(e, ERR_NOMEM,
			       "out of memory building a sync statement");
	return db_prepare(db, buf_str(sql), stmt, e);
}

static int write_insert(sqlite3 *db, const struct app_table *entity,
			const struct sync_envelope *env, const cJSON *payload,
			int64_t client_time, const struct sync_value *values,
			int count, struct err *e)
{
	struct buf sql;
	sqlite3_stmt *stmt = NULL;
	int64_t created_at = client_time;
	int rc;

	if (cJSON_GetObjectItemCaseSensitive(payload, "createdAt") &&
	    (rc = parse_time_field(payload, "createdAt", &created_at, e)))
		return rc;
	buf_init(&sql, 4096);
	buf_printf(&sql, "INSERT INTO %s (id, created_at, updated_at",
		   entity->name);
	for (int i = 0; i < count; i++)
		buf_printf(&sql, ", %s", values[i].field->name);
	buf_puts(&sql, ") VALUES (?1, ?2, ?3");
	for (int i = 0; i < count; i++)
		buf_printf(&sql, ", ?%d", i + 4);
	buf_putc(&sql, ')');
	if ((rc = prepare_built(db, &sql, &stmt, e)))
		goto done;
	sqlite3_bind_text(stmt, 1, env->entity_id, -1, SQLITE_STATIC);
	db_bind_time(stmt, 2, created_at);
	db_bind_time(stmt, 3, client_time);
	for (int i = 0; i < count; i++)
		bind_value(stmt, i + 4, &values[i]);
	rc = run_write(db, stmt, entity, env->entity_id, e);
done:
	sqlite3_finalize(stmt);
	buf_free(&sql);
	return rc;
}

static int write_update(sqlite3 *db, const struct app_table *entity,
			const struct sync_envelope *env, int64_t client_time,
			const struct sync_value *values, int count,
			struct err *e)
{
	struct buf sql;
	sqlite3_stmt *stmt = NULL;
	int rc;

	buf_init(&sql, 4096);
	buf_printf(&sql, "UPDATE %s SET updated_at = ?2", entity->name);
	for (int i = 0; i < count; i++)
		buf_printf(&sql, ", %s = ?%d", values[i].field->name, i + 3);
	buf_puts(&sql, " WHERE id = ?1");
	if ((rc = prepare_built(db, &sql, &stmt, e)))
		goto done;
	sqlite3_bind_text(stmt, 1, env->entity_id, -1, SQLITE_STATIC);
	db_bind_time(stmt, 2, client_time);
	for (int i = 0; i < count; i++)
		bind_value(stmt, i + 3, &values[i]);
	rc = run_write(db, stmt, entity, env->entity_id, e);
done:
	sqlite3_finalize(stmt);
	buf_free(&sql);
	return rc;
}

static int write_delete(sqlite3 *db, const struct app_table *entity,
			const char *id, int64_t client_time, struct err *e)
{
	char sql[160];
	sqlite3_stmt *stmt = NULL;
	int rc;

	snprintf(
	    sql, sizeof(sql),
	    "UPDATE %s SET is_deleted = 1, deleted_at = ?2, updated_at = ?2 WHERE id = ?1",
	    entity->name);
	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	db_bind_time(stmt, 2, client_time);
	rc = run_write(db, stmt, entity, id, e);
	sqlite3_finalize(stmt);
	return rc;
}

static int read_row(sqlite3 *db, const struct app_table *entity, const char *id,
		    struct sync_row *row, struct err *e)
{
	char sql[160];
	sqlite3_stmt *stmt = NULL;
	int rc;

	memset(row, 0, sizeof(*row));
	snprintf(
	    sql, sizeof(sql),
	    "SELECT coalesce(updated_at, created_at), is_deleted FROM %s WHERE id = ?1",
	    entity->name);
	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		row->exists = 1;
		row->is_deleted = sqlite3_column_int(stmt, 1);
		/* An unreadable time loses to any envelope. */
		if (db_column_time(stmt, 0, &row->updated_at))
			row->updated_at = 0;
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = db_error(db, rc, e,
			      "reading the row a sync envelope names");
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int apply_op(sqlite3 *db, const struct app_table *entity,
		    enum sync_op op, const struct sync_envelope *env,
		    const cJSON *payload, int64_t client_time, struct err *e)
{
	struct sync_value values[APP_MAX_COLUMNS];
	struct sync_row row;
	int count = 0, rc;

	if ((rc = read_row(db, entity, env->entity_id, &row, e)))
		return rc;
	if (row.exists && client_time < row.updated_at)
		return SYNC_STALE;
	if (op == OP_DELETE) {
		if (!row.exists || row.is_deleted)
			return SYNC_APPLIED;
		rc = write_delete(db, entity, env->entity_id, client_time, e);
		return rc ? rc : SYNC_APPLIED;
	}
	if (op == OP_UPDATE && !row.exists)
		return err_set(e, ERR_NOTFOUND,
			       "cannot update %s %s: no such row (its create "
			       "has not arrived)",
			       entity->noun, env->entity_id);
	if ((rc = collect_values(db, entity, env, payload, !row.exists, values,
				 &count, e)))
		return rc;
	if (row.exists)
		rc = write_update(db, entity, env, client_time, values, count,
				  e);
	else
		rc = write_insert(db, entity, env, payload, client_time, values,
				  count, e);
	return rc ? rc : SYNC_APPLIED;
}

int sync_error_is_envelope(int code)
{
	return code == ERR_INVALID || code == ERR_NOTFOUND;
}

int sync_apply(sqlite3 *db, const struct sync_envelope *env, struct err *e)
{
	const struct app_table *entity = app_table_for_sync(env->entity_type);
	cJSON *payload = NULL;
	enum sync_op op = OP_CREATE;
	int64_t client_time = 0;
	int rc, release;

	if (!entity)
		return err_set(e, ERR_INVALID, "unknown entity type '%s'",
			       env->entity_type ? env->entity_type : "(null)");
	if ((rc = parse_op(env->operation, &op, e)) ||
	    (rc = parse_payload(env, op, &payload, e)) ||
	    (rc = envelope_time(env, payload, &client_time, e)) ||
	    (rc = check_identity(env, payload, e)))
		goto done;
	if ((rc = db_exec(db, "SAVEPOINT sync_apply", e)))
		goto done;
	rc = apply_op(db, entity, op, env, payload, client_time, e);
	if (rc < 0)
		db_exec(db, "ROLLBACK TO sync_apply", NULL);
	release = db_exec(db, "RELEASE sync_apply", rc < 0 ? NULL : e);
	if (release && rc >= 0)
		rc = release;
done:
	cJSON_Delete(payload);
	return rc;
}
