/*
 * demo.h - a believable Czech household in the app tables, and the one way
 * to insert each kind of app row.
 *
 * demo_fill() backs the `demo` command: it fills an already migrated,
 * empty database with users, projects, properties, records (drafts of
 * every age that matters to the jobs), documents with real files,
 * invitations, a 120-day history of activities and notifications, refresh
 * tokens, sync items, contacts, settings and audit rows. The same seed and
 * now give the same database and the same files, byte for byte. The
 * document files are copies of small real fixtures (assets/demo/, built
 * into libdemo.a, see demo_fixtures) written through the storage
 * interface, so the Local and S3 providers both get them.
 *
 * The demo_insert_*() functions insert one row each, for demo_fill() and
 * for tests that need an edge-case row. A row is described by a struct
 * meant for designated initializers: a field left zero means "unset" —
 * a NULL string or a 0 time binds NULL for a nullable column and the
 * schema's default for a column that has one (status 'draft', role
 * 'viewer', language 'cs', ...). Times are ms since the epoch UTC and are
 * stored in the data model's fixed format. updated_at left 0 becomes
 * created_at. No function keeps a pointer to what it is given.
 *
 * Errors: ERR_DB with SQLite's message and the row's id (constraint
 * violations included), ERR_BUSY when the database is locked.
 */
#ifndef DOMECEK_DEMO_H
#define DOMECEK_DEMO_H

#include "base/assets.h"

#include <sqlite3.h>
#include <stdint.h>

struct err;
struct storage;

/* The fixture files, named "demo/<file>" (photo-1.jpg ... photo-4.jpg,
 * uctenka.png, faktura.pdf, revize.pdf); ends with a NULL name. */
extern const struct asset demo_fixtures[];

/* Rows demo_fill() inserted per table, and the files it wrote. */
struct demo_counts {
	int users;
	int user_preferences;
	int refresh_tokens;
	int app_settings;
	int projects;
	int project_members;
	int properties;
	int property_members;
	int units;
	int zaznamy;
	int drafts; /* of zaznamy: status 'draft' and not deleted */
	int zaznam_dokumenty;
	int zaznam_tags;
	int comments;
	int comment_mentions;
	int invitations;
	int activities;
	int notifications;
	int contacts;
	int contact_groups;
	int contact_group_members;
	int audit_log;
	int sync_queue;
	int files;	    /* document files stored */
	int64_t file_bytes; /* their total size */
};

/*
 * Fills db (migrated, foreign_keys on, no users yet) with the household,
 * in one transaction, and stores each document's file under its
 * storage_key in st (the blocking storage calls: for the CLI and tests).
 * Every time is relative to now_ms; the UUIDs and the choice of files
 * come from seed. counts may be NULL. Errors: ERR_CONFLICT when the
 * database already has users (nothing is changed), the storage's error
 * (ERR_IO, ERR_NOSPACE, ERR_TEMP, ...) naming the key when a file cannot
 * be stored, ERR_DB/ERR_BUSY as above. On error the transaction is
 * rolled back and the files this call stored are deleted again.
 */
int demo_fill(sqlite3 *db, struct storage *st, int64_t now_ms, unsigned seed,
	      struct demo_counts *counts, struct err *e);

struct demo_user {
	const char *id, *email; /* required; email lowercase */
	const char *first_name, *last_name, *phone, *avatar_storage_key;
	const char *preferred_language; /* NULL: 'cs' */
	const char *theme_preference;	/* NULL: 'system' */
	int is_admin, is_blocked, is_deleted;
	const char *blocked_reason;
	int64_t created_at; /* required */
	int64_t last_login_at, deleted_at;
};
int demo_insert_user(sqlite3 *db, const struct demo_user *row, struct err *e);

/* All columns are given; start from DEMO_PREFERENCES_DEFAULTS. */
struct demo_preferences {
	const char *user_id;
	int push_new_comments, push_mentions, push_shared_activity;
	int push_draft_reminders, email_weekly_summary, email_invitations;
	int sync_enabled, sync_on_mobile_data;
};
#define DEMO_PREFERENCES_DEFAULTS(user)                                        \
	{                                                                      \
		(user), 1, 1, 1, 1, 0, 1, 1, 0                                 \
	}
int demo_insert_preferences(sqlite3 *db, const struct demo_preferences *row,
			    struct err *e);

struct demo_refresh_token {
	const char *id, *user_id, *token_hash; /* required */
	const char *device_info, *replaced_by_token_id;
	int64_t created_at, expires_at; /* required */
	int64_t revoked_at;
};
int demo_insert_refresh_token(sqlite3 *db, const struct demo_refresh_token *row,
			      struct err *e);

/* value is JSON text; updated_at 0 is the database's now. */
int demo_insert_app_setting(sqlite3 *db, const char *key, const char *value,
			    const char *updated_by_user_id, int64_t updated_at,
			    struct err *e);

struct demo_project {
	const char *id, *owner_id, *name; /* required */
	const char *description;
	int64_t created_at; /* required */
	int64_t updated_at, deleted_at;
	int is_deleted;
};
int demo_insert_project(sqlite3 *db, const struct demo_project *row,
			struct err *e);

/* A project_members or property_members row: target_id is the project or
 * the property. */
struct demo_member {
	const char *id, *target_id, *user_id; /* required */
	const char *role;		      /* NULL: 'viewer' */
	const char *permissions;	      /* JSON or NULL */
	int64_t created_at;		      /* required */
};
int demo_insert_project_member(sqlite3 *db, const struct demo_member *row,
			       struct err *e);
int demo_insert_property_member(sqlite3 *db, const struct demo_member *row,
				struct err *e);

struct demo_property {
	const char *id, *project_id, *name; /* required */
	const char *description;
	int has_location; /* 0: latitude and longitude NULL */
	double latitude, longitude;
	int geo_radius;	    /* 0: 100 */
	int64_t created_at; /* required */
	int64_t updated_at, deleted_at;
	int is_deleted;
};
int demo_insert_property(sqlite3 *db, const struct demo_property *row,
			 struct err *e);

struct demo_unit {
	const char *id, *property_id, *name; /* required */
	const char *parent_unit_id, *description;
	const char *unit_type; /* NULL: 'other' */
	int64_t created_at;    /* required */
	int64_t updated_at, deleted_at;
	int is_deleted;
};
int demo_insert_unit(sqlite3 *db, const struct demo_unit *row, struct err *e);

struct demo_record {
	const char *id, *property_id; /* required */
	const char *unit_id, *title, *description;
	const char *date;   /* YYYY-MM-DD or NULL */
	int has_cost;	    /* 0: cost NULL */
	int64_t cost;	    /* CZK */
	const char *status; /* NULL: 'draft' */
	int64_t flags;
	const char *created_by; /* NULL allowed: see data-model.md */
	int64_t created_at;	/* required */
	int64_t updated_at, deleted_at;
	int is_deleted;
};
int demo_insert_record(sqlite3 *db, const struct demo_record *row,
		       struct err *e);
int demo_insert_record_tag(sqlite3 *db, const char *zaznam_id, int tag_id,
			   struct err *e);

struct demo_document {
	const char *id, *zaznam_id, *storage_key; /* required */
	const char *type;			  /* NULL: 'document' */
	const char *original_file_name, *mime_type, *description;
	int64_t size_bytes; /* < 0: NULL */
	int64_t created_at; /* required */
	int64_t updated_at, deleted_at;
	int is_deleted;
};
int demo_insert_document(sqlite3 *db, const struct demo_document *row,
			 struct err *e);

struct demo_comment {
	const char *id, *zaznam_id, *author_user_id, *content; /* required */
	int64_t created_at;				       /* required */
	int64_t updated_at, deleted_at;
	int is_deleted;
};
int demo_insert_comment(sqlite3 *db, const struct demo_comment *row,
			struct err *e);
int demo_insert_mention(sqlite3 *db, const char *comment_id,
			const char *mentioned_user_id, struct err *e);

struct demo_invitation {
	const char *id, *token_hash, *target_type, *target_id, *email,
	    *created_by;  /* required */
	const char *role; /* NULL: 'viewer' */
	const char *permissions;
	const char *status;		/* NULL: 'pending' */
	int64_t expires_at, created_at; /* required */
};
int demo_insert_invitation(sqlite3 *db, const struct demo_invitation *row,
			   struct err *e);

struct demo_activity {
	const char *id, *property_id, *type; /* required */
	const char *actor_user_id, *target_type, *target_id;
	const char *metadata; /* JSON or NULL */
	int64_t created_at;   /* required */
};
int demo_insert_activity(sqlite3 *db, const struct demo_activity *row,
			 struct err *e);

struct demo_notification {
	const char *id, *user_id, *type; /* required */
	const char *payload;		 /* JSON; NULL: '{}' */
	int64_t read_at;		 /* 0: unread */
	int64_t created_at;		 /* required */
};
int demo_insert_notification(sqlite3 *db, const struct demo_notification *row,
			     struct err *e);

struct demo_sync_item {
	const char *id, *user_id, *entity_type, *entity_id,
	    *operation;	     /* required */
	const char *payload; /* JSON; NULL only for a delete */
	const char *status;  /* NULL: 'pending' */
	int retry_count;
	const char *last_error;
	int64_t client_updated_at, next_retry_at, last_attempt_at;
	int64_t created_at; /* required */
};
int demo_insert_sync_item(sqlite3 *db, const struct demo_sync_item *row,
			  struct err *e);

int demo_insert_contact(sqlite3 *db, const char *id, const char *owner_user_id,
			const char *email, const char *display_name,
			int64_t created_at, struct err *e);
int demo_insert_contact_group(sqlite3 *db, const char *id,
			      const char *owner_user_id, const char *name,
			      int64_t created_at, struct err *e);
int demo_insert_contact_group_member(sqlite3 *db, const char *id,
				     const char *group_id,
				     const char *contact_id, struct err *e);

struct demo_audit {
	const char *id, *entity_type, *entity_id, *action; /* required */
	const char *actor_user_id;
	const char *diff_summary; /* JSON or NULL */
	int64_t created_at;	  /* required */
};
int demo_insert_audit(sqlite3 *db, const struct demo_audit *row, struct err *e);

#endif
