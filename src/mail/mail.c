/*
 * mail.c - the mail transports: Maildir delivery, the life of a network
 * transfer, and what a transfer's outcome means for a retry.
 *
 * The one rule that matters for the queue is the classification: a
 * permanent refusal must go to dead at once with the server's own words
 * (retrying a 550 three times helps nobody and hides the reason), while
 * anything that may pass later (4xx, a refused connection, a timeout, an
 * overloaded API) is retried. When curl cannot say, we retry: a wrongly
 * retried send costs a few attempts, a wrongly dropped one loses an email.
 *
 * Maildir writes tmp/ then renames into new/, the Maildir convention, so a
 * reader never sees half a message.
 */
#include "mail/mail.h"
#include "config/config.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "mail_impl.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Maildir's own rule: a file in tmp/ untouched for 36 hours is garbage. */
#define MAILDIR_TMP_AGE_MS (36 * 3600 * INT64_C(1000))

static const char *const provider_names[] = {
    [MAIL_MAILDIR] = "Maildir",
    [MAIL_SMTP] = "SMTP",
    [MAIL_SENDGRID] = "SendGrid",
    [MAIL_MAILGUN] = "Mailgun",
};

int mail_provider_of(const struct config *cfg, enum mail_provider *out,
		     struct err *e)
{
	for (size_t i = 0; i < sizeof(provider_names) / sizeof(*provider_names);
	     i++)
		if (strcasecmp(cfg->email.provider, provider_names[i]) == 0) {
			*out = (enum mail_provider)i;
			return 0;
		}
	return err_set(e, ERR_INVALID,
		       "Email.Provider: '%s' is not one of Maildir, "
		       "SMTP, SendGrid, Mailgun",
		       cfg->email.provider);
}

const char *mail_provider_name(enum mail_provider provider)
{
	return provider_names[provider];
}

/* ---- classification ---------------------------------------------------- */

/* curl results that no retry can fix: our configuration or the peer's
 * certificate is wrong. Everything else (connect, resolve, timeout, a
 * dropped connection) may pass later. */
static int curl_is_permanent(CURLcode result)
{
	switch (result) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_FILESIZE_EXCEEDED:
		return 1;
	default:
		return 0;
	}
}

static const char *curl_text(CURLcode result, const char *curl_error)
{
	return curl_error && curl_error[0] ? curl_error
					   : curl_easy_strerror(result);
}

int mail_classify_smtp(CURLcode result, long reply_code, const char *reply,
		       const char *curl_error, struct err *e)
{
	const char *text =
	    reply && reply[0] ? reply : curl_text(result, curl_error);

	if (result == CURLE_OK && (reply_code == 0 || reply_code < 400))
		return 0;
	if (reply_code == 535 || reply_code == 534 ||
	    result == CURLE_LOGIN_DENIED)
		return err_set(e, ERR_FATAL,
			       "SMTP authentication failed: check "
			       "Email.Smtp.Username and Email.Smtp.Password "
			       "(%s)",
			       text);
	if (reply_code >= 500 && reply_code < 600)
		return err_set(e, ERR_FATAL,
			       "SMTP server refused the message: %s", text);
	if (reply_code >= 400 && reply_code < 500)
		return err_set(e, ERR_TEMP,
			       "SMTP server deferred the message: %s", text);
	if (result == CURLE_USE_SSL_FAILED)
		return err_set(e, ERR_FATAL,
			       "SMTP: the server does not offer STARTTLS "
			       "(%s); set Email.Smtp.Security to Tls or None",
			       text);
	if (curl_is_permanent(result))
		return err_set(e, ERR_FATAL, "SMTP: %s", text);
	return err_set(e, ERR_TEMP, "SMTP: %s", text);
}

int mail_classify_http(const char *provider, CURLcode result, long status,
		       const char *body, const char *curl_error, struct err *e)
{
	char excerpt[300];

	if (result != CURLE_OK && status == 0)
		return err_set(
		    e, curl_is_permanent(result) ? ERR_FATAL : ERR_TEMP,
		    "%s: %s", provider, curl_text(result, curl_error));
	if (status >= 200 && status < 300)
		return 0;
	snprintf(excerpt, sizeof(excerpt), "%s", body ? body : "");
	for (char *p = excerpt; *p; p++) /* one line in the job's error */
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	if (status == 429 || status >= 500)
		return err_set(e, ERR_TEMP, "%s answered HTTP %ld: %s",
			       provider, status, excerpt);
	return err_set(e, ERR_FATAL, "%s refused the message with HTTP %ld: %s",
		       provider, status, excerpt);
}

/* ---- Maildir ------------------------------------------------------------ */

static int io_error(int errnum, struct err *e, const char *what,
		    const char *path)
{
	return err_set(
	    e, errnum == ENOSPC || errnum == EDQUOT ? ERR_NOSPACE : ERR_IO,
	    "Maildir: %s %s: %s", what, path, strerror(errnum));
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int make_dirs(const char *root, struct err *e)
{
	static const char *const subdirs[] = {"tmp", "new", "cur"};
	char path[4096];
	int rc;

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, subdirs[i]);
		if ((rc = fs_mkdirs(path, 0750, e)))
			return err_prefix(e, "Maildir (Email.Maildir.Path)");
	}
	return 0;
}

static int sync_dir(const char *dir, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0 || fsync(fd) != 0)
		rc = io_error(errno, e, "syncing", dir);
	if (fd >= 0)
		close(fd);
	return rc;
}

int mail_maildir_deliver(const char *root, const char *unique,
			 const char *message, size_t len, char *path_out,
			 size_t path_size, struct err *e)
{
	char tmp[4096], final[4096], new_dir[4096];
	int fd = -1, rc;

	if (!unique[0] || strchr(unique, '/') || unique[0] == '.')
		return err_set(e, ERR_INVALID,
			       "Maildir: '%s' is not a file name", unique);
	if ((rc = make_dirs(root, e)))
		return rc;
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", root, unique);
	snprintf(new_dir, sizeof(new_dir), "%s/new", root);
	snprintf(final, sizeof(final), "%s/%s.eml", new_dir, unique);
	/* The name is the caller's (per job): a file of that name in tmp/ is
	 * what a killed attempt left half-written, never another message. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return io_error(errno, e, "creating", tmp);
	if (write_all(fd, message, len) != 0 || fsync(fd) != 0) {
		rc = io_error(errno, e, "writing", tmp);
		goto done;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = io_error(errno, e, "writing", tmp);
		goto done;
	}
	fd = -1;
	if (rename(tmp, final) != 0) {
		rc = io_error(errno, e, "moving the message to", final);
		goto done;
	}
	rc = sync_dir(new_dir, e);
	if (!rc && path_out)
		snprintf(path_out, path_size, "%s", final);
	return rc;
done:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

/* Is there root/SUB/UNIQUE.eml, or (cur/) one with a mail client's
 * ":2,FLAGS" suffix? */
static int is_in(const char *root, const char *sub, const char *unique,
		 int *found, struct err *e)
{
	char dir[4096], want[300];
	struct dirent *entry;
	size_t len;
	DIR *d;

	*found = 0;
	snprintf(dir, sizeof(dir), "%s/%s", root, sub);
	len = (size_t)snprintf(want, sizeof(want), "%s.eml", unique);
	if (!(d = opendir(dir)))
		return errno == ENOENT ? 0 : io_error(errno, e, "reading", dir);
	while (!*found && (entry = readdir(d)) != NULL)
		*found =
		    strncmp(entry->d_name, want, len) == 0 &&
		    (entry->d_name[len] == '\0' || entry->d_name[len] == ':');
	closedir(d);
	return 0;
}

int mail_maildir_deliver_once(const char *root, const char *unique,
			      const char *message, size_t len,
			      int *was_delivered, struct err *e)
{
	int rc;

	*was_delivered = 0;
	if (!unique[0] || strchr(unique, '/') || unique[0] == '.')
		return err_set(e, ERR_INVALID,
			       "Maildir: '%s' is not a file name", unique);
	if ((rc = is_in(root, "new", unique, was_delivered, e)) ||
	    *was_delivered ||
	    (rc = is_in(root, "cur", unique, was_delivered, e)) ||
	    *was_delivered)
		return rc;
	return mail_maildir_deliver(root, unique, message, len, NULL, 0, e);
}

int mail_maildir_sweep_tmp(const char *root, const char *prefix, int64_t now_ms,
			   int *removed, struct err *e)
{
	char dir[4096], path[4400];
	struct dirent *entry;
	struct stat st;
	DIR *d;

	*removed = 0;
	snprintf(dir, sizeof(dir), "%s/tmp", root);
	if (!(d = opendir(dir)))
		return errno == ENOENT ? 0 : io_error(errno, e, "reading", dir);
	while ((entry = readdir(d)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0 &&
		    (int64_t)st.st_mtime * 1000 > now_ms - MAILDIR_TMP_AGE_MS)
			continue; /* another program's, maybe being written */
		if (unlink(path) == 0)
			(*removed)++;
	}
	closedir(d);
	return 0;
}

/* ---- network transfers ------------------------------------------------- */

int mail_transfer_new(const struct config *cfg, enum mail_provider provider,
		      const struct mail_message *m, struct mail_transfer **out,
		      struct err *e)
{
	struct mail_transfer *t = calloc(1, sizeof(*t));
	long timeout = cfg->email.smtp.timeout_seconds;
	int rc;

	*out = NULL;
	if (!t)
		return err_set(e, ERR_NOMEM, "out of memory");
	t->provider = provider;
	buf_init(&t->response, MAIL_RESPONSE_MAX);
	if (provider == MAIL_MAILDIR) {
		rc = err_set(e, ERR_INVALID, "Maildir needs no transfer");
		goto done;
	}
	if (!(t->easy = curl_easy_init())) {
		rc = err_set(e, ERR_NOMEM, "curl_easy_init failed");
		goto done;
	}
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->curl_error);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT, timeout);
	if (provider == MAIL_SMTP)
		rc = mail_smtp_prepare(t, cfg, m, e);
	else if (provider == MAIL_SENDGRID)
		rc = mail_sendgrid_prepare(t, cfg, m, e);
	else
		rc = mail_mailgun_prepare(t, cfg, m, e);
done:
	if (rc)
		mail_transfer_free(t);
	else
		*out = t;
	return rc;
}

CURL *mail_transfer_easy(const struct mail_transfer *t)
{
	return t->easy;
}

int mail_transfer_result(const struct mail_transfer *t, CURLcode result,
			 struct err *e)
{
	long code = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	if (t->provider == MAIL_SMTP) {
		/* The reply we kept is the failing one; the last code may be
		 * a later QUIT's 221. */
		if (t->reply_code)
			code = t->reply_code;
		else if (result == CURLE_OK)
			code = 0;
		return mail_classify_smtp(result, code, t->reply, t->curl_error,
					  e);
	}
	return mail_classify_http(mail_provider_name(t->provider), result, code,
				  buf_str(&t->response), t->curl_error, e);
}

void mail_transfer_free(struct mail_transfer *t)
{
	if (!t)
		return;
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->recipients);
	curl_slist_free_all(t->headers);
	curl_mime_free(t->form);
	free(t->upload);
	free(t->body);
	buf_free(&t->response);
	free(t);
}
