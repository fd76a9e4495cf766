/*
 * net.c - network transfers in the loop, through curl's multi interface.
 *
 * The multi_socket API: curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to call it back for timeouts
 * (CURLMOPT_TIMERFUNCTION); we watch those sockets in the daemon's loop
 * and call curl_multi_socket_action() when they are ready. A timeout of
 * 0 ms becomes "the next iteration", so curl is never re-entered from its
 * own callback. Finished transfers are collected in one place,
 * report_done(), which reads curl_multi_info_read(); the job's callback
 * travels with its easy handle in CURLOPT_PRIVATE.
 */
#include "core/net.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/loop.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct transfer {
	CURL *easy;
	net_done_fn done;
	void *arg;
	struct transfer *next;
};

struct net {
	struct loop *loop;
	CURLM *multi;
	int64_t deadline; /* mono ms, -1: none */
	int active;
	struct transfer *transfers; /* in flight */
	char ca_file[4096];	    /* "" = curl's default store */
};

static void unlink_transfer(struct net *n, struct transfer *t)
{
	for (struct transfer **p = &n->transfers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			n->active--;
			return;
		}
}

static void on_socket_ready(int fd, short revents, void *arg)
{
	struct net *n = arg;
	int running, mask = 0;

	if (revents & POLLIN)
		mask |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (revents & (POLLERR | POLLHUP))
		mask |= CURL_CSELECT_ERR;
	curl_multi_socket_action(n->multi, fd, mask, &running);
	net_process(n);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
		     void *socketp)
{
	struct net *n = userp;
	short events = 0;

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		loop_unwatch(n->loop, fd);
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= POLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= POLLOUT;
	if (loop_watch(n->loop, fd, events, on_socket_ready, n))
		log_event(LOG_ERROR, "net.too_many_sockets", (char *)NULL);
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct net *n = userp;

	(void)multi;
	n->deadline = timeout_ms < 0 ? -1 : clock_mono() + timeout_ms;
	return 0;
}

int net_new(struct loop *loop, struct net **out, struct err *e)
{
	struct net *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!n)
		return err_set(e, ERR_NOMEM, "out of memory");
	n->loop = loop;
	n->deadline = -1;
	n->multi = curl_multi_init();
	if (!n->multi) {
		free(n);
		return err_set(e, ERR_NOMEM, "curl_multi_init failed");
	}
	curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
	curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
	*out = n;
	return 0;
}

static struct transfer *transfer_of(CURL *easy)
{
	struct transfer *t = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
	return t;
}

void net_free(struct net *n)
{
	if (!n)
		return;
	while (n->transfers) {
		struct transfer *t = n->transfers;
		n->transfers = t->next;
		curl_multi_remove_handle(n->multi, t->easy);
		curl_easy_cleanup(t->easy);
		free(t);
	}
	curl_multi_cleanup(n->multi);
	free(n);
}

void net_set_ca_file(struct net *n, const char *path)
{
	snprintf(n->ca_file, sizeof(n->ca_file), "%s", path ? path : "");
}

int net_add(struct net *n, CURL *easy, net_done_fn done, void *arg,
	    struct err *e)
{
	struct transfer *t = calloc(1, sizeof(*t));
	CURLMcode rc;

	if (!t)
		return err_set(e, ERR_NOMEM, "out of memory");
	t->easy = easy;
	t->done = done;
	t->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	if (n->ca_file[0])
		curl_easy_setopt(easy, CURLOPT_CAINFO, n->ca_file);
	rc = curl_multi_add_handle(n->multi, easy);
	if (rc != CURLM_OK) {
		free(t);
		return err_set(e, ERR_TEMP, "starting a transfer: %s",
			       curl_multi_strerror(rc));
	}
	t->next = n->transfers;
	n->transfers = t;
	n->active++;
	return 0;
}

void net_cancel(struct net *n, CURL *easy)
{
	struct transfer *t = transfer_of(easy);

	if (!t)
		return;
	curl_multi_remove_handle(n->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	unlink_transfer(n, t);
	free(t);
}

int net_active(const struct net *n)
{
	return n->active;
}

int64_t net_deadline(const struct net *n)
{
	return n->deadline;
}

static void report_done(struct net *n)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(n->multi, &left)) != NULL) {
		CURL *easy = msg->easy_handle;
		CURLcode result = msg->data.result;
		struct transfer *t;

		if (msg->msg != CURLMSG_DONE)
			continue;
		t = transfer_of(easy);
		curl_multi_remove_handle(n->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		if (!t)
			continue;
		unlink_transfer(n, t);
		if (t->done)
			t->done(easy, result, t->arg);
		free(t);
	}
}

void net_process(struct net *n)
{
	int running;

	if (n->deadline >= 0 && clock_mono() >= n->deadline) {
		n->deadline = -1;
		curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0,
					 &running);
	}
	report_done(n);
}
