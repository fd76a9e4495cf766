/*
 * test_weekly_summary_email.c - the weekly summary over a seeded week: the
 * figures (own activity, shared activity, alerts) and the window's edges,
 * no email for a quiet user or one who did not opt in, no second email on
 * a rerun (while the first waits, and after it was sent), paging, and a
 * payload the weekly_summary template renders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "config/config.h"
#include "demo/demo.h"
#include "base/err.h"
#include "core/job.h"
#include "testdb.h"
#include "mail/template.h"

#define NOW                                                                    \
	INT64_C(1795424400000) /* Monday 2026-11-23T09:00:00Z, ISO week 48 */
#define DAY MS_PER_DAY

#define JANA "00000000-0000-4000-8000-00000000000a"
#define PETR "00000000-0000-4000-8000-00000000000b"
#define EVA "00000000-0000-4000-8000-00000000000c"
#define KAREL "00000000-0000-4000-8000-00000000000d"
#define PROJECT "00000000-0000-4000-8000-000000000101"
#define LIPNO "00000000-0000-4000-8000-000000000201"
#define KOTEL "00000000-0000-4000-8000-000000000301"

struct fixture {
	struct testdb *t;
	int next_id;
};

static const char *new_id(struct fixture *f, char *out)
{
	snprintf(out, 37, "10000000-0000-4000-8000-%012d", ++f->next_id);
	return out;
}

static void user(struct fixture *f, const char *id, const char *email,
		 const char *name, const char *language, int opted_in,
		 int is_blocked)
{
	struct demo_user u = {.id = id,
			      .email = email,
			      .first_name = name,
			      .preferred_language = language,
			      .is_blocked = is_blocked,
			      .created_at = NOW - 100 * DAY};
	struct demo_preferences p = DEMO_PREFERENCES_DEFAULTS(id);
	struct err e = {0};

	p.email_weekly_summary = opted_in;
	assert_int_equal(demo_insert_user(f->t->db, &u, &e), 0);
	assert_int_equal(demo_insert_preferences(f->t->db, &p, &e), 0);
}

static void activity(struct fixture *f, const char *actor, const char *type,
		     int64_t at)
{
	char id[40];
	struct demo_activity a = {.id = new_id(f, id),
				  .property_id = LIPNO,
				  .type = type,
				  .actor_user_id = actor,
				  .target_type = "zaznam",
				  .target_id = KOTEL,
				  .created_at = at};
	struct err e = {0};

	assert_int_equal(demo_insert_activity(f->t->db, &a, &e), 0);
}

static void draft(struct fixture *f, const char *by, int64_t created_at)
{
	char id[40];
	struct demo_record r = {.id = new_id(f, id),
				.property_id = LIPNO,
				.title = "Draft",
				.created_by = by,
				.created_at = created_at};
	struct err e = {0};

	assert_int_equal(demo_insert_record(f->t->db, &r, &e), 0);
}

/* Chalupa Lipno, in a project of owner (already a user). */
static void place(struct fixture *f, const char *owner)
{
	struct demo_project project = {.id = PROJECT,
				       .owner_id = owner,
				       .name = "Rodina",
				       .created_at = NOW - 90 * DAY};
	struct demo_property property = {.id = LIPNO,
					 .project_id = PROJECT,
					 .name = "Chalupa Lipno",
					 .created_at = NOW - 90 * DAY};
	struct err e = {0};

	assert_int_equal(demo_insert_project(f->t->db, &project, &e), 0);
	assert_int_equal(demo_insert_property(f->t->db, &property, &e), 0);
}

/* Jana owns Chalupa Lipno; Eva is a member since this week and active
 * there; Petr opted in but had a quiet week; Karel is blocked. */
static void seed_week(struct fixture *f)
{
	struct demo_member member = {.id =
					 "00000000-0000-4000-8000-000000000401",
				     .target_id = LIPNO,
				     .user_id = EVA,
				     .created_at = NOW - 2 * DAY};
	struct demo_record kotel = {.id = KOTEL,
				    .property_id = LIPNO,
				    .title = "Výměna kotle",
				    .status = "complete",
				    .created_by = EVA,
				    .created_at = NOW - 3 * DAY};
	struct demo_comment comment = {
	    .id = "00000000-0000-4000-8000-000000000501",
	    .zaznam_id = KOTEL,
	    .author_user_id = EVA,
	    .content = "Hotovo",
	    .created_at = NOW - DAY};
	struct demo_invitation invitation = {
	    .id = "00000000-0000-4000-8000-000000000601",
	    .token_hash = "h1",
	    .target_type = "property",
	    .target_id = LIPNO,
	    .email = "jana@example.cz",
	    .created_by = EVA,
	    .expires_at = NOW + 3 * DAY,
	    .created_at = NOW - DAY};
	struct err e = {0};

	user(f, JANA, "jana@example.cz", "Jana", "cs", 1, 0);
	user(f, PETR, "petr@example.cz", "Petr", "en", 1, 0);
	user(f, EVA, "eva@example.cz", "Eva", "cs", 0, 0);
	user(f, KAREL, "karel@example.cz", "Karel", "cs", 1, 1);
	place(f, JANA);
	assert_int_equal(demo_insert_property_member(f->t->db, &member, &e), 0);
	assert_int_equal(demo_insert_record(f->t->db, &kotel, &e), 0);
	assert_int_equal(demo_insert_comment(f->t->db, &comment, &e), 0);
	assert_int_equal(demo_insert_invitation(f->t->db, &invitation, &e), 0);
	/* Jana's own week; the first is exactly at the start (inside), the
	 * ones at now and before the start are outside. */
	activity(f, JANA, "zaznam_created", NOW - 7 * DAY);
	activity(f, JANA, "zaznam_created", NOW - 2 * DAY);
	activity(f, JANA, "zaznam_created", NOW - 7 * DAY - 1);
	activity(f, JANA, "zaznam_created", NOW);
	activity(f, JANA, "zaznam_updated", NOW - DAY);
	activity(f, JANA, "document_uploaded", NOW - DAY);
	activity(f, JANA, "document_uploaded", NOW - 1);
	activity(f, JANA, "comment_added", NOW - 3 * DAY);
	/* Eva on the shared property, and blocked Karel's own activity. */
	activity(f, EVA, "zaznam_created", NOW - 3 * DAY);
	activity(f, EVA, "zaznam_created", NOW - 4 * DAY);
	activity(f, KAREL, "zaznam_updated", NOW - DAY);
	/* Jana's drafts: one that cleanup deletes within 7 days, one new. */
	draft(f, JANA, NOW - 25 * DAY);
	draft(f, JANA, NOW - 2 * DAY);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->t = testdb_open(0);
	snprintf(f->t->cfg.scheduler.time_zone, sizeof(f->t->cfg.scheduler.time_zone),
		 "UTC");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testdb_close(f->t);
	free(f);
	return 0;
}

/* The payload of the one send_email job for key (caller deletes). */
static cJSON *email_payload(sqlite3 *db, const char *key)
{
	sqlite3_stmt *stmt = NULL;
	cJSON *payload = NULL;

	assert_int_equal(
	    sqlite3_prepare_v2(
		db,
		"SELECT payload FROM jobs WHERE type = 'send_email' "
		"AND unique_key = ?1",
		-1, &stmt, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		payload =
		    cJSON_Parse((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return payload;
}

static double number_at(const cJSON *data, const char *object, const char *name)
{
	const cJSON *item =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(data, object), name);

	assert_true(cJSON_IsNumber(item));
	return item->valuedouble;
}

static void test_weekly_summary_counts_a_seeded_week(void **state)
{
	struct fixture *f = *state;
	struct testdb_job_result r;
	const cJSON *data, *shared, *item;
	cJSON *payload;

	seed_week(f);
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL, NOW,
			0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "users"), 2); /* Jana, Petr */
	assert_int_equal(job_count_get(&r.ctx, "emails"), 1);
	assert_int_equal(job_count_get(&r.ctx, "quiet"), 1);
	payload = email_payload(f->t->db, "weekly_summary:" JANA ":2026-W48");
	assert_non_null(payload);
	assert_string_equal(
	    cJSON_GetObjectItem(payload, "template")->valuestring,
	    "weekly_summary");
	assert_string_equal(cJSON_GetObjectItem(payload, "to")->valuestring,
			    "jana@example.cz");
	assert_string_equal(
	    cJSON_GetObjectItem(payload, "language")->valuestring, "cs");
	data = cJSON_GetObjectItem(payload, "data");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(data, "period"), "from")
		->valuestring,
	    "16. 11. 2026");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(data, "period"), "to")
		->valuestring,
	    "23. 11. 2026");
	assert_true(number_at(data, "myActivity", "zaznamyCreated") == 2);
	assert_true(number_at(data, "myActivity", "zaznamyUpdated") == 1);
	assert_true(number_at(data, "myActivity", "documentsUploaded") == 2);
	assert_true(number_at(data, "myActivity", "commentsAdded") == 1);
	assert_true(number_at(data, "alerts", "pendingDrafts") == 2);
	assert_true(number_at(data, "alerts", "pendingInvitations") == 1);
	assert_true(number_at(data, "alerts", "expiringDrafts") == 1);
	shared = cJSON_GetObjectItem(data, "sharedActivity");
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(shared, "newZaznamy")), 1);
	item = cJSON_GetArrayItem(cJSON_GetObjectItem(shared, "newZaznamy"), 0);
	assert_string_equal(cJSON_GetObjectItem(item, "property")->valuestring,
			    "Chalupa Lipno");
	assert_true(cJSON_GetObjectItem(item, "count")->valuedouble == 2);
	item =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(shared, "newComments"), 0);
	assert_string_equal(cJSON_GetObjectItem(item, "zaznam")->valuestring,
			    "Výměna kotle");
	assert_string_equal(cJSON_GetObjectItem(item, "author")->valuestring,
			    "Eva");
	item = cJSON_GetArrayItem(cJSON_GetObjectItem(shared, "newMembers"), 0);
	assert_string_equal(cJSON_GetObjectItem(item, "member")->valuestring,
			    "Eva");
	cJSON_Delete(payload);
	assert_int_equal(
	    testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE unique_key LIKE "
			  "'weekly_summary:" PETR "%'"),
	    0);
	assert_int_equal(
	    testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE unique_key LIKE "
			  "'weekly_summary:" KAREL "%'"),
	    0);
}

static void test_weekly_summary_payload_renders_in_both_languages(void **state)
{
	static const char *const languages[] = {"cs", "en"};
	struct fixture *f = *state;
	struct testdb_job_result r;
	cJSON *payload;

	seed_week(f);
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL, NOW,
			0, &r);
	payload = email_payload(f->t->db, "weekly_summary:" JANA ":2026-W48");
	assert_non_null(payload);
	for (int i = 0; i < 2; i++) {
		struct rendered_email email;
		struct err e = {0};
		int rc = template_render_email(
		    "weekly_summary", languages[i],
		    cJSON_GetObjectItem(payload, "data"), &email, &e);
		if (rc)
			fail_msg("%s: %s", languages[i], e.msg);
		assert_non_null(strstr(email.text, "Chalupa Lipno"));
		rendered_email_free(&email);
	}
	cJSON_Delete(payload);
}

static void test_weekly_summary_rerun_sends_no_second_email(void **state)
{
	struct fixture *f = *state;
	struct testdb_job_result r;

	seed_week(f);
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL, NOW,
			0, &r);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 1);
	/* while the first email waits in the queue */
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL,
			NOW + 60000, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 0);
	assert_int_equal(job_count_get(&r.ctx, "already"), 1);
	/* after it was sent */
	assert_int_equal(sqlite3_exec(f->t->db,
				      "UPDATE jobs SET state = 'succeeded'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL,
			NOW + DAY, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 0);
	assert_int_equal(
	    testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'send_email'"),
	    1);
	/* next week is a new email (Jana's drafts and invitation still count)
	 */
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL,
			NOW + 7 * DAY, 0, &r);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 1);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE unique_key = "
				"'weekly_summary:" JANA ":2026-W49'"),
			 1);
}

static void test_weekly_summary_pages_through_all_users(void **state)
{
	struct fixture *f = *state;
	struct testdb_job_result r;
	char id[40], email[64];

	user(f, EVA, "eva@example.cz", "Eva", "cs", 0, 0);
	place(f, EVA);
	for (int i = 0; i < 5; i++) {
		snprintf(email, sizeof(email), "u%d@example.cz", i);
		user(f, new_id(f, id), email, NULL, "cs", 1, 0);
		draft(f, id, NOW - DAY); /* a pending draft: not quiet */
	}
	f->t->cfg.jobs.weekly_summary_email.r.batch_size = 2;
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL, NOW,
			0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(r.steps, 3);
	assert_int_equal(job_count_get(&r.ctx, "users"), 5);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 5);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(DISTINCT unique_key) FROM jobs "
				"WHERE type = 'send_email'"),
			 5);
}

static void test_weekly_summary_crash_mid_way_then_rerun_completes(void **state)
{
	struct fixture *f = *state;
	struct testdb_job_result r;
	char id[40], email[64];

	user(f, EVA, "eva@example.cz", "Eva", "cs", 0, 0);
	place(f, EVA);
	for (int i = 0; i < 4; i++) {
		snprintf(email, sizeof(email), "u%d@example.cz", i);
		user(f, new_id(f, id), email, "U", "en", 1, 0);
		draft(f, id, NOW - DAY);
	}
	f->t->cfg.jobs.weekly_summary_email.r.batch_size = 2;
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL, NOW,
			1, &r);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 2);
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL, NOW,
			0, &r);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 2);
	assert_int_equal(job_count_get(&r.ctx, "already"), 2);
	assert_int_equal(
	    testdb_int(f->t->db, "SELECT count(*) FROM jobs WHERE type = 'send_email' "
			  "AND json_extract(payload, '$.language') = 'en'"),
	    4);
}

static void test_weekly_summary_with_nobody_opted_in_does_nothing(void **state)
{
	struct fixture *f = *state;
	struct testdb_job_result r;

	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL, NOW,
			0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "users"), 0);
	assert_int_equal(testdb_int(f->t->db, "SELECT count(*) FROM jobs"), 0);
}

static void test_weekly_summary_bad_time_zone_is_reported(void **state)
{
	struct fixture *f = *state;
	struct testdb_job_result r;

	snprintf(f->t->cfg.scheduler.time_zone, sizeof(f->t->cfg.scheduler.time_zone),
		 "Mars/Olympus");
	testdb_run_job(f->t->db, &f->t->cfg, NULL, "weekly_summary_email", NULL, NOW,
			0, &r);
	assert_true(r.rc < 0);
	assert_non_null(strstr(r.err.msg, "time zone of WeeklySummaryEmail"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_weekly_summary_counts_a_seeded_week),
	    T(test_weekly_summary_payload_renders_in_both_languages),
	    T(test_weekly_summary_rerun_sends_no_second_email),
	    T(test_weekly_summary_pages_through_all_users),
	    T(test_weekly_summary_crash_mid_way_then_rerun_completes),
	    T(test_weekly_summary_with_nobody_opted_in_does_nothing),
	    T(test_weekly_summary_bad_time_zone_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
