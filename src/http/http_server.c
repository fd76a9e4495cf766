/*
 * http_server.c - libmicrohttpd inside the daemon's loop, and the route
 * table it answers from.
 *
 * MHD runs in its "external epoll" mode: no thread per request and no
 * internal polling thread. Its one epoll descriptor is watched by our
 * loop, beside our own listen socket (http_accept.c accepts and hands
 * sockets to MHD); when the epoll descriptor is ready we call MHD_run(),
 * which reads, calls our handler and writes without blocking.
 * MHD_get_timeout() tells the loop when MHD must run even without
 * traffic (idle connections to close, data already buffered).
 *
 * A request is judged on its header, before its body is read: a body
 * larger than HTTP_BODY_MAX (413), Content-Length together with
 * Transfer-Encoding (400, RFC 9112 section 6.3: the framing is ambiguous,
 * so the connection is closed), a request for other routes than the
 * monitor's on a connection admitted into the monitor's reserve (503). These
 * answers close the connection, since the body that may follow is never read.
 *
 * Invariant: a handler answers within the call that completes the
 * request (MHD_queue_response); nothing is suspended.
 */
#include "http_impl.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "config/config.h"
#include "core/loop.h"

#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Per request, from MHD's first call to its completion callback. */
struct request_ctx {
	struct http_request req;
	const struct http_route_entry *route;
	struct http_client *client;
	struct MHD_PostProcessor *post;
	size_t body_len;
	int early_status; /* answered from the header alone; 0: not */
	char address[64];
};

/* ---- routes ------------------------------------------------------------- */

static int is_under(const char *path, const char *base)
{
	size_t n = strlen(base);

	while (n > 1 && base[n - 1] == '/')
		n--;
	return !strncmp(path, base, n) && (path[n] == '\0' || path[n] == '/');
}

static const struct http_route_entry *find_route(const struct http *h,
						 const char *path)
{
	for (int i = 0; i < h->route_count; i++) {
		const struct http_route_entry *r = &h->routes[i];
		if ((r->flags & HTTP_ROUTE_PREFIX) ? is_under(path, r->path)
						   : !strcmp(path, r->path))
			return r;
	}
	return NULL;
}

int http_route(struct http *h, const char *path, int flags, http_handler_fn fn,
	       void *arg)
{
	if (h->route_count == HTTP_ROUTES_MAX)
		return ERR_TOOBIG;
	h->routes[h->route_count++] =
	    (struct http_route_entry){path, flags, fn, arg};
	return 0;
}

static void dispatch(struct request_ctx *ctx, struct http_response *res)
{
	const struct http_route_entry *r = ctx->route;
	int is_read =
	    !strcmp(ctx->req.method, "GET") || !strcmp(ctx->req.method, "HEAD");

	if (!r)
		http_text(res, 404, "not found");
	else if ((r->flags & HTTP_ROUTE_READ_ONLY) && !is_read)
		http_text(res, 405, "method not allowed");
	else
		r->fn(r->arg, &ctx->req, res);
}

/* ---- responses ---------------------------------------------------------- */

static void add_security_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	/* same-origin, not no-referrer: with no-referrer a browser sends
	 * "Origin: null" on our own forms' POSTs, which the dashboard's
	 * origin check must then refuse. Other sites still get nothing. */
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(
	    r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
	    "script-src 'self'; connect-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
}

static struct MHD_Response *make_response(struct http_response *res)
{
	struct MHD_Response *r;

	if (res->fd >= 0) {
		r = MHD_create_response_from_fd64((uint64_t)res->fd_size,
						  res->fd);
		if (!r)
			close(res->fd);
		res->fd = -1; /* MHD closes it with the response */
		return r;
	}
	size_t len = res->body.len;
	return MHD_create_response_from_buffer(len, buf_steal(&res->body),
					       MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result send_response(struct MHD_Connection *c,
				     struct http_response *res, int must_close)
{
	struct MHD_Response *r = make_response(res);
	enum MHD_Result ok;

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
	for (int i = 0; i < 3; i++)
		if (res->cookies[i][0])
			MHD_add_response_header(r, "Set-Cookie",
						res->cookies[i]);
	if (must_close)
		MHD_add_response_header(r, "Connection", "close");
	ok = MHD_queue_response(c, (unsigned)res->status, r);
	MHD_destroy_response(r);
	return ok;
}

/* ---- requests ----------------------------------------------------------- */

/* The client is the peer, or behind a trusted proxy the last address in
 * X-Forwarded-For that is not itself a trusted proxy: entries to its left
 * were written by the client and prove nothing. */
static void client_address(struct http *h, struct request_ctx *ctx)
{
	const char *xff = MHD_lookup_connection_value(
	    ctx->req.connection, MHD_HEADER_KIND, "X-Forwarded-For");
	char item[64];
	const char *end;

	snprintf(ctx->address, sizeof(ctx->address), "%s",
		 ctx->client ? ctx->client->address : "unknown");
	if (!xff || !http_is_trusted_proxy(h, ctx->address))
		return;
	end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		snprintf(item, sizeof(item), "%.*s", (int)(end - start), start);
		/* trim spaces around the entry */
		char *p = item + strspn(item, " \t");
		p[strcspn(p, " \t")] = '\0';
		if (!*p)
			return;
		snprintf(ctx->address, sizeof(ctx->address), "%s", p);
		if (!http_is_trusted_proxy(h, p))
			return;
		end = start > xff ? start - 1 : xff;
	}
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* What the header alone decides (see the top of the file); 0: go on. */
static int judge_header(struct request_ctx *ctx)
{
	struct MHD_Connection *c = ctx->req.connection;
	const char *length = header(c, "Content-Length");
	int is_monitor = ctx->route && (ctx->route->flags & HTTP_ROUTE_MONITOR);

	if (length && header(c, "Transfer-Encoding"))
		return 400;
	if (length && strtoull(length, NULL, 10) > HTTP_BODY_MAX)
		return 413;
	if (!is_monitor && ctx->client && ctx->client->is_reserve)
		return 503;
	return 0;
}

static struct request_ctx *request_begin(struct http *h,
					 struct MHD_Connection *c,
					 const char *url, const char *method)
{
	struct request_ctx *ctx = calloc(1, sizeof(*ctx));
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (!ctx)
		return NULL;
	ctx->client = info ? info->socket_context : NULL;
	if (ctx->client)
		ctx->client->is_busy = 1;
	ctx->req.method = method;
	ctx->req.path = url;
	ctx->req.connection = c;
	client_address(h, ctx);
	ctx->req.client = ctx->address;
	ctx->route = find_route(h, url);
	ctx->early_status = judge_header(ctx);
	if (!ctx->early_status && !strcmp(method, "POST"))
		ctx->post = MHD_create_post_processor(c, 4096, on_form_field_cb,
						      &ctx->req);
	return ctx;
}

static enum MHD_Result answer_early(struct MHD_Connection *c, int status)
{
	struct http_response res = {.fd = -1};
	enum MHD_Result ok;

	buf_init(&res.body, 256);
	if (status == 400)
		http_text(&res, 400,
			  "a request may not carry both Content-Length and "
			  "Transfer-Encoding");
	else if (status == 413)
		http_text(&res, 413, "request body too large");
	else
		http_text(&res, 503,
			  "the server is busy; try again in a moment");
	ok = send_response(c, &res, 1);
	buf_free(&res.body);
	return ok;
}

/* Reads one piece of the body; past the cap the request is refused and
 * the connection closed rather than read to its end. */
static enum MHD_Result take_body(struct request_ctx *ctx, const char *data,
				 size_t *size)
{
	ctx->body_len += *size;
	if (ctx->body_len > HTTP_BODY_MAX) {
		*size = 0;
		ctx->early_status = 413;
		return answer_early(ctx->req.connection, 413) == MHD_YES
			   ? MHD_YES
			   : MHD_NO;
	}
	if (ctx->post)
		MHD_post_process(ctx->post, data, *size);
	*size = 0;
	return MHD_YES;
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
		*con_cls = ctx = request_begin(h, c, url, method);
		if (ctx && ctx->early_status)
			return answer_early(c, ctx->early_status);
		return ctx ? MHD_YES : MHD_NO;
	}
	if (ctx->early_status) { /* answered; drop what still arrives */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size)
		return take_body(ctx, upload_data, upload_data_size);
	buf_init(&res.body, HTTP_PAGE_MAX);
	if (strcmp(method, "GET") && strcmp(method, "HEAD") &&
	    strcmp(method, "POST"))
		http_text(&res, 405, "method not allowed");
	else if (ctx->req.is_body_too_big)
		http_text(&res, 413, "request body too large");
	else
		dispatch(ctx, &res);
	log_fmt(LOG_DEBUG, "http.request", "method=%s status=%d bytes=%zu",
		method, res.status, res.body.len);
	ok = send_response(c, &res, 0);
	buf_free(&res.body);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct request_ctx *ctx = *con_cls;

	(void)cls, (void)c, (void)why;
	if (!ctx)
		return;
	if (ctx->client)
		ctx->client->is_busy = 0;
	if (ctx->post)
		MHD_destroy_post_processor(ctx->post);
	for (int i = 0; i < ctx->req.form_used; i++)
		buf_free(&ctx->req.form[i].value);
	free(ctx);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;

	(void)c;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		*socket_context = http_client_started(h);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		http_client_closed(h, *socket_context);
		*socket_context = NULL;
	}
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

static void on_listen(int fd, short revents, void *arg)
{
	struct http *h = arg;

	(void)fd, (void)revents;
	http_accept_ready(h);
	MHD_run(h->mhd); /* the new sockets may already hold a request */
}

/* ---- public ------------------------------------------------------------- */

static int start_mhd(struct http *h, struct err *e)
{
	const union MHD_DaemonInfo *info;
	unsigned idle = (unsigned)h->deps.cfg->http.idle_timeout_seconds;

	h->mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, on_request, h, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, h, MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CLIENT_SLOTS,
	    MHD_OPTION_CONNECTION_TIMEOUT, idle ? idle : 5u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
	    MHD_OPTION_END);
	info = h->mhd ? MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD)
		      : NULL;
	if (!info)
		return err_set(e, ERR_IO,
			       "Http.Listen %s: the HTTP server did not start",
			       h->deps.cfg->http.listen);
	h->epoll_fd = info->epoll_fd;
	if (loop_watch(h->deps.loop, h->epoll_fd, POLLIN, on_ready, h) ||
	    loop_watch(h->deps.loop, h->listen_fd, POLLIN, on_listen, h))
		return err_set(e, ERR_TOOBIG,
			       "HTTP server: cannot watch its descriptors");
	return 0;
}

static void log_listening(const struct http *h)
{
	const char *listen = h->deps.cfg->http.listen;
	int host_len = (int)(strrchr(listen, ':') - listen);

	log_fmt(LOG_INFO, "http.listening",
		"address=%s port=%d dashboard=http://%.*s:%d%s "
		"health=http://%.*s:%d/health/jobs",
		listen, h->port, host_len, listen, h->port,
		h->deps.cfg->dashboard.path, host_len, listen, h->port);
}

int http_start(const struct http_deps *deps, struct http **out, struct err *e)
{
	struct http *h = calloc(1, sizeof(*h));
	int rc;

	*out = NULL;
	if (!h)
		return err_set(e, ERR_NOMEM,
			       "out of memory for the HTTP server");
	h->deps = *deps;
	h->listen_fd = h->epoll_fd = -1;
	if ((rc = http_listen(deps->cfg->http.listen, &h->listen_fd, &h->port,
			      e)) ||
	    (rc = start_mhd(h, e)) || (rc = http_builtin_routes(h)))
		goto fail;
	log_listening(h);
	*out = h;
	return 0;
fail:
	if (rc == ERR_TOOBIG && !e->msg[0])
		err_set(e, rc, "HTTP server: too many routes");
	http_stop(h);
	return rc;
}

/* MHD's timeout is 0 when it has work that no fd will announce (data
 * already read into its buffers, such as a pipelined request; a response
 * partly sent from a file; a connection past its timeout): it must then
 * be run now, not waited for, or the loop would sleep while MHD has work. */
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
	if (h->epoll_fd >= 0)
		loop_unwatch(h->deps.loop, h->epoll_fd);
	if (h->listen_fd >= 0) {
		loop_unwatch(h->deps.loop, h->listen_fd);
		close(h->listen_fd);
	}
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	free(h);
}

int http_port(const struct http *h)
{
	return h->port;
}
