/*
 * config_keys.c - every configuration key: path, type, place in struct
 * config, default, range or choices, and whether it is a secret. Adding a
 * key is adding a line here (and its field in include/config.h).
 */
#include "config/config.h"
#include "config_impl.h"

#include <stdint.h>

/* One key a line reads better than the formatter's reflow. */
/* clang-format off */
#define OFF(field) offsetof(struct config, field)
#define SZ(field) sizeof(((struct config *)0)->field)
#define BOOL(p, f, d) {p, K_BOOL, OFF(f), 0, d, 0, 0, NULL, 0}
#define INT(p, f, d, lo, hi) {p, K_INT, OFF(f), 0, d, lo, hi, NULL, 0}
#define INT64(p, f, d, lo, hi) {p, K_INT64, OFF(f), 0, d, lo, hi, NULL, 0}
#define STR(p, f, d) {p, K_STR, OFF(f), SZ(f), d, 0, 0, NULL, 0}
#define SECRET(p, f) {p, K_STR, OFF(f), SZ(f), "", 0, 0, NULL, 1}
#define CHOICE(p, f, d, c) {p, K_CHOICE, OFF(f), SZ(f), d, 0, 0, c, 0}

static const char *const misfire_choices[] = {"RunOnce", "Skip", NULL};
static const char *const provider_choices[] = {"Maildir", "SMTP", "SendGrid", "Mailgun", NULL};
static const char *const security_choices[] = {"StartTls", "Tls", "None", NULL};
static const char *const region_choices[] = {"US", "EU", NULL};
static const char *const sync_choices[] = {"Normal", "Full", NULL};
static const char *const storage_choices[] = {"Local", "S3", NULL};
static const char *const language_choices[] = {"cs", "en", NULL};
static const char *const format_choices[] = {"text", "json", NULL};
static const char *const level_choices[] = {"Debug", "Information", "Warning", "Error", NULL};

/* The keys every recurring job section has. Misfire is stored as text in
 * a scratch field and turned into the enum after loading. */
#define RECURRING(name, f, cron_default, batch_default)                                        \
	BOOL("Jobs." name ".Enabled", jobs.f.r.enabled, "true"),               \
	STR("Jobs." name ".CronSchedule", jobs.f.r.cron, cron_default),                \
	STR("Jobs." name ".TimeZone", jobs.f.r.time_zone, ""),                 \
	{"Jobs." name ".Misfire", K_INT, OFF(jobs.f.r.misfire), 0, "RunOnce",  \
	 0, 1, misfire_choices, 0},                                            \
	INT("Jobs." name ".BatchSize", jobs.f.r.batch_size, batch_default, 1, 100000)

const struct config_key config_keys[] = {
	RECURRING("DraftCleanup", draft_cleanup, "0 3 * * *", "100"),
	INT("Jobs.DraftCleanup.WarningDaysBeforeDelete", jobs.draft_cleanup.warning_days_before_delete, "7", 0, 3650),
	INT("Jobs.DraftCleanup.DeleteAfterDays", jobs.draft_cleanup.delete_after_days, "30", 1, 3650),
	RECURRING("DraftReminder", draft_reminder, "0 10 * * *", "500"),
	INT("Jobs.DraftReminder.ReminderAfterDays", jobs.draft_reminder.reminder_after_days, "3", 1, 3650),
	INT("Jobs.DraftReminder.ExpirationWarningDays", jobs.draft_reminder.expiration_warning_days, "7", 0, 3650),
	RECURRING("InvitationExpiration", invitation_expiration, "0 4 * * *", "200"),
	RECURRING("ActivityCleanup", activity_cleanup, "0 2 * * 0", "1000"),
	INT("Jobs.ActivityCleanup.RetentionDays", jobs.activity_cleanup.retention_days, "90", 1, 36500),
	INT("Jobs.ActivityCleanup.BatchPauseMs", jobs.activity_cleanup.batch_pause_ms, "100", 0, 60000),
	RECURRING("NotificationCleanup", notification_cleanup, "0 2 * * 0", "1000"),
	INT("Jobs.NotificationCleanup.RetentionDaysRead", jobs.notification_cleanup.retention_days_read, "30", 1, 36500),
	INT("Jobs.NotificationCleanup.RetentionDaysUnread", jobs.notification_cleanup.retention_days_unread, "90", 1, 36500),
	INT("Jobs.NotificationCleanup.BatchPauseMs", jobs.notification_cleanup.batch_pause_ms, "100", 0, 60000),
	RECURRING("RefreshTokenCleanup", refresh_token_cleanup, "0 5 * * *", "500"),
	INT("Jobs.RefreshTokenCleanup.RevokedRetentionDays", jobs.refresh_token_cleanup.revoked_retention_days, "7", 0, 3650),
	RECURRING("WeeklySummaryEmail", weekly_summary_email, "0 9 * * 1", "100"),
	RECURRING("SyncRetry", sync_retry, "*/5 * * * *", "50"),
	INT("Jobs.SyncRetry.MaxRetries", jobs.sync_retry.max_retries, "5", 1, 100),
	{"Jobs.SyncRetry.RetryDelayMinutes", K_INT_LIST, OFF(jobs.sync_retry.retry_delay_minutes), 0, "5,15,60,240,1440", 0, 525600, NULL, 0},
	RECURRING("ExportCleanup", export_cleanup, "15 * * * *", "100"),
	RECURRING("Backup", backup, "30 3 * * *", "100"),
	STR("Jobs.Backup.Path", jobs.backup.path, "var/backups"),
	INT("Jobs.Backup.Keep", jobs.backup.keep, "7", 1, 365),
	INT("Jobs.ExportData.ExpirationHours", jobs.export_data.expiration_hours, "24", 1, 8760),
	INT64("Jobs.ExportData.MaxSizeBytes", jobs.export_data.max_size_bytes, "1073741824", 1024, INT64_C(1) << 40),
	BOOL("Jobs.ExportData.IncludePhotos", jobs.export_data.include_photos, "true"),

	CHOICE("Email.Provider", email.provider, "Maildir", provider_choices),
	STR("Email.From", email.from, "noreply@mujdomecek.cz"),
	STR("Email.FromName", email.from_name, "MujDomecek"),
	INT("Email.RetryCount", email.retry_count, "3", 1, 100),
	INT("Email.RetryDelaySeconds", email.retry_delay_seconds, "30", 1, 86400),
	STR("Email.Smtp.Host", email.smtp.host, "localhost"),
	INT("Email.Smtp.Port", email.smtp.port, "587", 1, 65535),
	CHOICE("Email.Smtp.Security", email.smtp.security, "StartTls", security_choices),
	STR("Email.Smtp.Username", email.smtp.username, ""),
	SECRET("Email.Smtp.Password", email.smtp.password),
	INT("Email.Smtp.TimeoutSeconds", email.smtp.timeout_seconds, "30", 1, 600),
	SECRET("Email.SendGrid.ApiKey", email.sendgrid.api_key),
	STR("Email.SendGrid.BaseUrl", email.sendgrid.base_url, "https://api.sendgrid.com"),
	STR("Email.Mailgun.Domain", email.mailgun.domain, ""),
	SECRET("Email.Mailgun.ApiKey", email.mailgun.api_key),
	CHOICE("Email.Mailgun.Region", email.mailgun.region, "US", region_choices),
	STR("Email.Mailgun.BaseUrl", email.mailgun.base_url, ""),
	STR("Email.Maildir.Path", email.maildir.path, "var/mail"),

	STR("Database.Path", database.path, "domecek.db"),
	CHOICE("Database.Synchronous", database.synchronous, "Normal", sync_choices),
	INT("Database.BusyTimeoutMs", database.busy_timeout_ms, "5000", 0, 600000),
	INT("Database.MaxPageCount", database.max_page_count, "0", 0, 2147483647),

	STR("Scheduler.TimeZone", scheduler.time_zone, ""),

	INT("Queue.LeaseSeconds", queue.lease_seconds, "60", 5, 86400),
	INT("Queue.SucceededRetentionDays", queue.succeeded_retention_days, "7", 0, 3650),
	INT("Queue.DeadRetentionDays", queue.dead_retention_days, "30", 0, 3650),
	INT("Queue.HistoryRetentionDays", queue.history_retention_days, "90", 1, 3650),

	CHOICE("Storage.Provider", storage.provider, "Local", storage_choices),
	STR("Storage.Local.Root", storage.local.root, "var/storage"),
	INT64("Storage.Local.QuotaBytes", storage.local.quota_bytes, "0", 0, INT64_MAX),
	STR("Storage.S3.Endpoint", storage.s3.endpoint, ""),
	STR("Storage.S3.Region", storage.s3.region, "us-east-1"),
	STR("Storage.S3.Bucket", storage.s3.bucket, ""),
	STR("Storage.S3.AccessKey", storage.s3.access_key, ""),
	SECRET("Storage.S3.SecretKey", storage.s3.secret_key),
	BOOL("Storage.S3.PathStyle", storage.s3.path_style, "true"),

	BOOL("Http.Enabled", http.enabled, "true"),
	STR("Http.Listen", http.listen, "127.0.0.1:8080"),
	STR("Http.PublicUrl", http.public_url, ""),

	STR("Dashboard.Path", dashboard.path, "/jobs"),
	SECRET("Dashboard.AdminPasswordHash", dashboard.admin_password_hash),
	CHOICE("Dashboard.Language", dashboard.language, "cs", language_choices),

	STR("Alerts.AdminEmail", alerts.admin_email, ""),
	SECRET("Alerts.SlackWebhookUrl", alerts.slack_webhook_url),
	INT("Alerts.ConsecutiveFailures", alerts.consecutive_failures, "3", 1, 1000),
	INT("Alerts.QueueLengthThreshold", alerts.queue_length_threshold, "1000", 1, 100000000),
	INT("Alerts.LongRunningMinutes", alerts.long_running_minutes, "10", 1, 10080),

	SECRET("Links.SigningKey", links.signing_key),

	CHOICE("Logging.Level", logging.level, "Information", level_choices),
	CHOICE("Logging.Format", logging.format, "text", format_choices),

	STR("Tls.CaFile", tls.ca_file, ""),
};

/* clang-format on */

const size_t config_key_count = sizeof(config_keys) / sizeof(config_keys[0]);

_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <= CONFIG_KEYS_MAX,
	       "struct config's is_set needs room for every key");
