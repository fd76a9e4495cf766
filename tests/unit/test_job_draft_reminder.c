/*
 * test_job_draft_reminder.c - draft_reminder: the ReminderAfterDays and
 * ExpirationWarningDays boundaries, payloads of notifications and email,
 * who the creator is, preferences, once per draft ever (reruns, finished
 * emails, cleaned-up notifications, notices written before), a crash
 * between batches, and no warning while DraftCleanup is disabled.
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "base/clock.h"
#include "demo/demo.h"
#include "base/err.h"
#include "core/job.h"
#include "testdb.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW (TESTDB_EPOCH + 100 * MS_PER_DAY + 500)
#define REMIND_CUTOFF (NOW - 3 * MS_PER_DAY)
#define WARN_CUTOFF (NOW - 23 * MS_PER_DAY) /* 30 - 7 days */

static void add_draft(struct testdb *f, const char *id, const char *creator,
		      int64_t created_at)
{
	struct demo_record row = {.id = id,
				  .property_id = TESTDB_PROPERTY,
				  .title = id,
				  .created_by = creator,
				  .created_at = created_at};
	struct err e = {0};

	if (demo_insert_record(f->db, &row, &e))
		fail_msg("%s", e.msg);
}

static void exec(struct testdb *f, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(f->db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static struct testdb_job_result run(struct testdb *f, int max_steps)
{
	struct testdb_job_result r;

	testdb_run_job(f->db, &f->cfg, &f->services, "draft_reminder", NULL,
			NOW, max_steps, &r);
	if (max_steps == 0 && r.rc != JOB_DONE)
		fail_msg("draft_reminder: rc %d: %s", r.rc, r.err.msg);
	return r;
}

static int64_t count(const struct testdb_job_result *r, const char *name)
{
	return job_count_get(&r->ctx, name);
}

static int64_t notices(struct testdb *f, const char *type, const char *draft)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM notifications WHERE type = '%s'"
		 " AND json_extract(payload, '$.zaznamId') = '%s'",
		 type, draft);
	return testdb_int(f->db, sql);
}

/* The payload of the only notification of type about draft, parsed. */
static cJSON *payload_of(struct testdb *f, const char *type, const char *draft,
			 const char *user)
{
	char sql[512], *rows;
	cJSON *json;

	snprintf(
	    sql, sizeof(sql),
	    "SELECT payload FROM notifications WHERE type = '%s'"
	    " AND json_extract(payload, '$.zaznamId') = '%s' AND user_id = '%s'"
	    " AND read_at IS NULL",
	    type, draft, user);
	rows = testdb_rows(f->db, sql);
	json = cJSON_Parse(rows);
	if (!json)
		fail_msg("no %s notification for %s to %s (got \"%s\")", type,
			 draft, user, rows);
	free(rows);
	return json;
}

static const char *text(const cJSON *obj, const char *path)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, path);

	return cJSON_IsString(item) ? item->valuestring : "(none)";
}

static double number(const cJSON *obj, const char *path)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, path);

	return cJSON_IsNumber(item) ? item->valuedouble : -1;
}

static void
test_draft_reminder_reminds_drafts_strictly_older_than_reminder_after_days(
    void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct demo_record complete = {.id = "complete",
				       .property_id = TESTDB_PROPERTY,
				       .status = "complete",
				       .created_by = TESTDB_JANA,
				       .created_at =
					   REMIND_CUTOFF - MS_PER_DAY};
	struct demo_record deleted = {.id = "deleted",
				      .property_id = TESTDB_PROPERTY,
				      .created_by = TESTDB_JANA,
				      .is_deleted = 1,
				      .created_at = REMIND_CUTOFF - MS_PER_DAY};
	struct testdb_job_result r;
	struct err e = {0};
	char iso[CLOCK_ISO_LEN];
	cJSON *p;

	(void)state;
	add_draft(f, "older", TESTDB_JANA, REMIND_CUTOFF - 1);
	add_draft(f, "exact", TESTDB_JANA, REMIND_CUTOFF);
	add_draft(f, "young", TESTDB_JANA, NOW - MS_PER_DAY);
	add_draft(f, "no_ms", TESTDB_JANA, REMIND_CUTOFF);
	/* 00:00:00Z is before the cutoff at .500, though it sorts after it. */
	exec(f, "UPDATE zaznamy SET created_at = '2026-04-08T00:00:00Z' WHERE "
		"id = 'no_ms'");
	assert_int_equal(demo_insert_record(f->db, &complete, &e), 0);
	assert_int_equal(demo_insert_record(f->db, &deleted, &e), 0);
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded"), 2);
	assert_int_equal(count(&r, "expiring"), 0);
	assert_int_equal(count(&r, "emails"), 0);
	assert_int_equal(notices(f, "draft_reminder", "older"), 1);
	assert_int_equal(notices(f, "draft_reminder", "no_ms"), 1);
	assert_int_equal(notices(f, "draft_reminder", "exact"), 0);
	assert_int_equal(notices(f, "draft_reminder", "young"), 0);
	assert_int_equal(notices(f, "draft_reminder", "complete"), 0);
	assert_int_equal(notices(f, "draft_reminder", "deleted"), 0);
	p = payload_of(f, "draft_reminder", "older", TESTDB_JANA);
	assert_string_equal(text(p, "propertyName"), "Chalupa");
	assert_string_equal(text(p, "createdAt"),
			    clock_format(REMIND_CUTOFF - 1, iso));
	assert_true(number(p, "daysOld") == 3);
	assert_int_equal(cJSON_GetArraySize(p), 4);
	cJSON_Delete(p);
	assert_int_equal(
	    testdb_int(f->db, "SELECT count(*) FROM notifications WHERE"
			     " length(id) = 36 AND substr(id, 15, 1) = '4'"),
	    2);
	testdb_close(f);
}

static cJSON *email_job(struct testdb *f, const char *draft)
{
	char sql[256], *rows;
	cJSON *json;

	snprintf(sql, sizeof(sql),
		 "SELECT payload FROM jobs WHERE type = 'send_email'"
		 " AND unique_key = 'draft_expiring:%s'",
		 draft);
	rows = testdb_rows(f->db, sql);
	json = cJSON_Parse(rows);
	if (!json)
		fail_msg("no email job for %s (got \"%s\")", draft, rows);
	free(rows);
	return json;
}

static void
test_draft_reminder_warns_once_expiring_drafts_with_notification_and_email(
    void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char iso[CLOCK_ISO_LEN];
	const cJSON *data;
	cJSON *p;

	(void)state;
	add_draft(f, "at_window", TESTDB_JANA, WARN_CUTOFF);
	add_draft(f, "before_window", TESTDB_JANA, WARN_CUTOFF + 1);
	add_draft(f, "mid_day", TESTDB_JANA, WARN_CUTOFF - 14 * MS_PER_HOUR);
	add_draft(f, "overdue", TESTDB_JANA, NOW - 31 * MS_PER_DAY);
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded"), 4);
	assert_int_equal(count(&r, "expiring"), 3);
	assert_int_equal(count(&r, "emails"), 3);
	assert_int_equal(notices(f, "draft_expiring", "before_window"), 0);
	p = payload_of(f, "draft_expiring", "at_window", TESTDB_JANA);
	assert_string_equal(text(p, "zaznamId"), "at_window");
	assert_string_equal(text(p, "propertyName"), "Chalupa");
	assert_string_equal(text(p, "expiresAt"),
			    clock_format(NOW + 7 * MS_PER_DAY, iso));
	assert_true(number(p, "daysRemaining") == 7);
	assert_int_equal(cJSON_GetArraySize(p), 4);
	cJSON_Delete(p);
	/* 6 days 10 hours left rounds up to 7; an overdue draft has 0. */
	p = payload_of(f, "draft_expiring", "mid_day", TESTDB_JANA);
	assert_true(number(p, "daysRemaining") == 7);
	cJSON_Delete(p);
	p = payload_of(f, "draft_expiring", "overdue", TESTDB_JANA);
	assert_true(number(p, "daysRemaining") == 0);
	cJSON_Delete(p);
	p = email_job(f, "at_window");
	assert_string_equal(text(p, "template"), "draft_expiring");
	assert_string_equal(text(p, "to"), "jana@example.cz");
	assert_string_equal(text(p, "language"), "cs");
	data = cJSON_GetObjectItemCaseSensitive(p, "data");
	assert_string_equal(text(data, "name"), "Jana");
	assert_string_equal(text(data, "zaznamTitle"), "at_window");
	assert_string_equal(text(data, "propertyName"), "Chalupa");
	assert_string_equal(text(data, "expiresAt"),
			    clock_format(NOW + 7 * MS_PER_DAY, iso));
	assert_true(number(data, "daysRemaining") == 7);
	assert_null(cJSON_GetObjectItemCaseSensitive(data, "link"));
	cJSON_Delete(p);
	testdb_close(f);
}

static void
test_draft_reminder_email_in_english_with_untitled_draft(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct demo_record row = {.id = "untitled",
				  .property_id = TESTDB_PROPERTY,
				  .created_by = TESTDB_TOM,
				  .created_at = WARN_CUTOFF};
	struct err e = {0};
	const cJSON *data;
	cJSON *p;

	(void)state;
	assert_int_equal(demo_insert_record(f->db, &row, &e), 0);
	run(f, 0);
	p = email_job(f, "untitled");
	assert_string_equal(text(p, "to"), "tom@example.com");
	assert_string_equal(text(p, "language"), "en");
	data = cJSON_GetObjectItemCaseSensitive(p, "data");
	assert_string_equal(text(data, "name"), "Tom");
	assert_string_equal(text(data, "zaznamTitle"), "Untitled");
	cJSON_Delete(p);
	testdb_close(f);
}

static void add_activity(struct testdb *f, const char *id, const char *actor,
			 const char *draft, int64_t at)
{
	struct demo_activity row = {.id = id,
				    .property_id = TESTDB_PROPERTY,
				    .type = "zaznam_created",
				    .actor_user_id = actor,
				    .target_type = "zaznam",
				    .target_id = draft,
				    .created_at = at};
	struct err e = {0};

	if (demo_insert_activity(f->db, &row, &e))
		fail_msg("%s", e.msg);
}

static void
test_draft_reminder_without_created_by_tells_the_first_creating_actor(
    void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;

	(void)state;
	add_draft(f, "orphan", NULL, REMIND_CUTOFF - MS_PER_DAY);
	add_draft(f, "nobody", NULL, REMIND_CUTOFF - MS_PER_DAY);
	add_activity(f, "a2", TESTDB_JANA, "orphan", REMIND_CUTOFF);
	add_activity(f, "a1", TESTDB_TOM, "orphan", REMIND_CUTOFF - MS_PER_DAY);
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded"), 1);
	cJSON_Delete(payload_of(f, "draft_reminder", "orphan", TESTDB_TOM));
	assert_int_equal(notices(f, "draft_reminder", "nobody"), 0);
	testdb_close(f);
}

static void test_draft_reminder_respects_push_draft_reminders_and_blocked_users(
    void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct demo_preferences off = DEMO_PREFERENCES_DEFAULTS(TESTDB_JANA);
	struct demo_preferences on = DEMO_PREFERENCES_DEFAULTS(TESTDB_TOM);
	struct testdb_job_result r;
	struct err e = {0};

	(void)state;
	off.push_draft_reminders = 0;
	assert_int_equal(demo_insert_preferences(f->db, &off, &e), 0);
	assert_int_equal(demo_insert_preferences(f->db, &on, &e), 0);
	add_draft(f, "janas", TESTDB_JANA, WARN_CUTOFF - MS_PER_DAY);
	add_draft(f, "toms", TESTDB_TOM, WARN_CUTOFF - MS_PER_DAY);
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded"), 1);
	assert_int_equal(count(&r, "expiring"), 1);
	assert_int_equal(count(&r, "emails"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM notifications"
					  " WHERE user_id = '" TESTDB_JANA "'"),
			 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs"
					  " WHERE payload LIKE '%jana@%'"),
			 0);
	/* A blocked user is not told either; unblocked, they hear of it. */
	exec(f, "UPDATE user_preferences SET push_draft_reminders = 1;"
		"UPDATE users SET is_blocked = 1 WHERE id = '" TESTDB_JANA "'");
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded"), 0);
	exec(f, "UPDATE users SET is_blocked = 0");
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded"), 1);
	assert_int_equal(count(&r, "emails"), 1);
	testdb_close(f);
}

static char *end_state(struct testdb *f)
{
	char *n = testdb_rows(
	    f->db,
	    "SELECT user_id, type, payload, created_at FROM notifications"
	    " ORDER BY type, payload");
	char *j = testdb_rows(
	    f->db,
	    "SELECT type, payload, unique_key FROM jobs ORDER BY unique_key");
	char *m = testdb_rows(
	    f->db, "SELECT * FROM draft_notices ORDER BY zaznam_id, type");
	size_t len = strlen(n) + strlen(j) + strlen(m) + 8;
	char *all = malloc(len);

	snprintf(all, len, "%s--\n%s--\n%s", n, j, m);
	free(n);
	free(j);
	free(m);
	return all;
}

static void fill_several(struct testdb *f)
{
	char id[16];

	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "draft%d", i);
		add_draft(f, id, i % 2 ? TESTDB_TOM : TESTDB_JANA,
			  WARN_CUTOFF - i * MS_PER_HOUR);
	}
	add_draft(f, "reminder_only", TESTDB_JANA, REMIND_CUTOFF - MS_PER_HOUR);
}

static void test_draft_reminder_rerun_sends_nothing_again_ever(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char *first, *second;

	(void)state;
	fill_several(f);
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded"), 5);
	assert_int_equal(count(&r, "expiring"), 4);
	assert_int_equal(count(&r, "emails"), 4);
	first = end_state(f);
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded") + count(&r, "expiring") +
			     count(&r, "emails"),
			 0);
	second = end_state(f);
	assert_string_equal(first, second);
	/* The emails were sent (their unique keys are free again) and
	 * NotificationCleanup removed the notifications: still nothing. */
	exec(f,
	     "UPDATE jobs SET state = 'succeeded'; DELETE FROM notifications");
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded") + count(&r, "expiring") +
			     count(&r, "emails"),
			 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs"), 4);
	free(first);
	free(second);
	testdb_close(f);
}

static void
test_draft_reminder_skips_drafts_notified_before_this_job(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct demo_notification legacy = {
	    .id = "legacy",
	    .user_id = TESTDB_JANA,
	    .type = "draft_reminder",
	    .payload =
		"{\"zaznamId\":\"old\",\"propertyName\":\"Chalupa\","
		"\"createdAt\":\"2026-03-01T00:00:00.000Z\",\"daysOld\":3}",
	    .read_at = NOW - MS_PER_DAY,
	    .created_at = NOW - 2 * MS_PER_DAY};
	struct testdb_job_result r;
	struct err e = {0};

	(void)state;
	add_draft(f, "old", TESTDB_JANA, REMIND_CUTOFF - MS_PER_DAY);
	assert_int_equal(demo_insert_notification(f->db, &legacy, &e), 0);
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded"), 0);
	assert_int_equal(notices(f, "draft_reminder", "old"), 1);
	testdb_close(f);
}

static void
test_draft_reminder_crash_after_one_batch_then_rerun_ends_as_one_run(
    void **state)
{
	struct testdb *crashed = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb *whole = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char *a, *b;

	(void)state;
	crashed->cfg.jobs.draft_reminder.r.batch_size = 1;
	whole->cfg.jobs.draft_reminder.r.batch_size = 1;
	fill_several(crashed);
	fill_several(whole);
	r = run(crashed, 1);
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_int_equal(count(&r, "reminded"), 1);
	r = run(crashed, 0);
	assert_int_equal(count(&r, "reminded"), 4);
	assert_int_equal(count(&r, "expiring"), 4);
	r = run(whole, 0);
	assert_int_equal(count(&r, "reminded"), 5);
	a = end_state(crashed);
	b = end_state(whole);
	assert_string_equal(a, b);
	free(a);
	free(b);
	testdb_close(crashed);
	testdb_close(whole);
}

static void
test_draft_reminder_no_expiry_warning_while_cleanup_is_disabled(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;

	(void)state;
	f->cfg.jobs.draft_cleanup.r.enabled = false;
	add_draft(f, "old", TESTDB_JANA, WARN_CUTOFF - MS_PER_DAY);
	r = run(f, 0);
	assert_int_equal(count(&r, "reminded"), 1);
	assert_int_equal(count(&r, "expiring"), 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs"), 0);
	testdb_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_draft_reminder_reminds_drafts_strictly_older_than_reminder_after_days),
	    cmocka_unit_test(
		test_draft_reminder_warns_once_expiring_drafts_with_notification_and_email),
	    cmocka_unit_test(
		test_draft_reminder_email_in_english_with_untitled_draft),
	    cmocka_unit_test(
		test_draft_reminder_without_created_by_tells_the_first_creating_actor),
	    cmocka_unit_test(
		test_draft_reminder_respects_push_draft_reminders_and_blocked_users),
	    cmocka_unit_test(
		test_draft_reminder_rerun_sends_nothing_again_ever),
	    cmocka_unit_test(
		test_draft_reminder_skips_drafts_notified_before_this_job),
	    cmocka_unit_test(
		test_draft_reminder_crash_after_one_batch_then_rerun_ends_as_one_run),
	    cmocka_unit_test(
		test_draft_reminder_no_expiry_warning_while_cleanup_is_disabled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
