/*
 * crypto.h - hashing, MACs, random bytes and password hashes over mbedtls.
 *
 * Thin, allocation-light wrappers so that the rest of the code never
 * touches mbedtls types: SHA-256 (one shot and incremental), HMAC-SHA256,
 * lowercase hex, constant-time comparison, random bytes from the system
 * entropy source through CTR-DRBG, URL-safe base64 without padding
 * (RFC 4648 section 5) and PBKDF2-HMAC-SHA256 password hashes.
 *
 * Only mbedtls_md()/mbedtls_md_hmac() and friends are used, which exist in
 * both mbedtls 2.28 and 3.x; the one API that moved (PBKDF2) is switched on
 * MBEDTLS_VERSION_NUMBER inside crypto.c.
 */
#ifndef DOMECEK_CRYPTO_H
#define DOMECEK_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct err;

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SHA256_HEX_LEN 65 /* 64 hex digits + NUL */

/* SHA-256 of data into out. Returns 0 or ERR_INVALID (mbedtls failure). */
int crypto_sha256(const void *data, size_t len,
		  unsigned char out[CRYPTO_SHA256_LEN]);
/* SHA-256 of data as 64 lowercase hex digits and a NUL. */
int sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX_LEN]);
/* HMAC-SHA256(key, data) into out. */
int crypto_hmac_sha256(const void *key, size_t key_len, const void *data,
		       size_t len, unsigned char out[CRYPTO_SHA256_LEN]);

/* Incremental SHA-256, for files too big to hold (export ZIPs). The
 * context is owned by the caller: crypto_sha256_free() it (NULL is a
 * no-op). crypto_sha256_new returns NULL when out of memory. */
struct crypto_sha256;
struct crypto_sha256 *crypto_sha256_new(void);
int crypto_sha256_update(struct crypto_sha256 *ctx, const void *data,
			 size_t len);
/* Writes the digest as hex; the context must not be updated afterwards. */
int crypto_sha256_finish_hex(struct crypto_sha256 *ctx,
			     char out[CRYPTO_SHA256_HEX_LEN]);
void crypto_sha256_free(struct crypto_sha256 *ctx);

/* Lowercase hex of len bytes into out, which holds 2*len+1 chars. */
void crypto_hex(const void *data, size_t len, char *out);
/* Parses exactly 2*out_len hex digits (either case) from hex, which must
 * end there. Returns 0 or ERR_INVALID. */
int crypto_unhex(const char *hex, void *out, size_t out_len);

/* 1 when the n bytes at a and b are equal. The time taken depends on n
 * only, never on where the first difference is (MAC and hash checks). */
int crypto_equal(const void *a, const void *b, size_t n);

/* Fills buf with n bytes from a CTR-DRBG seeded from the system entropy
 * source. Returns 0 or ERR_IO when no entropy could be gathered. */
int crypto_random(void *buf, size_t n);

/* URL-safe base64 without '=' padding, appended to out. Returns 0,
 * ERR_TOOBIG (out's cap) or ERR_NOMEM. */
int crypto_base64url_encode(const void *data, size_t len, struct buf *out);
/* Decodes len chars of URL-safe base64 (no padding, no '+' '/' '=' or
 * whitespace) and appends the bytes to out. Returns 0, ERR_INVALID for
 * any character or length that is not canonical base64url, ERR_TOOBIG. */
int crypto_base64url_decode(const char *text, size_t len, struct buf *out);

/* PBKDF2-HMAC-SHA256(password, salt, iterations) into out_len bytes. */
int crypto_pbkdf2_sha256(const void *password, size_t password_len,
			 const void *salt, size_t salt_len, uint32_t iterations,
			 void *out, size_t out_len);

/* Password hashes are stored as text (Dashboard.AdminPasswordHash):
 *   pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>
 * with a 16-byte random salt and a 32-byte hash. */
#define CRYPTO_PASSWORD_ITERATIONS 210000
#define CRYPTO_PASSWORD_MIN_ITERATIONS 1000
#define CRYPTO_PASSWORD_MAX_ITERATIONS 10000000

/* Hashes password with a fresh salt and appends the text form to out.
 * iterations 0 means CRYPTO_PASSWORD_ITERATIONS. Errors: ERR_INVALID
 * (iterations out of range), ERR_IO (no randomness), ERR_TOOBIG. */
int crypto_password_hash(const char *password, uint32_t iterations,
			 struct buf *out, struct err *e);
/* Checks password against a stored hash in constant time. Returns 0 on a
 * match, ERR_PERM ("wrong password") on a mismatch, ERR_INVALID when the
 * stored text is not a hash this module wrote (the message says which
 * part is wrong, never anything about the password). */
int crypto_password_verify(const char *password, const char *stored,
			   struct err *e);
/* Checks only the form of a stored hash (no PBKDF2 run): 0, or
 * ERR_INVALID saying which part is wrong. */
int crypto_password_check(const char *stored, struct err *e);

/* Checks that path is a readable PEM file of CA certificates that all
 * parse (Tls.CaFile). 0 or ERR_INVALID naming the file and the reason. */
int crypto_ca_file_check(const char *path, struct err *e);

#endif
