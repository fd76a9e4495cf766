/*
 * test_send_email.c - the send_email job with the Maildir transport: a bad
 * payload is refused at once with the field named and nothing written; a
 * good one becomes exactly one .eml in new/, in the recipient's language;
 * a refused connection is a temporary failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "config/config.h"
#include "demo/demo.h"
#include "base/err.h"
#include "core/job.h"
#include "jobs/registry.h"
#include "testdb.h"

#define NOW INT64_C(1795762800000) /* 2026-11-27T07:00:00Z */

static int setup(void **state)
{
	struct testdb *f = testdb_open(0);

	snprintf(f->cfg.email.maildir.path, sizeof(f->cfg.email.maildir.path),
		 "%s/mail", f->dir);
	*state = f;
	return 0;
}

/* Number of files in mail/new, and the text of the last one in out. */
static int delivered(const struct testdb *f, char *out, size_t size)
{
	char path[600];
	struct dirent *entry;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/mail/new", f->dir);
	if (!(d = opendir(path)))
		return 0;
	while ((entry = readdir(d)) != NULL) {
		FILE *file;
		size_t len;

		if (entry->d_name[0] == '.')
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/mail/new/%s", f->dir,
			 entry->d_name);
		assert_non_null(strstr(entry->d_name, ".eml"));
		if (!out || !(file = fopen(path, "rb")))
			continue;
		len = fread(out, 1, size - 1, file);
		out[len] = '\0';
		fclose(file);
	}
	closedir(d);
	return n;
}

static void
test_send_email_bad_payload_is_invalid_and_names_the_field(void **state)
{
	static const struct {
		const char *payload, *in_message;
	} cases[] = {
	    {"{}", "payload field to is required"},
	    {"{\"to\": 5}", "payload field to: expected a string"},
	    {"{\"to\": \"jana\", \"subject\": \"a\", \"text\": \"b\"}",
	     "payload field to: 'jana' is not an email address"},
	    {"{\"to\": \"jana@example.cz\\r\\nBcc: eve@example.cz\", "
	     "\"subject\": \"a\", "
	     "\"text\": \"b\"}",
	     "payload field to:"},
	    {"{\"to\": \"jana@example.cz\"}",
	     "payload field subject is required"},
	    {"{\"to\": \"jana@example.cz\", \"subject\": \"a\"}",
	     "payload field text is required"},
	    {"{\"to\": \"jana@example.cz\", \"subject\": \"a\", \"text\": "
	     "\"b\", "
	     "\"html\": 7}",
	     "payload field html: expected a string"},
	    {"{\"to\": \"jana@example.cz\", \"template\": \"nope\"}",
	     "payload field template: there is no email template 'nope'"},
	    {"{\"to\": \"jana@example.cz\", \"template\": \"../../x\"}",
	     "payload field template: there is no email template"},
	    {"{\"to\": \"jana@example.cz\", \"template\": \"export_ready\"}",
	     "payload field data: templates/export_ready.cs."},
	    {"{\"to\": \"jana@example.cz\", \"template\": \"export_ready\", "
	     "\"data\": []}",
	     "payload field data: expected an object"},
	    {"{\"to\": \"jana@example.cz\", \"template\": \"export_ready\", "
	     "\"language\": 1, \"data\": {}}",
	     "payload field language: expected a string"},
	    {"{\"to\": \"jana@example.cz\", \"subject\": \"a\\r\\nBcc: "
	     "eve@example.cz\", "
	     "\"text\": \"b\"}",
	     "Subject"},
	    {"{\"to\": \"jana@example.cz\", \"toName\": \"Jana\\nBcc: "
	     "eve@example.cz\", "
	     "\"subject\": \"a\", \"text\": \"b\"}",
	     "To"},
	};
	struct testdb *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct testdb_job_result r;

		testdb_run_job(f->db, &f->cfg, NULL, "send_email",
				cases[i].payload, NOW, 0, &r);
		if (r.rc != ERR_INVALID)
			fail_msg("case %zu: expected ERR_INVALID, got %d (%s)",
				 i, r.rc, r.err.msg);
		if (!strstr(r.err.msg, cases[i].in_message))
			fail_msg("case %zu: '%s' not in '%s'", i,
				 cases[i].in_message, r.err.msg);
	}
	assert_int_equal(delivered(f, NULL, 0), 0);
}

static void test_send_email_maildir_writes_one_message(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char text[16384];

	/* The Date header is the real clock's, not the job's (--now). */
	clock_fix_real(NOW + MS_PER_HOUR);
	testdb_run_job(f->db, &f->cfg, NULL, "send_email",
			"{\"to\": \"jana@example.cz\", \"toName\": \"Jana\", "
			"\"subject\": \"Ahoj\", \"text\": \"Dobrý den\", "
			"\"html\": \"<p>Dobrý den</p>\"}",
			NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(job_count_get(&r.ctx, "sent"), 1);
	assert_int_equal(delivered(f, text, sizeof(text)), 1);
	assert_non_null(strstr(text, "Subject: Ahoj\r\n"));
	assert_non_null(
	    strstr(text, "From: \"MujDomecek\" <noreply@mujdomecek.cz>"));
	assert_non_null(strstr(text, "multipart/alternative"));
	assert_non_null(strstr(text, "Date: Fri, 27 Nov 2026 08:00:00"));
	clock_fix_real(0);
}

static void test_send_email_uses_the_recipients_language(void **state)
{
	struct testdb *f = *state;
	struct demo_user user = {.id = "00000000-0000-4000-8000-000000000001",
				 .email = "john@example.com",
				 .first_name = "John",
				 .preferred_language = "en",
				 .created_at = NOW - MS_PER_DAY};
	struct testdb_job_result r;
	struct err e = {0};
	char text[32768];

	assert_int_equal(demo_insert_user(f->db, &user, &e), 0);
	testdb_run_job(
	    f->db, &f->cfg, NULL, "send_email",
	    "{\"template\": \"export_ready\", \"to\": \"John@Example.com\", "
	    "\"data\": {\"size\": \"1 MB\", \"link\": \"https://x.cz/e\", "
	    "\"expiresHours\": 24}}",
	    NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(delivered(f, text, sizeof(text)), 1);
	assert_non_null(
	    strstr(text, "Subject: Your MujDomecek data export is ready"));
}

static void test_send_email_payload_language_wins(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char text[32768];

	testdb_run_job(
	    f->db, &f->cfg, NULL, "send_email",
	    "{\"template\": \"export_ready\", \"to\": \"nobody@example.com\", "
	    "\"language\": \"en\", \"data\": {\"size\": \"1 MB\", "
	    "\"link\": \"https://x.cz/e\", \"expiresHours\": 24}}",
	    NOW, 0, &r);
	assert_int_equal(r.rc, JOB_DONE);
	assert_int_equal(delivered(f, text, sizeof(text)), 1);
	assert_non_null(
	    strstr(text, "Subject: Your MujDomecek data export is ready"));
}

static void test_send_email_unknown_provider_is_invalid(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	snprintf(f->cfg.email.provider, sizeof(f->cfg.email.provider),
		 "Pigeon");
	testdb_run_job(
	    f->db, &f->cfg, NULL, "send_email",
	    "{\"to\": \"a@b.cz\", \"subject\": \"s\", \"text\": \"t\"}", NOW, 0,
	    &r);
	assert_int_equal(r.rc, ERR_INVALID);
	assert_non_null(strstr(r.err.msg, "Email.Provider"));
}

static void test_send_email_maildir_write_failure_is_reported(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;
	char path[400];
	FILE *file;

	snprintf(path, sizeof(path), "%s/mail", f->dir);
	file = fopen(path, "w"); /* a file where the Maildir should be */
	assert_non_null(file);
	fclose(file);
	testdb_run_job(
	    f->db, &f->cfg, NULL, "send_email",
	    "{\"to\": \"a@b.cz\", \"subject\": \"s\", \"text\": \"t\"}", NOW, 0,
	    &r);
	assert_int_equal(r.rc, ERR_IO);
	assert_false(job_error_is_final(r.rc));
	assert_non_null(strstr(r.err.msg, "Maildir"));
}

static void test_send_email_smtp_refused_connection_retries(void **state)
{
	struct testdb *f = *state;
	struct testdb_job_result r;

	snprintf(f->cfg.email.provider, sizeof(f->cfg.email.provider), "SMTP");
	snprintf(f->cfg.email.smtp.host, sizeof(f->cfg.email.smtp.host),
		 "127.0.0.1");
	snprintf(f->cfg.email.smtp.security, sizeof(f->cfg.email.smtp.security),
		 "None");
	f->cfg.email.smtp.port = 1; /* tcpmux: nobody listens there */
	testdb_run_job(
	    f->db, &f->cfg, NULL, "send_email",
	    "{\"to\": \"a@b.cz\", \"subject\": \"s\", \"text\": \"t\"}", NOW, 0,
	    &r);
	assert_int_equal(r.rc, ERR_TEMP);
	assert_false(job_error_is_final(r.rc));
	assert_non_null(strstr(r.err.msg, "SMTP"));
}

static void test_send_email_type_defaults_come_from_the_config(void **state)
{
	const struct job_type *type = job_type_find(job_registry, "send_email");
	struct testdb *f = *state;

	assert_non_null(type);
	assert_int_equal(type->priority, 10);
	f->cfg.email.retry_count = 5;
	f->cfg.email.retry_delay_seconds = 30;
	assert_int_equal(job_type_max_attempts(type, &f->cfg), 5);
	assert_true(job_type_retry_delay(type, &f->cfg, 1, 500) >= 27000);
	assert_true(job_type_retry_delay(type, &f->cfg, 1, 500) <= 33000);
	assert_true(job_type_retry_delay(type, &f->cfg, 2, 500) >= 54000);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, testdb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_send_email_bad_payload_is_invalid_and_names_the_field),
	    T(test_send_email_maildir_writes_one_message),
	    T(test_send_email_uses_the_recipients_language),
	    T(test_send_email_payload_language_wins),
	    T(test_send_email_unknown_provider_is_invalid),
	    T(test_send_email_maildir_write_failure_is_reported),
	    T(test_send_email_smtp_refused_connection_retries),
	    T(test_send_email_type_defaults_come_from_the_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
