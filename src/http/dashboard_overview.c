/*
 * dashboard_overview.c - the first page: counts by state, the running
 * job with its progress, runs per hour (24 h) and per day (30 days) as
 * inline SVG bar charts, and the latest alerts.
 *
 * The charts read metrics_hourly (one row per job and hour), so they
 * cost one indexed range scan however many jobs ran.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "dashboard_impl.h"
#include "db/db.h"
#include "base/err.h"
#include "http/html.h"
#include "core/queue.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define CHART_W 720
#define CHART_H 160
#define MAX_BARS 30

struct bar {
	char label[16];
	int64_t succeeded, failed;
};

static void counts_section(struct dash_page *p)
{
	const char *states[] = {"enqueued", "scheduled", "processing",
				"failed",   "dead",	 "succeeded"};
	struct queue_counts c;
	struct err e = {0};
	int64_t values[6];
	size_t i;

	if (queue_counts(p->d->deps.db, &c, &e)) {
		buf_puts(p->out, "<p class=\"error\">");
		html_text(p->out, e.msg);
		buf_puts(p->out, "</p>");
		return;
	}
	values[0] = c.enqueued, values[1] = c.scheduled,
	values[2] = c.processing;
	values[3] = c.failed, values[4] = c.dead, values[5] = c.succeeded;
	buf_puts(p->out, "<section class=\"cards\">");
	for (i = 0; i < 6; i++) {
		buf_printf(p->out, "<a class=\"card state-%s\" href=\"",
			   states[i]);
		html_text(p->out, p->base);
		buf_printf(
		    p->out,
		    "/queue?state=%s\"><span class=\"count\">%lld</span> ",
		    states[i], (long long)values[i]);
		html_text(p->out, dash_t(p, states[i]));
		buf_puts(p->out, "</a>");
	}
	buf_puts(p->out, "</section>");
}

static void running_section(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT id, type, progress, started_at FROM jobs\n"
	    "WHERE state = 'processing' ORDER BY started_at LIMIT 5";
	sqlite3_stmt *stmt;
	int rows = 0;

	buf_puts(p->out, "<section><h2>");
	html_text(p->out, dash_t(p, "Running now"));
	buf_puts(p->out, "</h2>");
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			rows++;
			buf_puts(p->out, "<p class=\"running\"><a href=\"");
			html_text(p->out, p->base);
			buf_printf(p->out, "/job/%lld\">#%lld ",
				   sqlite3_column_int64(stmt, 0),
				   sqlite3_column_int64(stmt, 0));
			html_text(p->out,
				  (const char *)sqlite3_column_text(stmt, 1));
			buf_puts(p->out, "</a> ");
			html_text(p->out,
				  (const char *)sqlite3_column_text(stmt, 2));
			buf_puts(p->out, " · ");
			html_text(p->out, dash_t(p, "since"));
			buf_puts(p->out, " ");
			dash_time_column(p, stmt, 3);
			buf_puts(p->out, "</p>");
		}
		sqlite3_finalize(stmt);
	}
	if (!rows) {
		buf_puts(p->out, "<p class=\"muted\">");
		html_text(p->out, dash_t(p, "No job is running."));
		buf_puts(p->out, "</p>");
	}
	buf_puts(p->out, "</section>");
}

/* Fills bars from metrics_hourly: n buckets of prefix_len characters of
 * the hour text ("YYYY-MM-DDTHH" hours, "YYYY-MM-DD" days), ending now. */
static int load_bars(struct dash_page *p, struct bar *bars, int n,
		     int64_t step_ms, int prefix_len)
{
	static const char sql[] =
	    "SELECT substr(hour, 1, ?2), sum(succeeded), sum(failed)\n"
	    "FROM metrics_hourly WHERE hour >= substr(?1, 1, 13)\n"
	    "GROUP BY 1 ORDER BY 1";
	int64_t now = clock_now(), first = now - (int64_t)(n - 1) * step_ms;
	char iso[CLOCK_ISO_LEN];
	sqlite3_stmt *stmt;
	int i;

	if (prefix_len == 10)
		first -= first % MS_PER_DAY;
	for (i = 0; i < n; i++) {
		clock_format(first + (int64_t)i * step_ms, iso);
		snprintf(bars[i].label, sizeof(bars[i].label), "%.*s",
			 prefix_len, iso);
		bars[i].succeeded = bars[i].failed = 0;
	}
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL))
		return -1;
	db_bind_time(stmt, 1, first);
	sqlite3_bind_int(stmt, 2, prefix_len);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		for (i = 0; i < n; i++)
			if (!strcmp(
				bars[i].label,
				(const char *)sqlite3_column_text(stmt, 0))) {
				bars[i].succeeded =
				    sqlite3_column_int64(stmt, 1);
				bars[i].failed = sqlite3_column_int64(stmt, 2);
			}
	sqlite3_finalize(stmt);
	return 0;
}

static void bar_rect(struct dash_page *p, const char *css, double x, double y,
		     double w, double h)
{
	if (h > 0)
		buf_printf(
		    p->out,
		    "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\"/>",
		    css, x, y, w, h);
}

/* Stacked bars (succeeded below failed), a <title> per bar for hovering,
 * and the first and last labels under the axis. */
static void chart(struct dash_page *p, const char *title,
		  const struct bar *bars, int n, int label_from)
{
	int64_t max = 1;
	double slot = (double)CHART_W / n, scale;
	int i;

	for (i = 0; i < n; i++)
		if (bars[i].succeeded + bars[i].failed > max)
			max = bars[i].succeeded + bars[i].failed;
	scale = (double)(CHART_H - 20) / (double)max;
	buf_puts(p->out, "<figure class=\"chart\"><figcaption>");
	html_text(p->out, dash_t(p, title));
	buf_printf(
	    p->out,
	    " <span class=\"legend ok\">%s</span> <span class=\"legend bad\">%s"
	    "</span></figcaption><svg viewBox=\"0 0 %d %d\" role=\"img\" "
	    "preserveAspectRatio=\"none\"><line class=\"axis\" x1=\"0\" "
	    "y1=\"%d\" "
	    "x2=\"%d\" y2=\"%d\"/>",
	    dash_t(p, "succeeded"), dash_t(p, "failed"), CHART_W, CHART_H + 14,
	    CHART_H, CHART_W, CHART_H);
	for (i = 0; i < n; i++) {
		double x = i * slot + slot * 0.1, w = slot * 0.8;
		double ok_h = (double)bars[i].succeeded * scale,
		       bad_h = (double)bars[i].failed * scale;
		buf_puts(p->out, "<g><title>");
		html_textf(
		    p->out, "%s: %lld / %lld", bars[i].label + label_from,
		    (long long)bars[i].succeeded, (long long)bars[i].failed);
		buf_puts(p->out, "</title>");
		bar_rect(p, "ok", x, CHART_H - ok_h, w, ok_h);
		bar_rect(p, "bad", x, CHART_H - ok_h - bad_h, w, bad_h);
		buf_puts(p->out, "</g>");
	}
	buf_printf(p->out, "<text x=\"0\" y=\"%d\">", CHART_H + 12);
	html_text(p->out, bars[0].label + label_from);
	buf_printf(p->out,
		   "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		   CHART_W, CHART_H + 12);
	html_text(p->out, bars[n - 1].label + label_from);
	buf_printf(
	    p->out,
	    "</text><text x=\"%d\" y=\"10\" text-anchor=\"end\">max %lld</text>"
	    "</svg></figure>",
	    CHART_W, (long long)max);
}

static void charts_section(struct dash_page *p)
{
	struct bar bars[MAX_BARS];

	buf_puts(p->out, "<section class=\"charts\">");
	if (load_bars(p, bars, 24, MS_PER_HOUR, 13) == 0)
		chart(p, "Runs per hour, last 24 hours (UTC)", bars, 24, 11);
	if (load_bars(p, bars, 30, MS_PER_DAY, 10) == 0)
		chart(p, "Runs per day, last 30 days", bars, 30, 5);
	buf_puts(p->out, "</section>");
}

static void alerts_section(struct dash_page *p)
{
	static const char sql[] = "SELECT kind, subject, message, created_at, "
				  "resolved_at FROM alerts\n"
				  "ORDER BY id DESC LIMIT 10";
	sqlite3_stmt *stmt;
	int rows = 0;

	buf_puts(p->out, "<section><h2>");
	html_text(p->out, dash_t(p, "Alerts"));
	buf_puts(p->out, "</h2><ul class=\"alerts\">");
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		for (; sqlite3_step(stmt) == SQLITE_ROW; rows++) {
			int is_open =
			    sqlite3_column_type(stmt, 4) == SQLITE_NULL;
			buf_printf(p->out, "<li class=\"%s\">",
				   is_open ? "open" : "resolved");
			dash_time_column(p, stmt, 3);
			buf_puts(p->out, " <strong>");
			html_text(p->out,
				  (const char *)sqlite3_column_text(stmt, 1));
			buf_puts(p->out, "</strong> ");
			html_text(p->out,
				  (const char *)sqlite3_column_text(stmt, 2));
			if (!is_open) {
				buf_puts(p->out, " <span class=\"muted\">(");
				html_text(p->out, dash_t(p, "resolved"));
				buf_puts(p->out, ")</span>");
			}
			buf_puts(p->out, "</li>");
		}
		sqlite3_finalize(stmt);
	}
	if (!rows) {
		buf_puts(p->out, "<li class=\"muted\">");
		html_text(p->out, dash_t(p, "No alerts."));
		buf_puts(p->out, "</li>");
	}
	buf_puts(p->out, "</ul></section>");
}

void dash_overview(struct dash_page *p)
{
	dash_begin(p, "Overview", "");
	dash_notice(p);
	counts_section(p);
	running_section(p);
	charts_section(p);
	alerts_section(p);
	dash_end(p);
}
