/*
 * metrics.h - counts of job runs, kept in the database by hour so that
 * the dashboard's charts and the Prometheus counters survive a restart,
 * and the in-process duration histograms behind GET /metrics.
 *
 * Prometheus names are the seed's: job_execution_duration_seconds
 * (histogram per job, since this process started), job_execution_total
 * {job,result} and job_failures_total{job} (from metrics_hourly, so they
 * survive a restart; pruning old hours lowers them, which Prometheus
 * reads as a counter reset), job_queue_length{state}, and the process
 * metrics process_resident_memory_bytes, process_open_fds,
 * process_start_time_seconds.
 */
#ifndef DOMECEK_METRICS_H
#define DOMECEK_METRICS_H

#include <sqlite3.h>
#include <stdint.h>

struct buf;
struct err;
struct metrics;

#define METRICS_MAX_JOBS 64 /* histograms kept; more job types share none */

int metrics_new(struct metrics **out, struct err *e);
void metrics_free(struct metrics *m);
/* Adds one run's duration to job's histogram (in memory). Job types past
 * METRICS_MAX_JOBS are not observed. */
void metrics_observe(struct metrics *m, const char *job, int64_t duration_ms);

/* Appends the Prometheus text exposition (format 0.0.4) to out. m may be
 * NULL (no histograms); started_at is the process start, wall ms. */
int metrics_render(sqlite3 *db, const struct metrics *m, int64_t started_at,
		   struct buf *out, struct err *e);

#endif
