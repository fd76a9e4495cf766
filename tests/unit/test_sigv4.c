/*
 * test_sigv4.c - AWS Signature Version 4, byte for byte against the
 * examples AWS publishes for S3 (access key AKIAIOSFODNN7EXAMPLE, bucket
 * examplebucket, 2013-05-24T00:00:00Z), including the intermediate
 * canonical request and string to sign.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"
#include "storage/sigv4.h"

#define EXAMPLE_NOW INT64_C(1369353600000) /* 2013-05-24T00:00:00Z */
#define EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct traced {
	struct buf canonical, to_sign;
	struct sigv4_trace trace;
};

static void traced_init(struct traced *t)
{
	buf_init(&t->canonical, 1 << 16);
	buf_init(&t->to_sign, 1 << 16);
	t->trace.canonical_request = &t->canonical;
	t->trace.string_to_sign = &t->to_sign;
}

static void traced_free(struct traced *t)
{
	buf_free(&t->canonical);
	buf_free(&t->to_sign);
}

static struct sigv4_request example_request(const char *method,
					    const char *key)
{
	struct sigv4_request r = {
		.method = method,
		.host = "s3.amazonaws.com",
		.bucket = "examplebucket",
		.key = key,
		.region = "us-east-1",
		.access_key = "AKIAIOSFODNN7EXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	};
	return r;
}

static void test_sigv4_presigned_get_matches_aws_example(void **state)
{
	struct sigv4_request r = example_request("GET", "test.txt");
	struct traced t;
	struct buf url;
	struct err e;
	(void)state;
	traced_init(&t);
	buf_init(&url, 4096);
	r.trace = &t.trace;
	assert_int_equal(sigv4_presign_url(&r, EXAMPLE_NOW, 86400, &url, &e), 0);
	assert_string_equal(
		buf_str(&t.canonical),
		"GET\n/test.txt\n"
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
		"AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
		"aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
		"&X-Amz-SignedHeaders=host\n"
		"host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD");
	assert_string_equal(buf_str(&t.to_sign),
			    "AWS4-HMAC-SHA256\n20130524T000000Z\n"
			    "20130524/us-east-1/s3/aws4_request\n"
			    "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
	assert_string_equal(
		buf_str(&url),
		"https://examplebucket.s3.amazonaws.com/test.txt"
		"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
		"AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
		"aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
		"&X-Amz-SignedHeaders=host&X-Amz-Signature="
		"aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	buf_free(&url);
	traced_free(&t);
}

static void test_sigv4_get_object_header_matches_aws_example(void **state)
{
	const struct sigv4_header range = {"Range", "bytes=0-9"};
	struct sigv4_request r = example_request("GET", "test.txt");
	char amz_date[SIGV4_DATE_LEN];
	struct traced t;
	struct buf auth;
	struct err e;
	(void)state;
	traced_init(&t);
	buf_init(&auth, 4096);
	r.trace = &t.trace;
	r.headers = &range;
	r.header_count = 1;
	assert_int_equal(sigv4_authorization(&r, EXAMPLE_NOW, EMPTY_SHA256,
					     &auth, amz_date, &e),
			 0);
	assert_string_equal(amz_date, "20130524T000000Z");
	assert_string_equal(buf_str(&t.canonical),
			    "GET\n/test.txt\n\n"
			    "host:examplebucket.s3.amazonaws.com\n"
			    "range:bytes=0-9\n"
			    "x-amz-content-sha256:" EMPTY_SHA256 "\n"
			    "x-amz-date:20130524T000000Z\n\n"
			    "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA256);
	assert_string_equal(buf_str(&t.to_sign),
			    "AWS4-HMAC-SHA256\n20130524T000000Z\n"
			    "20130524/us-east-1/s3/aws4_request\n"
			    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
	assert_string_equal(
		buf_str(&auth),
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
		"us-east-1/s3/aws4_request,SignedHeaders=host;range;"
		"x-amz-content-sha256;x-amz-date,Signature="
		"f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	buf_free(&auth);
	traced_free(&t);
}

static void test_sigv4_put_object_matches_aws_example(void **state)
{
	static const char body[] = "Welcome to Amazon S3.";
	const struct sigv4_header headers[] = {
		{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
		{"x-amz-storage-class", "REDUCED_REDUNDANCY"},
	};
	struct sigv4_request r = example_request("PUT", "test$file.text");
	char payload[CRYPTO_SHA256_HEX_LEN], amz_date[SIGV4_DATE_LEN];
	struct traced t;
	struct buf auth;
	struct err e;
	(void)state;
	traced_init(&t);
	buf_init(&auth, 4096);
	r.trace = &t.trace;
	r.headers = headers;
	r.header_count = 2;
	assert_int_equal(sha256_hex(body, strlen(body), payload), 0);
	assert_string_equal(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	assert_int_equal(sigv4_authorization(&r, EXAMPLE_NOW, payload, &auth,
					     amz_date, &e),
			 0);
	assert_string_equal(buf_str(&t.canonical),
			    "PUT\n/test%24file.text\n\n"
			    "date:Fri, 24 May 2013 00:00:00 GMT\n"
			    "host:examplebucket.s3.amazonaws.com\n"
			    "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
			    "x-amz-date:20130524T000000Z\n"
			    "x-amz-storage-class:REDUCED_REDUNDANCY\n\n"
			    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
			    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	assert_string_equal(buf_str(&t.to_sign),
			    "AWS4-HMAC-SHA256\n20130524T000000Z\n"
			    "20130524/us-east-1/s3/aws4_request\n"
			    "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
	assert_non_null(strstr(buf_str(&auth),
			       "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));
	buf_free(&auth);
	traced_free(&t);
}

/* AWS's bucket examples: GET ?lifecycle and GET ?max-keys=2&prefix=J. */
static void test_sigv4_bucket_queries_match_aws_examples(void **state)
{
	const struct sigv4_param lifecycle[] = {{"lifecycle", NULL}};
	const struct sigv4_param listing[] = {{"prefix", "J"}, {"max-keys", "2"}};
	const struct {
		const struct sigv4_param *params;
		size_t count;
		const char *signature;
	} cases[] = {
		{lifecycle, 1, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
		{listing, 2, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sigv4_request r = example_request("GET", "");
		char amz_date[SIGV4_DATE_LEN];
		struct buf auth;
		struct err e;

		buf_init(&auth, 4096);
		r.params = cases[i].params;
		r.param_count = cases[i].count;
		assert_int_equal(sigv4_authorization(&r, EXAMPLE_NOW, EMPTY_SHA256,
						     &auth, amz_date, &e),
				 0);
		assert_non_null(strstr(buf_str(&auth), cases[i].signature));
		buf_free(&auth);
	}
}

/* AWS's signing key derivation example (IAM, 2012-02-15). */
static void test_sigv4_signing_key_matches_aws_example(void **state)
{
	unsigned char key[32];
	char hex[65];
	(void)state;
	assert_int_equal(sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					   "20120215", "us-east-1", "iam", key),
			 0);
	crypto_hex(key, sizeof(key), hex);
	assert_string_equal(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

static void test_sigv4_uri_encode_follows_aws_rules(void **state)
{
	const struct {
		const char *in;
		int keep_slash;
		const char *out;
	} cases[] = {
		{"AZaz09-_.~", 0, "AZaz09-_.~"},
		{"a b+c", 0, "a%20b%2Bc"},
		{"a/b", 0, "a%2Fb"},
		{"a/b", 1, "a/b"},
		{"test$file.text", 1, "test%24file.text"},
		{"%41", 1, "%2541"}, /* never decoded, so never double-encoded */
		{"\xc5\xbe" "idle", 1, "%C5%BEidle"}, /* UTF-8 "židle" */
		{"a=b&c", 0, "a%3Db%26c"},
		{"", 0, ""},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out;

		buf_init(&out, 256);
		assert_int_equal(sigv4_uri_encode(cases[i].in, cases[i].keep_slash, &out), 0);
		assert_string_equal(buf_str(&out), cases[i].out);
		buf_free(&out);
	}
}

static void test_sigv4_path_style_url_keeps_key_slashes_and_port(void **state)
{
	const struct sigv4_param params[] = {{"b", "2"}, {"a", "x y"}};
	struct sigv4_request r = example_request("GET", "exports/u 1/export.zip");
	struct buf url;
	struct err e;
	(void)state;
	r.scheme = "http";
	r.host = "127.0.0.1:9000";
	r.is_path_style = 1;
	r.params = params;
	r.param_count = 2;
	buf_init(&url, 4096);
	assert_int_equal(sigv4_request_url(&r, &url, &e), 0);
	assert_string_equal(buf_str(&url), "http://127.0.0.1:9000/examplebucket/"
					   "exports/u%201/export.zip?a=x%20y&b=2");
	buf_free(&url);
}

static void test_sigv4_default_port_is_dropped_from_host(void **state)
{
	struct sigv4_request r = example_request("GET", "k");
	struct buf url;
	struct err e;
	(void)state;
	r.host = "s3.amazonaws.com:443";
	buf_init(&url, 4096);
	assert_int_equal(sigv4_request_url(&r, &url, &e), 0);
	assert_string_equal(buf_str(&url), "https://examplebucket.s3.amazonaws.com/k");
	buf_free(&url);
}

static void test_sigv4_header_values_are_trimmed_and_collapsed(void **state)
{
	const struct sigv4_header headers[] = {{"X-Amz-Meta-Note", "  a   b \t c  "}};
	struct sigv4_request r = example_request("PUT", "k");
	char amz_date[SIGV4_DATE_LEN];
	struct traced t;
	struct buf auth;
	struct err e;
	(void)state;
	traced_init(&t);
	buf_init(&auth, 4096);
	r.trace = &t.trace;
	r.headers = headers;
	r.header_count = 1;
	assert_int_equal(sigv4_authorization(&r, EXAMPLE_NOW, "UNSIGNED-PAYLOAD",
					     &auth, amz_date, &e),
			 0);
	assert_non_null(strstr(buf_str(&t.canonical), "\nx-amz-meta-note:a b c\n"));
	buf_free(&auth);
	traced_free(&t);
}

static void test_sigv4_refuses_bad_requests_with_reason(void **state)
{
	const struct sigv4_header twice[] = {{"x-amz-date", "x"}};
	struct sigv4_request r;
	char amz_date[SIGV4_DATE_LEN];
	struct buf out;
	struct err e;
	(void)state;
	buf_init(&out, 4096);

	r = example_request("GET", "k");
	r.bucket = "";
	assert_int_equal(sigv4_presign_url(&r, EXAMPLE_NOW, 60, &out, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "bucket"));

	r = example_request("GET", "k");
	r.secret_key = NULL;
	assert_int_equal(sigv4_authorization(&r, EXAMPLE_NOW, EMPTY_SHA256, &out,
					     amz_date, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "secret key"));

	r = example_request("GET", "k");
	r.scheme = "ftp";
	assert_int_equal(sigv4_request_url(&r, &out, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "ftp"));

	r = example_request("GET", "k");
	assert_int_equal(sigv4_presign_url(&r, EXAMPLE_NOW, 0, &out, &e), ERR_INVALID);
	assert_int_equal(sigv4_presign_url(&r, EXAMPLE_NOW, SIGV4_MAX_EXPIRES + 1, &out, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "expiry"));

	assert_int_equal(sigv4_authorization(&r, EXAMPLE_NOW, "abc", &out, amz_date, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "payload hash"));

	r.headers = twice;
	r.header_count = 1;
	assert_int_equal(sigv4_authorization(&r, EXAMPLE_NOW, EMPTY_SHA256, &out,
					     amz_date, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "x-amz-date"));
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void test_sigv4_output_cap_is_an_error(void **state)
{
	struct sigv4_request r = example_request("GET", "test.txt");
	struct buf url;
	struct err e;
	(void)state;
	buf_init(&url, 32);
	assert_int_equal(sigv4_presign_url(&r, EXAMPLE_NOW, 60, &url, &e), ERR_TOOBIG);
	buf_free(&url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigv4_presigned_get_matches_aws_example),
		cmocka_unit_test(test_sigv4_get_object_header_matches_aws_example),
		cmocka_unit_test(test_sigv4_put_object_matches_aws_example),
		cmocka_unit_test(test_sigv4_bucket_queries_match_aws_examples),
		cmocka_unit_test(test_sigv4_signing_key_matches_aws_example),
		cmocka_unit_test(test_sigv4_uri_encode_follows_aws_rules),
		cmocka_unit_test(test_sigv4_path_style_url_keeps_key_slashes_and_port),
		cmocka_unit_test(test_sigv4_default_port_is_dropped_from_host),
		cmocka_unit_test(test_sigv4_header_values_are_trimmed_and_collapsed),
		cmocka_unit_test(test_sigv4_refuses_bad_requests_with_reason),
		cmocka_unit_test(test_sigv4_output_cap_is_an_error),
	};
	return cmocka_run_group_tests_name("sigv4", tests, NULL, NULL);
}
