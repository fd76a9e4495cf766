/*
 * html.h - building HTML pages in a struct buf with every value escaped.
 *
 * Markup written by our own code goes in with buf_puts(); anything that
 * came from the database, the config or the request goes through
 * html_text() (element content and attribute values alike: & < > " '
 * are all replaced, so one function is safe in both places).
 */
#ifndef DOMECEK_HTML_H
#define DOMECEK_HTML_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Appends s with & < > " ' as entities. NULL appends nothing. Returns 0,
 * ERR_TOOBIG or ERR_NOMEM (buf.h). */
int html_text(struct buf *out, const char *s);
/* The same for the first len bytes of s (may contain NUL bytes, which
 * are dropped). */
int html_text_len(struct buf *out, const char *s, size_t len);
/* Appends printf-formatted text, escaped as html_text() does. */
int html_textf(struct buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s percent-encoded for a URL query value or path segment
 * (RFC 3986 unreserved characters are kept). */
int html_url_encode(struct buf *out, const char *s);

#endif
