/*
 * metrics.h - counts of job runs, kept in the database by hour so that
 * the dashboard's charts and the Prometheus counters survive a restart,
 * and the in-process duration histograms behind GET /metrics.
 *
 * Prometheus names are the seed's: job_execution_duration_seconds
 * (histogram per job, since this process started), job_execution_total
 * {job,result} and job_failures_total{job} (from metrics_totals, so they
 * survive a restart and never go down: pruning old hours of
 * metrics_hourly leaves them alone), job_queue_length{state}, and the process
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
/* The label of a type no handler knows. */
#define METRICS_UNKNOWN_JOB "unknown"
struct job_type;

int metrics_new(struct metrics **out, struct err *e);
void metrics_free(struct metrics *m);
/* Adds one run's duration to job's histogram (in memory). Job types past
 * METRICS_MAX_JOBS are not observed. */
void metrics_observe(struct metrics *m, const char *job, int64_t duration_ms);

/* job, or METRICS_UNKNOWN_JOB when types (NULL-terminated) lacks it. */
const char *metrics_job_label(const struct job_type *const *types,
			      const char *job);
/* Appends the Prometheus text exposition (format 0.0.4) to out. m may be
 * NULL (no histograms); types is the table of known job types (NULL: every
 * recorded name is its own label); started_at is the process start, wall
 * ms. */
int metrics_render(sqlite3 *db, const struct metrics *m,
		   const struct job_type *const *types, int64_t started_at,
		   struct buf *out, struct err *e);

#endif
