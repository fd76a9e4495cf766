/*
 * http.h - the HTTP server, served from the daemon's own loop.
 *
 * libmicrohttpd runs without threads of its own: its epoll descriptor is
 * one fd in our loop, and http_before_wait() folds its connection
 * timeouts into the loop's deadline. A handler therefore runs between
 * two job steps, on the daemon's one database connection, and must be as
 * quick as a step (indexed queries, bounded pages).
 *
 * Routes are a table of paths (exact or prefix) and handlers. The server
 * adds its own: GET /health/jobs, GET /metrics, GET /exports/{token} (a
 * signed link to a local export); the wiring (src/daemon_http.c) adds the
 * dashboard under Dashboard.Path, so this module does not know it.
 * Request bodies are urlencoded forms only, capped at HTTP_BODY_MAX; a
 * larger Content-Length is refused (413) before a byte of it is read.
 *
 * Connections (http_accept.c): at most HTTP_CLIENTS_MAX at once and
 * HTTP_CLIENT_CONNECTIONS_MAX per client address; a connection with
 * nothing to do is closed after Http.IdleTimeoutSeconds; when a limit is
 * reached, the oldest connection with no request in progress makes room
 * for the new one, so a device holding silent connections cannot lock
 * out the monitor. When every connection is busy with a request,
 * HTTP_MONITOR_RESERVED more are admitted for the routes flagged
 * HTTP_ROUTE_MONITOR (/health/jobs, /metrics) only.
 */
#ifndef DOMECEK_HTTP_H
#define DOMECEK_HTTP_H

#include <sqlite3.h>
#include <stdint.h>

#include "base/buf.h"

struct config;
struct daemon_status;
struct err;
struct http;
struct loop;
struct metrics;
struct queue;
struct MHD_Connection;

#define HTTP_BODY_MAX (16 * 1024)
#define HTTP_FORM_FIELDS 16
#define HTTP_PAGE_MAX (4 * 1024 * 1024) /* largest generated response */
#define HTTP_CLIENTS_MAX 64		/* open connections at once */
#define HTTP_CLIENT_CONNECTIONS_MAX 16	/* from one client address */
#define HTTP_MONITOR_RESERVED 8		/* kept for health and metrics */

/* What the server works with; everything stays owned by the caller and
 * must outlive the server. cfg is read at each request (reloads apply). */
struct http_deps {
	struct loop *loop;
	const struct config *cfg;
	sqlite3 *db;
	struct queue *queue; /* dashboard actions */
	const struct daemon_status *status;
	struct metrics *metrics; /* may be NULL */
};

/* A parsed request, as handlers see it. */
struct http_form_field {
	char name[64];
	struct buf value;
};

struct http_request {
	const char *method; /* GET, HEAD or POST */
	const char *path;   /* without the query */
	const char *client; /* peer address text (X-Forwarded-For's client
			       when the peer is in Http.TrustedProxies) */
	struct MHD_Connection *connection;
	struct http_form_field form[HTTP_FORM_FIELDS];
	int form_used;
	int is_body_too_big;
};

/* What a handler fills in; http sends it. */
struct http_response {
	int status;
	const char *content_type; /* static string */
	struct buf body;	  /* initialised with HTTP_PAGE_MAX by http */
	char location[512];	  /* Location header when not empty */
	char cookies[3][320];	  /* Set-Cookie headers when not empty */
	int fd; /* >= 0: send this file instead of body (http closes it) */
	int64_t fd_size;
	char disposition[300]; /* Content-Disposition when not empty */
};

/* A handler answers one request by filling res; arg is the route's. */
typedef void (*http_handler_fn)(void *arg, const struct http_request *req,
				struct http_response *res);

enum {
	HTTP_ROUTE_PREFIX = 1,	  /* the path and everything under it */
	HTTP_ROUTE_READ_ONLY = 2, /* GET and HEAD; other methods get 405 */
	HTTP_ROUTE_MONITOR = 4,	  /* may use the reserved connections */
};

/* Binds Http.Listen and registers with the loop. A listen failure is
 * ERR_IO naming Http.Listen and the reason (address in use, ...). */
int http_start(const struct http_deps *deps, struct http **out, struct err *e);
/* Adds a route; the first match in the order added wins. path is kept by
 * reference and read at each request, so it may point into the config
 * (Dashboard.Path follows a reload). ERR_TOOBIG past HTTP_ROUTES_MAX. */
int http_route(struct http *h, const char *path, int flags, http_handler_fn fn,
	       void *arg);
#define HTTP_ROUTES_MAX 16
/* Before the loop sleeps: lowers *deadline_mono (monotonic ms, -1 =
 * none) to when libmicrohttpd needs to run for its timeouts. */
void http_before_wait(struct http *h, int64_t *deadline_mono);
/* Closes every connection and the listen socket. NULL is a no-op. */
void http_stop(struct http *h);
/* The port actually bound (Http.Listen with port 0 in tests). */
int http_port(const struct http *h);

/* Request helpers for handlers: a query argument, a cookie, a form
 * field, a request header (NULL when absent). */
const char *http_header(const struct http_request *req, const char *name);
const char *http_query(const struct http_request *req, const char *name);
const char *http_cookie(const struct http_request *req, const char *name);
const char *http_form(const struct http_request *req, const char *name);
/* Fills res with a short text/plain answer. */
void http_text(struct http_response *res, int status, const char *text);

#endif
