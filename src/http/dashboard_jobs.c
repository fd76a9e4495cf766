/*
 * dashboard_jobs.c - the queue by state with paging, one job with every
 * attempt, and the job actions (retry, delete).
 *
 * Lists page by LIMIT/OFFSET over the (state, ...) index: the admin
 * looks at the first pages, and a deep page costs a skip, not a sort.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "dashboard_impl.h"
#include "db/db.h"
#include "base/err.h"
#include "http/html.h"
#include "base/log.h"
#include "core/queue.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const queue_states[] = {
    "enqueued", "scheduled", "processing", "failed",
    "dead",	"succeeded", "cancelled"};
#define STATE_COUNT (sizeof(queue_states) / sizeof(queue_states[0]))

static int64_t page_number(const struct dash_page *p)
{
	const char *text = http_query(p->req, "page");
	long long n = text ? atoll(text) : 1;

	return n < 1 ? 1 : n > 100000 ? 100000 : n;
}

/* "previous / next" links; has_more: a row past this page exists. */
static void pager(struct dash_page *p, const char *path, const char *state,
		  int64_t page, int has_more)
{
	buf_puts(p->out, "<nav class=\"pager\">");
	if (page > 1) {
		buf_puts(p->out, "<a href=\"");
		html_text(p->out, p->base);
		html_text(p->out, path);
		buf_printf(p->out, "?%s%s%spage=%lld\">← ",
			   state ? "state=" : "", state ? state : "",
			   state ? "&amp;" : "", (long long)(page - 1));
		html_text(p->out, dash_t(p, "previous"));
		buf_puts(p->out, "</a> ");
	}
	buf_printf(p->out, "<span>%lld</span>", (long long)page);
	if (has_more) {
		buf_puts(p->out, " <a href=\"");
		html_text(p->out, p->base);
		html_text(p->out, path);
		buf_printf(p->out, "?%s%s%spage=%lld\">", state ? "state=" : "",
			   state ? state : "", state ? "&amp;" : "",
			   (long long)(page + 1));
		html_text(p->out, dash_t(p, "next"));
		buf_puts(p->out, " →</a>");
	}
	buf_puts(p->out, "</nav>");
}

static void state_tabs(struct dash_page *p, const char *current)
{
	size_t i;

	buf_puts(p->out, "<nav class=\"tabs\">");
	for (i = 0; i < STATE_COUNT; i++) {
		buf_puts(p->out, "<a href=\"");
		html_text(p->out, p->base);
		buf_printf(p->out, "/queue?state=%s\"%s>", queue_states[i],
			   !strcmp(current, queue_states[i])
			       ? " class=\"active\""
			       : "");
		html_text(p->out, dash_t(p, queue_states[i]));
		buf_puts(p->out, "</a>");
	}
	buf_puts(p->out, "</nav>");
}

static void job_link(struct dash_page *p, int64_t id)
{
	buf_puts(p->out, "<a href=\"");
	html_text(p->out, p->base);
	buf_printf(p->out, "/job/%lld\">#%lld</a>", (long long)id,
		   (long long)id);
}

static void queue_row(struct dash_page *p, sqlite3_stmt *stmt)
{
	buf_puts(p->out, "<tr><td>");
	job_link(p, sqlite3_column_int64(stmt, 0));
	buf_puts(p->out, "</td><td>");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 1));
	buf_printf(p->out, "</td><td>%d / %d</td><td>",
		   sqlite3_column_int(stmt, 2), sqlite3_column_int(stmt, 3));
	dash_time_column(p, stmt, 4);
	buf_puts(p->out, "</td><td class=\"error-text\">");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 5));
	buf_puts(p->out, "</td></tr>");
}

void dash_queue(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT id, type, attempts, coalesce(max_attempts, 0), run_at, "
	    "last_error\n"
	    "FROM jobs WHERE state = ?1 ORDER BY run_at DESC, id DESC LIMIT ?2 "
	    "OFFSET ?3";
	const char *state = http_query(p->req, "state");
	int64_t page = page_number(p);
	sqlite3_stmt *stmt;
	int rows = 0;
	size_t i;

	for (i = 0; i < STATE_COUNT && state && strcmp(state, queue_states[i]);
	     i++)
		;
	state = i < STATE_COUNT ? queue_states[i] : "enqueued";
	dash_begin(p, "Queue", "/queue");
	dash_notice(p);
	state_tabs(p, state);
	buf_puts(p->out,
		 "<div class=\"table\"><table><thead><tr><th>#</th><th>");
	html_text(p->out, dash_t(p, "Type"));
	buf_puts(p->out, "</th><th>");
	html_text(p->out, dash_t(p, "Attempts"));
	buf_puts(p->out, "</th><th>");
	html_text(p->out, dash_t(p, "Run at"));
	buf_puts(p->out, "</th><th>");
	html_text(p->out, dash_t(p, "Last error"));
	buf_puts(p->out, "</th></tr></thead><tbody>");
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		sqlite3_bind_text(stmt, 1, state, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 2, DASHBOARD_PAGE_SIZE + 1);
		sqlite3_bind_int64(stmt, 3, (page - 1) * DASHBOARD_PAGE_SIZE);
		while (sqlite3_step(stmt) == SQLITE_ROW &&
		       ++rows <= DASHBOARD_PAGE_SIZE)
			queue_row(p, stmt);
		sqlite3_finalize(stmt);
	}
	if (!rows) {
		buf_puts(p->out, "<tr><td colspan=\"5\" class=\"muted\">");
		html_text(p->out, dash_t(p, "No jobs in this state."));
		buf_puts(p->out, "</td></tr>");
	}
	buf_puts(p->out, "</tbody></table></div>");
	pager(p, "/queue", state, page, rows > DASHBOARD_PAGE_SIZE);
	dash_end(p);
}

/* Pretty-printed JSON when it parses, else the text as it is. */
static void json_block(struct dash_page *p, const char *text)
{
	cJSON *json = text ? cJSON_Parse(text) : NULL;
	char *pretty = json ? cJSON_Print(json) : NULL;

	buf_puts(p->out, "<pre>");
	html_text(p->out, pretty ? pretty : text);
	buf_puts(p->out, "</pre>");
	cJSON_free(pretty);
	cJSON_Delete(json);
}

static void field(struct dash_page *p, const char *label)
{
	buf_puts(p->out, "<dt>");
	html_text(p->out, dash_t(p, label));
	buf_puts(p->out, "</dt><dd>");
}

static void attempts_table(struct dash_page *p, int64_t id)
{
	static const char sql[] =
	    "SELECT attempt, started_at, finished_at, outcome, duration_ms, "
	    "error, owner\n"
	    "FROM job_attempts WHERE job_id = ?1 ORDER BY attempt";
	static const char *const heads[] = {"#",       "Started",  "Finished",
					    "Outcome", "Duration", "Error"};
	sqlite3_stmt *stmt;
	size_t i;

	buf_puts(p->out, "<h2>");
	html_text(p->out, dash_t(p, "Attempts"));
	buf_puts(p->out, "</h2><div class=\"table\"><table><thead><tr>");
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		buf_puts(p->out, "<th>");
		html_text(p->out, dash_t(p, heads[i]));
		buf_puts(p->out, "</th>");
	}
	buf_puts(p->out, "</tr></thead><tbody>");
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		sqlite3_bind_int64(stmt, 1, id);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			const char *outcome =
			    (const char *)sqlite3_column_text(stmt, 3);
			buf_printf(p->out, "<tr><td>%d</td><td>",
				   sqlite3_column_int(stmt, 0));
			dash_time_column(p, stmt, 1);
			buf_puts(p->out, "</td><td>");
			dash_time_column(p, stmt, 2);
			buf_puts(p->out, "</td><td>");
			html_text(p->out, outcome ? dash_t(p, outcome)
						  : dash_t(p, "running"));
			buf_puts(p->out, "</td><td>");
			dash_duration(p, sqlite3_column_type(stmt, 4) ==
						 SQLITE_NULL
					     ? -1
					     : sqlite3_column_int64(stmt, 4));
			buf_puts(p->out, "</td><td class=\"error-text\">");
			html_text(p->out,
				  (const char *)sqlite3_column_text(stmt, 5));
			buf_puts(p->out, "</td></tr>");
		}
		sqlite3_finalize(stmt);
	}
	buf_puts(p->out, "</tbody></table></div>");
}

static void job_actions(struct dash_page *p, int64_t id, const char *state)
{
	char action[64];

	buf_puts(p->out, "<p class=\"actions\">");
	if (!strcmp(state, "failed") || !strcmp(state, "dead") ||
	    !strcmp(state, "cancelled")) {
		snprintf(action, sizeof(action), "/job/%lld/retry",
			 (long long)id);
		dash_button(p, action, dash_t(p, "Retry"), "primary");
	}
	snprintf(action, sizeof(action), "/job/%lld/delete", (long long)id);
	dash_button(p, action,
		    !strcmp(state, "succeeded") || !strcmp(state, "dead") ||
			    !strcmp(state, "cancelled")
			? dash_t(p, "Delete")
			: dash_t(p, "Cancel"),
		    "danger");
	buf_puts(p->out, "</p>");
}

static void job_fields(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *state = (const char *)sqlite3_column_text(stmt, 1);

	buf_puts(p->out, "<dl class=\"fields\">");
	field(p, "State");
	buf_printf(p->out, "<span class=\"badge state-%s\" id=\"job-state\">",
		   state);
	html_text(p->out, dash_t(p, state));
	buf_puts(p->out, "</span></dd>");
	field(p, "Type");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 0));
	buf_printf(p->out, "</dd>");
	field(p, "Attempts");
	buf_printf(p->out, "%d / %d</dd>", sqlite3_column_int(stmt, 3),
		   sqlite3_column_int(stmt, 4));
	field(p, "Run at");
	dash_time_column(p, stmt, 5);
	buf_puts(p->out, "</dd>");
	field(p, "Created");
	dash_time_column(p, stmt, 6);
	buf_puts(p->out, "</dd>");
	field(p, "Finished");
	dash_time_column(p, stmt, 7);
	buf_puts(p->out, "</dd>");
	field(p, "Schedule");
	html_text(p->out, sqlite3_column_type(stmt, 8) == SQLITE_NULL
			      ? "—"
			      : (const char *)sqlite3_column_text(stmt, 8));
	buf_puts(p->out, "</dd>");
	field(p, "Progress");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 9));
	buf_puts(p->out, "</dd></dl>");
}

void dash_job(struct dash_page *p, const char *rest)
{
	static const char sql[] =
	    "SELECT type, state, payload, attempts, coalesce(max_attempts, 0), "
	    "run_at,\n"
	    "       created_at, finished_at, recurring_name, progress, result, "
	    "last_error\n"
	    "FROM jobs WHERE id = ?1";
	char *end = NULL, title[64];
	long long id = strtoll(rest, &end, 10);
	sqlite3_stmt *stmt = NULL;

	if (!end || *end || id <= 0 ||
	    db_prepare(p->d->deps.db, sql, &stmt, NULL)) {
		dash_error_page(p, 404, dash_t(p, "No such job."));
		return;
	}
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		dash_error_page(p, 404, dash_t(p, "No such job."));
		return;
	}
	snprintf(title, sizeof(title), "%s #%lld", dash_t(p, "Job"), id);
	dash_begin(p, title, "/queue");
	dash_notice(p);
	job_actions(p, id, (const char *)sqlite3_column_text(stmt, 1));
	job_fields(p, stmt);
	if (sqlite3_column_type(stmt, 11) != SQLITE_NULL) {
		buf_puts(p->out, "<h2>");
		html_text(p->out, dash_t(p, "Last error"));
		buf_puts(p->out,
			 "</h2><pre class=\"error-text\" id=\"last-error\">");
		html_text(p->out, (const char *)sqlite3_column_text(stmt, 11));
		buf_puts(p->out, "</pre>");
	}
	buf_puts(p->out, "<h2>");
	html_text(p->out, dash_t(p, "Payload"));
	buf_puts(p->out, "</h2>");
	json_block(p, (const char *)sqlite3_column_text(stmt, 2));
	if (sqlite3_column_type(stmt, 10) != SQLITE_NULL) {
		buf_puts(p->out, "<h2>");
		html_text(p->out, dash_t(p, "Result"));
		buf_puts(p->out, "</h2>");
		json_block(p, (const char *)sqlite3_column_text(stmt, 10));
	}
	sqlite3_finalize(stmt);
	attempts_table(p, id);
	dash_end(p);
}

void dash_job_action(struct dash_page *p, const char *rest)
{
	char *end = NULL, path[64];
	long long id = strtoll(rest, &end, 10);
	struct err e = {0};
	int deleted = 0, rc;

	if (!end || *end != '/' || id <= 0) {
		http_text(p->res, 404, "no such job");
		return;
	}
	if (!strcmp(end, "/retry"))
		rc = queue_retry(p->d->deps.queue, id, clock_now(), &e);
	else if (!strcmp(end, "/delete"))
		rc = queue_delete(p->d->deps.queue, id, clock_now(), &deleted,
				  &e);
	else {
		http_text(p->res, 404, "no such action");
		return;
	}
	if (rc) {
		dash_error_page(p,
				rc == ERR_NOTFOUND   ? 404
				: rc == ERR_CONFLICT ? 409
						     : 500,
				e.msg);
		return;
	}
	log_fmt(LOG_INFO, "dashboard.job_action", "job_id=%lld action=%s", id,
		end + 1);
	if (deleted)
		snprintf(path, sizeof(path), "/queue?msg=deleted");
	else
		snprintf(path, sizeof(path), "/job/%lld?msg=%s", id,
			 !strcmp(end, "/retry") ? "retried" : "cancelled");
	dash_redirect(p, path);
}
