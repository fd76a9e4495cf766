/*
 * http_accept.c - the listen socket, and who may hold a connection.
 *
 * We accept() ourselves and hand each admitted socket to libmicrohttpd
 * with MHD_add_connection(), instead of letting MHD own the listen
 * socket. MHD in external-epoll mode takes its listen socket out of its
 * epoll set when it reaches its connection limit and puts it back only
 * at the start of a later MHD_run(); when the connections at the limit
 * then all close, nothing is left in the set to wake us, MHD has no
 * timeout to report, and that later run never comes: the server stops
 * accepting for good while jobs go on (issue 15: 64 silent connections
 * held and closed). Here the listen socket is one of our loop's own
 * descriptors, always watched, and admission is our decision:
 *
 *  - at most HTTP_CLIENT_CONNECTIONS_MAX connections per client address
 *    and HTTP_CLIENTS_MAX in all;
 *  - at a limit, the oldest connection with no request in progress and
 *    nothing unread in its socket is shut down to make room (for the
 *    same address first), so silent connections can never lock out a
 *    client that sends a request, such as the health monitor;
 *  - when all HTTP_CLIENTS_MAX are busy with requests, HTTP_MONITOR_RESERVED
 *    more are admitted for /health/jobs and /metrics only (a dashboard
 *    request on one gets 503); past those the newcomer is refused;
 *  - MHD closes a connection that does nothing for
 *    Http.IdleTimeoutSeconds (MHD_OPTION_CONNECTION_TIMEOUT).
 *
 * An evicted socket is shut down, not closed: MHD still owns the
 * descriptor, sees end-of-file on its next run and closes it in its own
 * bookkeeping, then tells us (http_client_closed).
 */
#include "http_impl.h"
#include "base/err.h"
#include "base/clock.h"
#include "base/log.h"
#include "config/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_BATCH 64 /* connections taken per wake-up */

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

int http_listen(const char *listen_text, int *fd_out, int *port_out,
		struct err *e)
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
	    bind(fd, found->ai_addr, found->ai_addrlen) || listen(fd, 512) ||
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

static void address_text(const struct sockaddr_storage *sa, char *out,
			 size_t size)
{
	snprintf(out, size, "unknown");
	if (sa->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, (socklen_t)size);
	else if (sa->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)size);
}

/* Nothing in progress and nothing unread: the peer is waiting for
 * nothing from us, so closing it loses no request. */
static int is_evictable(const struct http_client *c)
{
	char byte;
	ssize_t n;

	if (!c->is_used || c->is_evicted || c->is_busy)
		return 0;
	n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

/* The oldest evictable connection, from address (NULL: any): the one
 * whose client has had the longest time to send a request and has not. */
static struct http_client *oldest_idle(struct http *h, const char *address)
{
	struct http_client *best = NULL;

	for (int i = 0; i < HTTP_CLIENT_SLOTS; i++) {
		struct http_client *c = &h->clients[i];
		if ((!address || !strcmp(c->address, address)) &&
		    is_evictable(c) &&
		    (!best || c->opened_mono < best->opened_mono))
			best = c;
	}
	return best;
}

static void count_clients(const struct http *h, const char *address, int *live,
			  int *from_address, int *slots_used)
{
	*live = *from_address = *slots_used = 0;
	for (int i = 0; i < HTTP_CLIENT_SLOTS; i++) {
		const struct http_client *c = &h->clients[i];
		if (!c->is_used)
			continue;
		(*slots_used)++;
		if (c->is_evicted)
			continue;
		(*live)++;
		if (!strcmp(c->address, address))
			(*from_address)++;
	}
}

/* Makes room for a connection from address: 0 when there is room (an
 * idle connection may have been shut down for it), 1 when it may only
 * use the monitor's reserve, -1 to refuse it. */
static int make_room(struct http *h, const char *address)
{
	struct http_client *victim = NULL;
	int live, from_address, slots_used;

	count_clients(h, address, &live, &from_address, &slots_used);
	if (slots_used >= HTTP_CLIENT_SLOTS)
		return -1;
	if (from_address >= HTTP_CLIENT_CONNECTIONS_MAX)
		victim = oldest_idle(h, address);
	else if (live >= HTTP_CLIENTS_MAX)
		victim = oldest_idle(h, NULL);
	else
		return 0;
	if (victim) {
		shutdown(victim->fd, SHUT_RDWR);
		victim->is_evicted = 1;
		return 0;
	}
	if (from_address < HTTP_CLIENT_CONNECTIONS_MAX &&
	    live < HTTP_CLIENTS_MAX + HTTP_MONITOR_RESERVED)
		return 1;
	return -1;
}

static struct http_client *free_slot(struct http *h)
{
	for (int i = 0; i < HTTP_CLIENT_SLOTS; i++)
		if (!h->clients[i].is_used)
			return &h->clients[i];
	return NULL;
}

static void admit(struct http *h, int fd, const struct sockaddr_storage *sa,
		  socklen_t sa_len)
{
	struct http_client *c;
	char address[INET6_ADDRSTRLEN];
	int room;

	address_text(sa, address, sizeof(address));
	if ((room = make_room(h, address)) < 0 || !(c = free_slot(h))) {
		log_event(LOG_DEBUG, "http.refused", "client", address,
			  "reason", "every connection is busy", (char *)NULL);
		close(fd);
		return;
	}
	*c = (struct http_client){.is_used = 1,
				  .fd = fd,
				  .is_reserve = room == 1,
				  .opened_mono = clock_mono()};
	snprintf(c->address, sizeof(c->address), "%s", address);
	h->adding = c;
	/* MHD closes fd itself when it cannot take it. */
	if (MHD_add_connection(h->mhd, fd, (const struct sockaddr *)sa,
			       sa_len) != MHD_YES)
		c->is_used = 0;
	h->adding = NULL;
}

void http_accept_ready(struct http *h)
{
	for (int n = 0; n < ACCEPT_BATCH; n++) {
		struct sockaddr_storage sa;
		socklen_t sa_len = sizeof(sa);
		int fd = accept4(h->listen_fd, (struct sockaddr *)&sa, &sa_len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_event(LOG_WARN, "http.accept_failed",
					  "error", strerror(errno),
					  (char *)NULL);
			return;
		}
		admit(h, fd, &sa, sa_len);
	}
}

struct http_client *http_client_started(struct http *h)
{
	return h->adding;
}

void http_client_closed(struct http *h, struct http_client *c)
{
	(void)h;
	if (c)
		c->is_used = 0;
}

/* Addresses compare as bytes, so "::1" and "0:0:0:0:0:0:0:1" match. */
static int parse_address(const char *text, unsigned char out[17])
{
	memset(out, 0, 17);
	if (inet_pton(AF_INET, text, out + 1) == 1)
		return out[0] = 4, 0;
	if (inet_pton(AF_INET6, text, out + 1) == 1)
		return out[0] = 6, 0;
	return -1;
}

int http_is_trusted_proxy(const struct http *h, const char *addr)
{
	const char *list = h->deps.cfg->http.trusted_proxies;
	unsigned char peer[17], proxy[17];
	char item[INET6_ADDRSTRLEN];

	if (parse_address(addr, peer))
		return 0;
	while (*list) {
		size_t n = strcspn(list, ",");
		snprintf(item, sizeof(item), "%.*s", (int)n, list);
		if (n < sizeof(item) && !parse_address(item, proxy) &&
		    !memcmp(peer, proxy, sizeof(peer)))
			return 1;
		list += n + (list[n] == ',');
	}
	return 0;
}
