/*
 * http.c - libmicrohttpd inside the daemon's loop, and the routes that
 * are not the dashboard.
 *
 * MHD runs in its "external epoll" mode: no thread per request and no
 * internal polling thread. Its one epoll descriptor is watched by our
 * loop, so nothing needs re-registering per iteration; when it is ready
 * we call MHD_run(), which accepts, reads, calls our handler and writes
 * without blocking. MHD_get_timeout() tells the loop when MHD must run
 * even without traffic (idle connections to close).
 *
 * We create the listen socket ourselves so that a failure to bind names
 * Http.Listen and errno, instead of MHD's bare NULL.
 *
 * Invariant: a handler answers within the call that completes the
 * request (MHD_queue_response); nothing is suspended.
 */
#include "http/http.h"
#include "base/clock.h"
#include "config/config.h"
#include "core/status.h"
#include "http/dashboard.h"
#include "base/err.h"
#include "app/export_notice.h"
#include "http/health.h"
#include "app/links.h"
#include "base/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "storage/storage.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct http {
	struct http_deps deps;
	struct MHD_Daemon *mhd;
	struct dashboard *dashboard;
	int listen_fd;
	int epoll_fd;
	int port;
};

/* Per request, from MHD's first call to its completion callback. */
struct request_ctx {
	struct http_request req;
	struct MHD_PostProcessor *post;
	size_t body_len;
	char client[64];
};

/* ---- listening -------------------------------------------------------- */

static int split_listen(const char *listen_text, char *host, size_t host_size,
			char *port, size_t port_size)
{
	const char *colon = strrchr(listen_text, ':');
	size_t host_len;

	if (!colon)
		return ERR_INVALID;
	host_len = (size_t)(colon - listen_text);
	if (host_len >= 2 && listen_text[0] == '[' &&
	    listen_text[host_len - 1] == ']') {
		listen_text++;
		host_len -= 2;
	}
	if (host_len >= host_size || strlen(colon + 1) >= port_size)
		return ERR_INVALID;
	memcpy(host, listen_text, host_len);
	host[host_len] = '\0';
	snprintf(port, port_size, "%s", colon + 1);
	return 0;
}

static int open_listen_socket(const char *listen_text, int *fd_out,
			      int *port_out, struct err *e)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE};
	struct addrinfo *found = NULL;
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	char host[256], port[16];
	int fd = -1, one = 1, rc;

	if (split_listen(listen_text, host, sizeof(host), port, sizeof(port)))
		return err_set(e, ERR_INVALID,
			       "Http.Listen: '%s' is not HOST:PORT",
			       listen_text);
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &found)))
		return err_set(e, ERR_IO,
			       "Http.Listen %s: cannot resolve '%s': %s",
			       listen_text, host, gai_strerror(rc));
	fd = socket(found->ai_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, found->ai_addr, found->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&bound, &bound_len)) {
		rc = err_set(e, ERR_IO, "Http.Listen %s: cannot listen: %s%s",
			     listen_text, strerror(errno),
			     errno == EADDRINUSE
				 ? " (another program "
				   "uses the port; change Http.Listen)"
				 : "");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(found);
		return rc;
	}
	freeaddrinfo(found);
	*port_out = ntohs(bound.ss_family == AF_INET6
			      ? ((struct sockaddr_in6 *)&bound)->sin6_port
			      : ((struct sockaddr_in *)&bound)->sin_port);
	*fd_out = fd;
	return 0;
}

/* ---- request helpers -------------------------------------------------- */

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

static enum MHD_Result on_form_field(void *cls, enum MHD_ValueKind kind,
				     const char *key, const char *filename,
				     const char *content_type,
				     const char *encoding, const char *data,
				     uint64_t off, size_t size)
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

	if (metrics_render(h->deps.db, h->deps.metrics, started, &res->body,
			   &e)) {
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

static int is_under(const char *path, const char *base)
{
	size_t n = strlen(base);

	while (n > 1 && base[n - 1] == '/')
		n--;
	return !strncmp(path, base, n) && (path[n] == '\0' || path[n] == '/');
}

static void route(struct http *h, struct http_request *req,
		  struct http_response *res)
{
	int is_read =
	    !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");

	if (!strcmp(req->path, "/health/jobs") && is_read)
		route_health(h, res);
	else if (!strcmp(req->path, "/metrics") && is_read)
		route_metrics(h, res);
	else if (!strncmp(req->path, "/exports/", 9) && is_read)
		route_export(h, req->path + 9, res);
	else if (is_under(req->path, h->deps.cfg->dashboard.path))
		dashboard_handle(h->dashboard, req, res);
	else if (!strcmp(req->path, "/health/jobs") ||
		 !strcmp(req->path, "/metrics") ||
		 !strncmp(req->path, "/exports/", 9))
		http_text(res, 405, "method not allowed");
	else
		http_text(res, 404, "not found");
}

/* ---- MHD glue ----------------------------------------------------------- */

static void add_security_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(
	    r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
	    "script-src 'self'; connect-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
}

static enum MHD_Result send_response(struct MHD_Connection *c,
				     struct http_response *res)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	int i;

	if (res->fd >= 0) {
		r = MHD_create_response_from_fd64((uint64_t)res->fd_size,
						  res->fd);
		if (!r)
			close(res->fd);
		res->fd = -1; /* MHD closes it with the response */
	} else {
		size_t len = res->body.len;
		r = MHD_create_response_from_buffer(len, buf_steal(&res->body),
						    MHD_RESPMEM_MUST_FREE);
	}
	if (!r)
		return MHD_NO;
	add_security_headers(r);
	MHD_add_response_header(r, "Content-Type",
				res->content_type
				    ? res->content_type
				    : "text/plain; charset=utf-8");
	if (res->location[0])
		MHD_add_response_header(r, "Location", res->location);
	if (res->disposition[0])
		MHD_add_response_header(r, "Content-Disposition",
					res->disposition);
	for (i = 0; i < 3; i++)
		if (res->cookies[i][0])
			MHD_add_response_header(r, "Set-Cookie",
						res->cookies[i]);
	ok = MHD_queue_response(c, (unsigned)res->status, r);
	MHD_destroy_response(r);
	return ok;
}

static void client_address(struct MHD_Connection *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;

	snprintf(out, size, "unknown");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  size);
}

static struct request_ctx *request_begin(struct MHD_Connection *c,
					 const char *url, const char *method)
{
	struct request_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	client_address(c, ctx->client, sizeof(ctx->client));
	ctx->req.method = method;
	ctx->req.path = url;
	ctx->req.client = ctx->client;
	ctx->req.connection = c;
	if (!strcmp(method, "POST"))
		ctx->post = MHD_create_post_processor(c, 4096, on_form_field,
						      &ctx->req);
	return ctx;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http *h = cls;
	struct request_ctx *ctx = *con_cls;
	struct http_response res = {.status = 500, .fd = -1};
	enum MHD_Result ok;

	(void)version;
	if (!ctx) {
		*con_cls = ctx = request_begin(c, url, method);
		return ctx ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size) {
		ctx->body_len += *upload_data_size;
		if (ctx->body_len > HTTP_BODY_MAX)
			ctx->req.is_body_too_big = 1;
		else if (ctx->post)
			MHD_post_process(ctx->post, upload_data,
					 *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	buf_init(&res.body, HTTP_PAGE_MAX);
	if (strcmp(method, "GET") && strcmp(method, "HEAD") &&
	    strcmp(method, "POST"))
		http_text(&res, 405, "method not allowed");
	else if (ctx->req.is_body_too_big)
		http_text(&res, 413, "request body too large");
	else
		route(h, &ctx->req, &res);
	log_fmt(LOG_DEBUG, "http.request", "method=%s status=%d bytes=%zu",
		method, res.status, res.body.len);
	ok = send_response(c, &res);
	buf_free(&res.body);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct request_ctx *ctx = *con_cls;
	int i;

	(void)cls, (void)c, (void)why;
	if (!ctx)
		return;
	if (ctx->post)
		MHD_destroy_post_processor(ctx->post);
	for (i = 0; i < ctx->req.form_used; i++)
		buf_free(&ctx->req.form[i].value);
	free(ctx);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char text[512];

	(void)cls;
	vsnprintf(text, sizeof(text), fmt, ap);
	text[strcspn(text, "\n")] = '\0';
	log_event(LOG_DEBUG, "http.server", "message", text, (char *)NULL);
}

static void on_ready(int fd, short revents, void *arg)
{
	struct http *h = arg;

	(void)fd, (void)revents;
	MHD_run(h->mhd);
}

/* ---- public ------------------------------------------------------------- */

int http_start(const struct http_deps *deps, struct http **out, struct err *e)
{
	struct http *h = calloc(1, sizeof(*h));
	const union MHD_DaemonInfo *info;
	int rc;

	*out = NULL;
	if (!h)
		return err_set(e, ERR_NOMEM,
			       "out of memory for the HTTP server");
	h->deps = *deps;
	h->listen_fd = -1;
	if ((rc = dashboard_new(deps, &h->dashboard, e)) ||
	    (rc = open_listen_socket(deps->cfg->http.listen, &h->listen_fd,
				     &h->port, e)))
		goto fail;
	h->mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_LISTEN_SOCKET, h->listen_fd, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
	    MHD_OPTION_END);
	if (h->mhd)
		h->listen_fd = -1; /* MHD closes it when stopped */
	info = h->mhd ? MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD)
		      : NULL;
	if (!info) {
		rc = err_set(e, ERR_IO,
			     "Http.Listen %s: the HTTP server did not start",
			     deps->cfg->http.listen);
		goto fail;
	}
	h->epoll_fd = info->epoll_fd;
	if ((rc = loop_watch(deps->loop, h->epoll_fd, POLLIN, on_ready, h))) {
		err_set(e, rc, "HTTP server: cannot watch its descriptor");
		goto fail;
	}
	log_fmt(LOG_INFO, "http.listening",
		"address=%s port=%d dashboard=http://%.*s:%d%s "
		"health=http://%.*s:%d/health/jobs",
		deps->cfg->http.listen, h->port,
		(int)(strrchr(deps->cfg->http.listen, ':') -
		      deps->cfg->http.listen),
		deps->cfg->http.listen, h->port, deps->cfg->dashboard.path,
		(int)(strrchr(deps->cfg->http.listen, ':') -
		      deps->cfg->http.listen),
		deps->cfg->http.listen, h->port);
	*out = h;
	return 0;
fail:
	http_stop(h);
	return rc;
}

/* MHD's timeout is 0 when it has work that no fd will announce (a
 * response partly sent from a file, a connection past its timeout): it
 * must then be run now, not waited for, or the loop would spin on a 0 ms
 * deadline without ever calling it. */
void http_before_wait(struct http *h, int64_t *deadline_mono)
{
	MHD_UNSIGNED_LONG_LONG timeout = 0;
	int64_t due;
	int round;

	if (!h)
		return;
	for (round = 0; round < 4; round++) {
		if (MHD_get_timeout(h->mhd, &timeout) != MHD_YES)
			return;
		if (timeout > 0)
			break;
		MHD_run(h->mhd);
	}
	due = clock_mono() + (int64_t)(timeout > 3600000 ? 3600000 : timeout);
	if (*deadline_mono < 0 || due < *deadline_mono)
		*deadline_mono = due;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	if (h->mhd) {
		loop_unwatch(h->deps.loop, h->epoll_fd);
		MHD_stop_daemon(h->mhd);
	}
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	dashboard_free(h->dashboard);
	free(h);
}

int http_port(const struct http *h)
{
	return h->port;
}
