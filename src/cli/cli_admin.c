/*
 * cli_admin.c - commands that look after the installation: migrate,
 * config check|show, backup, restore, status.
 */
#include "http/auth.h"
#include "base/buf.h"
#include "cli/cli.h"
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "db/db_backup.h"
#include "demo/demo.h"
#include "base/err.h"
#include "core/leader.h"
#include "core/queue.h"
#include "storage/storage.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static int migrate(struct cli *cli, int argc, char **argv)
{
	struct db_options opt = {
	    .busy_timeout_ms = cli->cfg.database.busy_timeout_ms,
	    .max_page_count = cli->cfg.database.max_page_count,
	    .synchronous_full = !strcmp(cli->cfg.database.synchronous, "Full"),
	    .create = 1,
	};
	struct err e = {0};
	sqlite3 *db = NULL;
	int from, to, rc;

	(void)argv;
	if (argc)
		return cli_fail(EXIT_USAGE, "migrate takes no arguments");
	if ((rc = db_open(cli->db_path, &opt, &db, &e)) ||
	    (rc = db_migrate(db, &from, &to, &e))) {
		db_close(db);
		return cli_fail(EXIT_FAILURE_, "%s", e.msg);
	}
	db_close(db);
	if (from == to)
		printf("database %s is up to date (schema version %d)\n",
		       cli->db_path, to);
	else
		printf("database %s migrated from schema version %d to %d\n",
		       cli->db_path, from, to);
	return EXIT_OK;
}

static int config_check(struct cli *cli, int argc, char **argv)
{
	(void)argv;
	if (argc)
		return cli_fail(EXIT_USAGE, "config check takes no arguments");
	/* Loading already checked everything, cron expressions included. */
	printf("config OK (%s)\n", cli->cfg.source);
	return EXIT_OK;
}

static int config_show_command(struct cli *cli, int argc, char **argv)
{
	struct buf out;
	int rc;

	(void)argv;
	if (argc)
		return cli_fail(EXIT_USAGE, "config show takes no arguments");
	buf_init(&out, 1 << 20);
	rc = config_show(&cli->cfg, &out);
	if (!rc)
		printf("%s\n", buf_str(&out));
	buf_free(&out);
	return rc ? EXIT_FAILURE_ : EXIT_OK;
}

/* Copies from one open database to another with SQLite's backup API, a
 * few hundred pages a step, so a running daemon is never held up long.
 * A lock another program keeps (the app mid-write) is waited for up to
 * wait_ms in all, then the copy gives up and says so. */
static int copy_database(sqlite3 *from, sqlite3 *to, const char *what,
			 int wait_ms, struct err *e)
{
	sqlite3_backup *backup = sqlite3_backup_init(to, "main", from, "main");
	int is_tty = isatty(STDERR_FILENO), rc;
	int64_t give_up = clock_mono() + (wait_ms > 0 ? wait_ms : 5000);

	if (!backup)
		return db_error(to, sqlite3_errcode(to), e, what);
	do {
		rc = sqlite3_backup_step(backup, 256);
		if (is_tty && sqlite3_backup_pagecount(backup) > 0) {
			int total = sqlite3_backup_pagecount(backup);
			int done = total - sqlite3_backup_remaining(backup);
			fprintf(stderr, "\r%s: %3d%% (%d/%d pages)", what,
				done * 100 / total, done, total);
		}
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
		    clock_mono() >= give_up)
			break;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	if (is_tty)
		fputc('\n', stderr);
	sqlite3_backup_finish(backup);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return err_set(e, ERR_BUSY,
			       "%s: another program holds the database's lock "
			       "(for more than %d ms, Database.BusyTimeoutMs); "
			       "nothing was changed: try again when it is idle",
			       what, wait_ms);
	return rc == SQLITE_DONE ? 0 : db_error(to, rc, e, what);
}

/* A consistent copy while the daemon and the app write (db_backup.h):
 * one snapshot, written to DEST.tmp, renamed to DEST once sealed. */
static int backup_to(const char *source, const char *dest, int wait_ms,
		     struct err *e)
{
	struct db_backup *copy = NULL;
	char tmp[PATH_MAX];
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", dest) >= (int)sizeof(tmp))
		return err_set(e, ERR_INVALID, "the file name %s is too long",
			       dest);
	if (!(rc = db_backup_begin(source, tmp, wait_ms, &copy, e))) {
		while ((rc = db_backup_step(copy, 1024, NULL, NULL, e)) == 1)
			;
		if (!rc)
			rc = db_backup_seal(copy, dest, NULL, e);
	}
	db_backup_free(copy);
	if (rc == ERR_BUSY)
		return err_set(e, ERR_BUSY,
			       "another program holds the database's lock (for "
			       "more than %d ms, Database.BusyTimeoutMs); "
			       "nothing was written: try again when it is idle",
			       wait_ms);
	return rc;
}

static int backup(struct cli *cli, int argc, char **argv)
{
	sqlite3 *from = NULL;
	struct err e = {0};
	struct stat st;
	int rc, force = argc == 2 && !strcmp(argv[1], "--force");

	if (argc < 1 || (argc == 2 && !force) || argc > 2)
		return cli_fail(
		    EXIT_USAGE,
		    "backup needs a destination file: backup DEST [--force]");
	if (stat(argv[0], &st) == 0 && !force)
		return cli_fail(EXIT_FAILURE_,
				"backup: %s already exists (use --force to "
				"overwrite it)",
				argv[0]);
	/* Opened the usual way first: a missing or too new database is
	 * refused with the usual message. */
	if ((rc = cli_open_db(cli, 1, &from)))
		return rc;
	db_close(from);
	if ((rc = backup_to(cli->db_path, argv[0],
			    cli->cfg.database.busy_timeout_ms, &e)))
		return cli_fail(EXIT_FAILURE_, "backup to %s: %s", argv[0],
				e.msg);
	printf("backed up %s to %s\n", cli->db_path, argv[0]);
	return EXIT_OK;
}

/* 1 when db has a table of that name. */
static int has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *stmt = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(
		db,
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
		-1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
		found = sqlite3_step(stmt) == SQLITE_ROW;
	}
	sqlite3_finalize(stmt);
	return found;
}

/* PRAGMA integrity_check, told in one line: how many problems (up to
 * 100 are looked for) and the first, cut short. */
static int check_integrity(sqlite3 *db, const char *path, struct err *e)
{
	sqlite3_stmt *stmt;
	char first[160] = "";
	int rc, problems = 0;

	if ((rc = db_prepare(db, "PRAGMA integrity_check(100)", &stmt, e)))
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);

		if (text && !strcmp(text, "ok"))
			continue;
		if (problems++ == 0)
			snprintf(first, sizeof(first), "%s", text ? text : "");
	}
	sqlite3_finalize(stmt);
	for (char *p = first; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	if (problems)
		return err_set(e, ERR_INVALID,
			       "%s is damaged: the integrity check found %s%d "
			       "problem%s; the first: %s",
			       path, problems >= 100 ? "at least " : "",
			       problems, problems == 1 ? "" : "s", first);
	return rc == SQLITE_DONE ? 0 : db_error(db, rc, e, path);
}

static int check_backup_file(sqlite3 *db, const char *path, struct err *e)
{
	int version, rc;

	if ((rc = db_version(db, &version, e)))
		return rc;
	if (version == 0 && !has_table(db, "jobs"))
		return err_set(e, ERR_INVALID,
			       "%s is not a domecek-jobs database (a SQLite "
			       "file of another program: no schema version, "
			       "no jobs table)",
			       path);
	if (version == 0 || version > db_latest_version())
		return err_set(e, ERR_INVALID,
			       "%s has schema version %d; this "
			       "domecek-jobs restores versions 1..%d",
			       path, version, db_latest_version());
	return check_integrity(db, path, e);
}

static int restore(struct cli *cli, int argc, char **argv)
{
	struct db_options read_only = {.read_only = 1}, create = {.create = 1};
	sqlite3 *from = NULL, *to = NULL;
	struct err e = {0};
	int rc;

	if (argc != 1)
		return cli_fail(EXIT_USAGE,
				"restore needs one source file: restore SRC");
	if (leader_is_held(cli->db_path))
		return cli_fail(EXIT_FAILURE_,
				"restore: a daemon is running on %s; stop it "
				"first (systemctl stop domecek-jobs)",
				cli->db_path);
	if ((rc = db_open(argv[0], &read_only, &from, &e)) ||
	    (rc = check_backup_file(from, argv[0], &e)) ||
	    (rc = db_open(cli->db_path, &create, &to, &e)) ||
	    (rc = copy_database(from, to, "restore",
				cli->cfg.database.busy_timeout_ms, &e)))
		rc = cli_fail(EXIT_FAILURE_, "restore: %s", e.msg);
	else
		printf("restored %s from %s\n", cli->db_path, argv[0]);
	db_close(from);
	db_close(to);
	return rc;
}

static void status_daemon(struct cli *cli, sqlite3 *db)
{
	struct leader_info leader;
	char since[CLOCK_ISO_LEN];

	if (!leader_is_held(cli->db_path) || leader_read(db, &leader, NULL)) {
		printf("daemon:     not running\n");
		return;
	}
	printf("daemon:     running, pid %ld on %s, leader since %s (up %lld "
	       "min)\n",
	       leader.pid, leader.host, clock_format(leader.acquired_at, since),
	       (long long)((clock_now() - leader.acquired_at) / MS_PER_MINUTE));
}

static void status_lines(sqlite3 *db, const char *title, const char *sql)
{
	sqlite3_stmt *stmt;

	if (db_prepare(db, sql, &stmt, NULL))
		return;
	printf("%s\n", title);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		printf("  %s\n", sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}

static int status(struct cli *cli, int argc, char **argv)
{
	struct queue_counts c;
	sqlite3 *db;
	int rc;

	(void)argv;
	if (argc)
		return cli_fail(EXIT_USAGE, "status takes no arguments");
	if ((rc = cli_open_db(cli, 1, &db)))
		return rc;
	printf("database:   %s\n", cli->db_path);
	status_daemon(cli, db);
	if (queue_counts(db, &c, NULL) == 0)
		printf("queue:      %lld enqueued, %lld scheduled, %lld "
		       "processing, "
		       "%lld failed (retrying), %lld dead, %lld succeeded\n",
		       (long long)c.enqueued, (long long)c.scheduled,
		       (long long)c.processing, (long long)c.failed,
		       (long long)c.dead, (long long)c.succeeded);
	status_lines(
	    db, "next fires:",
	    "SELECT next_fire_at || '  ' || name || CASE WHEN paused THEN ' (paused)' ELSE '' END FROM recurring_jobs WHERE enabled AND next_fire_at IS NOT NULL ORDER BY next_fire_at LIMIT 5");
	status_lines(
	    db, "last failures:",
	    "SELECT COALESCE(finished_at, run_at) || '  #' || id || ' ' || type || ' (' || state || '): ' || substr(COALESCE(last_error, ''), 1, 80) FROM jobs WHERE state IN ('dead', 'failed') ORDER BY COALESCE(finished_at, run_at) DESC LIMIT 5");
	db_close(db);
	return EXIT_OK;
}

static int demo(struct cli *cli, int argc, char **argv)
{
	struct demo_counts n;
	struct err e = {0};
	const char *value;
	int64_t seed = 1;
	sqlite3 *db = NULL;
	struct storage *st = NULL;
	int is_s3 = strcmp(cli->cfg.storage.provider, "S3") == 0;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (!cli_option(argc, argv, &i, "--seed", &value))
			return cli_fail(EXIT_USAGE,
					"demo: unexpected argument %s",
					argv[i]);
		if (cli_int("--seed", value, &seed))
			return EXIT_USAGE;
	}
	if ((rc = cli_open_db(cli, 0, &db)))
		return rc;
	/* The storage the daemon uses, so its files are where it looks. */
	if ((rc = storage_open_configured(&cli->cfg, &st, &e)) ||
	    (rc = demo_fill(db, st, cli->has_now ? cli->now : clock_now(),
			    (unsigned)seed, &n, &e))) {
		storage_close(st);
		db_close(db);
		return cli_fail(EXIT_FAILURE_, "%s", e.msg);
	}
	storage_close(st);
	db_close(db);
	printf(
	    "demo household written to %s:\n"
	    "  %d users, %d projects, %d properties, %d units\n"
	    "  %d records (%d drafts), %d documents with %d files (%lld bytes) "
	    "in %s%s\n"
	    "  %d comments, %d invitations, %d activities, %d notifications\n"
	    "  %d refresh tokens, %d sync queue items, %d contacts\n",
	    cli->db_path, n.users, n.projects, n.properties, n.units, n.zaznamy,
	    n.drafts, n.zaznam_dokumenty, n.files, (long long)n.file_bytes,
	    is_s3 ? "S3 bucket " : "",
	    is_s3 ? cli->cfg.storage.s3.bucket : cli->cfg.storage.local.root,
	    n.comments, n.invitations, n.activities, n.notifications,
	    n.refresh_tokens, n.sync_queue, n.contacts);
	return EXIT_OK;
}

/* One line from stdin, without echo when it is a terminal. */
static int read_password(char *out, size_t size)
{
	struct termios saved, quiet;
	int is_tty = isatty(STDIN_FILENO), ok;

	if (is_tty) {
		fprintf(stderr, "New dashboard password: ");
		tcgetattr(STDIN_FILENO, &saved);
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = fgets(out, (int)size, stdin) != NULL;
	if (is_tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fprintf(stderr, "\n");
	}
	if (!ok)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int passwd(struct cli *cli, int argc, char **argv)
{
	char password[256], token[AUTH_TOKEN_LEN + 1];
	int is_random = argc == 1 && !strcmp(argv[0], "--random");
	struct err e = {0};
	sqlite3 *db;
	int rc;

	if (argc && !is_random)
		return cli_fail(EXIT_USAGE,
				"passwd takes no arguments but --random");
	if (is_random) {
		if (auth_token(token))
			return cli_fail(EXIT_FAILURE_,
					"no random bytes for a password");
		snprintf(password, sizeof(password), "%.24s", token);
	} else if (read_password(password, sizeof(password))) {
		return cli_fail(EXIT_USAGE,
				"no password given on standard input");
	}
	if (strlen(password) < 8)
		return cli_fail(EXIT_USAGE,
				"the password must have at least 8 characters");
	if ((rc = cli_open_db(cli, 0, &db)))
		return rc;
	rc = auth_password_set(db, password, &e);
	db_close(db);
	if (rc)
		return cli_fail(cli_exit_code(rc), "%s", e.msg);
	if (cli->cfg.dashboard.admin_password_hash[0])
		fprintf(stderr, "domecek-jobs: note: "
				"Dashboard.AdminPasswordHash is set in the "
				"config and takes precedence; remove it to use "
				"this password\n");
	if (is_random)
		printf("%s\n", password);
	else
		printf("dashboard password changed; sessions already open stay "
		       "valid "
		       "until they expire\n");
	return EXIT_OK;
}

const struct cli_command cli_admin_commands[] = {
    {"migrate", "", "create the database or bring its schema up to date", NULL,
     migrate},
    {"config check", "",
     "check the configuration (exit 2 and the key when wrong)", NULL,
     config_check},
    {"config show", "", "print the effective configuration, secrets masked",
     NULL, config_show_command},
    {"backup", "DEST [--force]",
     "consistent copy of the database, also while the daemon runs", NULL,
     backup},
    {"restore", "SRC",
     "replace the database with a backup (refused while a daemon runs)", NULL,
     restore},
    {"status", "", "daemon, queue counts, next fires, last failures", NULL,
     status},
    {"demo", "[--seed N]",
     "fill an empty database with a believable Czech household",
     "  Users, properties, records with drafts of every age, documents with "
     "real\n"
     "  files in Storage.Local.Root, invitations, 5,000 activities, "
     "notifications,\n"
     "  tokens and sync items. The same seed and --now give the same data.\n",
     demo},
    {"passwd", "[--random]", "set the dashboard admin password",
     "  reads the new password from standard input (no echo on a terminal);\n"
     "  --random   generate one and print it\n",
     passwd},
    {NULL, NULL, NULL, NULL, NULL},
};
