/*
 * daemon_events.c - what wakes the daemon besides its timers: SIGTERM and
 * SIGINT (stop) and SIGHUP (reload) through a signalfd, other programs'
 * commits through inotify on the WAL file, and a jump of the wall clock
 * through a timerfd. The handlers only note what happened; the next
 * iteration of the loop (daemon.c) acts on it.
 */
#include "daemon_impl.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/engine.h"
#include "core/loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* ---- events ---------------------------------------------------------- */

static void on_signal(int fd, short revents, void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo info;

	(void)revents;
	while (read(fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		if (info.ssi_signo == SIGHUP) {
			d->wants_reload = 1;
		} else {
			log_fmt(LOG_INFO, "daemon.stopping", "signal=%s",
				info.ssi_signo == SIGTERM ? "TERM" : "INT");
			d->is_stopping = 1;
		}
	}
}

/* Any write to the WAL: another process may have enqueued a job. The
 * iteration that follows re-reads the next due time, which is cheap. The
 * last write of a commit reaches the WAL file a moment before the commit
 * is published in the shared-memory index (which inotify cannot see). */
static void on_wal_change(int fd, short revents, void *arg)
{
	char events[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	struct daemon *d = arg;

	ssize_t n;

	(void)revents;
	while ((n = read(fd, events, sizeof(events))) > 0)
		for (char *p = events; p < events + n;) {
			const struct inotify_event *ev = (const void *)p;
			/* The WAL was removed or replaced (the last connection
			 * of another program closed it): watch the new one. */
			if (ev->mask &
			    (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
				d->has_wal_watch = 0;
			p += sizeof(*ev) + ev->len;
		}
	/* The writer's first frame wakes us before its commit is visible: the
	 * commit lands in the -shm through mmap, which inotify does not see,
	 * and may wait for an fsync. So look again 2 ms later, then after
	 * doubling gaps up to 50 ms, for two seconds. */
	engine_notice(&d->engine);
	d->wal_recheck_gap = WAL_SETTLE_MS;
	d->wal_recheck_at = clock_mono() + d->wal_recheck_gap;
	d->wal_recheck_until = clock_mono() + WAL_RECHECK_WINDOW_MS;
}

static void on_clock_set(int fd, short revents, void *arg)
{
	struct daemon *d = arg;

	(void)revents;
	if (clock_changes_read(fd))
		d->clock_jumped = 1;
}

/* Only the leader watches the WAL: a standby has nothing to pick up, and
 * the leader's own writes would wake it for nothing. */
void daemon_watch_wal(struct daemon *d)
{
	char wal[4096];

	snprintf(wal, sizeof(wal), "%s-wal", d->opt->db_path);
	d->has_wal_watch =
	    inotify_add_watch(d->inotify_fd, wal,
			      IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF) >= 0;
	if (!d->has_wal_watch && !d->has_warned_wal_watch) {
		log_event(LOG_WARN, "daemon.no_wal_watch", "file", wal, "error",
			  strerror(errno), "effect",
			  "until it can be watched, the queue is read once a "
			  "second for jobs that other programs insert",
			  (char *)NULL);
		d->has_warned_wal_watch = 1;
	}
}

int daemon_watch_events(struct daemon *d, struct err *e)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	d->clock_fd = clock_changes_open();
	if (d->signal_fd < 0 || d->inotify_fd < 0 || d->clock_fd < 0)
		return err_set(e, ERR_IO, "setting up the event loop: %s",
			       strerror(errno));
	loop_watch(d->loop, d->signal_fd, POLLIN, on_signal, d);
	loop_watch(d->loop, d->inotify_fd, POLLIN, on_wal_change, d);
	loop_watch(d->loop, d->clock_fd, POLLIN, on_clock_set, d);
	return 0;
}

/* Each iteration: a look at the queue while a commit noticed in the WAL
 * may still be on its way (2 ms, then doubling gaps up to 50 ms, for two
 * seconds), and once a second while the WAL cannot be watched. */
void daemon_look_at_wal(struct daemon *d)
{
	if (d->wal_recheck_at && clock_mono() >= d->wal_recheck_at) {
		d->wal_recheck_gap = d->wal_recheck_gap * 2 > WAL_RECHECK_MS
					 ? WAL_RECHECK_MS
					 : d->wal_recheck_gap * 2;
		d->wal_recheck_at =
		    clock_mono() + d->wal_recheck_gap < d->wal_recheck_until
			? clock_mono() + d->wal_recheck_gap
			: 0;
		engine_notice(&d->engine);
	}
	if (!d->has_wal_watch) {
		daemon_watch_wal(d);
		engine_notice(&d->engine); /* polled once a second meanwhile */
	}
}
