/*
 * test_html.c - every special character leaves html_text() as an entity,
 * so values from jobs (errors, payloads) can never become markup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "http/html.h"

static void test_html_text_escapes_all_special_characters(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain", "plain"},
		{"", ""},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"a & b", "a &amp; b"},
		{"\"quoted\" 'single'", "&quot;quoted&quot; &#39;single&#39;"},
		{"\" onmouseover=\"x", "&quot; onmouseover=&quot;x"},
		{"&amp;", "&amp;amp;"},
		{"žluťoučký kůň", "žluťoučký kůň"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out;
		buf_init(&out, 1024);
		assert_int_equal(html_text(&out, cases[i].in), 0);
		assert_string_equal(buf_str(&out), cases[i].out);
		buf_free(&out);
	}
}

static void test_html_text_null_appends_nothing(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, 16);
	assert_int_equal(html_text(&out, NULL), 0);
	assert_string_equal(buf_str(&out), "");
	buf_free(&out);
}

static void test_html_text_len_drops_nul_bytes(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, 16);
	assert_int_equal(html_text_len(&out, "a\0<b", 4), 0);
	assert_string_equal(buf_str(&out), "a&lt;b");
	buf_free(&out);
}

static void test_html_text_reports_cap(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, 8);
	assert_int_equal(html_text(&out, "<<<<"), ERR_TOOBIG);
	buf_free(&out);
}

static void test_html_textf_escapes_formatted_text(void **state)
{
	struct buf out;
	char big[600];

	(void)state;
	buf_init(&out, 1024);
	assert_int_equal(html_textf(&out, "%s #%d", "<b>", 7), 0);
	assert_string_equal(buf_str(&out), "&lt;b&gt; #7");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(html_textf(&out, "%s", big), ERR_TOOBIG);
	buf_free(&out);
}

static void test_html_url_encode_keeps_unreserved_only(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, 128);
	assert_int_equal(html_url_encode(&out, "Draft Cleanup/\"x\"?a=b&c~._-"), 0);
	assert_string_equal(buf_str(&out), "Draft%20Cleanup%2F%22x%22%3Fa%3Db%26c~._-");
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_text_escapes_all_special_characters),
		cmocka_unit_test(test_html_text_null_appends_nothing),
		cmocka_unit_test(test_html_text_len_drops_nul_bytes),
		cmocka_unit_test(test_html_text_reports_cap),
		cmocka_unit_test(test_html_textf_escapes_formatted_text),
		cmocka_unit_test(test_html_url_encode_keeps_unreserved_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
