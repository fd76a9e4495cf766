/*
 * scheduler.c - recurring jobs: from cron expressions to queued jobs.
 *
 * The config is the source of what should run; the recurring_jobs table
 * is the memory of what did (next and last fire), so a restart neither
 * forgets a fire nor repeats one. Each fire is one short transaction:
 * enqueue (idempotent through the unique key), history row, re-plan.
 *
 * Times: next_fire_at is stored in UTC; cron_next() evaluates the
 * expression in the schedule's zone (Jobs.X.TimeZone, else
 * Scheduler.TimeZone, else the system's) with the DST rules in cron.h.
 */
#include "core/scheduler.h"
#include "base/clock.h"
#include "config/config.h"
#include "cron/cron.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "base/log.h"
#include "core/queue.h"
#include "base/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SCHEDULES 16
#define MISSED_COUNT_LIMIT 100000

struct schedule {
	const char *name; /* config name */
	const char *type;
	const struct recurring_settings *settings;
	struct cron_expr *cron;
	struct tz *zone;
};

struct scheduler {
	sqlite3 *db;
	const struct config *cfg;
	struct queue *queue;
	struct schedule schedules[MAX_SCHEDULES];
	int count;
	int is_clock_insane; /* logged once per episode */
};

static void schedules_clear(struct scheduler *s)
{
	for (int i = 0; i < s->count; i++) {
		cron_free(s->schedules[i].cron);
		tz_free(s->schedules[i].zone);
	}
	s->count = 0;
}

static const char *zone_name(const struct config *cfg,
			     const struct recurring_settings *r)
{
	return r->time_zone[0] ? r->time_zone : cfg->scheduler.time_zone;
}

/* Parses the cron and zone of every schedule (only those whose job type
 * is in types, unless types is NULL). Errors name the config key. */
static int schedules_load(const struct config *cfg,
			  const struct job_type *const *types,
			  struct schedule *out, int *count, struct err *e)
{
	struct config_recurring all[MAX_SCHEDULES];
	int n = config_recurring(cfg, all, MAX_SCHEDULES), rc;

	*count = 0;
	for (int i = 0; i < n; i++) {
		struct schedule *s = &out[*count];
		if (types && !job_type_find(types, all[i].type))
			continue; /* not built into this binary */
		memset(s, 0, sizeof(*s));
		s->name = all[i].name;
		s->type = all[i].type;
		s->settings = all[i].settings;
		(*count)++;
		if ((rc = cron_parse(all[i].settings->cron, &s->cron, e)))
			return err_prefix(e, "Jobs.%s.CronSchedule", s->name);
		if ((rc = tz_open(zone_name(cfg, s->settings), &s->zone, e))) {
			/* Name the key that holds the zone. */
			if (s->settings->time_zone[0])
				return err_prefix(e, "Jobs.%s.TimeZone",
						  s->name);
			return err_prefix(
			    e, "Scheduler.TimeZone (used by Jobs.%s)", s->name);
		}
	}
	return 0;
}

int scheduler_check_config(const struct config *cfg, struct err *e)
{
	struct schedule schedules[MAX_SCHEDULES];
	int count = 0, rc = schedules_load(cfg, NULL, schedules, &count, e);
	int64_t now = clock_now(), next;

	/* An expression that parses but can never fire again (a year that
	 * is past) is as wrong as one that does not parse. */
	for (int i = 0; i < count && !rc; i++)
		if (cron_next(schedules[i].cron, schedules[i].zone, now, &next))
			rc = err_set(e, ERR_INVALID,
				     "Jobs.%s.CronSchedule: '%s' never fires "
				     "again (no fire after now)",
				     schedules[i].name,
				     schedules[i].settings->cron);
	for (int i = 0; i < count; i++) {
		cron_free(schedules[i].cron);
		tz_free(schedules[i].zone);
	}
	return rc;
}

int scheduler_open(sqlite3 *db, const struct config *cfg, struct queue *queue,
		   struct scheduler **out, struct err *e)
{
	struct scheduler *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->db = db;
	s->cfg = cfg;
	s->queue = queue;
	if ((rc = schedules_load(cfg, queue_types(queue), s->schedules,
				 &s->count, e))) {
		scheduler_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void scheduler_free(struct scheduler *s)
{
	if (!s)
		return;
	schedules_clear(s);
	free(s);
}

static int64_t next_after(const struct schedule *sc, int64_t after)
{
	int64_t next;

	return cron_next(sc->cron, sc->zone, after, &next) == 0 ? next : 0;
}

static int bind_text_or_null(sqlite3_stmt *stmt, int index, const char *text)
{
	return text ? sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT)
		    : sqlite3_bind_null(stmt, index);
}

static int bind_time_or_null(sqlite3_stmt *stmt, int index, int64_t ms)
{
	return ms ? db_bind_time(stmt, index, ms)
		  : sqlite3_bind_null(stmt, index);
}

static int run_statement(sqlite3 *db, sqlite3_stmt *stmt, const char *what,
			 struct err *e)
{
	int rc = sqlite3_step(stmt);

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : db_error(db, rc, e, what);
}

/* Upserts one schedule; re-plans only when what it fires on changed. */
static int sync_one(struct scheduler *s, const struct schedule *sc, int64_t now,
		    struct err *e)
{
	static const char sql[] =
	    "INSERT INTO recurring_jobs (name, type, cron, time_zone, enabled,\n"
	    "                            misfire, next_fire_at, updated_at)\n"
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)\n"
	    "ON CONFLICT (name) DO UPDATE SET\n"
	    "    next_fire_at = CASE\n"
	    "        WHEN excluded.enabled = 0 THEN NULL\n"
	    "        WHEN cron <> excluded.cron OR time_zone <> "
	    "excluded.time_zone\n"
	    "          OR enabled = 0 OR next_fire_at IS NULL\n"
	    "        THEN excluded.next_fire_at ELSE next_fire_at END,\n"
	    "    type = excluded.type, cron = excluded.cron,\n"
	    "    time_zone = excluded.time_zone, enabled = excluded.enabled,\n"
	    "    misfire = excluded.misfire, updated_at = excluded.updated_at";
	sqlite3_stmt *stmt;
	int rc, enabled = sc->settings->enabled;

	if ((rc = db_prepare(s->db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, sc->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, sc->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, cron_text(sc->cron), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, tz_name(sc->zone), -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, enabled);
	sqlite3_bind_text(stmt, 6,
			  sc->settings->misfire == MISFIRE_SKIP ? "skip"
								: "run_once",
			  -1, SQLITE_STATIC);
	bind_time_or_null(stmt, 7, enabled ? next_after(sc, now) : 0);
	db_bind_time(stmt, 8, now);
	return run_statement(s->db, stmt, "planning a recurring job", e);
}

int scheduler_sync(struct scheduler *s, int64_t now, struct err *e)
{
	static const char sql_forget[] =
	    "DELETE FROM recurring_jobs WHERE name NOT IN (SELECT value FROM json_each(?1))";
	char names[1024];
	size_t used = 0;
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_begin(s->db, e)))
		return rc;
	used += (size_t)snprintf(names, sizeof(names), "[");
	for (int i = 0; i < s->count && !rc; i++) {
		rc = sync_one(s, &s->schedules[i], now, e);
		used += (size_t)snprintf(names + used, sizeof(names) - used,
					 "%s\"%s\"", i ? "," : "",
					 s->schedules[i].name);
	}
	snprintf(names + used, sizeof(names) - used, "]");
	if (!rc && !(rc = db_prepare(s->db, sql_forget, &stmt, e))) {
		sqlite3_bind_text(stmt, 1, names, -1, SQLITE_STATIC);
		rc = run_statement(s->db, stmt, "removing old schedules", e);
	}
	if (rc) {
		db_rollback(s->db);
		return rc;
	}
	return db_commit(s->db, e);
}

/* Runs sql once per schedule with (?1 name, ?2 its next fire after now,
 * ?3 now), all in one transaction; *changed (may be NULL) gets the rows
 * it changed. The shape of both re-plans below. */
static int replan_each(struct scheduler *s, const char *sql, int64_t now,
		       const char *what, int *changed, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc, n = 0;

	if ((rc = db_begin(s->db, e)))
		return rc;
	if ((rc = db_prepare(s->db, sql, &stmt, e)))
		goto done;
	for (int i = 0; i < s->count && !rc; i++) {
		sqlite3_bind_text(stmt, 1, s->schedules[i].name, -1,
				  SQLITE_STATIC);
		bind_time_or_null(stmt, 2, next_after(&s->schedules[i], now));
		db_bind_time(stmt, 3, now);
		rc = sqlite3_step(stmt);
		rc = rc == SQLITE_DONE ? 0 : db_error(s->db, rc, e, what);
		n += sqlite3_changes(s->db);
		sqlite3_reset(stmt);
	}
	if (!rc)
		rc = db_commit(s->db, e);
done:
	sqlite3_finalize(stmt);
	if (rc)
		db_rollback(s->db);
	else if (changed)
		*changed = n;
	return rc;
}

/* A wall-clock jump. Forward (NTP setting a stale clock): the fires the
 * jump passed over stay planned, so the next tick sees them as misfires
 * and each job's Misfire policy applies, as after downtime (RunOnce: one
 * catch-up run). Backward: a plan now far ahead moves back to the next
 * fire from the new time, never to or before the last recorded fire. */
int scheduler_replan(struct scheduler *s, int64_t now, struct err *e)
{
	// clang-format off
	static const char sql[] =
	    "UPDATE recurring_jobs SET next_fire_at = ?2, updated_at = ?3\n"
	    "WHERE name = ?1 AND enabled = 1 AND ?2 IS NOT NULL\n"
	    "  AND (next_fire_at IS NULL OR next_fire_at > ?2)\n"
	    "  AND (last_fire_at IS NULL OR ?2 > last_fire_at)";
	// clang-format on

	return replan_each(s, sql, now, "re-planning", NULL, e);
}

/* Fires recorded after now (a run with --now ahead of the real clock)
 * are forgotten: the schedule is planned from now, as if they never
 * happened. The history keeps them. */
int scheduler_forget_future(struct scheduler *s, int64_t now, int *count,
			    struct err *e)
{
	// clang-format off
	static const char sql[] =
	    "UPDATE recurring_jobs SET last_fire_at = NULL, next_fire_at = ?2, updated_at = ?3\n"
	    "WHERE name = ?1 AND (last_fire_at > ?3 OR next_fire_at > ?2)";
	// clang-format on

	*count = 0;
	return replan_each(s, sql, now, "re-planning from the clock", count, e);
}

static const struct schedule *schedule_find(const struct scheduler *s,
					    const char *name)
{
	for (int i = 0; i < s->count; i++)
		if (strcmp(s->schedules[i].name, name) == 0)
			return &s->schedules[i];
	return NULL;
}

static int add_history(sqlite3 *db, const char *name, int64_t planned,
		       int64_t fired, int64_t job_id, const char *result,
		       const char *detail, struct err *e)
{
	static const char sql[] =
	    "INSERT INTO schedule_history (name, planned_at, fired_at, job_id,\n"
	    "                              result, detail)\n"
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	db_bind_time(stmt, 2, planned);
	db_bind_time(stmt, 3, fired);
	if (job_id)
		sqlite3_bind_int64(stmt, 4, job_id);
	sqlite3_bind_text(stmt, 5, result, -1, SQLITE_STATIC);
	bind_text_or_null(stmt, 6, detail);
	return run_statement(db, stmt, "writing the schedule history", e);
}

static int set_fired(sqlite3 *db, const char *name, int64_t planned,
		     int64_t next, int64_t job_id, int64_t now, struct err *e)
{
	static const char sql[] =
	    "UPDATE recurring_jobs SET last_fire_at = ?2, next_fire_at = ?3,\n"
	    "       last_job_id = COALESCE(?4, last_job_id), updated_at = ?5\n"
	    "WHERE name = ?1";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	db_bind_time(stmt, 2, planned);
	bind_time_or_null(stmt, 3, next);
	if (job_id)
		sqlite3_bind_int64(stmt, 4, job_id);
	db_bind_time(stmt, 5, now);
	return run_statement(db, stmt, "re-planning a recurring job", e);
}

/* The last fire time <= now, starting from planned; counts the fires. */
static int64_t latest_fire(const struct schedule *sc, int64_t planned,
			   int64_t now, int *missed)
{
	int64_t latest = planned, next;

	*missed = 1;
	while (*missed < MISSED_COUNT_LIMIT &&
	       (next = next_after(sc, latest)) != 0 && next <= now) {
		latest = next;
		(*missed)++;
	}
	return latest;
}

/* A paused schedule fires nothing; its plan moves on so that resuming
 * does not release a burst of old fires. */
static int skip_paused(struct scheduler *s, const struct schedule *sc,
		       int64_t now, struct err *e)
{
	static const char sql[] =
	    "UPDATE recurring_jobs SET next_fire_at = ?2 WHERE name = ?1";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(s->db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, sc->name, -1, SQLITE_STATIC);
	bind_time_or_null(stmt, 2, next_after(sc, now));
	return run_statement(s->db, stmt, "re-planning a paused job", e);
}

static int fire(struct scheduler *s, const struct schedule *sc, int64_t planned,
		int64_t now, struct err *e)
{
	struct queue_enqueue_options opt = {0};
	char key[96], detail[160] = "";
	const char *result = "enqueued";
	int64_t job_id = 0, latest = planned;
	int missed = 1, existed = 0, rc,
	    is_misfire = now - planned > SCHEDULER_MISFIRE_MS;

	if (is_misfire) {
		latest = latest_fire(sc, planned, now, &missed);
		snprintf(detail, sizeof(detail),
			 "%d fire(s) missed while the daemon was not running "
			 "or the clock jumped, first at planned time",
			 missed);
	}
	if ((rc = db_begin(s->db, e)))
		return rc;
	if (is_misfire && sc->settings->misfire == MISFIRE_SKIP) {
		result = "missed";
	} else {
		snprintf(key, sizeof(key), "recurring:%s", sc->name);
		opt.unique_key = key;
		opt.recurring_name = sc->name;
		opt.run_at = now;
		if ((rc = queue_enqueue(s->queue, sc->type, &opt, &job_id,
					&existed, e)))
			goto fail;
		if (existed) {
			result = "skipped";
			snprintf(detail, sizeof(detail),
				 "job %lld of the previous fire "
				 "has not finished",
				 (long long)job_id);
		}
	}
	if ((rc =
		 add_history(s->db, sc->name, latest, now, existed ? 0 : job_id,
			     result, detail[0] ? detail : NULL, e)) ||
	    (rc = set_fired(s->db, sc->name, latest,
			    next_after(sc, latest > now ? latest : now),
			    existed ? 0 : job_id, now, e)))
		goto fail;
	if ((rc = db_commit(s->db, e)))
		return rc;
	log_fmt(LOG_INFO, "schedule.fire",
		"name=%s job_id=%lld result=%s missed=%d", sc->name,
		(long long)job_id, result, is_misfire ? missed : 0);
	return 0;
fail:
	db_rollback(s->db);
	return rc;
}

struct due {
	char name[64];
	int64_t next_fire_at;
	int is_paused;
};

static int read_due(struct scheduler *s, struct due *out, int max, int *n,
		    int64_t *last_fire, struct err *e)
{
	static const char sql[] =
	    "SELECT name, next_fire_at, paused, (SELECT MAX(last_fire_at)\n"
	    "                                    FROM recurring_jobs)\n"
	    "FROM recurring_jobs WHERE enabled = 1 AND next_fire_at IS NOT NULL\n"
	    "ORDER BY next_fire_at";
	sqlite3_stmt *stmt;
	int rc;

	*n = 0;
	*last_fire = 0;
	if ((rc = db_prepare(s->db, sql, &stmt, e)))
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *n < max) {
		struct due *d = &out[*n];
		snprintf(d->name, sizeof(d->name), "%s",
			 sqlite3_column_text(stmt, 0));
		if (db_column_time(stmt, 1, &d->next_fire_at))
			continue;
		d->is_paused = sqlite3_column_int(stmt, 2);
		db_column_time(stmt, 3, last_fire);
		(*n)++;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE || rc == SQLITE_ROW
		   ? 0
		   : db_error(s->db, rc, e, "reading the schedules");
}

/* The last recorded fire is ahead of a sane clock by more than a day:
 * not a clock that is still wrong (a Pi at 1970 reads before
 * SCHEDULER_SANE_AFTER_MS) but fires recorded in the future (a `run
 * --now` days ahead, a clock set wrong and corrected). Waiting would stop
 * every schedule until then: re-plan from now, and say so. Returns 0 when
 * it re-planned, 1 when the clock should rather be waited for. */
static int recover_from_future(struct scheduler *s, int64_t now,
			       int64_t last_fire, struct err *e)
{
	char a[CLOCK_ISO_LEN], b[CLOCK_ISO_LEN], count_text[16];
	int count = 0, rc;

	if (last_fire - now <= MS_PER_DAY || now < SCHEDULER_SANE_AFTER_MS)
		return 1;
	if ((rc = scheduler_forget_future(s, now, &count, e)))
		return rc;
	snprintf(count_text, sizeof(count_text), "%d", count);
	log_event(LOG_WARN, "schedule.clock_recovered", "now",
		  clock_format(now, a), "last_fire", clock_format(last_fire, b),
		  "schedules", count_text, "action",
		  "fires recorded in the future (a run with --now?) were "
		  "forgotten; schedules re-planned from the clock",
		  (char *)NULL);
	s->is_clock_insane = 0;
	return 0;
}

int scheduler_tick(struct scheduler *s, int64_t now, int64_t *next_at,
		   struct err *e)
{
	struct due due[MAX_SCHEDULES];
	int64_t last_fire;
	int n, rc;

	*next_at = 0;
	if ((rc = read_due(s, due, MAX_SCHEDULES, &n, &last_fire, e)))
		return rc;
	if (last_fire && now < last_fire) {
		if ((rc = recover_from_future(s, now, last_fire, e)) < 0)
			return rc;
		if (rc == 0 &&
		    (rc = read_due(s, due, MAX_SCHEDULES, &n, &last_fire, e)))
			return rc;
	}
	if (last_fire && now < last_fire) {
		if (!s->is_clock_insane) {
			char a[CLOCK_ISO_LEN], b[CLOCK_ISO_LEN];
			log_event(
			    LOG_WARN, "schedule.clock_behind", "now",
			    clock_format(now, a), "last_fire",
			    clock_format(last_fire, b), "action",
			    "no recurring job fires until the clock is set",
			    (char *)NULL);
		}
		s->is_clock_insane = 1;
		return 0;
	}
	s->is_clock_insane = 0;
	for (int i = 0; i < n; i++) {
		const struct schedule *sc = schedule_find(s, due[i].name);
		if (!sc)
			continue;
		if (due[i].next_fire_at <= now) {
			rc = due[i].is_paused
				 ? skip_paused(s, sc, now, e)
				 : fire(s, sc, due[i].next_fire_at, now, e);
			if (rc)
				return rc;
			due[i].next_fire_at = next_after(sc, now);
		}
		if (due[i].next_fire_at &&
		    (!*next_at || due[i].next_fire_at < *next_at))
			*next_at = due[i].next_fire_at;
	}
	return 0;
}

int scheduler_job_finished(sqlite3 *db, int64_t job_id,
			   const char *recurring_name, const char *state,
			   int64_t started_at, int64_t now, int64_t duration_ms,
			   const char *counts_json, const char *error,
			   struct err *e)
{
	static const char sql_history[] =
	    "UPDATE schedule_history SET started_at = COALESCE(started_at, ?2),\n"
	    "       finished_at = ?3, result = ?4, counts = ?5,\n"
	    "       detail = COALESCE(?6, detail)\n"
	    "WHERE job_id = ?1";
	static const char sql_recurring[] =
	    "UPDATE recurring_jobs SET last_result = ?2, last_duration_ms = ?3\n"
	    "WHERE name = ?1";
	sqlite3_stmt *stmt;
	int rc;

	if (!recurring_name || !strcmp(state, "released"))
		return 0;
	if ((rc = db_prepare(db, sql_history, &stmt, e)))
		return rc;
	sqlite3_bind_int64(stmt, 1, job_id);
	db_bind_time(stmt, 2, started_at);
	db_bind_time(stmt, 3, now);
	sqlite3_bind_text(stmt, 4,
			  !strcmp(state, "cancelled") ? "skipped" : state, -1,
			  SQLITE_STATIC);
	bind_text_or_null(stmt, 5, counts_json);
	bind_text_or_null(stmt, 6, error);
	if ((rc = run_statement(db, stmt, "recording a schedule result", e)))
		return rc;
	if ((rc = db_prepare(db, sql_recurring, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, recurring_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, duration_ms);
	return run_statement(db, stmt, "recording a schedule result", e);
}

int scheduler_prune_history(sqlite3 *db, int64_t now, int retention_days,
			    int limit, int *deleted, struct err *e)
{
	/* An archive hour that goes is added to metrics_totals first, in the
	 * same transaction, so the Prometheus counters never go down. */
	// clang-format off
	static const char *const sql[] = {
	    "DELETE FROM schedule_history WHERE id IN (\n"
	    "    SELECT id FROM schedule_history WHERE fired_at < ?1 LIMIT ?2)",
	    "INSERT INTO metrics_totals (job, succeeded, failed)\n"
	    "SELECT job, sum(succeeded), sum(failed) FROM (\n"
	    "    SELECT job, succeeded, failed FROM metrics_archive\n"
	    "    WHERE hour < substr(?1, 1, 13) ORDER BY hour, job LIMIT ?2)\n"
	    "GROUP BY job\n"
	    "ON CONFLICT (job) DO UPDATE SET\n"
	    "    succeeded = succeeded + excluded.succeeded,\n"
	    "    failed = failed + excluded.failed",
	    "DELETE FROM metrics_archive WHERE (hour, job) IN (\n"
	    "    SELECT hour, job FROM metrics_archive\n"
	    "    WHERE hour < substr(?1, 1, 13) ORDER BY hour, job LIMIT ?2)",
	};
	// clang-format on
	sqlite3_stmt *stmt;
	int rc;

	*deleted = 0;
	if ((rc = db_begin(db, e)))
		return rc;
	for (int i = 0; i < 3 && !rc; i++) {
		if ((rc = db_prepare(db, sql[i], &stmt, e)))
			break;
		db_bind_time(stmt, 1,
			     now - (int64_t)retention_days * MS_PER_DAY);
		sqlite3_bind_int(stmt, 2, limit);
		rc = run_statement(db, stmt, "pruning the schedule history", e);
		if (!rc && i != 1)
			*deleted += sqlite3_changes(db);
	}
	if (!rc)
		rc = db_commit(db, e);
	if (rc)
		db_rollback(db);
	return rc;
}

int scheduler_resolve_name(const struct config *cfg,
			   const struct job_type *const *types,
			   const char *name, const char **config_name,
			   const char **type, struct err *e)
{
	struct config_recurring all[MAX_SCHEDULES];
	int n = config_recurring(cfg, all, MAX_SCHEDULES);

	for (int i = 0; i < n; i++)
		if ((!strcasecmp(all[i].name, name) ||
		     !strcasecmp(all[i].type, name)) &&
		    job_type_find(types, all[i].type)) {
			*config_name = all[i].name;
			*type = all[i].type;
			return 0;
		}
	return err_set(e, ERR_NOTFOUND,
		       "no recurring job named '%s' (see "
		       "`domecek-jobs recurring list`)",
		       name);
}

int scheduler_trigger(sqlite3 *db, const struct config *cfg,
		      struct queue *queue, const char *name, int64_t now,
		      int64_t *job_id, int *existed, struct err *e)
{
	struct queue_enqueue_options opt = {0};
	const char *config_name, *type;
	char key[96];
	int rc;

	if ((rc = scheduler_resolve_name(cfg, queue_types(queue), name,
					 &config_name, &type, e)))
		return rc;
	snprintf(key, sizeof(key), "recurring:%s", config_name);
	opt.unique_key = key;
	opt.recurring_name = config_name;
	opt.run_at = now;
	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = queue_enqueue(queue, type, &opt, job_id, existed, e)) ||
	    (!*existed &&
	     (rc = add_history(db, config_name, now, now, *job_id, "triggered",
			       "triggered by hand", e)))) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db, e);
}

int scheduler_last_run(sqlite3 *db, const char *name,
		       struct scheduler_last_run *out, struct err *e)
{
	// clang-format off
	static const char sql[] =
	    "SELECT coalesce(started_at, fired_at), job_id, result, started_at, finished_at\n"
	    "FROM schedule_history WHERE name = ?1 AND job_id IS NOT NULL\n"
	    "ORDER BY planned_at DESC, id DESC LIMIT 1";
	// clang-format on
	sqlite3_stmt *stmt;
	int64_t started = 0, finished = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->duration_ms = -1;
	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		db_column_time(stmt, 0, &out->at);
		out->job_id = sqlite3_column_int64(stmt, 1);
		snprintf(out->result, sizeof(out->result), "%s",
			 (const char *)sqlite3_column_text(stmt, 2));
		if (db_column_time(stmt, 3, &started) == 0 &&
		    db_column_time(stmt, 4, &finished) == 0)
			out->duration_ms = finished - started;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? 0
		   : db_error(db, rc, e, "reading a schedule's last run");
}

int scheduler_pause(sqlite3 *db, const char *name, int is_paused, int64_t now,
		    struct err *e)
{
	static const char sql[] =
	    "UPDATE recurring_jobs SET paused = ?2, updated_at = ?3\n"
	    "WHERE name = ?1 COLLATE NOCASE OR type = ?1 COLLATE NOCASE";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, is_paused);
	db_bind_time(stmt, 3, now);
	if ((rc = run_statement(db, stmt, "pausing a recurring job", e)))
		return rc;
	if (sqlite3_changes(db) == 0)
		return err_set(
		    e, ERR_NOTFOUND,
		    "no recurring job named '%s' (the "
		    "daemon plans them on start: run it once, or see "
		    "`domecek-jobs recurring list`)",
		    name);
	return 0;
}

struct planned_fire {
	int64_t at;
	int schedule;
};

static int by_time(const void *a, const void *b)
{
	const struct planned_fire *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->schedule - y->schedule;
}

int scheduler_simulate(const struct config *cfg,
		       const struct job_type *const *types, int64_t from,
		       int64_t to, scheduler_fire_fn fn, void *arg,
		       struct err *e)
{
	struct schedule schedules[MAX_SCHEDULES];
	struct planned_fire *fires = NULL;
	size_t used = 0, size = 0;
	int count = 0, rc;

	if ((rc = schedules_load(cfg, types, schedules, &count, e)))
		goto done;
	for (int i = 0; i < count; i++) {
		int64_t at = from;
		if (!schedules[i].settings->enabled)
			continue;
		while ((at = next_after(&schedules[i], at)) != 0 && at <= to) {
			if (used == size) {
				size_t grown = size ? size * 2 : 256;
				struct planned_fire *p;
				if (grown > 1000000 ||
				    !(p = realloc(fires, grown * sizeof(*p)))) {
					rc = err_set(e, ERR_TOOBIG,
						     "more than 1000000 fires "
						     "in that range: choose a "
						     "shorter one");
					goto done;
				}
				fires = p;
				size = grown;
			}
			fires[used++] = (struct planned_fire){at, i};
		}
	}
	if (used > 0) /* qsort's base must not be NULL, even for 0 items */
		qsort(fires, used, sizeof(*fires), by_time);
	for (size_t i = 0; i < used; i++) {
		const struct schedule *sc = &schedules[fires[i].schedule];
		fn(sc->name, sc->type, fires[i].at, tz_name(sc->zone), arg);
	}
done:
	for (int i = 0; i < count; i++) {
		cron_free(schedules[i].cron);
		tz_free(schedules[i].zone);
	}
	free(fires);
	return rc;
}
