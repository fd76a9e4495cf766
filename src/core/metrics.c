/*
 * metrics.c - counts of job runs by hour, in the database, and their
 * Prometheus rendering.
 *
 * The counts are derived, never written per job: metrics_hourly is a
 * view (schema/005_engine.sql) over the attempts in job_attempts and the
 * archive of pruned jobs' attempts, which is pruned with the schedule
 * history. The Prometheus counters must never go down, so an archive hour
 * that is pruned is first added to metrics_totals (schema/007_http.sql),
 * and a counter is metrics_totals plus metrics_hourly: every attempt is
 * counted once, wherever it is. A job type that no handler knows is
 * rendered as "unknown", so a row inserted by hand cannot add labels
 * without end.
 * Durations go into in-memory histograms: persisting every bucket would
 * cost a write per bucket per run for a figure Prometheus only needs as
 * a rate, and Prometheus handles the reset a restart causes.
 */
#include "core/metrics.h"
#include "base/buf.h"
#include "base/clock.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "core/queue.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const double bucket_bounds[] = {0.1, 0.5, 1,   5,    10,	 30,
				       60,  300, 600, 1800, 3600};
#define BUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

struct histogram {
	char job[65];
	uint64_t buckets[BUCKETS]; /* non-cumulative; summed when rendered */
	uint64_t count;
	double sum_seconds;
};

struct metrics {
	struct histogram jobs[METRICS_MAX_JOBS];
	int used;
};

int metrics_new(struct metrics **out, struct err *e)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : err_set(e, ERR_NOMEM, "out of memory for metrics");
}

void metrics_free(struct metrics *m)
{
	free(m);
}

void metrics_observe(struct metrics *m, const char *job, int64_t duration_ms)
{
	struct histogram *h = NULL;
	double seconds = (double)duration_ms / 1000.0;
	size_t b;
	int i;

	for (i = 0; i < m->used && !h; i++)
		if (!strcmp(m->jobs[i].job, job))
			h = &m->jobs[i];
	if (!h) {
		if (m->used == METRICS_MAX_JOBS ||
		    strlen(job) >= sizeof(h->job))
			return;
		h = &m->jobs[m->used++];
		snprintf(h->job, sizeof(h->job), "%s", job);
	}
	for (b = 0; b < BUCKETS && seconds > bucket_bounds[b]; b++)
		;
	if (b < BUCKETS)
		h->buckets[b]++;
	h->count++;
	h->sum_seconds += seconds;
}

/* Label values: backslash, double quote and newline are escaped. */
static int put_label(struct buf *out, const char *value)
{
	int rc = 0;

	for (; *value && !rc; value++) {
		if (*value == '\\' || *value == '"')
			rc = buf_putc(out, '\\') || buf_putc(out, *value)
				 ? ERR_TOOBIG
				 : 0;
		else if (*value == '\n')
			rc = buf_puts(out, "\\n");
		else
			rc = buf_putc(out, *value);
	}
	return rc;
}

static int render_histograms(const struct metrics *m, struct buf *out)
{
	int rc = buf_puts(
	    out, "# HELP job_execution_duration_seconds Duration of job "
		 "attempts since the daemon started.\n"
		 "# TYPE job_execution_duration_seconds histogram\n");
	int i;

	for (i = 0; m && i < m->used && !rc; i++) {
		const struct histogram *h = &m->jobs[i];
		uint64_t cumulative = 0;
		size_t b;
		for (b = 0; b < BUCKETS && !rc; b++) {
			cumulative += h->buckets[b];
			rc = buf_puts(out, "job_execution_duration_seconds_"
					   "bucket{job=\"") ||
			     put_label(out, h->job) ||
			     buf_printf(out, "\",le=\"%g\"} %llu\n",
					bucket_bounds[b],
					(unsigned long long)cumulative);
		}
		rc =
		    rc ||
		    buf_puts(out,
			     "job_execution_duration_seconds_bucket{job=\"") ||
		    put_label(out, h->job) ||
		    buf_printf(out, "\",le=\"+Inf\"} %llu\n",
			       (unsigned long long)h->count) ||
		    buf_puts(out,
			     "job_execution_duration_seconds_sum{job=\"") ||
		    put_label(out, h->job) ||
		    buf_printf(out, "\"} %.3f\n", h->sum_seconds) ||
		    buf_puts(out,
			     "job_execution_duration_seconds_count{job=\"") ||
		    put_label(out, h->job) ||
		    buf_printf(out, "\"} %llu\n", (unsigned long long)h->count);
	}
	return rc ? ERR_TOOBIG : 0;
}

static int put_counters(struct buf *out, struct buf *failures, const char *job,
			long long ok, long long bad)
{
	return buf_puts(out, "job_execution_total{job=\"") ||
	       put_label(out, job) ||
	       buf_printf(out, "\",result=\"succeeded\"} %lld\n", ok) ||
	       buf_puts(out, "job_execution_total{job=\"") ||
	       put_label(out, job) ||
	       buf_printf(out, "\",result=\"failed\"} %lld\n", bad) ||
	       buf_puts(failures, "job_failures_total{job=\"") ||
	       put_label(failures, job) ||
	       buf_printf(failures, "\"} %lld\n", bad);
}

static int render_counters(sqlite3 *db, const struct job_type *const *types,
			   struct buf *out, struct err *e)
{
	// clang-format off
	static const char sql[] =
	    "SELECT job, sum(succeeded), sum(failed) FROM (\n"
	    "    SELECT job, succeeded, failed FROM metrics_totals\n"
	    "    UNION ALL\n"
	    "    SELECT job, succeeded, failed FROM metrics_hourly)\n"
	    "GROUP BY job ORDER BY job";
	// clang-format on
	sqlite3_stmt *stmt;
	struct buf failures;
	long long unknown_ok = 0, unknown_bad = 0;
	int rc, step, has_unknown = 0;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	buf_init(&failures, 1 << 20);
	rc = buf_puts(
		 out,
		 "# HELP job_execution_total Finished job attempts by result.\n"
		 "# TYPE job_execution_total counter\n") ||
	     buf_puts(&failures,
		      "# HELP job_failures_total Failed job attempts.\n"
		      "# TYPE job_failures_total counter\n");
	while (!rc && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *job = (const char *)sqlite3_column_text(stmt, 0);
		long long ok = sqlite3_column_int64(stmt, 1),
			  bad = sqlite3_column_int64(stmt, 2);
		if (types && !job_type_find(types, job)) {
			has_unknown = 1;
			unknown_ok += ok;
			unknown_bad += bad;
			continue;
		}
		rc = put_counters(out, &failures, job, ok, bad);
	}
	sqlite3_finalize(stmt);
	if (!rc && has_unknown)
		rc = put_counters(out, &failures, METRICS_UNKNOWN_JOB,
				  unknown_ok, unknown_bad);
	rc = rc || buf_append(out, failures.data, failures.len);
	buf_free(&failures);
	return rc ? err_set(e, ERR_TOOBIG,
			    "metrics text does not fit its buffer")
		  : 0;
}

static int render_queue(sqlite3 *db, struct buf *out, struct err *e)
{
	struct queue_counts c;
	int rc;

	if ((rc = queue_counts(db, &c, e)))
		return rc;
	rc = buf_printf(out,
			"# HELP job_queue_length Jobs in the queue by state.\n"
			"# TYPE job_queue_length gauge\n"
			"job_queue_length{state=\"scheduled\"} %lld\n"
			"job_queue_length{state=\"enqueued\"} %lld\n"
			"job_queue_length{state=\"processing\"} %lld\n"
			"job_queue_length{state=\"failed\"} %lld\n"
			"job_queue_length{state=\"dead\"} %lld\n",
			(long long)c.scheduled, (long long)c.enqueued,
			(long long)c.processing, (long long)c.failed,
			(long long)c.dead);
	return rc ? err_set(e, ERR_TOOBIG,
			    "metrics text does not fit its buffer")
		  : 0;
}

static long long resident_bytes(void)
{
	long long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lld %lld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * sysconf(_SC_PAGESIZE);
}

static int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *entry;
	int n = 0;

	if (!dir)
		return 0;
	while ((entry = readdir(dir)))
		if (entry->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1; /* the directory's own fd */
}

static int render_process(int64_t started_at, struct buf *out)
{
	return buf_printf(
		   out,
		   "# HELP process_resident_memory_bytes Resident memory size "
		   "in bytes.\n"
		   "# TYPE process_resident_memory_bytes gauge\n"
		   "process_resident_memory_bytes %lld\n"
		   "# HELP process_open_fds Number of open file descriptors.\n"
		   "# TYPE process_open_fds gauge\n"
		   "process_open_fds %d\n"
		   "# HELP process_start_time_seconds Start time of the "
		   "process since "
		   "unix epoch in seconds.\n"
		   "# TYPE process_start_time_seconds gauge\n"
		   "process_start_time_seconds %.3f\n",
		   resident_bytes(), open_fds(), (double)started_at / 1000.0)
		   ? ERR_TOOBIG
		   : 0;
}

const char *metrics_job_label(const struct job_type *const *types,
			      const char *job)
{
	return job_type_find(types, job) ? job : METRICS_UNKNOWN_JOB;
}

int metrics_render(sqlite3 *db, const struct metrics *m,
		   const struct job_type *const *types, int64_t started_at,
		   struct buf *out, struct err *e)
{
	int rc;

	if ((rc = render_histograms(m, out)) ||
	    (rc = render_process(started_at, out)))
		return err_set(e, rc, "metrics text does not fit its buffer");
	if ((rc = render_counters(db, types, out, e)) ||
	    (rc = render_queue(db, out, e)))
		return rc;
	return 0;
}
