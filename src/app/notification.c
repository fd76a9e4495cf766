/*
 * notification.c - the jobs' one way to add a row to notifications.
 *
 * Ids are random UUID v4 (base/uuid.h), lowercase as the data model
 * wants. The insert is a plain statement the caller runs inside its
 * own transaction; nothing here begins or commits.
 */
#include "app/notification.h"
#include "base/uuid.h"
#include "db/db.h"
#include "base/err.h"

#include <stdio.h>

static const char insert_sql[] =
    "INSERT INTO notifications (id, user_id, type, payload, created_at)\n"
    "VALUES (?1, ?2, ?3, ?4, ?5)";

int notification_insert(sqlite3 *db, const char *user_id, const char *type,
			const char *payload_json, int64_t now,
			char id_out[NOTIFICATION_ID_LEN], struct err *e)
{
	char id[NOTIFICATION_ID_LEN];
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = uuid_random(id)
		      ? err_set(e, ERR_IO,
				"no random bytes for a notification id")
		      : 0) ||
	    (rc = db_prepare(db, insert_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, payload_json, -1, SQLITE_STATIC);
	db_bind_time(stmt, 5, now);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		rc = db_error(db, rc, e, "insert notification");
		err_prefix(e, "%s for user %s", type, user_id);
		goto done;
	}
	rc = 0;
	if (id_out)
		snprintf(id_out, NOTIFICATION_ID_LEN, "%s", id);
done:
	sqlite3_finalize(stmt);
	return rc;
}
