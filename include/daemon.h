/*
 * daemon.h - `domecek-jobs run`: the long-running process.
 *
 * Ties the pieces to the loop: leadership, the scheduler, the queue and
 * the runner, signals (SIGTERM/SIGINT stop, SIGHUP reloads the config),
 * a watch on the WAL file so that jobs another process inserts are picked
 * up at once, and a watch on the wall clock so that a jump re-plans the
 * schedules.
 */
#ifndef DOMECEK_DAEMON_H
#define DOMECEK_DAEMON_H

struct config;
struct err;

struct daemon_options {
	const char *db_path;
	const char *config_path; /* for SIGHUP reload; NULL: defaults */
	char *const *envp;	 /* environment overrides for reload */
	int drain; /* exit when nothing is enqueued/running/retrying */
	int once;  /* one pass: fire schedules, run one job, exit */
	int stop_after_steps; /* tests: release the job after N steps, exit */
};

/* Runs until stopped. cfg stays owned by the caller and is updated in
 * place on reload. Returns 0 on a clean stop. */
int daemon_run(struct config *cfg, const struct daemon_options *opt,
	       struct err *e);

#endif
