/*
 * http.c - what handlers use to read a request and write an answer, and
 * the routes the server answers itself: /health/jobs, /metrics and the
 * signed /exports/ links (http_builtin_routes()). The server proper is
 * http_server.c; who may connect is http_accept.c.
 */
#include "http_impl.h"
#include "base/clock.h"
#include "config/config.h"
#include "core/queue.h"
#include "core/status.h"
#include "base/err.h"
#include "app/export_notice.h"
#include "http/health.h"
#include "app/links.h"
#include "base/log.h"
#include "core/metrics.h"
#include "storage/storage.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- request helpers -------------------------------------------------- */

const char *http_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
					   name);
}

const char *http_query(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->connection,
					   MHD_GET_ARGUMENT_KIND, name);
}

const char *http_cookie(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->connection, MHD_COOKIE_KIND,
					   name);
}

const char *http_form(const struct http_request *req, const char *name)
{
	int i;

	for (i = 0; i < req->form_used; i++)
		if (!strcmp(req->form[i].name, name))
			return buf_str(&req->form[i].value);
	return NULL;
}

void http_text(struct http_response *res, int status, const char *text)
{
	res->status = status;
	res->content_type = "text/plain; charset=utf-8";
	buf_reset(&res->body);
	buf_puts(&res->body, text);
	buf_putc(&res->body, '\n');
}

enum MHD_Result on_form_field_cb(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *filename,
				 const char *content_type, const char *encoding,
				 const char *data, uint64_t off, size_t size)
{
	struct http_request *req = cls;
	struct http_form_field *field = NULL;
	int i;

	(void)kind, (void)filename, (void)content_type, (void)encoding,
	    (void)off;
	for (i = 0; i < req->form_used && !field; i++)
		if (!strcmp(req->form[i].name, key))
			field = &req->form[i];
	if (!field) {
		if (req->form_used == HTTP_FORM_FIELDS ||
		    strlen(key) >= sizeof(field->name)) {
			req->is_body_too_big = 1;
			return MHD_YES;
		}
		field = &req->form[req->form_used++];
		snprintf(field->name, sizeof(field->name), "%s", key);
		buf_init(&field->value, HTTP_BODY_MAX);
		buf_puts(&field->value,
			 ""); /* "" rather than NULL for empty fields */
	}
	if (size && buf_append(&field->value, data, size))
		req->is_body_too_big = 1;
	return MHD_YES;
}

/* ---- routes ------------------------------------------------------------- */

static void route_health(struct http *h, struct http_response *res)
{
	struct health_input in = {
	    .db = h->deps.db,
	    .cfg = h->deps.cfg,
	    .status = h->deps.status,
	    .now = clock_now(),
	    .now_mono = clock_mono(),
	};
	struct err e = {0};
	int is_healthy = 0;

	if (health_check(&in, &res->body, &is_healthy, &e)) {
		http_text(res, 500, e.msg);
		return;
	}
	res->status = is_healthy ? 200 : 503;
	res->content_type = "application/json";
}

static void route_metrics(struct http *h, struct http_response *res)
{
	struct err e = {0};
	int64_t started = h->deps.status ? h->deps.status->started_at : 0;

	if (metrics_render(h->deps.db, h->deps.metrics,
			   h->deps.queue ? queue_types(h->deps.queue) : NULL,
			   started, &res->body, &e)) {
		log_event(LOG_WARN, "http.metrics_failed", "error", e.msg,
			  (char *)NULL);
		http_text(res, 500,
			  "metrics are not available; see the daemon's log");
		return;
	}
	res->status = 200;
	res->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

/* The type of an export by its name: the job writes .zip or .json. */
static const char *export_type(const char *key)
{
	size_t n = strlen(key);

	if (n > 5 && !strcmp(key + n - 5, ".json"))
		return "application/json";
	return "application/zip";
}

/* Opens the blob through storage.h, which follows no symlink under the
 * root (a planted link cannot serve a file from outside it). */
static int open_export(struct http *h, const char *key,
		       struct http_response *res)
{
	struct storage *st = NULL;
	struct err e = {0};
	const char *name = strrchr(key, '/');
	int64_t size = 0;
	int fd = -1, rc;

	if ((rc = storage_open_local(h->deps.cfg->storage.local.root, &st,
				     &e)) ||
	    (rc = storage_local_open_blob(st, key, &fd, &size, &e)))
		goto done;
	res->status = 200;
	res->content_type = export_type(key);
	res->fd = fd;
	res->fd_size = size;
	/* The key passed storage_key_valid(): no quotes or control bytes. */
	snprintf(res->disposition, sizeof(res->disposition),
		 "attachment; filename=\"%s\"", name ? name + 1 : key);
done:
	if (rc && rc != ERR_NOTFOUND)
		log_event(LOG_WARN, "http.export_failed", "error", e.msg,
			  (char *)NULL);
	storage_close(st);
	return rc;
}

/* Any failed check is "403 invalid link" and says no more; only a
 * genuine link past its time is told apart (410), as links.h promises. */
static void route_export(struct http *h, const char *token,
			 struct http_response *res)
{
	char signing_key[CONFIG_STR];
	struct buf key;
	struct err e = {0};
	int rc;

	buf_init(&key, LINKS_KEY_MAX + 1);
	/* Links.SigningKey, or the key the export job generated and stored. */
	rc = export_signing_key(h->deps.db, h->deps.cfg, signing_key,
				sizeof(signing_key), &e);
	if (!rc)
		rc = links_verify(signing_key, token, clock_now(), &key, &e);
	/* A link serves exports only, whatever else the key could name. */
	if (rc == 0 && (storage_key_valid(buf_str(&key), &e) ||
			strncmp(buf_str(&key), "exports/", 8) != 0))
		rc = ERR_PERM;
	if (rc == ERR_EXPIRED)
		http_text(
		    res, 410,
		    "this download link has expired; ask for a new export");
	else if (rc == ERR_INVALID)
		http_text(res, 500,
			  "downloads are not configured (Links.SigningKey)");
	else if (rc)
		http_text(res, 403, "invalid download link");
	else if (strcmp(h->deps.cfg->storage.provider, "Local") != 0)
		http_text(res, 404, "exports are not stored on this server");
	else if (open_export(h, buf_str(&key), res))
		http_text(res, 404, "this export no longer exists");
	buf_free(&key);
}

static void serve_health(void *arg, const struct http_request *req,
			 struct http_response *res)
{
	(void)req;
	route_health(arg, res);
}

static void serve_metrics(void *arg, const struct http_request *req,
			  struct http_response *res)
{
	(void)req;
	route_metrics(arg, res);
}

static void serve_export(void *arg, const struct http_request *req,
			 struct http_response *res)
{
	const char *after = req->path + strlen("/exports");

	route_export(arg, *after == '/' ? after + 1 : after, res);
}

int http_builtin_routes(struct http *h)
{
	int rc;

	if ((rc = http_route(h, "/health/jobs",
			     HTTP_ROUTE_READ_ONLY | HTTP_ROUTE_MONITOR,
			     serve_health, h)) ||
	    (rc = http_route(h, "/metrics",
			     HTTP_ROUTE_READ_ONLY | HTTP_ROUTE_MONITOR,
			     serve_metrics, h)) ||
	    (rc = http_route(h, "/exports",
			     HTTP_ROUTE_READ_ONLY | HTTP_ROUTE_PREFIX,
			     serve_export, h)))
		return rc;
	return 0;
}
