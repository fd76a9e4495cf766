/*
 * mime.h - an email as an RFC 5322 / MIME message, ready for any transport.
 *
 * The message is UTF-8 throughout: bodies in quoted-printable, the Subject
 * and non-ASCII display names as RFC 2047 encoded-words, long headers
 * folded. Lines end in CRLF. No line is longer than 78 characters except
 * a header holding one address that is longer by itself.
 *
 * No header value may contain CR or LF: a value that does is refused,
 * never cleaned up, since it would let data add headers (header injection).
 */
#ifndef DOMECEK_MIME_H
#define DOMECEK_MIME_H

#include <stdint.h>

struct buf;
struct err;

struct mime_message {
	const char *from_address; /* required */
	const char *from_name;	  /* optional display name */
	const char *to_address;	  /* required */
	const char *to_name;	  /* optional */
	const char *reply_to;	  /* optional address */
	const char *subject;	  /* required, may be "" */
	const char *text;	  /* required: text/plain part */
	const char *html;	  /* optional: text/html alternative */
	int64_t date_ms;	  /* Date header, ms since epoch (UTC) */
	const char *message_id;	  /* optional: "<id@host>" or "id@host";
				     generated from random bytes if NULL */
};

/*
 * Appends the whole message to out: multipart/alternative (text, then
 * html) when html is set, else a single text/plain part.
 * ERR_INVALID: a required field is missing, a header value holds CR or LF,
 * or an address is not valid (the message names the header). ERR_IO: no
 * random bytes. ERR_TOOBIG / ERR_NOMEM from out. On error out may hold a
 * partial message.
 */
int mime_build(const struct mime_message *m, struct buf *out, struct err *e);

/* 1 if value holds no CR and no LF (NULL is safe), else 0. */
int mime_header_is_safe(const char *value);

/* 1 if address looks like local@domain: exactly one '@', both sides
 * non-empty, no spaces, control characters, '<', '>', ',', ';' or quotes,
 * at most 254 bytes. Deliberately minimal: the mail server decides the
 * rest. */
int mime_address_valid(const char *address);

#endif
