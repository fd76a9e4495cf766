/*
 * dashboard_alerts.c - the overview's alerts in the page's language.
 *
 * The alerts table keeps the English text the alert was sent with
 * (app/alerts.c); the page words each kind itself from the kind, the
 * subject and the numbers in that text, so a Czech page says it in Czech.
 * A long-running alert is open only while that same run still runs: once
 * the job ended it is shown as over, not red forever.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "dashboard_impl.h"
#include "db/db.h"
#include "http/html.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* 1 while job id is still processing its attempt-th attempt. */
static int is_still_running(struct dash_page *p, long long id, int attempt)
{
	static const char sql[] =
	    "SELECT 1 FROM jobs WHERE id = ?1 AND state = 'processing' AND attempts = ?2";
	sqlite3_stmt *stmt;
	int is_running = 0;

	if (db_prepare(p->d->deps.db, sql, &stmt, NULL))
		return 0;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, attempt);
	is_running = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return is_running;
}

static void counted(struct dash_page *p, const char *key, long long n)
{
	char text[160];

	dash_plural(p->lang, key, n, text, sizeof(text));
	html_text(p->out, text);
}

static void failures_alert(struct dash_page *p, const char *subject,
			   const char *message)
{
	const char *error = strstr(message, "last error: ");
	int streak = 0;

	buf_puts(p->out, "<strong>");
	html_text(p->out, subject);
	buf_puts(p->out, "</strong> ");
	if (sscanf(message, "%d failures in a row", &streak) == 1)
		counted(p, "%lld failure in a row|%lld failures in a row",
			streak);
	if (error) {
		buf_puts(p->out, "; ");
		html_text(p->out, dash_t(p, "last error:"));
		buf_puts(p->out, " <span class=\"error-text\">");
		html_text(p->out, error + strlen("last error: "));
		buf_puts(p->out, "</span>");
	}
}

/* A long-running alert stands while that run still runs. */
static int long_running_open(struct dash_page *p, const char *subject)
{
	long long id = 0;
	int attempt = 0;

	return sscanf(subject, "job #%lld attempt %d", &id, &attempt) == 2 &&
	       is_still_running(p, id, attempt);
}

static void long_running_alert(struct dash_page *p, const char *subject,
			       const char *message, int is_open)
{
	const char *longer = strstr(message, "(longer than ");
	char type[65] = "", limit[48], text[160];
	long long id = 0;
	int attempt = 0, minutes = 0;

	if (sscanf(subject, "job #%lld attempt %d", &id, &attempt) != 2 ||
	    sscanf(message, "%64s has been running", type) != 1 || !longer ||
	    sscanf(longer, "(longer than %d minutes", &minutes) != 1) {
		html_text(p->out, message);
		return;
	}
	dash_job_link(p, id);
	buf_puts(p->out, " <strong>");
	html_text(p->out, type);
	buf_puts(p->out, "</strong> ");
	dash_format_duration(p->lang, (int64_t)minutes * MS_PER_MINUTE, limit,
			     sizeof(limit));
	dash_subst(dash_t(p, is_open ? "has been running longer than %s"
				     : "ran longer than %s"),
		   limit, text, sizeof(text));
	html_text(p->out, text);
}

static void queue_alert(struct dash_page *p, const char *message)
{
	long long waiting = 0;

	if (sscanf(message, "domecek-jobs: %lld jobs", &waiting) == 1)
		counted(
		    p,
		    "%lld job waiting in the queue|%lld jobs waiting in the queue",
		    waiting);
	else
		html_text(p->out, message);
}

static void alert_row(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *kind = (const char *)sqlite3_column_text(stmt, 0);
	const char *subject = (const char *)sqlite3_column_text(stmt, 1);
	const char *message = (const char *)sqlite3_column_text(stmt, 2);
	int is_open = sqlite3_column_type(stmt, 4) == SQLITE_NULL;

	if (!kind || !subject || !message)
		return;
	if (is_open && !strcmp(kind, "long_running"))
		is_open = long_running_open(p, subject);
	buf_printf(p->out, "<li class=\"%s\">", is_open ? "open" : "resolved");
	dash_time_column(p, stmt, 3);
	buf_puts(p->out, " ");
	if (!strcmp(kind, "consecutive_failures"))
		failures_alert(p, subject, message);
	else if (!strcmp(kind, "long_running"))
		long_running_alert(p, subject, message, is_open);
	else if (!strcmp(kind, "queue_length"))
		queue_alert(p, message);
	else
		html_text(p->out, message);
	if (!is_open) {
		buf_puts(p->out, " <span class=\"muted\">(");
		html_text(p->out, dash_t(p, "resolved"));
		buf_puts(p->out, ")</span>");
	}
	buf_puts(p->out, "</li>");
}

void dash_alerts(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT kind, subject, message, created_at, resolved_at FROM alerts\n"
	    "ORDER BY id DESC LIMIT 10";
	sqlite3_stmt *stmt;
	int rows = 0;

	dash_h2(p, "Alerts");
	buf_puts(p->out, "<ul class=\"alerts\">");
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		for (; sqlite3_step(stmt) == SQLITE_ROW; rows++)
			alert_row(p, stmt);
		sqlite3_finalize(stmt);
	}
	buf_puts(p->out, "</ul>");
	if (!rows)
		dash_muted(p, "No alerts.");
}
