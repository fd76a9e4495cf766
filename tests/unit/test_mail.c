/*
 * test_mail.c - the mail transports: what a transfer's outcome means for a
 * retry (table of SMTP and HTTP cases), the Maildir write (all or nothing,
 * the directories made, refusals), provider names, and transfers that
 * cannot be prepared or cannot connect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "config/config.h"
#include "base/err.h"
#include "mail/mail.h"
#include "testdb.h"

struct classify_case {
	CURLcode result;
	long code;
	const char *reply;
	int expected;
	const char *in_message;
};

static void test_mail_smtp_refusals_are_fatal_and_deferrals_retry(void **state)
{
	static const struct classify_case cases[] = {
	    {CURLE_OK, 250, NULL, 0, NULL},
	    {CURLE_OK, 0, NULL, 0, NULL},
	    {CURLE_RECV_ERROR, 550, "550 5.1.1 User unknown", ERR_FATAL,
	     "550 5.1.1 User unknown"},
	    {CURLE_RECV_ERROR, 553, "553 5.1.3 Bad recipient address syntax",
	     ERR_FATAL, "553 5.1.3"},
	    {CURLE_LOGIN_DENIED, 535, "535 5.7.8 Authentication failed",
	     ERR_FATAL, "535 5.7.8"},
	    {CURLE_RECV_ERROR, 450, "450 4.2.0 Mailbox busy", ERR_TEMP,
	     "450 4.2.0"},
	    {CURLE_RECV_ERROR, 421, "421 Service not available", ERR_TEMP,
	     "421"},
	    {CURLE_COULDNT_CONNECT, 0, NULL, ERR_TEMP, "SMTP: "},
	    {CURLE_OPERATION_TIMEDOUT, 0, NULL, ERR_TEMP, "SMTP: "},
	    {CURLE_COULDNT_RESOLVE_HOST, 0, NULL, ERR_TEMP, "SMTP: "},
	    {CURLE_USE_SSL_FAILED, 0, NULL, ERR_FATAL, "Email.Smtp.Security"},
	    {CURLE_PEER_FAILED_VERIFICATION, 0, NULL, ERR_FATAL, "SMTP: "},
	    {CURLE_URL_MALFORMAT, 0, NULL, ERR_FATAL, "SMTP: "},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct err e = {0};
		int rc = mail_classify_smtp(cases[i].result, cases[i].code,
					    cases[i].reply, NULL, &e);
		if (rc != cases[i].expected)
			fail_msg("case %zu: expected %d, got %d (%s)", i,
				 cases[i].expected, rc, e.msg);
		if (cases[i].in_message && !strstr(e.msg, cases[i].in_message))
			fail_msg("case %zu: '%s' not in '%s'", i,
				 cases[i].in_message, e.msg);
	}
}

static void test_mail_http_4xx_is_fatal_but_429_and_5xx_retry(void **state)
{
	static const struct classify_case cases[] = {
	    {CURLE_OK, 200, "", 0, NULL},
	    {CURLE_OK, 202, "", 0, NULL},
	    {CURLE_OK, 400, "{\"errors\":\"bad from\"}", ERR_FATAL,
	     "HTTP 400: {\"errors\""},
	    {CURLE_OK, 401, "unauthorized\r\nline", ERR_FATAL,
	     "unauthorized  line"},
	    {CURLE_OK, 404, "", ERR_FATAL, "HTTP 404"},
	    {CURLE_OK, 429, "slow down", ERR_TEMP, "HTTP 429: slow down"},
	    {CURLE_OK, 500, "", ERR_TEMP, "HTTP 500"},
	    {CURLE_OK, 503, "", ERR_TEMP, "HTTP 503"},
	    {CURLE_COULDNT_CONNECT, 0, NULL, ERR_TEMP, "SendGrid: "},
	    {CURLE_OPERATION_TIMEDOUT, 0, NULL, ERR_TEMP, "SendGrid: "},
	    {CURLE_UNSUPPORTED_PROTOCOL, 0, NULL, ERR_FATAL, "SendGrid: "},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct err e = {0};
		int rc =
		    mail_classify_http("SendGrid", cases[i].result,
				       cases[i].code, cases[i].reply, NULL, &e);
		if (rc != cases[i].expected)
			fail_msg("case %zu: expected %d, got %d (%s)", i,
				 cases[i].expected, rc, e.msg);
		if (cases[i].in_message && !strstr(e.msg, cases[i].in_message))
			fail_msg("case %zu: '%s' not in '%s'", i,
				 cases[i].in_message, e.msg);
	}
}

static void
test_mail_curl_error_text_is_used_when_there_is_no_reply(void **state)
{
	struct err e = {0};

	(void)state;
	assert_int_equal(
	    mail_classify_smtp(CURLE_COULDNT_CONNECT, 0, NULL,
			       "Failed to connect to 127.0.0.1 port 1", &e),
	    ERR_TEMP);
	assert_non_null(strstr(e.msg, "Failed to connect to 127.0.0.1 port 1"));
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *entry;
	int n = 0;

	if (!d)
		return -1;
	while ((entry = readdir(d)) != NULL)
		n += entry->d_name[0] != '.';
	closedir(d);
	return n;
}

static void read_file(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void test_mail_maildir_writes_into_new_and_leaves_tmp_empty(void **state)
{
	char dir[256], root[300], path[512], sub[400], text[64];
	struct err e = {0};

	(void)state;
	assert_int_equal(testdb_tempdir(dir, sizeof(dir)), 0);
	snprintf(root, sizeof(root), "%s/var/mail", dir);
	assert_int_equal(mail_maildir_deliver(root, "1.J7A1_x.host",
					      "Subject: a\r\n\r\nb", 15, path,
					      sizeof(path), &e),
			 0);
	snprintf(sub, sizeof(sub), "%s/new/1.J7A1_x.host.eml", root);
	assert_string_equal(path, sub);
	read_file(path, text, sizeof(text));
	assert_string_equal(text, "Subject: a\r\n\r\nb");
	snprintf(sub, sizeof(sub), "%s/tmp", root);
	assert_int_equal(count_files(sub), 0);
	snprintf(sub, sizeof(sub), "%s/cur", root);
	assert_int_equal(count_files(sub), 0);
	snprintf(sub, sizeof(sub), "%s/new", root);
	assert_int_equal(count_files(sub), 1);
	testdb_rmrf(dir);
}

static void test_mail_maildir_refuses_names_that_are_paths(void **state)
{
	static const char *const names[] = {"", "a/b", "../x", ".hidden"};
	char dir[256];

	(void)state;
	assert_int_equal(testdb_tempdir(dir, sizeof(dir)), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		struct err e = {0};
		assert_int_equal(
		    mail_maildir_deliver(dir, names[i], "x", 1, NULL, 0, &e),
		    ERR_INVALID);
		assert_non_null(strstr(e.msg, "not a file name"));
	}
	testdb_rmrf(dir);
}

static void test_mail_maildir_reports_an_unusable_root(void **state)
{
	char dir[256], root[300];
	struct err e = {0};
	FILE *f;

	(void)state;
	assert_int_equal(testdb_tempdir(dir, sizeof(dir)), 0);
	snprintf(root, sizeof(root), "%s/file", dir);
	f = fopen(root, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(mail_maildir_deliver(root, "m1", "x", 1, NULL, 0, &e),
			 ERR_IO);
	assert_non_null(strstr(e.msg, "Maildir"));
	testdb_rmrf(dir);
}

/* A file of the same name in tmp/ is what a killed attempt of the same
 * job left: it is replaced, and tmp/ ends empty. */
static void test_mail_maildir_replaces_a_stale_file_in_tmp(void **state)
{
	char dir[256], sub[300], text[8];
	struct err e = {0};
	FILE *f;

	(void)state;
	assert_int_equal(testdb_tempdir(dir, sizeof(dir)), 0);
	assert_int_equal(
	    mail_maildir_deliver(dir, "first", "x", 1, NULL, 0, &e), 0);
	snprintf(sub, sizeof(sub), "%s/tmp/busy", dir);
	f = fopen(sub, "w");
	assert_non_null(f);
	fputs("half a message", f);
	fclose(f);
	assert_int_equal(mail_maildir_deliver(dir, "busy", "y", 1, NULL, 0, &e),
			 0);
	snprintf(sub, sizeof(sub), "%s/new/busy.eml", dir);
	read_file(sub, text, sizeof(text));
	assert_string_equal(text, "y");
	snprintf(sub, sizeof(sub), "%s/tmp", dir);
	assert_int_equal(count_files(sub), 0);
	testdb_rmrf(dir);
}

static void touch(const char *dir, const char *sub, const char *name)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

/* Delivered already (new/, or cur/ with a reader's flags): not again. */
static void test_mail_maildir_deliver_once_finds_a_delivered_file(void **state)
{
	static const struct {
		const char *sub, *name;
		int was_delivered;
	} cases[] = {
	    {"new", "abc.J7.eml", 1},
	    {"cur", "abc.J7.eml:2,S", 1},
	    {"cur", "abc.J7.eml", 1},
	    {"new", "abc.J70.eml", 0}, /* another job */
	    {"tmp", "abc.J7", 0},      /* never renamed: deliver */
	};
	char dir[256], sub[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct err e = {0};
		int was_delivered = -1;

		assert_int_equal(testdb_tempdir(dir, sizeof(dir)), 0);
		assert_int_equal(mail_maildir_deliver(dir, "other", "x", 1,
						      NULL, 0, &e),
				 0);
		touch(dir, cases[i].sub, cases[i].name);
		assert_int_equal(mail_maildir_deliver_once(dir, "abc.J7", "m",
							   1, &was_delivered,
							   &e),
				 0);
		assert_int_equal(was_delivered, cases[i].was_delivered);
		snprintf(sub, sizeof(sub), "%s/new", dir);
		assert_int_equal(count_files(sub),
				 1 + (strcmp(cases[i].sub, "new") == 0) +
				     !cases[i].was_delivered);
		testdb_rmrf(dir);
	}
}

static void test_mail_maildir_sweep_removes_stale_tmp_files(void **state)
{
	char dir[256], sub[300], path[600];
	struct err e = {0};
	int removed = -1;

	(void)state;
	assert_int_equal(testdb_tempdir(dir, sizeof(dir)), 0);
	assert_int_equal(mail_maildir_deliver(dir, "m", "x", 1, NULL, 0, &e),
			 0);
	touch(dir, "tmp", "abc.J1");	  /* ours: stale at start */
	touch(dir, "tmp", "abc.J2");	  /* ours */
	touch(dir, "tmp", "young.other"); /* another program's, just now */
	touch(dir, "tmp", "old.other");	  /* another program's, 2 days */
	snprintf(path, sizeof(path), "%s/tmp/old.other", dir);
	assert_int_equal(
	    utime(path, &(struct utimbuf){.actime = 1000, .modtime = 1000}), 0);
	assert_int_equal(mail_maildir_sweep_tmp(dir, "abc.",
						(int64_t)time(NULL) * 1000,
						&removed, &e),
			 0);
	assert_int_equal(removed, 3);
	snprintf(sub, sizeof(sub), "%s/tmp", dir);
	assert_int_equal(count_files(sub), 1);
	snprintf(path, sizeof(path), "%s/tmp/young.other", dir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(sub, sizeof(sub), "%s/nothing", dir);
	assert_int_equal(mail_maildir_sweep_tmp(sub, "abc.", 0, &removed, &e),
			 0);
	assert_int_equal(removed, 0);
	testdb_rmrf(dir);
}

static void test_mail_provider_names_round_trip(void **state)
{
	static const char *const names[] = {"Maildir", "SMTP", "SendGrid",
					    "Mailgun"};
	struct config cfg;
	struct err e = {0};
	enum mail_provider p;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(mail_provider_of(&cfg, &p, &e), 0);
	assert_int_equal(p, MAIL_MAILDIR);
	for (int i = 0; i < 4; i++) {
		snprintf(cfg.email.provider, sizeof(cfg.email.provider), "%s",
			 names[i]);
		assert_int_equal(mail_provider_of(&cfg, &p, &e), 0);
		assert_string_equal(mail_provider_name(p), names[i]);
	}
	snprintf(cfg.email.provider, sizeof(cfg.email.provider), "Pigeon");
	assert_int_equal(mail_provider_of(&cfg, &p, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "Email.Provider: 'Pigeon'"));
}

static const struct mail_message message = {
    .from_address = "noreply@mujdomecek.cz",
    .to_address = "jana@example.cz",
    .subject = "Ahoj",
    .text = "text",
    .mime = "Subject: Ahoj\r\n\r\ntext\r\n",
    .mime_len = 23,
};

static void test_mail_transfer_refuses_settings_that_cannot_work(void **state)
{
	struct {
		const char *provider;
		const char *in_message;
	} cases[] = {
	    {"Maildir", "needs no transfer"},
	    {"SMTP", "Email.Smtp.Host is empty"},
	    {"SendGrid", "Email.SendGrid.ApiKey"},
	    {"Mailgun", "Email.Mailgun.Domain and ApiKey"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mail_transfer *t = (struct mail_transfer *)1;
		struct config cfg;
		struct err e = {0};
		enum mail_provider p;

		config_defaults(&cfg);
		cfg.email.smtp.host[0] = '\0';
		snprintf(cfg.email.provider, sizeof(cfg.email.provider), "%s",
			 cases[i].provider);
		assert_int_equal(mail_provider_of(&cfg, &p, &e), 0);
		assert_int_equal(mail_transfer_new(&cfg, p, &message, &t, &e),
				 ERR_INVALID);
		assert_null(t);
		if (!strstr(e.msg, cases[i].in_message))
			fail_msg("%s: '%s' not in '%s'", cases[i].provider,
				 cases[i].in_message, e.msg);
	}
}

/* A loopback port nobody listens on: bound, then closed. */
static int closed_port(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	port = ntohs(addr.sin_port);
	close(fd);
	return port;
}

static void test_mail_refused_connection_is_temporary(void **state)
{
	static const char *const providers[] = {"SMTP", "SendGrid", "Mailgun"};
	(void)state;
	for (int i = 0; i < 3; i++) {
		struct mail_transfer *t = NULL;
		struct config cfg;
		struct err e = {0};
		enum mail_provider p;
		int port = closed_port();
		CURLcode result;

		config_defaults(&cfg);
		snprintf(cfg.email.provider, sizeof(cfg.email.provider), "%s",
			 providers[i]);
		snprintf(cfg.email.smtp.host, sizeof(cfg.email.smtp.host),
			 "127.0.0.1");
		snprintf(cfg.email.smtp.security,
			 sizeof(cfg.email.smtp.security), "None");
		cfg.email.smtp.port = port;
		snprintf(cfg.email.sendgrid.api_key,
			 sizeof(cfg.email.sendgrid.api_key), "k");
		snprintf(cfg.email.sendgrid.base_url,
			 sizeof(cfg.email.sendgrid.base_url),
			 "http://127.0.0.1:%d/", port);
		snprintf(cfg.email.mailgun.api_key,
			 sizeof(cfg.email.mailgun.api_key), "k");
		snprintf(cfg.email.mailgun.domain,
			 sizeof(cfg.email.mailgun.domain), "mg.cz");
		snprintf(cfg.email.mailgun.base_url,
			 sizeof(cfg.email.mailgun.base_url),
			 "http://127.0.0.1:%d", port);
		assert_int_equal(mail_provider_of(&cfg, &p, &e), 0);
		assert_int_equal(mail_transfer_new(&cfg, p, &message, &t, &e),
				 0);
		result = curl_easy_perform(mail_transfer_easy(t));
		assert_int_equal(result, CURLE_COULDNT_CONNECT);
		assert_int_equal(mail_transfer_result(t, result, &e), ERR_TEMP);
		if (!strstr(e.msg, providers[i]))
			fail_msg("'%s' not in '%s'", providers[i], e.msg);
		mail_transfer_free(t);
	}
}

/* Callers free whatever mail_transfer_new() left in *out from one cleanup
 * label, whether it succeeded or not: a refused transfer leaves NULL there
 * (and freeing NULL does nothing), a prepared one that never ran is freed
 * whole (ASan and valgrind see a leak). */
static void test_mail_transfer_free_null_is_a_noop(void **state)
{
	static const struct {
		const char *provider;
		int expected;
	} cases[] = {{"Maildir", ERR_INVALID}, {"SMTP", 0}, {"SendGrid", 0}};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mail_transfer *t = (struct mail_transfer *)1;
		struct config cfg;
		struct err e = {0};
		enum mail_provider p;

		config_defaults(&cfg);
		snprintf(cfg.email.provider, sizeof(cfg.email.provider), "%s",
			 cases[i].provider);
		snprintf(cfg.email.sendgrid.api_key,
			 sizeof(cfg.email.sendgrid.api_key), "k");
		assert_int_equal(mail_provider_of(&cfg, &p, &e), 0);
		assert_int_equal(mail_transfer_new(&cfg, p, &message, &t, &e),
				 cases[i].expected);
		if (cases[i].expected != 0)
			assert_null(t);
		else
			assert_non_null(mail_transfer_easy(t));
		mail_transfer_free(t);
	}
	mail_transfer_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_mail_smtp_refusals_are_fatal_and_deferrals_retry),
	    cmocka_unit_test(test_mail_http_4xx_is_fatal_but_429_and_5xx_retry),
	    cmocka_unit_test(
		test_mail_curl_error_text_is_used_when_there_is_no_reply),
	    cmocka_unit_test(
		test_mail_maildir_writes_into_new_and_leaves_tmp_empty),
	    cmocka_unit_test(test_mail_maildir_refuses_names_that_are_paths),
	    cmocka_unit_test(test_mail_maildir_reports_an_unusable_root),
	    cmocka_unit_test(test_mail_maildir_replaces_a_stale_file_in_tmp),
	    cmocka_unit_test(test_mail_maildir_deliver_once_finds_a_delivered_file),
	    cmocka_unit_test(test_mail_maildir_sweep_removes_stale_tmp_files),
	    cmocka_unit_test(test_mail_provider_names_round_trip),
	    cmocka_unit_test(
		test_mail_transfer_refuses_settings_that_cannot_work),
	    cmocka_unit_test(test_mail_refused_connection_is_temporary),
	    cmocka_unit_test(test_mail_transfer_free_null_is_a_noop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
