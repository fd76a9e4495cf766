/*
 * test_job_sync_retry.c - sync_retry: which rows are due, success and
 * stale delete the row, failures back off by RetryDelayMinutes (the first
 * retry waits the first entry), MaxRetries gives up with exactly one
 * notification, one bad envelope does not roll back the others, batches in
 * next_retry_at order, rerun and crash safety, rows the app should never
 * have written, a locked database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "config/config.h"
#include "demo/demo.h"
#include "storage/storage.h"
#include "testdb.h"

#define NOW TESTDB_NOW
#define GOOD_UNIT "{\"propertyId\": \"" TESTDB_PROPERTY "\", \"name\": \"Sklep\"}"
#define BAD_UNIT "{\"propertyId\": \"" TESTDB_PROPERTY "\"}"

struct item {
	int n;               /* sync_queue id "sync-<n>", entity "unit-<n>" */
	const char *type;    /* NULL: units */
	const char *op;      /* NULL: create */
	const char *payload; /* NULL: GOOD_UNIT (unless a delete) */
	const char *status;  /* NULL: failed */
	int retry_count;
	int64_t next_retry_at; /* 0: NULL */
};

static void add_item(sqlite3 *db, const struct item *it)
{
	char id[32], entity[32];
	struct err e = {0};
	const char *op = it->op ? it->op : "create";
	struct demo_sync_item row = {
		.id = id, .user_id = TESTDB_JANA, .entity_type = it->type ? it->type : "units",
		.entity_id = entity, .operation = op,
		.payload = it->payload ? it->payload : strcmp(op, "delete") ? GOOD_UNIT : NULL,
		.status = it->status ? it->status : "failed", .retry_count = it->retry_count,
		.last_error = "HTTP 503 from sync endpoint", .client_updated_at = NOW - MS_PER_HOUR,
		.next_retry_at = it->next_retry_at, .created_at = NOW - 2 * MS_PER_HOUR};

	snprintf(id, sizeof(id), "sync-%d", it->n);
	snprintf(entity, sizeof(entity), "unit-%d", it->n);
	if (demo_insert_sync_item(db, &row, &e))
		fail_msg("insert sync item %d: %s", it->n, e.msg);
}

static const char *item_column(sqlite3 *db, int n, const char *column)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT %s FROM sync_queue WHERE id = 'sync-%d'", column, n);
	return testdb_text(db, sql);
}

static int64_t queued(sqlite3 *db)
{
	return testdb_int(db, "SELECT count(*) FROM sync_queue");
}

static int64_t notifications(sqlite3 *db)
{
	return testdb_int(db, "SELECT count(*) FROM notifications"
				" WHERE type = 'sync_failed'");
}

static void run_at(struct testdb *f, int64_t now, int max_steps,
		   struct testdb_job_result *out)
{
	testdb_run_job(f->db, &f->cfg, NULL, "sync_retry", NULL, now, max_steps, out);
}

static void test_sync_retry_takes_only_failed_due_rows_under_max_retries(void **state)
{
	static const struct item items[] = {
		{.n = 1, .next_retry_at = NOW - MS_PER_MINUTE},        /* due */
		{.n = 2, .next_retry_at = NOW},                        /* due at this instant */
		{.n = 3},                                              /* never given a time */
		{.n = 4, .next_retry_at = NOW + 1},                    /* not yet */
		{.n = 5, .status = "pending", .next_retry_at = NOW - 1},
		{.n = 6, .status = "permanently_failed", .retry_count = 5, .next_retry_at = NOW - 1},
		{.n = 7, .retry_count = 5, .next_retry_at = NOW - 1}, /* MaxRetries used up */
	};
	static const int is_left[] = {0, 0, 0, 1, 1, 1, 1};
	struct testdb *f = *state;
	struct testdb_job_result r;

	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		add_item(f->db, &items[i]);
	run_at(f, NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "applied"), 3);
	assert_int_equal(job_count_get(&r.ctx, "retried"), 0);
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sync_queue WHERE id = 'sync-%d'",
			 items[i].n);
		assert_int_equal(testdb_int(f->db, sql), is_left[i]);
	}
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM units"), 3);
	assert_string_equal(item_column(f->db, 4, "retry_count || ' ' || status"), "0 failed");
}

static void test_sync_retry_counts_a_stale_envelope_and_deletes_it(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	struct err e = {0};
	struct demo_unit unit = {.id = "unit-1", .property_id = TESTDB_PROPERTY,
				 .name = "Půda", .created_at = NOW - MS_PER_DAY,
				 .updated_at = NOW - MS_PER_MINUTE};

	assert_int_equal(demo_insert_unit(f->db, &unit, &e), 0);
	add_item(f->db, &(struct item){.n = 1, .op = "update", .next_retry_at = NOW - 1});
	run_at(f, NOW, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "stale"), 1);
	assert_int_equal(job_count_get(&r.ctx, "applied"), 0);
	assert_int_equal(queued(f->db), 0);
	assert_string_equal(testdb_text(f->db, "SELECT name FROM units"),
			    "Půda");
}

static void test_sync_retry_failure_backs_off_by_the_first_delay_first(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	add_item(f->db, &(struct item){.n = 1, .payload = BAD_UNIT, .next_retry_at = NOW - 1});
	run_at(f, NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "retried"), 1);
	assert_string_equal(item_column(f->db, 1, "status || ' ' || retry_count"), "failed 1");
	assert_string_equal(item_column(f->db, 1, "last_error"), "missing field 'name'");
	assert_string_equal(item_column(f->db, 1, "last_attempt_at"), "2026-11-28T20:45:17.000Z");
	assert_string_equal(item_column(f->db, 1, "next_retry_at"), "2026-11-28T20:50:17.000Z");
	assert_int_equal(notifications(f->db), 0);
}

static void test_sync_retry_backoff_index_follows_retry_count_and_clamps(void **state)
{
	static const struct {
		int retry_count_before;
		const char *next_retry_at;
	} cases[] = {
		{0, "2026-11-28T20:46:17.000Z"}, /* RetryDelayMinutes[0] = 1 */
		{1, "2026-11-28T20:47:17.000Z"}, /* [1] = 2 */
		{2, "2026-11-28T20:55:17.000Z"}, /* [2] = 10 */
		{3, "2026-11-28T20:55:17.000Z"}, /* clamped to the last */
		{8, "2026-11-28T20:55:17.000Z"},
	};
	struct testdb *f = *state;
	struct testdb_job_result r;

	f->cfg.jobs.sync_retry.max_retries = 10;
	f->cfg.jobs.sync_retry.retry_delay_minutes[0] = 1;
	f->cfg.jobs.sync_retry.retry_delay_minutes[1] = 2;
	f->cfg.jobs.sync_retry.retry_delay_minutes[2] = 10;
	f->cfg.jobs.sync_retry.retry_delay_count = 3;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		add_item(f->db, &(struct item){.n = (int)i, .payload = BAD_UNIT,
					       .retry_count = cases[i].retry_count_before,
					       .next_retry_at = NOW - 1});
	run_at(f, NOW, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "retried"), 5);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(item_column(f->db, (int)i, "next_retry_at"),
				    cases[i].next_retry_at);
}

/* Follows one envelope through every retry with the default delays. */
static void test_sync_retry_gives_up_at_max_retries_with_exactly_one_notification(void **state)
{
	static const int delays[] = {5, 15, 60, 240};
	struct testdb *f = *state;
	struct testdb_job_result r;
	int64_t now = NOW;
	char payload[512];
	cJSON *json;

	add_item(f->db, &(struct item){.n = 1, .payload = BAD_UNIT, .next_retry_at = NOW});
	for (int i = 0; i < 4; i++) {
		run_at(f, now, 0, &r);
		assert_int_equal(job_count_get(&r.ctx, "retried"), 1);
		run_at(f, now + delays[i] * MS_PER_MINUTE - 1, 0, &r); /* not yet */
		assert_int_equal(job_count_get(&r.ctx, "retried"), 0);
		now += delays[i] * MS_PER_MINUTE;
	}
	assert_int_equal(notifications(f->db), 0);
	run_at(f, now, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "failed_permanently"), 1);
	assert_string_equal(item_column(f->db, 1, "status || ' ' || retry_count"),
			    "permanently_failed 5");
	assert_string_equal(item_column(f->db, 1, "next_retry_at"), "NULL");
	run_at(f, now + 30 * MS_PER_DAY, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "failed_permanently"), 0);
	assert_int_equal(notifications(f->db), 1);
	snprintf(payload, sizeof(payload), "%s",
		 testdb_text(f->db, "SELECT payload FROM notifications WHERE user_id = '"
			     TESTDB_JANA "' AND read_at IS NULL"));
	json = cJSON_Parse(payload);
	assert_non_null(json);
	assert_string_equal(cJSON_GetObjectItem(json, "syncId")->valuestring, "sync-1");
	assert_string_equal(cJSON_GetObjectItem(json, "entityType")->valuestring, "units");
	assert_string_equal(cJSON_GetObjectItem(json, "entityId")->valuestring, "unit-1");
	assert_string_equal(cJSON_GetObjectItem(json, "operation")->valuestring, "create");
	assert_string_equal(cJSON_GetObjectItem(json, "lastError")->valuestring,
			    "missing field 'name'");
	cJSON_Delete(json);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM notifications WHERE"
					  " length(id) = 36 AND substr(id, 15, 1) = '4'"), 1);
}

static void test_sync_retry_one_bad_envelope_does_not_roll_back_the_others(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	add_item(f->db, &(struct item){.n = 1, .next_retry_at = NOW - 3});
	add_item(f->db, &(struct item){.n = 2, .payload = "{\"propertyId\": \"gone\","
				       " \"name\": \"x\"}", .next_retry_at = NOW - 2});
	add_item(f->db, &(struct item){.n = 3, .next_retry_at = NOW - 1});
	run_at(f, NOW, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "applied"), 2);
	assert_int_equal(job_count_get(&r.ctx, "retried"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM units"), 2);
	assert_int_equal(queued(f->db), 1);
	assert_string_equal(item_column(f->db, 2, "last_error"), "missing parent property gone");
}

/* Oldest next_retry_at first, so a parent queued before its child lands
 * first, also across batches. */
static void test_sync_retry_goes_oldest_first_in_batches(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	f->cfg.jobs.sync_retry.r.batch_size = 2;
	add_item(f->db, &(struct item){.n = 3, .payload = "{\"propertyId\": \"" TESTDB_PROPERTY
				       "\", \"parentUnitId\": \"unit-2\", \"name\": \"c\"}",
				       .next_retry_at = NOW - 1});
	add_item(f->db, &(struct item){.n = 2, .payload = "{\"propertyId\": \"" TESTDB_PROPERTY
				       "\", \"parentUnitId\": \"unit-1\", \"name\": \"b\"}",
				       .next_retry_at = NOW - 2});
	add_item(f->db, &(struct item){.n = 1, .next_retry_at = NOW - 3});
	run_at(f, NOW, 1, &r);
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_int_equal(queued(f->db), 1);
	assert_string_equal(item_column(f->db, 3, "status"), "failed");
	run_at(f, NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "applied"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM units"), 3);
}

/* A crash after the first batch, then a full run: the same end state as
 * one uninterrupted run on a copy of the same rows. */
static void test_sync_retry_after_a_crash_mid_way_ends_in_the_same_state(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char crashed[1024], clean[1024];
	static const char dump[] =
		"SELECT group_concat(line, '|') FROM (SELECT id || ' ' || status || ' '"
		" || retry_count || ' ' || coalesce(next_retry_at, '-') AS line FROM sync_queue"
		" UNION ALL SELECT id || ' ' || name FROM units"
		" UNION ALL SELECT type || ' ' || payload FROM notifications ORDER BY 1)";

	f->cfg.jobs.sync_retry.r.batch_size = 2;
	for (int pass = 0; pass < 2; pass++) {
		testdb_exec(f->db, "DELETE FROM sync_queue;"
				   " DELETE FROM units; DELETE FROM notifications");
		for (int i = 0; i < 5; i++)
			add_item(f->db, &(struct item){.n = i, .payload = i % 2 ? BAD_UNIT : NULL,
						       .retry_count = i == 3 ? 4 : 0,
						       .next_retry_at = NOW - 10 + i});
		if (pass == 0) {
			run_at(f, NOW, 1, &r);
			assert_int_equal(r.rc, JOB_AGAIN);
		}
		run_at(f, NOW, 0, &r);
		assert_int_equal(r.rc, JOB_DONE);
		snprintf(pass ? clean : crashed, sizeof(clean), "%s", testdb_text(f->db, dump));
	}
	assert_string_equal(crashed, clean);
	assert_non_null(strstr(clean, "sync-1 failed 1 2026-11-28T20:50:17.000Z"));
	assert_non_null(strstr(clean, "sync-3 permanently_failed 5 -"));
	assert_int_equal(notifications(f->db), 1);
}

/* The schema's CHECKs keep these out; an older app or a person at the
 * sqlite3 shell may not have had them. */
static void test_sync_retry_records_clear_errors_for_rows_the_checks_would_refuse(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	testdb_exec(f->db, "PRAGMA ignore_check_constraints = ON");
	add_item(f->db, &(struct item){.n = 1, .type = "garages", .next_retry_at = NOW - 1});
	add_item(f->db, &(struct item){.n = 2, .payload = "{\"name\": \"Sklep\",",
				       .next_retry_at = NOW - 1});
	add_item(f->db, &(struct item){.n = 3, .next_retry_at = NOW - 1});
	testdb_exec(f->db, "UPDATE sync_queue SET client_updated_at ="
			   " 'včera' WHERE id = 'sync-3'");
	testdb_exec(f->db, "PRAGMA ignore_check_constraints = OFF");
	run_at(f, NOW, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "retried"), 3);
	assert_string_equal(item_column(f->db, 1, "last_error"), "unknown entity type 'garages'");
	assert_string_equal(item_column(f->db, 2, "last_error"),
			    "payload is not valid JSON at offset 17 (it ends too early)");
	assert_string_equal(item_column(f->db, 3, "last_error"),
			    "client_updated_at 'včera' is not a time");
}

static void test_sync_retry_reports_a_locked_database_and_spends_no_retry(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	sqlite3 *other = testdb_connect(f);

	add_item(f->db, &(struct item){.n = 1, .payload = BAD_UNIT, .next_retry_at = NOW - 1});
	assert_non_null(other);
	testdb_exec(other, "BEGIN IMMEDIATE");
	run_at(f, NOW, 0, &r);
	assert_int_equal(r.rc, ERR_BUSY);
	testdb_exec(other, "ROLLBACK");
	sqlite3_close(other);
	assert_string_equal(item_column(f->db, 1, "retry_count"), "0");
	assert_int_equal(job_count_get(&r.ctx, "retried"), 0);
}

static void test_sync_retry_reports_a_broken_schema(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	testdb_exec(f->db, "DROP TABLE sync_queue");
	run_at(f, NOW, 0, &r);
	assert_int_equal(r.rc, ERR_DB);
	assert_non_null(strstr(r.err.msg, "sync_queue"));
}

/* The demo household's sync items are what the app sends: every due one
 * is applied, stale or retried with an envelope error, none breaks the
 * batch. */
static void test_sync_retry_handles_the_demo_households_envelopes(void **state)
{
	struct testdb *t = testdb_open(TESTDB_STORAGE);
	char errors[2048];
	struct testdb_job_result r;
	struct err e = {0};
	sqlite3 *db = t->db;
	int64_t due;

	(void)state;
	if (demo_fill(db, t->storage, NOW, 7, NULL, &e))
		fail_msg("demo_fill: %s", e.msg);
	due = testdb_int(db, "SELECT count(*) FROM sync_queue WHERE status = 'failed'"
			       " AND retry_count < 5 AND next_retry_at <= '2026-11-28T20:45:17.000Z'");
	assert_true(due > 0);
	testdb_run_job(db, &t->cfg, NULL, "sync_retry", NULL, NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "applied") + job_count_get(&r.ctx, "stale") +
				 job_count_get(&r.ctx, "retried") +
				 job_count_get(&r.ctx, "failed_permanently"),
			 due);
	assert_true(job_count_get(&r.ctx, "applied") > 0);
	snprintf(errors, sizeof(errors), "%s",
		 testdb_text(db, "SELECT group_concat(last_error, '; ') FROM sync_queue"
			     " WHERE last_attempt_at = '2026-11-28T20:45:17.000Z'"));
	assert_null(strstr(errors, "sqlite"));
	testdb_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_sync_retry_takes_only_failed_due_rows_under_max_retries, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_retry_counts_a_stale_envelope_and_deletes_it, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_retry_failure_backs_off_by_the_first_delay_first, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_retry_backoff_index_follows_retry_count_and_clamps, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_retry_gives_up_at_max_retries_with_exactly_one_notification, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_retry_one_bad_envelope_does_not_roll_back_the_others, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(test_sync_retry_goes_oldest_first_in_batches,
						testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_retry_after_a_crash_mid_way_ends_in_the_same_state, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_retry_records_clear_errors_for_rows_the_checks_would_refuse, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_retry_reports_a_locked_database_and_spends_no_retry, testdb_setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(test_sync_retry_reports_a_broken_schema, testdb_setup,
						testdb_teardown),
		cmocka_unit_test(test_sync_retry_handles_the_demo_households_envelopes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
