/*
 * cli_jobs.c - commands that run and manage jobs: run, run-job, enqueue,
 * jobs list|show|retry|delete.
 */
#include "cli/cli.h"
#include "base/clock.h"
#include "daemon.h"
#include "db/db.h"
#include "base/err.h"
#include "base/json_text.h"
#include "core/job.h"
#include "jobs/registry.h"
#include "core/leader.h"
#include "base/log.h"
#include "core/queue.h"
#include "core/runner.h"
#include "core/scheduler.h"
#include "core/services.h"
#include "storage/storage.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_daemon(struct cli *cli, int argc, char **argv)
{
	struct daemon_options opt = {
	    .db_path = cli->db_path,
	    .config_path = cli->config_path,
	    .envp = cli->envp,
	};
	struct err e = {0};
	const char *value;
	int64_t n;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--drain"))
			opt.drain = 1;
		else if (!strcmp(argv[i], "--once"))
			opt.once = 1;
		else if (cli_option(argc, argv, &i, "--stop-after-steps",
				    &value)) {
			if (cli_int_in("--stop-after-steps", value, 0, INT_MAX,
				       &n))
				return EXIT_USAGE;
			opt.stop_after_steps = (int)n;
		} else
			return cli_fail(EXIT_USAGE, "run: unknown argument %s",
					argv[i]);
	}
	opt.has_start_at = cli->has_now;
	opt.start_at = cli->now;
	rc = daemon_run(&cli->cfg, &opt, &e);
	if (rc)
		return cli_fail(cli_exit_code(rc), "%s", e.msg);
	return EXIT_OK;
}

struct foreground {
	sqlite3 *db;
	const char *state;
	char error[512];
	char counts[256];
	int64_t duration_ms;
};

static void on_foreground_outcome(const struct runner_outcome *o, void *arg)
{
	struct foreground *f = arg;

	f->state = !strcmp(o->state, "succeeded")  ? "succeeded"
		   : !strcmp(o->state, "failed")   ? "failed"
		   : !strcmp(o->state, "dead")	   ? "dead"
		   : !strcmp(o->state, "released") ? "released"
						   : "cancelled";
	snprintf(f->error, sizeof(f->error), "%s", o->error ? o->error : "");
	snprintf(f->counts, sizeof(f->counts), "%s",
		 o->counts_json ? o->counts_json : "{}");
	f->duration_ms = o->duration_ms;
	runner_record_outcome(f->db, o);
}

/* The storage the daemon would open (Storage.Provider Local), so that
 * run-job cleans the same files; a job that needs none still runs when
 * it cannot be opened (the job reports the missing storage itself). */
static struct storage *open_foreground_storage(const struct config *cfg)
{
	struct storage *st = NULL;
	struct err e = {0};

	if (storage_open_configured(cfg, &st, &e))
		log_event(LOG_WARN, "storage.unavailable", "error", e.msg,
			  (char *)NULL);
	return st;
}

/* Runs one claimed job to its end in the foreground. Pauses between
 * batches are skipped: nothing else needs the loop here. */
static int run_in_foreground(struct cli *cli, sqlite3 *db, struct queue *q,
			     int64_t job_id, int stop_after_steps)
{
	struct foreground f = {.db = db, .state = "unknown"};
	struct services services = {0};
	struct runner runner;
	struct queue_job job;
	struct err e = {0};
	char type[sizeof(job.type)];
	int rc;

	if ((rc = queue_claim_id(q, job_id, clock_now(), &job, &e)))
		return cli_fail(EXIT_FAILURE_, "%s", e.msg);
	memcpy(type, job.type, sizeof(type));
	services.storage = open_foreground_storage(&cli->cfg);
	runner_init(&runner, db, &cli->cfg, q, &services, on_foreground_outcome,
		    &f);
	runner.stop_after_steps = stop_after_steps;
	runner_begin(&runner, &job);
	while (runner.is_active) {
		runner.next_step_mono = 0;
		runner_step(&runner);
	}
	storage_close(services.storage);
	printf("%s: %s in %lld ms %s%s%s\n", type, f.state,
	       (long long)f.duration_ms, f.counts, f.error[0] ? ": " : "",
	       f.error);
	return !strcmp(f.state, "succeeded") || !strcmp(f.state, "released")
		   ? EXIT_OK
		   : EXIT_FAILURE_;
}

static int run_job(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *value, *config_name, *type;
	int64_t job_id = 0, n;
	int stop_after = 0, existed = 0, rc;
	char owner[128];
	struct queue *q = NULL;
	struct err e = {0};
	sqlite3 *db = NULL;

	for (int i = 0; i < argc; i++) {
		if (cli_option(argc, argv, &i, "--stop-after-steps", &value)) {
			if (cli_int_in("--stop-after-steps", value, 0, INT_MAX,
				       &n))
				return EXIT_USAGE;
			stop_after = (int)n;
		} else if (argv[i][0] == '-' || name) {
			return cli_fail(EXIT_USAGE,
					"run-job: unexpected argument %s",
					argv[i]);
		} else {
			name = argv[i];
		}
	}
	if (!name)
		return cli_fail(EXIT_USAGE,
				"run-job needs the name of a recurring job "
				"(see `domecek-jobs recurring list`)");
	if (scheduler_resolve_name(&cli->cfg, job_registry, name, &config_name,
				   &type, &e))
		return cli_fail(EXIT_USAGE, "%s", e.msg);
	if (cli->has_now)
		clock_fix(cli->now);
	if ((rc = cli_open_db(cli, 0, &db)))
		return rc;
	leader_owner_id(owner, sizeof(owner));
	if ((rc = queue_open(db, &cli->cfg, job_registry, owner, &q, &e)) ||
	    (rc = scheduler_trigger(db, &cli->cfg, q, config_name, clock_now(),
				    &job_id, &existed, &e))) {
		rc = cli_fail(EXIT_FAILURE_, "%s", e.msg);
		goto done;
	}
	rc = run_in_foreground(cli, db, q, job_id, stop_after);
done:
	queue_free(q);
	db_close(db);
	return rc;
}

/* The payload as typed: broken JSON is reported with its line and column
 * (and no raw control bytes) before the queue sees it. */
static int check_payload(const char *payload)
{
	struct err e = {0};
	cJSON *root = NULL;
	int rc = json_text_parse(payload, strlen(payload), "--payload", 0,
				 &root, &e);

	if (!rc && !cJSON_IsObject(root))
		rc = err_set(&e, ERR_INVALID,
			     "--payload: must be a JSON object ({...})");
	cJSON_Delete(root);
	return rc ? cli_fail(EXIT_USAGE, "%s", e.msg) : 0;
}

static int enqueue(struct cli *cli, int argc, char **argv)
{
	struct queue_enqueue_options opt = {0};
	const char *type = NULL, *value;
	int64_t id, number;
	int existed = 0, rc;
	char owner[128];
	struct queue *q = NULL;
	struct err e = {0};
	sqlite3 *db = NULL;

	for (int i = 0; i < argc; i++) {
		if (cli_option(argc, argv, &i, "--payload", &opt.payload)) {
			if (!opt.payload)
				return cli_fail(
				    EXIT_USAGE,
				    "--payload needs a JSON object");
		} else if (cli_option(argc, argv, &i, "--run-at", &value)) {
			if (!value || clock_parse(value, &opt.run_at, &e))
				return cli_fail(
				    EXIT_USAGE, "--run-at: %s",
				    value ? e.msg : "needs an ISO-8601 time");
		} else if (cli_option(argc, argv, &i, "--unique-key",
				      &opt.unique_key)) {
			if (!opt.unique_key)
				return cli_fail(EXIT_USAGE,
						"--unique-key needs a value");
		} else if (cli_option(argc, argv, &i, "--priority", &value)) {
			if (cli_int("--priority", value, &number))
				return EXIT_USAGE;
			opt.has_priority = 1;
			opt.priority = (int)number;
		} else if (argv[i][0] == '-' || type) {
			return cli_fail(EXIT_USAGE,
					"enqueue: unexpected argument %s",
					argv[i]);
		} else {
			type = argv[i];
		}
	}
	if (!type)
		return cli_fail(
		    EXIT_USAGE,
		    "enqueue needs a job type (see enqueue --help)");
	if (opt.payload && (rc = check_payload(opt.payload)))
		return rc;
	if (cli->has_now)
		clock_fix(cli->now);
	if ((rc = cli_open_db(cli, 0, &db)))
		return rc;
	leader_owner_id(owner, sizeof(owner));
	if ((rc = queue_open(db, &cli->cfg, job_registry, owner, &q, &e)) ||
	    (rc = queue_enqueue(q, type, &opt, &id, &existed, &e))) {
		rc = cli_fail(cli_exit_code(rc), "%s", e.msg);
		goto done;
	}
	printf("%lld\n", (long long)id);
	if (existed)
		fprintf(stderr,
			"domecek-jobs: job %lld with unique key %s is already "
			"waiting; nothing new was enqueued\n",
			(long long)id, opt.unique_key);
done:
	queue_free(q);
	db_close(db);
	return rc;
}

#define JOB_STATES                                                             \
	"scheduled, enqueued, processing, succeeded, failed, dead, cancelled"

static int is_job_state(const char *state)
{
	static const char *const states[] = {
	    "scheduled", "enqueued", "processing", "succeeded",
	    "failed",	 "dead",     "cancelled"};

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(state, states[i]))
			return 1;
	return 0;
}

static int jobs_list(struct cli *cli, int argc, char **argv)
{
	static const char sql[] =
	    "SELECT id, type, state, attempts, max_attempts, run_at,\n"
	    "       COALESCE(finished_at, ''), COALESCE(last_error, '')\n"
	    "FROM jobs WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR type = ?2)\n"
	    "ORDER BY id DESC LIMIT ?3";
	const char *state = NULL, *type = NULL, *value;
	int64_t limit = 50;
	sqlite3_stmt *stmt;
	sqlite3 *db;
	struct err e = {0};
	int rc;

	for (int i = 0; i < argc; i++) {
		if (cli_option(argc, argv, &i, "--state", &state) ||
		    cli_option(argc, argv, &i, "--type", &type)) {
			if (!argv[i] || argv[i][0] == '-')
				return cli_fail(EXIT_USAGE, "%s needs a value",
						argv[i - 1]);
		} else if (cli_option(argc, argv, &i, "--limit", &value)) {
			if (cli_int_in("--limit", value, 1, 1000000, &limit))
				return EXIT_USAGE;
		} else {
			return cli_fail(EXIT_USAGE,
					"jobs list: unexpected argument %s",
					argv[i]);
		}
	}
	if (state && !is_job_state(state))
		return cli_fail(EXIT_USAGE,
				"--state: '%s' is not a job state (%s)", state,
				JOB_STATES);
	if ((rc = cli_open_db(cli, 1, &db)))
		return rc;
	if ((rc = db_prepare(db, sql, &stmt, &e))) {
		db_close(db);
		return cli_fail(EXIT_FAILURE_, "%s", e.msg);
	}
	if (state)
		sqlite3_bind_text(stmt, 1, state, -1, SQLITE_STATIC);
	if (type)
		sqlite3_bind_text(stmt, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, limit);
	printf("%-8s %-22s %-10s %-8s %-24s %s\n", "ID", "TYPE", "STATE",
	       "ATTEMPTS", "RUN AT", "LAST ERROR");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		printf(
		    "%-8lld %-22s %-10s %3d/%-4d %-24s %.60s\n",
		    (long long)sqlite3_column_int64(stmt, 0),
		    sqlite3_column_text(stmt, 1), sqlite3_column_text(stmt, 2),
		    sqlite3_column_int(stmt, 3), sqlite3_column_int(stmt, 4),
		    sqlite3_column_text(stmt, 5), sqlite3_column_text(stmt, 7));
	sqlite3_finalize(stmt);
	db_close(db);
	return rc == SQLITE_DONE ? EXIT_OK : EXIT_FAILURE_;
}

static int parse_job_id(const char *command, int argc, char **argv, int64_t *id)
{
	if (argc != 1)
		return cli_fail(EXIT_USAGE, "%s needs exactly one job id",
				command);
	if (cli_int(command, argv[0], id))
		return EXIT_USAGE;
	return 0;
}

static void print_attempts(sqlite3 *db, int64_t id)
{
	static const char sql[] =
	    "SELECT attempt, started_at, COALESCE(finished_at, '-'),\n"
	    "       COALESCE(outcome, 'running'), COALESCE(duration_ms, 0),\n"
	    "       COALESCE(error, '')\n"
	    "FROM job_attempts WHERE job_id = ? ORDER BY attempt";
	sqlite3_stmt *stmt;

	if (db_prepare(db, sql, &stmt, NULL))
		return;
	sqlite3_bind_int64(stmt, 1, id);
	printf("attempts:\n");
	while (sqlite3_step(stmt) == SQLITE_ROW)
		printf("  #%d  %s  %-9s %6lld ms  %s\n",
		       sqlite3_column_int(stmt, 0),
		       sqlite3_column_text(stmt, 1),
		       sqlite3_column_text(stmt, 3),
		       (long long)sqlite3_column_int64(stmt, 4),
		       sqlite3_column_text(stmt, 5));
	sqlite3_finalize(stmt);
}

static int jobs_show(struct cli *cli, int argc, char **argv)
{
	static const char sql[] =
	    "SELECT id, type, state, priority, attempts, max_attempts, run_at,\n"
	    "       COALESCE(unique_key, '-'), COALESCE(recurring_name, '-'),\n"
	    "       created_at, COALESCE(started_at, '-'), "
	    "COALESCE(finished_at, '-'),\n"
	    "       payload, COALESCE(result, '-'), COALESCE(last_error, "
	    "'-'),\n"
	    "       COALESCE(progress, '-'), COALESCE(owner, '-')\n"
	    "FROM jobs WHERE id = ?";
	static const char *const labels[] = {
	    "id",	    "type",	"state",      "priority",  "attempts",
	    "max attempts", "run at",	"unique key", "recurring", "created",
	    "started",	    "finished", "payload",    "result",	   "last error",
	    "progress",	    "owner",
	};
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int64_t id;
	int rc;

	if ((rc = parse_job_id("jobs show", argc, argv, &id)) ||
	    (rc = cli_open_db(cli, 1, &db)))
		return rc;
	if (db_prepare(db, sql, &stmt, NULL)) {
		db_close(db);
		return EXIT_FAILURE_;
	}
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (int c = 0; c < 17; c++)
			printf("%-13s %s\n", labels[c],
			       sqlite3_column_text(stmt, c));
		print_attempts(db, id);
		rc = EXIT_OK;
	} else {
		rc = cli_fail(EXIT_FAILURE_, "job %lld does not exist",
			      (long long)id);
	}
	sqlite3_finalize(stmt);
	db_close(db);
	return rc;
}

static int jobs_change(struct cli *cli, int argc, char **argv, int is_retry)
{
	char owner[128];
	struct queue *q = NULL;
	struct err e = {0};
	sqlite3 *db = NULL;
	int64_t id;
	int rc, deleted = 0;

	if ((rc = parse_job_id(is_retry ? "jobs retry" : "jobs delete", argc,
			       argv, &id)) ||
	    (rc = cli_open_db(cli, 0, &db)))
		return rc;
	leader_owner_id(owner, sizeof(owner));
	if ((rc = queue_open(db, &cli->cfg, job_registry, owner, &q, &e)) ||
	    (rc = is_retry ? queue_retry(q, id, clock_now(), &e)
			   : queue_delete(q, id, clock_now(), &deleted, &e)))
		rc = cli_fail(EXIT_FAILURE_, "%s", e.msg);
	else if (is_retry)
		printf("job %lld enqueued again\n", (long long)id);
	else
		printf("job %lld %s\n", (long long)id,
		       deleted ? "deleted" : "cancelled");
	queue_free(q);
	db_close(db);
	return rc;
}

static int jobs_retry(struct cli *cli, int argc, char **argv)
{
	return jobs_change(cli, argc, argv, 1);
}

static int jobs_delete(struct cli *cli, int argc, char **argv)
{
	return jobs_change(cli, argc, argv, 0);
}

const struct cli_command cli_job_commands[] = {
    {"run", "[--drain] [--once]", "run the daemon: schedules, queue, dashboard",
     "  --drain   exit once no job is enqueued, running or waiting for a "
     "retry\n"
     "  --once    one pass: fire due schedules, run one job, exit\n"
     "SIGTERM/SIGINT stop after the current step; SIGHUP reloads the config.\n",
     run_daemon},
    {"run-job", "NAME [--stop-after-steps N]",
     "run one recurring job now, in the foreground, and print its result",
     "  NAME is the config name (DraftCleanup) or the type (draft_cleanup).\n"
     "  With --now ISO the job runs as if it were exactly that instant.\n",
     run_job},
    {"enqueue",
     "TYPE [--payload JSON] [--run-at ISO] [--unique-key K] [--priority N]",
     "add a job to the queue and print its id",
     "  Types: noop, send_email, export_data and the recurring job types.\n"
     "  --unique-key  nothing is added while a job with that key is "
     "unfinished\n",
     enqueue},
    {"jobs list", "[--state S] [--type T] [--limit N]",
     "list jobs, newest first", NULL, jobs_list},
    {"jobs show", "ID", "show a job with every attempt and its error", NULL,
     jobs_show},
    {"jobs retry", "ID", "run a dead, failed or cancelled job again", NULL,
     jobs_retry},
    {"jobs delete", "ID",
     "cancel a waiting or running job; delete a finished one", NULL,
     jobs_delete},
    {NULL, NULL, NULL, NULL, NULL},
};
