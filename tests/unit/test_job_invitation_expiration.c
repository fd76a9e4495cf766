/*
 * test_job_invitation_expiration.c - invitation_expiration: expires_at <
 * now (an invitation expiring exactly now is still valid), times without
 * milliseconds, untouched rows, the creator's notification and its
 * payload, a deleted creator, reruns and a crash between batches.
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

#define NOW                                                                    \
	(TESTDB_EPOCH + 100 * MS_PER_DAY + 500) /* 2026-04-11T00:00:00.500Z */

static void add_invitation(struct testdb *f, const char *id,
			   const char *target_type, const char *target_id,
			   const char *status, int64_t expires_at)
{
	char hash[80], email[80];
	struct demo_invitation row = {.id = id,
				      .token_hash = hash,
				      .target_type = target_type,
				      .target_id = target_id,
				      .email = email,
				      .created_by = TESTDB_JANA,
				      .status = status,
				      .expires_at = expires_at,
				      .created_at =
					  expires_at - 7 * MS_PER_DAY};
	struct err e = {0};

	snprintf(hash, sizeof(hash), "hash-%s", id);
	snprintf(email, sizeof(email), "%s@example.org", id);
	if (demo_insert_invitation(f->db, &row, &e))
		fail_msg("%s", e.msg);
}

static struct testdb_job_result run(struct testdb *f, int max_steps)
{
	struct testdb_job_result r;

	testdb_run_job(f->db, &f->cfg, &f->services, "invitation_expiration",
			NULL, NOW, max_steps, &r);
	if (max_steps == 0 && r.rc != JOB_DONE)
		fail_msg("invitation_expiration: rc %d: %s", r.rc, r.err.msg);
	return r;
}

static int64_t count(const struct testdb_job_result *r, const char *name)
{
	return job_count_get(&r->ctx, name);
}

static char *status_of(struct testdb *f, const char *id)
{
	char sql[128], *rows;

	snprintf(sql, sizeof(sql),
		 "SELECT status FROM invitations WHERE id = '%s'", id);
	rows = testdb_rows(f->db, sql);
	rows[strcspn(rows, "\n")] = '\0';
	return rows;
}

static void assert_status(struct testdb *f, const char *id, const char *want)
{
	char *got = status_of(f, id);

	if (strcmp(got, want) != 0)
		fail_msg("invitation %s: status %s, want %s", id, got, want);
	free(got);
}

static cJSON *notification_for(struct testdb *f, const char *id)
{
	char sql[256], *rows;
	cJSON *json;

	snprintf(
	    sql, sizeof(sql),
	    "SELECT payload FROM notifications WHERE user_id = '" TESTDB_JANA
	    "' AND type = 'invitation_expired'"
	    " AND json_extract(payload, '$.invitationId') = '%s'",
	    id);
	rows = testdb_rows(f->db, sql);
	json = cJSON_Parse(rows);
	if (!json)
		fail_msg("no notification for %s (got \"%s\")", id, rows);
	free(rows);
	return json;
}

static void
test_invitation_expiration_expires_only_pending_past_expires_at(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char *msg = NULL;

	(void)state;
	add_invitation(f, "past", "project", TESTDB_PROJECT, NULL, NOW - 1);
	add_invitation(f, "at_now", "project", TESTDB_PROJECT, NULL, NOW);
	add_invitation(f, "future", "project", TESTDB_PROJECT, NULL,
		       NOW + MS_PER_DAY);
	add_invitation(f, "accepted", "project", TESTDB_PROJECT, "accepted",
		       NOW - MS_PER_DAY);
	add_invitation(f, "declined", "project", TESTDB_PROJECT, "declined",
		       NOW - MS_PER_DAY);
	/* Without milliseconds: 00:00:00Z is before now (.500) though it
	 * sorts after it as text; 00:00:01Z is after now. */
	add_invitation(f, "no_ms_past", "property", TESTDB_PROPERTY, NULL, NOW);
	add_invitation(f, "no_ms_future", "property", TESTDB_PROPERTY, NULL,
		       NOW);
	assert_int_equal(
	    sqlite3_exec(f->db,
			 "UPDATE invitations SET expires_at = "
			 "'2026-04-11T00:00:00Z' WHERE id = 'no_ms_past';"
			 "UPDATE invitations SET expires_at = "
			 "'2026-04-11T00:00:01Z' WHERE id = 'no_ms_future'",
			 NULL, NULL, &msg),
	    SQLITE_OK);
	r = run(f, 0);
	assert_int_equal(count(&r, "expired"), 2);
	assert_int_equal(count(&r, "notified"), 2);
	assert_status(f, "past", "expired");
	assert_status(f, "no_ms_past", "expired");
	assert_status(f, "at_now", "pending");
	assert_status(f, "no_ms_future", "pending");
	assert_status(f, "future", "pending");
	assert_status(f, "accepted", "accepted");
	assert_status(f, "declined", "declined");
	testdb_close(f);
}

static void
test_invitation_expiration_notifies_creator_with_target_name(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	char iso[CLOCK_ISO_LEN], sql[256];
	cJSON *p;

	(void)state;
	add_invitation(f, "to_project", "project", TESTDB_PROJECT, NULL,
		       NOW - MS_PER_DAY);
	add_invitation(f, "to_property", "property", TESTDB_PROPERTY, NULL,
		       NOW - MS_PER_DAY);
	add_invitation(f, "to_nothing", "property", "no-such-property", NULL,
		       NOW - MS_PER_DAY);
	run(f, 0);
	p = notification_for(f, "to_project");
	assert_string_equal(cJSON_GetObjectItem(p, "email")->valuestring,
			    "to_project@example.org");
	assert_string_equal(cJSON_GetObjectItem(p, "targetType")->valuestring,
			    "project");
	assert_string_equal(cJSON_GetObjectItem(p, "targetName")->valuestring,
			    "Rodina");
	assert_int_equal(cJSON_GetArraySize(p), 4);
	cJSON_Delete(p);
	p = notification_for(f, "to_property");
	assert_string_equal(cJSON_GetObjectItem(p, "targetType")->valuestring,
			    "property");
	assert_string_equal(cJSON_GetObjectItem(p, "targetName")->valuestring,
			    "Chalupa");
	cJSON_Delete(p);
	p = notification_for(f, "to_nothing");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "targetName")));
	cJSON_Delete(p);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM notifications WHERE created_at = '%s'"
		 " AND read_at IS NULL AND length(id) = 36",
		 clock_format(NOW, iso));
	assert_int_equal(testdb_int(f->db, sql), 3);
	testdb_close(f);
}

static void
test_invitation_expiration_deleted_creator_is_not_notified(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char *msg = NULL;

	(void)state;
	add_invitation(f, "orphan", "project", TESTDB_PROJECT, NULL,
		       NOW - MS_PER_DAY);
	assert_int_equal(
	    sqlite3_exec(
		f->db,
		"UPDATE users SET is_deleted = 1 WHERE id = '" TESTDB_JANA "'",
		NULL, NULL, &msg),
	    SQLITE_OK);
	r = run(f, 0);
	assert_int_equal(count(&r, "expired"), 1);
	assert_int_equal(count(&r, "notified"), 0);
	assert_status(f, "orphan", "expired");
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM notifications"),
			 0);
	testdb_close(f);
}

static void fill_several(struct testdb *f)
{
	char id[16];

	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "inv%d", i);
		add_invitation(f, id, i % 2 ? "project" : "property",
			       i % 2 ? TESTDB_PROJECT : TESTDB_PROPERTY, NULL,
			       NOW - (i + 1) * MS_PER_HOUR);
	}
	add_invitation(f, "later", "project", TESTDB_PROJECT, NULL,
		       NOW + MS_PER_HOUR);
}

static char *end_state(struct testdb *f)
{
	char *i =
	    testdb_rows(f->db, "SELECT id, status FROM invitations ORDER BY id");
	char *n = testdb_rows(
	    f->db, "SELECT user_id, type, payload, created_at, read_at"
		   " FROM notifications ORDER BY payload");
	size_t len = strlen(i) + strlen(n) + 8;
	char *all = malloc(len);

	snprintf(all, len, "%s--\n%s", i, n);
	free(i);
	free(n);
	return all;
}

static void
test_invitation_expiration_batches_and_rerun_changes_nothing(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char *first, *second;

	(void)state;
	f->cfg.jobs.invitation_expiration.r.batch_size = 2;
	fill_several(f);
	r = run(f, 0);
	assert_int_equal(r.steps, 3);
	assert_int_equal(count(&r, "expired"), 5);
	assert_int_equal(count(&r, "notified"), 5);
	first = end_state(f);
	r = run(f, 0);
	assert_int_equal(count(&r, "expired"), 0);
	assert_int_equal(count(&r, "notified"), 0);
	second = end_state(f);
	assert_string_equal(first, second);
	free(first);
	free(second);
	testdb_close(f);
}

static void
test_invitation_expiration_crash_after_one_batch_then_rerun_ends_as_one_run(
    void **state)
{
	struct testdb *crashed = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb *whole = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char *a, *b;

	(void)state;
	crashed->cfg.jobs.invitation_expiration.r.batch_size = 1;
	whole->cfg.jobs.invitation_expiration.r.batch_size = 1;
	fill_several(crashed);
	fill_several(whole);
	r = run(crashed, 1);
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_int_equal(count(&r, "expired"), 1);
	r = run(crashed, 0);
	assert_int_equal(count(&r, "expired"), 4);
	run(whole, 0);
	a = end_state(crashed);
	b = end_state(whole);
	assert_string_equal(a, b);
	free(a);
	free(b);
	testdb_close(crashed);
	testdb_close(whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_invitation_expiration_expires_only_pending_past_expires_at),
	    cmocka_unit_test(
		test_invitation_expiration_notifies_creator_with_target_name),
	    cmocka_unit_test(
		test_invitation_expiration_deleted_creator_is_not_notified),
	    cmocka_unit_test(
		test_invitation_expiration_batches_and_rerun_changes_nothing),
	    cmocka_unit_test(
		test_invitation_expiration_crash_after_one_batch_then_rerun_ends_as_one_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
