/*
 * daemon_leader.c - leadership and the leader's own work besides jobs:
 * taking the lead (or waiting as a standby), firing recurring schedules,
 * and the hourly upkeep (recovering jobs whose lease lapsed, pruning
 * finished jobs and old history a bounded batch at a time).
 */
#include "daemon_impl.h"
#include "daemon_faults.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sdnotify.h"
#include "config/config.h"
#include "core/engine.h"
#include "core/leader.h"
#include "core/queue.h"
#include "core/scheduler.h"
#include "db/db.h"

#include <stdio.h>

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
	daemon_watch_wal(d);
	d->next_fire_at = now; /* misfires are handled by the first tick */
	log_event(LOG_INFO, "daemon.leader", "owner", d->owner, (char *)NULL);
	sdnotify_send("READY=1\nSTATUS=leader: running jobs", NULL);
	return 0;
}

int daemon_try_lead(struct daemon *d, struct err *e)
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

/* ---- schedules and upkeep -------------------------------------------- */

/* Hourly upkeep: recover jobs whose lease lapsed, then prune finished
 * jobs and old history one bounded batch per loop iteration, so that a
 * million rows to prune never keep HTTP or a running job waiting. */
void daemon_maintenance(struct daemon *d, int64_t now)
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

/* A claim that failed for lack of space puts the daemon into its
 * waiting-for-space state (daemon_faults.c); other failures are logged. */
void daemon_on_claim_error(const struct err *e, void *arg)
{
	struct daemon *d = arg;

	if (!daemon_write_failed(&d->full, d->alerts, e))
		log_event(LOG_ERROR, "queue.claim_failed", "error", e->msg,
			  (char *)NULL);
}

void daemon_fire_schedules(struct daemon *d, int64_t now)
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
	engine_notice(&d->engine); /* a fire may have enqueued a job */
	if (rc) {
		if (!daemon_write_failed(&d->full, d->alerts, &e))
			log_event(rc == ERR_BUSY ? LOG_DEBUG : LOG_ERROR,
				  "schedule.failed", "error", e.msg,
				  (char *)NULL);
		d->next_fire_at = now + 1000; /* try again shortly */
	}
}
