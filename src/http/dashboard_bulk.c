/*
 * dashboard_bulk.c - "retry all dead jobs of this type" and "delete all
 * succeeded jobs": a confirmation page that says how many jobs it will
 * touch (GET, no change), then the action (POST with the CSRF token).
 *
 * The confirmation is a page of its own rather than a script's confirm()
 * box, so it works without JavaScript and a test can see it. Each job goes
 * through queue_retry() / queue_delete(), the same short transaction the
 * single-job buttons use, and one click handles at most BULK_LIMIT jobs so
 * that the loop is never held for long; the notice says when more remain.
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

#define BULK_LIMIT 500

struct bulk {
	const char *action; /* "retry-dead" | "delete-succeeded" */
	const char *state;  /* the jobs it touches */
	char type[65];	    /* "" = every type (delete only) */
};

/* ERR_INVALID for an unknown action or a retry without a type. */
static int bulk_read(const char *action, const char *type, struct bulk *b)
{
	if (!action || !type || strlen(type) >= sizeof(b->type))
		return ERR_INVALID;
	snprintf(b->type, sizeof(b->type), "%s", type);
	if (!strcmp(action, "retry-dead") && type[0]) {
		b->action = "retry-dead";
		b->state = "dead";
		return 0;
	}
	if (!strcmp(action, "delete-succeeded")) {
		b->action = "delete-succeeded";
		b->state = "succeeded";
		return 0;
	}
	return ERR_INVALID;
}

static int64_t bulk_count(struct dash_page *p, const struct bulk *b)
{
	static const char sql[] =
	    "SELECT count(*) FROM jobs WHERE state = ?1 AND (?2 = '' OR type = ?2)";
	sqlite3_stmt *stmt;
	int64_t n = 0;

	if (db_prepare(p->d->deps.db, sql, &stmt, NULL))
		return 0;
	sqlite3_bind_text(stmt, 1, b->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, b->type, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

static void back_link(struct dash_page *p, const struct bulk *b)
{
	buf_puts(p->out, " <a href=\"");
	html_text(p->out, p->base);
	buf_printf(p->out, "/queue?state=%s", b->state);
	if (b->type[0]) {
		buf_puts(p->out, "&amp;type=");
		html_url_encode(p->out, b->type);
	}
	buf_puts(p->out, "\">");
	html_text(p->out, dash_t(p, "Back"));
	buf_puts(p->out, "</a>");
}

void dash_bulk_confirm(struct dash_page *p)
{
	struct bulk b;
	int is_retry;
	char question[200];
	int64_t n;

	if (bulk_read(http_query(p->req, "action"),
		      http_query(p->req, "type") ? http_query(p->req, "type")
						 : "",
		      &b)) {
		dash_error_page(p, 404, dash_t(p, "No such page."));
		return;
	}
	is_retry = !strcmp(b.action, "retry-dead");
	n = bulk_count(p, &b);
	dash_begin(p, is_retry ? "Retry dead jobs" : "Delete succeeded jobs",
		   "/queue");
	dash_plural(
	    p->lang,
	    is_retry ? "Retry %lld dead job?|Retry %lld dead jobs?"
		     : "Delete %lld succeeded job?|Delete %lld succeeded jobs?",
	    n, question, sizeof(question));
	buf_puts(p->out, "<p class=\"confirm\" id=\"question\">");
	html_text(p->out, question);
	if (b.type[0]) {
		buf_puts(p->out, " (");
		html_text(p->out, dash_t(p, "Type"));
		buf_puts(p->out, ": <strong>");
		html_text(p->out, b.type);
		buf_puts(p->out, "</strong>)");
	}
	buf_puts(p->out,
		 "</p><form method=\"post\" class=\"inline\" action=\"");
	html_text(p->out, p->base);
	buf_printf(p->out,
		   "/bulk/%s\"><input type=\"hidden\" name=\"csrf\" value=\"",
		   b.action);
	html_text(p->out, p->session->csrf);
	buf_puts(p->out, "\"><input type=\"hidden\" name=\"type\" value=\"");
	html_text(p->out, b.type);
	buf_printf(p->out,
		   "\"><button type=\"submit\" id=\"confirm\" class=\"%s\"%s>",
		   is_retry ? "primary" : "danger", n ? "" : " disabled");
	html_text(p->out,
		  dash_t(p, is_retry ? "Yes, retry them" : "Yes, delete them"));
	buf_puts(p->out, "</button></form>");
	back_link(p, &b);
	dash_end(p);
}

/* Up to BULK_LIMIT ids of the jobs b touches, oldest first. */
static int bulk_ids(struct dash_page *p, const struct bulk *b, int64_t *ids,
		    int *n)
{
	static const char sql[] =
	    "SELECT id FROM jobs WHERE state = ?1 AND (?2 = '' OR type = ?2)\n"
	    "ORDER BY id LIMIT ?3";
	sqlite3_stmt *stmt;

	*n = 0;
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL))
		return -1;
	sqlite3_bind_text(stmt, 1, b->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, b->type, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, BULK_LIMIT);
	while (*n < BULK_LIMIT && sqlite3_step(stmt) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

void dash_bulk_action(struct dash_page *p, const char *rest)
{
	int64_t ids[BULK_LIMIT];
	struct bulk b;
	struct err e = {0};
	int n = 0, done = 0, deleted, i, rc = 0;
	char path[160];

	if (bulk_read(rest,
		      http_form(p->req, "type") ? http_form(p->req, "type")
						: "",
		      &b)) {
		http_text(p->res, 404, "no such bulk action");
		return;
	}
	if (bulk_ids(p, &b, ids, &n)) {
		dash_error_page(p, 500, "cannot read the queue");
		return;
	}
	for (i = 0; i < n && !rc; i++, done += !rc)
		rc =
		    !strcmp(b.action, "retry-dead")
			? queue_retry(p->d->deps.queue, ids[i], clock_now(), &e)
			: queue_delete(p->d->deps.queue, ids[i], clock_now(),
				       &deleted, &e);
	log_fmt(LOG_INFO, "dashboard.bulk_action", "action=%s type=%s jobs=%d",
		b.action, b.type[0] ? b.type : "*", done);
	if (rc) {
		dash_error_page(p, rc == ERR_CONFLICT ? 409 : 500, e.msg);
		return;
	}
	snprintf(path, sizeof(path), "/queue?state=%s&msg=%s&n=%d%s",
		 !strcmp(b.action, "retry-dead") ? "enqueued" : "succeeded",
		 !strcmp(b.action, "retry-dead") ? "bulkretried"
						 : "bulkdeleted",
		 done, n == BULK_LIMIT ? "&more=1" : "");
	dash_redirect(p, path);
}
