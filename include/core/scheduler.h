/*
 * scheduler.h - recurring jobs: from the config's cron expressions to
 * jobs in the queue, with every fire in the schedule history.
 *
 * Rules (design.md "Time"):
 * - A fire enqueues one job with unique key "recurring:<Name>"; if the
 *   previous one is still waiting or running, the fire is recorded as
 *   skipped: a recurring job never has two instances.
 * - Misfires: a fire time more than SCHEDULER_MISFIRE_MS in the past (the
 *   daemon was stopped, or the clock jumped forward) is a misfire. All
 *   missed fires of a job coalesce into one run on start ("Misfire":
 *   "RunOnce", the default), or none ("Misfire": "Skip"); either way the
 *   history says how many were missed.
 * - A clock that reads before the last recorded fire (a Raspberry Pi
 *   booting at 1970 before NTP) schedules nothing until it is sane again,
 *   and a backward jump never repeats a recorded fire. But when the last
 *   fire is more than a day ahead of a clock that reads after
 *   SCHEDULER_SANE_AFTER_MS, the fires were recorded in the future (`run
 *   --now` days ahead): they are forgotten and the schedules re-planned
 *   from the clock, with a schedule.clock_recovered warning.
 * - A forward jump (NTP correcting a stale clock) is downtime: the fires
 *   it passed over are misfires, so RunOnce jobs catch up once.
 */
#ifndef DOMECEK_SCHEDULER_H
#define DOMECEK_SCHEDULER_H

#include <sqlite3.h>
#include <stdint.h>

struct config;
struct job_type;
struct err;
struct queue;
struct scheduler;

#define SCHEDULER_MISFIRE_MS (60 * 1000)
/* A clock before this (2026-01-01T00:00:00Z) is not set yet. */
#define SCHEDULER_SANE_AFTER_MS INT64_C(1767225600000)

/* Checks every enabled schedule's cron expression and time zone; errors
 * name the key (Jobs.DraftCleanup.CronSchedule) and the reason. */
int scheduler_check_config(const struct config *cfg, struct err *e);

int scheduler_open(sqlite3 *db, const struct config *cfg, struct queue *queue,
		   struct scheduler **out, struct err *e);
void scheduler_free(struct scheduler *s);

/* Brings the recurring_jobs table in line with the config: adds new
 * schedules, re-plans those whose cron, time zone or Enabled changed,
 * keeps pauses. Errors name the key (Jobs.X.CronSchedule). */
int scheduler_sync(struct scheduler *s, int64_t now, struct err *e);

/* Fires every schedule that is due at now. *next_at: the wall time of
 * the next fire of any schedule (0: none planned). */
int scheduler_tick(struct scheduler *s, int64_t now, int64_t *next_at,
		   struct err *e);

/* After a wall-clock jump: a plan passed over by a forward jump stays
 * (the next tick applies the misfire policy); a plan far ahead after a
 * backward jump moves back to the next fire after now (never to or
 * before the last recorded fire). */
int scheduler_replan(struct scheduler *s, int64_t now, struct err *e);
/* Forgets fires recorded after now and plans those schedules from now
 * (`run --now` ahead of the real clock, on stop). *count: how many. */
int scheduler_forget_future(struct scheduler *s, int64_t now, int *count,
			    struct err *e);

/* Records the end of a job that a schedule fired (history + last result). */
int scheduler_job_finished(sqlite3 *db, int64_t job_id,
			   const char *recurring_name, const char *state,
			   int64_t started_at, int64_t now, int64_t duration_ms,
			   const char *counts_json, const char *error,
			   struct err *e);

/* Deletes schedule history and hourly metrics older than the retention,
 * at most limit rows per table; *deleted: how many in all. */
int scheduler_prune_history(sqlite3 *db, int64_t now, int retention_days,
			    int limit, int *deleted, struct err *e);

/* `recurring trigger NAME`: enqueue now, outside the schedule. NAME is the
 * config name (DraftCleanup) or the job type (draft_cleanup). */
int scheduler_trigger(sqlite3 *db, const struct config *cfg,
		      struct queue *queue, const char *name, int64_t now,
		      int64_t *job_id, int *existed, struct err *e);
/* `recurring pause|resume NAME`. */
int scheduler_pause(sqlite3 *db, const char *name, int is_paused, int64_t now,
		    struct err *e);

/* The last run of a schedule, whether the schedule fired it or someone
 * did by hand (`recurring trigger`, the dashboard's Run now): the newest
 * schedule_history row that enqueued a job. The one definition of "last
 * run" that `recurring list`, the dashboard and the health check share. */
struct scheduler_last_run {
	int64_t at; /* started, else enqueued (wall ms); 0: never */
	int64_t job_id;
	char result[16];     /* the history's result: enqueued, triggered,
				succeeded, failed, dead, skipped */
	int64_t duration_ms; /* -1 while not finished */
};
/* Fills *out (at = 0 when the schedule never ran). */
int scheduler_last_run(sqlite3 *db, const char *name,
		       struct scheduler_last_run *out, struct err *e);

/* Resolves NAME (config name or type, any case) to the config name. */
int scheduler_resolve_name(const struct config *cfg,
			   const struct job_type *const *types,
			   const char *name, const char **config_name,
			   const char **type, struct err *e);

/* `simulate`: calls fn for every fire of every enabled schedule in
 * (from, to], in time order. Nothing is written. */
typedef void (*scheduler_fire_fn)(const char *name, const char *type,
				  int64_t at, const char *zone, void *arg);
int scheduler_simulate(const struct config *cfg,
		       const struct job_type *const *types, int64_t from,
		       int64_t to, scheduler_fire_fn fn, void *arg,
		       struct err *e);

#endif
