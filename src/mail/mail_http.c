/*
 * mail_http.c - SendGrid and Mailgun deliveries as libcurl easy handles.
 *
 * SendGrid's v3 API takes the parts as JSON and builds its own MIME, so it
 * gets the subject, text and html; Mailgun's messages.mime takes our MIME
 * message as it is, the same bytes SMTP and Maildir deliver. The base URL
 * is configurable so that a test (or a proxy) can stand in for the API.
 * A 429 or 503 with Retry-After is retried no sooner than it asks
 * (mail_transfer_retry_after_ms; the runner takes the longer delay), and
 * Tls.CaFile, when set, is the CA store of every transfer (mail_set_ca).
 * Only an excerpt of the response is kept: it is for the error text.
 */
#include "base/clock.h"
#include "base/err.h"
#include "config/config.h"
#include "mail_impl.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t on_response(char *data, size_t size, size_t count, void *arg)
{
	struct mail_transfer *t = arg;
	size_t len = size * count;
	size_t room = t->response.max - t->response.len;

	/* Past the cap the rest is dropped, not refused: the transfer is
	 * already done, we only lose the tail of an error message. */
	buf_append(&t->response, data, len < room ? len : room);
	return len;
}

/* Keeps the value of a Retry-After header (the last response's). */
static size_t on_header(char *line, size_t size, size_t count, void *arg)
{
	struct mail_transfer *t = arg;
	size_t len = size * count, n;
	const char *value;

	if (len > 5 && !strncmp(line, "HTTP/", 5))
		t->retry_after[0] = '\0'; /* a new response begins */
	if (len < 12 || strncasecmp(line, "Retry-After:", 12) != 0)
		return len;
	for (value = line + 12; value < line + len && *value == ' '; value++)
		;
	n = (size_t)(line + len - value);
	while (n > 0 && (value[n - 1] == '\r' || value[n - 1] == '\n' ||
			 value[n - 1] == ' '))
		n--;
	if (n >= sizeof(t->retry_after))
		n = sizeof(t->retry_after) - 1;
	memcpy(t->retry_after, value, n);
	t->retry_after[n] = '\0';
	return len;
}

#define RETRY_AFTER_MAX_MS (24 * 3600 * INT64_C(1000))

int64_t mail_transfer_retry_after_ms(const struct mail_transfer *t)
{
	const char *v = t->retry_after;
	int64_t ms;

	if (!v[0])
		return 0;
	if (strspn(v, "0123456789") == strlen(v)) {
		ms = strlen(v) > 8 ? RETRY_AFTER_MAX_MS
				   : (int64_t)atol(v) * 1000;
	} else {
		time_t at = curl_getdate(v, NULL); /* an HTTP date */

		if (at < 0)
			return 0;
		ms = (int64_t)at * 1000 - clock_real();
	}
	if (ms < 0)
		return 0;
	return ms < RETRY_AFTER_MAX_MS ? ms : RETRY_AFTER_MAX_MS;
}

void mail_set_ca(struct mail_transfer *t, const struct config *cfg)
{
	if (cfg->tls.ca_file[0])
		curl_easy_setopt(t->easy, CURLOPT_CAINFO, cfg->tls.ca_file);
}

static void set_http_common(struct mail_transfer *t, const struct config *cfg,
			    const char *url)
{
	mail_set_ca(t, cfg);
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_response);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
}

/* base without its trailing slashes, then path. */
static void join_url(char *out, size_t size, const char *base, const char *path)
{
	size_t len = strlen(base);

	while (len > 0 && base[len - 1] == '/')
		len--;
	snprintf(out, size, "%.*s%s", (int)len, base, path);
}

static cJSON *address_json(const char *address, const char *name)
{
	cJSON *o = cJSON_CreateObject();

	if (o &&
	    (!cJSON_AddStringToObject(o, "email", address) ||
	     (name && name[0] && !cJSON_AddStringToObject(o, "name", name)))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int add_content(cJSON *content, const char *type, const char *value)
{
	cJSON *part = cJSON_CreateObject();

	if (!part || !cJSON_AddStringToObject(part, "type", type) ||
	    !cJSON_AddStringToObject(part, "value", value)) {
		cJSON_Delete(part);
		return -1;
	}
	cJSON_AddItemToArray(content, part);
	return 0;
}

/* {"personalizations":[{"to":[{email,name}]}], "from":{email,name},
 *  "reply_to":{email}, "subject": "...",
 *  "content":[text/plain, text/html]} */
static char *sendgrid_body(const struct mail_message *m)
{
	cJSON *root = cJSON_CreateObject(), *to = NULL, *person, *content;
	char *text = NULL;

	if (!root)
		return NULL;
	person = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "personalizations"),
			     person);
	if (person && (to = cJSON_AddArrayToObject(person, "to")))
		cJSON_AddItemToArray(to,
				     address_json(m->to_address, m->to_name));
	cJSON_AddItemToObject(root, "from",
			      address_json(m->from_address, m->from_name));
	if (m->reply_to && m->reply_to[0])
		cJSON_AddItemToObject(root, "reply_to",
				      address_json(m->reply_to, NULL));
	cJSON_AddStringToObject(root, "subject", m->subject);
	content = cJSON_AddArrayToObject(root, "content");
	if (!to || cJSON_GetArraySize(to) != 1 ||
	    !cJSON_GetObjectItem(root, "from") || !content ||
	    add_content(content, "text/plain", m->text) ||
	    (m->html && add_content(content, "text/html", m->html)))
		goto done;
	text = cJSON_PrintUnformatted(root);
done:
	cJSON_Delete(root);
	return text;
}

int mail_sendgrid_prepare(struct mail_transfer *t, const struct config *cfg,
			  const struct mail_message *m, struct err *e)
{
	char url[CONFIG_STR + 32], auth[CONFIG_STR + 32];
	struct curl_slist *list;

	if (!cfg->email.sendgrid.api_key[0])
		return err_set(e, ERR_INVALID,
			       "Email.SendGrid.ApiKey is empty");
	if (!(t->body = sendgrid_body(m)))
		return err_set(e, ERR_NOMEM,
			       "out of memory building the SendGrid request");
	join_url(url, sizeof(url), cfg->email.sendgrid.base_url,
		 "/v3/mail/send");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		 cfg->email.sendgrid.api_key);
	if (!(list = curl_slist_append(NULL, auth)))
		return err_set(e, ERR_NOMEM, "out of memory");
	t->headers = list;
	if (!(list = curl_slist_append(t->headers,
				       "Content-Type: application/json")))
		return err_set(e, ERR_NOMEM, "out of memory");
	set_http_common(t, cfg, url);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)strlen(t->body));
	return 0;
}

static void mailgun_base(const struct config *cfg, char *out, size_t size)
{
	if (cfg->email.mailgun.base_url[0])
		snprintf(out, size, "%s", cfg->email.mailgun.base_url);
	else if (strcasecmp(cfg->email.mailgun.region, "EU") == 0)
		snprintf(out, size, "https://api.eu.mailgun.net");
	else
		snprintf(out, size, "https://api.mailgun.net");
}

int mail_mailgun_prepare(struct mail_transfer *t, const struct config *cfg,
			 const struct mail_message *m, struct err *e)
{
	char base[CONFIG_STR], path[CONFIG_STR + 32], url[2 * CONFIG_STR + 32];
	curl_mimepart *part;

	if (!cfg->email.mailgun.api_key[0] || !cfg->email.mailgun.domain[0])
		return err_set(e, ERR_INVALID,
			       "Email.Mailgun.Domain and ApiKey are needed");
	if (strchr(cfg->email.mailgun.domain, '/'))
		return err_set(e, ERR_INVALID,
			       "Email.Mailgun.Domain: '%s' is not a domain",
			       cfg->email.mailgun.domain);
	mailgun_base(cfg, base, sizeof(base));
	snprintf(path, sizeof(path), "/v3/%s/messages.mime",
		 cfg->email.mailgun.domain);
	join_url(url, sizeof(url), base, path);
	if (!(t->form = curl_mime_init(t->easy)))
		return err_set(e, ERR_NOMEM, "out of memory");
	if (!(part = curl_mime_addpart(t->form)) ||
	    curl_mime_name(part, "to") ||
	    curl_mime_data(part, m->to_address, CURL_ZERO_TERMINATED))
		return err_set(e, ERR_NOMEM,
			       "out of memory building the Mailgun form");
	if (!(part = curl_mime_addpart(t->form)) ||
	    curl_mime_name(part, "message") ||
	    curl_mime_filename(part, "message.mime") ||
	    curl_mime_type(part, "message/rfc822") ||
	    curl_mime_data(part, m->mime, m->mime_len))
		return err_set(e, ERR_NOMEM,
			       "out of memory building the Mailgun form");
	set_http_common(t, cfg, url);
	curl_easy_setopt(t->easy, CURLOPT_MIMEPOST, t->form);
	curl_easy_setopt(t->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(t->easy, CURLOPT_USERNAME, "api");
	curl_easy_setopt(t->easy, CURLOPT_PASSWORD, cfg->email.mailgun.api_key);
	return 0;
}
