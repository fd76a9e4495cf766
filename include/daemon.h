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

#include <stdint.h>

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

struct runner_outcome;
struct sqlite3;

/* What the running daemon shows its HTTP server (health checks, process
 * metrics). Owned and updated by the daemon; readers hold a const
 * pointer that stays valid while the daemon runs. */
struct daemon_status {
	int64_t started_at;	/* wall ms when the daemon started */
	int64_t heartbeat_mono; /* monotonic ms: start of the latest loop
				   iteration */
	int is_leader; /* holds the leader lease on the database file */
};

/* Records a finished attempt everywhere it is shown: metrics and, for a
 * job a schedule fired, the schedule history. Used by `run` and `run-job`. */
void daemon_record_outcome(struct sqlite3 *db, const struct runner_outcome *o);

/* Runs until stopped. cfg stays owned by the caller and is updated in
 * place on reload. Returns 0 on a clean stop. */
int daemon_run(struct config *cfg, const struct daemon_options *opt,
	       struct err *e);

#endif
