/*
 * daemon_faults.c - the daemon's answers to the faults of a home server:
 * a disk that fills up (back off, do not spin), a killed Maildir delivery
 * (sweep its file), a `run --now` ahead of the real clock (forget its
 * fires). See daemon_faults.h; the loop in daemon.c calls these.
 */
#include "daemon_faults.h"
#include "app/alerts.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "config/config.h"
#include "core/db_full.h"
#include "core/queue.h"
#include "core/scheduler.h"
#include "db/db.h"
#include "mail/mail.h"

#include <stdio.h>

void daemon_sweep_maildir(const struct config *cfg, sqlite3 *db)
{
	enum mail_provider provider;
	char id[40], prefix[48];
	struct err e = {0};
	int removed = 0;

	if (mail_provider_of(cfg, &provider, &e) || provider != MAIL_MAILDIR ||
	    db_setting_get(db, "database_id", id, sizeof(id), &e))
		return;
	snprintf(prefix, sizeof(prefix), "%s.", id);
	if (mail_maildir_sweep_tmp(cfg->email.maildir.path, prefix, clock_now(),
				   &removed, &e))
		log_event(LOG_WARN, "mail.sweep_failed", "error", e.msg,
			  (char *)NULL);
	else if (removed)
		log_fmt(LOG_INFO, "mail.swept",
			"removed=%d stale file(s) in Maildir tmp/", removed);
}

int daemon_write_failed(struct db_full *full, struct alerts *alerts,
			const struct err *e)
{
	if (!db_full_is_write_error(e->code, e->msg))
		return 0;
	if (db_full_enter(full, e->msg))
		alerts_database_full(alerts, 1, e->msg);
	return 1;
}

int daemon_is_waiting_for_space(struct db_full *full, sqlite3 *db,
				struct alerts *alerts, struct queue *queue,
				int64_t now)
{
	struct err e = {0};
	int recovered = 0, rc = db_full_wait(full, db);

	if (rc >= 0)
		return rc;
	alerts_database_full(alerts, 0, NULL);
	if (queue_recover(queue, now, &recovered, &e) == 0 && recovered)
		log_fmt(LOG_WARN, "queue.recovered",
			"jobs=%d reason=lease_expired_while_disk_full",
			recovered);
	return 0;
}

void daemon_forget_future_fires(struct scheduler *scheduler, int is_leader)
{
	struct err e = {0};
	int count = 0;

	if (clock_is_real() || !is_leader || !scheduler)
		return;
	if (scheduler_forget_future(scheduler, clock_real(), &count, &e))
		log_event(LOG_WARN, "schedule.forget_failed", "error", e.msg,
			  (char *)NULL);
	else if (count)
		log_fmt(LOG_INFO, "schedule.forgot_future",
			"schedules=%d reason=the run's clock (--now) was "
			"ahead of the real one",
			count);
}
