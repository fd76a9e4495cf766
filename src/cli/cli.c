/*
 * cli.c - the command line: global options, configuration, dispatch, and
 * the helpers every command shares.
 *
 *   domecek-jobs [--config FILE] [--db FILE] [--now ISO] COMMAND ...
 *
 * The three settings may also come after the command (as git allows).
 * Commands live in tables in src/cli/cli_jobs.c, cli_schedule.c and
 * cli_admin.c; this file finds the command, loads the configuration
 * (refusing to go on with a broken one) and prints help. Exit codes:
 * 0 ok, 1 failure, 2 usage or configuration error.
 */
#include "base/buf.h"
#include "cli/cli.h"
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "base/log.h"
#include "core/scheduler.h"
#include "base/version.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("domecek-jobs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_exit_code(int err_code)
{
	return err_code == ERR_INVALID ? EXIT_USAGE : EXIT_FAILURE_;
}

int cli_option(int argc, char **argv, int *i, const char *name,
	       const char **value)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*value = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		*value = NULL;
		return 1;
	}
	*value = argv[++*i];
	return 1;
}

int cli_int(const char *what, const char *text, int64_t *out)
{
	char *end;

	errno = 0;
	*out = text ? strtoll(text, &end, 10) : 0;
	if (!text || errno || end == text || *end)
		return cli_fail(EXIT_USAGE, "%s: '%s' is not a whole number",
				what, text ? text : "(missing)");
	return 0;
}

int cli_int_in(const char *what, const char *text, int64_t min, int64_t max,
	       int64_t *out)
{
	int rc = cli_int(what, text, out);

	if (!rc && (*out < min || *out > max))
		return cli_fail(
		    EXIT_USAGE, "%s: %lld is out of range %lld..%lld", what,
		    (long long)*out, (long long)min, (long long)max);
	return rc;
}

int cli_open_db(struct cli *cli, int read_only, sqlite3 **db)
{
	struct db_options opt = {
	    .busy_timeout_ms = cli->cfg.database.busy_timeout_ms,
	    .max_page_count = cli->cfg.database.max_page_count,
	    .synchronous_full = !strcmp(cli->cfg.database.synchronous, "Full"),
	    .read_only = read_only,
	};
	struct err e = {0};
	int rc;

	if ((rc = db_open(cli->db_path, &opt, db, &e)) ||
	    (rc = db_check_version(*db, &e))) {
		db_close(*db);
		*db = NULL;
		return cli_fail(EXIT_FAILURE_, "%s", e.msg);
	}
	return 0;
}

static const struct cli_command *const command_tables[] = {
    cli_job_commands,
    cli_schedule_commands,
    cli_admin_commands,
    NULL,
};

static void print_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: domecek-jobs [--config FILE] [--db FILE] [--now ISO] "
	    "COMMAND ...\n\n"
	    "The background-jobs appliance of MujDomecek: recurring cleanups,\n"
	    "reminders, emails and exports from one SQLite file.\n\n"
	    "Commands:\n");
	for (int t = 0; command_tables[t]; t++)
		for (const struct cli_command *c = command_tables[t]; c->name;
		     c++)
			fprintf(out, "  %-20s %s\n", c->name, c->summary);
	fprintf(
	    out,
	    "\nOptions:\n"
	    "  --config FILE  appsettings.json (default: $DOMECEK_CONFIG, "
	    "else\n"
	    "                 ./appsettings.json if present, else built-in "
	    "defaults)\n"
	    "  --db FILE      database (default: $DOMECEK_DB, else "
	    "Database.Path)\n"
	    "  --now ISO      run as if it were that time (run-job, simulate: "
	    "frozen;\n"
	    "                 run: starts there and advances)\n"
	    "  --help         this text; COMMAND --help for one command\n"
	    "  --version      the version\n\n"
	    "Exit codes: 0 ok, 1 failure, 2 usage or configuration error.\n");
}

static void print_command_help(const struct cli_command *c)
{
	printf("usage: domecek-jobs %s%s%s\n\n%s\n", c->name,
	       c->usage[0] ? " " : "", c->usage, c->summary);
	if (c->details)
		printf("\n%s", c->details);
}

/* Finds "jobs list" as argv[0] = "jobs", argv[1] = "list". */
static const struct cli_command *find_command(int argc, char **argv, int *words)
{
	for (int t = 0; command_tables[t]; t++)
		for (const struct cli_command *c = command_tables[t]; c->name;
		     c++) {
			const char *space = strchr(c->name, ' ');
			if (!space && strcmp(c->name, argv[0]) == 0) {
				*words = 1;
				return c;
			}
			if (space && argc > 1 &&
			    strncmp(c->name, argv[0],
				    (size_t)(space - c->name)) == 0 &&
			    argv[0][space - c->name] == '\0' &&
			    strcmp(space + 1, argv[1]) == 0) {
				*words = 2;
				return c;
			}
		}
	return NULL;
}

static int is_group(const char *word)
{
	for (int t = 0; command_tables[t]; t++)
		for (const struct cli_command *c = command_tables[t]; c->name;
		     c++) {
			const char *space = strchr(c->name, ' ');
			if (space &&
			    strncmp(c->name, word, (size_t)(space - c->name)) ==
				0 &&
			    word[space - c->name] == '\0')
				return 1;
		}
	return 0;
}

static int load_config(struct cli *cli)
{
	struct buf warnings;
	struct err e = {0};
	const char *path = cli->config_path;
	int rc;

	if (!path && getenv("DOMECEK_CONFIG") && *getenv("DOMECEK_CONFIG"))
		path = getenv("DOMECEK_CONFIG");
	if (!path && access("appsettings.json", F_OK) == 0)
		path = "appsettings.json";
	cli->config_path = path;
	buf_init(&warnings, 1 << 16);
	rc = config_load(&cli->cfg, path, cli->envp, &warnings, &e);
	if (warnings.len) {
		char *save = NULL;
		for (char *line = strtok_r(warnings.data, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			log_event(LOG_WARN, "config.warning", "message", line,
				  (char *)NULL);
	}
	buf_free(&warnings);
	if (!rc)
		rc = scheduler_check_config(&cli->cfg, &e);
	if (rc)
		return cli_fail(EXIT_USAGE, "configuration: %s", e.msg);
	if (!cli->db_path)
		cli->db_path = getenv("DOMECEK_DB") && *getenv("DOMECEK_DB")
				   ? getenv("DOMECEK_DB")
				   : cli->cfg.database.path;
	log_setup((enum log_level)log_level_parse(cli->cfg.logging.level),
		  strcmp(cli->cfg.logging.format, "json") ? LOG_TEXT : LOG_JSON,
		  getenv("JOURNAL_STREAM") != NULL);
	return 0;
}

/* One of --config, --db, --now at argv[*i] (its value consumed): 1 when
 * it was one, 0 when not, or a usage exit code (negated) on a bad value. */
static int parse_setting(struct cli *cli, int argc, char **argv, int *i)
{
	const char *value;
	struct err e = {0};

	if (cli_option(argc, argv, i, "--config", &cli->config_path) ||
	    cli_option(argc, argv, i, "--db", &cli->db_path)) {
		if (!argv[*i] || argv[*i][0] == '\0' ||
		    (!cli->config_path &&
		     strncmp(argv[*i - 1], "--config", 8) == 0))
			return -cli_fail(EXIT_USAGE, "%s needs a value",
					 argv[*i - 1]);
		return 1;
	}
	if (cli_option(argc, argv, i, "--now", &value)) {
		if (!value || clock_parse(value, &cli->now, &e))
			return -cli_fail(EXIT_USAGE, "--now: %s",
					 value ? e.msg
					       : "needs an ISO-8601 time");
		cli->has_now = 1;
		return 1;
	}
	return 0;
}

static int parse_global(struct cli *cli, int argc, char **argv, int *i)
{
	int rc;

	for (*i = 1; *i < argc && argv[*i][0] == '-'; (*i)++) {
		if ((rc = parse_setting(cli, argc, argv, i)) < 0)
			return -rc;
		if (rc)
			continue;
		if (!strcmp(argv[*i], "--help") || !strcmp(argv[*i], "-h")) {
			print_usage(stdout);
			exit(EXIT_OK);
		} else if (!strcmp(argv[*i], "--version")) {
			printf("domecek-jobs %s (schema %d)\n", DOMECEK_VERSION,
			       db_latest_version());
			exit(EXIT_OK);
		} else {
			return cli_fail(EXIT_USAGE,
					"unknown option %s (see --help)",
					argv[*i]);
		}
	}
	return 0;
}

/* Global settings may also follow the command, as git allows
 * (`run-job DraftCleanup --now ISO`): they are taken out of the
 * command's arguments, which are compacted in place. */
static int parse_trailing(struct cli *cli, int *argc, char **argv)
{
	int kept = 0, rc;

	for (int i = 0; i < *argc; i++) {
		int start = i;

		if ((rc = parse_setting(cli, *argc, argv, &i)) < 0)
			return -rc;
		if (rc)
			continue;
		argv[kept++] = argv[start];
	}
	*argc = kept;
	return 0;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

int cli_main(int argc, char **argv, char *const *envp)
{
	static struct cli cli;
	const struct cli_command *command;
	int first, words, rest, rc;

	cli.envp = envp;
	log_setup(LOG_INFO, LOG_TEXT, getenv("JOURNAL_STREAM") != NULL);
	if ((rc = parse_global(&cli, argc, argv, &first)))
		return rc;
	if (first >= argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	command = find_command(argc - first, argv + first, &words);
	if (!command) {
		if (is_group(argv[first]))
			return cli_fail(
			    EXIT_USAGE,
			    "'%s' needs a subcommand%s%s (see --help)",
			    argv[first], first + 1 < argc ? ", not " : "",
			    first + 1 < argc ? argv[first + 1] : "");
		return cli_fail(EXIT_USAGE, "unknown command '%s' (see --help)",
				argv[first]);
	}
	rest = argc - first - words;
	if (wants_help(rest, argv + first + words)) {
		print_command_help(command);
		return EXIT_OK;
	}
	if ((rc = parse_trailing(&cli, &rest, argv + first + words)) ||
	    (rc = load_config(&cli)))
		return rc;
	return command->run(&cli, rest, argv + first + words);
}
