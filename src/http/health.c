/*
 * health.c - the checks behind GET /health/jobs.
 *
 * Every check is cheap (an indexed count or a one-row probe) because a
 * monitor polls this often, and it runs inside the loop.
 *
 * Two kinds of check. Critical ones fail for what stops the work: the
 * loop stalled, the database not writable, no daemon leading, a job
 * failed because the disk or the database was full; any of
 * them makes the answer "unhealthy" (503), which should wake someone.
 * The others ask for a look, not a page: a long-running job, a long
 * queue, a standby daemon, a full storage quota, a recurring job late,
 * an open failure alert; they make it "degraded" (still 200).
 *
 * A stalled loop cannot answer while it is stalled: this endpoint is
 * served by the same loop. So the daemon records each stall when the
 * loop comes back (a step that ran longer than Alerts.LoopStallSeconds,
 * or a wake-up that came that much later than planned, e.g. a stopped
 * process), and the check fails from then until HEALTH_STALL_SHOWN_MS
 * after the stall ended; a request that waited through the stall is
 * answered 503 too. The write probe
 * waits at most HEALTH_LOCK_WAIT_MS for the lock, not the configured busy
 * timeout: a health answer that takes seconds is itself unhealthy.
 */
#include "http/health.h"
#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "cron/cron.h"
#include "core/leader.h"
#include "core/status.h"
#include "db/db.h"
#include "base/err.h"
#include "base/tz.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static void add_item(cJSON *checks, const char *name, int is_ok,
		     const char *detail, int is_critical)
{
	cJSON *item = cJSON_CreateObject();

	cJSON_AddStringToObject(item, "name", name);
	cJSON_AddBoolToObject(item, "ok", is_ok);
	cJSON_AddStringToObject(item, "detail", detail);
	cJSON_AddBoolToObject(item, "critical", is_critical);
	cJSON_AddItemToArray(checks, item);
}

/* A critical check: failing makes the answer "unhealthy". */
static void add_check(cJSON *checks, const char *name, int is_ok,
		      const char *detail, int *is_healthy)
{
	add_item(checks, name, is_ok, detail, 1);
	if (!is_ok)
		*is_healthy = 0;
}

/* A check that asks for a look: failing makes the answer "degraded". */
static void add_warning(cJSON *checks, const char *name, int is_ok,
			const char *detail, int *is_degraded)
{
	add_item(checks, name, is_ok, detail, 0);
	if (!is_ok)
		*is_degraded = 1;
}

static void check_database(const struct health_input *in, cJSON *checks,
			   int *ok)
{
	char detail[256];
	int rc;

	sqlite3_busy_timeout(in->db, HEALTH_LOCK_WAIT_MS);
	rc = sqlite3_exec(in->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		sqlite3_exec(in->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_busy_timeout(in->db, in->cfg->database.busy_timeout_ms);
	if (rc == SQLITE_OK)
		snprintf(detail, sizeof(detail),
			 "write lock taken and released");
	else
		snprintf(detail, sizeof(detail),
			 "cannot take the write lock: %s", sqlite3_errstr(rc));
	add_check(checks, "database_writable", rc == SQLITE_OK, detail, ok);
}

/* Reported by the daemon, which found out by failing to write (issue
 * 14): a write probe of our own would only add to the full disk. */
static void check_database_full(const struct health_input *in, cJSON *checks,
				int *ok)
{
	const struct daemon_status *st = in->status;
	char detail[320], since[CLOCK_ISO_LEN];

	if (st && st->is_database_full)
		snprintf(detail, sizeof(detail),
			 "cannot write since %s: %s; jobs wait, retried with "
			 "a growing delay (at most 60 s)",
			 clock_format(st->database_full_since, since),
			 st->database_full_error);
	else
		snprintf(detail, sizeof(detail), "writes succeed");
	add_check(checks, "database_full", !(st && st->is_database_full),
		  detail, ok);
}

/* How long ago the loop was stalled and for how long; 0 when it was not
 * within HEALTH_STALL_SHOWN_MS (or is not overdue right now). */
static int64_t stall_ms(const struct health_input *in, int64_t *ago)
{
	const struct daemon_status *st = in->status;
	int64_t limit = (int64_t)in->cfg->alerts.loop_stall_seconds * 1000;
	int64_t late =
	    st->wait_deadline_mono ? in->now_mono - st->wait_deadline_mono : 0;

	*ago = 0;
	if (late > limit)
		return late; /* answered by a loop that woke up this late */
	if (st->stall_ms > limit &&
	    in->now_mono - st->stall_ended_mono <= HEALTH_STALL_SHOWN_MS) {
		*ago = in->now_mono - st->stall_ended_mono;
		return st->stall_ms;
	}
	return 0;
}

static void check_loop(const struct health_input *in, cJSON *checks, int *ok)
{
	char detail[200];
	int64_t stalled = 0, ago = 0;

	if (!in->status) {
		add_check(checks, "loop_heartbeat", 0,
			  "no daemon loop in this process", ok);
		return;
	}
	stalled = stall_ms(in, &ago);
	if (stalled)
		snprintf(detail, sizeof(detail),
			 "the loop stalled for %lld ms, %lld s ago (limit %d "
			 "s, Alerts.LoopStallSeconds)",
			 (long long)stalled, (long long)(ago / 1000),
			 in->cfg->alerts.loop_stall_seconds);
	else
		snprintf(detail, sizeof(detail),
			 "no stall longer than %d s in the last %d s",
			 in->cfg->alerts.loop_stall_seconds,
			 HEALTH_STALL_SHOWN_MS / 1000);
	add_check(checks, "loop_heartbeat", !stalled, detail, ok);
}

/* A standby daemon is a spare, not a fault, while another one leads;
 * no daemon leading at all stops every job. */
static void check_leader(const struct health_input *in, cJSON *checks, int *ok,
			 int *is_degraded)
{
	struct leader_info holder;
	struct err e = {0};
	char detail[256], self[128];

	if (in->status && in->status->is_leader) {
		add_check(checks, "leader_lease", 1,
			  "this daemon holds the leader lease", ok);
		return;
	}
	leader_owner_id(self, sizeof(self)); /* this host, to test the pid */
	if (leader_read(in->db, &holder, &e) == 0 &&
	    !leader_owner_is_gone(holder.owner, self)) {
		snprintf(detail, sizeof(detail),
			 "this daemon is on standby; %.128s leads",
			 holder.owner);
		add_warning(checks, "leader_lease", 0, detail, is_degraded);
		return;
	}
	add_check(checks, "leader_lease", 0,
		  in->status ? "no daemon holds the leader lease: no job runs"
			     : "no daemon loop in this process",
		  ok);
}

static int count_rows(sqlite3 *db, const char *sql, const char *bind_time_text,
		      int64_t bind_time, int64_t *count, char *ids,
		      size_t ids_size)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	*count = 0;
	if (ids)
		ids[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return ERR_DB;
	if (bind_time_text)
		db_bind_time(stmt, 1, bind_time);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		(*count)++;
		if (ids && strlen(ids) + 24 < ids_size)
			snprintf(ids + strlen(ids), ids_size - strlen(ids),
				 "%s#%lld", ids[0] ? ", " : "",
				 (long long)sqlite3_column_int64(stmt, 0));
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : ERR_DB;
}

static void check_queue(const struct health_input *in, cJSON *checks,
			int *is_degraded)
{
	int threshold = in->cfg->alerts.queue_length_threshold;
	int64_t minutes = in->cfg->alerts.long_running_minutes, n;
	char detail[512], ids[256];

	if (count_rows(in->db, "SELECT id FROM jobs WHERE state = 'enqueued'",
		       NULL, 0, &n, NULL, 0))
		snprintf(detail, sizeof(detail), "cannot count the queue: %s",
			 sqlite3_errmsg(in->db));
	else
		snprintf(detail, sizeof(detail), "%lld enqueued (threshold %d)",
			 (long long)n, threshold);
	add_warning(checks, "queue_length",
		    n < threshold && !strstr(detail, "cannot"), detail,
		    is_degraded);

	if (count_rows(
		in->db,
		"SELECT id FROM jobs WHERE state = 'processing' AND started_at < ?1 ORDER BY id",
		"t", in->now - minutes * MS_PER_MINUTE, &n, ids, sizeof(ids))) {
		snprintf(detail, sizeof(detail), "cannot read running jobs: %s",
			 sqlite3_errmsg(in->db));
		n = 1;
	} else if (n) {
		snprintf(detail, sizeof(detail),
			 "%lld job(s) running longer than %lld "
			 "minutes (Alerts.LongRunningMinutes): %s",
			 (long long)n, (long long)minutes, ids);
	} else {
		snprintf(detail, sizeof(detail),
			 "no job running longer than %lld minutes",
			 (long long)minutes);
	}
	add_warning(checks, "no_stuck_jobs", n == 0, detail, is_degraded);
}

/* A job that failed for want of space (storage quota, a full disk, a full
 * database) and now waits for its retry, or died of it within a day: the
 * owner has to free space, and nothing else on the page would say so.
 * The messages are recognised by the words every such error carries
 * (storage_local.c, db_error(), strerror(ENOSPC/EDQUOT)). */
static void check_space(const struct health_input *in, cJSON *checks, int *ok,
			int *is_degraded)
{
	/* clang-format off */
	static const char sql[] =
	    "SELECT id FROM jobs\n"
	    " WHERE (state = 'failed' OR (state = 'dead' AND finished_at >= ?1))\n"
	    "   AND (last_error LIKE '%quota%' OR last_error LIKE '%no space left%'\n"
	    "        OR last_error LIKE '%disk or database full%')\n"
	    " ORDER BY id";
	static const char full_sql[] =
	    "SELECT id FROM jobs\n"
	    " WHERE (state = 'failed' OR (state = 'dead' AND finished_at >= ?1))\n"
	    "   AND (last_error LIKE '%no space left%' OR last_error LIKE '%disk or database full%')\n"
	    " ORDER BY id";
	/* clang-format on */
	int64_t since = in->now - 24 * 60 * MS_PER_MINUTE, n, full = 0;
	char detail[512], ids[256];

	if (count_rows(in->db, sql, "t", since, &n, ids, sizeof(ids)) ||
	    count_rows(in->db, full_sql, "t", since, &full, NULL, 0)) {
		snprintf(detail, sizeof(detail), "cannot read failed jobs: %s",
			 sqlite3_errmsg(in->db));
		n = 1;
	} else if (n) {
		snprintf(
		    detail, sizeof(detail),
		    "%lld job(s) failed for lack of space "
		    "(free disk space or raise Storage.Local.QuotaBytes, then "
		    "`jobs retry`): %s",
		    (long long)n, ids);
	} else {
		snprintf(detail, sizeof(detail),
			 "no job failed for lack of space");
	}
	/* A full disk or database stops the work (the database lives on that
	 * disk); a full export quota only needs a look. */
	if (full)
		add_check(checks, "space", 0, detail, ok);
	else
		add_warning(checks, "space", n == 0, detail, is_degraded);
}

/* Open failure alerts: a monitor reads them here even when the email
 * that carries them is what fails (alerts.h). */
static void check_alerts(const struct health_input *in, cJSON *checks,
			 int *is_degraded)
{
	static const char sql[] =
	    "SELECT subject, message FROM alerts\n"
	    " WHERE kind = 'consecutive_failures' AND resolved_at IS NULL\n"
	    " ORDER BY id";
	sqlite3_stmt *stmt = NULL;
	char detail[512];
	int n = 0, rc;

	detail[0] = '\0';
	if (sqlite3_prepare_v2(in->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		add_warning(checks, "alerts", 0, sqlite3_errmsg(in->db),
			    is_degraded);
		return;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (n++ == 0)
			snprintf(detail, sizeof(detail), "open alert: %s: %s",
				 sqlite3_column_text(stmt, 0),
				 sqlite3_column_text(stmt, 1));
	sqlite3_finalize(stmt);
	if (n > 1)
		snprintf(detail + strlen(detail),
			 sizeof(detail) - strlen(detail), " (and %d more)",
			 n - 1);
	else if (n == 0)
		snprintf(detail, sizeof(detail), "no open failure alert");
	add_warning(checks, "alerts", n == 0, detail, is_degraded);
}

/* Overdue = the planned fire is more than one period (the gap to the
 * fire after it) in the past: one late fire is allowed for a busy queue. */
static int recurring_overdue(const char *cron, const char *zone,
			     int64_t planned, int64_t now, int64_t *period,
			     char *why, size_t size)
{
	struct cron_expr *expr = NULL;
	struct tz *tz = NULL;
	struct err e = {0};
	int64_t after = 0;
	int is_overdue = 1;

	*period = 0;
	if (cron_parse(cron, &expr, &e) || tz_open(zone, &tz, &e) ||
	    cron_next(expr, tz, planned, &after)) {
		snprintf(why, size, "cannot plan: %s",
			 e.msg[0] ? e.msg : "no next fire");
		goto done;
	}
	*period = after - planned;
	is_overdue = now > planned + *period;
	why[0] = '\0';
done:
	cron_free(expr);
	tz_free(tz);
	return is_overdue;
}

static void check_recurring(const struct health_input *in, cJSON *checks,
			    int *is_degraded)
{
	static const char sql[] =
	    "SELECT name, cron, time_zone, next_fire_at FROM recurring_jobs\n"
	    "WHERE enabled = 1 AND paused = 0 AND next_fire_at IS NOT NULL\n"
	    "ORDER BY name";
	sqlite3_stmt *stmt = NULL;
	char name[160], detail[384], why[256], iso[CLOCK_ISO_LEN];
	int64_t planned, period;

	if (sqlite3_prepare_v2(in->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		add_warning(checks, "recurring", 0, sqlite3_errmsg(in->db),
			    is_degraded);
		return;
	}
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		int is_overdue;
		snprintf(name, sizeof(name), "recurring:%s",
			 sqlite3_column_text(stmt, 0));
		if (db_column_time(stmt, 3, &planned))
			continue;
		is_overdue = recurring_overdue(
		    (const char *)sqlite3_column_text(stmt, 1),
		    (const char *)sqlite3_column_text(stmt, 2), planned,
		    in->now, &period, why, sizeof(why));
		clock_format(planned, iso);
		if (why[0])
			snprintf(detail, sizeof(detail), "%s", why);
		else
			snprintf(detail, sizeof(detail),
				 "%s fire planned at %s (period %lld s)",
				 is_overdue ? "overdue:" : "on time:", iso,
				 (long long)(period / 1000));
		add_warning(checks, name, !is_overdue, detail, is_degraded);
	}
	sqlite3_finalize(stmt);
}

int health_check(const struct health_input *in, struct buf *out,
		 int *is_healthy, struct err *e)
{
	cJSON *root = cJSON_CreateObject(), *checks = cJSON_CreateArray();
	char *text = NULL;
	int rc, is_degraded = 0;

	*is_healthy = 1;
	if (!root || !checks) {
		rc = err_set(e, ERR_NOMEM,
			     "out of memory for the health report");
		goto done;
	}
	check_database(in, checks, is_healthy);
	check_loop(in, checks, is_healthy);
	check_database_full(in, checks, is_healthy);
	check_leader(in, checks, is_healthy, &is_degraded);
	check_queue(in, checks, &is_degraded);
	check_space(in, checks, is_healthy, &is_degraded);
	check_recurring(in, checks, &is_degraded);
	check_alerts(in, checks, &is_degraded);
	cJSON_AddStringToObject(root, "status",
				!*is_healthy  ? "unhealthy"
				: is_degraded ? "degraded"
					      : "healthy");
	cJSON_AddItemToObject(root, "checks", checks);
	checks = NULL;
	text = cJSON_PrintUnformatted(root);
	if (!text) {
		rc = err_set(e, ERR_NOMEM,
			     "out of memory for the health report");
		goto done;
	}
	rc = buf_puts(out, text);
	if (rc)
		err_set(e, rc, "health report does not fit its buffer");
done:
	cJSON_free(text);
	cJSON_Delete(checks);
	cJSON_Delete(root);
	return rc;
}
