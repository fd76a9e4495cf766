/*
 * config.h - appsettings.json, with every default built in.
 *
 * The keys and nesting are the seed's (.NET) ones, so a config written for
 * the original system works here; the appliance adds Database, Scheduler,
 * Queue, Storage, Http, Dashboard, Alerts, Links and Logging. Keys are
 * matched case-insensitively, as .NET configuration does. Environment
 * variables override the file with the .NET convention:
 * Jobs__DraftCleanup__Enabled=false sets Jobs.DraftCleanup.Enabled.
 *
 * Errors name the key path (Jobs.DraftCleanup.BatchSize) and, for broken
 * JSON, line:column. Unknown keys are warnings with the closest known key.
 */
#ifndef DOMECEK_CONFIG_H
#define DOMECEK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct buf;

#define CONFIG_STR 256
#define CONFIG_MAX_DELAYS 16
#define CONFIG_KEYS_MAX 192 /* room in is_set for every key */

enum misfire_policy { MISFIRE_RUN_ONCE, MISFIRE_SKIP };

/* Common to every recurring job section (Jobs.<Name>). */
struct recurring_settings {
	bool enabled;
	char cron[CONFIG_STR];
	char time_zone[64]; /* "" = Scheduler.TimeZone */
	enum misfire_policy misfire;
	int batch_size;
};

struct config {
	char source[CONFIG_STR]; /* file it was read from, or "built-in
				    defaults" */

	struct {
		struct {
			struct recurring_settings r;
			int warning_days_before_delete;
			int delete_after_days;
		} draft_cleanup;
		struct {
			struct recurring_settings r;
			int reminder_after_days;
			int expiration_warning_days;
		} draft_reminder;
		struct {
			struct recurring_settings r;
		} invitation_expiration;
		struct {
			struct recurring_settings r;
			int retention_days;
			int batch_pause_ms;
		} activity_cleanup;
		struct {
			struct recurring_settings r;
			int retention_days_read;
			int retention_days_unread;
			int batch_pause_ms;
		} notification_cleanup;
		struct {
			struct recurring_settings r;
			int revoked_retention_days;
		} refresh_token_cleanup;
		struct {
			struct recurring_settings r;
		} weekly_summary_email;
		struct {
			struct recurring_settings r;
			int max_retries;
			int retry_delay_minutes[CONFIG_MAX_DELAYS];
			int retry_delay_count;
		} sync_retry;
		struct {
			struct recurring_settings r;
		} export_cleanup;
		struct {
			struct recurring_settings r;
			char path[CONFIG_STR];
			int keep;
		} backup;
		struct {
			int expiration_hours;
			int64_t max_size_bytes;
			bool include_photos;
		} export_data;
	} jobs;

	struct {
		char provider[32]; /* Maildir | SMTP | SendGrid | Mailgun */
		char from[CONFIG_STR];
		char from_name[CONFIG_STR];
		int retry_count;
		int retry_delay_seconds;
		struct {
			char host[CONFIG_STR];
			int port;
			char security[16]; /* StartTls | Tls | None */
			char username[CONFIG_STR];
			char password[CONFIG_STR]; /* secret */
			int timeout_seconds;
		} smtp;
		struct {
			char api_key[CONFIG_STR]; /* secret */
			char base_url[CONFIG_STR];
		} sendgrid;
		struct {
			char domain[CONFIG_STR];
			char api_key[CONFIG_STR]; /* secret */
			char region[8];		  /* US | EU */
			char base_url[CONFIG_STR];
		} mailgun;
		struct {
			char path[CONFIG_STR];
		} maildir;
	} email;

	struct {
		char path[CONFIG_STR];
		char synchronous[16]; /* Normal | Full */
		int busy_timeout_ms;
		int max_page_count; /* PRAGMA max_page_count; 0 = no cap (tests)
				     */
	} database;

	struct {
		char time_zone[64]; /* IANA name; "" = the system's */
	} scheduler;

	struct {
		int lease_seconds;
		int succeeded_retention_days;
		int dead_retention_days;
		int history_retention_days;
	} queue;

	struct {
		char provider[16]; /* Local | S3 */
		struct {
			char root[CONFIG_STR];
			int64_t quota_bytes; /* 0 = no quota */
		} local;
		struct {
			char endpoint[CONFIG_STR];
			char region[64];
			char bucket[CONFIG_STR];
			char access_key[CONFIG_STR];
			char secret_key[CONFIG_STR]; /* secret */
			bool path_style;
		} s3;
	} storage;

	struct {
		bool enabled; /* false: no HTTP server (tests with run --drain)
			       */
		char listen[CONFIG_STR];
		char public_url[CONFIG_STR];
		/* X-Forwarded-For is believed from these addresses (commas) */
		char trusted_proxies[CONFIG_STR];
		int idle_timeout_seconds; /* a connection with nothing to do */
	} http;

	struct {
		char path[64];
		char admin_password_hash[CONFIG_STR]; /* secret */
		char language[8];
	} dashboard;

	struct {
		char admin_email[CONFIG_STR];
		char slack_webhook_url[CONFIG_STR]; /* secret */
		int consecutive_failures;
		int queue_length_threshold;
		int long_running_minutes;
		int loop_stall_seconds; /* a loop iteration longer is a stall */
	} alerts;

	struct {
		char signing_key[CONFIG_STR]; /* secret */
	} links;

	struct {
		char level[16];
		char format[8]; /* text | json */
	} logging;

	struct {
		/* PEM file of CA certificates trusted by every outgoing TLS
		 * connection (SMTP, SendGrid, Mailgun, S3, Slack); "" = the
		 * system's. */
		char ca_file[CONFIG_STR];
	} tls;

	/* 1 for each key (index into the key table) that the file or the
	 * environment set; see config_is_set(). */
	unsigned char is_set[CONFIG_KEYS_MAX];
};

/* Fills c with the built-in defaults. */
void config_defaults(struct config *c);

/*
 * Loads the effective config: defaults, then the JSON file at path (NULL:
 * none), then environment overrides from envp (NULL-terminated "K=V"
 * strings; NULL: none), then validation. Warnings (unknown keys, with a
 * suggestion) are appended to warnings, one per line, if it is not NULL.
 * Returns 0, or ERR_INVALID/ERR_IO with e naming the key or line:column.
 */
int config_load(struct config *c, const char *path, char *const *envp,
		struct buf *warnings, struct err *e);

/* Applies JSON text (an appsettings.json's content) on top of c; origin
 * names it in messages. Used by config_load; public for the fuzz target. */
int config_apply_text(struct config *c, const char *text, const char *origin,
		      struct buf *warnings, struct err *e);
/* The checks across keys and of values' forms: Http.Listen, S3 and
 * provider keys, URLs (Http.PublicUrl, Alerts.SlackWebhookUrl), the
 * dashboard's password hash, header-safe Email.From/FromName, S3 link
 * lifetime, Tls.CaFile readable. Errors name the key. */
int config_validate(const struct config *c, struct err *e);

/* 1 when the file or the environment gave path a value (not a default). */
int config_is_set(const struct config *c, const char *path);

/* The days before deletion a draft's owner is warned: one setting with
 * two names, Jobs.DraftCleanup.WarningDaysBeforeDelete (the source) and
 * Jobs.DraftReminder.ExpirationWarningDays (read too, as the seed has
 * it). config_load sets both fields to the one value. */
int config_warning_days(const struct config *c);

/* Writes the effective config as JSON, secrets masked as "********". */
int config_show(const struct config *c, struct buf *out);

/* The recurring job sections, in a fixed order: name is the config name
 * ("DraftCleanup"), type the job type ("draft_cleanup"). */
struct config_recurring {
	const char *name;
	const char *type;
	const struct recurring_settings *settings;
};
/* Returns the number of recurring sections; fills out (up to max). */
int config_recurring(const struct config *c, struct config_recurring *out,
		     int max);
const struct recurring_settings *config_recurring_find(const struct config *c,
						       const char *type);

#endif
