/*
 * links.h - signed, expiring download links for local exports.
 *
 * The HTTP server serves GET /exports/{token}; the token names a storage
 * key and an expiry and carries an HMAC-SHA256 over both made with the
 * configured Links.SigningKey, so the server needs no table of links and
 * a link cannot be pointed at another file or kept alive longer.
 *
 * Token text (URL-safe, no padding, fits in one path segment):
 *   base64url(storage key) "." expiry (decimal ms) "." base64url(mac)
 *   mac = HMAC-SHA256(signing key, storage key "\n" expiry)
 *
 * The key is readable by anyone holding the link; it is a random export
 * name under exports/{userId}/, not a secret. The caller still checks the
 * returned key with storage_key_valid() before touching a file.
 */
#ifndef DOMECEK_LINKS_H
#define DOMECEK_LINKS_H

#include <stdint.h>

struct buf;
struct err;

#define LINKS_KEY_MIN 32     /* characters in Links.SigningKey */
#define LINKS_KEY_MAX 1024   /* bytes in a storage key */
#define LINKS_TOKEN_MAX 4096 /* longer tokens are refused unread */

/* Appends a token for storage_key valid until expires_ms (UTC ms) to
 * token_out. Errors: ERR_INVALID (signing key shorter than LINKS_KEY_MIN,
 * empty or overlong storage key, expiry not positive), ERR_TOOBIG. */
int links_sign(const char *signing_key, const char *storage_key,
	       int64_t expires_ms, struct buf *token_out, struct err *e);

/* Checks token at now_ms and appends its storage key to key_out.
 * Returns 0; ERR_PERM with the message "invalid download link" for
 * anything forged, altered, truncated or malformed (the message never
 * says which check failed); ERR_EXPIRED when the link is genuine but
 * now_ms >= its expiry; ERR_INVALID when the signing key itself is
 * unusable (a configuration error, not the client's). The MAC is
 * compared in constant time. key_out is untouched on failure. */
int links_verify(const char *signing_key, const char *token, int64_t now_ms,
		 struct buf *key_out, struct err *e);

/* Writes a new random signing key: 64 lowercase hex digits and a NUL.
 * Returns 0 or ERR_IO (no entropy). */
int links_generate_key(char out[65]);

#endif
