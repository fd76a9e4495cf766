/*
 * send_email.c - sends one email: renders it, builds the MIME message and
 * hands it to the configured transport (mail.h).
 *
 * Payload, either a template:
 *   {"template": "export_ready", "to": "jana@example.cz", "toName": "Jana",
 *    "language": "cs", "data": {...}}
 * or ready-made parts:
 *   {"to": "...", "subject": "...", "text": "...", "html": "..."}
 * "toName", "language", "html" and "replyTo" are optional. Without a
 * language the recipient's users.preferred_language is used, else cs.
 *
 * Everything that can be wrong with the payload is found in start(), so a
 * bad payload is dead at once with the field named (ERR_INVALID) and never
 * spends retries; step() only delivers. Maildir delivery is one local
 * write; SMTP, SendGrid and Mailgun go through the loop's curl multi
 * (JOB_WAIT until the transfer's callback wakes us). Without a network
 * driver (a tool with no loop) the transfer runs with curl_easy_perform.
 *
 * Exactly once: a message is handed over before the queue records the
 * success, so a crash in between re-sends it on the next attempt — at most
 * one duplicate per crash, never a lost email. The Maildir file is named
 * after the job id and attempt (plus random bytes, so two databases can
 * share a Maildir), so such a duplicate is recognisable and a rerun never
 * overwrites a delivered file.
 */
#include "base/assets.h"
#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "base/crypto.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "mail/mail.h"
#include "mail/mime.h"
#include "core/net.h"
#include "core/services.h"
#include "mail/template.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIME_MAX (4 * 1024 * 1024)

static const char language_sql[] =
    "SELECT preferred_language FROM users\n"
    " WHERE email = lower(?1) AND is_deleted = 0\n"
    " LIMIT 1";

struct send_email_state {
	struct job_ctx *ctx;
	enum mail_provider provider;
	const char *to, *to_name, *reply_to; /* point into ctx->payload */
	struct rendered_email email;
	struct buf mime;
	struct mail_transfer *transfer;
	int is_done; /* the transfer ended; result holds how */
	CURLcode result;
};

/* An optional string field: NULL when absent, ERR_INVALID when not a string. */
static int payload_string(const cJSON *payload, const char *name,
			  const char **out, struct err *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(payload, name);

	*out = NULL;
	if (!item || cJSON_IsNull(item))
		return 0;
	if (!cJSON_IsString(item))
		return err_set(e, ERR_INVALID,
			       "payload field %s: expected a string", name);
	*out = item->valuestring;
	return 0;
}

static int copy_string(char **out, const char *value, const char *field,
		       struct err *e)
{
	if (!value)
		return err_set(e, ERR_INVALID,
			       "payload field %s is required "
			       "(or give a template)",
			       field);
	if (!(*out = strdup(value)))
		return err_set(e, ERR_NOMEM, "out of memory");
	return 0;
}

/* The recipient's preferred language into out ("" when unknown). */
static int recipient_language(sqlite3 *db, const char *to, char *out,
			      size_t size, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	out[0] = '\0';
	if ((rc = db_prepare(db, language_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, to, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0))
		snprintf(out, size, "%s",
			 (const char *)sqlite3_column_text(stmt, 0));
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE
		 ? 0
		 : db_error(db, rc, e, "looking up the recipient's language");
	sqlite3_finalize(stmt);
	return rc;
}

static int render_template(struct job_ctx *ctx, struct send_email_state *s,
			   const char *name, struct err *e)
{
	const cJSON *data =
	    cJSON_GetObjectItemCaseSensitive(ctx->payload, "data");
	const char *language;
	cJSON *empty = NULL;
	char stored[16], asset[160];
	int rc;

	if (data && !cJSON_IsObject(data))
		return err_set(e, ERR_INVALID,
			       "payload field data: expected an object");
	if ((rc = payload_string(ctx->payload, "language", &language, e)))
		return rc;
	if (!language && ctx->db) {
		if ((rc = recipient_language(ctx->db, s->to, stored,
					     sizeof(stored), e)))
			return rc;
		language = stored[0] ? stored : NULL;
	}
	/* cs is every template's fallback, so it tells whether one exists. */
	snprintf(asset, sizeof(asset), "templates/%s.cs.subject", name);
	if (!asset_find(asset))
		return err_set(
		    e, ERR_INVALID,
		    "payload field template: there is no email "
		    "template '%s' (assets/templates/README.md lists them)",
		    name);
	if (!data && !(data = empty = cJSON_CreateObject()))
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = template_render_email(name, language, data, &s->email, e);
	cJSON_Delete(empty);
	if (rc == 0 || rc == ERR_NOMEM)
		return rc;
	err_prefix(e, "payload field data");
	return e->code = ERR_INVALID;
}

static int take_parts(const cJSON *payload, struct send_email_state *s,
		      struct err *e)
{
	const char *subject, *text, *html;
	int rc;

	if ((rc = payload_string(payload, "subject", &subject, e)) ||
	    (rc = payload_string(payload, "text", &text, e)) ||
	    (rc = payload_string(payload, "html", &html, e)) ||
	    (rc = copy_string(&s->email.subject, subject, "subject", e)) ||
	    (rc = copy_string(&s->email.text, text, "text", e)))
		return rc;
	if (html && !(s->email.html = strdup(html)))
		return err_set(e, ERR_NOMEM, "out of memory");
	return 0;
}

static int build_mime(struct job_ctx *ctx, struct send_email_state *s,
		      struct err *e)
{
	struct mime_message m = {
	    .from_address = ctx->cfg->email.from,
	    .from_name =
		ctx->cfg->email.from_name[0] ? ctx->cfg->email.from_name : NULL,
	    .to_address = s->to,
	    .to_name = s->to_name,
	    .reply_to = s->reply_to,
	    .subject = s->email.subject,
	    .text = s->email.text,
	    .html = s->email.html,
	    .date_ms = clock_real(), /* the reader's clock, not --now */
	};
	int rc = mime_build(&m, &s->mime, e);

	if (rc == ERR_INVALID)
		err_prefix(e, "payload");
	return rc;
}

static int send_email_start(struct job_ctx *ctx, struct err *e)
{
	struct send_email_state *s = calloc(1, sizeof(*s));
	const char *template_name;
	int rc;

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	ctx->state = s;
	s->ctx = ctx;
	buf_init(&s->mime, MIME_MAX);
	if ((rc = mail_provider_of(ctx->cfg, &s->provider, e)) ||
	    (rc = payload_string(ctx->payload, "to", &s->to, e)) ||
	    (rc = payload_string(ctx->payload, "toName", &s->to_name, e)) ||
	    (rc = payload_string(ctx->payload, "replyTo", &s->reply_to, e)) ||
	    (rc = payload_string(ctx->payload, "template", &template_name, e)))
		return rc;
	if (!s->to || !s->to[0])
		return err_set(e, ERR_INVALID, "payload field to is required");
	if (!mime_header_is_safe(s->to) || !mime_address_valid(s->to))
		return err_set(e, ERR_INVALID,
			       "payload field to: '%.200s' is not an "
			       "email address",
			       s->to);
	if (template_name)
		rc = render_template(ctx, s, template_name, e);
	else
		rc = take_parts(ctx->payload, s, e);
	if (!rc)
		rc = build_mime(ctx, s, e);
	if (!rc)
		snprintf(ctx->progress, sizeof(ctx->progress),
			 "to %.100s via %s", s->to,
			 mail_provider_name(s->provider));
	return rc;
}

/* Maildir file name: time, job id and attempt, random bytes, host. */
static void maildir_name(const struct job_ctx *ctx, char *out, size_t size)
{
	unsigned char random[4] = {0};
	char hex[9], host[64] = "localhost";

	crypto_random(random, sizeof(random));
	crypto_hex(random, sizeof(random), hex);
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (char *p = host; *p; p++) /* '/' and ':' have meanings in Maildir */
		if (*p == '/' || *p == ':')
			*p = '_';
	snprintf(out, size, "%lld.J%lldA%d_%s.%s", (long long)(ctx->now / 1000),
		 (long long)ctx->job_id, ctx->attempt, hex, host);
}

static int deliver_maildir(struct job_ctx *ctx, struct send_email_state *s,
			   struct err *e)
{
	char name[160];
	int rc;

	maildir_name(ctx, name, sizeof(name));
	rc = mail_maildir_deliver(ctx->cfg->email.maildir.path, name,
				  s->mime.data, s->mime.len, NULL, 0, e);
	if (rc)
		return rc;
	job_count(ctx, "sent", 1);
	return JOB_DONE;
}

static void on_transfer_done(CURL *easy, CURLcode result, void *arg)
{
	struct send_email_state *s = arg;

	(void)easy;
	s->result = result;
	s->is_done = 1;
	job_wake(s->ctx);
}

static int start_transfer(struct job_ctx *ctx, struct send_email_state *s,
			  struct err *e)
{
	struct net *net = ctx->services ? ctx->services->net : NULL;
	struct mail_message m = {
	    .from_address = ctx->cfg->email.from,
	    .from_name = ctx->cfg->email.from_name,
	    .to_address = s->to,
	    .to_name = s->to_name,
	    .reply_to = s->reply_to,
	    .subject = s->email.subject,
	    .text = s->email.text,
	    .html = s->email.html,
	    .mime = s->mime.data,
	    .mime_len = s->mime.len,
	};
	int rc;

	if ((rc =
		 mail_transfer_new(ctx->cfg, s->provider, &m, &s->transfer, e)))
		return rc;
	if (!net) { /* no loop to wait in: a tool, or a test */
		s->result = curl_easy_perform(mail_transfer_easy(s->transfer));
		s->is_done = 1;
		return JOB_AGAIN;
	}
	if ((rc = net_add(net, mail_transfer_easy(s->transfer),
			  on_transfer_done, s, e)))
		return rc;
	return JOB_WAIT;
}

static int send_email_step(struct job_ctx *ctx, struct err *e)
{
	struct send_email_state *s = ctx->state;
	int rc;

	if (s->provider == MAIL_MAILDIR)
		return deliver_maildir(ctx, s, e);
	if (!s->transfer)
		return start_transfer(ctx, s, e);
	if (!s->is_done) /* woken without a result: keep waiting */
		return JOB_WAIT;
	if ((rc = mail_transfer_result(s->transfer, s->result, e))) {
		ctx->retry_after_ms = mail_transfer_retry_after_ms(s->transfer);
		return rc;
	}
	job_count(ctx, "sent", 1);
	return JOB_DONE;
}

static void send_email_finish(struct job_ctx *ctx)
{
	struct send_email_state *s = ctx->state;

	if (!s)
		return;
	if (s->transfer && !s->is_done && ctx->services && ctx->services->net)
		net_cancel(ctx->services->net, mail_transfer_easy(s->transfer));
	mail_transfer_free(s->transfer);
	rendered_email_free(&s->email);
	buf_free(&s->mime);
	free(s);
	ctx->state = NULL;
}

const struct job_type job_send_email = {
    .name = "send_email",
    .priority = 10,	 /* a waiting email goes before exports and cleanups */
    .max_attempts = 0,	 /* Email.RetryCount */
    .retry_delay_ms = 0, /* Email.RetryDelaySeconds, doubling */
    .jitter = 1,
    .start = send_email_start,
    .step = send_email_step,
    .finish = send_email_finish,
};
