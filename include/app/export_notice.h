/*
 * export_notice.h - what the export job tells the user: the user's
 * address and language, the download link, the export_ready email and,
 * when the export is too big, the export_failed notification and email.
 *
 * Everything that inserts runs inside the caller's open transaction
 * (db_begin), so the job records the outcome and the follow-up email
 * atomically; emails are queued with queue_insert and a unique key, so a
 * rerun never sends twice.
 */
#ifndef DOMECEK_EXPORT_NOTICE_H
#define DOMECEK_EXPORT_NOTICE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct config;
struct err;
struct storage;

struct export_user {
	char id[64];
	char email[320];
	char first_name[256];
	char language[8]; /* "cs" or "en" */
};

/* Loads a user that exists and is not deleted. ERR_INVALID "unknown user
 * <id>" otherwise (a payload naming nobody is never retried). */
int export_user_load(sqlite3 *db, const char *id, struct export_user *u,
		     struct err *e);

/* "12,4 MB" for cs, "12.4 MB" for en; decimal units (1 MB = 10^6 B), one
 * decimal from kB up, whole bytes below 1 kB. */
void export_format_size(int64_t bytes, const char *language, char *out,
			size_t size);

/* Links.SigningKey when set; otherwise the key kept in jobs_settings
 * 'links.signing_key', generated and saved there on first use (inside
 * the caller's transaction). */
int export_signing_key(sqlite3 *db, const struct config *cfg, char *out,
		       size_t size, struct err *e);

/* Appends the download link of key, valid until expires_ms: a presigned
 * URL when the storage can presign (S3), else Http.PublicUrl (or
 * http://Http.Listen) + "/exports/" + a signed token (links.h). */
int export_link(sqlite3 *db, const struct config *cfg, struct storage *st,
		const char *key, int64_t now, int64_t expires_ms,
		struct buf *out, struct err *e);

/* Queues the export_ready email. */
int export_queue_ready(sqlite3 *db, const struct export_user *u,
		       int64_t size_bytes, const char *link, int expires_hours,
		       const char *unique_key, struct err *e);

/* Inserts the export_failed notification (payload {"reason":
 * "max_size_exceeded", "maxSizeBytes": N}) and queues the export_failed
 * email saying why, in the user's language. */
int export_record_too_big(sqlite3 *db, const struct export_user *u, int64_t now,
			  int64_t max_bytes, const char *unique_key,
			  struct err *e);

#endif
