/*
 * daemon.c - `domecek-jobs run`: the long-running process.
 *
 * One iteration of the loop (daemon_iterate) does what is due and no more:
 * fire schedules whose time came, claim a job if none runs and one is due,
 * run one step of the running job. Then the loop sleeps until the earliest
 * of: the running job's next step (0 ms between steps, so HTTP is served
 * between them), the next due job, the next recurring fire, the standby's
 * next try for the lease. Other processes' inserts wake it through inotify
 * on the WAL file; SIGTERM/SIGHUP through a signalfd; a wall-clock jump
 * through a timerfd with TFD_TIMER_CANCEL_ON_SET. An idle daemon with
 * nothing planned sleeps in poll() without a timeout.
 */
#include "daemon.h"
#include "core/status.h"
#include "app/alerts.h"
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "http/http.h"
#include "core/leader.h"
#include "base/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/net.h"
#include "core/queue.h"
#include "jobs/registry.h"
#include "core/runner.h"
#include "core/scheduler.h"
#include "base/sdnotify.h"
#include "core/services.h"
#include "storage/storage.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define STANDBY_RETRY_MS 2000
#define MAINTENANCE_MS (3600 * 1000)
#define PRUNE_BATCH 1000
#define WAL_SETTLE_MS 2
#define WAL_POLL_MS 1000
#define WAL_RECHECK_MS 50
#define WAL_RECHECK_WINDOW_MS 2000

struct daemon {
	struct config *cfg;
	const struct daemon_options *opt;
	sqlite3 *db;
	struct loop *loop;
	struct queue *queue;
	struct scheduler *scheduler;
	struct services services;
	struct runner runner;
	char owner[128];
	int lock_fd; /* >= 0 while we lead */
	int signal_fd, inotify_fd, clock_fd;
	int is_stopping, wants_reload, clock_jumped;
	int64_t next_fire_at;	  /* wall ms, 0: none */
	int64_t next_due_at;	  /* wall ms, 0: none */
	int64_t next_lease_try;	  /* mono ms (standby) */
	int64_t next_maintenance; /* mono ms */
	int jobs_run;
	int64_t started_mono;
	enum { PRUNE_IDLE, PRUNE_JOBS, PRUNE_HISTORY } prune_phase;
	int pruned;
	/* HTTP, metrics and alerts (issue 8) */
	struct daemon_status status;
	struct http *http; /* NULL when Http.Enabled is false */
	struct metrics *metrics;
	struct alerts *alerts;
	int64_t watchdog_ms, next_watchdog; /* systemd WatchdogSec=; mono ms */
	int64_t wal_recheck_at, wal_recheck_until; /* mono ms; 0: none */
	int wal_recheck_gap; /* ms until the next look: 2, 4, 8 ... 50 */
	int has_wal_watch;   /* 0: poll the queue once a second instead */
	int has_warned_wal_watch;
};

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
static void watch_wal(struct daemon *d)
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

static int watch_events(struct daemon *d, struct err *e)
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

/* ---- outcomes -------------------------------------------------------- */


static void on_outcome(const struct runner_outcome *o, void *arg)
{
	struct daemon *d = arg;

	d->jobs_run++;
	runner_record_outcome(d->db, o);
	if (strcmp(o->state, "released") != 0) {
		metrics_observe(d->metrics, o->job->type, o->duration_ms);
		alerts_job_finished(d->alerts, o->job->type, o->state, o->error,
				    clock_now());
	}
	if (d->lock_fd >= 0)
		leader_heartbeat(d->db, d->owner, clock_now(), NULL);
}

/* ---- leadership ------------------------------------------------------ */

static int become_leader(struct daemon *d, int64_t now, struct err *e)
{
	int recovered = 0, rc;

	if ((rc = queue_recover(d->queue, now, &recovered, e)))
		return rc;
	if (recovered)
		log_fmt(LOG_WARN, "queue.recovered",
			"jobs=%d reason=previous_daemon_stopped", recovered);
	if ((rc = scheduler_sync(d->scheduler, now, e)))
		return rc;
	watch_wal(d);
	d->next_fire_at = now; /* misfires are handled by the first tick */
	log_event(LOG_INFO, "daemon.leader", "owner", d->owner, (char *)NULL);
	sdnotify_send("READY=1\nSTATUS=leader: running jobs", NULL);
	return 0;
}

static int try_lead(struct daemon *d, struct err *e)
{
	struct leader_info holder;
	int64_t now = clock_now();
	int rc;

	if ((rc = leader_try(d->db, d->opt->db_path, d->owner, now, &d->lock_fd,
			     &holder, e)))
		return rc;
	if (d->lock_fd >= 0)
		return become_leader(d, now, e);
	if (d->next_lease_try == 0) {
		char pid[24];
		snprintf(pid, sizeof(pid), "%ld", holder.pid);
		log_event(LOG_WARN, "daemon.standby", "leader",
			  holder.owner[0] ? holder.owner : "unknown", "pid",
			  pid, "action",
			  "waiting to take over "
			  "when it stops",
			  (char *)NULL);
		sdnotify_send("READY=1\nSTATUS=standby: another daemon leads",
			      NULL);
	}
	d->next_lease_try = clock_mono() + STANDBY_RETRY_MS;
	return 0;
}

/* ---- one iteration --------------------------------------------------- */

/* Hourly upkeep: recover jobs whose lease lapsed, then prune finished
 * jobs and old history one bounded batch per loop iteration, so that a
 * million rows to prune never keep HTTP or a running job waiting. */
static void maintenance(struct daemon *d, int64_t now)
{
	struct err e = {0};
	int pruned = 0, recovered = 0, rc;

	if (d->prune_phase == PRUNE_IDLE) {
		if (clock_mono() < d->next_maintenance)
			return;
		d->next_maintenance = clock_mono() + MAINTENANCE_MS;
		if (queue_recover(d->queue, now, &recovered, &e) == 0 &&
		    recovered)
			log_fmt(LOG_WARN, "queue.recovered",
				"jobs=%d reason=lease_expired", recovered);
		d->prune_phase = PRUNE_JOBS;
		d->pruned = 0;
		return;
	}
	if (d->prune_phase == PRUNE_JOBS)
		rc = queue_prune(d->queue, now, PRUNE_BATCH, &pruned, &e);
	else
		rc = scheduler_prune_history(
		    d->db, now, d->cfg->queue.history_retention_days,
		    PRUNE_BATCH, &pruned, &e);
	d->pruned += pruned;
	if (rc == ERR_BUSY || (!rc && pruned >= PRUNE_BATCH))
		return; /* more of the same next turn */
	if (d->prune_phase == PRUNE_JOBS) {
		d->prune_phase = PRUNE_HISTORY;
		return;
	}
	d->prune_phase = PRUNE_IDLE;
	if (d->pruned) {
		log_fmt(LOG_INFO, "queue.pruned", "rows=%d", d->pruned);
		db_exec(d->db, "PRAGMA incremental_vacuum(1000)", NULL);
	}
}

static void fire_schedules(struct daemon *d, int64_t now)
{
	struct err e = {0};
	int rc;

	if (d->clock_jumped) {
		d->clock_jumped = 0;
		log_event(LOG_WARN, "clock.changed", "action",
			  "re-planning schedules", (char *)NULL);
		if (scheduler_replan(d->scheduler, now, &e))
			log_event(LOG_ERROR, "schedule.failed", "error", e.msg,
				  (char *)NULL);
		d->next_fire_at = now;
	}
	if (!d->next_fire_at || now < d->next_fire_at)
		return;
	rc = scheduler_tick(d->scheduler, now, &d->next_fire_at, &e);
	if (rc) {
		log_event(rc == ERR_BUSY ? LOG_DEBUG : LOG_ERROR,
			  "schedule.failed", "error", e.msg, (char *)NULL);
		d->next_fire_at = now + 1000; /* try again shortly */
	}
}

static void claim_next(struct daemon *d, int64_t now)
{
	struct queue_job job;
	struct err e = {0};
	int rc;

	if (d->runner.is_active || d->is_stopping)
		return;
	rc = queue_next_due(d->queue, &d->next_due_at, &e);
	if (rc == ERR_NOTFOUND) {
		d->next_due_at = 0;
		return;
	}
	if (rc || d->next_due_at > now)
		return;
	rc = queue_claim(d->queue, now, &job, &e);
	if (rc == 0)
		runner_begin(&d->runner, &job);
	else if (rc != ERR_NOTFOUND && rc != ERR_BUSY)
		log_event(LOG_ERROR, "queue.claim_failed", "error", e.msg,
			  (char *)NULL);
}

/* The space limits take effect on reload, so that an owner who frees or
 * buys space can let the failed jobs retry without a restart; the other
 * storage and database settings need one. */
static void apply_space_limits(struct daemon *d)
{
	char sql[64];
	struct err e = {0};

	snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%d",
		 d->cfg->database.max_page_count > 0
		     ? d->cfg->database.max_page_count
		     : 2147483647);
	if (db_exec(d->db, sql, &e))
		log_event(LOG_ERROR, "config.reload_failed", "error", e.msg,
			  (char *)NULL);
	if (d->services.storage &&
	    strcmp(d->cfg->storage.provider, "S3") != 0 &&
	    storage_local_set_quota(d->services.storage,
				    d->cfg->storage.local.quota_bytes, &e))
		log_event(LOG_ERROR, "config.reload_failed", "key",
			  "Storage.Local.QuotaBytes", "error", e.msg,
			  (char *)NULL);
}

static void reload(struct daemon *d)
{
	struct config fresh;
	struct scheduler *scheduler;
	struct err e = {0};

	d->wants_reload = 0;
	if (config_load(&fresh, d->opt->config_path, d->opt->envp, NULL, &e)) {
		log_event(LOG_ERROR, "config.reload_failed", "error", e.msg,
			  "action", "keeping the running config", (char *)NULL);
		return;
	}
	/* Everyone holds a pointer to the one config: update it in place. */
	*d->cfg = fresh;
	apply_space_limits(d);
	if (scheduler_open(d->db, d->cfg, d->queue, &scheduler, &e) ||
	    (d->lock_fd >= 0 && scheduler_sync(scheduler, clock_now(), &e))) {
		log_event(LOG_ERROR, "config.reload_failed", "error", e.msg,
			  (char *)NULL);
		scheduler_free(scheduler);
		return;
	}
	scheduler_free(d->scheduler);
	d->scheduler = scheduler;
	d->next_fire_at = clock_now();
	log_event(LOG_INFO, "config.reloaded", "source", d->cfg->source,
		  (char *)NULL);
}

/* Returns 1 when the daemon should exit. */
static int daemon_iterate(struct daemon *d)
{
	int64_t now = clock_now();
	struct err e = {0};
	int pending = 0;

	d->status.heartbeat_mono = clock_mono();
	d->status.is_leader = d->lock_fd >= 0;
	if (d->watchdog_ms && clock_mono() >= d->next_watchdog) {
		sdnotify_send("WATCHDOG=1", NULL);
		d->next_watchdog = clock_mono() + d->watchdog_ms;
	}
	if (d->wants_reload)
		reload(d);
	if (d->is_stopping) {
		sdnotify_send("STOPPING=1", NULL);
		runner_release(
		    &d->runner,
		    "the daemon was stopped; it runs again on start");
		return 1;
	}
	if (d->lock_fd < 0) {
		if (clock_mono() >= d->next_lease_try && try_lead(d, &e)) {
			log_event(LOG_ERROR, "daemon.lead_failed", "error",
				  e.msg, (char *)NULL);
			d->next_lease_try = clock_mono() + STANDBY_RETRY_MS;
		}
		if (d->lock_fd < 0)
			return 0;
	}
	if (d->wal_recheck_at && clock_mono() >= d->wal_recheck_at) {
		d->wal_recheck_gap = d->wal_recheck_gap * 2 > WAL_RECHECK_MS
					 ? WAL_RECHECK_MS
					 : d->wal_recheck_gap * 2;
		d->wal_recheck_at =
		    clock_mono() + d->wal_recheck_gap < d->wal_recheck_until
			? clock_mono() + d->wal_recheck_gap
			: 0;
	}
	if (!d->has_wal_watch)
		watch_wal(d);
	fire_schedules(d, now);
	claim_next(d, now);
	net_process(d->services.net);
	runner_step(&d->runner);
	if (d->opt->stop_after_steps && !d->runner.is_active && d->jobs_run)
		return 1;
	maintenance(d, now);
	alerts_tick(d->alerts, now, clock_mono());
	if (d->opt->once && !d->runner.is_active)
		return 1;
	if (d->opt->drain && !d->runner.is_active &&
	    queue_has_pending(d->queue, clock_now(), &pending, &e) == 0 &&
	    !pending)
		return 1;
	return 0;
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static int64_t wall_to_mono(int64_t wall)
{
	return wall ? clock_mono() + (wall - clock_now()) : -1;
}

/* Before an idle sleep no statement may be left mid-step: it would hold a
 * read transaction open, and the daemon would go on seeing the database
 * as it was, missing every job another program inserts. Such a statement
 * is a bug; it is reset here and named in the log. */
static void end_stale_reads(struct daemon *d)
{
	sqlite3_stmt *stmt = NULL;

	if (d->runner.is_active)
		return; /* a job may read across its steps */
	while ((stmt = sqlite3_next_stmt(d->db, stmt)) != NULL)
		if (sqlite3_stmt_busy(stmt)) {
			log_event(LOG_ERROR, "db.stale_read", "sql",
				  sqlite3_sql(stmt), "action", "reset",
				  (char *)NULL);
			sqlite3_reset(stmt);
		}
	if (!sqlite3_get_autocommit(d->db)) {
		log_event(LOG_ERROR, "db.open_transaction", "action",
			  "rolled back", (char *)NULL);
		db_rollback(d->db);
	}
}

/* The monotonic time to wake up at, or -1 to sleep until an event. */
static int64_t next_deadline(const struct daemon *d)
{
	int64_t deadline = d->watchdog_ms ? d->next_watchdog : -1;

	if (d->lock_fd < 0)
		return earliest(deadline, d->next_lease_try);
	deadline = earliest(deadline, runner_deadline(&d->runner));
	deadline = earliest(deadline, net_deadline(d->services.net));
	if (!d->runner.is_active)
		deadline = earliest(deadline, wall_to_mono(d->next_due_at));
	if (d->wal_recheck_at)
		deadline = earliest(deadline, d->wal_recheck_at);
	if (!d->has_wal_watch)
		deadline = earliest(deadline, clock_mono() + WAL_POLL_MS);
	deadline = earliest(deadline, wall_to_mono(d->next_fire_at));
	if (d->prune_phase != PRUNE_IDLE)
		deadline = clock_mono();
	if (d->opt->drain) /* retries of failed jobs are due by run_at */
		deadline = earliest(deadline, clock_mono() + 1000);
	return deadline;
}

/* ---- start and stop -------------------------------------------------- */

static int open_storage(const struct config *cfg, struct storage **out,
			struct err *e)
{
	int rc, swept = 0;

	if ((rc = storage_open_configured(cfg, out, e)))
		return rc;
	/* A kill -9 during an export leaves its temp file; nobody else would
	 * ever remove it from a small disk. */
	if (strcmp(cfg->storage.provider, "Local") != 0)
		return 0;
	if (storage_local_sweep_temp(*out, &swept, e))
		log_event(LOG_WARN, "storage.sweep_failed", "error", e->msg,
			  (char *)NULL);
	else if (swept)
		log_fmt(LOG_INFO, "storage.swept",
			"removed=%d orphaned temp file(s)", swept);
	return 0;
}

/* The HTTP server, metrics and alerts. A port that cannot be bound stops
 * the start: a daemon whose health endpoint is missing looks dead. */
static int open_http(struct daemon *d, struct err *e)
{
	struct http_deps deps = {
	    .loop = d->loop,
	    .cfg = d->cfg,
	    .db = d->db,
	    .queue = d->queue,
	    .status = &d->status,
	    .metrics = NULL,
	};
	int rc;

	d->status.started_at = clock_now();
	d->status.heartbeat_mono = clock_mono();
	if ((rc = metrics_new(&d->metrics, e)) ||
	    (rc = alerts_new(d->db, d->cfg, d->queue, &d->alerts, e)))
		return rc;
	alerts_set_post(d->alerts, alerts_post, d->services.net);
	deps.metrics = d->metrics;
	if (!d->cfg->http.enabled)
		return 0;
	return http_start(&deps, &d->http, e);
}

static int daemon_open(struct daemon *d, struct err *e)
{
	struct db_options dbo = {
	    .busy_timeout_ms = d->cfg->database.busy_timeout_ms,
	    .max_page_count = d->cfg->database.max_page_count,
	    .synchronous_full = !strcmp(d->cfg->database.synchronous, "Full"),
	    .create = 1,
	};
	int from, to, rc;

	if ((rc = db_open(d->opt->db_path, &dbo, &d->db, e)) ||
	    (rc = db_migrate(d->db, &from, &to, e)))
		return rc;
	if (from != to)
		log_fmt(LOG_INFO, "db.migrated", "from=%d to=%d", from, to);
	leader_owner_id(d->owner, sizeof(d->owner));
	if ((rc = loop_new(&d->loop, e)) ||
	    (rc = net_new(d->loop, &d->services.net, e)) ||
	    (rc = open_storage(d->cfg, &d->services.storage, e)) ||
	    (rc = queue_open(d->db, d->cfg, job_registry, d->owner, &d->queue, e)) ||
	    (rc = scheduler_open(d->db, d->cfg, d->queue, &d->scheduler, e)) ||
	    (rc = watch_events(d, e)))
		return rc;
	net_set_ca_file(d->services.net, d->cfg->tls.ca_file); /* Tls.CaFile */
	runner_init(&d->runner, d->db, d->cfg, d->queue, &d->services,
		    on_outcome, d);
	d->runner.stop_after_steps = d->opt->stop_after_steps;
	return open_http(d, e);
}

static void daemon_close(struct daemon *d)
{
	int lock_fd = d->lock_fd;

	http_stop(d->http);
	alerts_free(d->alerts);
	metrics_free(d->metrics);
	scheduler_free(d->scheduler);
	queue_free(d->queue);
	net_free(d->services.net);
	storage_close(d->services.storage);
	if (d->db) {
		if (lock_fd >= 0)
			leader_release(d->db, d->owner);
		/* A clean stop leaves everything in the main file: then a plain
		 * copy of it is a complete backup. */
		db_exec(d->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
		db_close(d->db);
	}
	if (lock_fd >= 0)
		close(lock_fd);
	loop_free(d->loop);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->inotify_fd >= 0)
		close(d->inotify_fd);
	if (d->clock_fd >= 0)
		close(d->clock_fd);
}

int daemon_run(struct config *cfg, const struct daemon_options *opt,
	       struct err *e)
{
	struct daemon d = {
	    .cfg = cfg,
	    .opt = opt,
	    .lock_fd = -1,
	    .signal_fd = -1,
	    .inotify_fd = -1,
	    .clock_fd = -1,
	};
	int rc;

	d.started_mono = clock_mono();
	d.watchdog_ms = sdnotify_watchdog_ms();
	if ((rc = daemon_open(&d, e)))
		goto done;
	log_event(LOG_INFO, "daemon.started", "db", opt->db_path, "config",
		  cfg->source, "owner", d.owner, (char *)NULL);
	while (!daemon_iterate(&d)) {
		/* Between steps of a job: look at the sockets, don't sleep. */
		int64_t deadline = next_deadline(&d);
		end_stale_reads(&d);
		http_before_wait(d.http, &deadline);
		loop_wait(d.loop, deadline);
	}
	log_fmt(LOG_INFO, "daemon.stopped", "jobs_run=%d", d.jobs_run);
done:
	daemon_close(&d);
	return rc;
}
