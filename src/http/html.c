/*
 * html.c - HTML escaping for the dashboard.
 *
 * The one rule: bytes from outside our source code reach a page only
 * through these functions. Escaping all five special characters
 * everywhere (rather than a context-dependent subset) keeps the rule
 * simple enough to check by reading.
 */
#include "http/html.h"
#include "base/buf.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

int html_text_len(struct buf *out, const char *s, size_t len)
{
	size_t start = 0, i;
	int rc;

	for (i = 0; i < len; i++) {
		const char *ent = entity(s[i]);
		if (!ent && s[i] != '\0')
			continue;
		if ((rc = buf_append(out, s + start, i - start)) ||
		    (ent && (rc = buf_puts(out, ent))))
			return rc;
		start = i + 1;
	}
	return buf_append(out, s + start, len - start);
}

int html_text(struct buf *out, const char *s)
{
	return s ? html_text_len(out, s, strlen(s)) : 0;
}

int html_textf(struct buf *out, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return ERR_INVALID;
	if ((size_t)n >= sizeof(small))
		return ERR_TOOBIG;
	return html_text_len(out, small, (size_t)n);
}

int html_url_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; s && *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			rc = buf_putc(out, (char)c);
		} else {
			char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
			rc = buf_append(out, enc, 3);
		}
	}
	return rc;
}
