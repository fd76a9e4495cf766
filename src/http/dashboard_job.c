/*
 * dashboard_job.c - one job: its state, the result in words (the JSON one
 * click away), the payload, every attempt, and the actions (retry,
 * delete or cancel).
 *
 * A job that is waiting or running refreshes its page every few seconds
 * (live.js), so its progress moves and the retry notice turns into what
 * actually happened. The notice after an action is worded from the job's
 * state when the page is built, not from the action that was taken.
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

#define JOB_LIVE_SECONDS 3

enum job_column {
	COL_TYPE,
	COL_STATE,
	COL_PAYLOAD,
	COL_ATTEMPTS,
	COL_MAX_ATTEMPTS,
	COL_RUN_AT,
	COL_CREATED,
	COL_STARTED,
	COL_FINISHED,
	COL_SCHEDULE,
	COL_PROGRESS,
	COL_RESULT,
	COL_ERROR,
	COL_ROWS, /* attempt rows in all, earlier retries included */
};

static int is_waiting_or_running(const char *state)
{
	return !strcmp(state, "enqueued") || !strcmp(state, "scheduled") ||
	       !strcmp(state, "processing") || !strcmp(state, "failed");
}

/* What a retry led to, as the job stands now. */
static void retry_notice(struct dash_page *p, const char *state)
{
	static const char *const words[][2] = {
	    {"enqueued", "Retried: the job is back in the queue."},
	    {"scheduled", "Retried: the job is back in the queue."},
	    {"processing", "Retried: the job is running now."},
	    {"failed",
	     "Retried: it ran and failed again; another attempt follows."},
	    {"succeeded", "Retried: it ran again and succeeded."},
	    {"dead", "Retried: it ran again and died again."},
	    {"cancelled", "The job was cancelled."},
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(state, words[i][0]))
			dash_notice_text(p, dash_t(p, words[i][1]),
					 !strcmp(state, "dead") ||
					     !strcmp(state, "failed"));
}

static void field(struct dash_page *p, const char *label)
{
	buf_puts(p->out, "<dt>");
	html_text(p->out, dash_t(p, label));
	buf_puts(p->out, "</dt><dd>");
}

static void attempts_row(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *outcome = (const char *)sqlite3_column_text(stmt, 3);

	buf_printf(p->out, "<tr><td>%d</td><td>", sqlite3_column_int(stmt, 0));
	dash_time_column(p, stmt, 1);
	buf_puts(p->out, "</td><td>");
	dash_badge(p, outcome ? outcome : "running");
	buf_puts(p->out, "</td><td>");
	dash_duration(p, sqlite3_column_type(stmt, 4) == SQLITE_NULL
			     ? -1
			     : sqlite3_column_int64(stmt, 4));
	buf_puts(p->out, "</td><td class=\"error-text\">");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 5));
	buf_puts(p->out, "</td></tr>");
}

static void attempts_table(struct dash_page *p, int64_t id)
{
	static const char sql[] =
	    "SELECT attempt, started_at, finished_at, outcome, duration_ms, error\n"
	    "FROM job_attempts WHERE job_id = ?1 ORDER BY attempt DESC LIMIT 100";
	static const char *const heads[] = {"#", "Started", "Outcome",
					    "Duration", "Error"};
	sqlite3_stmt *stmt;
	int rows = 0;

	dash_h2(p, "Attempts");
	dash_table_head(p, heads, sizeof(heads) / sizeof(heads[0]), NULL);
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		sqlite3_bind_int64(stmt, 1, id);
		for (; sqlite3_step(stmt) == SQLITE_ROW; rows++)
			attempts_row(p, stmt);
		sqlite3_finalize(stmt);
	}
	if (!rows) {
		buf_puts(p->out, "<tr><td colspan=\"5\" class=\"muted\">");
		html_text(p->out, dash_t(p, "No attempt yet."));
		buf_puts(p->out, "</td></tr>");
	}
	buf_puts(p->out, "</tbody></table></div>");
}

static void job_actions(struct dash_page *p, int64_t id, const char *state)
{
	int is_finished = !strcmp(state, "succeeded") ||
			  !strcmp(state, "dead") || !strcmp(state, "cancelled");
	char action[64];

	buf_puts(p->out, "<p class=\"actions\">");
	if (!strcmp(state, "failed") || !strcmp(state, "dead") ||
	    !strcmp(state, "cancelled")) {
		snprintf(action, sizeof(action), "/job/%lld/retry",
			 (long long)id);
		dash_button(p, action, dash_t(p, "Retry"), "primary");
	}
	snprintf(action, sizeof(action), "/job/%lld/delete", (long long)id);
	dash_button(p, action, dash_t(p, is_finished ? "Delete" : "Cancel"),
		    "danger");
	buf_puts(p->out, "</p>");
}

/* "1 / 3", and "(4 in all)" when earlier rounds left attempt rows. */
static void attempts_field(struct dash_page *p, sqlite3_stmt *stmt)
{
	int attempts = sqlite3_column_int(stmt, COL_ATTEMPTS);
	int rows = sqlite3_column_int(stmt, COL_ROWS);
	char all[64];

	field(p, "Attempts");
	buf_printf(p->out, "<span id=\"attempts\">%d / %d</span>", attempts,
		   sqlite3_column_int(stmt, COL_MAX_ATTEMPTS));
	if (rows != attempts) {
		dash_plural(p->lang,
			    "%lld attempt in all, with earlier retries|"
			    "%lld attempts in all, with earlier retries",
			    rows, all, sizeof(all));
		buf_puts(p->out, " <span class=\"muted\">(");
		html_text(p->out, all);
		buf_puts(p->out, ")</span>");
	}
	buf_puts(p->out, "</dd>");
}

static void time_field(struct dash_page *p, const char *label,
		       sqlite3_stmt *stmt, int column)
{
	if (sqlite3_column_type(stmt, column) == SQLITE_NULL)
		return;
	field(p, label);
	dash_time_column(p, stmt, column);
	buf_puts(p->out, "</dd>");
}

static void job_fields(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *state = (const char *)sqlite3_column_text(stmt, COL_STATE);
	const char *progress =
	    (const char *)sqlite3_column_text(stmt, COL_PROGRESS);
	int64_t started = 0, finished = 0;

	buf_puts(p->out, "<dl class=\"fields\">");
	field(p, "State");
	buf_puts(p->out, "<span id=\"job-state\">");
	dash_badge(p, state);
	buf_puts(p->out, "</span></dd>");
	field(p, "Type");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, COL_TYPE));
	buf_puts(p->out, "</dd>");
	attempts_field(p, stmt);
	if (is_waiting_or_running(state) && strcmp(state, "processing"))
		time_field(p, "Runs at", stmt, COL_RUN_AT);
	time_field(p, "Created", stmt, COL_CREATED);
	time_field(p, "Started", stmt, COL_STARTED);
	time_field(p, "Finished", stmt, COL_FINISHED);
	if (db_column_time(stmt, COL_STARTED, &started) == 0 &&
	    db_column_time(stmt, COL_FINISHED, &finished) == 0 &&
	    finished >= started) {
		field(p, "Duration");
		dash_duration(p, finished - started);
		buf_puts(p->out, "</dd>");
	}
	if (sqlite3_column_type(stmt, COL_SCHEDULE) != SQLITE_NULL) {
		field(p, "Schedule");
		html_text(p->out, (const char *)sqlite3_column_text(
				      stmt, COL_SCHEDULE));
		buf_puts(p->out, "</dd>");
	}
	if (progress && progress[0]) {
		field(p, "Progress");
		buf_puts(p->out, "<span id=\"progress\">");
		html_text(p->out, progress);
		buf_puts(p->out, "</span></dd>");
	}
	buf_puts(p->out, "</dl>");
}

static void job_body(struct dash_page *p, int64_t id, sqlite3_stmt *stmt)
{
	const char *type = (const char *)sqlite3_column_text(stmt, COL_TYPE);
	const char *result =
	    (const char *)sqlite3_column_text(stmt, COL_RESULT);
	const char *msg = http_query(p->req, "msg");
	const char *state = (const char *)sqlite3_column_text(stmt, COL_STATE);

	if (msg && !strcmp(msg, "retried"))
		retry_notice(p, state);
	else
		dash_notice(p);
	job_actions(p, id, state);
	job_fields(p, stmt);
	if (result) {
		dash_h2(p, "Result");
		buf_puts(p->out, "<p id=\"result\">");
		dash_describe_result(p->lang, type, result, p->out);
		buf_puts(p->out, "</p>");
		dash_json_details(p, result);
	}
	if (sqlite3_column_type(stmt, COL_ERROR) != SQLITE_NULL) {
		dash_h2(p, "Last error");
		buf_puts(p->out,
			 "<pre class=\"error-text\" id=\"last-error\">");
		html_text(p->out,
			  (const char *)sqlite3_column_text(stmt, COL_ERROR));
		buf_puts(p->out, "</pre>");
	}
	dash_h2(p, "Payload");
	dash_json_details(p,
			  (const char *)sqlite3_column_text(stmt, COL_PAYLOAD));
	attempts_table(p, id);
}

void dash_job(struct dash_page *p, const char *rest)
{
	static const char sql[] =
	    "SELECT type, state, payload, attempts, coalesce(max_attempts, 0), run_at,\n"
	    "       created_at, started_at, finished_at, recurring_name, progress, result,\n"
	    "       last_error, (SELECT count(*) FROM job_attempts WHERE job_id = jobs.id)\n"
	    "FROM jobs WHERE id = ?1";
	char *end = NULL;
	long long id = strtoll(rest, &end, 10);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (!end || *end || id <= 0 ||
	    db_prepare(p->d->deps.db, sql, &stmt, NULL)) {
		dash_error_page(p, 404, dash_t(p, "No such job."));
		return;
	}
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			log_event(LOG_WARN, "dashboard.read_failed", "error",
				  sqlite3_errmsg(p->d->deps.db), (char *)NULL);
		sqlite3_finalize(stmt);
		dash_error_page(p, 404, dash_t(p, "No such job."));
		return;
	}
	if (is_waiting_or_running(
		(const char *)sqlite3_column_text(stmt, COL_STATE)))
		p->live_seconds = JOB_LIVE_SECONDS;
	snprintf(p->title_extra, sizeof(p->title_extra), " #%lld", id);
	dash_begin(p, "Job", "/queue");
	job_body(p, id, stmt);
	sqlite3_finalize(stmt);
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
