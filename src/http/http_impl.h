/*
 * http_impl.h - what the parts of the HTTP server share: http_server.c
 * (libmicrohttpd and the route table), http_accept.c (the listen socket
 * and who may connect) and http.c (request helpers and the server's own
 * routes).
 */
#ifndef DOMECEK_HTTP_IMPL_H
#define DOMECEK_HTTP_IMPL_H

#include "http/http.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <stdint.h>

struct MHD_Daemon;

/* One accepted connection, from our accept() to MHD's "closed" notice. */
struct http_client {
	int is_used;
	int fd;
	int is_busy;	/* a request is in progress (headers to completion) */
	int is_evicted; /* shut down to make room; MHD has yet to close it */
	int is_reserve; /* admitted past the limit: monitor routes only */
	int64_t opened_mono;
	char address[INET6_ADDRSTRLEN];
};

struct http_route_entry {
	const char *path;
	int flags;
	http_handler_fn fn;
	void *arg;
};

/* Evicted connections linger until MHD's next run closes them, hence
 * room for twice the limit. */
#define HTTP_CLIENT_SLOTS (2 * HTTP_CLIENTS_MAX)

struct http {
	struct http_deps deps;
	struct MHD_Daemon *mhd;
	int listen_fd;
	int epoll_fd;
	int port;
	struct http_route_entry routes[HTTP_ROUTES_MAX];
	int route_count;
	struct http_client clients[HTTP_CLIENT_SLOTS];
	struct http_client *adding; /* the client MHD_add_connection adds */
};

/* http_accept.c */
int http_listen(const char *listen_text, int *fd_out, int *port_out,
		struct err *e);
/* Accepts every waiting connection and hands the admitted ones to MHD. */
void http_accept_ready(struct http *h);
/* MHD's connection notices: a slot is bound to the connection or freed. */
struct http_client *http_client_started(struct http *h);
void http_client_closed(struct http *h, struct http_client *c);
/* Whether addr (text) is listed in Http.TrustedProxies. */
int http_is_trusted_proxy(const struct http *h, const char *addr);

/* http.c: the server's own routes, added by http_start(), and the form
 * field callback of MHD's post processor (cls is the http_request). */
int http_builtin_routes(struct http *h);
enum MHD_Result on_form_field_cb(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *filename,
				 const char *content_type, const char *encoding,
				 const char *data, uint64_t off, size_t size);

#endif
