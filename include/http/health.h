/*
 * health.h - GET /health/jobs: is the daemon doing its work?
 *
 * One entry per check, each with a name, ok and a detail a person can
 * act on: the database takes a write lock, the loop's heartbeat is fresh,
 * this process holds the leader lease, the queue of enqueued jobs is
 * below Alerts.QueueLengthThreshold, no job has been processing longer
 * than Alerts.LongRunningMinutes, no job waits for a retry (or died in
 * the last day) because a quota, the disk or the database was full, and each
 * active recurring job fired within one period of its planned time. Healthy =
 * every check ok.
 */
#ifndef DOMECEK_HEALTH_H
#define DOMECEK_HEALTH_H

#include <sqlite3.h>
#include <stdint.h>

struct buf;
struct config;
struct daemon_status;
struct err;

#define HEALTH_HEARTBEAT_MS                                                    \
	(10 * 1000)		/* an iteration older than this is stale */
#define HEALTH_LOCK_WAIT_MS 500 /* how long the write probe may wait */

struct health_input {
	sqlite3 *db;
	const struct config *cfg;
	const struct daemon_status
	    *status;	  /* NULL: no daemon (both checks fail) */
	int64_t now;	  /* wall ms */
	int64_t now_mono; /* monotonic ms */
};

/* Runs every check and appends the JSON report to out:
 *   {"status":"healthy"|"unhealthy","checks":[{"name":..,"ok":..,"detail":..}]}
 * *is_healthy is 1 when every check passed. A check that cannot run
 * (database error) is a failed check, not an error; errors are only
 * ERR_NOMEM/ERR_TOOBIG while building the text. */
int health_check(const struct health_input *in, struct buf *out,
		 int *is_healthy, struct err *e);

#endif
