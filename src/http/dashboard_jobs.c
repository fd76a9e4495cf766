/*
 * dashboard_jobs.c - the queue by state and type with paging, finding a
 * job by its number, one job with every attempt, and the job actions
 * (retry, delete).
 *
 * Lists page by LIMIT/OFFSET over the (state, type) index: the admin
 * looks at the first pages, and a deep page costs a skip, not a sort.
 *
 * After an action the job page words the notice from the job's state as
 * it is when the page is built, not from the action: the loop may well
 * have run the retried job before the browser followed the redirect, and
 * "back in the queue" above a "dead" badge would be a lie.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/queue.h"
#include "dashboard_impl.h"
#include "db/db.h"
#include "http/html.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const queue_states[] = {
    "enqueued", "scheduled", "processing", "failed",
    "dead",	"succeeded", "cancelled"};
#define STATE_COUNT (sizeof(queue_states) / sizeof(queue_states[0]))

struct queue_filter {
	const char *state; /* one of queue_states */
	char type[65];	   /* "" = every type */
	int64_t page;
};

static void read_filter(const struct dash_page *p, struct queue_filter *f)
{
	const char *state = http_query(p->req, "state");
	const char *type = http_query(p->req, "type");
	const char *page = http_query(p->req, "page");
	long long n = page ? atoll(page) : 1;
	size_t i;

	for (i = 0; i < STATE_COUNT && state && strcmp(state, queue_states[i]);
	     i++)
		;
	f->state = i < STATE_COUNT ? queue_states[i] : "enqueued";
	snprintf(f->type, sizeof(f->type), "%s",
		 type && strlen(type) < sizeof(f->type) ? type : "");
	f->page = n < 1 ? 1 : n > 100000 ? 100000 : n;
}

/* "?state=dead&amp;type=send_email&amp;page=2" */
static void filter_query(struct dash_page *p, const struct queue_filter *f,
			 const char *state, int64_t page)
{
	buf_printf(p->out, "?state=%s", state);
	if (f->type[0]) {
		buf_puts(p->out, "&amp;type=");
		html_url_encode(p->out, f->type);
	}
	if (page > 1)
		buf_printf(p->out, "&amp;page=%lld", (long long)page);
}

static void pager(struct dash_page *p, const struct queue_filter *f,
		  int has_more)
{
	buf_puts(p->out, "<nav class=\"pager\">");
	if (f->page > 1) {
		buf_puts(p->out, "<a href=\"");
		html_text(p->out, p->base);
		buf_puts(p->out, "/queue");
		filter_query(p, f, f->state, f->page - 1);
		buf_puts(p->out, "\">← ");
		html_text(p->out, dash_t(p, "previous"));
		buf_puts(p->out, "</a> ");
	}
	buf_printf(p->out, "<span>%lld</span>", (long long)f->page);
	if (has_more) {
		buf_puts(p->out, " <a href=\"");
		html_text(p->out, p->base);
		buf_puts(p->out, "/queue");
		filter_query(p, f, f->state, f->page + 1);
		buf_puts(p->out, "\">");
		html_text(p->out, dash_t(p, "next"));
		buf_puts(p->out, " →</a>");
	}
	buf_puts(p->out, "</nav>");
}

static void state_tabs(struct dash_page *p, const struct queue_filter *f)
{
	size_t i;

	buf_puts(p->out, "<nav class=\"tabs\">");
	for (i = 0; i < STATE_COUNT; i++) {
		buf_puts(p->out, "<a href=\"");
		html_text(p->out, p->base);
		buf_puts(p->out, "/queue");
		filter_query(p, f, queue_states[i], 1);
		buf_printf(p->out, "\"%s>",
			   !strcmp(f->state, queue_states[i])
			       ? " class=\"active\""
			       : "");
		html_text(p->out, dash_t(p, queue_states[i]));
		buf_puts(p->out, "</a>");
	}
	buf_puts(p->out, "</nav>");
}

static void type_options(struct dash_page *p, const struct queue_filter *f)
{
	static const char sql[] =
	    "SELECT DISTINCT type FROM jobs ORDER BY type";
	sqlite3_stmt *stmt;

	buf_puts(p->out, "<option value=\"\">");
	html_text(p->out, dash_t(p, "every type"));
	buf_puts(p->out, "</option>");
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL))
		return;
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(stmt, 0);
		buf_puts(p->out, "<option value=\"");
		html_text(p->out, type);
		buf_printf(p->out, "\"%s>",
			   !strcmp(type, f->type) ? " selected" : "");
		html_text(p->out, type);
		buf_puts(p->out, "</option>");
	}
	sqlite3_finalize(stmt);
}

/* Filter by type, jump to a job by number: plain GET forms. */
static void queue_forms(struct dash_page *p, const struct queue_filter *f)
{
	buf_puts(p->out,
		 "<div class=\"toolbar\"><form method=\"get\" action=\"");
	html_text(p->out, p->base);
	buf_printf(
	    p->out,
	    "/queue\" id=\"filter\"><input type=\"hidden\" name=\"state\" "
	    "value=\"%s\"><label>",
	    f->state);
	html_text(p->out, dash_t(p, "Type"));
	buf_puts(p->out, " <select name=\"type\" id=\"type\">");
	type_options(p, f);
	buf_puts(p->out, "</select></label> <button type=\"submit\">");
	html_text(p->out, dash_t(p, "Filter"));
	buf_puts(p->out, "</button></form><form method=\"get\" action=\"");
	html_text(p->out, p->base);
	buf_puts(p->out, "/find\" id=\"find\"><label>");
	html_text(p->out, dash_t(p, "Job number"));
	buf_puts(p->out, " <input type=\"number\" name=\"id\" min=\"1\" "
			 "inputmode=\"numeric\" required></label> "
			 "<button type=\"submit\">");
	html_text(p->out, dash_t(p, "Open"));
	buf_puts(p->out, "</button></form></div>");
}

/* Links to the bulk actions that fit this view (each asks first). */
static void bulk_links(struct dash_page *p, const struct queue_filter *f)
{
	const char *action =
	    !strcmp(f->state, "dead") && f->type[0] ? "retry-dead"
	    : !strcmp(f->state, "succeeded")	    ? "delete-succeeded"
						    : NULL;

	if (!action)
		return;
	buf_puts(p->out,
		 "<p class=\"bulk\"><a class=\"button\" id=\"bulk\" href=\"");
	html_text(p->out, p->base);
	buf_printf(p->out, "/bulk?action=%s", action);
	if (f->type[0]) {
		buf_puts(p->out, "&amp;type=");
		html_url_encode(p->out, f->type);
	}
	buf_puts(p->out, "\">");
	html_text(p->out, dash_t(p, action[0] == 'r'
					? "Retry all dead jobs of this type…"
					: "Delete all succeeded jobs…"));
	buf_puts(p->out, "</a></p>");
}

static void queue_row(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *type = (const char *)sqlite3_column_text(stmt, 1);
	const char *result = (const char *)sqlite3_column_text(stmt, 6);

	buf_puts(p->out, "<tr><td>");
	dash_job_link(p, sqlite3_column_int64(stmt, 0));
	buf_puts(p->out, "</td><td>");
	html_text(p->out, type);
	buf_printf(p->out, "</td><td>%d / %d</td><td>",
		   sqlite3_column_int(stmt, 2), sqlite3_column_int(stmt, 3));
	dash_time_column(p, stmt, 4);
	buf_puts(p->out, "</td><td>");
	if (sqlite3_column_type(stmt, 5) != SQLITE_NULL) {
		buf_puts(p->out, "<span class=\"error-text\">");
		html_text(p->out, (const char *)sqlite3_column_text(stmt, 5));
		buf_puts(p->out, "</span>");
	} else if (result) {
		dash_describe_result(p->lang, type, result, p->out);
	}
	buf_puts(p->out, "</td></tr>");
}

void dash_queue(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT id, type, attempts, coalesce(max_attempts, 0),\n"
	    "       coalesce(finished_at, run_at), last_error, result\n"
	    "FROM jobs WHERE state = ?1 AND (?4 = '' OR type = ?4)\n"
	    "ORDER BY coalesce(finished_at, run_at) DESC, id DESC LIMIT ?2 OFFSET ?3";
	static const char *const heads[] = {"#", "Type", "Attempts", "When",
					    "Result"};
	struct queue_filter f;
	sqlite3_stmt *stmt;
	int rows = 0;

	read_filter(p, &f);
	dash_begin(p, "Queue", "/queue");
	dash_notice(p);
	state_tabs(p, &f);
	queue_forms(p, &f);
	bulk_links(p, &f);
	dash_table_head(p, heads, sizeof(heads) / sizeof(heads[0]), NULL);
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		sqlite3_bind_text(stmt, 1, f.state, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 2, DASHBOARD_PAGE_SIZE + 1);
		sqlite3_bind_int64(stmt, 3, (f.page - 1) * DASHBOARD_PAGE_SIZE);
		sqlite3_bind_text(stmt, 4, f.type, -1, SQLITE_STATIC);
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
	pager(p, &f, rows > DASHBOARD_PAGE_SIZE);
	dash_end(p);
}

void dash_job_find(struct dash_page *p)
{
	const char *text = http_query(p->req, "id");
	char *end = NULL, path[64];
	long long id = text ? strtoll(text, &end, 10) : 0;
	sqlite3_stmt *stmt;
	int exists = 0;

	if (id > 0 && end && !*end &&
	    db_prepare(p->d->deps.db, "SELECT 1 FROM jobs WHERE id = ?1", &stmt,
		       NULL) == 0) {
		sqlite3_bind_int64(stmt, 1, id);
		exists = sqlite3_step(stmt) == SQLITE_ROW;
		sqlite3_finalize(stmt);
	}
	if (exists)
		snprintf(path, sizeof(path), "/job/%lld", id);
	else
		snprintf(path, sizeof(path), "/queue?msg=nojob");
	dash_redirect(p, path);
}
