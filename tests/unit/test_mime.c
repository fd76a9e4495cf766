/*
 * test_mime.c - the MIME builder: header injection refused, addresses,
 * Date format, line lengths, and a round trip through Python's `email`
 * package, an independent parser that decodes what we encode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "mail/mime.h"

#define NOV_28_2026 INT64_C(1795853117000) /* Sat, 28 Nov 2026 08:05:17 */

static struct mime_message sample(void)
{
	struct mime_message m = {
	    .from_address = "noreply@mujdomecek.cz",
	    .from_name = "MujDomecek",
	    .to_address = "jana@example.cz",
	    .to_name = "Jana Nováková",
	    .subject = "Váš týdenní souhrn z MujDomecek",
	    .text = "Dobrý den Jano,\n\nřádek\n",
	    .html = "<p>Dobrý den Jano,</p>\n",
	    .date_ms = NOV_28_2026,
	};
	return m;
}

static char *build(const struct mime_message *m, int *rc, struct err *e)
{
	struct buf out;

	buf_init(&out, 1 << 20);
	err_clear(e);
	*rc = mime_build(m, &out, e);
	return buf_steal(&out);
}

static char *build_ok(const struct mime_message *m)
{
	struct err e;
	int rc;
	char *message = build(m, &rc, &e);

	if (rc)
		fail_msg("mime_build: %s", e.msg);
	return message;
}

/* Parsed back by /usr/bin/python3 with email.policy.default. */
static const char *const python_parse_script =
    "import sys, json, email, email.policy\n"
    "m = email.message_from_binary_file(open(sys.argv[1], \"rb\"),"
    " policy=email.policy.default)\n"
    "def body(kind):\n"
    "    p = m.get_body((kind,))\n"
    "    return p.get_content().replace(\"\\r\\n\", \"\\n\") if p else None\n"
    "f = m[\"from\"].addresses[0]\n"
    "t = m[\"to\"].addresses[0]\n"
    "print(json.dumps({\"subject\": str(m[\"subject\"]),"
    " \"from_name\": f.display_name, \"from\": f.addr_spec,"
    " \"to_name\": t.display_name, \"to\": t.addr_spec,"
    " \"reply_to\": str(m[\"reply-to\"] or \"\"),"
    " \"date\": str(m[\"date\"]), \"type\": m.get_content_type(),"
    " \"text\": body(\"plain\"), \"html\": body(\"html\"),"
    " \"defects\": len(m.defects) + sum(len(p.defects) for p in m.walk())}))\n";

static cJSON *python_parse(const char *message)
{
	char path[] = "/tmp/test_mime_XXXXXX";
	char command[4096], chunk[4096];
	int fd = mkstemp(path);
	FILE *file, *pipe;
	struct buf output;
	cJSON *parsed;
	size_t n;

	assert_true(fd >= 0);
	file = fdopen(fd, "wb");
	assert_non_null(file);
	assert_int_equal(fwrite(message, 1, strlen(message), file),
			 strlen(message));
	fclose(file);
	snprintf(command, sizeof(command), "/usr/bin/python3 -c '%s' %s",
		 python_parse_script, path);
	pipe = popen(command, "r");
	assert_non_null(pipe);
	buf_init(&output, 1 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), pipe)) > 0)
		assert_int_equal(buf_append(&output, chunk, n), 0);
	assert_int_equal(pclose(pipe), 0);
	unlink(path);
	parsed = cJSON_Parse(buf_str(&output));
	if (!parsed)
		fail_msg("python printed: %s", buf_str(&output));
	buf_free(&output);
	return parsed;
}

static const char *field(const cJSON *parsed, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(parsed, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Every line ends in CRLF and is at most 76 characters long. */
static void check_lines(const char *message)
{
	const char *line = message;

	while (*line) {
		const char *lf = strchr(line, '\n');
		assert_non_null(lf);
		if (lf == line || lf[-1] != '\r')
			fail_msg("bare LF after: %.40s", line);
		if (lf - 1 - line > 76)
			fail_msg("line of %d characters: %.*s",
				 (int)(lf - 1 - line), (int)(lf - 1 - line),
				 line);
		line = lf + 1;
	}
}

static void test_mime_round_trips_through_python_email(void **state)
{
	static const char *const subjects[] = {
	    "Váš týdenní souhrn z MujDomecek",
	    "Plain ASCII subject",
	    ("Rozpracovaný záznam „Oprava střechy a výměna oken v podkroví"
	     " rodinného domu“ bude brzy smazán – zbývají 3 dny, žluťoučký"
	     " kůň úpěl ďábelské ódy 📊👥⚠️"),
	    ("A long plain ASCII subject that has to be folded over more"
	     " than one header line because it is long, really long"),
	    "Looks like =?UTF-8?B?encoded?= but is not",
	    "  spaced  out ",
	    "",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct mime_message m = sample();
		char *message;
		cJSON *parsed;

		m.subject = subjects[i];
		m.from_name = i % 2 ? "Tým \"MujDomeček\"" : "MujDomecek";
		m.reply_to = "podpora@mujdomecek.cz";
		message = build_ok(&m);
		check_lines(message);
		parsed = python_parse(message);
		assert_string_equal(field(parsed, "subject"), subjects[i]);
		assert_string_equal(field(parsed, "from_name"), m.from_name);
		assert_string_equal(field(parsed, "from"), m.from_address);
		assert_string_equal(field(parsed, "to_name"), m.to_name);
		assert_string_equal(field(parsed, "to"), m.to_address);
		assert_string_equal(field(parsed, "reply_to"), m.reply_to);
		assert_string_equal(field(parsed, "type"),
				    "multipart/alternative");
		assert_string_equal(field(parsed, "text"), m.text);
		assert_string_equal(field(parsed, "html"), m.html);
		assert_int_equal(
		    cJSON_GetObjectItem(parsed, "defects")->valueint, 0);
		cJSON_Delete(parsed);
		free(message);
	}
}

static void test_mime_encoded_words_stay_within_75_characters(void **state)
{
	struct mime_message m = sample();
	char *message, *p;
	int words = 0;
	(void)state;

	m.subject = "Příliš žluťoučký kůň úpěl ďábelské ódy. Příliš žluťoučký "
		    "kůň úpěl ďábelské ódy. Příliš žluťoučký kůň úpěl ódy.";
	message = build_ok(&m);
	for (p = strstr(message, "=?UTF-8?"); p;
	     p = strstr(p + 1, "=?UTF-8?")) {
		char *end = strstr(p, "?=");
		assert_non_null(end);
		if (end + 2 - p > 75)
			fail_msg("encoded-word of %d chars",
				 (int)(end + 2 - p));
		words++;
	}
	assert_true(words >= 3);
	free(message);
}

static void test_mime_long_body_lines_wrap_and_decode(void **state)
{
	struct mime_message m = sample();
	struct buf text;
	char *message;
	cJSON *parsed;
	(void)state;

	buf_init(&text, 1 << 16);
	for (int i = 0; i < 40; i++)
		buf_puts(&text, "Dlouhý řádek = bez konce ");
	buf_puts(&text, "\r\n.tečka na začátku\nFrom the start\ntabs\t\t\n"
			"trailing space \n\nkonec");
	m.text = buf_str(&text);
	m.html = NULL;
	message = build_ok(&m);
	check_lines(message);
	assert_null(strstr(message, "multipart"));
	assert_non_null(strstr(message, "\r\nContent-Type: text/plain; "
					"charset=UTF-8\r\n"));
	assert_non_null(strstr(message, "\r\nContent-Transfer-Encoding: "
					"quoted-printable\r\n"));
	assert_non_null(strstr(message, "=\r\n"));
	parsed = python_parse(message);
	assert_string_equal(field(parsed, "type"), "text/plain");
	{
		struct buf expected;
		buf_init(&expected, 1 << 16);
		for (int i = 0; i < 40; i++)
			buf_puts(&expected, "Dlouhý řádek = bez konce ");
		buf_puts(&expected, "\n.tečka na začátku\nFrom the start\n"
				    "tabs\t\t\ntrailing space \n\nkonec\n");
		assert_string_equal(field(parsed, "text"), buf_str(&expected));
		buf_free(&expected);
	}
	cJSON_Delete(parsed);
	free(message);
	buf_free(&text);
}

static void test_mime_line_break_in_any_header_is_refused(void **state)
{
	static const char *const headers[] = {
	    "From address", "From name", "To address", "To name",
	    "Reply-To",	    "Subject",	 "Message-ID",
	};
	static const char *const evil[] = {"x\r\nBcc: a@b.c", "x\nBcc: a@b.c",
					   "x\rBcc: a@b.c"};
	(void)state;

	for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
		for (size_t v = 0; v < 3; v++) {
			struct mime_message m = sample();
			const char **slot[] = {&m.from_address, &m.from_name,
					       &m.to_address,	&m.to_name,
					       &m.reply_to,	&m.subject,
					       &m.message_id};
			char expected[128];
			struct err e;
			int rc;
			char *message;

			*slot[h] = evil[v];
			message = build(&m, &rc, &e);
			snprintf(
			    expected, sizeof(expected),
			    "email header %s "
			    "contains a line break (CR or LF); refusing it",
			    headers[h]);
			assert_int_equal(rc, ERR_INVALID);
			assert_string_equal(e.msg, expected);
			assert_string_equal(message, "");
			free(message);
		}
	}
}

static void test_mime_header_is_safe_only_without_cr_or_lf(void **state)
{
	(void)state;
	assert_true(mime_header_is_safe("Váš souhrn: 3 <x> \"y\""));
	assert_true(mime_header_is_safe(""));
	assert_true(mime_header_is_safe(NULL));
	assert_false(mime_header_is_safe("a\r\nb"));
	assert_false(mime_header_is_safe("a\nb"));
	assert_false(mime_header_is_safe("a\r"));
}

static void test_mime_address_validation_is_minimal(void **state)
{
	static const struct {
		const char *address;
		int is_valid;
	} cases[] = {
	    {"jana@example.cz", 1},
	    {"jana.novakova+tag@sub.example.cz", 1},
	    {"root@localhost", 1},
	    {"", 0},
	    {"jana", 0},
	    {"@example.cz", 0},
	    {"jana@", 0},
	    {"ja@na@example.cz", 0},
	    {"ja na@example.cz", 0},
	    {"jana@example.cz ", 0},
	    {"<jana@example.cz>", 0},
	    {"jana@example.cz>", 0},
	    {"jana@example.cz,eve@evil.cz", 0},
	    {"jana@example.cz;eve@evil.cz", 0},
	    {"\"jana\"@example.cz", 0},
	    {"jana@exa\tmple.cz", 0},
	    {NULL, 0},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (mime_address_valid(cases[i].address) != cases[i].is_valid)
			fail_msg("'%s' should be %s", cases[i].address,
				 cases[i].is_valid ? "valid" : "invalid");
}

static void test_mime_invalid_or_missing_fields_are_refused(void **state)
{
	struct {
		struct mime_message m;
		const char *message;
	} cases[] = {
	    {sample(), "email header From: 'not an address' is not a valid "
		       "address (one @, no spaces, no <>)"},
	    {sample(), "email header To: '' is not a valid address"},
	    {sample(), "email header Reply-To: 'a<b@c>' is not a valid"},
	    {sample(), "email has no subject"},
	    {sample(), "email has no text body"},
	    {sample(), "email header Message-ID: 'a b@c' has blanks"},
	};
	(void)state;

	cases[0].m.from_address = "not an address";
	cases[1].m.to_address = NULL;
	cases[2].m.reply_to = "a<b@c>";
	cases[3].m.subject = NULL;
	cases[4].m.text = NULL;
	cases[5].m.message_id = "a b@c";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e;
		int rc;
		char *message = build(&cases[i].m, &rc, &e);
		if (rc != ERR_INVALID || !strstr(e.msg, cases[i].message))
			fail_msg("case %zu: rc %d '%s'", i, rc, e.msg);
		free(message);
	}
}

static void test_mime_date_header_is_rfc5322_utc(void **state)
{
	static const struct {
		int64_t ms;
		const char *header;
	} cases[] = {
	    {NOV_28_2026, "Date: Sat, 28 Nov 2026 08:05:17 +0000\r\n"},
	    {NOV_28_2026 + 999, "Date: Sat, 28 Nov 2026 08:05:17 +0000\r\n"},
	    {0, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"},
	    {-1, "Date: Wed, 31 Dec 1969 23:59:59 +0000\r\n"},
	    {INT64_C(1709251199000),
	     "Date: Thu, 29 Feb 2024 23:59:59 +0000\r\n"},
	    {INT64_C(4102444800000),
	     "Date: Fri, 01 Jan 2100 00:00:00 +0000\r\n"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mime_message m = sample();
		char *message;

		m.date_ms = cases[i].ms;
		message = build_ok(&m);
		if (strncmp(message, cases[i].header, strlen(cases[i].header)))
			fail_msg("got %.45s, want %s", message,
				 cases[i].header);
		free(message);
	}
}

static const char *header_value(const char *message, const char *name,
				char *out, size_t size)
{
	const char *p = strstr(message, name);

	assert_non_null(p);
	p += strlen(name);
	snprintf(out, size, "%.*s", (int)strcspn(p, "\r"), p);
	return out;
}

static void test_mime_message_id_is_random_at_sender_domain(void **state)
{
	struct mime_message m = sample();
	char first[128], second[128], given[128];
	char *a, *b, *c, *d;
	size_t len;
	(void)state;

	a = build_ok(&m);
	b = build_ok(&m);
	header_value(a, "\r\nMessage-ID: ", first, sizeof(first));
	header_value(b, "\r\nMessage-ID: ", second, sizeof(second));
	len = strlen(first);
	assert_int_equal(len, 1 + 32 + strlen("@mujdomecek.cz>"));
	assert_int_equal(first[0], '<');
	assert_int_equal(strspn(first + 1, "0123456789abcdef"), 32);
	assert_string_equal(first + 33, "@mujdomecek.cz>");
	assert_string_not_equal(first, second);
	assert_non_null(strstr(a, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(a, "boundary=\"=_"));
	header_value(a, "boundary=\"", first, sizeof(first));
	header_value(b, "boundary=\"", second, sizeof(second));
	assert_string_not_equal(first, second);

	m.message_id = "job-42@domecek";
	c = build_ok(&m);
	assert_string_equal(
	    header_value(c, "\r\nMessage-ID: ", given, sizeof(given)),
	    "<job-42@domecek>");
	m.message_id = "<job-43@domecek>";
	d = build_ok(&m);
	assert_string_equal(
	    header_value(d, "\r\nMessage-ID: ", given, sizeof(given)),
	    "<job-43@domecek>");
	free(a);
	free(b);
	free(c);
	free(d);
}

static void test_mime_plain_ascii_headers_are_not_encoded(void **state)
{
	struct mime_message m = sample();
	char *message;
	(void)state;

	m.subject = "Your weekly summary";
	m.to_name = "Jana";
	message = build_ok(&m);
	assert_non_null(
	    strstr(message, "\r\nSubject: Your weekly summary\r\n"));
	assert_non_null(strstr(message, "\r\nFrom: \"MujDomecek\" "
					"<noreply@mujdomecek.cz>\r\n"));
	assert_non_null(
	    strstr(message, "\r\nTo: \"Jana\" <jana@example.cz>\r\n"));
	assert_null(strstr(message, "=?"));
	free(message);

	m.to_name = NULL;
	m.from_name = "";
	message = build_ok(&m);
	assert_non_null(
	    strstr(message, "\r\nFrom: <noreply@mujdomecek.cz>\r\n"));
	assert_non_null(strstr(message, "\r\nTo: <jana@example.cz>\r\n"));
	free(message);
}

static void test_mime_output_cap_is_too_big_error(void **state)
{
	struct mime_message m = sample();
	struct buf out;
	struct err e;
	(void)state;

	buf_init(&out, 200);
	assert_int_equal(mime_build(&m, &out, &e), ERR_TOOBIG);
	assert_string_equal(e.msg, "email message is larger than its limit "
				   "of 200 bytes");
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mime_round_trips_through_python_email),
	    cmocka_unit_test(test_mime_encoded_words_stay_within_75_characters),
	    cmocka_unit_test(test_mime_long_body_lines_wrap_and_decode),
	    cmocka_unit_test(test_mime_line_break_in_any_header_is_refused),
	    cmocka_unit_test(test_mime_header_is_safe_only_without_cr_or_lf),
	    cmocka_unit_test(test_mime_address_validation_is_minimal),
	    cmocka_unit_test(test_mime_invalid_or_missing_fields_are_refused),
	    cmocka_unit_test(test_mime_date_header_is_rfc5322_utc),
	    cmocka_unit_test(test_mime_message_id_is_random_at_sender_domain),
	    cmocka_unit_test(test_mime_plain_ascii_headers_are_not_encoded),
	    cmocka_unit_test(test_mime_output_cap_is_too_big_error),
	};
	return cmocka_run_group_tests_name("mime", tests, NULL, NULL);
}
