/*
 * crypto.c - hashing, MACs, random bytes and password hashes over mbedtls.
 *
 * Everything goes through the generic mbedtls_md layer, which is the same
 * in mbedtls 2.28 and 3.x. Nothing here keeps state between calls: the
 * random generator is seeded per call, which costs one read of the system
 * entropy source and is fine for the few keys and salts we make.
 *
 * Base64url is mbedtls_base64 with the two alphabet characters swapped and
 * the padding stripped (and restored before decoding). Decoding is strict:
 * one byte string has exactly one accepted text, so a token cannot be
 * re-spelled to look different while meaning the same.
 */
#include "base/crypto.h"
#include "base/buf.h"
#include "base/err.h"

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSWORD_SALT_LEN 16
#define PASSWORD_PREFIX "pbkdf2-sha256$"

struct crypto_sha256 {
	mbedtls_md_context_t md;
};

static const mbedtls_md_info_t *sha256_info(void)
{
	return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
}

int crypto_sha256(const void *data, size_t len,
		  unsigned char out[CRYPTO_SHA256_LEN])
{
	if (mbedtls_md(sha256_info(), data, len, out) != 0)
		return ERR_INVALID;
	return 0;
}

int sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX_LEN])
{
	unsigned char digest[CRYPTO_SHA256_LEN];
	int rc = crypto_sha256(data, len, digest);

	if (rc)
		return rc;
	crypto_hex(digest, sizeof(digest), out);
	return 0;
}

int crypto_hmac_sha256(const void *key, size_t key_len, const void *data,
		       size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
	if (mbedtls_md_hmac(sha256_info(), key, key_len, data, len, out) != 0)
		return ERR_INVALID;
	return 0;
}

struct crypto_sha256 *crypto_sha256_new(void)
{
	struct crypto_sha256 *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	mbedtls_md_init(&ctx->md);
	if (mbedtls_md_setup(&ctx->md, sha256_info(), 0) != 0 ||
	    mbedtls_md_starts(&ctx->md) != 0) {
		crypto_sha256_free(ctx);
		return NULL;
	}
	return ctx;
}

int crypto_sha256_update(struct crypto_sha256 *ctx, const void *data,
			 size_t len)
{
	if (mbedtls_md_update(&ctx->md, data, len) != 0)
		return ERR_INVALID;
	return 0;
}

int crypto_sha256_finish_hex(struct crypto_sha256 *ctx,
			     char out[CRYPTO_SHA256_HEX_LEN])
{
	unsigned char digest[CRYPTO_SHA256_LEN];

	if (mbedtls_md_finish(&ctx->md, digest) != 0)
		return ERR_INVALID;
	crypto_hex(digest, sizeof(digest), out);
	return 0;
}

void crypto_sha256_free(struct crypto_sha256 *ctx)
{
	if (!ctx)
		return;
	mbedtls_md_free(&ctx->md);
	free(ctx);
}

void crypto_hex(const void *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int crypto_unhex(const char *hex, void *out, size_t out_len)
{
	unsigned char *p = out;

	for (size_t i = 0; i < out_len; i++) {
		int hi = hex_value(hex[2 * i]);
		int lo = hi < 0 ? -1 : hex_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return ERR_INVALID;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[2 * out_len] == '\0' ? 0 : ERR_INVALID;
}

int crypto_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a;
	const volatile unsigned char *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

int crypto_random(void *buf, size_t n)
{
	static const char personalization[] = "domecek-jobs";
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	unsigned char *p = buf;
	int rc = ERR_IO;

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
				  (const unsigned char *)personalization,
				  sizeof(personalization) - 1) != 0)
		goto done;
	while (n > 0) {
		size_t chunk = n < MBEDTLS_CTR_DRBG_MAX_REQUEST
				   ? n
				   : MBEDTLS_CTR_DRBG_MAX_REQUEST;

		if (mbedtls_ctr_drbg_random(&drbg, p, chunk) != 0)
			goto done;
		p += chunk;
		n -= chunk;
	}
	rc = 0;
done:
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return rc;
}

int crypto_base64url_encode(const void *data, size_t len, struct buf *out)
{
	size_t size = 4 * ((len + 2) / 3) + 1;
	size_t written = 0;
	unsigned char *text;
	int rc = ERR_NOMEM;

	text = malloc(size);
	if (!text)
		return ERR_NOMEM;
	if (mbedtls_base64_encode(text, size, &written, data, len) != 0) {
		rc = ERR_INVALID;
		goto done;
	}
	while (written > 0 && text[written - 1] == '=')
		written--;
	for (size_t i = 0; i < written; i++) {
		if (text[i] == '+')
			text[i] = '-';
		else if (text[i] == '/')
			text[i] = '_';
	}
	rc = buf_append(out, text, written);
done:
	free(text);
	return rc;
}

static int base64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Checks the alphabet, the length and that the bits past the last whole
 * byte are zero, which is what makes the spelling unique. */
static int base64url_canonical(const char *text, size_t len)
{
	int last;

	if (len % 4 == 1)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (base64url_value(text[i]) < 0)
			return 0;
	if (len == 0)
		return 1;
	last = base64url_value(text[len - 1]);
	if (len % 4 == 2)
		return (last & 0x0f) == 0;
	if (len % 4 == 3)
		return (last & 0x03) == 0;
	return 1;
}

int crypto_base64url_decode(const char *text, size_t len, struct buf *out)
{
	size_t padded = len + 3;
	size_t size = padded / 4 * 3 + 3;
	size_t written = 0;
	unsigned char *std = NULL, *bytes = NULL;
	int rc = ERR_INVALID;

	if (!base64url_canonical(text, len))
		return ERR_INVALID;
	std = malloc(padded + 1);
	bytes = malloc(size);
	if (!std || !bytes) {
		rc = ERR_NOMEM;
		goto done;
	}
	for (size_t i = 0; i < len; i++)
		std[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
	padded = len;
	while (padded % 4)
		std[padded++] = '=';
	if (mbedtls_base64_decode(bytes, size, &written, std, padded) != 0)
		goto done;
	rc = buf_append(out, bytes, written);
done:
	free(std);
	free(bytes);
	return rc;
}

int crypto_pbkdf2_sha256(const void *password, size_t password_len,
			 const void *salt, size_t salt_len, uint32_t iterations,
			 void *out, size_t out_len)
{
	int rc;

	if (out_len > UINT32_MAX || iterations == 0)
		return ERR_INVALID;
#if MBEDTLS_VERSION_NUMBER >= 0x03030000
	rc = mbedtls_pkcs5_pbkdf2_hmac_ext(MBEDTLS_MD_SHA256, password,
					   password_len, salt, salt_len,
					   iterations, (uint32_t)out_len, out);
#else
	{
		mbedtls_md_context_t md;

		mbedtls_md_init(&md);
		rc = mbedtls_md_setup(&md, sha256_info(), 1);
		if (rc == 0)
			rc = mbedtls_pkcs5_pbkdf2_hmac(
			    &md, password, password_len, salt, salt_len,
			    iterations, (uint32_t)out_len, out);
		mbedtls_md_free(&md);
	}
#endif
	return rc == 0 ? 0 : ERR_INVALID;
}

int crypto_password_hash(const char *password, uint32_t iterations,
			 struct buf *out, struct err *e)
{
	unsigned char salt[PASSWORD_SALT_LEN];
	unsigned char hash[CRYPTO_SHA256_LEN];
	int rc;

	if (iterations == 0)
		iterations = CRYPTO_PASSWORD_ITERATIONS;
	if (iterations < CRYPTO_PASSWORD_MIN_ITERATIONS ||
	    iterations > CRYPTO_PASSWORD_MAX_ITERATIONS)
		return err_set(
		    e, ERR_INVALID,
		    "password hash iterations %u out of range %d..%d",
		    (unsigned)iterations, CRYPTO_PASSWORD_MIN_ITERATIONS,
		    CRYPTO_PASSWORD_MAX_ITERATIONS);
	if (crypto_random(salt, sizeof(salt)) != 0)
		return err_set(e, ERR_IO,
			       "no random bytes for a password salt "
			       "(system entropy source failed)");
	if (crypto_pbkdf2_sha256(password, strlen(password), salt, sizeof(salt),
				 iterations, hash, sizeof(hash)) != 0)
		return err_set(e, ERR_INVALID, "PBKDF2 failed");
	rc = buf_printf(out, PASSWORD_PREFIX "%u$", (unsigned)iterations);
	if (!rc)
		rc = crypto_base64url_encode(salt, sizeof(salt), out);
	if (!rc)
		rc = buf_putc(out, '$');
	if (!rc)
		rc = crypto_base64url_encode(hash, sizeof(hash), out);
	if (rc)
		return err_set(e, rc, "password hash does not fit its buffer");
	return 0;
}

/* Parses "<digits>$" at *p into *iterations and moves *p past the '$'. */
static int parse_iterations(const char **p, uint32_t *iterations)
{
	unsigned long long value = 0;
	const char *s = *p;

	if (*s < '1' || *s > '9')
		return ERR_INVALID;
	while (*s >= '0' && *s <= '9') {
		value = value * 10 + (unsigned long long)(*s - '0');
		if (value > CRYPTO_PASSWORD_MAX_ITERATIONS)
			return ERR_INVALID;
		s++;
	}
	if (*s != '$' || value < CRYPTO_PASSWORD_MIN_ITERATIONS)
		return ERR_INVALID;
	*iterations = (uint32_t)value;
	*p = s + 1;
	return 0;
}

/* Splits a stored hash into its parts; the message says which is wrong. */
static int parse_stored(const char *stored, uint32_t *iterations,
			struct buf *salt, struct buf *hash, struct err *e)
{
	const char *p = stored, *dollar;

	if (strncmp(p, PASSWORD_PREFIX, strlen(PASSWORD_PREFIX)) != 0)
		return err_set(e, ERR_INVALID,
			       "password hash does not start with "
			       "\"" PASSWORD_PREFIX "\"");
	p += strlen(PASSWORD_PREFIX);
	if (parse_iterations(&p, iterations) != 0)
		return err_set(e, ERR_INVALID,
			       "password hash iteration count is not a number "
			       "in %d..%d",
			       CRYPTO_PASSWORD_MIN_ITERATIONS,
			       CRYPTO_PASSWORD_MAX_ITERATIONS);
	dollar = strchr(p, '$');
	if (!dollar || dollar == p ||
	    crypto_base64url_decode(p, (size_t)(dollar - p), salt) != 0)
		return err_set(e, ERR_INVALID,
			       "password hash salt is not base64url");
	p = dollar + 1;
	if (crypto_base64url_decode(p, strlen(p), hash) != 0 ||
	    hash->len != CRYPTO_SHA256_LEN)
		return err_set(e, ERR_INVALID,
			       "password hash value is not 32 bytes of "
			       "base64url");
	return 0;
}

int crypto_password_check(const char *stored, struct err *e)
{
	struct buf salt, hash;
	uint32_t iterations;
	int rc;

	buf_init(&salt, 256);
	buf_init(&hash, CRYPTO_SHA256_LEN);
	rc = parse_stored(stored, &iterations, &salt, &hash, e);
	buf_free(&salt);
	buf_free(&hash);
	return rc;
}

int crypto_password_verify(const char *password, const char *stored,
			   struct err *e)
{
	unsigned char computed[CRYPTO_SHA256_LEN];
	struct buf salt, hash;
	uint32_t iterations;
	int rc;

	buf_init(&salt, 256);
	buf_init(&hash, CRYPTO_SHA256_LEN);
	if ((rc = parse_stored(stored, &iterations, &salt, &hash, e)))
		goto done;
	if (crypto_pbkdf2_sha256(password, strlen(password), salt.data,
				 salt.len, iterations, computed,
				 sizeof(computed)) != 0) {
		rc = err_set(e, ERR_INVALID, "PBKDF2 failed");
		goto done;
	}
	rc = crypto_equal(computed, hash.data, sizeof(computed))
		 ? 0
		 : err_set(e, ERR_PERM, "wrong password");
done:
	buf_free(&salt);
	buf_free(&hash);
	return rc;
}

int crypto_ca_file_check(const char *path, struct err *e)
{
	mbedtls_x509_crt chain;
	int rc;

	mbedtls_x509_crt_init(&chain);
	rc = mbedtls_x509_crt_parse_file(&chain, path);
	mbedtls_x509_crt_free(&chain);
	if (rc == MBEDTLS_ERR_PK_FILE_IO_ERROR)
		return err_set(e, ERR_INVALID, "cannot read %s", path);
	if (rc != 0)
		return err_set(e, ERR_INVALID,
			       "%s holds no usable PEM certificate%s", path,
			       rc > 0 ? " (some failed to parse)" : "");
	return 0;
}
