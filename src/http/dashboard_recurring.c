/*
 * dashboard_recurring.c - recurring jobs (cron in words, zone, next and
 * last run, last result and duration; run now, pause, resume) and the
 * schedule history.
 *
 * Actions go through the scheduler's own functions, the same ones the
 * `recurring trigger|pause|resume` commands use, so the rules (one
 * instance at a time, pauses kept across config reloads) hold here too.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "cron/cron.h"
#include "dashboard_impl.h"
#include "db/db.h"
#include "base/err.h"
#include "http/html.h"
#include "base/log.h"
#include "core/scheduler.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void head_row(struct dash_page *p, const char *const *heads, size_t n)
{
	size_t i;

	buf_puts(p->out, "<div class=\"table\"><table><thead><tr>");
	for (i = 0; i < n; i++) {
		buf_puts(p->out, "<th>");
		html_text(p->out, dash_t(p, heads[i]));
		buf_puts(p->out, "</th>");
	}
	buf_puts(p->out, "</tr></thead><tbody>");
}

static void cron_in_words(struct dash_page *p, const char *text)
{
	struct cron_expr *expr = NULL;
	char words[160];

	if (text && cron_parse(text, &expr, NULL) == 0 &&
	    cron_describe(expr, p->lang, words, sizeof(words)) == 0)
		html_text(p->out, words);
	else
		html_text(p->out, text);
	cron_free(expr);
	buf_puts(p->out, "<br><code>");
	html_text(p->out, text);
	buf_puts(p->out, "</code>");
}

static void recurring_actions(struct dash_page *p, const char *name,
			      int is_paused)
{
	struct buf action;

	buf_init(&action, 256);
	buf_puts(&action, "/recurring/");
	html_url_encode(&action, name);
	buf_puts(&action, "/trigger");
	dash_button(p, buf_str(&action), dash_t(p, "Run now"), "primary");
	buf_reset(&action);
	buf_puts(&action, "/recurring/");
	html_url_encode(&action, name);
	buf_puts(&action, is_paused ? "/resume" : "/pause");
	dash_button(p, buf_str(&action),
		    dash_t(p, is_paused ? "Resume" : "Pause"), NULL);
	buf_free(&action);
}

static void recurring_row(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *name = (const char *)sqlite3_column_text(stmt, 0);
	const char *result = (const char *)sqlite3_column_text(stmt, 7);
	int is_enabled = sqlite3_column_int(stmt, 4),
	    is_paused = sqlite3_column_int(stmt, 5);

	buf_puts(p->out, "<tr><td><strong>");
	html_text(p->out, name);
	buf_puts(p->out, "</strong><br><span class=\"muted\">");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 1));
	if (!is_enabled || is_paused) {
		buf_puts(p->out, " · ");
		html_text(p->out,
			  dash_t(p, !is_enabled ? "disabled" : "paused"));
	}
	buf_puts(p->out, "</span></td><td>");
	cron_in_words(p, (const char *)sqlite3_column_text(stmt, 2));
	buf_puts(p->out, "</td><td>");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 3));
	buf_puts(p->out, "</td><td>");
	if (is_enabled && !is_paused)
		dash_time_column(p, stmt, 6);
	else
		buf_puts(p->out, "—");
	buf_puts(p->out, "</td><td>");
	dash_time_column(p, stmt, 9);
	buf_puts(p->out, "</td><td>");
	if (result) {
		buf_printf(p->out, "<span class=\"badge state-%s\">",
			   strspn(result, "abcdefghijklmnopqrstuvwxyz") ==
				   strlen(result)
			       ? result
			       : "other");
		html_text(p->out, dash_t(p, result));
		buf_puts(p->out, "</span>");
	} else {
		buf_puts(p->out, "—");
	}
	buf_puts(p->out, "</td><td>");
	dash_duration(p, sqlite3_column_type(stmt, 8) == SQLITE_NULL
			     ? -1
			     : sqlite3_column_int64(stmt, 8));
	buf_puts(p->out, "</td><td class=\"actions\">");
	recurring_actions(p, name, is_paused);
	buf_puts(p->out, "</td></tr>");
}

void dash_recurring(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT name, type, cron, time_zone, enabled, paused, "
	    "next_fire_at,\n"
	    "       last_result, last_duration_ms, last_fire_at\n"
	    "FROM recurring_jobs ORDER BY name";
	static const char *const heads[] = {
	    "Job",	"When",	       "Time zone", "Next run",
	    "Last run", "Last result", "Duration",  ""};
	sqlite3_stmt *stmt;

	dash_begin(p, "Recurring jobs", "/recurring");
	dash_notice(p);
	head_row(p, heads, sizeof(heads) / sizeof(heads[0]));
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		while (sqlite3_step(stmt) == SQLITE_ROW)
			recurring_row(p, stmt);
		sqlite3_finalize(stmt);
	}
	buf_puts(p->out, "</tbody></table></div>");
	dash_end(p);
}

/* rest is "NAME/ACTION" with NAME percent-encoded by the form. */
void dash_recurring_action(struct dash_page *p, const char *rest)
{
	const char *slash = strrchr(rest, '/');
	char name[128], path[64];
	struct err e = {0};
	int64_t job_id = 0;
	int existed = 0, rc;

	if (!slash || (size_t)(slash - rest) >= sizeof(name) || slash == rest) {
		http_text(p->res, 404, "no such schedule");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(slash - rest), rest);
	if (!strcmp(slash, "/trigger"))
		rc = scheduler_trigger(p->d->deps.db, p->d->deps.cfg,
				       p->d->deps.queue, name, clock_now(),
				       &job_id, &existed, &e);
	else if (!strcmp(slash, "/pause") || !strcmp(slash, "/resume"))
		rc = scheduler_pause(p->d->deps.db, name,
				     !strcmp(slash, "/pause"), clock_now(), &e);
	else {
		http_text(p->res, 404, "no such action");
		return;
	}
	if (rc) {
		dash_error_page(p, rc == ERR_NOTFOUND ? 404 : 500, e.msg);
		return;
	}
	log_event(LOG_INFO, "dashboard.recurring_action", "name", name,
		  "action", slash + 1, (char *)NULL);
	snprintf(path, sizeof(path), "/recurring?msg=%s",
		 !strcmp(slash, "/trigger")
		     ? (existed ? "already" : "triggered")
		 : !strcmp(slash, "/pause") ? "paused"
					    : "resumed");
	dash_redirect(p, path);
}

static void history_row(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *result = (const char *)sqlite3_column_text(stmt, 2);
	int64_t started = 0, finished = 0;

	buf_puts(p->out, "<tr><td>");
	dash_time_column(p, stmt, 0);
	buf_puts(p->out, "</td><td>");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 1));
	buf_printf(p->out, "</td><td><span class=\"badge state-%s\">",
		   strspn(result, "abcdefghijklmnopqrstuvwxyz") ==
			   strlen(result)
		       ? result
		       : "other");
	html_text(p->out, dash_t(p, result));
	buf_puts(p->out, "</span></td><td>");
	if (sqlite3_column_type(stmt, 3) != SQLITE_NULL) {
		long long id = sqlite3_column_int64(stmt, 3);
		buf_puts(p->out, "<a href=\"");
		html_text(p->out, p->base);
		buf_printf(p->out, "/job/%lld\">#%lld</a>", id, id);
	}
	buf_puts(p->out, "</td><td>");
	if (db_column_time(stmt, 4, &started) == 0 &&
	    db_column_time(stmt, 5, &finished) == 0)
		dash_duration(p, finished - started);
	buf_puts(p->out, "</td><td>");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 6));
	buf_puts(p->out, "</td></tr>");
}

void dash_history(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT planned_at, name, result, job_id, started_at, "
	    "finished_at,\n"
	    "       coalesce(detail, counts)\n"
	    "FROM schedule_history ORDER BY id DESC LIMIT ?1 OFFSET ?2";
	static const char *const heads[] = {"Planned", "Job",	   "Result",
					    "#",       "Duration", "Detail"};
	const char *page_text = http_query(p->req, "page");
	long long page = page_text ? atoll(page_text) : 1;
	sqlite3_stmt *stmt;
	int rows = 0;

	if (page < 1 || page > 100000)
		page = 1;
	dash_begin(p, "History", "/history");
	head_row(p, heads, sizeof(heads) / sizeof(heads[0]));
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		sqlite3_bind_int(stmt, 1, DASHBOARD_PAGE_SIZE + 1);
		sqlite3_bind_int64(stmt, 2, (page - 1) * DASHBOARD_PAGE_SIZE);
		while (sqlite3_step(stmt) == SQLITE_ROW &&
		       ++rows <= DASHBOARD_PAGE_SIZE)
			history_row(p, stmt);
		sqlite3_finalize(stmt);
	}
	buf_puts(p->out, "</tbody></table></div><nav class=\"pager\">");
	if (page > 1) {
		buf_puts(p->out, "<a href=\"");
		html_text(p->out, p->base);
		buf_printf(p->out, "/history?page=%lld\">← ", page - 1);
		html_text(p->out, dash_t(p, "previous"));
		buf_puts(p->out, "</a> ");
	}
	buf_printf(p->out, "<span>%lld</span>", page);
	if (rows > DASHBOARD_PAGE_SIZE) {
		buf_puts(p->out, " <a href=\"");
		html_text(p->out, p->base);
		buf_printf(p->out, "/history?page=%lld\">", page + 1);
		html_text(p->out, dash_t(p, "next"));
		buf_puts(p->out, " →</a>");
	}
	buf_puts(p->out, "</nav>");
	dash_end(p);
}
