/*
 * daemon_impl.h - the daemon's state and the parts of it that live in
 * separate files: the loop, start and stop (daemon.c), the events it
 * watches (daemon_events.c), leadership and the leader's upkeep
 * (daemon_leader.c), the HTTP side (daemon_http.c). Private to the daemon.
 */
#ifndef DOMECEK_DAEMON_IMPL_H
#define DOMECEK_DAEMON_IMPL_H

#include "daemon.h"
#include "core/db_full.h"
#include "core/engine.h"
#include "core/services.h"
#include "core/status.h"
#include "http/http.h"

#include <sqlite3.h>
#include <stdint.h>

struct alerts;
struct config;
struct dashboard;
struct err;
struct loop;
struct metrics;
struct queue;
struct runner_outcome;
struct scheduler;

#define STANDBY_RETRY_MS 2000
#define MAINTENANCE_MS (3600 * 1000)
#define PRUNE_BATCH 1000
#define WAL_SETTLE_MS 2
#define WAL_POLL_MS 1000
#define WAL_RECHECK_MS 50
#define WAL_RECHECK_WINDOW_MS 2000
#define HEARTBEAT_MS 60000

struct daemon {
	struct config *cfg;
	const struct daemon_options *opt;
	sqlite3 *db;
	struct loop *loop;
	struct queue *queue;
	struct scheduler *scheduler;
	struct services services;
	struct engine engine;
	char owner[128];
	int lock_fd; /* >= 0 while we lead */
	int signal_fd, inotify_fd, clock_fd;
	int is_stopping, wants_reload, clock_jumped;
	int64_t next_fire_at;	  /* wall ms, 0: none */
	int64_t next_lease_try;	  /* mono ms (standby) */
	int64_t next_maintenance; /* mono ms */
	int64_t next_heartbeat;	  /* mono ms */
	int jobs_run;
	int64_t started_mono;
	enum { PRUNE_IDLE, PRUNE_JOBS, PRUNE_HISTORY } prune_phase;
	int pruned;
	/* HTTP, metrics and alerts (issue 8) */
	struct daemon_status status;
	struct http *http; /* NULL when Http.Enabled is false */
	struct http_deps http_deps;
	struct dashboard *dashboard;
	struct metrics *metrics;
	struct alerts *alerts;
	int64_t watchdog_ms, next_watchdog; /* systemd WatchdogSec=; mono ms */
	int64_t wal_recheck_at, wal_recheck_until; /* mono ms; 0: none */
	int wal_recheck_gap; /* ms until the next look: 2, 4, 8 ... 50 */
	int has_wal_watch;   /* 0: poll the queue once a second instead */
	struct db_full full; /* the database cannot be written: back off */
	int has_warned_wal_watch;
};

/* daemon_events.c */
int daemon_watch_events(struct daemon *d, struct err *e);
void daemon_watch_wal(struct daemon *d);
void daemon_look_at_wal(struct daemon *d);

/* daemon_leader.c */
int daemon_try_lead(struct daemon *d, struct err *e);
void daemon_maintenance(struct daemon *d, int64_t now);
void daemon_on_claim_error(const struct err *e, void *arg);
void daemon_fire_schedules(struct daemon *d, int64_t now);

/* daemon_http.c */
void daemon_on_outcome(const struct runner_outcome *o, void *arg);
void daemon_note_stall(struct daemon *d, const char *what, int64_t ms);
int daemon_open_http(struct daemon *d, struct err *e);

#endif
