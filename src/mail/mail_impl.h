/*
 * mail_impl.h - what the mail transports share inside the mail module
 * (mail.c, mail_smtp.c, mail_http.c); not part of the public interface.
 */
#ifndef DOMECEK_MAIL_IMPL_H
#define DOMECEK_MAIL_IMPL_H

#include "base/buf.h"
#include "mail/mail.h"

#include <curl/curl.h>

/* Cap on what we keep of an HTTP response: enough for an error message. */
#define MAIL_RESPONSE_MAX 4096
#define MAIL_REPLY_MAX 512

struct mail_transfer {
	enum mail_provider provider;
	CURL *easy;
	char curl_error[CURL_ERROR_SIZE];
	/* SMTP: the message being uploaded and the failing reply, if any. */
	char *upload;
	size_t upload_len, upload_pos;
	struct curl_slist *recipients;
	long reply_code;
	int is_reply_open; /* the last line was "ddd-": the reply continues */
	char reply[MAIL_REPLY_MAX];
	/* HTTP: request headers, body or form, and the response. */
	struct curl_slist *headers;
	char *body;
	curl_mime *form;
	struct buf response;
	char retry_after[64]; /* the Retry-After header's value, if any */
};

struct config;
struct err;

/* Trusts Tls.CaFile (when set) for this transfer's TLS. */
void mail_set_ca(struct mail_transfer *t, const struct config *cfg);

int mail_smtp_prepare(struct mail_transfer *t, const struct config *cfg,
		      const struct mail_message *m, struct err *e);
int mail_sendgrid_prepare(struct mail_transfer *t, const struct config *cfg,
			  const struct mail_message *m, struct err *e);
int mail_mailgun_prepare(struct mail_transfer *t, const struct config *cfg,
			 const struct mail_message *m, struct err *e);

#endif
