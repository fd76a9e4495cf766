/*
 * test_alerts.c - alerts fire once per streak / crossing / run, are
 * resolved by the event that ends them, and always land in the alerts
 * table, also when the email cannot be enqueued.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "app/alerts.h"
#include "base/buf.h"
#include "config/config.h"
#include "base/err.h"
#include "core/job.h"
#include "jobs/registry.h"
#include "core/queue.h"
#include "testdb.h"

#define NOW INT64_C(1795898717000) /* 2026-11-28T20:45:17Z */

struct fixture {
	struct testdb *t;
	sqlite3 *db;	    /* t->db */
	struct config *cfg; /* &t->cfg, which the queue reads */
	struct queue *queue; /* t->q */
	struct alerts *alerts;
	int posts;
	char last_body[512];
	int post_result;
};

static int fake_post(const char *url, const char *body, void *arg, struct err *e)
{
	struct fixture *f = arg;

	assert_string_equal(url, "http://127.0.0.1:9/hook");
	f->posts++;
	snprintf(f->last_body, sizeof(f->last_body), "%s", body);
	return f->post_result ? err_set(e, f->post_result, "refused") : 0;
}

static int setup(void **state)
{
	static struct fixture f;
	struct err e = {0};

	memset(&f, 0, sizeof(f));
	f.t = testdb_open(0);
	f.db = f.t->db;
	f.cfg = &f.t->cfg;
	snprintf(f.cfg->alerts.slack_webhook_url, sizeof(f.cfg->alerts.slack_webhook_url),
		 "http://127.0.0.1:9/hook");
	f.cfg->alerts.consecutive_failures = 3;
	f.cfg->alerts.queue_length_threshold = 10;
	assert_int_equal(testdb_queue(f.t, job_registry), 0);
	f.queue = f.t->q;
	assert_int_equal(alerts_new(f.db, f.cfg, f.queue, &f.alerts, &e), 0);
	alerts_set_post(f.alerts, fake_post, &f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	alerts_free(f->alerts);
	testdb_close(f->t);
	return 0;
}

/* One finished attempt of type noop with outcome, at minute i. */
static void attempt(struct fixture *f, const char *outcome, int i)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO jobs (type, state) VALUES ('noop', 'dead');"
		 "INSERT INTO job_attempts (job_id, attempt, started_at, finished_at, outcome)"
		 " VALUES (last_insert_rowid(), 1, '2026-11-28T20:%02d:00.000Z',"
		 " '2026-11-28T20:%02d:30.000Z', '%s')", i, i, outcome);
	testdb_exec(f->db, sql);
}

static void test_alerts_queue_decision_has_hysteresis(void **state)
{
	static const struct {
		int is_open;
		int64_t length;
		enum alerts_decision want;
	} cases[] = {
		{0, 9, ALERTS_KEEP},  {0, 10, ALERTS_RAISE}, {1, 10, ALERTS_KEEP},
		{1, 9, ALERTS_KEEP},  {1, 8, ALERTS_KEEP},   {1, 7, ALERTS_CLEAR},
		{0, 7, ALERTS_KEEP},  {0, 100, ALERTS_RAISE},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(alerts_queue_decision(cases[i].is_open, cases[i].length, 10),
				 cases[i].want);
}

static void test_alerts_failure_streak_ends_at_success(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	int streak = -1;

	attempt(f, "failed", 1);
	attempt(f, "succeeded", 2);
	attempt(f, "failed", 3);
	attempt(f, "failed", 4);
	assert_int_equal(alerts_failure_streak(f->db, "noop", 10, &streak, &e), 0);
	assert_int_equal(streak, 2);
	assert_int_equal(alerts_failure_streak(f->db, "other", 10, &streak, &e), 0);
	assert_int_equal(streak, 0);
}

static void test_alerts_consecutive_failures_alert_once_per_streak(void **state)
{
	struct fixture *f = *state;
	const char *open_sql = "SELECT count(*) FROM alerts WHERE kind = "
			       "'consecutive_failures' AND resolved_at IS NULL";

	attempt(f, "failed", 1);
	attempt(f, "failed", 2);
	alerts_job_finished(f->alerts, "noop", "failed", "boom", NOW);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts"), 0);
	attempt(f, "failed", 3);
	alerts_job_finished(f->alerts, "noop", "dead", "boom", NOW);
	assert_int_equal(testdb_int(f->db, open_sql), 1);
	attempt(f, "failed", 4);
	alerts_job_finished(f->alerts, "noop", "failed", "boom", NOW);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts"), 1);
	/* A success ends the streak; the next streak alerts again. */
	attempt(f, "succeeded", 5);
	alerts_job_finished(f->alerts, "noop", "succeeded", NULL, NOW);
	assert_int_equal(testdb_int(f->db, open_sql), 0);
	attempt(f, "failed", 6);
	attempt(f, "failed", 7);
	attempt(f, "failed", 8);
	alerts_job_finished(f->alerts, "noop", "failed", "boom", NOW);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts"), 2);
}

static void test_alerts_email_enqueued_or_alert_kept_when_it_cannot_be(void **state)
{
	struct fixture *f = *state;
	int64_t emails;

	snprintf(f->cfg->alerts.admin_email, sizeof(f->cfg->alerts.admin_email),
		 "admin@example.com");
	attempt(f, "failed", 1);
	attempt(f, "failed", 2);
	attempt(f, "failed", 3);
	alerts_job_finished(f->alerts, "noop", "failed", "<b>boom</b>", NOW);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts"), 1);
	/* send_email may not be a registered type yet: then no job, no crash. */
	emails = testdb_int(f->db, "SELECT count(*) FROM jobs WHERE type = 'send_email' AND "
		       "json_extract(payload, '$.template') = 'job_failed_alert' AND "
		       "json_extract(payload, '$.to') = 'admin@example.com' AND "
		       "json_extract(payload, '$.data.lastError') = '<b>boom</b>'");
	assert_int_equal(emails, job_type_find(job_registry, "send_email") ? 1 : 0);
}

static void test_alerts_queue_posts_once_per_crossing(void **state)
{
	struct fixture *f = *state;
	int64_t mono = 1000;
	int i;

	for (i = 0; i < 10; i++)
		testdb_exec(f->db, "INSERT INTO jobs (type) VALUES ('noop')");
	alerts_tick(f->alerts, NOW, mono);
	assert_int_equal(f->posts, 1);
	assert_non_null(strstr(f->last_body, "{\"text\":\"domecek-jobs: 10 jobs are waiting"));
	alerts_tick(f->alerts, NOW, mono += ALERTS_CHECK_MS);
	assert_int_equal(f->posts, 1);
	testdb_exec(f->db, "DELETE FROM jobs WHERE id > 8"); /* 8: above 80 % */
	alerts_tick(f->alerts, NOW, mono += ALERTS_CHECK_MS);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts WHERE resolved_at IS NULL"), 1);
	testdb_exec(f->db, "DELETE FROM jobs WHERE id > 7");
	alerts_tick(f->alerts, NOW, mono += ALERTS_CHECK_MS);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts WHERE resolved_at IS NULL"), 0);
	for (i = 0; i < 3; i++)
		testdb_exec(f->db, "INSERT INTO jobs (type) VALUES ('noop')");
	alerts_tick(f->alerts, NOW, mono += ALERTS_CHECK_MS);
	assert_int_equal(f->posts, 2);
}

/* A database that cannot be written: said through the webhook only,
 * nothing written to the (full) database; no URL, no post. */
static void test_alerts_database_full_goes_to_the_webhook_only(void **state)
{
	struct fixture *f = *state;

	alerts_database_full(f->alerts, 1, "disk or database full");
	assert_int_equal(f->posts, 1);
	assert_non_null(strstr(f->last_body, "cannot be written (disk or database full)"));
	alerts_database_full(f->alerts, 0, NULL);
	assert_int_equal(f->posts, 2);
	assert_non_null(strstr(f->last_body, "can be written again"));
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts"), 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs"), 0);
	f->cfg->alerts.slack_webhook_url[0] = '\0';
	alerts_database_full(f->alerts, 1, "disk I/O error");
	assert_int_equal(f->posts, 2);
}

static void test_alerts_webhook_failure_still_records_alert(void **state)
{
	struct fixture *f = *state;
	int i;

	f->post_result = ERR_TEMP;
	for (i = 0; i < 10; i++)
		testdb_exec(f->db, "INSERT INTO jobs (type) VALUES ('noop')");
	alerts_tick(f->alerts, NOW, 1000);
	assert_int_equal(f->posts, 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts WHERE kind = 'queue_length'"), 1);
}

static void test_alerts_long_running_warned_once_per_attempt(void **state)
{
	struct fixture *f = *state;

	testdb_exec(f->db, "INSERT INTO jobs (type, state, attempts, started_at) VALUES "
		    "('noop', 'processing', 1, '2026-11-28T20:00:00.000Z'),"
		    "('noop', 'processing', 1, '2026-11-28T20:44:00.000Z')");
	alerts_tick(f->alerts, NOW, 1000);
	alerts_tick(f->alerts, NOW, 1000 + ALERTS_CHECK_MS);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts WHERE kind = 'long_running'"), 1);
	testdb_exec(f->db, "UPDATE jobs SET attempts = 2 WHERE id = 1");
	alerts_tick(f->alerts, NOW, 1000 + 2 * ALERTS_CHECK_MS);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts WHERE kind = 'long_running'"), 2);
}

static void test_alerts_every_alert_goes_to_every_channel(void **state)
{
	struct fixture *f = *state;
	int has_mail = job_type_find(job_registry, "send_email") != NULL;
	const char *mails = "SELECT count(*) FROM jobs WHERE type = 'send_email'"
			    " AND json_extract(payload, '$.to') = 'admin@example.com'";
	int i;

	snprintf(f->cfg->alerts.admin_email, sizeof(f->cfg->alerts.admin_email),
		 "admin@example.com");
	/* A failure streak: email and webhook. */
	for (i = 1; i <= 3; i++)
		attempt(f, "failed", i);
	alerts_job_finished(f->alerts, "noop", "failed", "boom", NOW);
	assert_int_equal(f->posts, 1);
	assert_non_null(strstr(f->last_body, "noop failed 3 times in a row"));
	assert_int_equal(testdb_int(f->db, mails), has_mail ? 1 : 0);
	/* A long-running job: email and webhook. */
	testdb_exec(f->db, "INSERT INTO jobs (type, state, attempts, started_at) VALUES "
		    "('noop', 'processing', 1, '2026-11-28T20:00:00.000Z')");
	alerts_tick(f->alerts, NOW, 1000);
	assert_int_equal(f->posts, 2);
	assert_non_null(strstr(f->last_body, "has been running since"));
	assert_int_equal(testdb_int(f->db, mails), has_mail ? 2 : 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs WHERE "
			 "json_extract(payload, '$.template') = 'alert'"), has_mail ? 1 : 0);
	/* A long queue: email and webhook. */
	for (i = 0; i < 10; i++)
		testdb_exec(f->db, "INSERT INTO jobs (type) VALUES ('noop')");
	alerts_tick(f->alerts, NOW, 1000 + ALERTS_CHECK_MS);
	assert_int_equal(f->posts, 3);
	assert_int_equal(testdb_int(f->db, mails), has_mail ? 3 : 0);
}

static void test_alerts_email_failures_go_to_the_webhook_too(void **state)
{
	struct fixture *f = *state;
	int i;

	snprintf(f->cfg->alerts.admin_email, sizeof(f->cfg->alerts.admin_email),
		 "admin@example.com");
	for (i = 1; i <= 3; i++) {
		char sql[512];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO jobs (type, state) VALUES ('send_email', 'dead');"
			 "INSERT INTO job_attempts (job_id, attempt, started_at, finished_at,"
			 " outcome) VALUES (last_insert_rowid(), 1, '2026-11-28T20:%02d:00.000Z',"
			 " '2026-11-28T20:%02d:30.000Z', 'failed')", i, i);
		testdb_exec(f->db, sql);
	}
	alerts_job_finished(f->alerts, "send_email", "dead", "connection refused", NOW);
	assert_int_equal(f->posts, 1);
	assert_non_null(strstr(f->last_body, "send_email failed 3 times in a row"));
}

static void test_alerts_long_running_closes_when_the_run_ends(void **state)
{
	struct fixture *f = *state;
	const char *open_sql = "SELECT count(*) FROM alerts WHERE kind = 'long_running'"
			       " AND resolved_at IS NULL";

	testdb_exec(f->db, "INSERT INTO jobs (type, state, attempts, started_at) VALUES "
		    "('noop', 'processing', 1, '2026-11-28T20:00:00.000Z'),"
		    "('noop', 'processing', 1, '2026-11-28T20:01:00.000Z')");
	alerts_tick(f->alerts, NOW, 1000);
	assert_int_equal(testdb_int(f->db, open_sql), 2);
	testdb_exec(f->db, "UPDATE jobs SET state = 'succeeded' WHERE id = 1");
	alerts_tick(f->alerts, NOW, 1000 + ALERTS_CHECK_MS);
	assert_int_equal(testdb_int(f->db, open_sql), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM alerts WHERE kind = 'long_running'"
			 " AND subject = 'job #1 attempt 1' AND resolved_at IS NOT NULL"), 1);
}

static void test_alerts_slack_payload_is_json_escaped(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, 256);
	assert_int_equal(alerts_slack_payload("a \"b\"\n", &out), 0);
	assert_string_equal(buf_str(&out), "{\"text\":\"a \\\"b\\\"\\n\"}");
	buf_free(&out);
}

static void test_alerts_post_reports_unreachable_peer(void **state)
{
	struct err e = {0};

	(void)state;
	/* Port 9 (discard) on loopback: nothing listens, refused at once. */
	assert_int_equal(alerts_post("http://127.0.0.1:9/", "{}", NULL, &e), ERR_TEMP);
	assert_non_null(strstr(e.msg, "webhook"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alerts_queue_decision_has_hysteresis),
		cmocka_unit_test_setup_teardown(test_alerts_failure_streak_ends_at_success, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_alerts_consecutive_failures_alert_once_per_streak,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_alerts_email_enqueued_or_alert_kept_when_it_cannot_be, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts_queue_posts_once_per_crossing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_alerts_database_full_goes_to_the_webhook_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts_webhook_failure_still_records_alert,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts_every_alert_goes_to_every_channel,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts_email_failures_go_to_the_webhook_too,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts_long_running_closes_when_the_run_ends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts_long_running_warned_once_per_attempt,
						setup, teardown),
		cmocka_unit_test(test_alerts_slack_payload_is_json_escaped),
		cmocka_unit_test(test_alerts_post_reports_unreachable_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
