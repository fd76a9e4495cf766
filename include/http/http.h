/*
 * http.h - the HTTP server, served from the daemon's own loop.
 *
 * libmicrohttpd runs without threads of its own: its epoll descriptor is
 * one fd in our loop, and http_before_wait() folds its connection
 * timeouts into the loop's deadline. A handler therefore runs between
 * two job steps, on the daemon's one database connection, and must be as
 * quick as a step (indexed queries, bounded pages).
 *
 * Routes: GET /health/jobs, GET /metrics, GET /exports/{token} (a signed
 * link to a local export), and the dashboard under Dashboard.Path.
 * Request bodies are urlencoded forms only, capped at HTTP_BODY_MAX.
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
	const char *client; /* peer address text */
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

/* Binds Http.Listen and registers with the loop. A listen failure is
 * ERR_IO naming Http.Listen and the reason (address in use, ...). */
int http_start(const struct http_deps *deps, struct http **out, struct err *e);
/* Before the loop sleeps: lowers *deadline_mono (monotonic ms, -1 =
 * none) to when libmicrohttpd needs to run for its timeouts. */
void http_before_wait(struct http *h, int64_t *deadline_mono);
/* Closes every connection and the listen socket. NULL is a no-op. */
void http_stop(struct http *h);
/* The port actually bound (Http.Listen with port 0 in tests). */
int http_port(const struct http *h);

/* Request helpers for handlers: a query argument, a cookie, a form
 * field (NULL when absent). */
const char *http_query(const struct http_request *req, const char *name);
const char *http_cookie(const struct http_request *req, const char *name);
const char *http_form(const struct http_request *req, const char *name);
/* Fills res with a short text/plain answer. */
void http_text(struct http_response *res, int status, const char *text);

#endif
