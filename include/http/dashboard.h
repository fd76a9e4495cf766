/*
 * dashboard.h - the admin's web pages under Dashboard.Path.
 *
 * Pages: overview (counts, the running job, charts of runs per hour and
 * per day as inline SVG, recent alerts), recurring jobs, the queue by
 * state with paging, a job with every attempt, the schedule history.
 * Actions (POST, CSRF token required): retry, delete, run now, pause,
 * resume. Czech and English; no JavaScript.
 *
 * Everyone must log in with the admin password (auth.h): GET requests
 * without a session are redirected to the login page, other requests get
 * 401. A POST whose CSRF token is missing or wrong gets 403.
 */
#ifndef DOMECEK_DASHBOARD_H
#define DOMECEK_DASHBOARD_H

struct dashboard;
struct err;
struct http_deps;
struct http_request;
struct http_response;

#define DASHBOARD_PAGE_SIZE 50
#define DASHBOARD_SESSION_COOKIE "dj_session"
#define DASHBOARD_LOGIN_COOKIE "dj_login"
#define DASHBOARD_LANG_COOKIE "dj_lang"

/* Makes sure an admin password exists: on a fresh install a random one
 * is generated, stored, and printed once to stderr. deps must outlive
 * the dashboard. */
int dashboard_new(const struct http_deps *deps, struct dashboard **out,
		  struct err *e);
void dashboard_free(struct dashboard *d);

/* Answers one request whose path is under Dashboard.Path. */
void dashboard_handle(struct dashboard *d, const struct http_request *req,
		      struct http_response *res);

#endif
