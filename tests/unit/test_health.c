/*
 * test_health.c - /health/jobs names exactly the check that failed, and
 * is "unhealthy" only for what stops the work (a stalled loop, no leader,
 * no database) and "degraded" for what needs a look (a long-running job,
 * a long queue, a standby daemon, lack of space, an overdue recurring job).
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
#include "testdb.h"

#define NOW INT64_C(1795898717000) /* 2026-11-28T20:45:17Z */
#define MONO INT64_C(500000)

struct fixture {
	struct testdb *t;
	sqlite3 *db; /* t->db */
	struct config cfg;
	struct daemon_status status;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.t = testdb_open(0);
	f.db = f.t->db;
	config_defaults(&f.cfg);
	f.status.heartbeat_mono = MONO;
	f.status.is_leader = 1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testdb_close(f->t);
	return 0;
}

enum { HEALTHY, DEGRADED, UNHEALTHY };

/* Runs the checks; returns the verdict and whether check `name` is ok. */
static int run_checks(struct fixture *f, const char *name, int *check_ok)
{
	static const char *const names[] = {"healthy", "degraded", "unhealthy"};
	struct health_input in = {.db = f->db, .cfg = &f->cfg, .status = &f->status,
				  .now = NOW, .now_mono = MONO + 10};
	struct buf out;
	struct err e = {0};
	cJSON *root, *item;
	int healthy = -1, verdict = -1;

	buf_init(&out, 1 << 16);
	assert_int_equal(health_check(&in, &out, &healthy, &e), 0);
	root = cJSON_Parse(buf_str(&out));
	assert_non_null(root);
	for (int i = 0; i < 3; i++)
		if (!strcmp(cJSON_GetObjectItem(root, "status")->valuestring, names[i]))
			verdict = i;
	assert_int_equal(healthy, verdict != UNHEALTHY); /* 503 only when unhealthy */
	*check_ok = -1;
	cJSON_ArrayForEach(item, cJSON_GetObjectItem(root, "checks"))
		if (!strcmp(cJSON_GetObjectItem(item, "name")->valuestring, name))
			*check_ok = cJSON_IsTrue(cJSON_GetObjectItem(item, "ok"));
	cJSON_Delete(root);
	buf_free(&out);
	return verdict;
}

static void test_health_fresh_daemon_is_healthy(void **state)
{
	int ok;

	assert_int_equal(run_checks(*state, "database_writable", &ok), HEALTHY);
	assert_int_equal(ok, 1);
}

static void test_health_job_stuck_past_limit_is_degraded(void **state)
{
	struct fixture *f = *state;
	int ok;

	/* 9 minutes: fine; 11 minutes (limit 10): stuck. */
	testdb_exec(f->db, "INSERT INTO jobs (type, state, started_at) VALUES "
		    "('noop', 'processing', '2026-11-28T20:36:17.000Z')");
	assert_int_equal(run_checks(f, "no_stuck_jobs", &ok), HEALTHY);
	assert_int_equal(ok, 1);
	testdb_exec(f->db, "INSERT INTO jobs (type, state, started_at) VALUES "
		    "('noop', 'processing', '2026-11-28T20:34:17.000Z')");
	assert_int_equal(run_checks(f, "no_stuck_jobs", &ok), DEGRADED);
	assert_int_equal(ok, 0);
}

static void test_health_queue_at_threshold_is_degraded(void **state)
{
	struct fixture *f = *state;
	int ok;

	f->cfg.alerts.queue_length_threshold = 3;
	testdb_exec(f->db, "INSERT INTO jobs (type) VALUES ('noop'), ('noop')");
	assert_int_equal(run_checks(f, "queue_length", &ok), HEALTHY);
	testdb_exec(f->db, "INSERT INTO jobs (type) VALUES ('noop')");
	assert_int_equal(run_checks(f, "queue_length", &ok), DEGRADED);
	assert_int_equal(ok, 0);
}

static void test_health_job_failed_for_lack_of_space(void **state)
{
	/* A full quota needs a look; a full disk or database stops the work. */
	static const struct {
		const char *error;
		int verdict;
	} errors[] = {
	    {"storage quota of 10 bytes is full while writing \"x\"", DEGRADED},
	    {"cannot write \"x\": No space left on device", UNHEALTHY},
	    {"draft_reminder: disk or database full (database or disk is full)", UNHEALTHY},
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
	assert_int_equal(run_checks(f, "space", &ok), HEALTHY);
	assert_int_equal(ok, 1);
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		char sql[256];

		testdb_exec(f->db, "DELETE FROM jobs WHERE state = 'dead'");
		snprintf(sql, sizeof(sql), "UPDATE jobs SET last_error = '%s'", errors[i].error);
		testdb_exec(f->db, sql);
		assert_int_equal(run_checks(f, "space", &ok), errors[i].verdict);
		assert_int_equal(ok, 0);
	}
}

/* The daemon's own report that writes fail (issue 14): unhealthy while
 * it lasts. */
static void test_health_database_full_is_unhealthy(void **state)
{
	struct fixture *f = *state;
	int ok;

	assert_int_equal(run_checks(f, "database_full", &ok), HEALTHY);
	assert_int_equal(ok, 1);
	f->status.is_database_full = 1;
	f->status.database_full_since = NOW - 5000;
	snprintf(f->status.database_full_error, sizeof(f->status.database_full_error),
		 "claiming a job: disk or database full");
	assert_int_equal(run_checks(f, "database_full", &ok), UNHEALTHY);
	assert_int_equal(ok, 0);
}

static void test_health_loop_stall_is_unhealthy_for_a_minute(void **state)
{
	struct fixture *f = *state;
	int ok;

	/* A step of 9 s is within the limit (10 s); one of 11 s is a stall,
	 * reported until HEALTH_STALL_SHOWN_MS after it ended. */
	f->status.stall_ms = 9000;
	f->status.stall_ended_mono = MONO;
	assert_int_equal(run_checks(f, "loop_heartbeat", &ok), HEALTHY);
	f->status.stall_ms = 11000;
	assert_int_equal(run_checks(f, "loop_heartbeat", &ok), UNHEALTHY);
	assert_int_equal(ok, 0);
	f->status.stall_ended_mono = MONO + 10 - HEALTH_STALL_SHOWN_MS - 1;
	assert_int_equal(run_checks(f, "loop_heartbeat", &ok), HEALTHY);
	/* Answered from a wait that should have ended 11 s ago. */
	f->status.wait_deadline_mono = MONO + 10 - 11000;
	assert_int_equal(run_checks(f, "loop_heartbeat", &ok), UNHEALTHY);
	f->status.wait_deadline_mono = MONO + 5000; /* woken early by a socket */
	assert_int_equal(run_checks(f, "loop_heartbeat", &ok), HEALTHY);
}

static void test_health_standby_is_degraded_no_leader_unhealthy(void **state)
{
	struct fixture *f = *state;
	int ok;

	f->status.is_leader = 0;
	assert_int_equal(run_checks(f, "leader_lease", &ok), UNHEALTHY);
	assert_int_equal(ok, 0);
	/* Another host's daemon leads: this one is a spare. */
	testdb_exec(f->db, "INSERT INTO leader_lease (id, owner, pid, host, acquired_at,"
		    " heartbeat_at) VALUES (1, 'otherhost:42:abc', 42, 'otherhost',"
		    " '2026-11-28T20:00:00.000Z', '2026-11-28T20:45:00.000Z')");
	assert_int_equal(run_checks(f, "leader_lease", &ok), DEGRADED);
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
	assert_int_equal(run_checks(f, "recurring:Hourly", &ok), HEALTHY);
	assert_int_equal(ok, 1);
	testdb_exec(f->db, "UPDATE recurring_jobs SET next_fire_at = '2026-11-28T19:00:00.000Z'");
	assert_int_equal(run_checks(f, "recurring:Hourly", &ok), DEGRADED);
	assert_int_equal(ok, 0);
	/* A paused schedule is never overdue. */
	testdb_exec(f->db, "UPDATE recurring_jobs SET paused = 1");
	assert_int_equal(run_checks(f, "recurring:Hourly", &ok), HEALTHY);
	assert_int_equal(ok, -1);
}

static void test_health_unplannable_recurring_is_a_failed_check(void **state)
{
	struct fixture *f = *state;
	int ok;

	testdb_exec(f->db, "INSERT INTO recurring_jobs (name, type, cron, time_zone,"
		    " next_fire_at, updated_at) VALUES ('Broken', 'noop', 'not cron', 'UTC',"
		    " '2026-11-28T20:00:00.000Z', '2026-11-28T19:00:00.000Z')");
	assert_int_equal(run_checks(f, "recurring:Broken", &ok), DEGRADED);
	assert_int_equal(ok, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_health_fresh_daemon_is_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_job_stuck_past_limit_is_degraded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_job_failed_for_lack_of_space,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_queue_at_threshold_is_degraded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_loop_stall_is_unhealthy_for_a_minute,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_standby_is_degraded_no_leader_unhealthy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_health_without_daemon_status_fails_both_daemon_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_database_full_is_unhealthy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_health_recurring_overdue_beyond_one_period,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_unplannable_recurring_is_a_failed_check,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
