/*
 * config_check.c - the checks that look at more than one key, or at the
 * form of a value beyond its type, after the file and the environment are
 * applied (config_load calls config_resolve, then config_validate).
 *
 * Every refusal names the key a user must change, so `config check`
 * fails where a value would otherwise fail later and further away: an
 * email header with CR/LF, a URL that is no URL, a password hash the
 * dashboard cannot read, an S3 link that would die before its email says.
 */
#include "base/crypto.h"
#include "base/err.h"
#include "config/config.h"
#include "config_impl.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An S3 presigned URL lives at most 7 days (SigV4's X-Amz-Expires). */
#define S3_PRESIGN_MAX_HOURS 168

int config_warning_days(const struct config *c)
{
	return c->jobs.draft_cleanup.warning_days_before_delete;
}

int config_resolve(struct config *c, struct err *e)
{
	static const char source[] =
	    "Jobs.DraftCleanup.WarningDaysBeforeDelete";
	static const char alias[] = "Jobs.DraftReminder.ExpirationWarningDays";
	int *from = &c->jobs.draft_cleanup.warning_days_before_delete;
	int *to = &c->jobs.draft_reminder.expiration_warning_days;

	if (config_is_set(c, source) && config_is_set(c, alias) && *from != *to)
		return err_set(e, ERR_INVALID,
			       "%s (%d) and %s (%d) are one setting, the days "
			       "of warning before a draft is deleted: give "
			       "one of them, or the same value",
			       source, *from, alias, *to);
	if (config_is_set(c, alias) && !config_is_set(c, source))
		*from = *to;
	else
		*to = *from;
	return 0;
}

static int check_listen(const struct config *c, struct err *e)
{
	const char *colon = strrchr(c->http.listen, ':');

	if (!colon || colon == c->http.listen || atoi(colon + 1) < 1 ||
	    atoi(colon + 1) > 65535)
		return err_set(e, ERR_INVALID,
			       "Http.Listen: '%s' is not HOST:PORT "
			       "(e.g. 127.0.0.1:8080)",
			       c->http.listen);
	if (c->dashboard.path[0] != '/')
		return err_set(e, ERR_INVALID,
			       "Dashboard.Path: '%s' must start with /",
			       c->dashboard.path);
	return 0;
}

static int check_providers(const struct config *c, struct err *e)
{
	int is_s3 = strcmp(c->storage.provider, "S3") == 0;

	if (is_s3 && (!c->storage.s3.endpoint[0] || !c->storage.s3.bucket[0]))
		return err_set(e, ERR_INVALID,
			       "Storage.S3: Endpoint and Bucket "
			       "are required when Storage.Provider is S3");
	if (is_s3 &&
	    (!c->storage.s3.access_key[0] || !c->storage.s3.secret_key[0]))
		return err_set(e, ERR_INVALID,
			       "Storage.S3: AccessKey and SecretKey "
			       "are required when Storage.Provider is S3");
	if (is_s3 &&
	    c->jobs.export_data.expiration_hours > S3_PRESIGN_MAX_HOURS)
		return err_set(e, ERR_INVALID,
			       "Jobs.ExportData.ExpirationHours: %d is longer "
			       "than an S3 download link can live (%d hours, "
			       "7 days); with Storage.Provider S3 use at most "
			       "%d, so that the link, the email and the "
			       "export's expiry agree",
			       c->jobs.export_data.expiration_hours,
			       S3_PRESIGN_MAX_HOURS, S3_PRESIGN_MAX_HOURS);
	if (strcmp(c->email.provider, "SendGrid") == 0 &&
	    !c->email.sendgrid.api_key[0])
		return err_set(e, ERR_INVALID,
			       "Email.SendGrid.ApiKey is required when "
			       "Email.Provider is SendGrid");
	if (strcmp(c->email.provider, "Mailgun") == 0 &&
	    (!c->email.mailgun.api_key[0] || !c->email.mailgun.domain[0]))
		return err_set(e, ERR_INVALID,
			       "Email.Mailgun.Domain and ApiKey are "
			       "required when Email.Provider is Mailgun");
	return 0;
}

/* A control byte (CR, LF, TAB ...) in a value that goes into a header. */
static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int check_email(const struct config *c, struct err *e)
{
	if (has_control(c->email.from))
		return err_set(e, ERR_INVALID,
			       "Email.From: a line break or control character "
			       "cannot be in an email header");
	if (has_control(c->email.from_name))
		return err_set(e, ERR_INVALID,
			       "Email.FromName: a line break or control "
			       "character cannot be in an email header");
	if (!strchr(c->email.from, '@') || strchr(c->email.from, ' ') ||
	    strchr(c->email.from, '<') || strchr(c->email.from, '>'))
		return err_set(e, ERR_INVALID,
			       "Email.From: '%s' is not an email address",
			       c->email.from);
	if (c->alerts.admin_email[0] && (!strchr(c->alerts.admin_email, '@') ||
					 has_control(c->alerts.admin_email)))
		return err_set(e, ERR_INVALID,
			       "Alerts.AdminEmail: '%s' is not an email "
			       "address",
			       c->alerts.admin_email);
	return 0;
}

/* http(s)://host[:port][/path], with no space or control byte. */
static int is_url(const char *s)
{
	const char *host, *end;

	if (!strncasecmp(s, "https://", 8))
		host = s + 8;
	else if (!strncasecmp(s, "http://", 7))
		host = s + 7;
	else
		return 0;
	end = host + strcspn(host, ":/?#");
	if (end == host || has_control(s) || strchr(s, ' '))
		return 0;
	if (*end == ':') {
		const char *port = end + 1;
		size_t digits = strspn(port, "0123456789");

		if (digits == 0 || digits > 5 || atoi(port) > 65535 ||
		    (port[digits] && port[digits] != '/'))
			return 0;
	}
	return 1;
}

static int check_urls(const struct config *c, struct err *e)
{
	struct err why = {0};

	if (c->http.public_url[0] && !is_url(c->http.public_url))
		return err_set(e, ERR_INVALID,
			       "Http.PublicUrl: '%s' is not an http(s):// URL "
			       "(e.g. https://domecek.example)",
			       c->http.public_url);
	/* A secret: say what is wrong, not what it is. */
	if (c->alerts.slack_webhook_url[0] &&
	    !is_url(c->alerts.slack_webhook_url))
		return err_set(e, ERR_INVALID,
			       "Alerts.SlackWebhookUrl: not an http(s):// URL "
			       "(e.g. https://hooks.slack.com/services/...)");
	if (c->dashboard.admin_password_hash[0] &&
	    crypto_password_check(c->dashboard.admin_password_hash, &why))
		return err_set(e, ERR_INVALID,
			       "Dashboard.AdminPasswordHash: %s; make one with "
			       "`domecek-jobs passwd`",
			       why.msg);
	return 0;
}

static int check_tls(const struct config *c, struct err *e)
{
	if (c->tls.ca_file[0] && crypto_ca_file_check(c->tls.ca_file, e))
		return err_prefix(e, "Tls.CaFile");
	return 0;
}

/* Http.TrustedProxies: addresses, not names, so that no lookup runs per
 * request and a typo is an error now rather than a proxy never trusted. */
static int validate_proxies(const char *list, struct err *e)
{
	char item[64];
	unsigned char addr[16];

	while (*list) {
		size_t n = strcspn(list, ",");
		snprintf(item, sizeof(item), "%.*s", (int)(n < 63 ? n : 63),
			 list);
		if (n >= sizeof(item) || (inet_pton(AF_INET, item, addr) != 1 &&
					  inet_pton(AF_INET6, item, addr) != 1))
			return err_set(e, ERR_INVALID,
				       "Http.TrustedProxies: '%s' is not an "
				       "IP address (a comma-separated list "
				       "of addresses, e.g. 127.0.0.1,::1)",
				       item);
		list += n + (list[n] == ',');
	}
	return 0;
}

int config_validate(const struct config *c, struct err *e)
{
	int rc;

	if ((rc = check_listen(c, e)) || (rc = check_providers(c, e)) ||
	    (rc = check_email(c, e)) || (rc = check_urls(c, e)) ||
	    (rc = check_tls(c, e)) ||
	    (rc = validate_proxies(c->http.trusted_proxies, e)))
		return rc;
	return 0;
}
