/*
 * export_notice.c - what the export job tells the user.
 *
 * Payloads are built with cJSON so that names and links with quotes or
 * non-ASCII characters are escaped; the send_email job renders them with
 * the export_ready / export_failed templates (assets/templates/README.md
 * lists their fields).
 */
#include "app/export_notice.h"
#include "base/uuid.h"
#include "app/mail_enqueue.h"
#include "app/notification.h"
#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "app/links.h"
#include "core/queue.h"
#include "storage/sigv4.h"
#include "storage/storage.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_MAX 8192
#define SETTING_KEY "links.signing_key"

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(out, size, "%s", v ? (const char *)v : "");
}

int export_user_load(sqlite3 *db, const char *id, struct export_user *u,
		     struct err *e)
{
	static const char sql[] =
	    "SELECT email, first_name, preferred_language FROM users\n"
	    "WHERE id = lower(?1) AND is_deleted = 0";
	sqlite3_stmt *st;
	int rc;

	memset(u, 0, sizeof(*u));
	if (!uuid_is_valid(id))
		return err_set(e, ERR_INVALID,
			       "unknown user %.64s (userId "
			       "must be a UUID)",
			       id);
	if ((rc = db_prepare(db, sql, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(u->id, sizeof(u->id), "%s", id);
		for (char *p = u->id; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		copy_col(st, 0, u->email, sizeof(u->email));
		copy_col(st, 1, u->first_name, sizeof(u->first_name));
		copy_col(st, 2, u->language, sizeof(u->language));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_INVALID, "unknown user %s", id);
	} else {
		rc = db_error(db, rc, e, "loading the user to export");
	}
	sqlite3_finalize(st);
	return rc;
}

void export_format_size(int64_t bytes, const char *language, char *out,
			size_t size)
{
	static const char *const units[] = {"kB", "MB", "GB", "TB"};
	int64_t scale = 1000;
	int unit = 0;
	char *dot;

	if (bytes < 1000) {
		snprintf(out, size, "%lld B", (long long)bytes);
		return;
	}
	/* Up a unit while the rounded figure would read 1000.0 or more. */
	while (unit < 3 && (bytes * 10 + scale / 2) / scale >= 10000) {
		scale *= 1000;
		unit++;
	}
	/* Tenths in integers: no locale, no float rounding surprises. */
	int64_t tenths = (bytes * 10 + scale / 2) / scale;

	snprintf(out, size, "%lld.%lld %s", (long long)(tenths / 10),
		 (long long)(tenths % 10), units[unit]);
	dot = strchr(out, '.');
	if (dot && language && strcmp(language, "en") != 0)
		*dot = ',';
}

int export_signing_key(sqlite3 *db, const struct config *cfg, char *out,
		       size_t size, struct err *e)
{
	char fresh[65];
	int rc;

	if (cfg->links.signing_key[0]) {
		snprintf(out, size, "%s", cfg->links.signing_key);
		return 0;
	}
	rc = db_setting_get(db, SETTING_KEY, out, size, e);
	if (rc != ERR_NOTFOUND)
		return rc;
	if (links_generate_key(fresh) != 0)
		return err_set(e, ERR_IO,
			       "cannot generate a link signing key: "
			       "no randomness");
	if ((rc = db_setting_set(db, SETTING_KEY, fresh, e)))
		return rc;
	snprintf(out, size, "%s", fresh);
	return 0;
}

static int local_link(sqlite3 *db, const struct config *cfg, const char *key,
		      int64_t expires_ms, struct buf *out, struct err *e)
{
	char signing[CONFIG_STR];
	const char *base = cfg->http.public_url;
	size_t len = strlen(base);
	int rc;

	if ((rc = export_signing_key(db, cfg, signing, sizeof(signing), e)))
		return rc;
	while (len > 0 && base[len - 1] == '/')
		len--;
	rc = len ? buf_printf(out, "%.*s/exports/", (int)len, base)
		 : buf_printf(out, "http://%s/exports/", cfg->http.listen);
	if (rc)
		return err_set(e, rc, "download link too long");
	return links_sign(signing, key, expires_ms, out, e);
}

int export_link(sqlite3 *db, const struct config *cfg, struct storage *st,
		const char *key, int64_t now, int64_t expires_ms,
		struct buf *out, struct err *e)
{
	int64_t seconds = (expires_ms - now) / 1000;
	int64_t signed_at = clock_real(); /* S3 checks its own clock */

	if (strcmp(storage_provider_name(st), "local") == 0)
		return local_link(db, cfg, key, expires_ms, out, e);
	/* S3 cannot presign for longer than seven days. */
	if (seconds > SIGV4_MAX_EXPIRES)
		seconds = SIGV4_MAX_EXPIRES;
	return storage_presign_get(st, key, signed_at, (int)seconds, out, e);
}

/* The user's first name goes in as "name", for the greeting. */
static int queue_email(sqlite3 *db, const char *template,
		       const struct export_user *u, cJSON *data,
		       const char *unique_key, struct err *e)
{
	if (data && u->first_name[0])
		cJSON_AddStringToObject(data, "name", u->first_name);
	return mail_enqueue(db, template, u->email, u->language, data,
			    unique_key, NULL, e);
}

int export_queue_ready(sqlite3 *db, const struct export_user *u,
		       int64_t size_bytes, const char *link, int expires_hours,
		       const char *unique_key, struct err *e)
{
	cJSON *data = cJSON_CreateObject();
	char size[32];

	if (!data)
		return err_set(e, ERR_NOMEM, "no memory for the email");
	export_format_size(size_bytes, u->language, size, sizeof(size));
	cJSON_AddStringToObject(data, "size", size);
	cJSON_AddStringToObject(data, "link", link);
	cJSON_AddNumberToObject(data, "expiresHours", expires_hours);
	return queue_email(db, "export_ready", u, data, unique_key, e);
}

int export_record_too_big(sqlite3 *db, const struct export_user *u, int64_t now,
			  int64_t max_bytes, const char *unique_key,
			  struct err *e)
{
	int is_en = strcmp(u->language, "en") == 0;
	char payload[128], limit[32], reason[256];
	const char *advice =
	    is_en ? "Trying again will not help: the same data would be too "
		    "large again. You can ask for an export without photos "
		    "(ask the administrator to turn off "
		    "Jobs.ExportData.IncludePhotos), or for the data alone in "
		    "JSON without any files, or ask for a higher limit."
		  : "Opakování nepomůže: stejná data by byla opět příliš "
		    "velká. Můžete požádat o export bez fotografií (správce "
		    "vypne Jobs.ExportData.IncludePhotos), o samotná data ve "
		    "formátu JSON bez souborů, nebo o vyšší limit.";
	cJSON *data;
	int rc;

	snprintf(payload, sizeof(payload),
		 "{\"reason\":\"max_size_exceeded\",\"maxSizeBytes\":%lld}",
		 (long long)max_bytes);
	if ((rc = notification_insert(db, u->id, "export_failed", payload, now,
				      NULL, e)))
		return rc;
	export_format_size(max_bytes, u->language, limit, sizeof(limit));
	snprintf(reason, sizeof(reason),
		 is_en ? "Your data is larger than the allowed limit of %s."
		       : "Vaše data jsou větší než povolený limit %s.",
		 limit);
	if (!(data = cJSON_CreateObject()) ||
	    !cJSON_AddStringToObject(data, "reason", reason) ||
	    !cJSON_AddStringToObject(data, "advice", advice)) {
		cJSON_Delete(data);
		return err_set(e, ERR_NOMEM, "no memory for the email");
	}
	return queue_email(db, "export_failed", u, data, unique_key, e);
}
