/*
 * dashboard_impl.h - what the dashboard's files share (src/http/dashboard*.c).
 * Internal to the dashboard; nothing else includes it (the unit tests of
 * the text catalogue and the formatting do).
 */
#ifndef DOMECEK_DASHBOARD_IMPL_H
#define DOMECEK_DASHBOARD_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "http/auth.h"
#include "http/dashboard.h"
#include "http/http.h"

struct tz;

struct dashboard {
	struct http_deps deps;
	struct auth *auth;
	struct tz *zone;    /* Scheduler.TimeZone, reopened when it changes */
	char zone_name[64]; /* the config value zone was opened for */
};

/* One request being answered. */
struct dash_page {
	struct dashboard *d;
	const struct http_request *req;
	struct http_response *res;
	const struct auth_session *session; /* NULL before login */
	const char *lang;		    /* "cs" or "en" */
	char base[64];	       /* Dashboard.Path without a trailing / */
	struct buf *out;       /* == &res->body */
	const struct tz *zone; /* the page's time zone (never NULL) */
	int64_t now;	       /* one "now" for the whole page */
	int live_seconds;      /* > 0: the page reloads its <main> itself */
	char title_extra[32];  /* after the translated title: " #12" */
};

/* ---- the text catalogue (dashboard_text.c) ------------------------------
 * Every text the dashboard shows, in English and Czech. A plain text's key
 * is its English text. A counted text ("%lld draft|%lld drafts") has two
 * English forms and three Czech ones (1, 2-4, 0 and 5+), picked by
 * dash_plural(). */
struct dash_text {
	const char *key;
	const char *en;
	const char *cs;
};
/* The whole catalogue (for its unit test). */
const struct dash_text *dash_texts(size_t *count);
/* key's text in lang; NULL when the catalogue has no such key. */
const char *dash_text_find(const char *lang, const char *key);
/* The same, and a missing key is logged (dashboard.untranslated) and
 * comes back as given. */
const char *dash_tl(const char *lang, const char *key);
/* The same for a page; a missing key is logged (dashboard.untranslated)
 * and comes back as given. */
const char *dash_t(const struct dash_page *p, const char *key);
/* form with its first "%s" or "%lld" replaced by value (texts from the
 * catalogue are never used as printf formats). */
void dash_subst(const char *form, const char *value, char *out, size_t size);
/* A counted text for n in lang into out: "3 souhrny". Unknown keys print
 * the number and the key. */
void dash_plural(const char *lang, const char *key, long long n, char *out,
		 size_t size);

/* ---- formatting (dashboard_format.c), pure functions of their input ---- */
/* "850 ms", "4.2 s", "1 min 12 s", "2 h 5 min", "3 d 4 h"; < 0: "—". */
void dash_format_duration(const char *lang, int64_t ms, char *out, size_t size);
/* when - now in words: "in 2 h" / "za 2 h", "5 min ago" / "před 5 min",
 * "just now" / "právě teď". */
void dash_format_relative(const char *lang, int64_t delta_ms, char *out,
			  size_t size);
/* "2026-11-30 14:05" in zone. */
void dash_format_local(const struct tz *zone, int64_t ms, char *out,
		       size_t size);
/* "Europe/Prague (UTC+01:00)" at instant ms. */
void dash_format_zone(const struct tz *zone, int64_t ms, char *out,
		      size_t size);
/* "512 B", "1.5 kB", "12.3 MB", "2.0 GB" (Czech: decimal comma). */
void dash_format_bytes(const char *lang, int64_t bytes, char *out, size_t size);

/* ---- results in words (dashboard_results.c) ----------------------------
 * A job type's result JSON (its counters) as a sentence in lang, appended
 * to out HTML-escaped. Returns 0, or ERR_NOTFOUND when the text is not a
 * JSON object (nothing appended). A type without its own wording lists its
 * counters by name. */
int dash_describe_result(const char *lang, const char *type, const char *json,
			 struct buf *out);

/* ---- page parts (dashboard.c, dashboard_parts.c) ----------------------- */
/* Page frame: <head>, the navigation with active marked, <main>. */
void dash_begin(struct dash_page *p, const char *title, const char *active);
void dash_end(struct dash_page *p);
/* A POST form with the CSRF token and one button; action is below base. */
void dash_button(struct dash_page *p, const char *action, const char *label,
		 const char *css_class);
/* A time in the page's zone with the relative time beside it; 0 or less
 * prints "—". dash_time_short leaves out the relative part. */
void dash_time(struct dash_page *p, int64_t ms);
void dash_time_short(struct dash_page *p, int64_t ms);
void dash_time_column(struct dash_page *p, struct sqlite3_stmt *stmt,
		      int column);
void dash_duration(struct dash_page *p, int64_t ms);
/* Pretty JSON (two-space indent) in <details>: one click away. */
void dash_json_details(struct dash_page *p, const char *json);
/* <h2>text</h2>, <p class="muted">text</p>, a table up to its <tbody>
 * (css_class on the <table>, or NULL). */
void dash_h2(struct dash_page *p, const char *key);
void dash_muted(struct dash_page *p, const char *key);
void dash_table_head(struct dash_page *p, const char *const *heads, size_t n,
		     const char *css_class);
/* A 303 redirect to base + path. */
void dash_redirect(struct dash_page *p, const char *path);
void dash_error_page(struct dash_page *p, int status, const char *message);
/* A notice from ?msg= (known codes only; anything else is ignored). */
void dash_notice(struct dash_page *p);
void dash_notice_text(struct dash_page *p, const char *text, int is_bad);
/* A badge for a job or run state ("dead", "succeeded", ...). */
void dash_badge(struct dash_page *p, const char *state);
void dash_job_link(struct dash_page *p, int64_t id);

/* ---- charts (dashboard_charts.c) --------------------------------------- */
struct dash_bar {
	char label[24]; /* under the axis when a tick is due ("" = none) */
	char title[64]; /* hover text */
	int64_t succeeded, failed;
};
/* Stacked bars with a y-axis of round values. */
void dash_chart(struct dash_page *p, const char *title,
		const struct dash_bar *bars, int n);
/* A small line of values (durations of the latest runs, oldest first). */
void dash_sparkline(struct dash_page *p, const int64_t *values, int n,
		    const char *title);
/* The largest "round" value (1, 2, 2.5 or 5 times a power of ten) step
 * that splits max into at most ticks parts; for the y-axis. */
int64_t dash_round_step(int64_t max, int ticks);

/* Pages (GET) and actions (POST; CSRF already checked). rest is the path
 * below base without its leading '/'. */
void dash_overview(struct dash_page *p);
void dash_queue(struct dash_page *p);
void dash_job(struct dash_page *p, const char *rest);
void dash_job_find(struct dash_page *p);
void dash_job_action(struct dash_page *p, const char *rest);
void dash_bulk_confirm(struct dash_page *p);
void dash_bulk_action(struct dash_page *p, const char *rest);
void dash_recurring(struct dash_page *p);
void dash_recurring_action(struct dash_page *p, const char *rest);
void dash_history(struct dash_page *p);
void dash_box(struct dash_page *p);
/* Alerts in words: the overview's list. */
void dash_alerts(struct dash_page *p);

#endif
