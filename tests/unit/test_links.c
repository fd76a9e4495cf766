/*
 * test_links.c - signed download links: a genuine link opens its key until
 * it expires; anything altered, cut or made up is "invalid", and the
 * message never says which check failed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"
#include "app/links.h"

#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OTHER_KEY "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define STORAGE_KEY "exports/42/export_20261128T204517Z.zip"
#define NOW INT64_C(1795898717000)      /* 2026-11-28T20:45:17Z */
#define EXPIRES (NOW + 24 * 3600 * 1000) /* 24 hours later */

static char *make_token(const char *storage_key, int64_t expires_ms)
{
	struct buf token;
	struct err e;

	buf_init(&token, LINKS_TOKEN_MAX);
	assert_int_equal(links_sign(KEY, storage_key, expires_ms, &token, &e), 0);
	return buf_steal(&token);
}

static int verify(const char *signing_key, const char *token, int64_t now,
		  struct buf *key, struct err *e)
{
	buf_reset(key);
	return links_verify(signing_key, token, now, key, e);
}

static void test_links_valid_token_yields_its_key_until_expiry(void **state)
{
	char *token = make_token(STORAGE_KEY, EXPIRES);
	struct buf key;
	struct err e;
	(void)state;
	buf_init(&key, 4096);
	assert_null(strpbrk(token, "+/=?#&% "));
	assert_int_equal(verify(KEY, token, NOW, &key, &e), 0);
	assert_string_equal(buf_str(&key), STORAGE_KEY);
	assert_int_equal(verify(KEY, token, EXPIRES - 1, &key, &e), 0);
	assert_int_equal(verify(KEY, token, EXPIRES, &key, &e), ERR_EXPIRED);
	assert_string_equal(e.msg, "download link expired at 2026-11-29T20:45:17.000Z");
	assert_int_equal(key.len, 0);
	buf_free(&key);
	free(token);
}

/* Builds a token from parts, with a MAC made by KEY over key_for_mac. */
static char *forge(const char *key_in_token, const char *expiry_in_token,
		   const char *mac_key_part, int64_t mac_expiry)
{
	char *genuine = make_token(mac_key_part, mac_expiry);
	const char *mac = strrchr(genuine, '.') + 1;
	struct buf token;

	buf_init(&token, LINKS_TOKEN_MAX);
	assert_int_equal(crypto_base64url_encode(key_in_token, strlen(key_in_token), &token), 0);
	assert_int_equal(buf_printf(&token, ".%s.%s", expiry_in_token, mac), 0);
	free(genuine);
	return buf_steal(&token);
}

static void test_links_altered_tokens_are_invalid(void **state)
{
	char *genuine = make_token(STORAGE_KEY, EXPIRES);
	char *changed_key = forge("exports/43/export_20261128T204517Z.zip", "1795985117000",
				  STORAGE_KEY, EXPIRES);
	char *changed_expiry = forge(STORAGE_KEY, "1795985118000", STORAGE_KEY, EXPIRES);
	char *leading_zero = forge(STORAGE_KEY, "01795985117000", STORAGE_KEY, EXPIRES);
	char *wrong_signature = strdup(genuine);
	char *truncated = strdup(genuine);
	char *extra_part = NULL;
	struct buf key, tmp;
	struct err e;
	(void)state;
	buf_init(&key, 4096);
	buf_init(&tmp, 8192);
	/* the sanity check that forge() builds a genuine token when unaltered */
	{
		char *same = forge(STORAGE_KEY, "1795985117000", STORAGE_KEY, EXPIRES);

		assert_string_equal(same, genuine);
		free(same);
	}
	wrong_signature[strlen(wrong_signature) - 2] ^= 1;
	truncated[strlen(truncated) - 4] = '\0';
	buf_printf(&tmp, "%s.AAAA", genuine);
	extra_part = buf_steal(&tmp);
	const char *bad[] = {
		changed_key, changed_expiry, leading_zero, wrong_signature,
		truncated, extra_part,
		"", ".", "..", "...", "abc", "a.b.c", "!!!.1.@@@",
		"ZXhwb3J0cy8x.1795985117000.",
		".1795985117000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"AA.1795985117000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* key "\0" */
		"ZXhwb3J0cy8x.-5.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"ZXhwb3J0cy8x.99999999999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"ZXhwb3J0cy8x==.1.AAAA", "Zm9v.1.Zm9v+/==",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(verify(KEY, bad[i], NOW, &key, &e), ERR_PERM);
		assert_string_equal(e.msg, "invalid download link");
		assert_int_equal(key.len, 0);
	}
	assert_int_equal(verify(KEY, NULL, NOW, &key, &e), ERR_PERM);
	/* A genuine token under another signing key is a forgery too. */
	assert_int_equal(verify(OTHER_KEY, genuine, NOW, &key, &e), ERR_PERM);
	/* Forged and expired is still "invalid", never "expired". */
	assert_int_equal(verify(KEY, changed_expiry, EXPIRES + 10, &key, &e), ERR_PERM);
	free(genuine);
	free(changed_key);
	free(changed_expiry);
	free(leading_zero);
	free(wrong_signature);
	free(truncated);
	free(extra_part);
	buf_free(&key);
	buf_free(&tmp);
}

static void test_links_overlong_token_is_refused_unread(void **state)
{
	char *token = malloc(LINKS_TOKEN_MAX + 2);
	struct buf key;
	struct err e;
	(void)state;
	buf_init(&key, 4096);
	memset(token, 'A', LINKS_TOKEN_MAX + 1);
	token[LINKS_TOKEN_MAX + 1] = '\0';
	assert_int_equal(verify(KEY, token, NOW, &key, &e), ERR_PERM);
	free(token);
	buf_free(&key);
}

static void test_links_short_signing_key_is_a_config_error(void **state)
{
	struct buf out;
	struct err e;
	(void)state;
	buf_init(&out, 4096);
	assert_int_equal(links_sign("short", STORAGE_KEY, EXPIRES, &out, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "Links.SigningKey"));
	assert_int_equal(links_sign(NULL, STORAGE_KEY, EXPIRES, &out, &e), ERR_INVALID);
	assert_int_equal(links_verify("", "a.1.b", NOW, &out, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "Links.SigningKey"));
	buf_free(&out);
}

static void test_links_sign_refuses_bad_input(void **state)
{
	char *long_key = malloc(LINKS_KEY_MAX + 2);
	struct buf out;
	struct err e;
	(void)state;
	buf_init(&out, 4096);
	memset(long_key, 'k', LINKS_KEY_MAX + 1);
	long_key[LINKS_KEY_MAX + 1] = '\0';
	assert_int_equal(links_sign(KEY, "", EXPIRES, &out, &e), ERR_INVALID);
	assert_int_equal(links_sign(KEY, NULL, EXPIRES, &out, &e), ERR_INVALID);
	assert_int_equal(links_sign(KEY, long_key, EXPIRES, &out, &e), ERR_INVALID);
	assert_int_equal(links_sign(KEY, STORAGE_KEY, 0, &out, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, STORAGE_KEY));
	assert_int_equal(out.len, 0);
	buf_free(&out);
	/* A full buffer leaves nothing half-written. */
	buf_init(&out, 60);
	buf_puts(&out, "prefix");
	assert_int_equal(links_sign(KEY, STORAGE_KEY, EXPIRES, &out, &e), ERR_TOOBIG);
	assert_string_equal(buf_str(&out), "prefix");
	buf_free(&out);
	free(long_key);
}

static void test_links_generated_keys_are_hex_and_distinct(void **state)
{
	char a[65], b[65];
	unsigned char bytes[32];
	(void)state;
	assert_int_equal(links_generate_key(a), 0);
	assert_int_equal(links_generate_key(b), 0);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(crypto_unhex(a, bytes, sizeof(bytes)), 0);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links_valid_token_yields_its_key_until_expiry),
		cmocka_unit_test(test_links_altered_tokens_are_invalid),
		cmocka_unit_test(test_links_overlong_token_is_refused_unread),
		cmocka_unit_test(test_links_short_signing_key_is_a_config_error),
		cmocka_unit_test(test_links_sign_refuses_bad_input),
		cmocka_unit_test(test_links_generated_keys_are_hex_and_distinct),
	};
	return cmocka_run_group_tests_name("links", tests, NULL, NULL);
}
