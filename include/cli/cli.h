/*
 * cli.h - the command line: cli_main() for src/main.c, and what the
 * command implementations (src/cli/cli_*.c) share: the parsed global
 * options and a few helpers.
 */
#ifndef DOMECEK_CLI_H
#define DOMECEK_CLI_H

#include <sqlite3.h>
#include <stdint.h>

#include "config/config.h"

enum cli_exit { EXIT_OK = 0, EXIT_FAILURE_ = 1, EXIT_USAGE = 2 };

struct cli {
	struct config cfg;
	const char *config_path; /* NULL: built-in defaults */
	const char *db_path;
	int has_now;
	int64_t now;
	char *const *envp;
};

struct cli_command {
	const char *name;    /* "jobs list" */
	const char *usage;   /* arguments after the name */
	const char *summary; /* one line */
	const char *details; /* more lines for --help, or NULL */
	int (*run)(struct cli *cli, int argc, char **argv);
};

extern const struct cli_command cli_job_commands[];
extern const struct cli_command cli_schedule_commands[];
extern const struct cli_command cli_admin_commands[];

/* The whole command line: parses global options, loads the config, runs
 * the command and returns the process exit code (enum cli_exit). */
int cli_main(int argc, char **argv, char *const *envp);

/* Prints "domecek-jobs: message" to stderr; returns code. */
int cli_fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Maps an err code to the exit code: config/usage errors 2, others 1. */
int cli_exit_code(int err_code);
/* Opens the database, which must exist and be migrated. */
int cli_open_db(struct cli *cli, int read_only, sqlite3 **db);
/* Parses --name VALUE / --name=VALUE style options. Returns 1 and sets
 * *value when argv[*i] is that option, consuming its value. */
int cli_option(int argc, char **argv, int *i, const char *name,
	       const char **value);
/* Parses an integer argument; on error prints which argument. */
int cli_int(const char *what, const char *text, int64_t *out);
/* cli_int, and min <= *out <= max, else a usage error naming the range. */
int cli_int_in(const char *what, const char *text, int64_t min, int64_t max,
	       int64_t *out);

#endif
