/*
 * loop.h - the one poll() the daemon sleeps in.
 *
 * Modules register file descriptors with a callback (HTTP sockets, curl's
 * sockets, the signalfd, the inotify watch on the WAL, the clock-change
 * timerfd); the daemon asks loop_wait() to sleep until one of them is
 * ready or until the earliest deadline it has computed. Deadlines are in
 * monotonic milliseconds (clock_mono), so a wall-clock jump never makes
 * the loop oversleep or spin.
 */
#ifndef DOMECEK_LOOP_H
#define DOMECEK_LOOP_H

#include <stdint.h>

struct err;
struct loop;

typedef void (*loop_fd_fn)(int fd, short revents, void *arg);

int loop_new(struct loop **out, struct err *e);
void loop_free(struct loop *l);

/* Watches fd for events (POLLIN/POLLOUT); a second call for the same fd
 * replaces its events and callback. ERR_TOOBIG past LOOP_MAX_FDS. */
int loop_watch(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg);
void loop_unwatch(struct loop *l, int fd);

/* Sleeps until a watched fd is ready or the monotonic deadline passes
 * (-1: no deadline; a deadline in the past: just look), then calls the
 * callbacks of the ready fds. Returns how many were called. */
int loop_wait(struct loop *l, int64_t deadline_mono);

#define LOOP_MAX_FDS 256

#endif
