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
 *
 * This file starts, runs and stops the loop; its parts (daemon_impl.h)
 * are the events that wake it (daemon_events.c), leadership, schedules
 * and upkeep (daemon_leader.c), the HTTP side (daemon_http.c) and the
 * answers to a full disk and other faults (daemon_faults.c).
 */
#include "daemon_impl.h"
#include "daemon_faults.h"
#include "app/alerts.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sdnotify.h"
#include "config/config.h"
#include "core/db_full.h"
#include "core/engine.h"
#include "core/leader.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/net.h"
#include "core/queue.h"
#include "core/scheduler.h"
#include "db/db.h"
#include "http/dashboard.h"
#include "http/http.h"
#include "jobs/registry.h"
#include "storage/storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- reload ---------------------------------------------------------- */

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

/* ---- one iteration --------------------------------------------------- */

/* Returns 1 when the daemon should exit. */
static int daemon_iterate(struct daemon *d)
{
	int64_t now = clock_now();
	struct err e = {0};
	int pending = 0, is_full, was_full = d->full.is_full;

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
		engine_release(
		    &d->engine,
		    "the daemon was stopped; it runs again on start");
		return 1;
	}
	if (d->lock_fd < 0) {
		if (clock_mono() >= d->next_lease_try &&
		    daemon_try_lead(d, &e)) {
			log_event(LOG_ERROR, "daemon.lead_failed", "error",
				  e.msg, (char *)NULL);
			d->next_lease_try = clock_mono() + STANDBY_RETRY_MS;
		}
		if (d->lock_fd < 0)
			return 0;
	}
	daemon_look_at_wal(d);
	is_full = daemon_is_waiting_for_space(&d->full, d->db, d->alerts,
					      d->queue, now);
	if (was_full && !is_full) { /* space returned: look at once */
		d->next_fire_at = now;
		engine_notice(&d->engine);
	}
	if (!is_full)
		daemon_fire_schedules(d, now);
	net_process(d->services.net);
	if (!is_full) /* a claim or a step would only fail to write */
		engine_turn(&d->engine, now);
	if (d->opt->stop_after_steps && !engine_is_active(&d->engine) &&
	    d->jobs_run)
		return 1;
	if (!is_full)
		daemon_maintenance(d, now);
	alerts_tick(d->alerts, now, clock_mono());
	if (d->opt->once && !engine_is_active(&d->engine))
		return 1;
	if (d->opt->drain && !engine_is_active(&d->engine) &&
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

	if (engine_is_active(&d->engine))
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
	deadline = earliest(deadline, engine_deadline(&d->engine));
	deadline = earliest(deadline, net_deadline(d->services.net));
	if (d->full.is_full) /* due jobs and fires wait for the probe */
		return earliest(deadline, db_full_deadline(&d->full));
	deadline = earliest(deadline, wall_to_mono(d->engine.due_at));
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
	    (rc = queue_open(d->db, d->cfg, job_registry, d->owner, &d->queue,
			     e)) ||
	    (rc = scheduler_open(d->db, d->cfg, d->queue, &d->scheduler, e)) ||
	    (rc = daemon_watch_events(d, e)))
		return rc;
	net_set_ca_file(d->services.net, d->cfg->tls.ca_file); /* Tls.CaFile */
	daemon_sweep_maildir(d->cfg, d->db);
	db_full_init(&d->full, d->opt->db_path, &d->status);
	engine_init(&d->engine, d->db, d->cfg, d->queue, &d->services,
		    daemon_on_outcome, d);
	d->engine.on_claim_error = daemon_on_claim_error;
	d->engine.claim_error_arg = d;
	engine_stop_after(&d->engine, d->opt->stop_after_steps);
	/* --once and the step-limited test runs take one job at a time */
	d->engine.claim_chain = !d->opt->once && !d->opt->stop_after_steps;
	return daemon_open_http(d, e);
}

static void daemon_close(struct daemon *d)
{
	int lock_fd = d->lock_fd;

	daemon_forget_future_fires(d->scheduler, d->lock_fd >= 0);
	http_stop(d->http);
	dashboard_free(d->dashboard);
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
	int64_t woke;
	int rc;

	d.started_mono = clock_mono();
	d.watchdog_ms = sdnotify_watchdog_ms();
	if ((rc = daemon_open(&d, e)))
		goto done;
	if (opt->has_start_at)
		clock_start_at(opt->start_at);
	log_event(LOG_INFO, "daemon.started", "db", opt->db_path, "config",
		  cfg->source, "owner", d.owner, (char *)NULL);
	woke = clock_mono();
	while (!daemon_iterate(&d)) {
		/* Between steps of a job: look at the sockets, don't sleep. */
		int64_t deadline = next_deadline(&d);
		end_stale_reads(&d);
		http_before_wait(d.http, &deadline);
		daemon_note_stall(&d, "a step ran", clock_mono() - woke);
		d.status.wait_deadline_mono = deadline >= 0 ? deadline : 0;
		loop_wait(d.loop, deadline);
		woke = clock_mono();
		if (deadline >= 0)
			daemon_note_stall(&d, "the loop woke up late",
					  woke - deadline);
		d.status.wait_deadline_mono = 0;
	}
	log_fmt(LOG_INFO, "daemon.stopped", "jobs_run=%d", d.jobs_run);
done:
	daemon_close(&d);
	return rc;
}
