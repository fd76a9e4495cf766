/*
 * notification.h - inserting rows into the app's notifications table.
 *
 * The app reads notifications (data-model.md); the jobs only add them:
 * a fresh lowercase UUID v4 id, a type from the table's CHECK list, a
 * JSON payload, created_at = the job's now, unread. Callers insert inside
 * their own write transaction, so a notification commits together with
 * the change that caused it.
 */
#ifndef DOMECEK_NOTIFICATION_H
#define DOMECEK_NOTIFICATION_H

#include <sqlite3.h>
#include <stdint.h>

struct err;

#define NOTIFICATION_ID_LEN 37 /* a UUID: 36 chars + NUL (base/uuid.h) */

/* Inserts one unread notification for user_id. payload_json is JSON text
 * (the caller keeps ownership). id_out may be NULL. Errors: ERR_IO (no
 * randomness), ERR_DB/ERR_BUSY with SQLite's message and the type. */
int notification_insert(sqlite3 *db, const char *user_id, const char *type,
			const char *payload_json, int64_t now,
			char id_out[NOTIFICATION_ID_LEN], struct err *e);

#endif
