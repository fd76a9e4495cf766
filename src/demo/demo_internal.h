/*
 * demo_internal.h - what the parts of the demo generator share: the
 * seeded random source, the ids of what is already inserted, and the
 * stages of demo_fill(). Not part of the module's interface (demo.h).
 */
#ifndef DOMECEK_DEMO_INTERNAL_H
#define DOMECEK_DEMO_INTERNAL_H

#include "base/assets.h"
#include "demo/demo.h"

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct storage;

#define DEMO_ID_LEN 37 /* UUID text + NUL */
#define DEMO_USERS 3
#define DEMO_PROJECTS 2
#define DEMO_PROPERTIES 3
#define DEMO_MAX_UNITS 20
#define DEMO_RECORDS 60
#define DEMO_MAX_DOCUMENTS 160
#define DEMO_MAX_COMMENTS 64
#define DEMO_ACTIVITIES 5000
#define DEMO_HISTORY_DAYS 120

/* splitmix64: small, and the same sequence on every platform. */
struct demo_rng {
	uint64_t state;
};

struct demo_record_info {
	char id[DEMO_ID_LEN];
	const char *title; /* static text or NULL (an untitled draft) */
	int property;
	int creator;  /* index into users, or -1 for created_by NULL */
	int actor;    /* who the zaznam_created activity names */
	int is_draft; /* and not deleted */
	int is_deleted;
	int64_t created_at;
	int64_t updated_at;
};

struct demo_document_info {
	char id[DEMO_ID_LEN];
	int record;
	const char *type;
	char file_name[64];
	char storage_key[160];
	int64_t created_at;
};

struct demo_comment_info {
	char id[DEMO_ID_LEN];
	int record;
	int author;
	int64_t created_at;
};

struct demo_invitation_info {
	char id[DEMO_ID_LEN];
	const char *status, *email, *target_type, *target_name;
	int creator;
	int64_t created_at;
};

struct demo_ctx {
	sqlite3 *db;
	struct storage *storage;
	int64_t now;
	struct demo_rng rng;
	struct demo_counts *counts;
	struct err *e;

	char users[DEMO_USERS][DEMO_ID_LEN];
	char projects[DEMO_PROJECTS][DEMO_ID_LEN];
	char properties[DEMO_PROPERTIES][DEMO_ID_LEN];
	int property_project[DEMO_PROPERTIES];
	char units[DEMO_MAX_UNITS][DEMO_ID_LEN];
	int unit_property[DEMO_MAX_UNITS];
	const char *unit_type[DEMO_MAX_UNITS];
	int unit_count;

	struct demo_record_info records[DEMO_RECORDS];
	int record_count;
	struct demo_document_info documents[DEMO_MAX_DOCUMENTS];
	int document_count;
	/* Keys of the files this run stored, removed again if it fails. */
	const char *written[DEMO_MAX_DOCUMENTS];
	int files_written;
	struct demo_comment_info comments[DEMO_MAX_COMMENTS];
	int comment_count;
	struct demo_invitation_info invitations[8];
	int invitation_count;
};

/* demo.c: random source, ids, JSON, names */
void demo_rng_seed(struct demo_rng *rng, unsigned seed);
uint64_t demo_rng_next(struct demo_rng *rng);
/* Uniform-enough integer in [low, high]. */
int64_t demo_rng_between(struct demo_rng *rng, int64_t low, int64_t high);
/* A lowercase version-4 UUID. */
void demo_uuid(struct demo_rng *rng, char out[DEMO_ID_LEN]);
/* n lowercase hex digits and a NUL into out[n + 1]. */
void demo_hex(struct demo_rng *rng, char *out, size_t n);
/* Prints and deletes obj; NULL (and ERR_NOMEM in e) when out of memory.
 * Caller frees the text. */
char *demo_json(struct cJSON *obj, struct err *e);
/* Display names by index: "Jana Nováková", "Chalupa Kvilda", ... */
const char *demo_user_name(int i);
const char *demo_user_email(int i);
const char *demo_property_name(int i);
const char *demo_project_name(int i);
/* 0 for the user whose preferences turn push_draft_reminders off. */
int demo_user_wants_draft_reminders(int user);
/* A user who may write records on the property (owner or editor). */
int demo_pick_editor(struct demo_ctx *ctx, int property);
/* A unit of the property with that unit_type ("room": any room), or NULL. */
const char *demo_pick_unit(struct demo_ctx *ctx, int property,
			   const char *unit_type);
/* YYYY-MM-DD of ms into out[11]. */
void demo_date(int64_t ms, char out[11]);

/* demo_records.c */
int demo_fill_records(struct demo_ctx *ctx);

/* demo_history.c */
int demo_fill_activities(struct demo_ctx *ctx);
int demo_fill_notifications(struct demo_ctx *ctx);

/* demo_accounts.c */
int demo_fill_invitations(struct demo_ctx *ctx);
int demo_fill_tokens(struct demo_ctx *ctx);
int demo_fill_sync_queue(struct demo_ctx *ctx);
int demo_fill_contacts(struct demo_ctx *ctx);
int demo_fill_settings_and_audit(struct demo_ctx *ctx);

/* demo_files.c: the fixture named name ("demo/photo-1.jpg") or NULL;
 * its extension ("jpg") and MIME type. */
const struct asset *demo_fixture(const char *name);
const char *demo_fixture_extension(const struct asset *fixture);
const char *demo_fixture_mime(const struct asset *fixture);
/* Stores a copy of fixture under key (blocking), replacing any blob
 * there. Errors are the storage's, prefixed with the key. */
int demo_file_put(struct storage *st, const char *key,
		  const struct asset *fixture, struct err *e);
/* Deletes the files listed in ctx->written (best effort). */
void demo_files_remove(struct demo_ctx *ctx);

#endif
