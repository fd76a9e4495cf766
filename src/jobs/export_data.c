/*
 * export_data.c - a user's data as a ZIP (export.json + files/<key>) or
 * as export.json alone, stored under exports/{userId}/, then emailed as a
 * download link.
 *
 * Payload: {"userId": "<uuid>", "format": "zip" | "json"} (zip when
 * format is absent). A step machine, each step bounded:
 *   FILES   (zip) one document per step, at most STEP_BYTES of it; a
 *           local blob is read from its file (storage_local_open_blob),
 *           a remote blob is first downloaded to a temp file (JOB_WAIT),
 *           so the loop never blocks on S3. A missing blob, or a local
 *           key refused for a symbolic link on its way, is listed in
 *           export.json "missingFiles" and the export goes on.
 *   JSON    one page of export.json (export_json.h). It comes after the
 *           files, so that missingFiles is known when it is written.
 *   COMMIT  finishes the ZIP, records the export (exports table, for
 *           export_cleanup) and commits the blob (an upload for S3).
 *   NOTIFY  link + export_ready email, in one transaction.
 * Memory is flat: one page of JSON, one 64 KiB copy buffer, libarchive's
 * deflate state. Crossing MaxSizeBytes aborts the writer (nothing appears
 * under the key), records the export_failed notification and email, and
 * fails the job with ERR_TOOBIG, which is final.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "app/export_json.h"
#include "app/export_notice.h"
#include "core/job.h"
#include "core/services.h"
#include "storage/sigv4.h"
#include "storage/storage.h"
#include "app/transfer.h"
#include "storage/zipstream.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STEP_BYTES (1024 * 1024)
#define COPY_BYTES (64 * 1024)
#define JSON_PIECE_MAX (16 * 1024 * 1024)
#define PATH_CAP 4096

enum phase { PH_FILES, PH_JSON, PH_COMMIT, PH_COMMIT_WAIT, PH_NOTIFY };

struct doc {
	char id[64];
	char key[STORAGE_KEY_MAX + 1];
	int fd;		     /* the local blob, or a remote blob's download */
	char temp[PATH_CAP]; /* the download's path, "" when none */
	char mime[128];
	int64_t mtime;
	int is_open;
};

struct export_state {
	struct export_user user;
	int is_zip;
	char key[256];
	struct storage *st;
	int is_local;
	struct storage_writer *w;
	struct zipstream *z;
	struct export_json *json;
	struct buf piece;
	int64_t bytes; /* json format: bytes written */
	enum phase phase;
	char last_doc[64];
	struct doc doc;
	struct transfer t;
	char unique_key[128];
	char *copy;
};

static const char next_doc_sql[] =
    "WITH my_projects(id) AS (\n"
    "  SELECT id FROM projects WHERE owner_id = ?1 AND is_deleted = 0\n"
    "  UNION SELECT m.project_id FROM project_members m\n"
    "  JOIN projects p ON p.id = m.project_id\n"
    "  WHERE m.user_id = ?1 AND p.is_deleted = 0),\n"
    "my_properties(id) AS (\n"
    "  SELECT id FROM properties WHERE is_deleted = 0\n"
    "  AND project_id IN (SELECT id FROM my_projects)\n"
    "  UNION SELECT m.property_id FROM property_members m\n"
    "  JOIN properties p ON p.id = m.property_id\n"
    "  WHERE m.user_id = ?1 AND p.is_deleted = 0)\n"
    "SELECT d.id, d.storage_key, d.mime_type,\n"
    "       coalesce(d.updated_at, d.created_at)\n"
    "FROM zaznam_dokumenty d JOIN zaznamy z ON z.id = d.zaznam_id\n"
    "WHERE d.is_deleted = 0 AND z.is_deleted = 0\n"
    "  AND z.property_id IN (SELECT id FROM my_properties)\n"
    "  AND (?3 OR d.type <> 'photo') AND d.id > ?2\n"
    "ORDER BY d.id LIMIT 1";

static const char insert_export_sql[] =
    "INSERT OR REPLACE INTO exports (storage_key, user_id, job_id, format,\n"
    "  size_bytes, created_at, expires_at)\n"
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static int64_t expires_at(const struct job_ctx *ctx)
{
	return ctx->now + (int64_t)ctx->cfg->jobs.export_data.expiration_hours *
			      MS_PER_HOUR;
}

static int parse_payload(struct job_ctx *ctx, struct export_state *s,
			 struct err *e)
{
	const cJSON *id =
	    cJSON_GetObjectItemCaseSensitive(ctx->payload, "userId");
	const cJSON *fmt =
	    cJSON_GetObjectItemCaseSensitive(ctx->payload, "format");

	if (!cJSON_IsString(id))
		return err_set(e, ERR_INVALID,
			       "payload field userId: expected "
			       "the UUID of a user");
	if (fmt && (!cJSON_IsString(fmt) || (strcmp(fmt->valuestring, "zip") &&
					     strcmp(fmt->valuestring, "json"))))
		return err_set(e, ERR_INVALID,
			       "payload field format: expected "
			       "\"zip\" or \"json\"");
	s->is_zip = !fmt || strcmp(fmt->valuestring, "zip") == 0;
	return export_user_load(ctx->db, id->valuestring, &s->user, e);
}

static int export_start(struct job_ctx *ctx, struct err *e)
{
	struct export_state *s = calloc(1, sizeof(*s));
	struct export_json_options jo = {0};
	char stamp[SIGV4_DATE_LEN];
	struct buf path;
	int rc;

	if (!s || !(s->copy = malloc(COPY_BYTES))) {
		free(s);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	ctx->state = s;
	s->doc.fd = -1;
	buf_init(&s->piece, JSON_PIECE_MAX);
	if ((rc = parse_payload(ctx, s, e)))
		return rc;
	s->st = ctx->services ? ctx->services->storage : NULL;
	if (!s->st)
		return err_set(e, ERR_FATAL,
			       "export_data needs a storage "
			       "(Storage.Provider)");
	buf_init(&path, PATH_CAP);
	s->is_local = storage_path(s->st, "probe", &path, NULL) == 0;
	buf_free(&path);
	sigv4_format_date(ctx->now, stamp);
	snprintf(s->key, sizeof(s->key), "exports/%s/export_%s.%s", s->user.id,
		 stamp, s->is_zip ? "zip" : "json");
	if (ctx->job_id)
		snprintf(s->unique_key, sizeof(s->unique_key), "%lld",
			 (long long)ctx->job_id);
	else
		snprintf(s->unique_key, sizeof(s->unique_key), "%s", s->key);
	jo.user_id = s->user.id;
	jo.now = ctx->now;
	jo.has_files = s->is_zip;
	jo.include_photos = ctx->cfg->jobs.export_data.include_photos;
	if ((rc = export_json_new(&jo, &s->json, e)) ||
	    (rc = storage_writer_open(s->st, s->key, &s->w, e)))
		return rc;
	if (s->is_zip &&
	    (rc = zipstream_open(
		 s->w, ctx->cfg->jobs.export_data.max_size_bytes, &s->z, e)))
		return rc;
	s->phase = s->is_zip ? PH_FILES : PH_JSON;
	return 0;
}

static void doc_close(struct export_state *s)
{
	if (s->doc.fd >= 0)
		close(s->doc.fd);
	s->doc.fd = -1;
	if (s->doc.temp[0])
		unlink(s->doc.temp);
	s->doc.temp[0] = '\0';
	s->doc.is_open = 0;
}

/* Output of the json format goes straight to the writer, capped here. */
static int sink(struct job_ctx *ctx, struct export_state *s, const void *data,
		size_t n, struct err *e)
{
	int64_t max = ctx->cfg->jobs.export_data.max_size_bytes;

	if (s->z)
		return zipstream_write(s->z, data, n, e);
	if (max > 0 && (int64_t)n > max - s->bytes)
		return err_set(e, ERR_TOOBIG,
			       "the export is larger than "
			       "MaxSizeBytes (%lld bytes)",
			       (long long)max);
	s->bytes += (int64_t)n;
	return storage_writer_write(s->w, data, n, e);
}

static int missing(struct job_ctx *ctx, struct export_state *s, struct err *e)
{
	job_count(ctx, "missing", 1);
	doc_close(s);
	return export_json_add_missing(s->json, s->doc.id, s->doc.key, e);
}

/* Starts the ZIP entry of the open document, whose size is known now. */
static int doc_begin_entry(struct export_state *s, int64_t size, struct err *e)
{
	char name[STORAGE_KEY_MAX + 16];

	snprintf(name, sizeof(name), "files/%s", s->doc.key);
	s->doc.is_open = 1;
	return zipstream_entry_begin(s->z, name, s->doc.mime, size,
				     s->doc.mtime, e);
}

static int download_done(struct job_ctx *ctx, struct export_state *s,
			 struct err *e)
{
	struct stat sb;
	int rc = transfer_finish(&s->t, e);

	if (rc == ERR_NOTFOUND)
		return missing(ctx, s, e);
	if (rc)
		return rc;
	s->doc.fd = open(s->doc.temp, O_RDONLY | O_CLOEXEC);
	if (s->doc.fd < 0 || fstat(s->doc.fd, &sb) != 0)
		return err_set(e, ERR_IO,
			       "cannot read the download of \"%s\" "
			       "(%s): %s",
			       s->doc.key, s->doc.temp, strerror(errno));
	return doc_begin_entry(s, (int64_t)sb.st_size, e);
}

static int doc_open(struct job_ctx *ctx, struct export_state *s, struct err *e)
{
	struct storage_pending *p = NULL;
	const char *tmp = getenv("TMPDIR");
	int64_t size;
	int fd, rc;

	if (s->is_local) {
		rc = storage_local_open_blob(s->st, s->doc.key, &s->doc.fd,
					     &size, e);
		if (rc == ERR_NOTFOUND || rc == ERR_PERM)
			return missing(ctx, s, e);
		return rc ? rc : doc_begin_entry(s, size, e);
	}
	snprintf(s->doc.temp, sizeof(s->doc.temp), "%s/domecek-export-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(s->doc.temp)) < 0) {
		s->doc.temp[0] = '\0';
		return err_set(e, ERR_IO, "cannot create a temp file in %s: %s",
			       tmp && *tmp ? tmp : "/tmp", strerror(errno));
	}
	close(fd);
	rc = storage_get_file_start(s->st, s->doc.key, s->doc.temp, &p, e);
	if (rc == ERR_NOTFOUND)
		return missing(ctx, s, e);
	if (rc)
		return rc;
	rc = transfer_begin(&s->t, ctx, p, e);
	if (rc == JOB_WAIT || rc < 0)
		return rc;
	s->t.is_done = 1; /* done now, or there was nothing to wait for */
	return download_done(ctx, s, e);
}

/* Copies up to STEP_BYTES of the open document into the ZIP. */
static int doc_copy(struct job_ctx *ctx, struct export_state *s, struct err *e)
{
	size_t total = 0;
	int rc;

	while (total < STEP_BYTES) {
		ssize_t got = read(s->doc.fd, s->copy, COPY_BYTES);
		size_t n;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return err_set(e, ERR_IO, "cannot read \"%s\"%s%s: %s",
				       s->doc.key,
				       s->doc.temp[0] ? " from " : "",
				       s->doc.temp, strerror(errno));
		n = (size_t)got;
		if (n == 0) {
			doc_close(s);
			job_count(ctx, "files", 1);
			return 0;
		}
		if ((rc = zipstream_write(s->z, s->copy, n, e)))
			return rc;
		total += n;
	}
	return 0;
}

static int next_doc(struct job_ctx *ctx, struct export_state *s, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(ctx->db, next_doc_sql, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, s->user.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->last_doc, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, ctx->cfg->jobs.export_data.include_photos);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(s->doc.id, sizeof(s->doc.id), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		snprintf(s->doc.key, sizeof(s->doc.key), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		snprintf(s->doc.mime, sizeof(s->doc.mime), "%s",
			 sqlite3_column_text(st, 2)
			     ? (const char *)sqlite3_column_text(st, 2)
			     : "");
		if (db_column_time(st, 3, &s->doc.mtime) != 0)
			s->doc.mtime = ctx->now;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		s->phase = PH_JSON;
		return zipstream_entry_begin(
		    s->z, "export.json", "application/json", -1, ctx->now, e);
	}
	if (rc != SQLITE_ROW)
		return db_error(ctx->db, rc, e, "reading the next document");
	snprintf(s->last_doc, sizeof(s->last_doc), "%s", s->doc.id);
	return doc_open(ctx, s, e);
}

static int step_files(struct job_ctx *ctx, struct export_state *s,
		      struct err *e)
{
	int rc;

	if (transfer_active(&s->t))
		rc = download_done(ctx, s, e);
	else if (s->doc.is_open)
		rc = doc_copy(ctx, s, e);
	else
		rc = next_doc(ctx, s, e);
	return rc < 0 ? rc : rc == JOB_WAIT ? JOB_WAIT : JOB_AGAIN;
}

static int step_json(struct job_ctx *ctx, struct export_state *s, struct err *e)
{
	int more, rc;

	buf_reset(&s->piece);
	more = export_json_next(s->json, ctx->db, &s->piece, e);
	if (more < 0)
		return more;
	if ((rc = sink(ctx, s, s->piece.data, s->piece.len, e)))
		return rc;
	if (!more)
		s->phase = PH_COMMIT;
	return JOB_AGAIN;
}

static int record_export(struct job_ctx *ctx, struct export_state *s,
			 int64_t size, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = db_begin(ctx->db, e)) ||
	    (rc = db_prepare(ctx->db, insert_export_sql, &st, e)))
		goto done;
	sqlite3_bind_text(st, 1, s->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->user.id, -1, SQLITE_STATIC);
	if (ctx->job_id)
		sqlite3_bind_int64(st, 3, ctx->job_id);
	sqlite3_bind_text(st, 4, s->is_zip ? "zip" : "json", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, size);
	db_bind_time(st, 6, ctx->now);
	db_bind_time(st, 7, expires_at(ctx));
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE
		 ? db_commit(ctx->db, e)
		 : db_error(ctx->db, rc, e, "recording the export");
done:
	sqlite3_finalize(st);
	if (rc)
		db_rollback(ctx->db);
	return rc;
}

/* The blob never appeared: its row would only make cleanup work. */
static void forget_export(struct job_ctx *ctx, struct export_state *s)
{
	sqlite3_stmt *st;

	if (db_prepare(ctx->db, "DELETE FROM exports WHERE storage_key = ?1",
		       &st, NULL))
		return;
	sqlite3_bind_text(st, 1, s->key, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static int step_commit(struct job_ctx *ctx, struct export_state *s,
		       struct err *e)
{
	struct storage_pending *p = NULL;
	struct storage_writer *w = s->w;
	int rc;

	if (s->z && (rc = zipstream_finish(s->z, e)))
		return rc;
	s->bytes = s->z ? zipstream_bytes(s->z) : s->bytes;
	if ((rc = record_export(ctx, s, s->bytes, e)))
		return rc;
	s->w = NULL; /* consumed by the commit, whatever happens */
	if ((rc = storage_writer_commit_start(w, &p, e))) {
		forget_export(ctx, s);
		return rc;
	}
	s->phase = PH_COMMIT_WAIT;
	rc = transfer_begin(&s->t, ctx, p, e);
	return rc < 0 ? rc : rc == JOB_WAIT ? JOB_WAIT : JOB_AGAIN;
}

static int step_notify(struct job_ctx *ctx, struct export_state *s,
		       struct err *e)
{
	struct buf link;
	char unique[160];
	int rc;

	buf_init(&link, 16384);
	snprintf(unique, sizeof(unique), "export_ready:%s", s->unique_key);
	if ((rc = db_begin(ctx->db, e)))
		goto done;
	if ((rc = export_link(ctx->db, ctx->cfg, s->st, s->key, ctx->now,
			      expires_at(ctx), &link, e)) ||
	    (rc = export_queue_ready(
		 ctx->db, &s->user, s->bytes, buf_str(&link),
		 ctx->cfg->jobs.export_data.expiration_hours, unique, e)) ||
	    (rc = db_commit(ctx->db, e)))
		db_rollback(ctx->db);
done:
	buf_free(&link);
	if (rc)
		return rc;
	job_count(ctx, "records", export_json_items(s->json));
	job_count(ctx, "documents", export_json_documents(s->json));
	job_count(ctx, "bytes", s->bytes);
	snprintf(ctx->progress, sizeof(ctx->progress), "stored %s", s->key);
	return JOB_DONE;
}

/* Past MaxSizeBytes: nothing is stored, the user is told why. */
static int too_big(struct job_ctx *ctx, struct export_state *s,
		   struct err *cause, struct err *e)
{
	char unique[160];
	int rc;

	zipstream_free(s->z);
	s->z = NULL;
	storage_writer_abort(s->w);
	s->w = NULL;
	snprintf(unique, sizeof(unique), "export_failed:%s", s->unique_key);
	if ((rc = db_begin(ctx->db, e)) ||
	    (rc = export_record_too_big(
		 ctx->db, &s->user, ctx->now,
		 ctx->cfg->jobs.export_data.max_size_bytes, unique, e)) ||
	    (rc = db_commit(ctx->db, e))) {
		db_rollback(ctx->db);
		return rc; /* retried: the notice must not be lost */
	}
	return err_set(e, ERR_TOOBIG,
		       "%s; partial export removed, user "
		       "notified",
		       cause->msg);
}

static int export_step(struct job_ctx *ctx, struct err *e)
{
	struct export_state *s = ctx->state;
	struct err cause = {0};
	int rc;

	switch (s->phase) {
	case PH_FILES:
		rc = step_files(ctx, s, &cause);
		break;
	case PH_JSON:
		rc = step_json(ctx, s, &cause);
		break;
	case PH_COMMIT:
		rc = step_commit(ctx, s, &cause);
		break;
	case PH_COMMIT_WAIT:
		rc = transfer_finish(&s->t, &cause);
		if (rc)
			forget_export(ctx, s);
		s->phase = PH_NOTIFY;
		rc = rc ? rc : JOB_AGAIN;
		break;
	default:
		rc = step_notify(ctx, s, &cause);
		break;
	}
	if (rc == ERR_TOOBIG)
		return too_big(ctx, s, &cause, e);
	if (rc < 0)
		return err_set(e, rc, "%s", cause.msg);
	return rc;
}

static void export_finish(struct job_ctx *ctx)
{
	struct export_state *s = ctx->state;

	if (!s)
		return;
	transfer_cancel(&s->t);
	doc_close(s);
	zipstream_free(s->z);
	storage_writer_abort(s->w);
	export_json_free(s->json);
	buf_free(&s->piece);
	free(s->copy);
	free(s);
	ctx->state = NULL;
}

/* The export will not come: the user is told (export_failed), unless
 * the job said so itself (too big) or names nobody we know. */
static int export_on_dead(sqlite3 *db, const struct config *cfg, int64_t job_id,
			  const cJSON *payload, int code, const char *reason,
			  struct err *e)
{
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(payload, "userId");
	struct export_user u;
	int rc;

	(void)cfg;
	(void)reason;
	if (code == ERR_TOOBIG || !cJSON_IsString(user))
		return 0;
	rc = export_user_load(db, user->valuestring, &u, e);
	if (rc == ERR_INVALID) /* an unknown or deleted user: nobody to tell */
		return 0;
	return rc ? rc : export_record_dead(db, &u, clock_now(), job_id, e);
}

const struct job_type job_export_data = {
    .name = "export_data",
    .priority = -10,
    .max_attempts = 3,
    .retry_delay_ms = 60000,
    .retry_cap_ms = 3600000,
    .start = export_start,
    .step = export_step,
    .finish = export_finish,
    .on_dead = export_on_dead,
};
