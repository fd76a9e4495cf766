/*
 * test_dashboard_text.c - the dashboard's one catalogue of texts: every key
 * in both languages with the right number of plural forms and the same
 * placeholder; every key the pages use is in it; plurals pick the right
 * Czech form; job results read as words, never as JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/http/dashboard_impl.h"
#include "base/buf.h"
#include "base/err.h"

static int count_char(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* The placeholders of one text: "s" for %s, "l" for %lld, in order; any
 * other '%' use makes it "?". */
static void placeholders(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++) {
		if (*s != '%')
			continue;
		if (!strncmp(s, "%s", 2))
			out[n++] = 's';
		else if (!strncmp(s, "%lld", 4))
			out[n++] = 'l';
		else
			out[n++] = '?';
	}
	out[n] = '\0';
}

/* Every form of a counted text (split at '|') has the same placeholders. */
static void check_forms(const char *key, const char *text, int forms,
			const char *expected)
{
	char copy[512], found[16];
	char *part, *save = NULL;

	if (count_char(text, '|') + 1 != forms)
		fail_msg("'%s': '%s' has %d forms, want %d", key, text,
			 count_char(text, '|') + 1, forms);
	snprintf(copy, sizeof(copy), "%s", text);
	for (part = strtok_r(copy, "|", &save); part;
	     part = strtok_r(NULL, "|", &save)) {
		placeholders(part, found, sizeof(found));
		if (strcmp(found, expected))
			fail_msg("'%s': form '%s' has placeholders '%s', the "
				 "key has '%s'",
				 key, part, found, expected);
	}
}

static void test_every_key_has_both_languages_and_all_forms(void **state)
{
	size_t n, i, j;
	const struct dash_text *t = dash_texts(&n);

	(void)state;
	assert_true(n > 100);
	for (i = 0; i < n; i++) {
		int is_counted = strchr(t[i].key, '|') != NULL;
		char expected[16], first[256];
		if (!t[i].en || !t[i].en[0] || !t[i].cs || !t[i].cs[0])
			fail_msg("'%s' is missing a language", t[i].key);
		for (j = 0; j < i; j++)
			if (!strcmp(t[i].key, t[j].key))
				fail_msg("'%s' is in the catalogue twice",
					 t[i].key);
		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(t[i].key, "|"), t[i].key);
		placeholders(first, expected, sizeof(expected));
		check_forms(t[i].key, t[i].en, is_counted ? 2 : 1, expected);
		check_forms(t[i].key, t[i].cs, is_counted ? 3 : 1, expected);
		if (is_counted && !strchr(expected, 'l'))
			fail_msg("counted text '%s' has no %%lld", t[i].key);
	}
}

static void test_unknown_key_is_not_found_and_comes_back_as_given(void **s)
{
	(void)s;
	assert_null(dash_text_find("cs", "No such text anywhere"));
	assert_string_equal(dash_tl("cs", "No such text anywhere"),
			    "No such text anywhere");
	assert_string_equal(dash_text_find("cs", "Queue"), "Fronta");
	assert_string_equal(dash_text_find("en", "Queue"), "Queue");
}

/* Every string literal inside a call that takes a catalogue key, in every
 * dashboard source file, must be a key (paths like "/queue" and "" are
 * the calls' other arguments). */
static const char *const key_calls[] = {
    "dash_t(",	   "dash_tl(",	   "dash_h2(",	   "dash_muted(",
    "dash_begin(", "dash_chart(", "dash_plural(",
};

static void check_literals(const char *file, const char *args, size_t len)
{
	char key[512];
	size_t i = 0, n = 0;
	int is_in_string = 0, has_key = 0;

	for (i = 0; i <= len; i++) {
		char c = i < len ? args[i] : ')';
		if (is_in_string) {
			if (c == '\\' && i + 1 < len)
				i++; /* no key has an escape */
			else if (c == '"')
				is_in_string = 0, has_key = 1;
			else if (n < sizeof(key) - 1)
				key[n++] = c;
			continue;
		}
		if (c == '"') {
			is_in_string = 1; /* adjacent literals join */
		} else if (!strchr(" \t\n", c) && has_key) {
			key[n] = '\0';
			if (n && key[0] != '/' && !dash_text_find("cs", key))
				fail_msg("%s uses '%s', which the catalogue "
					 "does not have",
					 file, key);
			n = 0, has_key = 0;
		}
	}
}

static void scan_file(const char *path)
{
	FILE *f = fopen(path, "r");
	static char text[200000];
	size_t len, k;
	const char *at;

	if (!f)
		fail_msg("cannot read %s (run from the source tree)", path);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	for (k = 0; k < sizeof(key_calls) / sizeof(key_calls[0]); k++)
		for (at = strstr(text, key_calls[k]); at;
		     at = strstr(at + 1, key_calls[k])) {
			const char *start = at + strlen(key_calls[k]), *end;
			int depth = 1, is_in_string = 0;
			for (end = start; *end && depth; end++) {
				if (is_in_string) {
					if (*end == '\\')
						end++;
					else if (*end == '"')
						is_in_string = 0;
				} else if (*end == '"') {
					is_in_string = 1;
				} else if (*end == '(') {
					depth++;
				} else if (*end == ')') {
					depth--;
				}
			}
			check_literals(path, start, (size_t)(end - 1 - start));
		}
}

static void test_every_key_the_pages_use_is_in_the_catalogue(void **state)
{
	static const char *const files[] = {
	    "src/http/dashboard.c",	     "src/http/dashboard_alerts.c",
	    "src/http/dashboard_box.c",	     "src/http/dashboard_bulk.c",
	    "src/http/dashboard_charts.c",   "src/http/dashboard_format.c",
	    "src/http/dashboard_job.c",	     "src/http/dashboard_jobs.c",
	    "src/http/dashboard_overview.c", "src/http/dashboard_parts.c",
	    "src/http/dashboard_recurring.c", "src/http/dashboard_results.c",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		scan_file(files[i]);
}

static void test_plural_picks_the_czech_and_english_forms(void **state)
{
	static const struct {
		const char *lang;
		long long n;
		const char *out;
	} cases[] = {
	    {"cs", 1, "1 koncept"},   {"cs", 2, "2 koncepty"},
	    {"cs", 4, "4 koncepty"},  {"cs", 5, "5 konceptů"},
	    {"cs", 0, "0 konceptů"},  {"cs", 12, "12 konceptů"},
	    {"en", 1, "1 draft"},     {"en", 0, "0 drafts"},
	    {"en", 3, "3 drafts"},
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dash_plural(cases[i].lang, "%lld draft|%lld drafts", cases[i].n,
			    out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
}

static void test_subst_fills_one_value(void **state)
{
	char out[64];

	(void)state;
	dash_subst("za %s", "2 h", out, sizeof(out));
	assert_string_equal(out, "za 2 h");
	dash_subst("%lld files", "3", out, sizeof(out));
	assert_string_equal(out, "3 files");
	dash_subst("no placeholder", "x", out, sizeof(out));
	assert_string_equal(out, "no placeholder");
}

static void test_results_read_as_words(void **state)
{
	static const struct {
		const char *lang, *type, *json, *out;
	} cases[] = {
	    {"cs", "draft_cleanup",
	     "{\"deleted\":6,\"documents\":0,\"blobs_deleted\":4,"
	     "\"blobs_missing\":0,\"keys_refused\":0}",
	     "Smazáno 6 konceptů a 4 soubory."},
	    {"en", "draft_cleanup",
	     "{\"deleted\":1,\"documents\":2,\"blobs_deleted\":3}",
	     "Deleted 1 draft, 2 documents and 3 files."},
	    {"cs", "weekly_summary_email",
	     "{\"users\":4,\"emails\":3,\"already\":0,\"quiet\":1}",
	     "Odesláno 3 souhrny a 1 uživatel bez aktivity."},
	    {"en", "sync_retry",
	     "{\"applied\":0,\"stale\":0,\"retried\":0,"
	     "\"failed_permanently\":0}",
	     "Nothing to do."},
	    {"cs", "sync_retry", "{\"applied\":0,\"stale\":0}",
	     "Nebylo co dělat."},
	    {"en", "backup", "{\"pages\":10,\"bytes\":1500000,\"removed\":1}",
	     "Backed up 1.5 MB and 1 old copy removed."},
	    {"cs", "backup", "{\"pages\":10,\"bytes\":1500000,\"removed\":0}",
	     "Zálohováno 1,5 MB."},
	    {"en", "send_email", "{\"sent\":1}", "1 email sent."},
	    {"en", "some_new_type", "{\"moved\":3,\"note\":\"<b>\"}",
	     "moved 3, note &lt;b&gt;"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out;
		buf_init(&out, 4096);
		assert_int_equal(dash_describe_result(cases[i].lang,
						      cases[i].type,
						      cases[i].json, &out),
				 0);
		assert_string_equal(buf_str(&out), cases[i].out);
		buf_free(&out);
	}
}

static void test_result_that_is_not_an_object_is_refused(void **state)
{
	static const char *const bad[] = {NULL, "", "not json", "[1,2]", "3"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf out;
		buf_init(&out, 256);
		assert_int_equal(
		    dash_describe_result("en", "noop", bad[i], &out),
		    ERR_NOTFOUND);
		assert_string_equal(buf_str(&out), "");
		buf_free(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key_has_both_languages_and_all_forms),
	    cmocka_unit_test(
		test_unknown_key_is_not_found_and_comes_back_as_given),
	    cmocka_unit_test(
		test_every_key_the_pages_use_is_in_the_catalogue),
	    cmocka_unit_test(test_plural_picks_the_czech_and_english_forms),
	    cmocka_unit_test(test_subst_fills_one_value),
	    cmocka_unit_test(test_results_read_as_words),
	    cmocka_unit_test(test_result_that_is_not_an_object_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
