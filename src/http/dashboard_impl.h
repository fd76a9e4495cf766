/*
 * dashboard_impl.h - what the dashboard's files share (src/dashboard*.c).
 * Internal to the dashboard; nothing else includes it.
 */
#ifndef DOMECEK_DASHBOARD_IMPL_H
#define DOMECEK_DASHBOARD_IMPL_H

#include <stdint.h>

#include "http/auth.h"
#include "http/dashboard.h"
#include "http/http.h"

struct dashboard {
	struct http_deps deps;
	struct auth *auth;
};

/* One request being answered. */
struct dash_page {
	struct dashboard *d;
	const struct http_request *req;
	struct http_response *res;
	const struct auth_session *session; /* NULL before login */
	const char *lang;		    /* "cs" or "en" */
	char base[64];	 /* Dashboard.Path without a trailing / */
	struct buf *out; /* == &res->body */
};

/* Translation of an English UI text (dashboard_text.c); unknown texts
 * come back as given. */
const char *dash_t(const struct dash_page *p, const char *english);

/* Page frame: <head>, the navigation with active marked, <main>. */
void dash_begin(struct dash_page *p, const char *title, const char *active);
void dash_end(struct dash_page *p);
/* A POST form with the CSRF token and one button; action is below base. */
void dash_button(struct dash_page *p, const char *action, const char *label,
		 const char *css_class);
/* A time as "YYYY-MM-DD HH:MM:SS" UTC, escaped; 0 or absent prints "—". */
void dash_time(struct dash_page *p, int64_t ms);
void dash_time_column(struct dash_page *p, struct sqlite3_stmt *stmt,
		      int column);
void dash_duration(struct dash_page *p, int64_t ms);
/* A 303 redirect to base + path. */
void dash_redirect(struct dash_page *p, const char *path);
void dash_error_page(struct dash_page *p, int status, const char *message);
/* A notice from ?msg= (known codes only; anything else is ignored). */
void dash_notice(struct dash_page *p);

/* Pages (GET) and actions (POST; CSRF already checked). rest is the path
 * below base without its leading '/'. */
void dash_overview(struct dash_page *p);
void dash_queue(struct dash_page *p);
void dash_job(struct dash_page *p, const char *rest);
void dash_job_action(struct dash_page *p, const char *rest);
void dash_recurring(struct dash_page *p);
void dash_recurring_action(struct dash_page *p, const char *rest);
void dash_history(struct dash_page *p);

#endif
