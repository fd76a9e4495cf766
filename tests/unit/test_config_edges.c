/*
 * test_config_edges.c - config edges found from outside (issue 17): the
 * warning days as one setting with two names (item 5), S3 link lifetime
 * (10), header-safe Email.From/FromName (17), URLs and the password hash
 * (20), keys repeated in another case (21), and JSON errors with a
 * position and no raw control bytes: NUL byte, nesting, \u0000 (22).
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
#include "base/err.h"
#include "config/config.h"

static char path[64];

/* Loads len bytes of text (may hold NUL) with envp; returns config_load's rc. */
static int load(const char *text, size_t len, char *const *envp, struct config *c,
		struct buf *warnings, struct err *e)
{
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/tmp/domecek-edges-%d.json", (int)getpid());
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	rc = config_load(c, path, envp, warnings, e);
	unlink(path);
	return rc;
}

static int load_text(const char *text, struct config *c, struct err *e)
{
	return load(text, strlen(text), NULL, c, NULL, e);
}

static void test_warning_days_are_one_setting_with_two_names(void **state)
{
	static struct config c;
	struct err e = {0};
	char *env_alias[] = {"Jobs__DraftReminder__ExpirationWarningDays=4", NULL};

	(void)state;
	assert_int_equal(load_text("{}", &c, &e), 0);
	assert_int_equal(config_warning_days(&c), 7);
	assert_int_equal(c.jobs.draft_reminder.expiration_warning_days, 7);
	/* The source key sets both. */
	assert_int_equal(load_text("{\"Jobs\":{\"DraftCleanup\":{\"WarningDaysBeforeDelete\":5}}}",
				   &c, &e), 0);
	assert_int_equal(config_warning_days(&c), 5);
	assert_int_equal(c.jobs.draft_reminder.expiration_warning_days, 5);
	/* The seed's other name is read too, from the file or the environment. */
	assert_int_equal(load_text("{\"Jobs\":{\"DraftReminder\":{\"ExpirationWarningDays\":3}}}",
				   &c, &e), 0);
	assert_int_equal(config_warning_days(&c), 3);
	assert_int_equal(c.jobs.draft_cleanup.warning_days_before_delete, 3);
	assert_int_equal(load("{}", 2, env_alias, &c, NULL, &e), 0);
	assert_int_equal(config_warning_days(&c), 4);
	/* Both, equal: fine. Both, different: which one wins? Neither. */
	assert_int_equal(load_text("{\"Jobs\":{\"DraftCleanup\":{\"WarningDaysBeforeDelete\":6},"
				   "\"DraftReminder\":{\"ExpirationWarningDays\":6}}}", &c, &e), 0);
	assert_int_equal(load_text("{\"Jobs\":{\"DraftCleanup\":{\"WarningDaysBeforeDelete\":6},"
				   "\"DraftReminder\":{\"ExpirationWarningDays\":2}}}", &c, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "Jobs.DraftCleanup.WarningDaysBeforeDelete (6)"));
	assert_non_null(strstr(e.msg, "Jobs.DraftReminder.ExpirationWarningDays (2)"));
}

static const char s3[] = "\"Storage\":{\"Provider\":\"S3\",\"S3\":{\"Endpoint\":\"http://127.0.0.1:9\","
			 "\"Bucket\":\"b\",\"AccessKey\":\"a\",\"SecretKey\":\"s\"}}";

static void test_values_refused_with_the_key_that_is_wrong(void **state)
{
	static const struct {
		const char *json, *expected; /* expected NULL: accepted */
	} cases[] = {
	    {"{S3,\"Jobs\":{\"ExportData\":{\"ExpirationHours\":200}}}",
	     "Jobs.ExportData.ExpirationHours: 200 is longer than an S3 download link can live"},
	    {"{S3,\"Jobs\":{\"ExportData\":{\"ExpirationHours\":168}}}", NULL},
	    {"{\"Jobs\":{\"ExportData\":{\"ExpirationHours\":200}},\"x\":{}}", NULL}, /* Local */
	    {"{\"Email\":{\"From\":\"a@b.cz\\r\\nBcc: evil@x.cz\"}}",
	     "Email.From: a line break or control character"},
	    {"{\"Email\":{\"FromName\":\"Domecek\\nBcc: evil@x.cz\"}}",
	     "Email.FromName: a line break or control character"},
	    {"{\"Email\":{\"From\":\"Jana <jana@b.cz>\"}}", "Email.From: 'Jana <jana@b.cz>' is not an email address"},
	    {"{\"Http\":{\"PublicUrl\":\"domecek.example\"}}", "Http.PublicUrl: 'domecek.example' is not an http(s):// URL"},
	    {"{\"Http\":{\"PublicUrl\":\"https://\"}}", "Http.PublicUrl"},
	    {"{\"Http\":{\"PublicUrl\":\"https://a b.cz\"}}", "Http.PublicUrl"},
	    {"{\"Http\":{\"PublicUrl\":\"https://h:99999/\"}}", "Http.PublicUrl"},
	    {"{\"Http\":{\"PublicUrl\":\"https://domecek.example:8443/app\"}}", NULL},
	    {"{\"Alerts\":{\"SlackWebhookUrl\":\"hooks.slack.com/services/T0\"}}",
	     "Alerts.SlackWebhookUrl: not an http(s):// URL"},
	    {"{\"Alerts\":{\"SlackWebhookUrl\":\"https://hooks.slack.com/services/T0/B0/x\"}}", NULL},
	    {"{\"Dashboard\":{\"AdminPasswordHash\":\"hunter2\"}}",
	     "Dashboard.AdminPasswordHash: password hash does not start with"},
	    {"{\"Dashboard\":{\"AdminPasswordHash\":\"pbkdf2-sha256$5$c2FsdA$aGFzaA\"}}",
	     "Dashboard.AdminPasswordHash: password hash iteration count"},
	    {"{\"Dashboard\":{\"AdminPasswordHash\":\"pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA$"
	     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}", NULL},
	    {"{\"Tls\":{\"CaFile\":\"/nonexistent/ca.pem\"}}", "Tls.CaFile: cannot read /nonexistent/ca.pem"},
	    {"{\"Tls\":{\"CaFile\":\"/etc/hostname\"}}", "Tls.CaFile: /etc/hostname holds no usable PEM"},
	};
	static struct config c;
	char json[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		int rc;

		if (!strncmp(cases[i].json, "{S3,", 4))
			snprintf(json, sizeof(json), "{%s,%s", s3, cases[i].json + 4);
		else
			snprintf(json, sizeof(json), "%s", cases[i].json);
		rc = load_text(json, &c, &e);
		if (!cases[i].expected) {
			if (rc)
				fail_msg("case %zu refused: %s", i, e.msg);
		} else if (rc != ERR_INVALID || !strstr(e.msg, cases[i].expected)) {
			fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc, e.msg,
				 cases[i].expected);
		}
	}
}

static void test_keys_repeated_in_another_case_warn_with_both_positions(void **state)
{
	static struct config c;
	struct buf warnings;
	struct err e = {0};
	const char *text = "{\n"
			   "  \"Jobs\": {\"DraftCleanup\": {\"BatchSize\": 5}},\n"
			   "  \"JOBS\": {\"DraftCleanup\": {\"BatchSize\": 9,\n"
			   "                              \"batchsize\": 11}}\n"
			   "}\n";

	(void)state;
	buf_init(&warnings, 4096);
	assert_int_equal(load(text, strlen(text), NULL, &c, &warnings, &e), 0);
	assert_non_null(strstr(buf_str(&warnings), ":3:3: key \"JOBS\" repeats \"Jobs\" from 2:3"));
	assert_non_null(strstr(buf_str(&warnings),
			       ":4:31: key \"JOBS.DraftCleanup.batchsize\" repeats \"BatchSize\" from 3:29"));
	assert_int_equal(c.jobs.draft_cleanup.r.batch_size, 11); /* the later wins */
	buf_free(&warnings);
}

static void test_json_errors_have_a_position_and_no_raw_bytes(void **state)
{
	static struct config c;
	static char deep[4000];
	struct err e = {0};
	size_t n = 0;

	(void)state;
	/* A NUL byte in the middle of the file. */
	assert_int_equal(load("{\"Jobs\": {}\n, \0 \"x\": 1}", 22, NULL, &c, NULL, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, ":2:3: a NUL byte"));
	assert_null(strstr(e.msg, "end of file"));
	/* \u0000 would cut the value short. */
	assert_int_equal(load_text("{\"Email\": {\"FromName\": \"Dome\\u0000cek\"}}", &c, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, ":1:29: \\u0000 (a NUL character)"));
	/* Nesting past the limit says so. */
	n += (size_t)snprintf(deep, sizeof(deep), "{\"a\":");
	for (int i = 0; i < 600; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	assert_int_equal(load_text(deep, &c, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "nested deeper than 512 levels"));
	/* Broken JSON is echoed escaped: no ESC or BEL reaches a terminal. */
	assert_int_equal(load_text("{\"Jobs\": red\x1b[31m\x07}", &c, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, ":1:10: invalid JSON near 'red\\x1b[31m\\x07}'"));
	assert_null(strchr(e.msg, '\x1b'));
	/* Text after the object. */
	assert_int_equal(load_text("{} {}", &c, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, ":1:4: text after the JSON value"));
	assert_int_equal(load_text("{\"Jobs\": ", &c, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "it ends too early"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_warning_days_are_one_setting_with_two_names),
	    cmocka_unit_test(test_values_refused_with_the_key_that_is_wrong),
	    cmocka_unit_test(test_keys_repeated_in_another_case_warn_with_both_positions),
	    cmocka_unit_test(test_json_errors_have_a_position_and_no_raw_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
