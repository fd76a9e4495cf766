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
#include "base/tz.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Durations of the schedule's latest finished runs, oldest first. */
static int recent_durations(struct dash_page *p, const char *name,
			    int64_t *values, int max)
{
	// clang-format off
	static const char sql[] =
	    "SELECT started_at, finished_at FROM schedule_history\n"
	    "WHERE name = ?1 AND started_at IS NOT NULL AND finished_at IS NOT NULL\n"
	    "ORDER BY planned_at DESC, id DESC LIMIT ?2";
	// clang-format on
	sqlite3_stmt *stmt;
	int64_t started, finished;
	int n = 0, i;

	if (db_prepare(p->d->deps.db, sql, &stmt, NULL))
		return 0;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, max);
	while (n < max && sqlite3_step(stmt) == SQLITE_ROW)
		if (db_column_time(stmt, 0, &started) == 0 &&
		    db_column_time(stmt, 1, &finished) == 0)
			values[n++] = finished - started;
	sqlite3_finalize(stmt);
	for (i = 0; i < n / 2; i++) {
		int64_t t = values[i];
		values[i] = values[n - 1 - i];
		values[n - 1 - i] = t;
	}
	return n;
}

/* The last run's result in words, from its job (when it is still kept). */
static void last_result_words(struct dash_page *p, int64_t job_id)
{
	static const char sql[] =
	    "SELECT type, result FROM jobs WHERE id = ?1 AND result IS NOT NULL";
	sqlite3_stmt *stmt;

	if (!job_id || db_prepare(p->d->deps.db, sql, &stmt, NULL))
		return;
	sqlite3_bind_int64(stmt, 1, job_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		buf_puts(p->out, "<br><span class=\"muted\">");
		dash_describe_result(
		    p->lang, (const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1), p->out);
		buf_puts(p->out, "</span>");
	}
	sqlite3_finalize(stmt);
}

/* <td data-label="Next run">: on a phone the table stacks its cells and
 * each one says what it is (style.css, table.stack). */
static void cell(struct dash_page *p, const char *key)
{
	buf_puts(p->out, "<td data-label=\"");
	html_text(p->out, dash_t(p, key));
	buf_puts(p->out, "\">");
}

static void last_run_cells(struct dash_page *p, const char *name)
{
	struct scheduler_last_run run;
	int64_t durations[20];
	char title[64];
	int n;

	cell(p, "Last run");
	if (scheduler_last_run(p->d->deps.db, name, &run, NULL) || !run.at) {
		buf_puts(p->out, "—</td>");
		cell(p, "Duration");
		buf_puts(p->out, "—</td>");
		return;
	}
	dash_time(p, run.at);
	buf_puts(p->out, " ");
	dash_job_link(p, run.job_id);
	buf_puts(p->out, "<br>");
	dash_badge(p, run.result);
	last_result_words(p, run.job_id);
	buf_puts(p->out, "</td>");
	cell(p, "Duration");
	dash_duration(p, run.duration_ms);
	n = recent_durations(p, name, durations, 20);
	snprintf(title, sizeof(title), "%s",
		 dash_t(p, "Duration of the latest runs"));
	dash_sparkline(p, durations, n, title);
	buf_puts(p->out, "</td>");
}

static void recurring_row(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *name = (const char *)sqlite3_column_text(stmt, 0);
	const char *zone = (const char *)sqlite3_column_text(stmt, 3);
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
	buf_puts(p->out, "</span></td>");
	cell(p, "When");
	cron_in_words(p, (const char *)sqlite3_column_text(stmt, 2));
	if (zone && p->zone && strcmp(zone, tz_name(p->zone))) {
		buf_puts(p->out, " <span class=\"muted\">");
		html_text(p->out, zone);
		buf_puts(p->out, "</span>");
	}
	buf_puts(p->out, "</td>");
	cell(p, "Next run");
	if (is_enabled && !is_paused)
		dash_time_column(p, stmt, 6);
	else
		buf_puts(p->out, "—");
	buf_puts(p->out, "</td>");
	last_run_cells(p, name);
	buf_puts(p->out, "<td class=\"actions\">");
	recurring_actions(p, name, is_paused);
	buf_puts(p->out, "</td></tr>");
}

void dash_recurring(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT name, type, cron, time_zone, enabled, paused, next_fire_at\n"
	    "FROM recurring_jobs ORDER BY name";
	static const char *const heads[] = {"Job",	"When",	    "Next run",
					    "Last run", "Duration", ""};
	sqlite3_stmt *stmt;

	dash_begin(p, "Recurring jobs", "/recurring");
	dash_notice(p);
	dash_table_head(p, heads, sizeof(heads) / sizeof(heads[0]), "stack");
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

/* The history's detail in the page's language: the scheduler writes a
 * few fixed English sentences (core/scheduler.c), the job its counters. */
static void history_detail(struct dash_page *p, const char *result,
			   const char *detail, const char *type,
			   const char *counts)
{
	long long n = 0;
	char text[160];

	if (counts && dash_describe_result(p->lang, type, counts, p->out) == 0)
		return;
	if (!detail) {
		if (!strcmp(result, "triggered"))
			html_text(p->out, dash_t(p, "triggered by hand"));
		return;
	}
	if (!strcmp(detail, "triggered by hand")) {
		html_text(p->out, dash_t(p, detail));
	} else if (sscanf(detail, "%lld fire(s) missed", &n) == 1) {
		dash_plural(
		    p->lang,
		    "%lld fire missed while the daemon was not running|"
		    "%lld fires missed while the daemon was not running",
		    n, text, sizeof(text));
		html_text(p->out, text);
	} else if (sscanf(detail, "job %lld of the previous fire", &n) == 1) {
		html_text(p->out,
			  dash_t(p, "the previous run had not finished:"));
		buf_puts(p->out, " ");
		dash_job_link(p, n);
	} else {
		buf_puts(p->out, "<span class=\"error-text\">");
		html_text(p->out, detail);
		buf_puts(p->out, "</span>");
	}
}

static void history_row(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *result = (const char *)sqlite3_column_text(stmt, 2);
	int64_t started = 0, finished = 0;

	buf_puts(p->out, "<tr><td>");
	dash_time_column(p, stmt, 0);
	buf_puts(p->out, "</td><td>");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 1));
	buf_puts(p->out, "</td><td>");
	dash_badge(p, result);
	buf_puts(p->out, "</td><td>");
	if (sqlite3_column_type(stmt, 3) != SQLITE_NULL)
		dash_job_link(p, sqlite3_column_int64(stmt, 3));
	buf_puts(p->out, "</td><td>");
	if (db_column_time(stmt, 4, &started) == 0 &&
	    db_column_time(stmt, 5, &finished) == 0)
		dash_duration(p, finished - started);
	buf_puts(p->out, "</td><td>");
	history_detail(p, result, (const char *)sqlite3_column_text(stmt, 6),
		       (const char *)sqlite3_column_text(stmt, 8),
		       (const char *)sqlite3_column_text(stmt, 7));
	buf_puts(p->out, "</td></tr>");
}

static void history_pager(struct dash_page *p, long long page, int has_more)
{
	buf_puts(p->out, "<nav class=\"pager\">");
	if (page > 1) {
		buf_puts(p->out, "<a href=\"");
		html_text(p->out, p->base);
		buf_printf(p->out, "/history?page=%lld\">← ", page - 1);
		html_text(p->out, dash_t(p, "previous"));
		buf_puts(p->out, "</a> ");
	}
	buf_printf(p->out, "<span>%lld</span>", page);
	if (has_more) {
		buf_puts(p->out, " <a href=\"");
		html_text(p->out, p->base);
		buf_printf(p->out, "/history?page=%lld\">", page + 1);
		html_text(p->out, dash_t(p, "next"));
		buf_puts(p->out, " →</a>");
	}
	buf_puts(p->out, "</nav>");
}

void dash_history(struct dash_page *p)
{
	// clang-format off
	static const char sql[] =
	    "SELECT h.planned_at, h.name, h.result, h.job_id, h.started_at, h.finished_at,\n"
	    "       h.detail, h.counts, r.type\n"
	    "FROM schedule_history h LEFT JOIN recurring_jobs r ON r.name = h.name\n"
	    "ORDER BY h.id DESC LIMIT ?1 OFFSET ?2";
	// clang-format on
	static const char *const heads[] = {"Planned", "Job",	   "Result",
					    "#",       "Duration", "Detail"};
	const char *page_text = http_query(p->req, "page");
	long long page = page_text ? atoll(page_text) : 1;
	sqlite3_stmt *stmt;
	int rows = 0;

	if (page < 1 || page > 100000)
		page = 1;
	dash_begin(p, "History", "/history");
	dash_table_head(p, heads, sizeof(heads) / sizeof(heads[0]), NULL);
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		sqlite3_bind_int(stmt, 1, DASHBOARD_PAGE_SIZE + 1);
		sqlite3_bind_int64(stmt, 2, (page - 1) * DASHBOARD_PAGE_SIZE);
		while (sqlite3_step(stmt) == SQLITE_ROW &&
		       ++rows <= DASHBOARD_PAGE_SIZE)
			history_row(p, stmt);
		sqlite3_finalize(stmt);
	}
	buf_puts(p->out, "</tbody></table></div>");
	history_pager(p, page, rows > DASHBOARD_PAGE_SIZE);
	dash_end(p);
}
