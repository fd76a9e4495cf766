/*
 * test_template.c - the template language (every directive, every error
 * with its message, HTML escaping) and every compiled-in email template in
 * both languages with sample data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assets.h"
#include "base/buf.h"
#include "base/err.h"
#include "mail/template.h"

static const char *const sample_data =
    "{\"name\": \"Jana\", \"n\": 3, \"zero\": 0, \"half\": 1.5,"
    " \"big\": 1234567890123, \"neg\": -2, \"yes\": true, \"no\": false,"
    " \"nothing\": null, \"empty\": \"\", \"none\": [], \"blank\": {},"
    " \"word\": \"abc\", \"user\": {\"name\": \"Petr\", \"address\":"
    " {\"city\": \"Brno\"}}, \"tags\": [\"a\", \"b\", \"c\"],"
    " \"items\": [{\"property\": \"Chalupa\", \"count\": 2},"
    "            {\"property\": \"Byt\", \"count\": 1, \"name\": \"Eva\"}],"
    " \"rows\": [{\"cells\": [1, 2]}, {\"cells\": [3]}],"
    " \"czech\": \"Příliš žluťoučký kůň úpěl ďábelské ódy\","
    " \"xss\": \"<script>alert('x')</script> & \\\"q\\\"\"}";

struct render_case {
	const char *source;
	enum template_escape escape;
	const char *expected;
};

static char *render(const char *source, enum template_escape escape,
		    const char *json, size_t cap, int *rc, struct err *e)
{
	cJSON *data = cJSON_Parse(json);
	struct buf out;

	assert_non_null(data);
	buf_init(&out, cap);
	err_clear(e);
	*rc = template_render(source, data, escape, &out, e);
	cJSON_Delete(data);
	return buf_steal(&out);
}

static void check_renders(const struct render_case *cases, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct err e;
		int rc;
		char *got = render(cases[i].source, cases[i].escape,
				   sample_data, 1 << 20, &rc, &e);
		if (rc || !got || strcmp(got, cases[i].expected) != 0)
			fail_msg(
			    "case %zu '%s': rc %d (%s), got '%s', want '%s'", i,
			    cases[i].source, rc, e.msg, got, cases[i].expected);
		free(got);
	}
}

static void test_template_substitutes_values_and_paths(void **state)
{
	static const struct render_case cases[] = {
	    {"Hi {name}!", TEMPLATE_TEXT, "Hi Jana!"},
	    {"{user.name} z {user.address.city}", TEMPLATE_TEXT, "Petr z Brno"},
	    {"{ name }", TEMPLATE_TEXT, "Jana"},
	    {"{n} {zero} {neg} {big}", TEMPLATE_TEXT, "3 0 -2 1234567890123"},
	    {"{half}", TEMPLATE_TEXT, "1.5"},
	    {"{yes}/{no}/{nothing}/", TEMPLATE_TEXT, "true/false//"},
	    {"{tags.1}{items.0.property}", TEMPLATE_TEXT, "bChalupa"},
	    {"{czech}", TEMPLATE_TEXT,
	     "Příliš žluťoučký kůň úpěl ďábelské ódy"},
	    {"{czech}", TEMPLATE_HTML,
	     "Příliš žluťoučký kůň úpěl ďábelské ódy"},
	    {"{{name}} }} {{", TEMPLATE_TEXT, "{name} } {"},
	    {"lone } stays", TEMPLATE_TEXT, "lone } stays"},
	    {"", TEMPLATE_TEXT, ""},
	};
	(void)state;
	check_renders(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_template_if_follows_truthiness_and_comparisons(void **state)
{
	static const struct render_case cases[] = {
	    {"{#if name}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if missing}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if missing.deeper}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if zero}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if empty}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if none}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if blank}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if no}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if nothing}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if tags}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if yes}y{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if n > 0}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if n > 3}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if n >= 3}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if n < 5}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if n <= 2}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if n == 3}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if n != 0}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if neg < -1.5}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if half > 1}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if word == \"abc\"}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if word != \"abc\"}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if word < \"abd\"}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if word > \"ab\"}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if name == user.name}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if n == word}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if n != word}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if missing > 0}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if missing != 0}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if yes == 1}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if 1}y{#else}n{/if}", TEMPLATE_TEXT, "y"},
	    {"{#if \"\"}y{#else}n{/if}", TEMPLATE_TEXT, "n"},
	    {"{#if n>0}{#if zero}a{#else}b{/if}{/if}", TEMPLATE_TEXT, "b"},
	    {"{#if missing}{missing}{/if}ok", TEMPLATE_TEXT, "ok"},
	};
	(void)state;
	check_renders(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_template_each_resolves_item_first_then_outward(void **state)
{
	static const struct render_case cases[] = {
	    {"{#each items}- {property}: {count}\n{/each}", TEMPLATE_TEXT,
	     "- Chalupa: 2\n- Byt: 1\n"},
	    {"{#each items}{name};{/each}", TEMPLATE_TEXT, "Jana;Eva;"},
	    {"{#each tags}[{.}]{/each}", TEMPLATE_TEXT, "[a][b][c]"},
	    {"{#each rows}({#each cells}{.}{n}{/each}){/each}", TEMPLATE_TEXT,
	     "(1323)(33)"},
	    {"{#each none}x{/each}{#each missing}x{/each}{#each nothing}x"
	     "{/each}.",
	     TEMPLATE_TEXT, "."},
	    {"{#each items}{#if count > 1}{property}{/if}{/each}",
	     TEMPLATE_TEXT, "Chalupa"},
	    {"{#each none}{missing}{/each}ok", TEMPLATE_TEXT, "ok"},
	};
	(void)state;
	check_renders(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_template_block_tags_alone_on_a_line_leave_no_line(void **state)
{
	static const struct render_case cases[] = {
	    {"A\n{#each items}\n- {property}\n{/each}\nB\n", TEMPLATE_TEXT,
	     "A\n- Chalupa\n- Byt\nB\n"},
	    {"A\n  {#if zero}\nx\n  {#else}  \ny\n{/if}\nB", TEMPLATE_TEXT,
	     "A\ny\nB"},
	    {"A\r\n{#if n}\r\nx\r\n{/if}\r\nB", TEMPLATE_TEXT, "A\r\nx\r\nB"},
	    {"{#if n}\nx\n{/if}", TEMPLATE_TEXT, "x\n"},
	    {"a {#if n}x{/if} b\n", TEMPLATE_TEXT, "a x b\n"},
	    {"{name}\n{#if n}{name}{/if}\n", TEMPLATE_TEXT, "Jana\nJana\n"},
	};
	(void)state;
	check_renders(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_template_html_mode_escapes_every_value(void **state)
{
	static const struct render_case cases[] = {
	    {"<p>{xss}</p>", TEMPLATE_HTML,
	     "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
	     "&quot;q&quot;</p>"},
	    {"<a href=\"{xss}\">", TEMPLATE_HTML,
	     "<a href=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
	     "&amp; &quot;q&quot;\">"},
	    {"{#each items}<b>{property}</b>{/each}", TEMPLATE_HTML,
	     "<b>Chalupa</b><b>Byt</b>"},
	    {"{xss}", TEMPLATE_TEXT, "<script>alert('x')</script> & \"q\""},
	    {"<b>&amp; {name}</b>", TEMPLATE_HTML, "<b>&amp; Jana</b>"},
	};
	(void)state;
	check_renders(cases, sizeof(cases) / sizeof(cases[0]));
}

struct error_case {
	const char *source;
	int code;
	const char *message;
};

static void test_template_errors_name_the_tag_and_line(void **state)
{
	static const struct error_case cases[] = {
	    {"a\nb {missing} c", ERR_NOTFOUND,
	     "missing variable 'missing' at line 2"},
	    {"{user.nam}", ERR_NOTFOUND,
	     "missing variable 'user.nam' at line 1"},
	    {"{#each items}{nope}{/each}", ERR_NOTFOUND,
	     "missing variable 'nope' at line 1"},
	    {"x\n{#if n}\nx", ERR_INVALID,
	     "unclosed block (missing {/if}): '{#if n}' at line 2"},
	    {"{#each items}\n\n{#if n}{/if}", ERR_INVALID,
	     "unclosed block (missing {/each}): '{#each items}' at line 1"},
	    {"{#if n}{/each}", ERR_INVALID,
	     "'{/each}' at line 1 does not close '{#if n}' opened at line 1"},
	    {"{#each items}\n{/if}", ERR_INVALID,
	     "'{/if}' at line 2 does not close '{#each items}' opened at "
	     "line 1"},
	    {"\n\n{/if}", ERR_INVALID,
	     "closing tag without an opening one: '{/if}' at line 3"},
	    {"{#else}", ERR_INVALID,
	     "{#else} outside an {#if}: '{#else}' at line 1"},
	    {"{#if n}{#else}{#else}{/if}", ERR_INVALID,
	     "second {#else} in one {#if}: '{#else}' at line 1"},
	    {"{#unless n}", ERR_INVALID,
	     "unknown directive '{#unless n}' at line 1"},
	    {"{a b}", ERR_INVALID, "unknown directive '{a b}' at line 1"},
	    {"{}", ERR_INVALID, "unknown directive '{}' at line 1"},
	    {"{a..b}", ERR_INVALID, "unknown directive '{a..b}' at line 1"},
	    {"{/for}", ERR_INVALID, "unknown directive '{/for}' at line 1"},
	    {"{name\n}", ERR_INVALID,
	     "unclosed tag (no '}' on its line): '{name' at line 1"},
	    {"{#if}{/if}", ERR_INVALID,
	     "missing condition in '{#if}' at line 1"},
	    {"{#if n >}{/if}", ERR_INVALID,
	     "bad operand in '{#if n >}' at line 1"},
	    {"{#if n = 1}{/if}", ERR_INVALID,
	     "expected > < >= <= == or != in '{#if n = 1}' at line 1"},
	    {"{#if n == 1 2}{/if}", ERR_INVALID,
	     "unexpected text after the comparison in '{#if n == 1 2}'"},
	    {"{#if word == \"abc}{/if}", ERR_INVALID, "bad operand in"},
	    {"{#each a b}{/each}", ERR_INVALID,
	     "{#each} needs one path, not '{#each a b}' at line 1"},
	    {"{#each name}{/each}", ERR_INVALID,
	     "{#each} needs an array: '{#each name}' at line 1"},
	    {"{user}", ERR_INVALID,
	     "an object cannot be printed, name a field: '{user}' at line 1"},
	    {"{tags}", ERR_INVALID,
	     "an array cannot be printed, use {#each}: '{tags}' at line 1"},
	    {"{#if no}{#foo}{/if}", ERR_INVALID,
	     "unknown directive '{#foo}' at line 1"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e;
		int rc;
		char *got = render(cases[i].source, TEMPLATE_TEXT, sample_data,
				   1 << 20, &rc, &e);
		if (rc != cases[i].code || !strstr(e.msg, cases[i].message))
			fail_msg("case %zu '%s': rc %d '%s', want %d '%s'", i,
				 cases[i].source, rc, e.msg, cases[i].code,
				 cases[i].message);
		free(got);
	}
}

static void test_template_nesting_deeper_than_limit_is_refused(void **state)
{
	struct buf source;
	struct err e;
	int rc;
	char *got;
	(void)state;

	buf_init(&source, 1 << 16);
	for (int i = 0; i <= TEMPLATE_MAX_DEPTH; i++)
		buf_puts(&source, "{#if n}");
	got = render(buf_str(&source), TEMPLATE_TEXT, sample_data, 1 << 20, &rc,
		     &e);
	assert_int_equal(rc, ERR_INVALID);
	assert_non_null(strstr(e.msg, "too many nested blocks (the limit is "
				      "32)"));
	free(got);
	buf_free(&source);
}

static void test_template_output_cap_is_too_big_error(void **state)
{
	struct err e;
	int rc;
	char *got;
	(void)state;

	got = render("{#each tags}{czech} {czech} {czech}{/each}",
		     TEMPLATE_TEXT, sample_data, 100, &rc, &e);
	assert_int_equal(rc, ERR_TOOBIG);
	assert_string_equal(e.msg, "rendered template is larger than its "
				   "limit of 100 bytes");
	free(got);
	got = render("<p>{xss}</p>", TEMPLATE_HTML, sample_data, 20, &rc, &e);
	assert_int_equal(rc, ERR_TOOBIG);
	free(got);
}

static void test_template_source_over_limit_is_too_big_error(void **state)
{
	char *source = malloc(TEMPLATE_MAX_SOURCE + 2);
	struct err e;
	int rc;
	char *got;
	(void)state;

	assert_non_null(source);
	memset(source, 'x', TEMPLATE_MAX_SOURCE + 1);
	source[TEMPLATE_MAX_SOURCE + 1] = '\0';
	got = render(source, TEMPLATE_TEXT, sample_data, 1 << 20, &rc, &e);
	assert_int_equal(rc, ERR_TOOBIG);
	assert_non_null(strstr(e.msg, "template is larger than"));
	free(got);
	free(source);
}

/* Sample data for each email template; every compiled-in template must
 * have an entry here, and renders with it in every language. */
struct email_sample {
	const char *name;
	const char *full;    /* every field */
	const char *minimal; /* only the required fields */
};

static const struct email_sample email_samples[] = {
    {"registration_confirmation",
     "{\"name\": \"Jana\", \"link\": \"https://app.mujdomecek.cz/confirm?"
     "t=abc&u=1\", \"expiresHours\": 24}",
     "{\"link\": \"https://x/\", \"expiresHours\": 1}"},
    {"password_reset",
     "{\"name\": \"Jana\", \"link\": \"https://app.mujdomecek.cz/reset?"
     "t=abc\", \"expiresHours\": 2}",
     "{\"link\": \"https://x/\", \"expiresHours\": 5}"},
    {"invitation",
     "{\"name\": \"Eva\", \"inviterName\": \"Jana Nováková\", "
     "\"propertyName\": \"Chalupa Lipno\", \"targetType\": \"property\", "
     "\"role\": \"editor\", \"link\": \"https://app.mujdomecek.cz/i/abc\", "
     "\"expiresDays\": 7}",
     "{\"inviterName\": \"Jana\", \"propertyName\": \"Byt\", \"link\": "
     "\"https://x/\", \"expiresDays\": 1}"},
    {"invitation_accepted",
     "{\"name\": \"Jana\", \"memberName\": \"Eva Dvořáková\", "
     "\"memberEmail\": \"eva@example.cz\", \"propertyName\": \"Chalupa\", "
     "\"targetType\": \"project\", \"link\": \"https://x/members\"}",
     "{\"memberName\": \"Eva\", \"propertyName\": \"Byt\"}"},
    {"weekly_summary",
     "{\"user\": {\"name\": \"Jana\", \"email\": \"jana@example.cz\"},"
     " \"period\": {\"from\": \"16. 11. 2026\", \"to\": \"22. 11. 2026\"},"
     " \"myActivity\": {\"zaznamyCreated\": 3, \"zaznamyUpdated\": 5,"
     "   \"documentsUploaded\": 7, \"commentsAdded\": 2},"
     " \"sharedActivity\": {\"newZaznamy\": [{\"property\": \"Chalupa "
     "Lipno\", \"count\": 2}, {\"property\": \"Byt Brno\", \"count\": 5}],"
     "   \"newComments\": [{\"zaznam\": \"Výměna kotle\", \"author\": "
     "\"Petr\"}], \"newMembers\": [{\"property\": \"Chalupa Lipno\", "
     "\"member\": \"Eva\"}]},"
     " \"alerts\": {\"pendingDrafts\": 1, \"pendingInvitations\": 2,"
     "   \"expiringDrafts\": 6}, \"link\": \"https://app.mujdomecek.cz/\"}",
     "{\"period\": {\"from\": \"16. 11.\", \"to\": \"22. 11.\"},"
     " \"myActivity\": {\"zaznamyCreated\": 1, \"zaznamyUpdated\": 0,"
     "   \"documentsUploaded\": 0, \"commentsAdded\": 0}}"},
    {"export_ready",
     "{\"name\": \"Jana\", \"size\": \"12,4 MB\", \"link\": "
     "\"https://app.mujdomecek.cz/exports/tok\", \"expiresHours\": 24}",
     "{\"size\": \"1 kB\", \"link\": \"https://x/\", \"expiresHours\": 3}"},
    {"export_failed",
     "{\"name\": \"Jana\", \"reason\": \"Export je větší než 1 GB.\", "
     "\"link\": \"https://app.mujdomecek.cz/settings\"}",
     "{\"reason\": \"disk full\"}"},
    {"draft_expiring",
     "{\"name\": \"Jana\", \"zaznamTitle\": \"Oprava střechy\", "
     "\"propertyName\": \"Chalupa\", \"daysRemaining\": 3, \"link\": "
     "\"https://app.mujdomecek.cz/z/1\"}",
     "{\"zaznamTitle\": \"Koupelna\", \"daysRemaining\": 0}"},
    {"job_failed_alert",
     "{\"job\": \"draft_cleanup\", \"failures\": 3, \"lastError\": "
     "\"database is locked\\nretry later\", \"failedAt\": "
     "\"2026-11-29T03:00:00.412Z\", \"host\": \"pi\", \"link\": "
     "\"http://localhost:8080/jobs\"}",
     "{\"job\": \"weekly_summary_email\", \"failures\": 5, \"lastError\": "
     "\"timeout\"}"},
    {"alert",
     "{\"text\": \"domecek-jobs: 1200 jobs are waiting in the queue "
     "(threshold 1000)\", \"host\": \"pi\", \"link\": "
     "\"http://localhost:8080/jobs\"}",
     "{\"text\": \"backup has been running since 2026-11-29T03:00:00.000Z\"}"},
};

#define SAMPLE_COUNT (sizeof(email_samples) / sizeof(email_samples[0]))

static const struct email_sample *sample_for(const char *name)
{
	for (size_t i = 0; i < SAMPLE_COUNT; i++)
		if (strcmp(email_samples[i].name, name) == 0)
			return &email_samples[i];
	return NULL;
}

static void render_email_ok(const char *name, const char *language,
			    const char *json, struct rendered_email *out)
{
	cJSON *data = cJSON_Parse(json);
	struct err e;
	int rc;

	assert_non_null(data);
	err_clear(&e);
	rc = template_render_email(name, language, data, out, &e);
	cJSON_Delete(data);
	if (rc)
		fail_msg("%s.%s: %s", name, language, e.msg);
}

static void check_email(const char *name, const char *language,
			const struct rendered_email *m)
{
	size_t len = strlen(m->subject);

	assert_string_equal(m->language, language);
	if (len == 0 || strpbrk(m->subject, "\r\n") || m->subject[0] == ' ' ||
	    m->subject[len - 1] == ' ')
		fail_msg("%s.%s: subject is not one trimmed line: '%s'", name,
			 language, m->subject);
	if (strchr(m->subject, '{') || strchr(m->text, '{') ||
	    strstr(m->html, "{#") || strstr(m->text, "\n\n\n"))
		fail_msg("%s.%s: leftover tag or blank lines:\n%s", name,
			 language, m->text);
	assert_non_null(strstr(m->html, "<!DOCTYPE html>"));
	assert_non_null(strstr(m->html, "</html>"));
}

static void test_template_every_email_renders_in_both_languages(void **state)
{
	static const char *const languages[] = {"cs", "en"};
	size_t templates = 0;
	(void)state;

	for (const struct asset *a = assets; a->name; a++) {
		const char *dot;
		char name[64];
		const struct email_sample *sample;

		if (strncmp(a->name, "templates/", 10) ||
		    !(dot = strstr(a->name, ".cs.subject")))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(dot - a->name - 10),
			 a->name + 10);
		sample = sample_for(name);
		if (!sample)
			fail_msg("template %s has no sample data in the test",
				 name);
		for (size_t l = 0; l < 2; l++) {
			struct rendered_email full, minimal;
			render_email_ok(name, languages[l], sample->full,
					&full);
			check_email(name, languages[l], &full);
			render_email_ok(name, languages[l], sample->minimal,
					&minimal);
			check_email(name, languages[l], &minimal);
			rendered_email_free(&full);
			rendered_email_free(&minimal);
		}
		templates++;
	}
	assert_int_equal(templates, SAMPLE_COUNT);
}

static void test_template_weekly_summary_follows_the_seed(void **state)
{
	struct rendered_email m;
	static const char *const expected[] = {
	    "Dobrý den Jana,\n\nzde je přehled aktivity za poslední týden "
	    "(16. 11. 2026 - 22. 11. 2026):\n\n📊 VAŠE AKTIVITA\n"
	    "- Vytvořeno záznamů: 3\n",
	    "- Nahráno dokumentů: 7\n- Přidáno komentářů: 2\n\n"
	    "👥 AKTIVITA NA SDÍLENÝCH NEMOVITOSTECH\n"
	    "- Chalupa Lipno: 2 nové záznamy\n- Byt Brno: 5 nových záznamů\n",
	    "⚠️ UPOZORNĚNÍ\n- Máte 1 rozpracovaný záznam\n"
	    "- Čekají na vás 2 pozvánky\n"
	    "- 6 rozpracovaných záznamů bude brzy smazáno\n",
	    "Tento email můžete vypnout v Nastavení → Notifikace.",
	};
	(void)state;

	render_email_ok("weekly_summary", "cs",
			sample_for("weekly_summary")->full, &m);
	assert_string_equal(m.subject, "Váš týdenní souhrn z MujDomecek");
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		if (!strstr(m.text, expected[i]))
			fail_msg("missing:\n%s\nin:\n%s", expected[i], m.text);
	rendered_email_free(&m);

	render_email_ok("weekly_summary", "cs",
			sample_for("weekly_summary")->minimal, &m);
	assert_non_null(strstr(m.text, "- Žádné novinky\n"));
	assert_non_null(strstr(m.text, "- Nic nečeká na vaši pozornost\n"));
	rendered_email_free(&m);
}

static void test_template_export_ready_follows_the_seed(void **state)
{
	struct rendered_email m;
	(void)state;

	render_email_ok("export_ready", "cs", sample_for("export_ready")->full,
			&m);
	assert_string_equal(m.subject,
			    "Váš export dat z MujDomecek je připraven");
	assert_non_null(strstr(m.text,
			       "Dobrý den Jana,\n\nváš export dat je "
			       "připraven ke stažení.\n\nVelikost: 12,4 "
			       "MB\nPlatnost odkazu: 24 hodin\n"));
	assert_non_null(strstr(m.text, "S pozdravem,\nTým MujDomecek\n"));
	assert_non_null(strstr(m.html, "href=\"https://app.mujdomecek.cz/"
				       "exports/tok\""));
	rendered_email_free(&m);
}

static void
test_template_email_values_are_escaped_and_subject_flat(void **state)
{
	struct rendered_email m;
	(void)state;

	render_email_ok(
	    "invitation", "en",
	    "{\"inviterName\": \"<img src=x onerror=alert(1)>\\r\\n"
	    "Bcc: victim@example.com\", \"propertyName\": \"A&B\", "
	    "\"link\": \"https://x/?a=1&b=\\\"2\", \"expiresDays\": 2}",
	    &m);
	assert_null(strpbrk(m.subject, "\r\n"));
	assert_non_null(strstr(m.subject, "> Bcc: victim@example.com shared"));
	assert_null(strstr(m.html, "<img"));
	assert_non_null(strstr(m.html, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(
	    strstr(m.html, "href=\"https://x/?a=1&amp;b=&quot;2\""));
	assert_non_null(strstr(m.text, "<img src=x onerror=alert(1)>"));
	rendered_email_free(&m);
}

static void test_template_email_language_falls_back_to_czech(void **state)
{
	static const char *const languages[] = {"de", "", "en/../x", NULL};
	(void)state;

	for (size_t i = 0; i < 4; i++) {
		struct rendered_email m;
		render_email_ok("export_failed", languages[i],
				"{\"reason\": \"x\"}", &m);
		assert_string_equal(m.language, "cs");
		assert_string_equal(m.subject,
				    "Export dat z MujDomecek se nepodařil");
		rendered_email_free(&m);
	}
}

static void test_template_email_errors_name_the_template(void **state)
{
	static const struct {
		const char *name, *language, *data;
		int code;
		const char *message;
	} cases[] = {
	    {"no_such_mail", "en", "{}", ERR_NOTFOUND,
	     "email template 'no_such_mail' not found (no "
	     "templates/no_such_mail.cs.subject)"},
	    {"../etc", "cs", "{}", ERR_INVALID,
	     "email template name '../etc' is not valid"},
	    {"", "cs", "{}", ERR_INVALID,
	     "email template name '' is not valid"},
	    {"export_ready", "cs", "{\"link\": \"x\", \"expiresHours\": 1}",
	     ERR_NOTFOUND,
	     "templates/export_ready.cs.txt: missing variable "
	     "'size' at line 5"},
	    {"invitation", "en", "{}", ERR_NOTFOUND,
	     "templates/invitation.en.subject: missing variable "
	     "'inviterName' at line 1"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rendered_email m;
		struct err e;
		cJSON *data = cJSON_Parse(cases[i].data);
		int rc;

		err_clear(&e);
		rc = template_render_email(cases[i].name, cases[i].language,
					   data, &m, &e);
		cJSON_Delete(data);
		if (rc != cases[i].code || !strstr(e.msg, cases[i].message))
			fail_msg("case %zu: rc %d '%s'", i, rc, e.msg);
		assert_null(m.subject);
		assert_null(m.text);
		rendered_email_free(&m);
	}
	rendered_email_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_template_substitutes_values_and_paths),
	    cmocka_unit_test(
		test_template_if_follows_truthiness_and_comparisons),
	    cmocka_unit_test(
		test_template_each_resolves_item_first_then_outward),
	    cmocka_unit_test(
		test_template_block_tags_alone_on_a_line_leave_no_line),
	    cmocka_unit_test(test_template_html_mode_escapes_every_value),
	    cmocka_unit_test(test_template_errors_name_the_tag_and_line),
	    cmocka_unit_test(
		test_template_nesting_deeper_than_limit_is_refused),
	    cmocka_unit_test(test_template_output_cap_is_too_big_error),
	    cmocka_unit_test(test_template_source_over_limit_is_too_big_error),
	    cmocka_unit_test(
		test_template_every_email_renders_in_both_languages),
	    cmocka_unit_test(test_template_weekly_summary_follows_the_seed),
	    cmocka_unit_test(test_template_export_ready_follows_the_seed),
	    cmocka_unit_test(
		test_template_email_values_are_escaped_and_subject_flat),
	    cmocka_unit_test(test_template_email_language_falls_back_to_czech),
	    cmocka_unit_test(test_template_email_errors_name_the_template),
	};
	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
