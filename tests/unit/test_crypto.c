/*
 * test_crypto.c - hashes, MACs, hex, base64url, random bytes and PBKDF2
 * password hashes, against published test vectors (FIPS 180-2, RFC 4231,
 * RFC 7914 and the PBKDF2-HMAC-SHA256 counterparts of RFC 6070).
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

static void test_crypto_sha256_matches_fips_vectors(void **state)
{
	char hex[CRYPTO_SHA256_HEX_LEN];
	struct crypto_sha256 *ctx;
	(void)state;
	assert_int_equal(sha256_hex("abc", 3, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(sha256_hex("", 0, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	ctx = crypto_sha256_new();
	assert_non_null(ctx);
	assert_int_equal(crypto_sha256_update(ctx, "a", 1), 0);
	assert_int_equal(crypto_sha256_update(ctx, "", 0), 0);
	assert_int_equal(crypto_sha256_update(ctx, "bc", 2), 0);
	assert_int_equal(crypto_sha256_finish_hex(ctx, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256_free(ctx);
	crypto_sha256_free(NULL);
}

static void test_crypto_hmac_sha256_matches_rfc4231(void **state)
{
	unsigned char key[20], mac[CRYPTO_SHA256_LEN];
	char hex[CRYPTO_SHA256_HEX_LEN];
	(void)state;
	memset(key, 0x0b, sizeof(key));
	assert_int_equal(crypto_hmac_sha256(key, sizeof(key), "Hi There", 8, mac), 0);
	crypto_hex(mac, sizeof(mac), hex);
	assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	assert_int_equal(crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac), 0);
	crypto_hex(mac, sizeof(mac), hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_crypto_hex_round_trips_and_refuses_junk(void **state)
{
	const unsigned char bytes[] = {0x00, 0x7f, 0xab, 0xff};
	unsigned char back[4];
	char hex[9];
	(void)state;
	crypto_hex(bytes, sizeof(bytes), hex);
	assert_string_equal(hex, "007fabff");
	assert_int_equal(crypto_unhex("007FABff", back, 4), 0);
	assert_memory_equal(back, bytes, 4);
	assert_int_equal(crypto_unhex("007fabf", back, 4), ERR_INVALID);
	assert_int_equal(crypto_unhex("007fabffa", back, 4), ERR_INVALID);
	assert_int_equal(crypto_unhex("007fabgf", back, 4), ERR_INVALID);
	assert_int_equal(crypto_unhex("", back, 0), 0);
}

static void test_crypto_equal_compares_all_bytes(void **state)
{
	(void)state;
	assert_true(crypto_equal("abcd", "abcd", 4));
	assert_false(crypto_equal("abcd", "abce", 4));
	assert_false(crypto_equal("xbcd", "abcd", 4));
	assert_true(crypto_equal("a", "b", 0));
}

static void test_crypto_random_fills_and_differs(void **state)
{
	unsigned char a[3000], b[3000], zero[3000];
	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	/* More than one DRBG request (1024 bytes) to cover the chunking. */
	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	assert_int_equal(crypto_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a + 2000, zero + 2000, 1000);
	assert_int_equal(crypto_random(a, 0), 0);
}

static void test_crypto_base64url_matches_rfc4648_without_padding(void **state)
{
	const struct {
		const char *bytes, *text;
	} cases[] = {
		{"", ""},         {"f", "Zg"},         {"fo", "Zm8"},
		{"foo", "Zm9v"},  {"foob", "Zm9vYg"},  {"fooba", "Zm9vYmE"},
		{"foobar", "Zm9vYmFy"},
		{"\xfb\xff\xbf", "-_-_"}, /* the two URL-safe characters */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out, back;

		buf_init(&out, 64);
		buf_init(&back, 64);
		assert_int_equal(crypto_base64url_encode(cases[i].bytes, strlen(cases[i].bytes), &out), 0);
		assert_string_equal(buf_str(&out), cases[i].text);
		assert_int_equal(crypto_base64url_decode(out.data ? out.data : "", out.len, &back), 0);
		assert_int_equal(back.len, strlen(cases[i].bytes));
		assert_memory_equal(buf_str(&back), cases[i].bytes, back.len);
		buf_free(&out);
		buf_free(&back);
	}
}

static void test_crypto_base64url_refuses_non_canonical_text(void **state)
{
	const char *bad[] = {
		"Zg==", /* padding */
		"+/8",  /* standard alphabet */
		"Z",    /* a length no encoder makes */
		"Zh",   /* unused bits set: "Zg" re-spelled */
		"Zm9",  /* unused bits set: "Zm8" re-spelled */
		"Zm 9v", "Zm9v\n", "Zm9v.", "\xc3\xa9",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf out;

		buf_init(&out, 64);
		assert_int_equal(crypto_base64url_decode(bad[i], strlen(bad[i]), &out), ERR_INVALID);
		assert_int_equal(out.len, 0);
		buf_free(&out);
	}
}

static void test_crypto_base64url_respects_cap(void **state)
{
	struct buf out;
	(void)state;
	buf_init(&out, 3);
	assert_int_equal(crypto_base64url_encode("foob", 4, &out), ERR_TOOBIG);
	assert_int_equal(crypto_base64url_decode("Zm9vYg", 6, &out), ERR_TOOBIG);
	buf_free(&out);
}

static void test_crypto_pbkdf2_sha256_matches_vectors(void **state)
{
	const struct {
		const char *password, *salt;
		uint32_t iterations;
		size_t len;
		const char *hex;
	} cases[] = {
		/* RFC 7914 section 11 */
		{"passwd", "salt", 1, 64,
		 "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
		 "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
		{"Password", "NaCl", 80000, 64,
		 "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
		 "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"},
		/* RFC 6070's inputs with HMAC-SHA256 */
		{"password", "salt", 1, 32,
		 "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"},
		{"password", "salt", 2, 32,
		 "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"},
		{"password", "salt", 4096, 32,
		 "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"},
		{"passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 40,
		 "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char out[64];
		char hex[129];

		assert_int_equal(crypto_pbkdf2_sha256(cases[i].password, strlen(cases[i].password),
						      cases[i].salt, strlen(cases[i].salt),
						      cases[i].iterations, out, cases[i].len),
				 0);
		crypto_hex(out, cases[i].len, hex);
		assert_string_equal(hex, cases[i].hex);
	}
}

static void test_crypto_password_hash_verifies_only_the_password(void **state)
{
	struct buf stored, again;
	struct err e;
	(void)state;
	buf_init(&stored, 256);
	buf_init(&again, 256);
	assert_int_equal(crypto_password_hash("heslo123", 1000, &stored, &e), 0);
	assert_int_equal(strncmp(buf_str(&stored), "pbkdf2-sha256$1000$", 19), 0);
	assert_int_equal(crypto_password_verify("heslo123", buf_str(&stored), &e), 0);
	assert_int_equal(crypto_password_verify("heslo124", buf_str(&stored), &e), ERR_PERM);
	assert_string_equal(e.msg, "wrong password");
	assert_int_equal(crypto_password_verify("", buf_str(&stored), &e), ERR_PERM);
	/* A fresh salt each time: the same password hashes differently. */
	assert_int_equal(crypto_password_hash("heslo123", 1000, &again, &e), 0);
	assert_string_not_equal(buf_str(&stored), buf_str(&again));
	buf_free(&stored);
	buf_free(&again);
}

/* "password"/"salt"/4096 from the vectors above, in the stored form. */
static void test_crypto_password_verify_accepts_known_hash(void **state)
{
	struct err e;
	(void)state;
	assert_int_equal(crypto_password_verify(
				 "password",
				 "pbkdf2-sha256$4096$c2FsdA$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o",
				 &e),
			 0);
}

static void test_crypto_password_refuses_malformed_hashes(void **state)
{
	const struct {
		const char *stored, *reason;
	} cases[] = {
		{"", "does not start"},
		{"sha1$1000$c2FsdA$AAAA", "does not start"},
		{"pbkdf2-sha256$$c2FsdA$x", "iteration"},
		{"pbkdf2-sha256$999$c2FsdA$x", "iteration"},
		{"pbkdf2-sha256$0100$c2FsdA$x", "iteration"},
		{"pbkdf2-sha256$99999999999$c2FsdA$x", "iteration"},
		{"pbkdf2-sha256$4096c2FsdA$x", "iteration"},
		{"pbkdf2-sha256$4096$$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o", "salt"},
		{"pbkdf2-sha256$4096$c2F=$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o", "salt"},
		{"pbkdf2-sha256$4096$c2FsdA", "salt"},
		{"pbkdf2-sha256$4096$c2FsdA$xeR41ZKIyEGqUw22", "32 bytes"},
		{"pbkdf2-sha256$4096$c2FsdA$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o$", "32 bytes"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e;

		assert_int_equal(crypto_password_verify("password", cases[i].stored, &e), ERR_INVALID);
		assert_non_null(strstr(e.msg, cases[i].reason));
	}
}

static void test_crypto_password_hash_refuses_iterations_out_of_range(void **state)
{
	struct buf out;
	struct err e;
	(void)state;
	buf_init(&out, 256);
	assert_int_equal(crypto_password_hash("x", 999, &out, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "999"));
	assert_int_equal(crypto_password_hash("x", CRYPTO_PASSWORD_MAX_ITERATIONS + 1, &out, &e),
			 ERR_INVALID);
	buf_free(&out);
	buf_init(&out, 10);
	assert_int_equal(crypto_password_hash("x", 1000, &out, &e), ERR_TOOBIG);
	buf_free(&out);
	assert_int_equal(crypto_pbkdf2_sha256("x", 1, "s", 1, 0, NULL, 0), ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crypto_sha256_matches_fips_vectors),
		cmocka_unit_test(test_crypto_hmac_sha256_matches_rfc4231),
		cmocka_unit_test(test_crypto_hex_round_trips_and_refuses_junk),
		cmocka_unit_test(test_crypto_equal_compares_all_bytes),
		cmocka_unit_test(test_crypto_random_fills_and_differs),
		cmocka_unit_test(test_crypto_base64url_matches_rfc4648_without_padding),
		cmocka_unit_test(test_crypto_base64url_refuses_non_canonical_text),
		cmocka_unit_test(test_crypto_base64url_respects_cap),
		cmocka_unit_test(test_crypto_pbkdf2_sha256_matches_vectors),
		cmocka_unit_test(test_crypto_password_hash_verifies_only_the_password),
		cmocka_unit_test(test_crypto_password_verify_accepts_known_hash),
		cmocka_unit_test(test_crypto_password_refuses_malformed_hashes),
		cmocka_unit_test(test_crypto_password_hash_refuses_iterations_out_of_range),
	};
	return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
