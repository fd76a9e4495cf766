/*
 * test_storage_s3.c - the S3 provider. Offline: option checks, presigned
 * URLs, providers that cannot presign. Online, when DOMECEK_S3_ENDPOINT
 * names a live S3-compatible server with bucket DOMECEK_S3_BUCKET
 * (tests/integration/s3.sh starts s3rver for this): upload, read, stat,
 * list, delete, the async forms, and a presigned URL fetched with curl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "storage/storage_blocking.h"

static const struct storage_s3_options good = {
    .endpoint = "http://127.0.0.1:4568", .region = "us-east-1",
    .bucket = "exports", .access_key = "S3RVER", .secret_key = "S3RVER",
    .path_style = 1};

static void test_s3_open_refuses_bad_options(void **state)
{
	static const struct {
		const char *endpoint, *bucket, *access_key, *why;
	} cases[] = {
	    {"127.0.0.1:4568", "b", "k", "Endpoint"},
	    {"ftp://host", "b", "k", "Endpoint"},
	    {"http://host/path", "b", "k", "host and port only"},
	    {"http://", "b", "k", "Endpoint"},
	    {"http://host", "", "k", "Bucket"},
	    {"http://host", "b", NULL, "AccessKey"},
	};
	struct storage *st;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct storage_s3_options o = good;

		o.endpoint = cases[i].endpoint;
		o.bucket = cases[i].bucket;
		o.access_key = cases[i].access_key;
		assert_int_equal(storage_open_s3(&o, &st, &e), ERR_INVALID);
		assert_null(st);
		assert_non_null(strstr(e.msg, cases[i].why));
	}
}

static void test_s3_presigned_url_is_path_style_with_expiry(void **state)
{
	struct storage *st;
	struct buf url;
	struct err e;

	(void)state;
	buf_init(&url, 8192);
	assert_int_equal(storage_open_s3(&good, &st, &e), 0);
	assert_string_equal(storage_provider_name(st), "s3");
	assert_int_equal(storage_presign_get(st, "exports/u/export_x.zip",
					     INT64_C(1795898717000), 3600, &url,
					     &e), 0);
	assert_true(strncmp(buf_str(&url), "http://127.0.0.1:4568/exports/"
			    "exports/u/export_x.zip?", 52) == 0);
	assert_non_null(strstr(buf_str(&url), "X-Amz-Expires=3600"));
	assert_non_null(strstr(buf_str(&url), "X-Amz-Date=20261128T204517Z"));
	assert_non_null(strstr(buf_str(&url), "X-Amz-Signature="));
	assert_int_equal(storage_presign_get(st, "../x", 0, 60, &url, &e),
			 ERR_INVALID);
	buf_free(&url);
	storage_close(st);
}

static void test_s3_local_storage_cannot_presign(void **state)
{
	char root[] = "/tmp/s3-local-XXXXXX";
	struct storage *st;
	struct buf url;
	struct err e;

	(void)state;
	buf_init(&url, 1024);
	assert_non_null(mkdtemp(root));
	assert_int_equal(storage_open_local(root, &st, &e), 0);
	assert_int_equal(storage_presign_get(st, "a/b", 0, 60, &url, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "cannot presign"));
	storage_close(st);
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%s/.tmp", root);
	rmdir(tmp);
	rmdir(root);
	buf_free(&url);
}

/* --- online -------------------------------------------------------- */

static int open_live(struct storage **st)
{
	struct storage_s3_options o = good;
	struct err e;

	o.endpoint = getenv("DOMECEK_S3_ENDPOINT");
	o.bucket = getenv("DOMECEK_S3_BUCKET");
	if (!o.endpoint || !o.bucket)
		return -1;
	assert_int_equal(storage_open_s3(&o, st, &e), 0);
	return 0;
}

static int collect(const char *key, int64_t size, int64_t mtime, void *ctx)
{
	struct buf *b = ctx;

	(void)mtime;
	buf_printf(b, "%s=%lld;", key, (long long)size);
	return 0;
}

static size_t into_buf(char *data, size_t size, size_t n, void *arg)
{
	return buf_append(arg, data, size * n) ? 0 : size * n;
}

static void read_all(struct storage *st, const char *key, struct buf *out)
{
	struct storage_reader *r;
	char chunk[4096];
	size_t n;
	struct err e;

	assert_int_equal(storage_read_open(st, key, &r, &e), 0);
	do {
		assert_int_equal(storage_read(r, chunk, sizeof(chunk), &n, &e), 0);
		buf_append(out, chunk, n);
	} while (n);
	storage_read_close(r);
}

static void test_s3_live_upload_read_list_delete(void **state)
{
	struct storage *st;
	struct storage_writer *w;
	struct buf got, list;
	int64_t size;
	struct err e;

	(void)state;
	assert_int_equal(open_live(&st), 0);
	clock_use_real();
	buf_init(&got, 1 << 20);
	buf_init(&list, 1 << 20);
	assert_int_equal(storage_writer_open(st, "t/a & b.txt", &w, &e), 0);
	assert_int_equal(storage_writer_write(w, "hello ", 6, &e), 0);
	assert_int_equal(storage_writer_write(w, "s3", 2, &e), 0);
	assert_int_equal(storage_writer_commit(w, &e), 0);
	assert_int_equal(storage_writer_open(st, "t/c.txt", &w, &e), 0);
	assert_int_equal(storage_writer_write(w, "x", 1, &e), 0);
	assert_int_equal(storage_writer_commit(w, &e), 0);
	read_all(st, "t/a & b.txt", &got);
	assert_string_equal(buf_str(&got), "hello s3");
	assert_int_equal(storage_stat(st, "t/a & b.txt", &size, NULL, &e), 0);
	assert_int_equal(size, 8);
	assert_int_equal(storage_list(st, "t/", collect, &list, &e), 0);
	assert_string_equal(buf_str(&list), "t/a & b.txt=8;t/c.txt=1;");
	assert_int_equal(storage_delete(st, "t/a & b.txt", &e), 0);
	assert_int_equal(storage_stat(st, "t/a & b.txt", &size, NULL, &e),
			 ERR_NOTFOUND);
	assert_int_equal(storage_read_open(st, "t/none", &(struct storage_reader *){0}, &e),
			 ERR_NOTFOUND);
	assert_int_equal(storage_delete(st, "t/c.txt", &e), 0);
	buf_free(&got);
	buf_free(&list);
	storage_close(st);
}

static void test_s3_live_async_forms_and_presigned_get(void **state)
{
	struct storage *st;
	struct storage_pending *p;
	struct buf url, body;
	char src[] = "/tmp/s3-src-XXXXXX", dst[] = "/tmp/s3-dst-XXXXXX";
	struct err e;
	FILE *f;
	CURL *c;
	long status = 0;
	int fd;

	(void)state;
	assert_int_equal(open_live(&st), 0);
	clock_use_real();
	buf_init(&url, 8192);
	buf_init(&body, 1 << 20);
	assert_true((fd = mkstemp(src)) >= 0);
	close(fd);
	f = fopen(src, "w");
	fputs("presigned body", f);
	fclose(f);
	assert_int_equal(storage_put_file_start(st, "p/x.bin", src, &p, &e), 0);
	assert_non_null(p);
	assert_int_equal(storage_pending_finish(
		p, curl_easy_perform(storage_pending_handle(p)), &e), 0);
	assert_true((fd = mkstemp(dst)) >= 0);
	close(fd);
	assert_int_equal(storage_get_file_start(st, "p/x.bin", dst, &p, &e), 0);
	assert_int_equal(storage_pending_finish(
		p, curl_easy_perform(storage_pending_handle(p)), &e), 0);
	assert_int_equal(storage_get_file_start(st, "p/missing", dst, &p, &e), 0);
	assert_int_equal(storage_pending_finish(
		p, curl_easy_perform(storage_pending_handle(p)), &e), ERR_NOTFOUND);
	assert_int_equal(access(dst, F_OK), -1); /* a failed download is removed */
	assert_int_equal(storage_presign_get(st, "p/x.bin", clock_now(), 300,
					     &url, &e), 0);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, buf_str(&url));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, into_buf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	assert_int_equal(status, 200);
	assert_string_equal(buf_str(&body), "presigned body");
	curl_easy_cleanup(c);
	assert_int_equal(storage_delete_start(st, "p/x.bin", &p, &e), 0);
	assert_int_equal(storage_pending_finish(
		p, curl_easy_perform(storage_pending_handle(p)), &e), 0);
	unlink(src);
	buf_free(&url);
	buf_free(&body);
	storage_close(st);
}

int main(void)
{
	const struct CMUnitTest offline[] = {
		cmocka_unit_test(test_s3_open_refuses_bad_options),
		cmocka_unit_test(test_s3_presigned_url_is_path_style_with_expiry),
		cmocka_unit_test(test_s3_local_storage_cannot_presign),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_s3_live_upload_read_list_delete),
		cmocka_unit_test(test_s3_live_async_forms_and_presigned_get),
	};

	/* The live group runs from tests/integration/s3.sh, which starts the
	 * server and fails when it cannot. */
	if (getenv("DOMECEK_S3_ENDPOINT"))
		return cmocka_run_group_tests(live, NULL, NULL);
	return cmocka_run_group_tests(offline, NULL, NULL);
}
