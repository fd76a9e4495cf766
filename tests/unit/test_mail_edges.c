/*
 * test_mail_edges.c - how a failed delivery is told (issue 17, item 16):
 * an SMTP authentication refusal (535, 534, curl's LOGIN_DENIED) says
 * "authentication failed" and names the keys to check, and is final; a
 * refused message still says "refused the message".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/err.h"
#include "mail/mail.h"

static void test_smtp_authentication_failure_is_named(void **state)
{
	static const struct {
		CURLcode result;
		long code;
		const char *reply;
		int rc;
		const char *says;
	} cases[] = {
	    {CURLE_LOGIN_DENIED, 535, "535 5.7.8 Authentication credentials invalid", ERR_FATAL,
	     "SMTP authentication failed: check Email.Smtp.Username and Email.Smtp.Password "
	     "(535 5.7.8 Authentication credentials invalid)"},
	    {CURLE_LOGIN_DENIED, 0, NULL, ERR_FATAL, "SMTP authentication failed"},
	    {CURLE_LOGIN_DENIED, 534, "534 5.7.9 Authentication mechanism is too weak", ERR_FATAL,
	     "SMTP authentication failed"},
	    {CURLE_SEND_ERROR, 550, "550 5.1.1 User unknown", ERR_FATAL,
	     "SMTP server refused the message: 550 5.1.1 User unknown"},
	    {CURLE_SEND_ERROR, 450, "450 4.2.0 Mailbox busy", ERR_TEMP, "deferred"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		int rc = mail_classify_smtp(cases[i].result, cases[i].code, cases[i].reply, "", &e);

		if (rc != cases[i].rc || !strstr(e.msg, cases[i].says))
			fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc, e.msg, cases[i].says);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_smtp_authentication_failure_is_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
