/*
 * test_demo.c - the demo household: what demo_fill() promises (counts,
 * the edge cases the jobs need, files in storage that are copies of the
 * real fixtures, determinism, refusal, undo on failure) and the
 * demo_insert_*() helpers (schema defaults, error messages, busy).
 */
/* cmocka wants these first, in this order. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <mbedtls/md.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/clock.h"
#include "demo/demo.h"
#include "base/err.h"
#include "storage/storage_blocking.h"
#include "testdb.h"

#define NOW_TEXT "2026-11-28T20:45:17.000Z"
#define SEED 20261128u

struct fixture {
	struct testdb *t;  /* with a storage root */
	struct storage *st; /* t->storage */
	sqlite3 *db;	    /* t->db */
	int64_t now;
	struct demo_counts counts;
};

static int open_fixture(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	if (testdb_make(TESTDB_STORAGE, &f->t))
		return -1;
	f->st = f->t->storage;
	f->db = f->t->db;
	return clock_parse(NOW_TEXT, &f->now, NULL) == 0 ? 0 : -1;
}

static void close_fixture(struct fixture *f)
{
	testdb_close(f->t);
}

static int setup_empty(void **state)
{
	static struct fixture f;

	*state = &f;
	return open_fixture(&f);
}

/* The demo is filled once per test: it is what most tests look at. */
static int setup_filled(void **state)
{
	struct fixture *f;
	struct err e = {0};

	if (setup_empty(state))
		return -1;
	f = *state;
	if (demo_fill(f->db, f->st, f->now, SEED, &f->counts, &e)) {
		fprintf(stderr, "# demo_fill: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	close_fixture(*state);
	return 0;
}

/* The first column of sql with ?1 = the ISO time of at; -1 on error. */
static int64_t query_at(sqlite3 *db, const char *sql, int64_t at)
{
	sqlite3_stmt *stmt = NULL;
	char iso[CLOCK_ISO_LEN];
	int64_t value = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, clock_format(at, iso), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

/* Runs sql with ?1 = the ISO time of at; returns sqlite3_step's code. */
static int exec_at(sqlite3 *db, const char *sql, int64_t at)
{
	sqlite3_stmt *stmt = NULL;
	char iso[CLOCK_ISO_LEN];
	int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);

	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(stmt, 1, clock_format(at, iso), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *table;
	size_t offset;
} counted[] = {
#define C(table)                                                               \
	{                                                                      \
#table, offsetof(struct demo_counts, table)                    \
	}
    C(users),
    C(user_preferences),
    C(refresh_tokens),
    C(app_settings),
    C(projects),
    C(project_members),
    C(properties),
    C(property_members),
    C(units),
    C(zaznamy),
    C(zaznam_dokumenty),
    C(zaznam_tags),
    C(comments),
    C(comment_mentions),
    C(invitations),
    C(activities),
    C(notifications),
    C(contacts),
    C(contact_groups),
    C(contact_group_members),
    C(audit_log),
    C(sync_queue),
#undef C
};

static void test_demo_counts_match_the_tables_and_the_promise(void **state)
{
	struct fixture *f = *state;
	char sql[128];

	for (size_t i = 0; i < COUNT(counted); i++) {
		int reported = *(const int *)((const char *)&f->counts +
					      counted[i].offset);

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s",
			 counted[i].table);
		if (testdb_int(f->db, sql) != reported || reported <= 0)
			fail_msg("%s: counts say %d, table has %lld",
				 counted[i].table, reported,
				 (long long)testdb_int(f->db, sql));
	}
	assert_int_equal(f->counts.users, 3);
	assert_int_equal(f->counts.projects, 2);
	assert_int_equal(f->counts.properties, 3);
	assert_int_equal(f->counts.zaznamy, 60);
	assert_int_equal(f->counts.activities, 5000);
	assert_int_equal(f->counts.drafts,
			 testdb_int(f->db, "SELECT count(*) FROM zaznamy WHERE"
				   " status = 'draft' AND is_deleted = 0"));
	assert_int_equal(f->counts.files, f->counts.zaznam_dokumenty);
	assert_int_equal(f->counts.file_bytes,
			 testdb_int(f->db, "SELECT sum(size_bytes) FROM"
					  " zaznam_dokumenty"));
	/* Eva has no preferences row: she has the defaults. */
	assert_int_equal(f->counts.user_preferences, 2);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM users u JOIN"
				   " user_preferences p ON p.user_id = u.id"
				   " WHERE p.email_weekly_summary = 1"
				   " AND u.is_admin = 1"),
			 1);
}

static void test_demo_drafts_sit_on_the_job_boundaries(void **state)
{
	struct fixture *f = *state;
	static const char exact[] = "SELECT count(*) FROM zaznamy WHERE"
				    " status = 'draft' AND is_deleted = 0"
				    " AND created_at = ?1";
	static const int ages[] = {1, 3, 7, 23, 30, 40};

	for (size_t i = 0; i < COUNT(ages); i++)
		if (query_at(f->db, exact, f->now - ages[i] * MS_PER_DAY) < 1)
			fail_msg("no draft exactly %d days old", ages[i]);
	assert_int_equal(query_at(f->db,
				  "SELECT count(*) FROM zaznamy WHERE status ="
				  " 'draft' AND is_deleted = 0 AND (created_at"
				  " < ?1 OR created_at > strftime("
				  "'%Y-%m-%dT%H:%M:%fZ', ?1, '+39 days'))",
				  f->now - 40 * MS_PER_DAY),
			 0);
	assert_true(testdb_int(f->db, "SELECT count(*) FROM zaznamy WHERE"
			      " status = 'draft' AND is_deleted = 1") >= 1);
	assert_true(testdb_int(f->db, "SELECT count(*) FROM zaznamy WHERE"
			      " status = 'draft' AND title IS NULL") >= 1);
}

static void
test_demo_records_without_creator_have_their_first_activity(void **state)
{
	struct fixture *f = *state;

	assert_true(testdb_int(f->db, "SELECT count(*) FROM zaznamy WHERE"
				     " created_by IS NULL AND status = 'draft'"
				     " AND is_deleted = 0") >= 2);
	assert_int_equal(
	    testdb_int(f->db, "SELECT count(*) FROM zaznamy z WHERE created_by IS NULL"
		      " AND NOT EXISTS (SELECT 1 FROM activities a WHERE"
		      " a.type = 'zaznam_created' AND a.target_id = z.id"
		      " AND a.actor_user_id IS NOT NULL AND a.created_at ="
		      " z.created_at)"),
	    0);
	/* No background activity claims to have created a real record. */
	assert_int_equal(
	    testdb_int(f->db, "SELECT count(*) FROM activities a JOIN zaznamy z"
			     " ON z.id = a.target_id WHERE a.type ="
			     " 'zaznam_created' AND a.created_at !="
			     " z.created_at"),
	    0);
}

/* The whole blob under key, read through the storage interface. */
static int read_blob(struct storage *st, const char *key, struct buf *out)
{
	struct storage_reader *r = NULL;
	char chunk[4096];
	size_t n = 0;
	int rc;

	buf_init(out, 1 << 20);
	if ((rc = storage_read_open(st, key, &r, NULL)))
		return rc;
	while (!(rc = storage_read(r, chunk, sizeof(chunk), &n, NULL)) && n)
		if ((rc = buf_append(out, chunk, n)))
			break;
	storage_read_close(r);
	return rc;
}

/* What a viewer checks first: the signature and the end marker. */
static int looks_real(const char *data, size_t n, const char *mime)
{
	if (strcmp(mime, "image/jpeg") == 0)
		return n > 4 && memcmp(data, "\xff\xd8\xff", 3) == 0 &&
		       memcmp(data + n - 2, "\xff\xd9", 2) == 0;
	if (strcmp(mime, "image/png") == 0)
		return n > 20 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0 &&
		       memcmp(data + n - 8, "IEND", 4) == 0;
	if (strcmp(mime, "application/pdf") == 0)
		return n > 20 && memcmp(data, "%PDF-1.", 7) == 0 &&
		       memmem(data + n - 16, 16, "%%EOF", 5) != NULL;
	return 0;
}

static const char *mime_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	return !dot			   ? ""
	       : strcmp(dot, ".jpg") == 0 ? "image/jpeg"
	       : strcmp(dot, ".png") == 0 ? "image/png"
	       : strcmp(dot, ".pdf") == 0 ? "application/pdf"
					   : "";
}

/* The fixtures demo_records.c names: each must be in the build. */
static const char *const fixture_names[] = {
    "demo/photo-1.jpg", "demo/photo-2.jpg", "demo/photo-3.jpg",
    "demo/photo-4.jpg", "demo/uctenka.png", "demo/faktura.pdf",
    "demo/revize.pdf"};

static void test_demo_fixtures_are_small_real_files(void **state)
{
	int kinds[3] = {0};
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < COUNT(fixture_names); i++) {
		const struct asset *a = demo_fixtures;

		while (a->name && strcmp(a->name, fixture_names[i]) != 0)
			a++;
		if (!a->name)
			fail_msg("fixture %s is not built in", fixture_names[i]);
	}
	for (const struct asset *a = demo_fixtures; a->name; a++, n++) {
		const char *mime = mime_of(a->name);

		if (strncmp(a->name, "demo/", 5) != 0 ||
		    !looks_real(a->data, a->size, mime))
			fail_msg("fixture %s is not a real %s file", a->name,
				 *mime ? mime : "JPEG/PNG/PDF");
		if (a->size < 1000 || a->size > 16000)
			fail_msg("fixture %s has %zu bytes, not a few KB",
				 a->name, a->size);
		kinds[mime[0] == 'i' ? (mime[6] == 'j' ? 0 : 1) : 2]++;
	}
	assert_int_equal(n, 7);
	assert_int_equal(kinds[0], 4); /* photos */
	assert_int_equal(kinds[1], 1); /* the receipt scan */
	assert_int_equal(kinds[2], 2); /* the invoice, the revision report */
}

/* Every document row's file is in storage, is byte for byte one of the
 * fixtures, and matches its row's size, MIME type and key. */
static void
test_demo_document_files_exist_with_their_recorded_sizes(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *stmt = NULL;
	int files = 0;

	assert_int_equal(
	    sqlite3_prepare_v2(
		f->db,
		"SELECT d.storage_key, d.size_bytes, d.mime_type,"
		" d.storage_key = 'documents/' || z.property_id || '/' ||"
		" z.id || '/' || d.id || '.' || CASE d.mime_type WHEN"
		" 'image/jpeg' THEN 'jpg' WHEN 'image/png' THEN 'png'"
		" ELSE 'pdf' END FROM zaznam_dokumenty d JOIN zaznamy z"
		" ON z.id = d.zaznam_id",
		-1, &stmt, NULL),
	    SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(stmt, 0);
		const char *mime = (const char *)sqlite3_column_text(stmt, 2);
		const struct asset *a = demo_fixtures;
		struct buf blob;

		assert_int_equal(sqlite3_column_int(stmt, 3), 1);
		if (read_blob(f->st, key, &blob))
			fail_msg("no file in storage for %s", key);
		assert_int_equal(blob.len, sqlite3_column_int64(stmt, 1));
		assert_true(looks_real(blob.data, blob.len, mime));
		while (a->name && (a->size != blob.len ||
				   memcmp(a->data, blob.data, blob.len) != 0))
			a++;
		if (!a->name || strcmp(mime_of(a->name), mime) != 0)
			fail_msg("%s is not a copy of a %s fixture", key, mime);
		buf_free(&blob);
		files++;
	}
	sqlite3_finalize(stmt);
	assert_int_equal(files, f->counts.files);
	/* Every kind is there. */
	assert_int_equal(testdb_int(f->db, "SELECT count(DISTINCT mime_type) ||"
					  " count(DISTINCT type) FROM"
					  " zaznam_dokumenty"),
			 33);
}

/* Counts the blobs under prefix. */
static int count_blob(const char *key, int64_t size, int64_t mtime_ms,
		      void *ctx)
{
	(void)key, (void)size, (void)mtime_ms;
	(*(int *)ctx)++;
	return 0;
}

static int blobs_under(struct storage *st, const char *prefix)
{
	int n = 0;

	return storage_list(st, prefix, count_blob, &n, NULL) ? -1 : n;
}

static void test_demo_rows_cover_every_state_the_jobs_distinguish(void **state)
{
	static const struct {
		const char *what, *sql; /* ?1 = now; must count >= 1 */
	} cases[] = {
	    {"pending invitation past expires_at",
	     "SELECT count(*) FROM invitations WHERE status = 'pending'"
	     " AND expires_at < ?1"},
	    {"pending invitation in date",
	     "SELECT count(*) FROM invitations WHERE status = 'pending'"
	     " AND expires_at > ?1"},
	    {"invitation statuses", "SELECT count(DISTINCT status) = 4 FROM"
				    " invitations"},
	    {"expired token", "SELECT count(*) FROM refresh_tokens WHERE"
			      " expires_at < ?1 AND revoked_at IS NULL"},
	    {"token revoked more than 7 days ago",
	     "SELECT count(*) FROM refresh_tokens WHERE expires_at > ?1 AND"
	     " revoked_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-7 days')"},
	    {"token revoked less than 7 days ago",
	     "SELECT count(*) FROM refresh_tokens WHERE revoked_at >"
	     " strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-7 days')"},
	    {"live token replacing another",
	     "SELECT count(*) FROM refresh_tokens o JOIN refresh_tokens n ON"
	     " n.id = o.replaced_by_token_id WHERE n.revoked_at IS NULL"
	     " AND n.expires_at > ?1"},
	    {"every activity type within 120 days",
	     "SELECT count(DISTINCT type) = 8 AND min(created_at) >"
	     " strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-120 days') AND"
	     " max(created_at) <= ?1 FROM activities"},
	    {"activities older than 90 days",
	     "SELECT count(*) > 500 FROM activities WHERE created_at <"
	     " strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-90 days')"},
	    {"every notification type",
	     "SELECT count(DISTINCT type) = 10 FROM notifications"},
	    {"read notification older than 30 days",
	     "SELECT count(*) FROM notifications WHERE read_at IS NOT NULL"
	     " AND created_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?1,"
	     " '-30 days')"},
	    {"unread notification 90 days old or more",
	     "SELECT count(*) FROM notifications WHERE read_at IS NULL AND"
	     " created_at <= strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-90 days')"},
	    {"recent unread notification",
	     "SELECT count(*) FROM notifications WHERE read_at IS NULL AND"
	     " created_at > strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-7 days')"},
	    {"one reminder per draft at most",
	     "SELECT count(*) = count(DISTINCT json_extract(payload,"
	     " '$.zaznamId')) FROM notifications WHERE type ="
	     " 'draft_reminder'"},
	    {"no draft notifications for whom turned them off",
	     "SELECT count(*) = 0 FROM notifications n JOIN user_preferences"
	     " p ON p.user_id = n.user_id WHERE p.push_draft_reminders = 0"
	     " AND n.type LIKE 'draft_%'"},
	    {"drafts of a maker who turned reminders off",
	     "SELECT count(*) FROM zaznamy z JOIN user_preferences p ON"
	     " p.user_id = z.created_by WHERE z.status = 'draft' AND"
	     " p.push_draft_reminders = 0"},
	    {"failed sync item due",
	     "SELECT count(*) FROM sync_queue WHERE status = 'failed' AND"
	     " next_retry_at <= ?1"},
	    {"failed sync item not yet due",
	     "SELECT count(*) FROM sync_queue WHERE status = 'failed' AND"
	     " next_retry_at > ?1"},
	    {"failed sync items of every entity type and operation",
	     "SELECT count(DISTINCT entity_type) = 5 AND count(DISTINCT"
	     " operation) = 3 AND count(DISTINCT retry_count) = 5 FROM"
	     " sync_queue WHERE status = 'failed'"},
	    {"sync statuses",
	     "SELECT count(DISTINCT status) = 3 FROM sync_queue"},
	    {"envelopes carry id and clientUpdatedAt",
	     "SELECT count(*) = sum(operation = 'delete') FROM sync_queue"
	     " WHERE payload IS NULL OR json_extract(payload, '$.id') !="
	     " entity_id OR json_extract(payload, '$.clientUpdatedAt') IS"
	     " NULL"},
	    {"comments with mentions",
	     "SELECT count(*) FROM comment_mentions m JOIN comments c ON"
	     " c.id = m.comment_id WHERE c.content LIKE '@%'"},
	    {"contact groups with members",
	     "SELECT count(DISTINCT group_id) = 3 FROM contact_group_members"},
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < COUNT(cases); i++)
		if (query_at(f->db, cases[i].sql, f->now) < 1)
			fail_msg("missing: %s", cases[i].what);
}

static void test_demo_ids_are_uuid_v4_and_times_fixed_width(void **state)
{
	static const char *const checks[] = {
	    "SELECT count(*) FROM (SELECT id FROM users UNION ALL SELECT id"
	    " FROM zaznamy UNION ALL SELECT id FROM activities UNION ALL"
	    " SELECT id FROM notifications UNION ALL SELECT id FROM"
	    " sync_queue) WHERE id NOT GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f]"
	    "[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f]"
	    "[0-9a-f]-4[0-9a-f][0-9a-f][0-9a-f]-[89ab][0-9a-f][0-9a-f]"
	    "[0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]"
	    "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'",
	    "SELECT count(*) FROM (SELECT created_at AS t FROM activities"
	    " UNION ALL SELECT created_at FROM notifications UNION ALL"
	    " SELECT updated_at FROM zaznamy UNION ALL SELECT expires_at"
	    " FROM refresh_tokens UNION ALL SELECT next_retry_at FROM"
	    " sync_queue WHERE next_retry_at IS NOT NULL) WHERE t NOT GLOB"
	    " '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9]"
	    "[0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'",
	    "SELECT count(*) FROM zaznamy WHERE date NOT GLOB"
	    " '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'",
	    "SELECT count(*) FROM (SELECT payload AS j FROM notifications"
	    " UNION ALL SELECT metadata FROM activities) WHERE j IS NULL"
	    " OR json_type(j) != 'object'",
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < COUNT(checks); i++)
		if (testdb_int(f->db, checks[i]) != 0)
			fail_msg("check %zu found rows: %s", i, checks[i]);
}

static void test_demo_refuses_a_database_that_has_users(void **state)
{
	struct fixture *f = *state;
	struct demo_counts counts;
	struct err e = {0};

	assert_int_equal(
	    demo_fill(f->db, f->st, f->now, SEED + 1, &counts, &e),
	    ERR_CONFLICT);
	assert_non_null(strstr(e.msg, "already has 3 users"));
	assert_int_equal(counts.users, 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM users"), 3);
	assert_int_equal(sqlite3_get_autocommit(f->db), 1);
}

/* SHA-256 over every row of every app table, in rowid order. */
static void checksum(sqlite3 *db, unsigned char out[32])
{
	const mbedtls_md_info_t *info =
	    mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	mbedtls_md_context_t md;
	char sql[128];

	mbedtls_md_init(&md);
	assert_int_equal(mbedtls_md_setup(&md, info, 0), 0);
	assert_int_equal(mbedtls_md_starts(&md), 0);
	for (size_t t = 0; t < COUNT(counted); t++) {
		sqlite3_stmt *stmt = NULL;

		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY rowid",
			 counted[t].table);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
				 SQLITE_OK);
		while (sqlite3_step(stmt) == SQLITE_ROW)
			for (int c = 0; c < sqlite3_column_count(stmt); c++) {
				const unsigned char *v =
				    sqlite3_column_text(stmt, c);

				mbedtls_md_update(
				    &md, v ? v : (const unsigned char *)"\1",
				    v ? strlen((const char *)v) + 1 : 1);
			}
		sqlite3_finalize(stmt);
	}
	assert_int_equal(mbedtls_md_finish(&md, out), 0);
	mbedtls_md_free(&md);
}

static void read_first_document(struct fixture *f, struct buf *out)
{
	sqlite3_stmt *stmt = NULL;

	assert_int_equal(sqlite3_prepare_v2(f->db,
					    "SELECT storage_key FROM"
					    " zaznam_dokumenty ORDER BY rowid"
					    " LIMIT 1",
					    -1, &stmt, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(
	    read_blob(f->st, (const char *)sqlite3_column_text(stmt, 0), out),
	    0);
	sqlite3_finalize(stmt);
}

static void test_demo_same_seed_and_now_give_identical_databases(void **state)
{
	struct fixture *first = *state;
	struct fixture second, other;
	unsigned char a[32], b[32], c[32];
	struct buf file_a, file_b;
	struct err e = {0};

	assert_int_equal(open_fixture(&second), 0);
	assert_int_equal(open_fixture(&other), 0);
	assert_int_equal(
	    demo_fill(second.db, second.st, first->now, SEED, NULL, &e),
	    0);
	assert_int_equal(
	    demo_fill(other.db, other.st, first->now, SEED + 1, NULL, &e),
	    0);
	checksum(first->db, a);
	checksum(second.db, b);
	checksum(other.db, c);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	read_first_document(first, &file_a);
	read_first_document(&second, &file_b);
	assert_int_equal(file_a.len, file_b.len);
	assert_memory_equal(file_a.data, file_b.data, file_a.len);
	buf_free(&file_a);
	buf_free(&file_b);
	assert_int_equal(blobs_under(first->st, "documents/"),
			 blobs_under(second.st, "documents/"));
	close_fixture(&second);
	close_fixture(&other);
}

static void test_demo_needs_a_migrated_database(void **state)
{
	struct fixture *f = *state;
	sqlite3 *bare = NULL;
	char path[512];
	struct err e = {0};

	snprintf(path, sizeof(path), "%s/bare.db", f->t->dir);
	assert_int_equal(sqlite3_open(path, &bare), SQLITE_OK);
	assert_int_equal(demo_fill(bare, f->st, f->now, SEED, NULL, &e),
			 ERR_DB);
	assert_non_null(strstr(e.msg, "migrate"));
	sqlite3_close(bare);
	assert_int_equal(demo_fill(NULL, f->st, f->now, SEED, NULL, &e),
			 ERR_INVALID);
	assert_int_equal(demo_fill(f->db, NULL, f->now, SEED, NULL, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "storage"));
}

/* A file where the documents/ directory must go: the first file cannot
 * be stored, and the rows are rolled back. */
static void test_demo_unwritable_storage_rolls_everything_back(void **state)
{
	struct fixture *f = *state;
	char blocker[512];
	struct demo_counts counts;
	struct err e = {0};
	FILE *file;

	snprintf(blocker, sizeof(blocker), "%s/documents", f->t->root);
	assert_non_null(file = fopen(blocker, "w"));
	fclose(file);
	assert_int_equal(demo_fill(f->db, f->st, f->now, SEED, &counts, &e),
			 ERR_IO);
	assert_non_null(strstr(e.msg, "demo: cannot store the document file"
				      " documents/"));
	assert_non_null(strstr(e.msg, "a copy of demo/"));
	assert_int_equal(counts.zaznamy, 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM users"), 0);
	assert_int_equal(sqlite3_get_autocommit(f->db), 1);
}

/* A directory where the tenth document's file must go (the demo is
 * deterministic, so a scratch run tells the key): storing it fails after
 * nine files were stored, and those nine are deleted again with the
 * rows, so a failed demo leaves nothing behind. */
static void test_demo_file_that_cannot_be_created_is_an_io_error(void **state)
{
	struct fixture *f = *state;
	struct fixture scratch;
	sqlite3_stmt *stmt = NULL;
	char path[1024], command[1200];
	struct err e = {0};

	assert_int_equal(open_fixture(&scratch), 0);
	assert_int_equal(
	    demo_fill(scratch.db, scratch.st, f->now, SEED, NULL, &e), 0);
	assert_int_equal(sqlite3_prepare_v2(scratch.db,
					    "SELECT storage_key FROM"
					    " zaznam_dokumenty ORDER BY rowid"
					    " LIMIT 1 OFFSET 9",
					    -1, &stmt, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	snprintf(path, sizeof(path), "%s/%s", f->t->root,
		 sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	close_fixture(&scratch);
	snprintf(command, sizeof(command), "mkdir -p '%s'", path);
	assert_int_equal(system(command), 0);

	assert_int_equal(demo_fill(f->db, f->st, f->now, SEED, NULL, &e),
			 ERR_IO);
	assert_non_null(strstr(e.msg, "cannot store the document file"));
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM users"), 0);
	assert_int_equal(blobs_under(f->st, "documents/"), 0);
}

static void test_demo_locked_database_is_busy_not_an_error(void **state)
{
	struct fixture *f = *state;
	sqlite3 *other = testdb_connect(f->t);
	struct demo_user user = {
	    .id = "u1", .email = "a@b.cz", .created_at = f->now};
	struct err e = {0};

	assert_non_null(other);
	assert_int_equal(
	    sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(demo_fill(f->db, f->st, f->now, SEED, NULL, &e),
			 ERR_BUSY);
	assert_int_equal(demo_insert_user(f->db, &user, &e), ERR_BUSY);
	assert_non_null(strstr(e.msg, "users"));
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
}

static void test_demo_insert_reports_the_table_row_and_reason(void **state)
{
	struct fixture *f = *state;
	struct demo_user user = {
	    .id = "u1", .email = "a@b.cz", .created_at = f->now};
	struct demo_record orphan = {
	    .id = "z-orphan", .property_id = "nowhere", .created_at = f->now};
	struct err e = {0};

	assert_int_equal(demo_insert_user(f->db, &user, &e), 0);
	user.id = "u2";
	assert_int_equal(demo_insert_user(f->db, &user, &e), ERR_DB);
	assert_non_null(strstr(e.msg, "users"));
	assert_non_null(strstr(e.msg, "u2"));
	assert_non_null(strstr(e.msg, "UNIQUE"));
	assert_int_equal(demo_insert_record(f->db, &orphan, &e), ERR_DB);
	assert_non_null(strstr(e.msg, "z-orphan"));
	assert_non_null(strstr(e.msg, "FOREIGN KEY"));
}

/* A helper row with every optional field left zero reads back like the
 * same minimal row inserted by hand: the helpers' defaults are the
 * schema's. */
static void test_demo_helpers_leave_defaults_to_the_schema(void **state)
{
	static const struct {
		const char *raw, *compare;
	} pairs[] = {
	    {"INSERT INTO users (id, email, created_at) VALUES ('raw',"
	     " 'raw@x.cz', ?1)",
	     "SELECT count(*) FROM (SELECT preferred_language,"
	     " theme_preference, is_admin, is_blocked, is_deleted,"
	     " last_login_at, deleted_at, phone FROM users"
	     " WHERE id IN ('raw', 'h') GROUP BY 1,2,3,4,5,6,7,8)"},
	    {"INSERT INTO zaznamy (id, property_id, created_at) VALUES"
	     " ('raw', 'p', ?1)",
	     "SELECT count(*) FROM (SELECT status, flags, cost, created_by,"
	     " updated_at, is_deleted, deleted_at, unit_id FROM zaznamy"
	     " GROUP BY 1,2,3,4,5,6,7,8)"},
	    {"INSERT INTO notifications (id, user_id, type, created_at) VALUES"
	     " ('raw', 'h', 'sync_failed', ?1)",
	     "SELECT count(*) FROM (SELECT payload, read_at FROM notifications"
	     " GROUP BY 1,2)"},
	    {"INSERT INTO sync_queue (id, user_id, entity_type, entity_id,"
	     " operation, created_at) VALUES ('raw', 'h', 'units', 'x',"
	     " 'delete', ?1)",
	     "SELECT count(*) FROM (SELECT status, retry_count, payload,"
	     " next_retry_at, last_error FROM sync_queue GROUP BY 1,2,3,4,5)"},
	};
	struct fixture *f = *state;
	struct err e = {0};
	struct demo_user user = {
	    .id = "h", .email = "h@x.cz", .created_at = f->now};
	struct demo_project project = {
	    .id = "pj", .owner_id = "h", .name = "P", .created_at = f->now};
	struct demo_property property = {
	    .id = "p", .project_id = "pj", .name = "D", .created_at = f->now};
	struct demo_record record = {
	    .id = "h", .property_id = "p", .created_at = f->now};
	struct demo_notification note = {.id = "h",
					 .user_id = "h",
					 .type = "sync_failed",
					 .created_at = f->now};
	struct demo_sync_item item = {.id = "h",
				      .user_id = "h",
				      .entity_type = "units",
				      .entity_id = "x",
				      .operation = "delete",
				      .created_at = f->now};

	assert_int_equal(demo_insert_user(f->db, &user, &e), 0);
	assert_int_equal(demo_insert_project(f->db, &project, &e), 0);
	assert_int_equal(demo_insert_property(f->db, &property, &e), 0);
	assert_int_equal(demo_insert_record(f->db, &record, &e), 0);
	assert_int_equal(demo_insert_notification(f->db, &note, &e), 0);
	assert_int_equal(demo_insert_sync_item(f->db, &item, &e), 0);
	for (size_t i = 0; i < COUNT(pairs); i++) {
		assert_int_equal(exec_at(f->db, pairs[i].raw, f->now),
				 SQLITE_DONE);
		if (testdb_int(f->db, pairs[i].compare) != 1)
			fail_msg("helper and schema defaults differ: %s",
				 pairs[i].compare);
	}
	assert_int_equal(testdb_int(f->db, "SELECT geo_radius FROM properties"),
			 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define FILLED(name)                                                           \
	cmocka_unit_test_setup_teardown(name, setup_filled, teardown)
#define EMPTY(name) cmocka_unit_test_setup_teardown(name, setup_empty, teardown)
	    FILLED(test_demo_counts_match_the_tables_and_the_promise),
	    FILLED(test_demo_drafts_sit_on_the_job_boundaries),
	    FILLED(test_demo_records_without_creator_have_their_first_activity),
	    FILLED(test_demo_document_files_exist_with_their_recorded_sizes),
	    EMPTY(test_demo_fixtures_are_small_real_files),
	    FILLED(test_demo_rows_cover_every_state_the_jobs_distinguish),
	    FILLED(test_demo_ids_are_uuid_v4_and_times_fixed_width),
	    FILLED(test_demo_refuses_a_database_that_has_users),
	    FILLED(test_demo_same_seed_and_now_give_identical_databases),
	    EMPTY(test_demo_needs_a_migrated_database),
	    EMPTY(test_demo_unwritable_storage_rolls_everything_back),
	    EMPTY(test_demo_file_that_cannot_be_created_is_an_io_error),
	    EMPTY(test_demo_locked_database_is_busy_not_an_error),
	    EMPTY(test_demo_insert_reports_the_table_row_and_reason),
	    EMPTY(test_demo_helpers_leave_defaults_to_the_schema),
#undef FILLED
#undef EMPTY
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
