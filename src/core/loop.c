/*
 * loop.c - the one poll() the daemon sleeps in.
 *
 * Like Redis's ae.c, but smaller: a flat array of watched descriptors and
 * one poll(). The array is searched linearly; with a handful of fds (a
 * listening socket, a few HTTP clients, curl's sockets, three of our own)
 * that costs less than any index would. Timers are not kept here: the
 * daemon knows its few deadlines (next recurring fire, next due job, the
 * running job's next step, lease renewal, curl's timeout) and passes the
 * earliest, which is why an idle daemon never wakes up for nothing.
 *
 * Callbacks may watch and unwatch descriptors: each ready descriptor is
 * looked up again before its callback runs, so a descriptor removed by an
 * earlier callback in the same round is skipped.
 */
#include "core/loop.h"
#include "base/clock.h"
#include "base/err.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

struct watch {
	int fd;
	short events;
	loop_fd_fn fn;
	void *arg;
};

struct loop {
	struct watch watches[LOOP_MAX_FDS];
	struct pollfd pollfds[LOOP_MAX_FDS];
	int count;
};

int loop_new(struct loop **out, struct err *e)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : err_set(e, ERR_NOMEM, "out of memory");
}

void loop_free(struct loop *l)
{
	free(l);
}

int loop_watch(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg)
{
	for (int i = 0; i < l->count; i++)
		if (l->watches[i].fd == fd) {
			l->watches[i] = (struct watch){fd, events, fn, arg};
			return 0;
		}
	if (l->count == LOOP_MAX_FDS)
		return ERR_TOOBIG;
	l->watches[l->count++] = (struct watch){fd, events, fn, arg};
	return 0;
}

void loop_unwatch(struct loop *l, int fd)
{
	for (int i = 0; i < l->count; i++)
		if (l->watches[i].fd == fd) {
			l->watches[i] = l->watches[--l->count];
			return;
		}
}

int loop_wait(struct loop *l, int64_t deadline_mono)
{
	int timeout = -1, ready, called = 0, n = l->count;

	if (deadline_mono >= 0) {
		int64_t wait = deadline_mono - clock_mono();
		timeout = wait <= 0 ? 0 : wait > 3600000 ? 3600000 : (int)wait;
	}
	for (int i = 0; i < n; i++) {
		l->pollfds[i].fd = l->watches[i].fd;
		l->pollfds[i].events = l->watches[i].events;
		l->pollfds[i].revents = 0;
	}
	ready = poll(l->pollfds, (nfds_t)n, timeout);
	if (ready <= 0)
		return ready < 0 && errno != EINTR ? -1 : 0;
	for (int i = 0; i < n; i++) {
		struct pollfd *p = &l->pollfds[i];
		if (!p->revents)
			continue;
		for (int j = 0; j < l->count; j++)
			if (l->watches[j].fd == p->fd) {
				l->watches[j].fn(p->fd, p->revents,
						 l->watches[j].arg);
				called++;
				break;
			}
	}
	return called;
}
