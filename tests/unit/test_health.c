/*
 * test_health.c - /health/jobs turns unhealthy for exactly the check
 * that failed: a stuck job, a long queue, a stale loop, no lease, an
 * overdue recurring job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "core/status.h"
#include "base/err.h"
#include "http/health.h"
#include "support_testdb.h"

#define NOW INT64_C(1795898717000) /* 2026-11-28T20:45:17Z */
#define MONO INT64_C(500000)

struct fixture {
	sqlite3 *db;
	struct config cfg;
	struct daemon_status status;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.db = testdb_open();
	config_defaults(&f.cfg);
	f.status.heartbeat_mono = MONO;
	f.status.is_leader = 1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testdb_close(f->db);
	return 0;
}

/* Runs the checks; returns whether healthy and whether check `name` is ok. */
static int run_checks(struct fixture *f, const char *name, int *check_ok)
{
	struct health_input in = {.db = f->db, .cfg = &f->cfg, .status = &f->status,
				  .now = NOW, .now_mono = MONO + 10};
	struct buf out;
	struct err e = {0};
	cJSON *root, *item;
	int healthy = -1;

	buf_init(&out, 1 << 16);
	assert_int_equal(health_check(&in, &out, &healthy, &e), 0);
	root = cJSON_Parse(buf_str(&out));
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "status")->valuestring,
			    healthy ? "healthy" : "unhealthy");
	*check_ok = -1;
	cJSON_ArrayForEach(item, cJSON_GetObjectItem(root, "checks"))
		if (!strcmp(cJSON_GetObjectItem(item, "name")->valuestring, name))
			*check_ok = cJSON_IsTrue(cJSON_GetObjectItem(item, "ok"));
	cJSON_Delete(root);
	buf_free(&out);
	return healthy;
}

static void test_health_fresh_daemon_is_healthy(void **state)
{
	int ok;

	assert_true(run_checks(*state, "database_writable", &ok));
	assert_int_equal(ok, 1);
}

static void test_health_job_stuck_past_limit_is_unhealthy(void **state)
{
	struct fixture *f = *state;
	int ok;

	/* 9 minutes: fine; 11 minutes (limit 10): stuck. */
	testdb_exec(f->db, "INSERT INTO jobs (type, state, started_at) VALUES "
		    "('noop', 'processing', '2026-11-28T20:36:17.000Z')");
	assert_true(run_checks(f, "no_stuck_jobs", &ok));
	assert_int_equal(ok, 1);
	testdb_exec(f->db, "INSERT INTO jobs (type, state, started_at) VALUES "
		    "('noop', 'processing', '2026-11-28T20:34:17.000Z')");
	assert_false(run_checks(f, "no_stuck_jobs", &ok));
	assert_int_equal(ok, 0);
}

static void test_health_queue_at_threshold_is_unhealthy(void **state)
{
	struct fixture *f = *state;
	int ok;

	f->cfg.alerts.queue_length_threshold = 3;
	testdb_exec(f->db, "INSERT INTO jobs (type) VALUES ('noop'), ('noop')");
	assert_true(run_checks(f, "queue_length", &ok));
	testdb_exec(f->db, "INSERT INTO jobs (type) VALUES ('noop')");
	assert_false(run_checks(f, "queue_length", &ok));
	assert_int_equal(ok, 0);
}

static void test_health_job_failed_for_lack_of_space_is_unhealthy(void **state)
{
	static const char *const errors[] = {
	    "storage quota of 10 bytes is full while writing \"x\"",
	    "cannot write \"x\": No space left on device",
	    "draft_reminder: disk or database full (database or disk is full)",
	};
	struct fixture *f = *state;
	int ok;

	/* Other failures and old deaths do not count; a retry pending after a
	 * full quota, disk or database does. */
	testdb_exec(f->db, "INSERT INTO jobs (type, state, last_error) VALUES "
		    "('noop', 'failed', 'connection refused')");
	testdb_exec(f->db, "INSERT INTO jobs (type, state, last_error, finished_at) VALUES "
		    "('noop', 'dead', 'storage quota of 10 bytes is full', "
		    "'2026-11-26T20:45:17.000Z')");
	assert_true(run_checks(f, "space", &ok));
	assert_int_equal(ok, 1);
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		char sql[256];

		testdb_exec(f->db, "DELETE FROM jobs WHERE state = 'dead'");
		snprintf(sql, sizeof(sql), "UPDATE jobs SET last_error = '%s'", errors[i]);
		testdb_exec(f->db, sql);
		assert_false(run_checks(f, "space", &ok));
		assert_int_equal(ok, 0);
	}
}

static void test_health_stale_heartbeat_or_standby_is_unhealthy(void **state)
{
	struct fixture *f = *state;
	int ok;

	f->status.heartbeat_mono = MONO - HEALTH_HEARTBEAT_MS;
	assert_false(run_checks(f, "loop_heartbeat", &ok));
	assert_int_equal(ok, 0);
	f->status.heartbeat_mono = MONO;
	f->status.is_leader = 0;
	assert_false(run_checks(f, "leader_lease", &ok));
	assert_int_equal(ok, 0);
}

static void test_health_without_daemon_status_fails_both_daemon_checks(void **state)
{
	struct fixture *f = *state;
	struct health_input in = {.db = f->db, .cfg = &f->cfg, .now = NOW, .now_mono = MONO};
	struct buf out;
	struct err e = {0};
	int healthy = 1;

	buf_init(&out, 1 << 16);
	assert_int_equal(health_check(&in, &out, &healthy, &e), 0);
	assert_false(healthy);
	assert_non_null(strstr(buf_str(&out), "no daemon loop"));
	buf_free(&out);
}

static void test_health_recurring_overdue_beyond_one_period(void **state)
{
	struct fixture *f = *state;
	int ok;

	/* Hourly job planned 20:00: on time until 21:00 (one period late). */
	testdb_exec(f->db, "INSERT INTO recurring_jobs (name, type, cron, time_zone,"
		    " next_fire_at, updated_at) VALUES ('Hourly', 'noop', '0 * * * *', 'UTC',"
		    " '2026-11-28T20:00:00.000Z', '2026-11-28T19:00:00.000Z')");
	assert_true(run_checks(f, "recurring:Hourly", &ok));
	assert_int_equal(ok, 1);
	testdb_exec(f->db, "UPDATE recurring_jobs SET next_fire_at = '2026-11-28T19:00:00.000Z'");
	assert_false(run_checks(f, "recurring:Hourly", &ok));
	assert_int_equal(ok, 0);
	/* A paused schedule is never overdue. */
	testdb_exec(f->db, "UPDATE recurring_jobs SET paused = 1");
	assert_true(run_checks(f, "recurring:Hourly", &ok));
	assert_int_equal(ok, -1);
}

static void test_health_unplannable_recurring_is_a_failed_check(void **state)
{
	struct fixture *f = *state;
	int ok;

	testdb_exec(f->db, "INSERT INTO recurring_jobs (name, type, cron, time_zone,"
		    " next_fire_at, updated_at) VALUES ('Broken', 'noop', 'not cron', 'UTC',"
		    " '2026-11-28T20:00:00.000Z', '2026-11-28T19:00:00.000Z')");
	assert_false(run_checks(f, "recurring:Broken", &ok));
	assert_int_equal(ok, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_health_fresh_daemon_is_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_job_stuck_past_limit_is_unhealthy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_job_failed_for_lack_of_space_is_unhealthy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_queue_at_threshold_is_unhealthy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_stale_heartbeat_or_standby_is_unhealthy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_health_without_daemon_status_fails_both_daemon_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_recurring_overdue_beyond_one_period,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_unplannable_recurring_is_a_failed_check,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
