/*
 * demo_rows.c - one insert per kind of app row (see demo.h).
 *
 * Each function lists its values once, in the column order of the app
 * tables' description (app/app_tables.h), and hands them to rows_insert(),
 * which builds the table's INSERT from that description, binds every
 * value (nothing is pasted into SQL) and turns a failure into a message
 * that names the table and the row's id. A NULL bound into a column with
 * a default takes the default (the built INSERT says coalesce), so the
 * defaults a zero field stands for are the schema's, written nowhere
 * here; test_demo checks the two agree.
 */
#include "demo/demo.h"

#include "app/app_tables.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"

enum value_kind { VALUE_NULL, VALUE_TEXT, VALUE_INT, VALUE_REAL, VALUE_TIME };

struct value {
	enum value_kind kind;
	const char *text;
	int64_t number;
	double real;
};

static struct value text(const char *s)
{
	return (struct value){s ? VALUE_TEXT : VALUE_NULL, s, 0, 0};
}

static struct value integer(int64_t n)
{
	return (struct value){VALUE_INT, NULL, n, 0};
}

/* 0 is "unset": no row of the app is dated 1970-01-01T00:00:00.000Z. */
static struct value timestamp(int64_t ms)
{
	return (struct value){ms ? VALUE_TIME : VALUE_NULL, NULL, ms, 0};
}

static struct value real_or_null(int is_set, double d)
{
	return (struct value){is_set ? VALUE_REAL : VALUE_NULL, NULL, 0, d};
}

static int bind_value(sqlite3_stmt *stmt, int index, const struct value *v)
{
	char iso[CLOCK_ISO_LEN];

	switch (v->kind) {
	case VALUE_TEXT:
		return sqlite3_bind_text(stmt, index, v->text, -1,
					 SQLITE_STATIC);
	case VALUE_INT:
		return sqlite3_bind_int64(stmt, index, v->number);
	case VALUE_REAL:
		return sqlite3_bind_double(stmt, index, v->real);
	case VALUE_TIME:
		clock_format(v->number, iso);
		return sqlite3_bind_text(stmt, index, iso, -1,
					 SQLITE_TRANSIENT);
	case VALUE_NULL:
		break;
	}
	return sqlite3_bind_null(stmt, index);
}

static int insert_error(sqlite3 *db, int rc, const char *table, const char *id,
			struct err *e)
{
	return err_set(e,
		       (rc & 0xff) == SQLITE_BUSY ||
			       (rc & 0xff) == SQLITE_LOCKED
			   ? ERR_BUSY
			   : ERR_DB,
		       "cannot insert into %s the row %s: %s", table,
		       id ? id : "(no id)", sqlite3_errmsg(db));
}

/* values are the table's columns, all of them, in description order. */
static int rows_insert(sqlite3 *db, const char *table, const char *id,
		       const struct value *values, int count, struct err *e)
{
	const struct app_table *t = app_table_find(table);
	sqlite3_stmt *stmt = NULL;
	struct buf sql;
	int rc;

	if (!t || count != (int)t->column_count)
		return err_set(e, ERR_INVALID,
			       "demo: %d values for %s, not one for each "
			       "column of the app tables' description",
			       count, table);
	buf_init(&sql, 4096);
	if ((rc = app_sql_insert(t, &sql, e)))
		goto done;
	rc = sqlite3_prepare_v2(db, buf_str(&sql), -1, &stmt, NULL);
	for (int i = 0; rc == SQLITE_OK && i < count; i++)
		rc = bind_value(stmt, i + 1, &values[i]);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	rc = rc == SQLITE_DONE ? 0 : insert_error(db, rc, table, id, e);
done:
	sqlite3_finalize(stmt);
	buf_free(&sql);
	return rc;
}

#define INSERT(db, table, id, values, e)                                       \
	rows_insert((db), (table), (id), (values),                             \
		    (int)(sizeof(values) / sizeof((values)[0])), (e))

int demo_insert_user(sqlite3 *db, const struct demo_user *r, struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->first_name),
	    text(r->last_name),
	    text(r->email),
	    text(r->phone),
	    text(r->avatar_storage_key),
	    text(r->preferred_language),
	    text(r->theme_preference),
	    integer(r->is_admin),
	    timestamp(r->created_at),
	    timestamp(r->last_login_at),
	    integer(r->is_blocked),
	    text(r->blocked_reason),
	    integer(r->is_deleted),
	    timestamp(r->deleted_at),
	};
	return INSERT(db, "users", r->id, v, e);
}

int demo_insert_preferences(sqlite3 *db, const struct demo_preferences *r,
			    struct err *e)
{
	const struct value v[] = {
	    text(r->user_id),
	    integer(r->push_new_comments),
	    integer(r->push_mentions),
	    integer(r->push_shared_activity),
	    integer(r->push_draft_reminders),
	    integer(r->email_weekly_summary),
	    integer(r->email_invitations),
	    integer(r->sync_enabled),
	    integer(r->sync_on_mobile_data),
	};
	return INSERT(db, "user_preferences", r->user_id, v, e);
}

int demo_insert_refresh_token(sqlite3 *db, const struct demo_refresh_token *r,
			      struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->user_id),
	    text(r->token_hash),
	    text(r->device_info),
	    timestamp(r->created_at),
	    timestamp(r->expires_at),
	    timestamp(r->revoked_at),
	    text(r->replaced_by_token_id),
	};
	return INSERT(db, "refresh_tokens", r->id, v, e);
}

int demo_insert_app_setting(sqlite3 *db, const char *key, const char *value,
			    const char *updated_by_user_id, int64_t updated_at,
			    struct err *e)
{
	const struct value v[] = {
	    text(key),
	    text(value),
	    timestamp(updated_at),
	    text(updated_by_user_id),
	};
	return INSERT(db, "app_settings", key, v, e);
}

int demo_insert_project(sqlite3 *db, const struct demo_project *r,
			struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->owner_id),
	    text(r->name),
	    text(r->description),
	    timestamp(r->created_at),
	    timestamp(r->updated_at),
	    integer(r->is_deleted),
	    timestamp(r->deleted_at),
	};
	return INSERT(db, "projects", r->id, v, e);
}

int demo_insert_project_member(sqlite3 *db, const struct demo_member *r,
			       struct err *e)
{
	const struct value v[] = {
	    text(r->id),   text(r->target_id),	 text(r->user_id),
	    text(r->role), text(r->permissions), timestamp(r->created_at),
	};
	return INSERT(db, "project_members", r->id, v, e);
}

int demo_insert_property_member(sqlite3 *db, const struct demo_member *r,
				struct err *e)
{
	const struct value v[] = {
	    text(r->id),   text(r->target_id),	 text(r->user_id),
	    text(r->role), text(r->permissions), timestamp(r->created_at),
	};
	return INSERT(db, "property_members", r->id, v, e);
}

int demo_insert_property(sqlite3 *db, const struct demo_property *r,
			 struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->project_id),
	    text(r->name),
	    text(r->description),
	    real_or_null(r->has_location, r->latitude),
	    real_or_null(r->has_location, r->longitude),
	    r->geo_radius ? integer(r->geo_radius) : text(NULL),
	    timestamp(r->created_at),
	    timestamp(r->updated_at),
	    integer(r->is_deleted),
	    timestamp(r->deleted_at),
	};
	return INSERT(db, "properties", r->id, v, e);
}

int demo_insert_unit(sqlite3 *db, const struct demo_unit *r, struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->property_id),
	    text(r->parent_unit_id),
	    text(r->name),
	    text(r->description),
	    text(r->unit_type),
	    timestamp(r->created_at),
	    timestamp(r->updated_at),
	    integer(r->is_deleted),
	    timestamp(r->deleted_at),
	};
	return INSERT(db, "units", r->id, v, e);
}

int demo_insert_record(sqlite3 *db, const struct demo_record *r, struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->property_id),
	    text(r->unit_id),
	    text(r->title),
	    text(r->description),
	    text(r->date),
	    r->has_cost ? integer(r->cost) : text(NULL),
	    text(r->status),
	    integer(r->flags),
	    text(r->created_by),
	    timestamp(r->created_at),
	    timestamp(r->updated_at),
	    integer(r->is_deleted),
	    timestamp(r->deleted_at),
	};
	return INSERT(db, "zaznamy", r->id, v, e);
}

int demo_insert_record_tag(sqlite3 *db, const char *zaznam_id, int tag_id,
			   struct err *e)
{
	const struct value v[] = {text(zaznam_id), integer(tag_id)};
	return INSERT(db, "zaznam_tags", zaznam_id, v, e);
}

int demo_insert_document(sqlite3 *db, const struct demo_document *r,
			 struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->zaznam_id),
	    text(r->type),
	    text(r->storage_key),
	    text(r->original_file_name),
	    text(r->mime_type),
	    r->size_bytes >= 0 ? integer(r->size_bytes) : text(NULL),
	    text(r->description),
	    timestamp(r->created_at),
	    timestamp(r->updated_at),
	    integer(r->is_deleted),
	    timestamp(r->deleted_at),
	};
	return INSERT(db, "zaznam_dokumenty", r->id, v, e);
}

int demo_insert_comment(sqlite3 *db, const struct demo_comment *r,
			struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->zaznam_id),
	    text(r->author_user_id),
	    text(r->content),
	    timestamp(r->created_at),
	    timestamp(r->updated_at),
	    integer(r->is_deleted),
	    timestamp(r->deleted_at),
	};
	return INSERT(db, "comments", r->id, v, e);
}

int demo_insert_mention(sqlite3 *db, const char *comment_id,
			const char *mentioned_user_id, struct err *e)
{
	const struct value v[] = {text(comment_id), text(mentioned_user_id)};
	return INSERT(db, "comment_mentions", comment_id, v, e);
}

int demo_insert_invitation(sqlite3 *db, const struct demo_invitation *r,
			   struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->token_hash),
	    text(r->target_type),
	    text(r->target_id),
	    text(r->email),
	    text(r->role),
	    text(r->permissions),
	    text(r->status),
	    timestamp(r->expires_at),
	    timestamp(r->created_at),
	    text(r->created_by),
	};
	return INSERT(db, "invitations", r->id, v, e);
}

int demo_insert_activity(sqlite3 *db, const struct demo_activity *r,
			 struct err *e)
{
	const struct value v[] = {
	    text(r->id),       text(r->property_id),	 text(r->actor_user_id),
	    text(r->type),     text(r->target_type),	 text(r->target_id),
	    text(r->metadata), timestamp(r->created_at),
	};
	return INSERT(db, "activities", r->id, v, e);
}

int demo_insert_notification(sqlite3 *db, const struct demo_notification *r,
			     struct err *e)
{
	const struct value v[] = {
	    text(r->id),      text(r->user_id),	     text(r->type),
	    text(r->payload), timestamp(r->read_at), timestamp(r->created_at),
	};
	return INSERT(db, "notifications", r->id, v, e);
}

int demo_insert_sync_item(sqlite3 *db, const struct demo_sync_item *r,
			  struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->user_id),
	    text(r->entity_type),
	    text(r->entity_id),
	    text(r->operation),
	    text(r->payload),
	    timestamp(r->client_updated_at),
	    text(r->status),
	    integer(r->retry_count),
	    timestamp(r->next_retry_at),
	    timestamp(r->last_attempt_at),
	    text(r->last_error),
	    timestamp(r->created_at),
	};
	return INSERT(db, "sync_queue", r->id, v, e);
}

int demo_insert_contact(sqlite3 *db, const char *id, const char *owner_user_id,
			const char *email, const char *display_name,
			int64_t created_at, struct err *e)
{
	const struct value v[] = {
	    text(id),		text(owner_user_id),   text(email),
	    text(display_name), timestamp(created_at),
	};
	return INSERT(db, "contacts", id, v, e);
}

int demo_insert_contact_group(sqlite3 *db, const char *id,
			      const char *owner_user_id, const char *name,
			      int64_t created_at, struct err *e)
{
	const struct value v[] = {
	    text(id),
	    text(owner_user_id),
	    text(name),
	    timestamp(created_at),
	};
	return INSERT(db, "contact_groups", id, v, e);
}

int demo_insert_contact_group_member(sqlite3 *db, const char *id,
				     const char *group_id,
				     const char *contact_id, struct err *e)
{
	const struct value v[] = {text(id), text(group_id), text(contact_id)};
	return INSERT(db, "contact_group_members", id, v, e);
}

int demo_insert_audit(sqlite3 *db, const struct demo_audit *r, struct err *e)
{
	const struct value v[] = {
	    text(r->id),
	    text(r->entity_type),
	    text(r->entity_id),
	    text(r->action),
	    text(r->actor_user_id),
	    text(r->diff_summary),
	    timestamp(r->created_at),
	};
	return INSERT(db, "audit_log", r->id, v, e);
}
