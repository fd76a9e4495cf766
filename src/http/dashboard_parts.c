/*
 * dashboard_parts.c - the pieces every dashboard page is built from: the
 * frame (head, navigation, the time zone line), buttons that post with the
 * CSRF token, times in the page's zone with the relative time beside them,
 * durations, badges, notices, JSON one click away.
 *
 * Invariant: every value reaches the page through html_text(); the only
 * markup written here is our own.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "base/tz.h"
#include "dashboard_impl.h"
#include "db/db.h"
#include "http/html.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nav_links(struct dash_page *p, const char *active)
{
	static const char *const nav[][2] = {
	    {"", "Overview"},	 {"/recurring", "Recurring jobs"},
	    {"/queue", "Queue"}, {"/history", "History"},
	    {"/box", "Server"},
	};
	size_t i;

	for (i = 0; p->session && i < sizeof(nav) / sizeof(nav[0]); i++) {
		buf_puts(p->out, "<a href=\"");
		html_text(p->out, p->base);
		html_text(p->out, nav[i][0][0] ? nav[i][0] : "/");
		buf_printf(p->out, "\"%s>",
			   active && !strcmp(active, nav[i][0])
			       ? " class=\"active\" aria-current=\"page\""
			       : "");
		html_text(p->out, dash_t(p, nav[i][1]));
		buf_puts(p->out, "</a>");
	}
}

void dash_begin(struct dash_page *p, const char *title, const char *active)
{
	char zone[96];

	p->res->status = 200;
	p->res->content_type = "text/html; charset=utf-8";
	buf_printf(p->out,
		   "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta "
		   "charset=\"utf-8\"><meta name=\"viewport\" "
		   "content=\"width=device-width, initial-scale=1\"><title>",
		   p->lang);
	html_text(p->out, dash_t(p, title));
	html_text(p->out, p->title_extra);
	buf_puts(p->out,
		 " · domecek-jobs</title><link rel=\"stylesheet\" href=\"");
	html_text(p->out, p->base);
	buf_puts(p->out, "/style.css\">");
	if (p->live_seconds > 0) {
		buf_puts(p->out, "<script src=\"");
		html_text(p->out, p->base);
		buf_puts(p->out, "/live.js\" defer></script>");
	}
	buf_puts(p->out,
		 "</head><body><header><nav><strong>domecek-jobs</strong>");
	nav_links(p, active);
	buf_puts(p->out,
		 "<span class=\"spacer\"></span><a id=\"lang\" href=\"");
	html_text(p->out, p->base);
	buf_printf(p->out, "/lang?to=%s\">%s</a>",
		   !strcmp(p->lang, "cs") ? "en" : "cs",
		   !strcmp(p->lang, "cs") ? "English" : "Česky");
	if (p->session)
		dash_button(p, "/logout", dash_t(p, "Log out"), "link");
	buf_puts(p->out, "</nav></header><main");
	if (p->live_seconds > 0)
		buf_printf(p->out, " data-live=\"%d\"", p->live_seconds);
	buf_puts(p->out, "><h1>");
	html_text(p->out, dash_t(p, title));
	html_text(p->out, p->title_extra);
	buf_puts(p->out, "</h1>");
	if (p->session && p->zone) {
		dash_format_zone(p->zone, p->now, zone, sizeof(zone));
		buf_puts(p->out, "<p class=\"zone muted\">");
		char line[160];
		dash_subst(dash_t(p, "Times in %s"), zone, line, sizeof(line));
		html_text(p->out, line);
		buf_puts(p->out, "</p>");
	}
}

void dash_end(struct dash_page *p)
{
	buf_puts(p->out, "</main></body></html>\n");
}

void dash_button(struct dash_page *p, const char *action, const char *label,
		 const char *css_class)
{
	buf_puts(p->out, "<form method=\"post\" class=\"inline\" action=\"");
	html_text(p->out, p->base);
	html_text(p->out, action);
	buf_puts(p->out, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(p->out, p->session ? p->session->csrf : "");
	buf_puts(p->out, "\"><button type=\"submit\"");
	if (css_class) {
		buf_puts(p->out, " class=\"");
		html_text(p->out, css_class);
		buf_puts(p->out, "\"");
	}
	buf_puts(p->out, ">");
	html_text(p->out, label);
	buf_puts(p->out, "</button></form>");
}

static void time_element(struct dash_page *p, int64_t ms, int is_relative)
{
	char iso[CLOCK_ISO_LEN], local[32], relative[48];

	if (ms <= 0) {
		buf_puts(p->out, "—");
		return;
	}
	clock_format(ms, iso);
	if (p->zone)
		dash_format_local(p->zone, ms, local, sizeof(local));
	else
		snprintf(local, sizeof(local), "%.10s %.5s UTC", iso, iso + 11);
	buf_puts(p->out, "<time datetime=\"");
	html_text(p->out, iso);
	buf_puts(p->out, "\" title=\"");
	html_text(p->out, iso);
	buf_puts(p->out, "\">");
	html_text(p->out, local);
	buf_puts(p->out, "</time>");
	if (!is_relative)
		return;
	dash_format_relative(p->lang, ms - p->now, relative, sizeof(relative));
	buf_puts(p->out, " <span class=\"rel\">");
	html_text(p->out, relative);
	buf_puts(p->out, "</span>");
}

void dash_time(struct dash_page *p, int64_t ms)
{
	time_element(p, ms, 1);
}

void dash_time_short(struct dash_page *p, int64_t ms)
{
	time_element(p, ms, 0);
}

void dash_time_column(struct dash_page *p, struct sqlite3_stmt *stmt,
		      int column)
{
	int64_t ms = 0;

	if (db_column_time(stmt, column, &ms))
		ms = 0;
	dash_time(p, ms);
}

void dash_duration(struct dash_page *p, int64_t ms)
{
	char text[48];

	dash_format_duration(p->lang, ms, text, sizeof(text));
	html_text(p->out, text);
}

/* cJSON prints with tabs; a page reads better with two spaces. */
void dash_json_details(struct dash_page *p, const char *json)
{
	cJSON *parsed = json ? cJSON_Parse(json) : NULL;
	char *pretty = parsed ? cJSON_Print(parsed) : NULL;
	const char *c;

	buf_puts(p->out,
		 "<details class=\"json\"><summary>JSON</summary><pre>");
	for (c = pretty ? pretty : json; c && *c; c++)
		if (*c == '\t')
			buf_puts(p->out, "  ");
		else
			html_text_len(p->out, c, 1);
	buf_puts(p->out, "</pre></details>");
	cJSON_free(pretty);
	cJSON_Delete(parsed);
}

void dash_h2(struct dash_page *p, const char *key)
{
	buf_puts(p->out, "<h2>");
	html_text(p->out, dash_t(p, key));
	buf_puts(p->out, "</h2>");
}

void dash_muted(struct dash_page *p, const char *key)
{
	buf_puts(p->out, "<p class=\"muted\">");
	html_text(p->out, dash_t(p, key));
	buf_puts(p->out, "</p>");
}

void dash_table_head(struct dash_page *p, const char *const *heads, size_t n,
		     const char *css_class)
{
	size_t i;

	buf_puts(p->out, "<div class=\"table\"><table");
	if (css_class)
		buf_printf(p->out, " class=\"%s\"", css_class);
	buf_puts(p->out, "><thead><tr>");
	for (i = 0; i < n; i++) {
		buf_puts(p->out, "<th>");
		if (heads[i][0])
			html_text(p->out, dash_t(p, heads[i]));
		buf_puts(p->out, "</th>");
	}
	buf_puts(p->out, "</tr></thead><tbody>");
}

void dash_redirect(struct dash_page *p, const char *path)
{
	http_text(p->res, 303, "see other");
	snprintf(p->res->location, sizeof(p->res->location), "%s%s", p->base,
		 path[0] ? path : "/");
}

void dash_error_page(struct dash_page *p, int status, const char *message)
{
	buf_reset(p->out);
	p->live_seconds = 0;
	dash_begin(p, status == 404 ? "Not found" : "Error", NULL);
	buf_puts(p->out, "<p class=\"error\">");
	html_text(p->out, message);
	buf_puts(p->out, "</p>");
	dash_end(p);
	p->res->status = status;
}

void dash_notice_text(struct dash_page *p, const char *text, int is_bad)
{
	buf_printf(p->out,
		   "<p class=\"notice%s\" role=\"status\" id=\"notice\">",
		   is_bad ? " bad" : "");
	html_text(p->out, text);
	buf_puts(p->out, "</p>");
}

/* Notices of actions whose outcome does not change afterwards (the job
 * page words its own from the job's state: see dashboard_jobs.c). */
void dash_notice(struct dash_page *p)
{
	static const char *const known[][2] = {
	    {"deleted", "The job was deleted."},
	    {"cancelled", "The job was cancelled."},
	    {"triggered", "The job was enqueued."},
	    {"already", "This job is already waiting or running."},
	    {"paused", "The schedule is paused."},
	    {"resumed", "The schedule runs again."},
	    {"nojob", "No job has that number."},
	};
	const char *msg = http_query(p->req, "msg");
	const char *count = http_query(p->req, "n");
	int is_retried = msg && !strcmp(msg, "bulkretried");
	char text[160];
	size_t i;

	if (count && (is_retried || (msg && !strcmp(msg, "bulkdeleted")))) {
		dash_plural(p->lang,
			    is_retried ? "%lld job is back in the queue.|"
					 "%lld jobs are back in the queue."
				       : "%lld job deleted.|%lld jobs deleted.",
			    atoll(count), text, sizeof(text));
		if (http_query(p->req, "more"))
			snprintf(text + strlen(text),
				 sizeof(text) - strlen(text), " %s",
				 dash_t(p, "More remain: run it again."));
		dash_notice_text(p, text, 0);
		return;
	}
	for (i = 0; msg && i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(msg, known[i][0]))
			dash_notice_text(p, dash_t(p, known[i][1]),
					 !strcmp(msg, "nojob"));
}

void dash_badge(struct dash_page *p, const char *state)
{
	int is_word = state && strspn(state, "abcdefghijklmnopqrstuvwxyz_") ==
				   strlen(state);

	buf_printf(p->out, "<span class=\"badge state-%s\">",
		   is_word ? state : "other");
	html_text(p->out, state ? dash_t(p, state) : "—");
	buf_puts(p->out, "</span>");
}

void dash_job_link(struct dash_page *p, int64_t id)
{
	buf_puts(p->out, "<a href=\"");
	html_text(p->out, p->base);
	buf_printf(p->out, "/job/%lld\">#%lld</a>", (long long)id,
		   (long long)id);
}
