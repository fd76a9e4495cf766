/*
 * links.c - signed, expiring download links for local exports.
 *
 * Verification parses the whole token first and checks the MAC before it
 * looks at the expiry, so "expired" is only ever said of a genuine link:
 * a forger learns nothing from the two answers. Every parse failure gives
 * the same message. The expiry is MACed as the exact text in the token
 * and that text must be canonical (digits, no leading zero), so one link
 * has one spelling.
 */
#include "app/links.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

#define INVALID_MESSAGE "invalid download link"
#define EXPIRY_DIGITS_MAX 18 /* below INT64_MAX, well past year 9999 */

static int check_signing_key(const char *signing_key, struct err *e)
{
	if (!signing_key || strlen(signing_key) < LINKS_KEY_MIN)
		return err_set(
		    e, ERR_INVALID,
		    "Links.SigningKey must be at least %d characters "
		    "(generate one: 64 random hex digits)",
		    LINKS_KEY_MIN);
	return 0;
}

static int link_mac(const char *signing_key, const char *key, size_t key_len,
		    const char *expiry, size_t expiry_len,
		    unsigned char mac[CRYPTO_SHA256_LEN])
{
	struct buf message;
	int rc;

	buf_init(&message, LINKS_KEY_MAX + EXPIRY_DIGITS_MAX + 2);
	rc = buf_append(&message, key, key_len);
	if (!rc)
		rc = buf_putc(&message, '\n');
	if (!rc)
		rc = buf_append(&message, expiry, expiry_len);
	if (!rc)
		rc = crypto_hmac_sha256(signing_key, strlen(signing_key),
					message.data, message.len, mac);
	buf_free(&message);
	return rc;
}

int links_sign(const char *signing_key, const char *storage_key,
	       int64_t expires_ms, struct buf *token_out, struct err *e)
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char expiry[32];
	size_t key_len, start = token_out->len;
	int rc, n;

	rc = check_signing_key(signing_key, e);
	if (rc)
		return rc;
	key_len = storage_key ? strlen(storage_key) : 0;
	if (key_len == 0 || key_len > LINKS_KEY_MAX)
		return err_set(e, ERR_INVALID,
			       "download link: storage key is empty or longer "
			       "than %d bytes",
			       LINKS_KEY_MAX);
	if (expires_ms <= 0)
		return err_set(e, ERR_INVALID,
			       "download link for \"%s\": expiry %lld is not "
			       "a time",
			       storage_key, (long long)expires_ms);
	n = snprintf(expiry, sizeof(expiry), "%lld", (long long)expires_ms);
	rc =
	    link_mac(signing_key, storage_key, key_len, expiry, (size_t)n, mac);
	if (!rc)
		rc = crypto_base64url_encode(storage_key, key_len, token_out);
	if (!rc)
		rc = buf_printf(token_out, ".%s.", expiry);
	if (!rc)
		rc = crypto_base64url_encode(mac, sizeof(mac), token_out);
	if (rc) {
		token_out->len = start;
		if (token_out->data)
			token_out->data[start] = '\0';
		return err_set(e, rc,
			       "download link for \"%s\" does not fit "
			       "its buffer",
			       storage_key);
	}
	return 0;
}

/* Canonical decimal: 1..EXPIRY_DIGITS_MAX digits, no leading zero. */
static int parse_expiry(const char *text, size_t len, int64_t *out)
{
	int64_t value = 0;

	if (len == 0 || len > EXPIRY_DIGITS_MAX || text[0] == '0')
		return ERR_PERM;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return ERR_PERM;
		value = value * 10 + (text[i] - '0');
	}
	*out = value;
	return 0;
}

struct parsed_token {
	struct buf key;
	const char *expiry;
	size_t expiry_len;
	int64_t expires_ms;
	struct buf mac;
};

static int parse_token(const char *token, struct parsed_token *t)
{
	const char *dot1, *dot2, *mac_text;
	size_t len = strnlen(token, LINKS_TOKEN_MAX + 1);

	if (len == 0 || len > LINKS_TOKEN_MAX)
		return ERR_PERM;
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token))
		    : NULL;
	if (!dot2)
		return ERR_PERM;
	mac_text = dot2 + 1;
	t->expiry = dot1 + 1;
	t->expiry_len = (size_t)(dot2 - t->expiry);
	if (crypto_base64url_decode(token, (size_t)(dot1 - token), &t->key) ||
	    t->key.len == 0 || memchr(t->key.data, '\0', t->key.len) ||
	    parse_expiry(t->expiry, t->expiry_len, &t->expires_ms) ||
	    crypto_base64url_decode(mac_text, len - (size_t)(mac_text - token),
				    &t->mac) ||
	    t->mac.len != CRYPTO_SHA256_LEN)
		return ERR_PERM;
	return 0;
}

int links_verify(const char *signing_key, const char *token, int64_t now_ms,
		 struct buf *key_out, struct err *e)
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char when[CLOCK_ISO_LEN];
	struct parsed_token t;
	int rc;

	rc = check_signing_key(signing_key, e);
	if (rc)
		return rc;
	buf_init(&t.key, LINKS_KEY_MAX);
	buf_init(&t.mac, CRYPTO_SHA256_LEN);
	rc = token ? parse_token(token, &t) : ERR_PERM;
	if (!rc)
		rc = link_mac(signing_key, t.key.data, t.key.len, t.expiry,
			      t.expiry_len, mac)
			 ? ERR_PERM
			 : 0;
	if (!rc && !crypto_equal(mac, t.mac.data, sizeof(mac)))
		rc = ERR_PERM;
	if (rc) {
		rc = err_set(e, ERR_PERM, INVALID_MESSAGE);
		goto done;
	}
	if (now_ms >= t.expires_ms) {
		rc = err_set(e, ERR_EXPIRED, "download link expired at %s",
			     clock_format(t.expires_ms, when));
		goto done;
	}
	rc = buf_append(key_out, t.key.data, t.key.len);
	if (rc)
		err_set(e, rc, "download link key does not fit its buffer");
done:
	buf_free(&t.key);
	buf_free(&t.mac);
	return rc;
}

int links_generate_key(char out[65])
{
	unsigned char bytes[32];

	if (crypto_random(bytes, sizeof(bytes)) != 0)
		return ERR_IO;
	crypto_hex(bytes, sizeof(bytes), out);
	return 0;
}
