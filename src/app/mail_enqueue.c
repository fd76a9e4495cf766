/*
 * mail_enqueue.c - the one way to ask for an email from inside a job.
 *
 * Builds the send_email payload ({"template","to","language","data"}) and
 * inserts it into the queue within the caller's open transaction, so an
 * email is queued exactly when the change that causes it commits. The
 * mail layer below only sends; queueing is the application's business.
 */
#include "app/mail_enqueue.h"
#include "base/err.h"
#include "core/queue.h"

#include <cjson/cJSON.h>

int mail_enqueue(sqlite3 *db, const char *template, const char *to,
		 const char *language, cJSON *data, const char *unique_key,
		 int *inserted, struct err *e)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;
	int rc;

	if (!root || !data) {
		cJSON_Delete(root);
		cJSON_Delete(data);
		return err_set(e, ERR_NOMEM, "no memory for a %s email",
			       template);
	}
	cJSON_AddItemToObject(root, "data", data);
	if (!cJSON_AddStringToObject(root, "template", template) ||
	    !cJSON_AddStringToObject(root, "to", to) ||
	    !cJSON_AddStringToObject(
		root, "language", language && language[0] ? language : "cs") ||
	    !(text = cJSON_PrintUnformatted(root))) {
		cJSON_Delete(root);
		return err_set(e, ERR_NOMEM, "no memory for a %s email",
			       template);
	}
	rc = queue_insert(db, "send_email", text, unique_key, 0, inserted, e);
	cJSON_free(text);
	cJSON_Delete(root);
	return rc;
}
