/*
 * mail_smtp.c - an SMTP delivery as a libcurl easy handle.
 *
 * curl speaks the protocol (EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO,
 * DATA with dot-stuffing); we give it the envelope and the built message
 * through a read callback. curl reports only the last reply code, and
 * after a refusal the last reply may be QUIT's 221, so the header callback
 * (which curl feeds every server reply line) keeps the last failing reply
 * (4xx/5xx), whole even when it spans "550-..." continuation lines: that
 * text is what a dead job shows.
 */
#include "config/config.h"
#include "base/err.h"
#include "mail_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t read_message(char *out, size_t size, size_t count, void *arg)
{
	struct mail_transfer *t = arg;
	size_t left = t->upload_len - t->upload_pos;
	size_t n = size * count < left ? size * count : left;

	memcpy(out, t->upload + t->upload_pos, n);
	t->upload_pos += n;
	return n;
}

static int reply_code_of(const char *line, size_t len)
{
	if (len < 3 || line[0] < '1' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '9' || line[2] < '0' || line[2] > '9')
		return 0;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* Appends one reply line (without CRLF) to t->reply, space-separated. */
static void reply_append(struct mail_transfer *t, const char *line, size_t len)
{
	size_t used = strlen(t->reply);

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (used > 0 && used + 1 < sizeof(t->reply))
		t->reply[used++] = ' ';
	if (len > sizeof(t->reply) - 1 - used)
		len = sizeof(t->reply) - 1 - used;
	memcpy(t->reply + used, line, len);
	t->reply[used + len] = '\0';
}

static size_t on_reply_line(char *line, size_t size, size_t count, void *arg)
{
	struct mail_transfer *t = arg;
	size_t len = size * count;
	int code = reply_code_of(line, len);
	int continues = len > 3 && line[3] == '-';

	if (code >= 400) {
		/* A new failing reply replaces the one we kept; its
		 * continuation lines join it. */
		if (!(t->is_reply_open && code == t->reply_code))
			t->reply[0] = '\0';
		t->reply_code = code;
		reply_append(t, line, len);
		t->is_reply_open = continues;
	} else {
		t->is_reply_open = 0;
	}
	return len;
}

static int set_url(struct mail_transfer *t, const struct config *cfg,
		   struct err *e)
{
	const char *security = cfg->email.smtp.security;
	const char *host = cfg->email.smtp.host;
	int is_tls = strcasecmp(security, "Tls") == 0;
	int is_ipv6 = strchr(host, ':') != NULL;
	char url[CONFIG_STR + 32];

	if (!host[0])
		return err_set(e, ERR_INVALID, "Email.Smtp.Host is empty");
	snprintf(url, sizeof(url), "%s://%s%s%s:%d", is_tls ? "smtps" : "smtp",
		 is_ipv6 ? "[" : "", host, is_ipv6 ? "]" : "",
		 cfg->email.smtp.port);
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	if (strcasecmp(security, "StartTls") == 0)
		curl_easy_setopt(t->easy, CURLOPT_USE_SSL,
				 (long)CURLUSESSL_ALL);
	else if (!is_tls)
		curl_easy_setopt(t->easy, CURLOPT_USE_SSL,
				 (long)CURLUSESSL_NONE);
	return 0;
}

int mail_smtp_prepare(struct mail_transfer *t, const struct config *cfg,
		      const struct mail_message *m, struct err *e)
{
	char address[300];
	struct curl_slist *added;
	int rc;

	if ((rc = set_url(t, cfg, e)))
		return rc;
	mail_set_ca(t, cfg);
	if (!(t->upload = malloc(m->mime_len ? m->mime_len : 1)))
		return err_set(e, ERR_NOMEM, "out of memory");
	memcpy(t->upload, m->mime, m->mime_len);
	t->upload_len = m->mime_len;
	snprintf(address, sizeof(address), "<%s>", m->to_address);
	if (!(added = curl_slist_append(NULL, address)))
		return err_set(e, ERR_NOMEM, "out of memory");
	t->recipients = added;
	snprintf(address, sizeof(address), "<%s>", m->from_address);
	curl_easy_setopt(t->easy, CURLOPT_MAIL_FROM, address);
	curl_easy_setopt(t->easy, CURLOPT_MAIL_RCPT, t->recipients);
	curl_easy_setopt(t->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(t->easy, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(t->easy, CURLOPT_READDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_INFILESIZE_LARGE,
			 (curl_off_t)m->mime_len);
	curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, on_reply_line);
	curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
	if (cfg->email.smtp.username[0]) {
		curl_easy_setopt(t->easy, CURLOPT_USERNAME,
				 cfg->email.smtp.username);
		curl_easy_setopt(t->easy, CURLOPT_PASSWORD,
				 cfg->email.smtp.password);
	}
	return 0;
}
