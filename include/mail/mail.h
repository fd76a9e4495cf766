/*
 * mail.h - delivering one built email through the configured transport.
 *
 * Providers (Email.Provider):
 *   Maildir   writes the message as a file, synchronously: a local write
 *             needs no loop turn (mail_maildir_deliver)
 *   SMTP      libcurl smtp:// (Security None, or StartTls required) or
 *             smtps:// (Tls), AUTH when Email.Smtp.Username is set
 *   SendGrid  POST {BaseUrl}/v3/mail/send, JSON, Authorization: Bearer
 *   Mailgun   POST {BaseUrl}/v3/{Domain}/messages.mime, multipart form
 *             with the MIME message, basic auth api:{ApiKey}
 * The network ones are prepared as a CURL easy handle (mail_transfer_new)
 * that the caller runs: through net_add() in the daemon's loop, or
 * curl_easy_perform() where there is no loop. mail_transfer_result() then
 * says what the outcome means for a retry:
 *   0           delivered (SMTP 250, HTTP 2xx)
 *   ERR_FATAL   permanent: SMTP 5xx (bad address, refused), HTTP 4xx but
 *               429, a TLS or configuration error; the message carries the
 *               server's reply, so the dead job says why
 *   ERR_TEMP    try again later: SMTP 4xx, connection refused, timeout,
 *               HTTP 429 and 5xx
 * Every transport has a time limit: Email.Smtp.TimeoutSeconds (the HTTP
 * APIs use the same value; there is no separate key).
 */
#ifndef DOMECEK_MAIL_H
#define DOMECEK_MAIL_H

#include <curl/curl.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct err;

enum mail_provider {
	MAIL_MAILDIR,
	MAIL_SMTP,
	MAIL_SENDGRID,
	MAIL_MAILGUN,
};

/* The provider named by cfg->email.provider (ERR_INVALID names the value). */
int mail_provider_of(const struct config *cfg, enum mail_provider *out,
		     struct err *e);
/* "Maildir", "SMTP", "SendGrid", "Mailgun". */
const char *mail_provider_name(enum mail_provider provider);

/* One email, already checked and built by mime_build(). Nothing is kept:
 * mail_transfer_new() copies what it needs. */
struct mail_message {
	const char *from_address, *from_name; /* from_name may be NULL */
	const char *to_address, *to_name;     /* to_name may be NULL */
	const char *reply_to;		      /* may be NULL */
	const char *subject, *text, *html;    /* html may be NULL (SendGrid) */
	const char *mime;		      /* the whole RFC 5322 message */
	size_t mime_len;
};

/*
 * Writes message into the Maildir at root: root/tmp/UNIQUE, fsync, then
 * rename to root/new/UNIQUE.eml and fsync root/new, so a reader never sees
 * a partial file and a crash leaves at most a stray file in tmp/. Creates
 * root/{tmp,new,cur} as needed. unique is a file name (no '/'; the caller
 * makes it unique). The final path is written to path_out when it is not
 * NULL. Errors: ERR_INVALID (bad name), ERR_NOSPACE (disk full), ERR_IO,
 * each naming the path.
 */
int mail_maildir_deliver(const char *root, const char *unique,
			 const char *message, size_t len, char *path_out,
			 size_t path_size, struct err *e);

/*
 * Exactly once: delivers like mail_maildir_deliver() unless new/ or cur/
 * already holds UNIQUE.eml (cur/ also with a reader's ":2,FLAGS"), in
 * which case *was_delivered is 1 and nothing is written. With a name per
 * job, a retry after a crash between the rename and the queue's record
 * finds the message and does not deliver it twice.
 */
int mail_maildir_deliver_once(const char *root, const char *unique,
			      const char *message, size_t len,
			      int *was_delivered, struct err *e);

/*
 * Removes what killed deliveries left in root/tmp/: every file whose name
 * starts with prefix (this database's, see send_email), and any other
 * older than 36 hours (the Maildir rule). A missing root is not an error.
 * *removed: how many.
 */
int mail_maildir_sweep_tmp(const char *root, const char *prefix, int64_t now_ms,
			   int *removed, struct err *e);

/* A prepared network delivery: a CURL easy handle and the buffers it
 * reads from and writes to. Owned by the caller of mail_transfer_new(). */
struct mail_transfer;

/*
 * Prepares the easy handle for provider (not MAIL_MAILDIR: ERR_INVALID)
 * with the settings from cfg. Errors: ERR_INVALID (a setting that cannot
 * work, named), ERR_NOMEM.
 */
int mail_transfer_new(const struct config *cfg, enum mail_provider provider,
		      const struct mail_message *m, struct mail_transfer **out,
		      struct err *e);

/* The handle to run. It stays owned by the transfer: after net_cancel()
 * or when the transfer ended, mail_transfer_free() cleans it up. */
CURL *mail_transfer_easy(const struct mail_transfer *t);

/* Classifies a finished transfer (see the top of this file). */
int mail_transfer_result(const struct mail_transfer *t, CURLcode result,
			 struct err *e);

/* After a failed HTTP delivery (429, 503): how long the API asked us to
 * wait with Retry-After (seconds or an HTTP date, measured against
 * clock_real()), in ms, at most a day; 0 when it did not say. */
int64_t mail_transfer_retry_after_ms(const struct mail_transfer *t);

/* Cleans up the handle and the buffers; NULL is a no-op. The handle must
 * no longer be in a multi handle (net_cancel it first). */
void mail_transfer_free(struct mail_transfer *t);

/*
 * The classification rules on their own (for tests and for the transfer).
 * SMTP: reply_code is the server's last failing reply (0 when none came),
 * reply its text (may be NULL). HTTP: status 0 when no response came; body
 * is the response (an excerpt goes into the error). curl_error is curl's
 * own message (CURLOPT_ERRORBUFFER; may be NULL or "").
 */
int mail_classify_smtp(CURLcode result, long reply_code, const char *reply,
		       const char *curl_error, struct err *e);
int mail_classify_http(const char *provider, CURLcode result, long status,
		       const char *body, const char *curl_error, struct err *e);

#endif
