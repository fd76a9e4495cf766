/*
 * test_config.c - appsettings.json: defaults, types, ranges, line:column,
 * unknown keys with suggestions, environment overrides, masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "config/config.h"
#include "base/err.h"

static char path[64];

static int write_config(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/domecek-config-%d.json", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return 0;
}

static int load(const char *text, char *const *envp, struct config *c, struct buf *warnings,
		struct err *e)
{
	int rc;

	assert_int_equal(write_config(text), 0);
	rc = config_load(c, path, envp, warnings, e);
	unlink(path);
	return rc;
}

static void test_config_defaults_are_the_seeds(void **state)
{
	struct config c;
	struct err e = {0};
	(void)state;
	assert_int_equal(config_load(&c, NULL, NULL, NULL, &e), 0);
	assert_true(c.jobs.draft_cleanup.r.enabled);
	assert_string_equal(c.jobs.draft_cleanup.r.cron, "0 3 * * *");
	assert_int_equal(c.jobs.draft_cleanup.delete_after_days, 30);
	assert_int_equal(c.jobs.draft_cleanup.r.batch_size, 100);
	assert_string_equal(c.jobs.activity_cleanup.r.cron, "0 2 * * 0");
	assert_int_equal(c.jobs.activity_cleanup.r.batch_size, 1000);
	assert_string_equal(c.jobs.sync_retry.r.cron, "*/5 * * * *");
	assert_int_equal(c.jobs.sync_retry.retry_delay_count, 5);
	assert_int_equal(c.jobs.sync_retry.retry_delay_minutes[4], 1440);
	assert_int_equal(c.jobs.export_data.max_size_bytes, 1073741824);
	assert_string_equal(c.email.provider, "Maildir");
	assert_string_equal(c.email.from, "noreply@mujdomecek.cz");
	assert_string_equal(c.http.listen, "127.0.0.1:8080");
	assert_string_equal(c.dashboard.path, "/jobs");
	assert_int_equal(c.alerts.consecutive_failures, 3);
	assert_string_equal(c.source, "built-in defaults");
}

static void test_config_reads_seed_keys_case_insensitively(void **state)
{
	struct config c;
	struct err e = {0};
	(void)state;
	assert_int_equal(load("{\"Jobs\": {\"DraftCleanup\": {\"BatchSize\": 7,\n"
			      "  \"cronschedule\": \"0 0 3 * * ?\"},\n"
			      "  \"SyncRetry\": {\"RetryDelayMinutes\": [1, 2]}},\n"
			      " \"email\": {\"provider\": \"smtp\"}}",
			      NULL, &c, NULL, &e), 0);
	assert_int_equal(c.jobs.draft_cleanup.r.batch_size, 7);
	assert_string_equal(c.jobs.draft_cleanup.r.cron, "0 0 3 * * ?");
	assert_int_equal(c.jobs.sync_retry.retry_delay_count, 2);
	assert_string_equal(c.email.provider, "SMTP");
}

static void test_config_comments_are_allowed(void **state)
{
	struct config c;
	struct err e = {0};
	(void)state;
	assert_int_equal(load("{\n  // the seed writes comments\n  \"Jobs\": {\n"
			      "  /* block */ \"DraftCleanup\": {\"BatchSize\": 5}}}\n",
			      NULL, &c, NULL, &e), 0);
	assert_int_equal(c.jobs.draft_cleanup.r.batch_size, 5);
}

struct bad_case {
	const char *json;
	const char *expected; /* substring of the message */
};

static void test_config_bad_values_name_the_key(void **state)
{
	static const struct bad_case cases[] = {
		{"{\"Jobs\": {\"DraftCleanup\": {\"BatchSize\": \"ten\"}}}",
		 "Jobs.DraftCleanup.BatchSize: expected an integer, got \"ten\""},
		{"{\"Jobs\": {\"DraftCleanup\": {\"BatchSize\": 0}}}",
		 "Jobs.DraftCleanup.BatchSize: 0 is out of range (1..100000)"},
		{"{\"Jobs\": {\"DraftCleanup\": {\"DeleteAfterDays\": -3}}}",
		 "Jobs.DraftCleanup.DeleteAfterDays: -3 is out of range"},
		{"{\"Jobs\": {\"DraftCleanup\": {\"Enabled\": \"yes\"}}}",
		 "Jobs.DraftCleanup.Enabled: expected true or false, got 'yes'"},
		{"{\"Jobs\": {\"DraftCleanup\": {\"BatchSize\": 2.5}}}",
		 "Jobs.DraftCleanup.BatchSize: expected an integer, got 2.5"},
		{"{\"Email\": {\"Provider\": \"Pigeon\"}}",
		 "Email.Provider: 'Pigeon' is not one of Maildir, SMTP, SendGrid, Mailgun"},
		{"{\"Jobs\": {\"SyncRetry\": {\"RetryDelayMinutes\": [5, \"x\"]}}}",
		 "Jobs.SyncRetry.RetryDelayMinutes[1]: expected a number"},
		{"{\"Jobs\": {\"DraftCleanup\": {\"Misfire\": \"Later\"}}}",
		 "Jobs.DraftCleanup.Misfire: 'Later' is not one of RunOnce, Skip"},
		{"{\"Http\": {\"Listen\": \"8080\"}}", "Http.Listen: '8080' is not HOST:PORT"},
		{"{\"Storage\": {\"Provider\": \"S3\"}}", "Storage.S3: Endpoint and Bucket"},
		{"{\"Email\": {\"Provider\": \"SendGrid\"}}", "Email.SendGrid.ApiKey is required"},
		{"{\"Email\": {\"From\": \"nobody\"}}", "Email.From: 'nobody' is not an email"},
		{"[1, 2]", "the top level must be a JSON object"},
		{"{\"Jobs\": 5}", "Jobs: expected"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		struct err e = {0};
		int rc = load(cases[i].json, NULL, &c, NULL, &e);
		if (rc != ERR_INVALID || !strstr(e.msg, cases[i].expected))
			fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, e.msg,
				 cases[i].expected);
	}
}

static void test_config_broken_json_gives_line_and_column(void **state)
{
	struct config c;
	struct err e = {0};
	(void)state;
	assert_int_equal(load("{\n  \"Jobs\": {\n    \"DraftCleanup\": {\"BatchSize\": 10,}\n  }\n}\n",
			      NULL, &c, NULL, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, ":3:"));
	assert_non_null(strstr(e.msg, "invalid JSON"));
}

static void test_config_missing_file_is_an_io_error(void **state)
{
	struct config c;
	struct err e = {0};
	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/appsettings.json", NULL, NULL, &e),
			 ERR_IO);
	assert_non_null(strstr(e.msg, "/nonexistent/appsettings.json"));
	assert_non_null(strstr(e.msg, "No such file"));
}

static void test_config_unknown_key_warns_with_suggestion(void **state)
{
	struct config c;
	struct err e = {0};
	struct buf warnings;
	(void)state;
	buf_init(&warnings, 4096);
	assert_int_equal(load("{\"Jobs\": {\"DraftCleanup\": {\"BatchSzie\": 5},\n"
			      " \"Nonsense\": 1}}", NULL, &c, &warnings, &e), 0);
	assert_non_null(strstr(buf_str(&warnings),
				"unknown key Jobs.DraftCleanup.BatchSzie (did you mean "
				"Jobs.DraftCleanup.BatchSize?)"));
	assert_non_null(strstr(buf_str(&warnings), "unknown key Jobs.Nonsense"));
	buf_free(&warnings);
}

static void test_config_environment_overrides_file(void **state)
{
	char *envp[] = {
		"Jobs__DraftCleanup__Enabled=false",
		"JOBS__ACTIVITYCLEANUP__BATCHSIZE=250",
		"Jobs__SyncRetry__RetryDelayMinutes__1=99",
		"Email__Smtp__Password=hunter2",
		"PATH=/usr/bin",
		"Jobs__DraftClenaup__Enabled=false",
		NULL,
	};
	struct config c;
	struct err e = {0};
	struct buf warnings;
	(void)state;
	buf_init(&warnings, 4096);
	assert_int_equal(load("{\"Jobs\": {\"DraftCleanup\": {\"Enabled\": true}}}", envp,
			      &c, &warnings, &e), 0);
	assert_false(c.jobs.draft_cleanup.r.enabled);
	assert_int_equal(c.jobs.activity_cleanup.r.batch_size, 250);
	assert_int_equal(c.jobs.sync_retry.retry_delay_minutes[1], 99);
	assert_int_equal(c.jobs.sync_retry.retry_delay_minutes[0], 5);
	assert_string_equal(c.email.smtp.password, "hunter2");
	assert_non_null(strstr(buf_str(&warnings), "did you mean Jobs.DraftCleanup.Enabled"));
	buf_free(&warnings);
}

static void test_config_bad_environment_value_names_the_variable(void **state)
{
	char *envp[] = {"Jobs__DraftCleanup__BatchSize=lots", NULL};
	struct config c;
	struct err e = {0};
	(void)state;
	assert_int_equal(config_load(&c, NULL, envp, NULL, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "environment Jobs__DraftCleanup__BatchSize"));
	assert_non_null(strstr(e.msg, "expected an integer"));
}

static void test_config_show_masks_secrets(void **state)
{
	char *envp[] = {"Email__Smtp__Password=hunter2", "Links__SigningKey=abc", NULL};
	struct config c;
	struct err e = {0};
	struct buf out;
	(void)state;
	assert_int_equal(config_load(&c, NULL, envp, NULL, &e), 0);
	buf_init(&out, 1 << 20);
	assert_int_equal(config_show(&c, &out), 0);
	assert_null(strstr(buf_str(&out), "hunter2"));
	assert_null(strstr(buf_str(&out), "\"abc\""));
	assert_non_null(strstr(buf_str(&out), "\"Password\":\t\"********\""));
	assert_non_null(strstr(buf_str(&out), "\"CronSchedule\":\t\"0 3 * * *\""));
	buf_free(&out);
}

static void test_config_recurring_lists_every_schedule(void **state)
{
	struct config c;
	struct config_recurring all[16];
	(void)state;
	config_defaults(&c);
	assert_int_equal(config_recurring(&c, all, 16), 10);
	assert_string_equal(all[0].name, "DraftCleanup");
	assert_string_equal(all[0].type, "draft_cleanup");
	assert_ptr_equal(config_recurring_find(&c, "sync_retry"), &c.jobs.sync_retry.r);
	assert_null(config_recurring_find(&c, "nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_are_the_seeds),
		cmocka_unit_test(test_config_reads_seed_keys_case_insensitively),
		cmocka_unit_test(test_config_comments_are_allowed),
		cmocka_unit_test(test_config_bad_values_name_the_key),
		cmocka_unit_test(test_config_broken_json_gives_line_and_column),
		cmocka_unit_test(test_config_missing_file_is_an_io_error),
		cmocka_unit_test(test_config_unknown_key_warns_with_suggestion),
		cmocka_unit_test(test_config_environment_overrides_file),
		cmocka_unit_test(test_config_bad_environment_value_names_the_variable),
		cmocka_unit_test(test_config_show_masks_secrets),
		cmocka_unit_test(test_config_recurring_lists_every_schedule),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
