/*
 * test_metrics.c - the Prometheus text: histogram buckets cumulative and
 * ending at +Inf, counters that never go down (pruning the hourly table
 * leaves them alone), unknown job types under one label, queue gauges by
 * state, process metrics, label values escaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "core/job.h"
#include "core/metrics.h"
#include "core/scheduler.h"
#include "testdb.h"

#define NOW INT64_C(1795898717000)

static char *render(sqlite3 *db, const struct metrics *m)
{
	struct buf out;
	struct err e = {0};

	buf_init(&out, 1 << 20);
	assert_int_equal(metrics_render(db, m, NULL, NOW, &out, &e), 0);
	return buf_steal(&out);
}

static void assert_line(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing line '%s' in:\n%s", line, text);
}

static void test_metrics_histogram_buckets_are_cumulative(void **state)
{
	struct testdb *t = testdb_open(0);
	sqlite3 *db = t->db;
	struct metrics *m = NULL;
	struct err e = {0};
	char *text;

	(void)state;
	assert_int_equal(metrics_new(&m, &e), 0);
	metrics_observe(m, "noop", 50);      /* 0.05 s */
	metrics_observe(m, "noop", 700);     /* 0.7 s */
	metrics_observe(m, "noop", 7200000); /* 2 h: only +Inf */
	text = render(db, m);
	assert_line(text, "# TYPE job_execution_duration_seconds histogram\n");
	assert_line(text, "job_execution_duration_seconds_bucket{job=\"noop\",le=\"0.1\"} 1\n");
	assert_line(text, "job_execution_duration_seconds_bucket{job=\"noop\",le=\"0.5\"} 1\n");
	assert_line(text, "job_execution_duration_seconds_bucket{job=\"noop\",le=\"1\"} 2\n");
	assert_line(text, "job_execution_duration_seconds_bucket{job=\"noop\",le=\"3600\"} 2\n");
	assert_line(text, "job_execution_duration_seconds_bucket{job=\"noop\",le=\"+Inf\"} 3\n");
	assert_line(text, "job_execution_duration_seconds_count{job=\"noop\"} 3\n");
	assert_line(text, "job_execution_duration_seconds_sum{job=\"noop\"} 7200.750\n");
	free(text);
	metrics_free(m);
	testdb_close(t);
}

/* The counters are derived: attempts still in job_attempts (a cancelled
 * one counts as failed, a lost one not at all) plus the archive of pruned
 * ones. Nothing is written per job for them. */
static void test_metrics_counters_come_from_attempts_and_archive(void **state)
{
	struct testdb *t = testdb_open(0);
	sqlite3 *db = t->db;
	char *text;

	(void)state;
	testdb_exec(db, "INSERT INTO metrics_archive (hour, job, succeeded, failed, duration_ms) "
		    "VALUES ('2026-11-20T10', 'draft_cleanup', 1, 0, 100)");
	testdb_exec(db, "INSERT INTO jobs (id, type, state) VALUES (7, 'draft_cleanup', 'succeeded')");
	testdb_exec(db, "INSERT INTO job_attempts (job_id, attempt, started_at, finished_at, "
		    "outcome, duration_ms) VALUES "
		    "(7, 1, '2026-11-21T10:00:00.000Z', '2026-11-21T10:00:00.100Z', 'failed', 100), "
		    "(7, 2, '2026-11-21T11:00:00.000Z', '2026-11-21T11:00:00.100Z', 'succeeded', 100), "
		    "(7, 3, '2026-11-21T12:00:00.000Z', '2026-11-21T12:00:00.100Z', 'lost', 100), "
		    "(7, 4, '2026-11-21T13:00:00.000Z', '2026-11-21T13:00:00.100Z', 'cancelled', 100)");
	testdb_exec(db, "INSERT INTO jobs (type, state) VALUES ('noop', 'dead'), "
		    "('noop', 'enqueued'), ('noop', 'enqueued')");
	text = render(db, NULL);
	assert_line(text, "job_execution_total{job=\"draft_cleanup\",result=\"succeeded\"} 2\n");
	assert_line(text, "job_execution_total{job=\"draft_cleanup\",result=\"failed\"} 2\n");
	assert_line(text, "job_failures_total{job=\"draft_cleanup\"} 2\n");
	assert_line(text, "job_queue_length{state=\"enqueued\"} 2\n");
	assert_line(text, "job_queue_length{state=\"dead\"} 1\n");
	assert_line(text, "process_start_time_seconds 1795898717.000\n");
	assert_line(text, "# TYPE process_open_fds gauge\n");
	assert_line(text, "# TYPE process_resident_memory_bytes gauge\n");
	free(text);
	testdb_close(t);
}

static void test_metrics_counters_survive_pruning_of_old_hours(void **state)
{
	struct testdb *t = testdb_open(0);
	sqlite3 *db = t->db;
	struct err e = {0};
	int deleted = 0;
	char *before, *after;

	(void)state;
	/* An archive hour 100 days old and a recent one; history is kept 90
	 * days. */
	testdb_exec(db, "INSERT INTO metrics_archive (hour, job, succeeded, failed, duration_ms) "
		    "VALUES ('2026-08-01T10', 'noop', 1, 1, 10), ('2026-11-27T10', 'noop', 1, 0, 5)");
	before = render(db, NULL);
	assert_line(before, "job_execution_total{job=\"noop\",result=\"succeeded\"} 2\n");
	assert_int_equal(scheduler_prune_history(db, NOW, 90, 1000, &deleted, &e), 0);
	assert_int_equal(deleted, 1); /* the old hour's row */
	after = render(db, NULL);
	assert_line(after, "job_execution_total{job=\"noop\",result=\"succeeded\"} 2\n");
	assert_line(after, "job_execution_total{job=\"noop\",result=\"failed\"} 1\n");
	assert_line(after, "job_failures_total{job=\"noop\"} 1\n");
	free(before);
	free(after);
	testdb_close(t);
}

static void test_metrics_unknown_job_types_share_one_label(void **state)
{
	static const struct job_type noop = {.name = "noop"};
	static const struct job_type *const types[] = {&noop, NULL};
	struct testdb *t = testdb_open(0);
	sqlite3 *db = t->db;
	struct buf out;
	struct err e = {0};

	(void)state;
	testdb_exec(db, "INSERT INTO metrics_archive (hour, job, succeeded, failed, duration_ms) "
		    "VALUES ('2026-11-27T10', 'noop', 1, 0, 5), ('2026-11-27T10', 'made_up_1', 0, 1, 5), "
		    "('2026-11-27T10', 'made_up_2', 0, 1, 5)");
	buf_init(&out, 1 << 20);
	assert_int_equal(metrics_render(db, NULL, types, NOW, &out, &e), 0);
	assert_line(buf_str(&out), "job_failures_total{job=\"unknown\"} 2\n");
	assert_line(buf_str(&out), "job_execution_total{job=\"noop\",result=\"succeeded\"} 1\n");
	assert_null(strstr(buf_str(&out), "made_up"));
	assert_string_equal(metrics_job_label(types, "made_up_1"), "unknown");
	assert_string_equal(metrics_job_label(types, "noop"), "noop");
	buf_free(&out);
	testdb_close(t);
}

static void test_metrics_label_values_are_escaped(void **state)
{
	struct testdb *t = testdb_open(0);
	sqlite3 *db = t->db;
	char *text;

	(void)state;
	testdb_exec(db, "INSERT INTO metrics_archive (hour, job, failed) "
		    "VALUES ('2026-11-20T10', 'odd\"job\\' || char(10), 1)");
	text = render(db, NULL);
	assert_line(text, "job_failures_total{job=\"odd\\\"job\\\\\\n\"} 1\n");
	free(text);
	testdb_close(t);
}

static void test_metrics_too_many_job_types_are_not_observed(void **state)
{
	struct metrics *m = NULL;
	struct err e = {0};
	char name[32];
	int i;

	(void)state;
	assert_int_equal(metrics_new(&m, &e), 0);
	for (i = 0; i < METRICS_MAX_JOBS + 5; i++) {
		snprintf(name, sizeof(name), "job%d", i);
		metrics_observe(m, name, 1);
	}
	metrics_free(m);
	metrics_free(NULL);
}

static void test_metrics_render_reports_cap(void **state)
{
	struct testdb *t = testdb_open(0);
	sqlite3 *db = t->db;
	struct buf out;
	struct err e = {0};

	(void)state;
	buf_init(&out, 64);
	assert_int_equal(metrics_render(db, NULL, NULL, NOW, &out, &e), ERR_TOOBIG);
	buf_free(&out);
	testdb_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_histogram_buckets_are_cumulative),
		cmocka_unit_test(test_metrics_counters_come_from_attempts_and_archive),
		cmocka_unit_test(test_metrics_counters_survive_pruning_of_old_hours),
		cmocka_unit_test(test_metrics_unknown_job_types_share_one_label),
		cmocka_unit_test(test_metrics_label_values_are_escaped),
		cmocka_unit_test(test_metrics_too_many_job_types_are_not_observed),
		cmocka_unit_test(test_metrics_render_reports_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
