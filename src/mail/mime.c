/*
 * mime.c - builds an email as an RFC 5322 / MIME message (mime.h).
 *
 * Everything is written as 7-bit ASCII: bodies in quoted-printable, the
 * Subject and display names as RFC 2047 "B" encoded-words when they are
 * not plain ASCII, so the message passes any SMTP server and any mailbox
 * format unchanged. Headers are folded at word boundaries to at most 76
 * columns; encoded-words are cut at UTF-8 character boundaries so that
 * every word decodes by itself, and so that none exceeds the 75 bytes
 * RFC 2047 allows.
 *
 * The multipart boundary starts with "=_", which quoted-printable output
 * can never contain (it writes '=' as "=3D"), so no body can end a part.
 *
 * Invariant: all output goes through struct writer, whose first error
 * sticks and stops further writes; the caller checks it once at the end.
 */
#include "mail/mime.h"
#include "base/buf.h"
#include "base/err.h"

#include <errno.h>
#include <mbedtls/base64.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define LINE_MAX_COLUMNS 76
#define QP_MAX_COLUMNS 75	 /* plus the '=' of a soft line break */
#define ENCODED_WORD_OVERHEAD 12 /* "=?UTF-8?B?" and "?=" */
#define ADDRESS_MAX 254
#define PLAIN_WORD_MAX 70
#define RANDOM_BYTES 16
#define MESSAGE_ID_MAX 250

struct writer {
	struct buf *out;
	int rc;
	size_t column; /* of the header line being written */
};

static void put(struct writer *w, const char *s, size_t len)
{
	if (!w->rc)
		w->rc = buf_append(w->out, s, len);
	w->column += len;
}

static void puts_(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void header_start(struct writer *w, const char *name)
{
	w->column = 0;
	puts_(w, name);
	put(w, ":", 1);
}

static void header_end(struct writer *w)
{
	put(w, "\r\n", 2);
	w->column = 0;
}

/* One whitespace before each word: a space, or a fold when the word
 * would pass the line limit (or when the caller asks for a fresh line). */
static void header_word(struct writer *w, const char *word, size_t len,
			int force_fold)
{
	if (force_fold || w->column + 1 + len > LINE_MAX_COLUMNS) {
		put(w, "\r\n", 2);
		w->column = 0;
	}
	put(w, " ", 1);
	put(w, word, len);
}

static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t cut = max;

	if (cut >= len)
		return len;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	return cut > 0 ? cut : max;
}

/* RFC 2047 B encoded-words, as many as the text needs. */
static void header_encoded(struct writer *w, const char *text, size_t len)
{
	while (len > 0) {
		unsigned char b64[LINE_MAX_COLUMNS];
		char word[LINE_MAX_COLUMNS + 1];
		int fold = w->column + 1 + ENCODED_WORD_OVERHEAD + 8 >
			   LINE_MAX_COLUMNS;
		size_t room = (fold ? 1 : w->column + 1);
		size_t chunk, b64_len = 0;

		room = LINE_MAX_COLUMNS - room - ENCODED_WORD_OVERHEAD;
		chunk = utf8_cut(text, len, room / 4 * 3);
		mbedtls_base64_encode(b64, sizeof(b64), &b64_len,
				      (const unsigned char *)text, chunk);
		snprintf(word, sizeof(word), "=?UTF-8?B?%.*s?=", (int)b64_len,
			 (const char *)b64);
		header_word(w, word, strlen(word), fold);
		text += chunk;
		len -= chunk;
	}
}

/* Printable ASCII that reads the same unencoded and folds at spaces. */
static int is_plain_text(const char *s)
{
	size_t word = 0;

	if (!*s || s[0] == ' ' || strstr(s, "=?") || strstr(s, "  "))
		return 0;
	for (; *s; s++) {
		if (*s < 0x20 || *s > 0x7e)
			return 0;
		word = *s == ' ' ? 0 : word + 1;
		if (word > PLAIN_WORD_MAX)
			return 0;
	}
	return s[-1] != ' ';
}

static void header_text(struct writer *w, const char *name, const char *text)
{
	header_start(w, name);
	if (!*text) {
		/* an empty Subject: nothing after the colon */
	} else if (is_plain_text(text)) {
		for (const char *p = text; *p;) {
			size_t len = strcspn(p, " ");
			header_word(w, p, len, 0);
			p += len + (p[len] == ' ');
		}
	} else {
		header_encoded(w, text, strlen(text));
	}
	header_end(w);
}

static void header_mailbox(struct writer *w, const char *name,
			   const char *display, const char *address)
{
	char angle[ADDRESS_MAX + 3];

	header_start(w, name);
	if (display && *display && is_plain_text(display)) {
		struct buf quoted;
		buf_init(&quoted, 4 * strlen(display) + 3);
		buf_putc(&quoted, '"');
		for (const char *p = display; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&quoted, '\\');
			buf_putc(&quoted, *p);
		}
		if (buf_putc(&quoted, '"') && !w->rc)
			w->rc = ERR_NOMEM;
		header_word(w, buf_str(&quoted), quoted.len, 0);
		buf_free(&quoted);
	} else if (display && *display) {
		header_encoded(w, display, strlen(display));
	}
	snprintf(angle, sizeof(angle), "<%s>", address);
	header_word(w, angle, strlen(angle), 0);
	header_end(w);
}

static void header_date(struct writer *w, int64_t date_ms)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
					   "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec"};
	int64_t seconds = date_ms / 1000 - (date_ms % 1000 < 0);
	time_t t = (time_t)seconds;
	struct tm tm;
	char line[64];

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(line, sizeof(line),
		 "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
		 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	puts_(w, line);
}

static int is_line_end(const char *p)
{
	return *p == '\0' || *p == '\r' || *p == '\n';
}

/* The character at p must be =XX: not printable, '=', a blank before the
 * line end, or (at a line start) what mail tools treat specially. */
static int qp_needs_escape(const char *p, size_t column)
{
	unsigned char c = (unsigned char)*p;

	if (c == ' ' || c == '\t')
		return is_line_end(p + 1);
	if (c < 33 || c > 126 || c == '=')
		return 1;
	return column == 0 && (c == '.' || strncmp(p, "From ", 5) == 0);
}

/* Quoted-printable per RFC 2045: any line ending in, CRLF out. */
static void body_qp(struct writer *w, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t column = 0;

	for (const char *p = text; *p; p++) {
		char escaped[3];
		int is_escaped;

		if (*p == '\r' || *p == '\n') {
			p += p[0] == '\r' && p[1] == '\n';
			put(w, "\r\n", 2);
			column = 0;
			continue;
		}
		is_escaped = qp_needs_escape(p, column);
		if (column + (is_escaped ? 3 : 1) > QP_MAX_COLUMNS) {
			put(w, "=\r\n", 3);
			column = 0;
			is_escaped = qp_needs_escape(p, column);
		}
		if (is_escaped) {
			escaped[0] = '=';
			escaped[1] = hex[(unsigned char)*p >> 4];
			escaped[2] = hex[(unsigned char)*p & 15];
			put(w, escaped, 3);
			column += 3;
		} else {
			put(w, p, 1);
			column++;
		}
	}
	if (column > 0)
		put(w, "\r\n", 2);
}

static void part_headers(struct writer *w, const char *type)
{
	puts_(w, "Content-Type: ");
	puts_(w, type);
	puts_(w, "; charset=UTF-8\r\n"
		 "Content-Transfer-Encoding: quoted-printable\r\n");
}

static int random_hex(char *out, size_t bytes, struct err *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char random[RANDOM_BYTES];
	size_t got = 0;

	while (got < bytes) {
		ssize_t n = getrandom(random + got, bytes - got, 0);
		if (n < 0 && errno != EINTR)
			return err_set(e, ERR_IO,
				       "no random bytes for the "
				       "Message-ID: %s",
				       strerror(errno));
		if (n > 0)
			got += (size_t)n;
	}
	for (size_t i = 0; i < bytes; i++) {
		out[2 * i] = hex[random[i] >> 4];
		out[2 * i + 1] = hex[random[i] & 15];
	}
	out[2 * bytes] = '\0';
	return 0;
}

int mime_header_is_safe(const char *value)
{
	return !value || strpbrk(value, "\r\n") == NULL;
}

int mime_address_valid(const char *address)
{
	const char *at;
	size_t len;

	if (!address)
		return 0;
	len = strlen(address);
	at = strchr(address, '@');
	if (len == 0 || len > ADDRESS_MAX || !at || at == address ||
	    at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (const char *p = address; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f ||
		    strchr("<>,;\"", *p))
			return 0;
	return 1;
}

static int check_headers(const struct mime_message *m, struct err *e)
{
	const struct {
		const char *header, *value;
	} values[] = {
	    {"From address", m->from_address}, {"From name", m->from_name},
	    {"To address", m->to_address},     {"To name", m->to_name},
	    {"Reply-To", m->reply_to},	       {"Subject", m->subject},
	    {"Message-ID", m->message_id},
	};
	const struct {
		const char *header, *value;
	} addresses[] = {
	    {"From", m->from_address},
	    {"To", m->to_address},
	    {"Reply-To", m->reply_to},
	};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (!mime_header_is_safe(values[i].value))
			return err_set(e, ERR_INVALID,
				       "email header %s contains "
				       "a line break (CR or LF); refusing it",
				       values[i].header);
	for (size_t i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
		const char *a = addresses[i].value;
		if ((a || i < 2) && !mime_address_valid(a))
			return err_set(e, ERR_INVALID,
				       "email header %s: '%.100s'"
				       " is not a valid address (one @, no "
				       "spaces, no <>)",
				       addresses[i].header, a ? a : "");
	}
	if (m->message_id && (strlen(m->message_id) > MESSAGE_ID_MAX ||
			      strpbrk(m->message_id, " \t")))
		return err_set(e, ERR_INVALID,
			       "email header Message-ID: "
			       "'%.100s' has blanks or is longer than %d bytes",
			       m->message_id, MESSAGE_ID_MAX);
	if (!m->subject || !m->text)
		return err_set(e, ERR_INVALID, "email has no %s",
			       m->subject ? "text body" : "subject");
	return 0;
}

static int message_id(const struct mime_message *m, char *out, size_t size,
		      struct err *e)
{
	char random[2 * RANDOM_BYTES + 1];
	int rc;

	if (m->message_id && m->message_id[0] == '<') {
		snprintf(out, size, "%s", m->message_id);
		return 0;
	}
	if (m->message_id) {
		snprintf(out, size, "<%s>", m->message_id);
		return 0;
	}
	rc = random_hex(random, RANDOM_BYTES, e);
	if (rc)
		return rc;
	snprintf(out, size, "<%s@%s>", random,
		 strchr(m->from_address, '@') + 1);
	return 0;
}

static void write_headers(struct writer *w, const struct mime_message *m,
			  const char *id)
{
	header_date(w, m->date_ms);
	header_mailbox(w, "From", m->from_name, m->from_address);
	header_mailbox(w, "To", m->to_name, m->to_address);
	if (m->reply_to)
		header_mailbox(w, "Reply-To", NULL, m->reply_to);
	header_text(w, "Subject", m->subject);
	header_start(w, "Message-ID");
	header_word(w, id, strlen(id), 0);
	header_end(w);
	puts_(w, "MIME-Version: 1.0\r\n");
}

static void write_multipart(struct writer *w, const struct mime_message *m,
			    const char *boundary)
{
	puts_(w, "Content-Type: multipart/alternative;\r\n boundary=\"");
	puts_(w, boundary);
	puts_(w, "\"\r\n\r\nThis is a multi-part message in MIME format.\r\n");
	puts_(w, "\r\n--");
	puts_(w, boundary);
	puts_(w, "\r\n");
	part_headers(w, "text/plain");
	puts_(w, "\r\n");
	body_qp(w, m->text);
	puts_(w, "\r\n--");
	puts_(w, boundary);
	puts_(w, "\r\n");
	part_headers(w, "text/html");
	puts_(w, "\r\n");
	body_qp(w, m->html);
	puts_(w, "\r\n--");
	puts_(w, boundary);
	puts_(w, "--\r\n");
}

int mime_build(const struct mime_message *m, struct buf *out, struct err *e)
{
	struct writer w = {out, 0, 0};
	char id[ADDRESS_MAX + MESSAGE_ID_MAX + 8];
	char boundary[2 * RANDOM_BYTES + 3] = "=_";
	int rc;

	rc = check_headers(m, e);
	if (!rc)
		rc = message_id(m, id, sizeof(id), e);
	if (!rc && m->html)
		rc = random_hex(boundary + 2, RANDOM_BYTES, e);
	if (rc)
		return rc;
	write_headers(&w, m, id);
	if (m->html) {
		write_multipart(&w, m, boundary);
	} else {
		part_headers(&w, "text/plain");
		puts_(&w, "\r\n");
		body_qp(&w, m->text);
	}
	if (w.rc == ERR_TOOBIG)
		return err_set(e, w.rc,
			       "email message is larger than its "
			       "limit of %zu bytes",
			       out->max);
	if (w.rc)
		return err_set(e, w.rc, "out of memory building the email");
	return 0;
}
