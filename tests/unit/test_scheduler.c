/*
 * test_scheduler.c - recurring schedules: planning in a time zone, fires,
 * no second instance, misfires (coalesced or skipped), pause, a clock
 * that reads before the last fire, re-planning on config change, and the
 * DST days of the seed's Sunday 02:00 jobs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/queue.h"
#include "jobs/registry.h"
#include "core/scheduler.h"
#include "testdb.h"

struct fixture {
	struct testdb *t; /* with t->q */
	struct scheduler *s;
};

static int64_t at(const char *iso)
{
	int64_t ms = 0;

	assert_int_equal(clock_parse(iso, &ms, NULL), 0);
	return ms;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct config *cfg;
	struct err e = {0};

	if (!f || testdb_make(0, &f->t)) {
		free(f);
		return -1;
	}
	cfg = &f->t->cfg;
	snprintf(cfg->scheduler.time_zone, sizeof(cfg->scheduler.time_zone), "Europe/Prague");
	/* The tests follow the daily jobs; the interval ones would fire in
	 * between (their own behaviour is tested in test_cron). */
	cfg->jobs.sync_retry.r.enabled = false;
	cfg->jobs.export_cleanup.r.enabled = false;
	if (testdb_queue(f->t, job_registry) || scheduler_open(f->t->db, cfg, f->t->q, &f->s, &e)) {
		testdb_close(f->t);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	scheduler_free(f->s);
	testdb_close(f->t);
	free(f);
	return 0;
}

#define assert_sql(db, sql, expected) assert_string_equal(testdb_text(db, sql), expected)

static void test_scheduler_plans_in_the_zone(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	/* 03:00 in Prague on the day summer time starts is 01:00Z */
	assert_int_equal(scheduler_sync(f->s, at("2026-03-28T12:00:00Z"), &e), 0);
	assert_sql(f->t->db, "SELECT next_fire_at FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "2026-03-29T01:00:00.000Z");
	assert_sql(f->t->db, "SELECT time_zone FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "Europe/Prague");
	assert_sql(f->t->db, "SELECT misfire FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "run_once");
}

static void test_scheduler_fires_once_and_plans_the_next(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T01:59:59Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT count(*) FROM jobs", "0");
	/* DraftCleanup 03:00 CET = 02:00Z */
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:00Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT type || ' ' || unique_key || ' ' || recurring_name FROM jobs",
		   "draft_cleanup recurring:DraftCleanup DraftCleanup");
	assert_sql(f->t->db, "SELECT result || ' ' || planned_at FROM schedule_history",
		   "enqueued 2026-11-11T02:00:00.000Z");
	assert_sql(f->t->db, "SELECT next_fire_at FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "2026-11-12T02:00:00.000Z");
	assert_true(next > at("2026-11-11T02:00:00Z"));
}

static void test_scheduler_never_runs_two_instances(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:00Z"), &next, &e), 0);
	/* the job is still waiting when the next day's fire comes */
	assert_int_equal(scheduler_tick(f->s, at("2026-11-12T02:00:00Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'draft_cleanup'", "1");
	assert_sql(f->t->db, "SELECT result FROM schedule_history WHERE planned_at = "
		   "'2026-11-12T02:00:00.000Z'", "skipped");
}

static void test_scheduler_misfires_coalesce_into_one_run(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	/* the daemon was off for three days */
	assert_int_equal(scheduler_tick(f->s, at("2026-11-13T12:00:00Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'draft_cleanup'", "1");
	assert_sql(f->t->db, "SELECT planned_at FROM schedule_history WHERE name = 'DraftCleanup'",
		   "2026-11-13T02:00:00.000Z");
	assert_sql(f->t->db, "SELECT detail FROM schedule_history WHERE name = 'DraftCleanup'",
		   "3 fire(s) missed while the daemon was not running or the clock jumped, "
		   "first at planned time");
	assert_sql(f->t->db, "SELECT next_fire_at FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "2026-11-14T02:00:00.000Z");
}

static void test_scheduler_misfire_skip_runs_nothing(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	f->t->cfg.jobs.draft_cleanup.r.misfire = MISFIRE_SKIP;
	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-13T12:00:00Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'draft_cleanup'", "0");
	assert_sql(f->t->db, "SELECT result FROM schedule_history WHERE name = 'DraftCleanup'",
		   "missed");
}

static void test_scheduler_fire_on_time_is_not_a_misfire(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	/* 59 s late (a busy loop) is still on time */
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:59Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT COALESCE(detail, 'on time') FROM schedule_history "
		   "WHERE name = 'DraftCleanup'", "on time");
}

static void test_scheduler_paused_job_does_not_fire(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_pause(f->t->db, "draft_cleanup", 1, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:00Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'draft_cleanup'", "0");
	assert_sql(f->t->db, "SELECT next_fire_at FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "2026-11-12T02:00:00.000Z");
	assert_int_equal(scheduler_pause(f->t->db, "DraftCleanup", 0, at("2026-11-11T03:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-12T02:00:00Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'draft_cleanup'", "1");
	assert_int_equal(scheduler_pause(f->t->db, "Nonexistent", 1, 0, &e), ERR_NOTFOUND);
}

static void test_scheduler_clock_before_last_fire_schedules_nothing(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:00Z"), &next, &e), 0);
	/* a Raspberry Pi boots at 1970 before NTP */
	assert_int_equal(scheduler_tick(f->s, at("1970-01-01T00:00:10Z"), &next, &e), 0);
	assert_int_equal(next, 0);
	assert_sql(f->t->db, "SELECT count(*) FROM schedule_history", "1");
}

/* NTP moves a stale clock three days forward while the daemon runs: the
 * timerfd notice re-plans, and the jump counts as downtime. */
static void test_scheduler_forward_jump_catches_up_once(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	f->t->cfg.jobs.draft_reminder.r.misfire = MISFIRE_SKIP;
	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-10T12:00:00Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT count(*) FROM jobs", "0");
	assert_int_equal(scheduler_replan(f->s, at("2026-11-13T12:00:00Z"), &e), 0);
	assert_sql(f->t->db, "SELECT next_fire_at FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "2026-11-11T02:00:00.000Z");
	assert_int_equal(scheduler_tick(f->s, at("2026-11-13T12:00:00Z"), &next, &e), 0);
	/* one catch-up run of every RunOnce job that missed a fire */
	assert_sql(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'draft_cleanup'", "1");
	assert_sql(f->t->db, "SELECT count(*) FROM jobs GROUP BY type ORDER BY 1 DESC LIMIT 1", "1");
	assert_sql(f->t->db, "SELECT count(*) FROM recurring_jobs r WHERE misfire = 'run_once' AND "
		   "enabled = 1 AND last_fire_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jobs "
		   "WHERE recurring_name = r.name)", "0");
	/* Skip: recorded as missed, no run */
	assert_sql(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'draft_reminder'", "0");
	assert_sql(f->t->db, "SELECT result FROM schedule_history WHERE name = 'DraftReminder'",
		   "missed");
	assert_sql(f->t->db, "SELECT next_fire_at FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "2026-11-14T02:00:00.000Z");
}

/* A backward jump moves a plan that is now far ahead back, but never to
 * or before the last recorded fire. */
static void test_scheduler_backward_jump_replans_without_repeating(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-13T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_replan(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_sql(f->t->db, "SELECT next_fire_at FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "2026-11-11T02:00:00.000Z");
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:00Z"), &next, &e), 0);
	/* back by an hour: the 02:00 fire is not planned again */
	assert_int_equal(scheduler_replan(f->s, at("2026-11-11T01:00:00Z"), &e), 0);
	assert_sql(f->t->db, "SELECT next_fire_at FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "2026-11-12T02:00:00.000Z");
}

/* `run --now` three days ahead recorded fires in the future; the real
 * clock recovers instead of waiting, and says so. Less than a day ahead
 * is a clock still being set: it waits. */
static void test_scheduler_recovers_from_fires_in_the_future(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-13T02:00:00Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'draft_cleanup'", "1");
	/* 20 hours before the last fire: waits */
	assert_int_equal(scheduler_tick(f->s, at("2026-11-12T06:00:00Z"), &next, &e), 0);
	assert_int_equal(next, 0);
	assert_sql(f->t->db, "SELECT last_fire_at FROM recurring_jobs WHERE name = 'DraftCleanup'",
		   "2026-11-13T02:00:00.000Z");
	/* three days before: recovers and plans from the clock */
	assert_int_equal(scheduler_tick(f->s, at("2026-11-10T12:00:00Z"), &next, &e), 0);
	assert_true(next > 0);
	assert_sql(f->t->db, "SELECT COALESCE(last_fire_at, 'none') || ' ' || next_fire_at FROM "
		   "recurring_jobs WHERE name = 'DraftCleanup'", "none 2026-11-11T02:00:00.000Z");
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:00Z"), &next, &e), 0);
	assert_sql(f->t->db, "SELECT count(*) FROM schedule_history WHERE name = 'DraftCleanup'", "2");
}

static void test_scheduler_forget_future_plans_from_now(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;
	int count = -1;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-13T01:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-13T02:00:00Z"), &next, &e), 0);
	assert_int_equal(scheduler_forget_future(f->s, at("2026-11-10T12:00:00Z"), &count, &e), 0);
	assert_true(count >= 1);
	assert_sql(f->t->db, "SELECT COALESCE(last_fire_at, 'none') || ' ' || next_fire_at FROM "
		   "recurring_jobs WHERE name = 'DraftCleanup'", "none 2026-11-11T02:00:00.000Z");
	/* nothing in the future: nothing changes */
	assert_int_equal(scheduler_forget_future(f->s, at("2026-11-10T12:00:00Z"), &count, &e), 0);
	assert_int_equal(count, 0);
}

static void test_scheduler_replans_when_config_changes(void **state)
{
	struct fixture *f = *state;
	struct scheduler *changed;
	struct err e = {0};

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	snprintf(f->t->cfg.jobs.draft_cleanup.r.cron, CONFIG_STR, "30 4 * * *");
	f->t->cfg.jobs.draft_reminder.r.enabled = false;
	assert_int_equal(scheduler_open(f->t->db, &f->t->cfg, f->t->q, &changed, &e), 0);
	assert_int_equal(scheduler_sync(changed, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_sql(f->t->db, "SELECT cron || ' ' || next_fire_at FROM recurring_jobs "
		   "WHERE name = 'DraftCleanup'", "30 4 * * * 2026-11-11T03:30:00.000Z");
	assert_sql(f->t->db, "SELECT enabled || ' ' || COALESCE(next_fire_at, 'none') FROM "
		   "recurring_jobs WHERE name = 'DraftReminder'", "0 none");
	scheduler_free(changed);
}

static void test_scheduler_records_the_run_result(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:00Z"), &next, &e), 0);
	assert_int_equal(scheduler_job_finished(f->t->db, 1, "DraftCleanup", "succeeded",
						at("2026-11-11T02:00:01Z"), at("2026-11-11T02:00:03Z"),
						2000, "{\"deleted\":4}", NULL, &e), 0);
	assert_sql(f->t->db, "SELECT result || ' ' || counts || ' ' || started_at FROM schedule_history",
		   "succeeded {\"deleted\":4} 2026-11-11T02:00:01.000Z");
	assert_sql(f->t->db, "SELECT last_result || ' ' || last_duration_ms FROM recurring_jobs "
		   "WHERE name = 'DraftCleanup'", "succeeded 2000");
}

static void test_scheduler_trigger_enqueues_now_once(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t a, b;
	int existed;

	assert_int_equal(scheduler_trigger(f->t->db, &f->t->cfg, f->t->q, "DraftCleanup",
					   at("2026-11-10T12:00:00Z"), &a, &existed, &e), 0);
	assert_false(existed);
	assert_int_equal(scheduler_trigger(f->t->db, &f->t->cfg, f->t->q, "draft_cleanup",
					   at("2026-11-10T12:00:01Z"), &b, &existed, &e), 0);
	assert_true(existed);
	assert_int_equal(a, b);
	assert_int_equal(scheduler_trigger(f->t->db, &f->t->cfg, f->t->q, "nope", 0, &a, &existed, &e),
			 ERR_NOTFOUND);
}

/* "Last run" is one query for the CLI, the dashboard and health: a run
 * triggered by hand after the last fire is the last run. */
static void test_scheduler_last_run_counts_a_run_by_hand(void **state)
{
	struct fixture *f = *state;
	struct scheduler_last_run run;
	struct err e = {0};
	int64_t next, id;
	int existed;

	assert_int_equal(scheduler_last_run(f->t->db, "DraftCleanup", &run, &e), 0);
	assert_int_equal(run.at, 0);
	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:00Z"), &next, &e), 0);
	assert_int_equal(scheduler_job_finished(f->t->db, 1, "DraftCleanup", "succeeded",
						at("2026-11-11T02:00:01Z"), at("2026-11-11T02:00:03Z"),
						2000, NULL, NULL, &e), 0);
	assert_int_equal(scheduler_last_run(f->t->db, "DraftCleanup", &run, &e), 0);
	assert_int_equal(run.at, at("2026-11-11T02:00:01Z"));
	assert_string_equal(run.result, "succeeded");
	assert_int_equal(run.duration_ms, 2000);
	/* by hand, later the same day: now the last run, still unfinished */
	assert_int_equal(sqlite3_exec(f->t->db, "UPDATE jobs SET state = 'succeeded' WHERE id = 1",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(scheduler_trigger(f->t->db, &f->t->cfg, f->t->q, "DraftCleanup",
					   at("2026-11-11T09:00:00Z"), &id, &existed, &e), 0);
	assert_false(existed);
	assert_int_equal(scheduler_last_run(f->t->db, "DraftCleanup", &run, &e), 0);
	assert_int_equal(run.at, at("2026-11-11T09:00:00Z"));
	assert_int_equal(run.job_id, id);
	assert_string_equal(run.result, "triggered");
	assert_int_equal(run.duration_ms, -1);
	/* a skipped fire enqueued nothing: it is no run */
	assert_int_equal(scheduler_tick(f->s, at("2026-11-12T02:00:00Z"), &next, &e), 0);
	assert_int_equal(scheduler_last_run(f->t->db, "DraftCleanup", &run, &e), 0);
	assert_int_equal(run.job_id, id);
}

static void test_scheduler_last_run_reports_a_database_error(void **state)
{
	struct fixture *f = *state;
	struct scheduler_last_run run;
	struct err e = {0};

	assert_int_equal(sqlite3_exec(f->t->db, "DROP TABLE schedule_history", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_not_equal(scheduler_last_run(f->t->db, "DraftCleanup", &run, &e), 0);
	assert_non_null(strstr(e.msg, "schedule_history"));
	assert_int_equal(run.at, 0);
}

static void test_scheduler_prunes_old_history_only(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int64_t next;
	int deleted;

	assert_int_equal(scheduler_sync(f->s, at("2026-11-10T12:00:00Z"), &e), 0);
	assert_int_equal(scheduler_tick(f->s, at("2026-11-11T02:00:00Z"), &next, &e), 0);
	sqlite3_exec(f->t->db, "INSERT INTO metrics_archive (hour, job, succeeded) VALUES "
		     "('2026-08-01T10', 'noop', 1), ('2026-11-11T10', 'noop', 1)", NULL, NULL, NULL);
	assert_int_equal(scheduler_prune_history(f->t->db, at("2027-02-09T02:00:00Z"), 90, 100,
						 &deleted, &e), 0);
	assert_int_equal(deleted, 1); /* the August metrics row; the fire is exactly 90 days old */
	assert_int_equal(scheduler_prune_history(f->t->db, at("2027-02-09T02:00:01Z"), 90, 100,
						 &deleted, &e), 0);
	assert_int_equal(deleted, 1);
	assert_sql(f->t->db, "SELECT count(*) FROM schedule_history", "0");
	assert_sql(f->t->db, "SELECT count(*) FROM metrics_archive", "1");
}

struct fires {
	char lines[16][80];
	int n;
};

static void collect(const char *name, const char *type, int64_t when, const char *zone,
		    void *arg)
{
	struct fires *fires = arg;
	char iso[CLOCK_ISO_LEN];

	(void)type;
	(void)zone;
	if (fires->n < 16)
		snprintf(fires->lines[fires->n++], 80, "%s %s", clock_format(when, iso), name);
}

static void test_scheduler_sunday_two_am_across_both_dst_days(void **state)
{
	struct fixture *f = *state;
	struct fires fires = {0};
	struct config cfg = f->t->cfg;
	struct config_recurring all[16];
	struct err e = {0};
	int n = config_recurring(&cfg, all, 16);

	/* only DraftCleanup, on the seed's weekly cron */
	for (int i = 0; i < n; i++)
		((struct recurring_settings *)all[i].settings)->enabled = false;
	cfg.jobs.draft_cleanup.r.enabled = true;
	snprintf(cfg.jobs.draft_cleanup.r.cron, CONFIG_STR, "0 2 * * 0");
	assert_int_equal(scheduler_simulate(&cfg, job_registry, at("2026-03-28T00:00:00Z"),
					    at("2026-04-06T00:00:00Z"), collect, &fires, &e), 0);
	assert_int_equal(fires.n, 2);
	/* 02:00 does not exist on 29 March: once, at 03:00 CEST */
	assert_string_equal(fires.lines[0], "2026-03-29T01:00:00.000Z DraftCleanup");
	assert_string_equal(fires.lines[1], "2026-04-05T00:00:00.000Z DraftCleanup");
	fires.n = 0;
	assert_int_equal(scheduler_simulate(&cfg, job_registry, at("2026-10-24T00:00:00Z"),
					    at("2026-10-26T00:00:00Z"), collect, &fires, &e), 0);
	/* 02:00 happens twice on 25 October: once, the first (CEST) */
	assert_int_equal(fires.n, 1);
	assert_string_equal(fires.lines[0], "2026-10-25T00:00:00.000Z DraftCleanup");
}

/* No fire in the range (every schedule off): nothing reported, no error,
 * and no sort of an empty, never-allocated list (UB under UBSan). */
static void test_scheduler_simulate_with_no_fires(void **state)
{
	struct fixture *f = *state;
	struct fires fires = {0};
	struct config cfg = f->t->cfg;
	struct config_recurring all[16];
	struct err e = {0};
	int n = config_recurring(&cfg, all, 16);

	for (int i = 0; i < n; i++)
		((struct recurring_settings *)all[i].settings)->enabled = false;
	assert_int_equal(scheduler_simulate(&cfg, job_registry, at("2026-03-28T00:00:00Z"),
					    at("2026-04-06T00:00:00Z"), collect, &fires, &e), 0);
	assert_int_equal(fires.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scheduler_plans_in_the_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_simulate_with_no_fires, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_fires_once_and_plans_the_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_never_runs_two_instances, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_misfires_coalesce_into_one_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_misfire_skip_runs_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_fire_on_time_is_not_a_misfire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_paused_job_does_not_fire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_clock_before_last_fire_schedules_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_forward_jump_catches_up_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_backward_jump_replans_without_repeating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_recovers_from_fires_in_the_future, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_forget_future_plans_from_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_replans_when_config_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_records_the_run_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_trigger_enqueues_now_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_sunday_two_am_across_both_dst_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_prunes_old_history_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_last_run_counts_a_run_by_hand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_last_run_reports_a_database_error, setup, teardown),
	};
	return cmocka_run_group_tests_name("scheduler", tests, NULL, NULL);
}
