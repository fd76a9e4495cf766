/*
 * dashboard_overview.c - the first page: counts by state, the running
 * jobs with their progress, runs per hour (24 h) and per day (30 days) in
 * local time, and the latest alerts. It updates itself every few seconds
 * (live.js), so it answers "is my box all right?" without a reload.
 *
 * The charts read metrics_hourly (one row per job and UTC hour): one
 * indexed range scan summed per hour, then placed in local hours and days
 * here, however many jobs ran.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/tz.h"
#include "core/queue.h"
#include "dashboard_impl.h"
#include "db/db.h"
#include "http/html.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define OVERVIEW_LIVE_SECONDS 5
#define HOURS 24
#define DAYS 30

static void counts_section(struct dash_page *p)
{
	static const char *const states[] = {"enqueued",   "scheduled",
					     "processing", "failed",
					     "dead",	   "succeeded"};
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
	values[0] = c.enqueued, values[1] = c.scheduled;
	values[2] = c.processing, values[3] = c.failed;
	values[4] = c.dead, values[5] = c.succeeded;
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

static void running_row(struct dash_page *p, sqlite3_stmt *stmt)
{
	const char *progress = (const char *)sqlite3_column_text(stmt, 2);
	int64_t started = 0;

	buf_puts(p->out, "<p class=\"running\">");
	dash_job_link(p, sqlite3_column_int64(stmt, 0));
	buf_puts(p->out, " <strong>");
	html_text(p->out, (const char *)sqlite3_column_text(stmt, 1));
	buf_puts(p->out, "</strong> · ");
	if (progress && progress[0]) {
		html_text(p->out, progress);
		buf_puts(p->out, " · ");
	}
	html_text(p->out, dash_t(p, "running for"));
	buf_puts(p->out, " ");
	if (db_column_time(stmt, 3, &started) == 0)
		dash_duration(p, p->now - started);
	buf_puts(p->out, "</p>");
}

static void running_section(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT id, type, progress, started_at FROM jobs\n"
	    "WHERE state = 'processing' ORDER BY started_at LIMIT 5";
	sqlite3_stmt *stmt;
	int rows = 0;

	dash_h2(p, "Running now");
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		for (; sqlite3_step(stmt) == SQLITE_ROW; rows++)
			running_row(p, stmt);
		sqlite3_finalize(stmt);
	}
	if (!rows)
		dash_muted(p, "No job is running.");
}

/* Runs per UTC hour since first: *n hours, summed over the job types. */
static int load_hours(struct dash_page *p, int64_t first, int64_t *ok,
		      int64_t *bad, int n)
{
	static const char sql[] =
	    "SELECT hour, sum(succeeded), sum(failed) FROM metrics_hourly\n"
	    "WHERE hour >= substr(?1, 1, 13) GROUP BY hour";
	char hour_text[32];
	sqlite3_stmt *stmt;
	int64_t at;
	int i;

	memset(ok, 0, sizeof(*ok) * (size_t)n);
	memset(bad, 0, sizeof(*bad) * (size_t)n);
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL))
		return -1;
	db_bind_time(stmt, 1, first);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		snprintf(hour_text, sizeof(hour_text), "%.13s:00:00Z",
			 (const char *)sqlite3_column_text(stmt, 0));
		if (clock_parse(hour_text, &at, NULL))
			continue;
		i = (int)((at - first) / MS_PER_HOUR);
		if (i >= 0 && i < n) {
			ok[i] += sqlite3_column_int64(stmt, 1);
			bad[i] += sqlite3_column_int64(stmt, 2);
		}
	}
	sqlite3_finalize(stmt);
	return 0;
}

static void bar_title(struct dash_page *p, struct dash_bar *b, const char *when)
{
	char ok[48], bad[48];

	dash_plural(p->lang, "%lld succeeded|%lld succeeded", b->succeeded, ok,
		    sizeof(ok));
	dash_plural(p->lang, "%lld failed|%lld failed", b->failed, bad,
		    sizeof(bad));
	snprintf(b->title, sizeof(b->title), "%s: %s, %s", when, ok, bad);
}

static void hours_chart(struct dash_page *p)
{
	int64_t ok[HOURS], bad[HOURS];
	int64_t first =
	    p->now - p->now % MS_PER_HOUR - (HOURS - 1) * MS_PER_HOUR;
	struct dash_bar bars[HOURS];
	struct tz_local local;
	char when[32];
	int i;

	if (load_hours(p, first, ok, bad, HOURS))
		return;
	for (i = 0; i < HOURS; i++) {
		struct dash_bar *b = &bars[i];
		memset(b, 0, sizeof(*b));
		b->succeeded = ok[i], b->failed = bad[i];
		if (tz_to_local(p->zone, first + i * MS_PER_HOUR, &local))
			continue;
		if (local.civil.hour % 3 == 0)
			snprintf(b->label, sizeof(b->label), "%d:%02d",
				 local.civil.hour, local.civil.minute);
		snprintf(when, sizeof(when), "%d:%02d–%d:%02d",
			 local.civil.hour, local.civil.minute,
			 (local.civil.hour + 1) % 24, local.civil.minute);
		bar_title(p, b, when);
	}
	dash_chart(p, "Runs per hour, last 24 hours", bars, HOURS);
}

/* Local day i (0 = DAYS - 1 days ago) of an instant, or -1. */
static int day_index(struct dash_page *p, int64_t at, int64_t today)
{
	struct tz_local local;
	int64_t days;

	if (tz_to_local(p->zone, at, &local))
		return -1;
	days = tz_days_from_civil(local.civil.year, local.civil.month,
				  local.civil.day);
	return (int)(DAYS - 1 - (today - days));
}

static void days_chart(struct dash_page *p)
{
	int64_t ok[DAYS * 24 + 48], bad[DAYS * 24 + 48];
	int64_t first =
	    p->now - p->now % MS_PER_HOUR - (DAYS * 24 + 47) * MS_PER_HOUR;
	struct dash_bar bars[DAYS];
	struct tz_local local;
	int64_t today;
	char when[32];
	int i, d;

	if (tz_to_local(p->zone, p->now, &local) ||
	    load_hours(p, first, ok, bad, DAYS * 24 + 48))
		return;
	today = tz_days_from_civil(local.civil.year, local.civil.month,
				   local.civil.day);
	memset(bars, 0, sizeof(bars));
	for (i = 0; i < DAYS * 24 + 48; i++)
		if ((d = day_index(p, first + i * MS_PER_HOUR, today)) >= 0 &&
		    d < DAYS) {
			bars[d].succeeded += ok[i];
			bars[d].failed += bad[i];
		}
	for (d = 0; d < DAYS; d++) {
		int y, m, day;
		tz_civil_from_days(today - (DAYS - 1 - d), &y, &m, &day);
		snprintf(when, sizeof(when), "%d. %d. %d", day, m, y);
		if ((DAYS - 1 - d) % 5 == 0)
			snprintf(bars[d].label, sizeof(bars[d].label),
				 "%d. %d.", day, m);
		bar_title(p, &bars[d], when);
	}
	dash_chart(p, "Runs per day, last 30 days", bars, DAYS);
}

void dash_overview(struct dash_page *p)
{
	p->live_seconds = OVERVIEW_LIVE_SECONDS;
	dash_begin(p, "Overview", "");
	dash_notice(p);
	counts_section(p);
	running_section(p);
	buf_puts(p->out, "<section class=\"charts\">");
	if (p->zone) {
		hours_chart(p);
		days_chart(p);
	}
	buf_puts(p->out, "</section>");
	dash_alerts(p);
	dash_end(p);
}
