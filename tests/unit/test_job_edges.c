/*
 * test_job_edges.c - data-job edges found from outside (issue 17, items
 * 1-4): a creator found whatever the case of activities.target_type
 * (draft_reminder and weekly_summary_email, and the partial index still
 * used); ExportCleanup skips a refused or symlinked key and goes on;
 * DraftCleanup deletes the files of documents deleted before and skips a
 * symlinked key; the export lists a linked document as missing (issue
 * 18); the weekly summary stays once a week when the queue is pruned
 * sooner than a week, and is sent again when its email went dead;
 * the too-large export email says why and what to do, not "try again"
 * (item 6).
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "app/export_notice.h"
#include "base/clock.h"
#include "base/err.h"
#include "core/job.h"
#include "demo/demo.h"
#include "storage/storage.h"
#include "testdb.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW (TESTDB_EPOCH + 100 * MS_PER_DAY + 500)

static void exec(struct testdb *f, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(f->db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static struct testdb_job_result run(struct testdb *f, const char *type,
				     int64_t now)
{
	struct testdb_job_result r;

	testdb_run_job(f->db, &f->cfg, &f->services, type, NULL, now, 0, &r);
	if (r.rc != JOB_DONE)
		fail_msg("%s: rc %d: %s", type, r.rc, r.err.msg);
	return r;
}

static void add_draft(struct testdb *f, const char *id, int64_t created_at)
{
	struct demo_record row = {.id = id,
				  .property_id = TESTDB_PROPERTY,
				  .title = id,
				  .created_at = created_at};
	struct err e = {0};

	if (demo_insert_record(f->db, &row, &e))
		fail_msg("%s", e.msg);
}

static void add_creation(struct testdb *f, const char *id, const char *actor,
			 const char *target_type, const char *draft)
{
	struct demo_activity row = {.id = id,
				    .property_id = TESTDB_PROPERTY,
				    .type = "zaznam_created",
				    .actor_user_id = actor,
				    .target_type = target_type,
				    .target_id = draft,
				    .created_at = NOW - 40 * MS_PER_DAY};
	struct err e = {0};

	if (demo_insert_activity(f->db, &row, &e))
		fail_msg("%s", e.msg);
}

static void opt_in_weekly(struct testdb *f, const char *user)
{
	struct demo_preferences p = DEMO_PREFERENCES_DEFAULTS(user);
	struct err e = {0};

	p.email_weekly_summary = 1;
	if (demo_insert_preferences(f->db, &p, &e))
		fail_msg("%s", e.msg);
}

static void
test_creator_is_found_whatever_the_case_of_target_type(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char *plan;

	(void)state;
	add_draft(f, "upper", NOW - 10 * MS_PER_DAY);
	add_draft(f, "shout", NOW - 10 * MS_PER_DAY);
	add_creation(f, "a1", TESTDB_JANA, "Zaznam", "upper");
	add_creation(f, "a2", TESTDB_TOM, "ZAZNAM", "shout");
	r = run(f, "draft_reminder", NOW);
	assert_int_equal(job_count_get(&r.ctx, "reminded"), 2);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM notifications"
					  " WHERE type = 'draft_reminder' AND user_id = '" TESTDB_JANA
					  "' AND json_extract(payload, '$.zaznamId') = 'upper'"),
			 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM notifications"
					  " WHERE type = 'draft_reminder' AND user_id = '" TESTDB_TOM
					  "' AND json_extract(payload, '$.zaznamId') = 'shout'"),
			 1);
	/* The weekly summary counts Jana's draft among her pending ones. */
	opt_in_weekly(f, TESTDB_JANA);
	run(f, "weekly_summary_email", NOW);
	assert_int_equal(testdb_int(f->db, "SELECT json_extract(payload,"
					  " '$.data.alerts.pendingDrafts') FROM jobs"
					  " WHERE type = 'send_email'"),
			 1);
	/* The lookup still uses the partial index (schema 008). */
	plan = testdb_rows(f->db, "EXPLAIN QUERY PLAN SELECT a.actor_user_id FROM activities a"
				 " WHERE lower(a.target_type) = 'zaznam' AND a.target_id = 'x'"
				 " AND a.type = 'zaznam_created' ORDER BY a.created_at LIMIT 1");
	assert_non_null(strstr(plan, "activities_record_created"));
	free(plan);
	testdb_close(f);
}

static void add_export(struct testdb *f, const char *key, const char *expires)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO exports VALUES ('%s', 'u', NULL, 'zip', 1,"
		 " '2026-01-01T00:00:00.000Z', '%s')",
		 key, expires);
	exec(f, sql);
}

static void
test_export_cleanup_skips_refused_keys_and_deletes_the_rest(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char outside[512], link[512], victim[600];

	(void)state;
	snprintf(outside, sizeof(outside), "%s/outside", f->dir);
	snprintf(link, sizeof(link), "%s/exports", f->root);
	snprintf(victim, sizeof(victim), "%s/x.zip", outside);
	assert_int_equal(mkdir(outside, 0750), 0);
	assert_int_equal(symlink(outside, link), 0);
	testdb_put_file(f, "old/a.zip", "a");
	{
		FILE *fp = fopen(victim, "w");
		assert_non_null(fp);
		fclose(fp);
	}
	/* Sorted by expiry, the refused ones come first. */
	add_export(f, "../x.txt", "2026-01-02T00:00:00.000Z");
	add_export(f, "exports/x.zip", "2026-01-03T00:00:00.000Z");
	add_export(f, "old/a.zip", "2026-01-04T00:00:00.000Z");
	add_export(f, "fresh/b.zip", "2027-01-04T00:00:00.000Z");
	r = run(f, "export_cleanup", NOW);
	assert_int_equal(job_count_get(&r.ctx, "keys_refused"), 2);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 1);
	assert_false(testdb_has_file(f, "old/a.zip"));
	assert_int_equal(access(victim, F_OK), 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM exports"), 1);
	/* And a later run has nothing left to trip over. */
	add_export(f, "../y.txt", "2026-01-05T00:00:00.000Z");
	r = run(f, "export_cleanup", NOW);
	assert_int_equal(job_count_get(&r.ctx, "keys_refused"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM exports"), 1);
	testdb_close(f);
}

static void add_document(struct testdb *f, const char *id, const char *key,
			 int is_deleted)
{
	struct demo_document row = {.id = id,
				    .zaznam_id = "old",
				    .storage_key = key,
				    .created_at = TESTDB_EPOCH,
				    .is_deleted = is_deleted,
				    .deleted_at = is_deleted ? TESTDB_EPOCH : 0};
	struct err e = {0};

	if (demo_insert_document(f->db, &row, &e))
		fail_msg("%s", e.msg);
}

static void
test_draft_cleanup_deletes_files_of_deleted_documents_and_skips_links(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char outside[512], link[512], victim[600];

	(void)state;
	snprintf(outside, sizeof(outside), "%s/outside", f->dir);
	snprintf(link, sizeof(link), "%s/docs", f->root);
	snprintf(victim, sizeof(victim), "%s/victim.jpg", outside);
	assert_int_equal(mkdir(outside, 0750), 0);
	assert_int_equal(symlink(outside, link), 0);
	{
		FILE *fp = fopen(victim, "w");
		assert_non_null(fp);
		fclose(fp);
	}
	add_draft(f, "old", NOW - 40 * MS_PER_DAY);
	add_document(f, "live", "documents/p/old/live.jpg", 0);
	add_document(f, "gone", "documents/p/old/gone.jpg", 1);
	add_document(f, "linked", "docs/victim.jpg", 0);
	testdb_put_file(f, "documents/p/old/live.jpg", "1");
	testdb_put_file(f, "documents/p/old/gone.jpg", "2");
	r = run(f, "draft_cleanup", NOW);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 1);
	assert_int_equal(job_count_get(&r.ctx, "blobs_deleted"), 2);
	assert_int_equal(job_count_get(&r.ctx, "keys_refused"), 1);
	assert_false(testdb_has_file(f, "documents/p/old/live.jpg"));
	assert_false(testdb_has_file(f, "documents/p/old/gone.jpg"));
	assert_int_equal(access(victim, F_OK), 0);
	/* The row deleted before keeps its own deleted_at. */
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM zaznam_dokumenty"
					  " WHERE id = 'gone' AND deleted_at = created_at"),
			 1);
	testdb_close(f);
}

/* The export reads a local blob through storage_local_open_blob: a key
 * with a symbolic link on its way (the last component or a directory) is
 * listed in missingFiles like a missing blob, the file behind the link is
 * never read, and the export goes on with the other files. */
static void
test_export_lists_linked_documents_as_missing_and_reads_no_link(void **state)
{
	static const char secret[] = "SECRET-BEHIND-THE-LINK";
	static const struct {
		const char *id, *key;
	} docs[] = {{"d1", "documents/p/old/real.jpg"},
		    {"d2", "documents/p/old/link.jpg"},
		    {"d3", "linked/victim.jpg"}};
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char outside[512], victim[600], link[600], path[700], *key, *zip;
	size_t len = 0;
	FILE *fp;

	(void)state;
	snprintf(outside, sizeof(outside), "%s/outside", f->dir);
	snprintf(victim, sizeof(victim), "%s/victim.jpg", outside);
	assert_int_equal(mkdir(outside, 0750), 0);
	fp = fopen(victim, "w");
	assert_non_null(fp);
	fputs(secret, fp);
	fclose(fp);
	add_draft(f, "old", NOW - MS_PER_DAY);
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		add_document(f, docs[i].id, docs[i].key, 0);
	testdb_put_file(f, "documents/p/old/real.jpg", "real");
	snprintf(link, sizeof(link), "%s/documents/p/old/link.jpg", f->root);
	assert_int_equal(symlink(victim, link), 0);
	snprintf(link, sizeof(link), "%s/linked", f->root);
	assert_int_equal(symlink(outside, link), 0);
	testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
			"{\"userId\":\"" TESTDB_JANA "\",\"format\":\"zip\"}",
			NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "files"), 1);
	assert_int_equal(job_count_get(&r.ctx, "missing"), 2);
	key = testdb_rows(f->db, "SELECT storage_key FROM exports");
	assert_non_null(key);
	key[strcspn(key, "\n|")] = '\0';
	snprintf(path, sizeof(path), "%s/%s", f->root, key);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	zip = malloc(1 << 20);
	assert_non_null(zip);
	len = fread(zip, 1, 1 << 20, fp);
	fclose(fp);
	assert_non_null(memmem(zip, len, "files/documents/p/old/real.jpg", 30));
	assert_null(memmem(zip, len, "files/documents/p/old/link.jpg", 30));
	assert_null(memmem(zip, len, "files/linked/victim.jpg", 23));
	assert_null(memmem(zip, len, secret, sizeof(secret) - 1));
	free(zip);
	free(key);
	testdb_close(f);
}

/* Jana has something to report: a record she created this week. */
static void weekly_fixture(struct testdb *f)
{
	struct demo_activity row = {.id = "w1",
				    .property_id = TESTDB_PROPERTY,
				    .type = "zaznam_created",
				    .actor_user_id = TESTDB_JANA,
				    .target_type = "zaznam",
				    .target_id = "r",
				    .created_at = NOW - MS_PER_DAY};
	struct err e = {0};

	opt_in_weekly(f, TESTDB_JANA);
	if (demo_insert_activity(f->db, &row, &e))
		fail_msg("%s", e.msg);
}

static void
test_weekly_summary_stays_once_a_week_when_the_queue_is_pruned(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;

	(void)state;
	weekly_fixture(f);
	r = run(f, "weekly_summary_email", NOW);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 1);
	/* Sent, then pruned at once (Queue.SucceededRetentionDays = 0). */
	exec(f, "DELETE FROM jobs WHERE type = 'send_email'");
	r = run(f, "weekly_summary_email", NOW + MS_PER_HOUR);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 0);
	assert_int_equal(job_count_get(&r.ctx, "already"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs WHERE type = 'send_email'"), 0);
	/* The next week is a new week. */
	exec(f, "UPDATE activities SET created_at = '2026-04-16T00:00:00.000Z' WHERE id = 'w1'");
	r = run(f, "weekly_summary_email", NOW + 7 * MS_PER_DAY);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 1);
	testdb_close(f);
}

static void test_weekly_summary_whose_email_went_dead_is_sent_again(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;

	(void)state;
	weekly_fixture(f);
	r = run(f, "weekly_summary_email", NOW);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 1);
	exec(f, "UPDATE jobs SET state = 'dead' WHERE type = 'send_email'");
	r = run(f, "weekly_summary_email", NOW + MS_PER_HOUR);
	assert_int_equal(job_count_get(&r.ctx, "emails"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs"
					  " WHERE type = 'send_email' AND state = 'enqueued'"),
			 1);
	testdb_close(f);
}

/* Renders the queued export_failed email through Maildir into text. */
static void render_too_big(struct testdb *f, const char *language, char *text,
			   size_t size)
{
	struct export_user u = {.id = TESTDB_JANA, .email = "jana@example.cz",
				.first_name = "Jana"};
	struct testdb_job_result r;
	struct err e = {0};
	char *payload, path[700];
	struct dirent *d;
	DIR *dir;
	FILE *fp;
	size_t n;

	snprintf(u.language, sizeof(u.language), "%s", language);
	snprintf(f->cfg.email.maildir.path, sizeof(f->cfg.email.maildir.path), "%s/mail-%s",
		 f->dir, language);
	exec(f, "DELETE FROM jobs");
	if (export_record_too_big(f->db, &u, NOW, 1000000, NULL, &e))
		fail_msg("%s", e.msg);
	payload = testdb_rows(f->db, "SELECT payload FROM jobs WHERE type = 'send_email'");
	testdb_run_job(f->db, &f->cfg, &f->services, "send_email", payload, NOW, 0, &r);
	free(payload);
	assert_int_equal(r.rc, JOB_DONE);
	snprintf(path, sizeof(path), "%s/new", f->cfg.email.maildir.path);
	assert_non_null(dir = opendir(path));
	while ((d = readdir(dir)) && d->d_name[0] == '.')
		;
	assert_non_null(d);
	snprintf(path, sizeof(path), "%s/new/%s", f->cfg.email.maildir.path, d->d_name);
	closedir(dir);
	assert_non_null(fp = fopen(path, "rb"));
	n = fread(text, 1, size - 1, fp);
	text[n] = '\0';
	fclose(fp);
}

static void test_too_large_export_email_says_what_to_do(void **state)
{
	static char text[65536];
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);

	(void)state;
	render_too_big(f, "en", text, sizeof(text));
	/* Quoted-printable may wrap lines: look for short pieces. */
	assert_non_null(strstr(text, "larger than the allowed limit"));
	assert_non_null(strstr(text, "Trying again will not help"));
	assert_non_null(strstr(text, "without photos"));
	assert_null(strstr(text, "start the export again"));
	assert_null(strstr(text, "Try again"));
	render_too_big(f, "cs", text, sizeof(text));
	assert_non_null(strstr(text, "Opakov"));
	assert_null(strstr(text, "Zkusit znovu"));
	testdb_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_creator_is_found_whatever_the_case_of_target_type),
	    cmocka_unit_test(test_export_cleanup_skips_refused_keys_and_deletes_the_rest),
	    cmocka_unit_test(test_draft_cleanup_deletes_files_of_deleted_documents_and_skips_links),
	    cmocka_unit_test(test_export_lists_linked_documents_as_missing_and_reads_no_link),
	    cmocka_unit_test(test_weekly_summary_stays_once_a_week_when_the_queue_is_pruned),
	    cmocka_unit_test(test_weekly_summary_whose_email_went_dead_is_sent_again),
	    cmocka_unit_test(test_too_large_export_email_says_what_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
