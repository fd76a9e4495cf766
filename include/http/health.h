/*
 * health.h - GET /health/jobs: is the daemon doing its work?
 *
 * One entry per check, each with a name, ok, critical and a detail a
 * person can act on. Critical: the database takes a write lock, the loop
 * has not stalled (a step or a wake-up later than Alerts.LoopStallSeconds
 * within the last HEALTH_STALL_SHOWN_MS), a daemon leads, no job failed
 * because the disk or the database was full. Not critical:
 * this process holds the leader lease (a standby while another leads),
 * the queue of enqueued jobs is
 * below Alerts.QueueLengthThreshold, no job has been processing longer
 * than Alerts.LongRunningMinutes, no job waits for a retry (or died in
 * the last day) because the storage quota was full, and each
 * active recurring job fired within one period of its planned time.
 * "healthy": every check ok; "degraded": only non-critical ones failed;
 * "unhealthy": a critical one failed.
 */
#ifndef DOMECEK_HEALTH_H
#define DOMECEK_HEALTH_H

#include <sqlite3.h>
#include <stdint.h>

struct buf;
struct config;
struct daemon_status;
struct err;

#define HEALTH_STALL_SHOWN_MS (60 * 1000) /* a stall is reported this long */
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
 *   {"status":"healthy"|"degraded"|"unhealthy",
 *    "checks":[{"name":..,"ok":..,"critical":..,"detail":..}]}
 * *is_healthy is 0 when the report is "unhealthy" (a critical check
 * failed): the HTTP answer is then 503, else 200. A check that cannot run
 * (database error) is a failed check, not an error; errors are only
 * ERR_NOMEM/ERR_TOOBIG while building the text. */
int health_check(const struct health_input *in, struct buf *out,
		 int *is_healthy, struct err *e);

#endif
