/*
 * test_job_draft_cleanup.c - draft_cleanup: the DeleteAfterDays boundary
 * (also for times stored without milliseconds), what stays untouched,
 * blobs deleted (through the outbox), missing and refused, a failing blob
 * delete, reruns and a crash between batches.
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
#include "core/services.h"
#include "storage/storage_blocking.h"
#include "../../src/storage/storage_impl.h"
#include "testdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* now has milliseconds, so a cutoff inside a second can be tested. */
#define NOW (TESTDB_EPOCH + 100 * MS_PER_DAY + 500)
#define CUTOFF (NOW - 30 * MS_PER_DAY)

static const char drafts_state_sql[] =
    "SELECT id, status, is_deleted, deleted_at, updated_at FROM zaznamy ORDER "
    "BY id";
static const char documents_state_sql[] =
    "SELECT id, is_deleted, deleted_at, updated_at FROM zaznam_dokumenty ORDER "
    "BY id";

static void add_record(struct testdb *f, const char *id, const char *status,
		       int64_t created_at, int is_deleted)
{
	struct demo_record row = {.id = id,
				  .property_id = TESTDB_PROPERTY,
				  .title = id,
				  .status = status,
				  .created_by = TESTDB_JANA,
				  .created_at = created_at,
				  .is_deleted = is_deleted,
				  .deleted_at = is_deleted ? created_at : 0};
	struct err e = {0};

	if (demo_insert_record(f->db, &row, &e))
		fail_msg("%s", e.msg);
}

static void add_document(struct testdb *f, const char *id, const char *record,
			 const char *key, int is_deleted)
{
	struct demo_document row = {.id = id,
				    .zaznam_id = record,
				    .storage_key = key,
				    .created_at = TESTDB_EPOCH,
				    .is_deleted = is_deleted,
				    .deleted_at = is_deleted ? TESTDB_EPOCH : 0};
	struct err e = {0};

	if (demo_insert_document(f->db, &row, &e))
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

	testdb_run_job(f->db, &f->cfg, &f->services, "draft_cleanup", NULL,
			NOW, max_steps, &r);
	return r;
}

static void assert_done(const struct testdb_job_result *r)
{
	if (r->rc != JOB_DONE)
		fail_msg("draft_cleanup: rc %d: %s", r->rc, r->err.msg);
}

static int64_t count(const struct testdb_job_result *r, const char *name)
{
	return job_count_get(&r->ctx, name);
}

static int64_t is_deleted(struct testdb *f, const char *table, const char *id)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT is_deleted FROM %s WHERE id = '%s'",
		 table, id);
	return testdb_int(f->db, sql);
}

static void
test_draft_cleanup_deletes_only_drafts_strictly_older_than_delete_after_days(
    void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char now_iso[CLOCK_ISO_LEN], sql[256];

	(void)state;
	add_record(f, "old", "draft", CUTOFF - 1, 0);
	add_record(f, "exact", "draft", CUTOFF, 0);
	add_record(f, "young", "draft", CUTOFF + MS_PER_DAY, 0);
	add_record(f, "complete", "complete", CUTOFF - 10 * MS_PER_DAY, 0);
	add_record(f, "gone", "draft", CUTOFF - 10 * MS_PER_DAY, 1);
	/* Without milliseconds: 00:00:00Z is 500 ms before the cutoff (which
	 * is at .500), 00:00:01Z is after it. As text both sort after it. */
	add_record(f, "no_ms_before", "draft", CUTOFF, 0);
	add_record(f, "no_ms_after", "draft", CUTOFF, 0);
	exec(f, "UPDATE zaznamy SET created_at = '2026-03-12T00:00:00Z' WHERE "
		"id = 'no_ms_before';"
		"UPDATE zaznamy SET created_at = '2026-03-12T00:00:01Z' WHERE "
		"id = 'no_ms_after'");
	assert_int_equal(CUTOFF,
			 INT64_C(1773273600500)); /* 2026-03-12T00:00:00.500Z */
	r = run(f, 0);
	assert_done(&r);
	assert_int_equal(count(&r, "deleted"), 2);
	assert_int_equal(is_deleted(f, "zaznamy", "old"), 1);
	assert_int_equal(is_deleted(f, "zaznamy", "no_ms_before"), 1);
	assert_int_equal(is_deleted(f, "zaznamy", "exact"), 0);
	assert_int_equal(is_deleted(f, "zaznamy", "no_ms_after"), 0);
	assert_int_equal(is_deleted(f, "zaznamy", "young"), 0);
	assert_int_equal(is_deleted(f, "zaznamy", "complete"), 0);
	clock_format(NOW, now_iso);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM zaznamy WHERE id = 'old'"
		 " AND deleted_at = '%s' AND updated_at = '%s'",
		 now_iso, now_iso);
	assert_int_equal(testdb_int(f->db, sql), 1);
	/* The draft deleted before keeps its own deleted_at. */
	assert_int_equal(
	    testdb_int(f->db, "SELECT count(*) FROM zaznamy WHERE id = 'gone'"
			     " AND deleted_at = created_at"),
	    1);
	testdb_close(f);
}

static void
test_draft_cleanup_deletes_blobs_and_soft_deletes_documents(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;

	(void)state;
	add_record(f, "old", "draft", CUTOFF - MS_PER_DAY, 0);
	add_record(f, "complete", "complete", CUTOFF - MS_PER_DAY, 0);
	add_document(f, "doc1", "old", "documents/p/old/a.jpg", 0);
	add_document(f, "doc2", "old", "documents/p/old/b.pdf", 0);
	add_document(f, "doc3", "old", "documents/p/old/missing.jpg", 0);
	add_document(f, "doc4", "old", "documents/p/old/deleted.jpg", 1);
	add_document(f, "doc5", "complete", "documents/p/complete/c.jpg", 0);
	testdb_put_file(f, "documents/p/old/a.jpg", "a");
	testdb_put_file(f, "documents/p/old/b.pdf", "b");
	testdb_put_file(f, "documents/p/old/deleted.jpg",
		       "its row was deleted before, the file goes with the draft");
	testdb_put_file(f, "documents/p/complete/c.jpg", "c");
	r = run(f, 0);
	assert_done(&r);
	assert_int_equal(count(&r, "deleted"), 1);
	assert_int_equal(count(&r, "documents"), 3);
	assert_int_equal(count(&r, "blobs_deleted"), 3);
	assert_int_equal(count(&r, "blobs_missing"), 1);
	assert_int_equal(count(&r, "keys_refused"), 0);
	assert_false(testdb_has_file(f, "documents/p/old/a.jpg"));
	assert_false(testdb_has_file(f, "documents/p/old/b.pdf"));
	assert_false(testdb_has_file(f, "documents/p/old/deleted.jpg"));
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM blob_deletions"),
			 0);
	assert_true(testdb_has_file(f, "documents/p/complete/c.jpg"));
	assert_int_equal(is_deleted(f, "zaznam_dokumenty", "doc1"), 1);
	assert_int_equal(is_deleted(f, "zaznam_dokumenty", "doc3"), 1);
	assert_int_equal(is_deleted(f, "zaznam_dokumenty", "doc5"), 0);
	assert_int_equal(
	    testdb_int(f->db, "SELECT count(*) FROM zaznam_dokumenty"
			     " WHERE id = 'doc4' AND deleted_at = created_at"),
	    1);
	testdb_close(f);
}

static void
test_draft_cleanup_refuses_unsafe_keys_and_never_touches_their_files(
    void **state)
{
	static const char *const keys[] = {
	    "../outside.txt",
	    "../../etc/passwd",
	    "/etc/hostname",
	    "documents/../../outside.txt",
	    "documents/x\\..\\..\\outside.txt",
	};
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char outside[512], id[16];
	FILE *fp;

	(void)state;
	/* root is dir/storage, so "../outside.txt" would name dir/outside.txt.
	 */
	snprintf(outside, sizeof(outside), "%s/outside.txt", f->dir);
	fp = fopen(outside, "w");
	assert_non_null(fp);
	fputs("not ours", fp);
	fclose(fp);
	add_record(f, "old", "draft", CUTOFF - MS_PER_DAY, 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(id, sizeof(id), "doc%zu", i);
		add_document(f, id, "old", keys[i], 0);
	}
	r = run(f, 0);
	assert_done(&r);
	assert_int_equal(count(&r, "keys_refused"), 5);
	assert_int_equal(count(&r, "documents"), 5);
	assert_int_equal(count(&r, "blobs_deleted"), 0);
	assert_int_equal(access(outside, F_OK), 0);
	assert_int_equal(testdb_int(f->db,
				   "SELECT count(*) FROM zaznam_dokumenty"
				   " WHERE is_deleted = 1"),
			 5);
	assert_int_equal(is_deleted(f, "zaznamy", "old"), 1);
	testdb_close(f);
}

/* A provider whose delete fails with an I/O error for keys ending in
 * "stuck" and otherwise forwards to the local provider. */
struct stuck_storage {
	struct storage base;
	struct storage *local;
};

static int stuck_remove(struct storage *base, const char *key, struct err *e)
{
	struct stuck_storage *st = (struct stuck_storage *)base;
	size_t n = strlen(key);

	if (n >= 5 && strcmp(key + n - 5, "stuck") == 0)
		return err_set(e, ERR_IO,
			       "cannot delete \"%s\": Input/output error", key);
	return storage_delete(st->local, key, e);
}

static const struct storage_ops stuck_ops = {.name = "stuck",
					     .remove = stuck_remove};

static void
test_draft_cleanup_failed_blob_delete_stays_queued_for_the_next_run(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct stuck_storage stuck = {.base = {.ops = &stuck_ops},
				      .local = f->storage};
	struct services services = {.storage = &stuck.base};
	struct testdb_job_result r;

	(void)state;
	add_record(f, "old", "draft", CUTOFF - MS_PER_DAY, 0);
	add_document(f, "doc1", "old", "documents/p/old/a.jpg", 0);
	add_document(f, "doc2", "old", "documents/p/old/stuck", 0);
	add_document(f, "doc3", "old", "documents/p/old/c.jpg", 0);
	testdb_put_file(f, "documents/p/old/a.jpg", "a");
	testdb_put_file(f, "documents/p/old/c.jpg", "c");
	testdb_run_job(f->db, &f->cfg, &services, "draft_cleanup", NULL, NOW,
			0, &r);
	assert_int_equal(r.rc, ERR_IO);
	assert_non_null(strstr(r.err.msg, "documents/p/old/stuck"));
	/* The rows are gone (one transaction decided); the blob before the
	 * failure is gone and forgotten; the stuck one and the one after it
	 * wait in the outbox. */
	assert_int_equal(is_deleted(f, "zaznamy", "old"), 1);
	assert_int_equal(count(&r, "blobs_deleted"), 1);
	assert_false(testdb_has_file(f, "documents/p/old/a.jpg"));
	assert_true(testdb_has_file(f, "documents/p/old/c.jpg"));
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM blob_deletions"),
			 2);
	/* Once the store works again, a rerun empties the outbox. */
	r = run(f, 0);
	assert_done(&r);
	assert_int_equal(count(&r, "deleted"), 0);
	assert_int_equal(count(&r, "blobs_deleted"), 1);
	assert_int_equal(count(&r, "blobs_missing"), 1);
	assert_false(testdb_has_file(f, "documents/p/old/c.jpg"));
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM blob_deletions"),
			 0);
	testdb_close(f);
}

static void
test_draft_cleanup_without_storage_keeps_the_blobs_queued(void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;

	(void)state;
	add_record(f, "bare", "draft", CUTOFF - 2 * MS_PER_DAY, 0);
	add_record(f, "with_doc", "draft", CUTOFF - MS_PER_DAY, 0);
	add_document(f, "doc1", "with_doc", "documents/p/with_doc/a.jpg", 0);
	testdb_put_file(f, "documents/p/with_doc/a.jpg", "a");
	testdb_run_job(f->db, &f->cfg, NULL, "draft_cleanup", NULL, NOW, 0,
			&r);
	assert_int_equal(r.rc, ERR_INVALID);
	assert_non_null(strstr(r.err.msg, "no blob storage"));
	assert_non_null(strstr(r.err.msg, "documents/p/with_doc/a.jpg"));
	assert_int_equal(is_deleted(f, "zaznamy", "with_doc"), 1);
	assert_int_equal(is_deleted(f, "zaznamy", "bare"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM blob_deletions"),
			 1);
	r = run(f, 0);
	assert_done(&r);
	assert_int_equal(count(&r, "blobs_deleted"), 1);
	assert_false(testdb_has_file(f, "documents/p/with_doc/a.jpg"));
	testdb_close(f);
}

static void fill_several(struct testdb *f)
{
	char id[32], doc[32], key[96];

	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "draft%d", i);
		add_record(f, id, "draft", CUTOFF - (i + 1) * MS_PER_HOUR, 0);
		for (int j = 0; j < 2; j++) {
			snprintf(doc, sizeof(doc), "doc%d%d", i, j);
			snprintf(key, sizeof(key), "documents/p/%s/%d.jpg", id,
				 j);
			add_document(f, doc, id, key, 0);
			if (j == 0)
				testdb_put_file(f, key, "x");
		}
	}
	add_record(f, "young", "draft", CUTOFF + MS_PER_HOUR, 0);
}

static char *end_state(struct testdb *f)
{
	char *drafts = testdb_rows(f->db, drafts_state_sql);
	char *docs = testdb_rows(f->db, documents_state_sql);
	size_t n = strlen(drafts) + strlen(docs) + 64;
	char *all = malloc(n);

	snprintf(all, n, "%s--\n%s--\n%d", drafts, docs,
		 testdb_has_file(f, "documents/p/draft0/0.jpg"));
	free(drafts);
	free(docs);
	return all;
}

static void
test_draft_cleanup_batches_until_none_left_and_rerun_changes_nothing(
    void **state)
{
	struct testdb *f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char *first, *second;

	(void)state;
	f->cfg.jobs.draft_cleanup.r.batch_size = 2;
	fill_several(f);
	r = run(f, 0);
	assert_done(&r);
	/* 3 batches of drafts, 5 full batches of 2 queued blobs, and one
	 * step that finds the outbox empty. */
	assert_int_equal(r.steps, 9);
	assert_int_equal(count(&r, "deleted"), 5);
	assert_int_equal(count(&r, "documents"), 10);
	assert_int_equal(count(&r, "blobs_deleted"), 5);
	assert_int_equal(count(&r, "blobs_missing"), 5);
	first = end_state(f);
	r = run(f, 0);
	assert_done(&r);
	assert_int_equal(count(&r, "deleted"), 0);
	assert_int_equal(count(&r, "documents"), 0);
	second = end_state(f);
	assert_string_equal(first, second);
	free(first);
	free(second);
	testdb_close(f);
}

static void test_draft_cleanup_crash_after_one_batch_then_rerun_ends_as_one_run(
    void **state)
{
	struct testdb *crashed = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb *whole = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	struct testdb_job_result r;
	char *a, *b;

	(void)state;
	crashed->cfg.jobs.draft_cleanup.r.batch_size = 1;
	whole->cfg.jobs.draft_cleanup.r.batch_size = 1;
	fill_several(crashed);
	fill_several(whole);
	r = run(crashed, 1);
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_int_equal(count(&r, "deleted"), 1);
	assert_int_equal(testdb_int(crashed->db, "SELECT count(*) FROM zaznamy"
						" WHERE is_deleted = 1"),
			 1);
	r = run(crashed, 0);
	assert_done(&r);
	assert_int_equal(count(&r, "deleted"), 4);
	r = run(whole, 0);
	assert_done(&r);
	assert_int_equal(count(&r, "deleted"), 5);
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
		test_draft_cleanup_deletes_only_drafts_strictly_older_than_delete_after_days),
	    cmocka_unit_test(
		test_draft_cleanup_deletes_blobs_and_soft_deletes_documents),
	    cmocka_unit_test(
		test_draft_cleanup_refuses_unsafe_keys_and_never_touches_their_files),
	    cmocka_unit_test(
		test_draft_cleanup_failed_blob_delete_stays_queued_for_the_next_run),
	    cmocka_unit_test(
		test_draft_cleanup_without_storage_keeps_the_blobs_queued),
	    cmocka_unit_test(
		test_draft_cleanup_batches_until_none_left_and_rerun_changes_nothing),
	    cmocka_unit_test(
		test_draft_cleanup_crash_after_one_batch_then_rerun_ends_as_one_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
