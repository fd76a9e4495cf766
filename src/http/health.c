/*
 * health.c - the checks behind GET /health/jobs.
 *
 * Every check is cheap (an indexed count or a one-row probe) because a
 * monitor polls this often, and it runs inside the loop. The write probe
 * waits at most HEALTH_LOCK_WAIT_MS for the lock, not the configured busy
 * timeout: a health answer that takes seconds is itself unhealthy.
 */
#include "http/health.h"
#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "cron/cron.h"
#include "core/status.h"
#include "db/db.h"
#include "base/err.h"
#include "base/tz.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static void add_check(cJSON *checks, const char *name, int is_ok,
		      const char *detail, int *is_healthy)
{
	cJSON *item = cJSON_CreateObject();

	cJSON_AddStringToObject(item, "name", name);
	cJSON_AddBoolToObject(item, "ok", is_ok);
	cJSON_AddStringToObject(item, "detail", detail);
	cJSON_AddItemToArray(checks, item);
	if (!is_ok)
		*is_healthy = 0;
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

static void check_daemon(const struct health_input *in, cJSON *checks, int *ok)
{
	const struct daemon_status *st = in->status;
	char detail[128];
	int64_t age = st ? in->now_mono - st->heartbeat_mono : -1;

	if (st)
		snprintf(detail, sizeof(detail),
			 "last loop iteration %lld ms ago (limit %d ms)",
			 (long long)age, HEALTH_HEARTBEAT_MS);
	else
		snprintf(detail, sizeof(detail),
			 "no daemon loop in this process");
	add_check(checks, "loop_heartbeat", st && age <= HEALTH_HEARTBEAT_MS,
		  detail, ok);
	add_check(checks, "leader_lease", st && st->is_leader,
		  st && st->is_leader
		      ? "this daemon holds the leader lease"
		      : "this daemon is on standby (another process leads)",
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

static void check_queue(const struct health_input *in, cJSON *checks, int *ok)
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
	add_check(checks, "queue_length",
		  n < threshold && !strstr(detail, "cannot"), detail, ok);

	if (count_rows(in->db,
		       "SELECT id FROM jobs WHERE state = 'processing'"
		       " AND started_at < ?1 ORDER BY id",
		       "t", in->now - minutes * MS_PER_MINUTE, &n, ids,
		       sizeof(ids))) {
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
	add_check(checks, "no_stuck_jobs", n == 0, detail, ok);
}

/* A job that failed for want of space (storage quota, a full disk, a full
 * database) and now waits for its retry, or died of it within a day: the
 * owner has to free space, and nothing else on the page would say so.
 * The messages are recognised by the words every such error carries
 * (storage_local.c, db_error(), strerror(ENOSPC/EDQUOT)). */
static void check_space(const struct health_input *in, cJSON *checks, int *ok)
{
	static const char sql[] =
	    "SELECT id FROM jobs\n"
	    " WHERE (state = 'failed' OR (state = 'dead' AND finished_at >= "
	    "?1))\n"
	    "   AND (last_error LIKE '%quota%' OR last_error LIKE '%no space "
	    "left%'\n"
	    "        OR last_error LIKE '%disk or database full%')\n"
	    " ORDER BY id";
	char detail[512], ids[256];
	int64_t n;

	if (count_rows(in->db, sql, "t", in->now - 24 * 60 * MS_PER_MINUTE, &n,
		       ids, sizeof(ids))) {
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
	add_check(checks, "space", n == 0, detail, ok);
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
			    int *ok)
{
	static const char sql[] =
	    "SELECT name, cron, time_zone, next_fire_at FROM recurring_jobs\n"
	    "WHERE enabled = 1 AND paused = 0 AND next_fire_at IS NOT NULL\n"
	    "ORDER BY name";
	sqlite3_stmt *stmt = NULL;
	char name[160], detail[384], why[256], iso[CLOCK_ISO_LEN];
	int64_t planned, period;

	if (sqlite3_prepare_v2(in->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		add_check(checks, "recurring", 0, sqlite3_errmsg(in->db), ok);
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
		add_check(checks, name, !is_overdue, detail, ok);
	}
	sqlite3_finalize(stmt);
}

int health_check(const struct health_input *in, struct buf *out,
		 int *is_healthy, struct err *e)
{
	cJSON *root = cJSON_CreateObject(), *checks = cJSON_CreateArray();
	char *text = NULL;
	int rc;

	*is_healthy = 1;
	if (!root || !checks) {
		rc = err_set(e, ERR_NOMEM,
			     "out of memory for the health report");
		goto done;
	}
	check_database(in, checks, is_healthy);
	check_daemon(in, checks, is_healthy);
	check_queue(in, checks, is_healthy);
	check_space(in, checks, is_healthy);
	check_recurring(in, checks, is_healthy);
	cJSON_AddStringToObject(root, "status",
				*is_healthy ? "healthy" : "unhealthy");
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
