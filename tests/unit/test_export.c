/*
 * test_export.c - the export: zipstream (store vs deflate by type, the
 * entry mtime, the cap), export_data (ZIP and JSON complete, missing
 * blob listed, size cap with notification and email, unknown user, user
 * without documents), export_cleanup and the size text of the email.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "demo/demo.h"
#include "base/err.h"
#include "app/export_notice.h"
#include "core/services.h"
#include "storage/storage_blocking.h"
#include "testdb.h"
#include "storage/zipstream.h"

#define NOW INT64_C(1795898717000) /* 2026-11-28T20:45:17Z */
#define USER "11111111-1111-4111-8111-111111111111"
#define EMPTY_USER "22222222-2222-4222-8222-222222222222"

static void write_blob(struct testdb *f, const char *key, const void *data,
		       size_t n)
{
	struct err e;

	struct storage_writer *w;
	assert_int_equal(storage_writer_open(f->storage, key, &w, &e), 0);
	assert_int_equal(storage_writer_write(w, data, n, &e), 0);
	assert_int_equal(storage_writer_commit(w, &e), 0);
}

static char photo[200000];

static void fill_household(struct testdb *f)
{
	struct err e;
	const char *keys[] = {"documents/p1/r1/a.jpg", "documents/p1/r1/b.txt",
			      "documents/p1/r1/gone.pdf"};
	const char *types[] = {"photo", "document", "receipt"};
	const char *mimes[] = {"image/jpeg", "text/plain", "application/pdf"};
	const char *ids[] = {"d0000000-0000-4000-8000-000000000001",
			     "d0000000-0000-4000-8000-000000000002",
			     "d0000000-0000-4000-8000-000000000003"};

	assert_int_equal(demo_insert_user(f->db, &(struct demo_user){
		.id = USER, .email = "jana@example.cz", .first_name = "Jana",
		.created_at = NOW - MS_PER_DAY}, &e), 0);
	assert_int_equal(demo_insert_user(f->db, &(struct demo_user){
		.id = EMPTY_USER, .email = "petr@example.cz",
		.preferred_language = "en", .created_at = NOW - MS_PER_DAY}, &e), 0);
	assert_int_equal(demo_insert_project(f->db, &(struct demo_project){
		.id = "p0", .owner_id = USER, .name = "Domov",
		.created_at = NOW - MS_PER_DAY}, &e), 0);
	assert_int_equal(demo_insert_property(f->db, &(struct demo_property){
		.id = "p1", .project_id = "p0", .name = "Chata",
		.created_at = NOW - MS_PER_DAY}, &e), 0);
	assert_int_equal(demo_insert_record(f->db, &(struct demo_record){
		.id = "r1", .property_id = "p1", .title = "Oprava \"střechy\"",
		.status = "complete", .created_by = USER,
		.created_at = NOW - MS_PER_DAY}, &e), 0);
	assert_int_equal(demo_insert_record_tag(f->db, "r1", 1, &e), 0);
	assert_int_equal(demo_insert_comment(f->db, &(struct demo_comment){
		.id = "c1", .zaznam_id = "r1", .author_user_id = USER,
		.content = "hotovo", .created_at = NOW - 1000}, &e), 0);
	assert_int_equal(demo_insert_contact(f->db, "k1", USER, "a@b.cz", "A",
					     NOW, &e), 0);
	assert_int_equal(demo_insert_notification(f->db, &(struct demo_notification){
		.id = "n1", .user_id = USER, .type = "draft_reminder",
		.created_at = NOW - 5000}, &e), 0);
	for (size_t i = 0; i < sizeof(photo); i++)
		photo[i] = (char)(rand() & 0xff);
	for (int i = 0; i < 3; i++)
		assert_int_equal(demo_insert_document(f->db, &(struct demo_document){
			.id = ids[i], .zaznam_id = "r1", .storage_key = keys[i],
			.type = types[i], .mime_type = mimes[i], .size_bytes = -1,
			.created_at = NOW - MS_PER_HOUR}, &e), 0);
	write_blob(f, keys[0], photo, sizeof(photo));
	write_blob(f, keys[1], "hello hello hello hello hello\n", 30);
}

static int setup(void **state)
{
	struct testdb *f = testdb_open(TESTDB_STORAGE);

	snprintf(f->cfg.http.public_url, sizeof(f->cfg.http.public_url),
		 "https://domecek.example/");
	fill_household(f);
	*state = f;
	return 0;
}

/* Reads a whole blob (small test blobs only). */
static char *read_blob(struct testdb *f, const char *key, size_t *len)
{
	struct storage_reader *r;
	struct buf b;
	char chunk[65536];
	size_t n;
	struct err e;

	buf_init(&b, 64 << 20);
	assert_int_equal(storage_read_open(f->storage, key, &r, &e), 0);
	do {
		assert_int_equal(storage_read(r, chunk, sizeof(chunk), &n, &e), 0);
		assert_int_equal(buf_append(&b, chunk, n), 0);
	} while (n);
	storage_read_close(r);
	*len = b.len;
	return buf_steal(&b);
}

static char *sql_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *out = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/* Compression method of each central directory entry, by name. */
static int zip_method(const char *zip, size_t len, const char *name)
{
	for (size_t i = 0; i + 46 < len; i++) {
		const unsigned char *p = (const unsigned char *)zip + i;
		size_t nlen;

		if (memcmp(p, "PK\1\2", 4) != 0)
			continue;
		nlen = (size_t)(p[28] | p[29] << 8);
		if (nlen == strlen(name) && memcmp(p + 46, name, nlen) == 0)
			return p[10] | p[11] << 8;
	}
	return -1;
}

struct zip_entry {
	char name[256];
	char *data;
	size_t len;
	time_t mtime;
};

static int zip_read(const char *zip, size_t len, struct zip_entry *out, int max)
{
	struct archive *a = archive_read_new();
	struct archive_entry *en;
	int n = 0;

	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, zip, len), ARCHIVE_OK);
	while (n < max && archive_read_next_header(a, &en) == ARCHIVE_OK) {
		struct buf b;
		char chunk[8192];
		la_ssize_t got;

		buf_init(&b, 64 << 20);
		snprintf(out[n].name, sizeof(out[n].name), "%s",
			 archive_entry_pathname(en));
		out[n].mtime = archive_entry_mtime(en);
		while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0)
			assert_int_equal(buf_append(&b, chunk, (size_t)got), 0);
		assert_true(got == 0);
		out[n].len = b.len;
		out[n].data = b.len ? buf_steal(&b) : NULL;
		buf_free(&b);
		n++;
	}
	archive_read_free(a);
	return n;
}

static void test_zipstream_stores_compressed_types_and_deflates_text(void **state)
{
	struct testdb *f = *state;
	struct storage_writer *w;
	struct zipstream *z;
	struct zip_entry en[4];
	struct err e;
	char *zip;
	size_t len;
	static const char text[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

	assert_int_equal(storage_writer_open(f->storage, "t/a.zip", &w, &e), 0);
	assert_int_equal(zipstream_open(w, 0, &z, &e), 0);
	assert_int_equal(zipstream_entry_begin(z, "x.jpg", NULL, sizeof(photo),
					       NOW, &e), 0);
	assert_int_equal(zipstream_write(z, photo, sizeof(photo), &e), 0);
	assert_int_equal(zipstream_entry_begin(z, "notes.bin", "application/pdf",
					       -1, NOW - MS_PER_DAY, &e), 0);
	assert_int_equal(zipstream_write(z, text, sizeof(text), &e), 0);
	assert_int_equal(zipstream_entry_begin(z, "notes.txt", "text/plain", -1,
					       NOW - 2 * MS_PER_DAY, &e), 0);
	assert_int_equal(zipstream_write(z, text, sizeof(text), &e), 0);
	assert_int_equal(zipstream_finish(z, &e), 0);
	zipstream_free(z);
	assert_int_equal(storage_writer_commit(w, &e), 0);
	zip = read_blob(f, "t/a.zip", &len);
	assert_int_equal(zip_method(zip, len, "x.jpg"), 0);
	assert_int_equal(zip_method(zip, len, "notes.bin"), 0);
	assert_int_equal(zip_method(zip, len, "notes.txt"), 8);
	assert_int_equal(zip_read(zip, len, en, 4), 3);
	assert_int_equal(en[0].len, sizeof(photo));
	assert_memory_equal(en[0].data, photo, sizeof(photo));
	assert_int_equal(en[0].mtime, NOW / 1000);
	assert_int_equal(en[1].mtime, (NOW - MS_PER_DAY) / 1000);
	assert_int_equal(en[2].mtime, (NOW - 2 * MS_PER_DAY) / 1000);
	assert_int_equal(en[2].len, sizeof(text));
	for (int i = 0; i < 3; i++)
		free(en[i].data);
	free(zip);
}

static void test_zipstream_cap_fails_with_toobig(void **state)
{
	struct testdb *f = *state;
	struct storage_writer *w;
	struct zipstream *z;
	struct err e;
	int rc;

	assert_int_equal(storage_writer_open(f->storage, "t/b.zip", &w, &e), 0);
	assert_int_equal(zipstream_open(w, 50000, &z, &e), 0);
	assert_int_equal(zipstream_entry_begin(z, "x.jpg", NULL, sizeof(photo),
					       NOW, &e), 0);
	rc = zipstream_write(z, photo, sizeof(photo), &e);
	if (rc == 0)
		rc = zipstream_finish(z, &e);
	assert_int_equal(rc, ERR_TOOBIG);
	assert_non_null(strstr(e.msg, "MaxSizeBytes"));
	assert_int_equal(zipstream_finish(z, &e), ERR_TOOBIG);
	zipstream_free(z);
	storage_writer_abort(w);
	assert_int_equal(storage_stat(f->storage, "t/b.zip", NULL, NULL, &e),
			 ERR_NOTFOUND);
}

static void test_zipstream_precompressed_by_mime_or_extension(void **state)
{
	static const struct {
		const char *name, *mime;
		int stored;
	} cases[] = {
	    {"a.JPG", NULL, 1},		{"a.png", NULL, 1},
	    {"a.heic", NULL, 1},	{"a.webp", NULL, 1},
	    {"a.pdf", NULL, 1},		{"a.zip", NULL, 1},
	    {"a", "image/jpeg", 1},	{"a", "application/pdf", 1},
	    {"a.txt", NULL, 0},		{"a.json", "application/json", 0},
	    {"a.docx", NULL, 0},	{"a", "image/bmp", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(zipstream_is_precompressed(cases[i].name,
							    cases[i].mime),
				 cases[i].stored);
}

static char *only_export_key(struct testdb *f, const char *user)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT storage_key FROM exports WHERE user_id = '%s'", user);
	return sql_text(f->db, sql);
}

static void test_export_zip_has_all_files_json_and_missing_blob(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	struct zip_entry en[8];
	char *key, *zip, *email, *signing_key;
	size_t len;
	cJSON *doc, *missing;
	int n, json_at = -1;

	testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
			"{\"userId\":\"" USER "\",\"format\":\"zip\"}", NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "files"), 2);
	assert_int_equal(job_count_get(&r.ctx, "missing"), 1);
	assert_int_equal(job_count_get(&r.ctx, "documents"), 3);
	key = only_export_key(f, USER);
	assert_string_equal(key, "exports/" USER "/export_20261128T204517Z.zip");
	zip = read_blob(f, key, &len);
	assert_int_equal(job_count_get(&r.ctx, "bytes"), (int64_t)len);
	n = zip_read(zip, len, en, 8);
	assert_int_equal(n, 3);
	assert_string_equal(en[0].name, "files/documents/p1/r1/a.jpg");
	assert_memory_equal(en[0].data, photo, sizeof(photo));
	assert_string_equal(en[1].name, "files/documents/p1/r1/b.txt");
	assert_int_equal(en[1].len, 30);
	assert_int_equal(zip_method(zip, len, "files/documents/p1/r1/a.jpg"), 0);
	assert_int_equal(zip_method(zip, len, "export.json"), 8);
	for (int i = 0; i < n; i++)
		if (!strcmp(en[i].name, "export.json"))
			json_at = i;
	assert_true(json_at >= 0);
	doc = cJSON_ParseWithLength(en[json_at].data, en[json_at].len);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "user"),
						"email")->valuestring,
			    "jana@example.cz");
	static const char *const arrays[] = {
	    "projects", "projectMembers", "properties", "propertyMembers",
	    "units", "records", "documents", "contacts", "contactGroups",
	    "invitations", "notifications", "missingFiles"};
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		assert_true(cJSON_IsArray(cJSON_GetObjectItem(doc, arrays[i])));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "documents")), 3);
	cJSON *rec = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "records"), 0);
	assert_string_equal(cJSON_GetObjectItem(rec, "title")->valuestring,
			    "Oprava \"střechy\"");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(rec, "tags"),
					       0)->valuestring, "Oprava");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(rec, "comments")), 1);
	missing = cJSON_GetObjectItem(doc, "missingFiles");
	assert_int_equal(cJSON_GetArraySize(missing), 1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(missing, 0),
						"storageKey")->valuestring,
			    "documents/p1/r1/gone.pdf");
	assert_string_equal(cJSON_GetObjectItem(doc, "exportedAt")->valuestring,
			    "2026-11-28T20:45:17.000Z");
	cJSON_Delete(doc);
	email = sql_text(f->db, "SELECT payload FROM jobs WHERE type = 'send_email'"
			 " AND unique_key LIKE 'export_ready:%'");
	assert_non_null(email);
	assert_non_null(strstr(email, "https://domecek.example/exports/"));
	assert_non_null(strstr(email, "\"expiresHours\":24"));
	assert_non_null(strstr(email, "\"language\":\"cs\""));
	signing_key = sql_text(f->db, "SELECT value FROM jobs_settings WHERE"
			       " key = 'links.signing_key'");
	assert_non_null(signing_key);
	for (int i = 0; i < n; i++)
		free(en[i].data);
	free(signing_key);
	free(email);
	free(zip);
	free(key);
}

static void test_export_without_photos_leaves_photos_out(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	f->cfg.jobs.export_data.include_photos = false;
	testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
			"{\"userId\":\"" USER "\"}", NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "files"), 1);
}

static void test_export_json_format_is_valid_and_complete(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char *key, *text;
	size_t len;
	cJSON *doc, *counts;

	testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
			"{\"userId\":\"" USER "\",\"format\":\"json\"}", NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	key = only_export_key(f, USER);
	assert_non_null(strstr(key, ".json"));
	text = read_blob(f, key, &len);
	doc = cJSON_ParseWithLength(text, len);
	assert_non_null(doc);
	assert_null(cJSON_GetObjectItem(doc, "missingFiles"));
	assert_true(cJSON_IsObject(cJSON_GetObjectItem(doc, "preferences")) ||
		    cJSON_IsNull(cJSON_GetObjectItem(doc, "preferences")));
	counts = cJSON_GetObjectItem(doc, "counts");
	assert_int_equal(cJSON_GetObjectItem(counts, "records")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(counts, "documents")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(counts, "contacts")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(counts, "notifications")->valueint, 1);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "documents"), 0), "file")));
	cJSON_Delete(doc);
	free(text);
	free(key);
}

static int count_blob(const char *key, int64_t size, int64_t mtime, void *ctx)
{
	(void)key;
	(void)size;
	(void)mtime;
	(*(int *)ctx)++;
	return 0;
}

static void test_export_past_max_size_fails_removes_file_and_notifies(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	int files = 0;

	f->cfg.jobs.export_data.max_size_bytes = 50000;
	testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
			"{\"userId\":\"" USER "\"}", NOW, 0, &r);
	assert_int_equal(r.rc, ERR_TOOBIG);
	assert_non_null(strstr(r.err.msg, "MaxSizeBytes"));
	assert_null(only_export_key(f, USER));
	assert_int_equal(storage_list(f->storage, "exports/", count_blob, &files, NULL), 0);
	assert_int_equal(files, 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM notifications WHERE"
				 " type = 'export_failed' AND json_extract(payload,"
				 " '$.maxSizeBytes') = 50000 AND json_extract("
				 "payload, '$.reason') = 'max_size_exceeded'"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs WHERE type ="
				 " 'send_email' AND json_extract(payload,"
				 " '$.template') = 'export_failed' AND"
				 " json_extract(payload, '$.data.reason') LIKE"
				 " '%limit 50,0 kB%'"), 1);
}

static void test_export_unknown_or_malformed_user_is_invalid(void **state)
{
	static const char *const payloads[] = {
	    "{\"userId\":\"33333333-3333-4333-8333-333333333333\"}",
	    "{\"userId\":\"not-a-uuid\"}", "{\"userId\":12}", "{}",
	    "{\"userId\":\"" USER "\",\"format\":\"rar\"}"};
	struct testdb *f = *state;
	struct testdb_job_result r;

	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
				payloads[i], NOW, 0, &r);
		assert_int_equal(r.rc, ERR_INVALID);
	}
	testdb_run_job(f->db, &f->cfg, &f->services, "export_data", payloads[0], NOW,
			0, &r);
	assert_non_null(strstr(r.err.msg,
			       "unknown user 33333333-3333-4333-8333-333333333333"));
}

static void test_export_user_without_documents_succeeds(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char *key;

	testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
			"{\"userId\":\"" EMPTY_USER "\",\"format\":\"zip\"}",
			NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "files"), 0);
	assert_int_equal(job_count_get(&r.ctx, "documents"), 0);
	key = only_export_key(f, EMPTY_USER);
	assert_non_null(key);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM jobs WHERE"
				 " json_extract(payload, '$.language') = 'en'"), 1);
	free(key);
}

static void test_export_stopped_midway_leaves_no_file(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	int64_t size;
	struct err e;

	testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
			"{\"userId\":\"" USER "\"}", NOW, 3, &r);
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_int_equal(storage_stat(f->storage, "exports/" USER
				      "/export_20261128T204517Z.zip", &size,
				      NULL, &e), ERR_NOTFOUND);
}

static void test_export_cleanup_deletes_only_expired(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	struct err e;

	testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
			"{\"userId\":\"" USER "\"}", NOW, 0, &r);
	testdb_run_job(f->db, &f->cfg, &f->services, "export_data",
			"{\"userId\":\"" EMPTY_USER "\"}", NOW + 2 * MS_PER_HOUR,
			0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	/* A row whose blob never appeared counts as already gone. */
	assert_int_equal(sqlite3_exec(f->db, "INSERT INTO exports VALUES"
				      " ('exports/x/y.zip', 'x', NULL, 'zip', 0,"
				      " '2026-01-01T00:00:00.000Z',"
				      " '2026-01-02T00:00:00.000Z')",
				      NULL, NULL, NULL), SQLITE_OK);
	testdb_run_job(f->db, &f->cfg, &f->services, "export_cleanup", NULL,
			NOW + 25 * MS_PER_HOUR, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "deleted"), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM exports"), 1);
	assert_int_equal(storage_stat(f->storage, "exports/" USER
				      "/export_20261128T204517Z.zip", NULL,
				      NULL, &e), ERR_NOTFOUND);
}

static void test_export_size_text_by_language(void **state)
{
	static const struct {
		int64_t bytes;
		const char *lang, *text;
	} cases[] = {
	    {512, "cs", "512 B"},	      {12400000, "cs", "12,4 MB"},
	    {12400000, "en", "12.4 MB"},   {1073741824, "en", "1.1 GB"},
	    {999999, "en", "1.0 MB"},	      {1500, "cs", "1,5 kB"},
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		export_format_size(cases[i].bytes, cases[i].lang, out, sizeof(out));
		assert_string_equal(out, cases[i].text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zipstream_stores_compressed_types_and_deflates_text, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_zipstream_cap_fails_with_toobig, setup, testdb_teardown),
		cmocka_unit_test(test_zipstream_precompressed_by_mime_or_extension),
		cmocka_unit_test_setup_teardown(test_export_zip_has_all_files_json_and_missing_blob, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_export_without_photos_leaves_photos_out, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_export_json_format_is_valid_and_complete, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_export_past_max_size_fails_removes_file_and_notifies, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_export_unknown_or_malformed_user_is_invalid, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_export_user_without_documents_succeeds, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_export_stopped_midway_leaves_no_file, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_export_cleanup_deletes_only_expired, setup, testdb_teardown),
		cmocka_unit_test(test_export_size_text_by_language),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
