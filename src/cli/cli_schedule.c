/*
 * cli_schedule.c - commands about time: recurring list|trigger|pause|
 * resume, cron next, simulate.
 */
#include "cli/cli.h"
#include "base/clock.h"
#include "cron/cron.h"
#include "db/db.h"
#include "base/err.h"
#include "core/leader.h"
#include "core/queue.h"
#include "jobs/registry.h"
#include "core/scheduler.h"
#include "base/tz.h"

#include <stdio.h>
#include <string.h>

/* Plans the schedules from this config unless a daemon runs (its own
 * config is the one that counts then). */
static int plan_if_idle(struct cli *cli, sqlite3 *db)
{
	struct scheduler *s = NULL;
	struct queue *q = NULL;
	struct err e = {0};
	char owner[128];
	int rc;

	if (leader_is_held(cli->db_path))
		return 0;
	leader_owner_id(owner, sizeof(owner));
	if ((rc = queue_open(db, &cli->cfg, job_registry, owner, &q, &e)) ||
	    (rc = scheduler_open(db, &cli->cfg, q, &s, &e)) ||
	    (rc = scheduler_sync(s, clock_now(), &e)))
		cli_fail(EXIT_FAILURE_, "%s", e.msg);
	scheduler_free(s);
	queue_free(q);
	return rc ? EXIT_FAILURE_ : 0;
}

static int recurring_list(struct cli *cli, int argc, char **argv)
{
	// clang-format off
	static const char sql[] =
	    "SELECT name, cron, time_zone, enabled, paused, COALESCE(next_fire_at, '-')\n"
	    "FROM recurring_jobs ORDER BY next_fire_at IS NULL, next_fire_at, name";
	// clang-format on
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int rc;

	(void)argv;
	if (argc)
		return cli_fail(EXIT_USAGE,
				"recurring list takes no arguments");
	if (cli->has_now)
		clock_fix(cli->now);
	if ((rc = cli_open_db(cli, 0, &db)) || (rc = plan_if_idle(cli, db))) {
		db_close(db);
		return rc;
	}
	if (db_prepare(db, sql, &stmt, NULL)) {
		db_close(db);
		return EXIT_FAILURE_;
	}
	printf("%-22s %-14s %-16s %-8s %-26s %-26s %s\n", "NAME", "CRON",
	       "TIME ZONE", "STATE", "NEXT RUN", "LAST RUN", "RESULT");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *state = !sqlite3_column_int(stmt, 3)  ? "disabled"
				    : sqlite3_column_int(stmt, 4) ? "paused"
								  : "active";
		struct scheduler_last_run run = {0};
		struct tz *zone = NULL;
		char next[TZ_ISO_LEN] = "-", last[TZ_ISO_LEN] = "-";
		int64_t at;
		/* The last run counts runs triggered by hand too. */
		if (scheduler_last_run(
			db, (const char *)sqlite3_column_text(stmt, 0), &run,
			NULL))
			run.at = 0;
		if (tz_open((const char *)sqlite3_column_text(stmt, 2), &zone,
			    NULL) == 0) {
			if (db_column_time(stmt, 5, &at) == 0)
				tz_format(zone, at, next);
			if (run.at)
				tz_format(zone, run.at, last);
		}
		tz_free(zone);
		printf("%-22s %-14s %-16s %-8s %-26s %-26s %s\n",
		       sqlite3_column_text(stmt, 0),
		       sqlite3_column_text(stmt, 1),
		       sqlite3_column_text(stmt, 2), state, next, last,
		       run.at ? run.result : "-");
	}
	sqlite3_finalize(stmt);
	db_close(db);
	return EXIT_OK;
}

static int recurring_trigger(struct cli *cli, int argc, char **argv)
{
	char owner[128];
	struct queue *q = NULL;
	struct err e = {0};
	sqlite3 *db;
	int64_t id;
	int existed = 0, rc;

	if (argc != 1)
		return cli_fail(EXIT_USAGE, "recurring trigger needs one NAME");
	if ((rc = cli_open_db(cli, 0, &db)))
		return rc;
	leader_owner_id(owner, sizeof(owner));
	if ((rc = queue_open(db, &cli->cfg, job_registry, owner, &q, &e)) ||
	    (rc = scheduler_trigger(db, &cli->cfg, q, argv[0], clock_now(), &id,
				    &existed, &e)))
		rc = cli_fail(cli_exit_code(rc), "%s", e.msg);
	else if (existed)
		printf("%lld (already waiting; nothing new was enqueued)\n",
		       (long long)id);
	else
		printf("%lld\n", (long long)id);
	queue_free(q);
	db_close(db);
	return rc;
}

static int recurring_pause_resume(struct cli *cli, int argc, char **argv,
				  int pause)
{
	struct err e = {0};
	sqlite3 *db;
	int rc;

	if (argc != 1)
		return cli_fail(EXIT_USAGE, "recurring %s needs one NAME",
				pause ? "pause" : "resume");
	if ((rc = cli_open_db(cli, 0, &db)))
		return rc;
	if (!(rc = plan_if_idle(cli, db))) {
		if ((rc = scheduler_pause(db, argv[0], pause, clock_now(), &e)))
			rc = cli_fail(EXIT_FAILURE_, "%s", e.msg);
		else
			printf("%s %s\n", argv[0],
			       pause ? "paused" : "resumed");
	}
	db_close(db);
	return rc;
}

static int recurring_pause(struct cli *cli, int argc, char **argv)
{
	return recurring_pause_resume(cli, argc, argv, 1);
}

static int recurring_resume(struct cli *cli, int argc, char **argv)
{
	return recurring_pause_resume(cli, argc, argv, 0);
}

static int no_more_fires(const char *expr, const struct tz *zone, int64_t after,
			 int is_none)
{
	char text[TZ_ISO_LEN];

	if (!tz_format(zone, after, text))
		clock_format(after, text);
	if (is_none)
		return cli_fail(EXIT_FAILURE_, "'%s' has no fire after %s",
				expr, text);
	fprintf(stderr, "domecek-jobs: '%s' has no fire after %s\n", expr,
		text);
	return EXIT_OK;
}

static int cron_next_command(struct cli *cli, int argc, char **argv)
{
	const char *expr = NULL, *zone_name = cli->cfg.scheduler.time_zone,
		   *value;
	int64_t from = cli->has_now ? cli->now : clock_now(), count = 5, at;
	struct cron_expr *cron = NULL;
	struct tz *zone = NULL;
	struct err e = {0};
	int rc = EXIT_OK;

	for (int i = 0; i < argc; i++) {
		if (cli_option(argc, argv, &i, "--tz", &zone_name)) {
			if (!zone_name)
				return cli_fail(EXIT_USAGE,
						"--tz needs a zone name");
		} else if (cli_option(argc, argv, &i, "--from", &value)) {
			if (!value || clock_parse(value, &from, &e))
				return cli_fail(
				    EXIT_USAGE, "--from: %s",
				    value ? e.msg : "needs an ISO-8601 time");
		} else if (cli_option(argc, argv, &i, "--count", &value)) {
			if (cli_int("--count", value, &count))
				return EXIT_USAGE;
			if (count < 1 || count > 100000)
				return cli_fail(
				    EXIT_USAGE,
				    "--count: %lld is out of range 1..100000",
				    (long long)count);
		} else if (expr) {
			return cli_fail(EXIT_USAGE,
					"cron next: unexpected argument %s "
					"(quote the expression)",
					argv[i]);
		} else {
			expr = argv[i];
		}
	}
	if (!expr)
		return cli_fail(
		    EXIT_USAGE,
		    "cron next needs an expression, e.g. "
		    "domecek-jobs cron next '0 2 * * 0' --tz Europe/Prague");
	if (cron_parse(expr, &cron, &e) || tz_open(zone_name, &zone, &e)) {
		rc = cli_fail(EXIT_USAGE, "%s", e.msg);
		goto done;
	}
	at = from;
	for (int64_t i = 0; i < count; i++) {
		char text[TZ_ISO_LEN];
		if (cron_next(cron, zone, at, &at)) {
			/* Never again (a past year, or the end of time):
			 * say so; with no fire at all it is a failure. */
			rc = no_more_fires(expr, zone, at, i == 0);
			break;
		}
		printf("%s\n", tz_format(zone, at, text));
	}
done:
	cron_free(cron);
	tz_free(zone);
	return rc;
}

static void print_fire(const char *name, const char *type, int64_t at,
		       const char *zone_name, void *arg)
{
	char text[TZ_ISO_LEN];
	struct tz *zone = NULL;

	(void)arg;
	if (tz_open(zone_name, &zone, NULL) == 0)
		tz_format(zone, at, text);
	else
		clock_format(at, text);
	tz_free(zone);
	printf("%s  %-22s %s\n", text, name, type);
}

static int simulate(struct cli *cli, int argc, char **argv)
{
	int64_t from = cli->has_now ? cli->now : clock_now(), to = 0;
	const char *value;
	struct err e = {0};

	for (int i = 0; i < argc; i++) {
		int64_t *target = NULL;
		if (cli_option(argc, argv, &i, "--from", &value))
			target = &from;
		else if (cli_option(argc, argv, &i, "--to", &value))
			target = &to;
		else
			return cli_fail(EXIT_USAGE,
					"simulate: unexpected argument %s",
					argv[i]);
		if (!value || clock_parse(value, target, &e))
			return cli_fail(EXIT_USAGE, "%s: %s", argv[i - 1],
					value ? e.msg
					      : "needs an ISO-8601 time");
	}
	if (!to)
		to = from + 7 * MS_PER_DAY;
	if (to <= from)
		return cli_fail(EXIT_USAGE,
				"simulate: --to must be after --from");
	if (scheduler_simulate(&cli->cfg, job_registry, from, to, print_fire,
			       NULL, &e))
		return cli_fail(EXIT_FAILURE_, "%s", e.msg);
	return EXIT_OK;
}

const struct cli_command cli_schedule_commands[] = {
    {"recurring list", "",
     "recurring jobs: cron, time zone, next and last run, result", NULL,
     recurring_list},
    {"recurring trigger", "NAME",
     "enqueue a recurring job now, outside its schedule", NULL,
     recurring_trigger},
    {"recurring pause", "NAME",
     "stop a recurring job from firing until resumed", NULL, recurring_pause},
    {"recurring resume", "NAME", "let a paused recurring job fire again", NULL,
     recurring_resume},
    {"cron next", "EXPR [--tz ZONE] [--from ISO] [--count N]",
     "print the next fire times of a cron expression",
     "  EXPR: 5-field Unix cron, 6/7-field Quartz with seconds, or @daily "
     "etc.\n"
     "  Times print in ZONE (default Scheduler.TimeZone, else the system's).\n",
     cron_next_command},
    {"simulate", "--from ISO --to ISO",
     "print every fire of the configured recurring jobs in a range (runs "
     "nothing)",
     "  Without --to: one week from --from (or now).\n", simulate},
    {NULL, NULL, NULL, NULL, NULL},
};
