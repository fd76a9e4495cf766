/*
 * dashboard.c - the dashboard's front door: login, sessions, CSRF, the
 * static files (style sheet, the live-update script) and the routing to
 * the pages in dashboard_*.c.
 *
 * Invariants: no page is built before the session is checked (the style
 * sheet and the login page are the only exceptions); no POST changes
 * anything before its CSRF token matched the session's; every value
 * reaches the HTML through html_text() (html.h).
 *
 * The login form is protected too, with a double-submit token: a random
 * value in a SameSite=Strict cookie that the form must repeat.
 */
#include "http/dashboard.h"
#include "base/assets.h"
#include "http/auth.h"
#include "base/clock.h"
#include "config/config.h"
#include "base/crypto.h"
#include "dashboard_impl.h"
#include "db/db.h"
#include "base/err.h"
#include "http/html.h"
#include "base/log.h"
#include "base/tz.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dashboard_new(const struct http_deps *deps, struct dashboard **out,
		  struct err *e)
{
	struct dashboard *d = calloc(1, sizeof(*d));
	char generated[25];
	int rc;

	*out = NULL;
	if (!d)
		return err_set(e, ERR_NOMEM, "out of memory for the dashboard");
	d->deps = *deps;
	if ((rc = auth_new(&d->auth, e)) ||
	    (rc = auth_password_ensure(deps->db, deps->cfg, generated, e))) {
		err_prefix(e, "dashboard admin password");
		dashboard_free(d);
		return rc;
	}
	if (generated[0])
		/* Shown once: only its hash is kept. */
		log_event(LOG_WARN, "dashboard.password_generated", "password",
			  generated, "user", "admin", "action",
			  "log in and change it with "
			  "`domecek-jobs passwd`; it is not shown again",
			  (char *)NULL);
	*out = d;
	return 0;
}

void dashboard_free(struct dashboard *d)
{
	if (!d)
		return;
	auth_free(d->auth);
	tz_free(d->zone);
	free(d);
}

/* ---- login -------------------------------------------------------------- */

static void set_cookie(struct dash_page *p, const char *name, const char *value,
		       int max_age)
{
	int is_https = !strncmp(p->d->deps.cfg->http.public_url, "https://", 8);
	int i;

	for (i = 0; i < 3 && p->res->cookies[i][0]; i++)
		;
	if (i == 3)
		return;
	snprintf(p->res->cookies[i], sizeof(p->res->cookies[i]),
		 "%s=%s; Path=%s; HttpOnly; SameSite=Strict%s%s", name, value,
		 p->base[0] ? p->base : "/", is_https ? "; Secure" : "",
		 max_age >= 0 ? (max_age ? "; Max-Age=31536000" : "; Max-Age=0")
			      : "");
}

static void login_page(struct dash_page *p, int status, const char *problem)
{
	char token[AUTH_TOKEN_LEN + 1];

	if (auth_token(token)) {
		http_text(p->res, 500, "no random bytes for the login form");
		return;
	}
	set_cookie(p, DASHBOARD_LOGIN_COOKIE, token, -1);
	buf_reset(p->out);
	dash_begin(p, "Log in", NULL);
	if (problem) {
		buf_puts(p->out, "<p class=\"error\" role=\"alert\">");
		html_text(p->out, dash_t(p, problem));
		buf_puts(p->out, "</p>");
	}
	buf_puts(p->out, "<form method=\"post\" class=\"login\" action=\"");
	html_text(p->out, p->base);
	buf_puts(p->out,
		 "/login\"><input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(p->out, token);
	buf_puts(p->out, "\"><label>");
	html_text(p->out, dash_t(p, "Admin password"));
	buf_puts(
	    p->out,
	    " <input type=\"password\" name=\"password\" id=\"password\" "
	    "autocomplete=\"current-password\" required autofocus></label> "
	    "<button type=\"submit\" id=\"login\">");
	html_text(p->out, dash_t(p, "Log in"));
	buf_puts(p->out, "</button></form>");
	dash_end(p);
	p->res->status = status;
}

static int password_matches(struct dash_page *p, const char *password)
{
	char hash[AUTH_HASH_MAX];
	struct err e = {0};
	int rc;

	if ((rc = auth_password_hash_get(p->d->deps.db, p->d->deps.cfg, hash,
					 sizeof(hash), &e)) ||
	    (rc = crypto_password_verify(password ? password : "", hash, &e))) {
		if (rc != ERR_PERM)
			log_event(LOG_ERROR, "dashboard.password_unusable",
				  "error", e.msg, (char *)NULL);
		return 0;
	}
	return 1;
}

static void login_submit(struct dash_page *p)
{
	const char *cookie = http_cookie(p->req, DASHBOARD_LOGIN_COOKIE);
	const char *token = http_form(p->req, "csrf");
	const struct auth_session *s;
	struct err e = {0};

	if (!auth_login_allowed(p->d->auth, p->req->client, clock_mono())) {
		log_event(LOG_WARN, "dashboard.login_limited", "client",
			  p->req->client, (char *)NULL);
		login_page(p, 429,
			   "Too many attempts. Wait a minute and try again.");
		return;
	}
	if (!cookie || !token || strlen(cookie) != AUTH_TOKEN_LEN ||
	    strlen(token) != AUTH_TOKEN_LEN ||
	    !crypto_equal(cookie, token, AUTH_TOKEN_LEN)) {
		login_page(p, 403, "The form expired. Please try again.");
		return;
	}
	if (!password_matches(p, http_form(p->req, "password"))) {
		log_event(LOG_WARN, "dashboard.login_failed", "client",
			  p->req->client, (char *)NULL);
		login_page(p, 401, "Wrong password.");
		return;
	}
	if (auth_session_create(p->d->auth, clock_mono(), &s, &e)) {
		http_text(p->res, 500, e.msg);
		return;
	}
	log_event(LOG_INFO, "dashboard.login", "client", p->req->client,
		  (char *)NULL);
	set_cookie(p, DASHBOARD_SESSION_COOKIE, s->id, -1);
	set_cookie(p, DASHBOARD_LOGIN_COOKIE, "", 0);
	dash_redirect(p, "/");
}

/* ---- routing --------------------------------------------------------------
 */

/* The style sheet and the live-update script: our own files, built in,
 * served from 'self' as the Content-Security-Policy requires. */
static void serve_asset(struct dash_page *p, const char *name,
			const char *content_type)
{
	const struct asset *file = asset_find(name);

	if (!file) {
		http_text(p->res, 404, "not built in");
		return;
	}
	p->res->status = 200;
	p->res->content_type = content_type;
	buf_append(p->out, file->data, file->size);
}

static void switch_language(struct dash_page *p)
{
	const char *to = http_query(p->req, "to");

	if (to && (!strcmp(to, "cs") || !strcmp(to, "en")))
		set_cookie(p, DASHBOARD_LANG_COOKIE, to, 1);
	dash_redirect(p, "/");
}

static void logout(struct dash_page *p)
{
	auth_session_end(p->d->auth, p->session->id);
	set_cookie(p, DASHBOARD_SESSION_COOKIE, "", 0);
	dash_redirect(p, "/login");
}

static void route_page(struct dash_page *p, const char *rest)
{
	if (!strcmp(rest, ""))
		dash_overview(p);
	else if (!strcmp(rest, "queue"))
		dash_queue(p);
	else if (!strncmp(rest, "job/", 4))
		dash_job(p, rest + 4);
	else if (!strcmp(rest, "recurring"))
		dash_recurring(p);
	else if (!strcmp(rest, "history"))
		dash_history(p);
	else if (!strcmp(rest, "box"))
		dash_box(p);
	else if (!strcmp(rest, "find"))
		dash_job_find(p);
	else if (!strcmp(rest, "bulk"))
		dash_bulk_confirm(p);
	else
		dash_error_page(p, 404, dash_t(p, "No such page."));
}

static void route_action(struct dash_page *p, const char *rest)
{
	if (!strcmp(rest, "logout"))
		logout(p);
	else if (!strncmp(rest, "job/", 4))
		dash_job_action(p, rest + 4);
	else if (!strncmp(rest, "recurring/", 10))
		dash_recurring_action(p, rest + 10);
	else if (!strncmp(rest, "bulk/", 5))
		dash_bulk_action(p, rest + 5);
	else
		http_text(p->res, 404, "no such action");
}

/* Scheduler.TimeZone, opened once and again only when the config (after
 * a reload) names another zone; UTC when it cannot be opened. */
static const struct tz *page_zone(struct dashboard *d)
{
	const char *name = d->deps.cfg->scheduler.time_zone;
	struct err e = {0};

	if (d->zone && !strcmp(d->zone_name, name))
		return d->zone;
	tz_free(d->zone);
	d->zone = NULL;
	if (tz_open(name, &d->zone, &e)) {
		log_event(LOG_WARN, "dashboard.zone_unusable", "zone", name,
			  "error", e.msg, (char *)NULL);
		if (tz_open("UTC", &d->zone, &e))
			return NULL;
	}
	snprintf(d->zone_name, sizeof(d->zone_name), "%s", name);
	return d->zone;
}

static void page_setup(struct dashboard *d, struct dash_page *p,
		       const struct http_request *req,
		       struct http_response *res)
{
	const char *lang = http_cookie(req, DASHBOARD_LANG_COOKIE);
	size_t n;

	memset(p, 0, sizeof(*p));
	p->d = d;
	p->req = req;
	p->res = res;
	p->out = &res->body;
	if (!lang || (strcmp(lang, "cs") && strcmp(lang, "en")))
		lang = d->deps.cfg->dashboard.language;
	p->lang = !strcmp(lang, "en") ? "en" : "cs";
	snprintf(p->base, sizeof(p->base), "%s", d->deps.cfg->dashboard.path);
	n = strlen(p->base);
	while (n > 0 && p->base[n - 1] == '/')
		p->base[--n] = '\0';
	p->now = clock_now();
	p->zone = page_zone(d);
}

void dashboard_handle(struct dashboard *d, const struct http_request *req,
		      struct http_response *res)
{
	int is_post = !strcmp(req->method, "POST");
	struct dash_page p;
	const char *rest;

	page_setup(d, &p, req, res);
	rest = req->path + strlen(p.base);
	while (*rest == '/')
		rest++;
	if (!strcmp(rest, "style.css")) {
		serve_asset(&p, "dashboard/style.css",
			    "text/css; charset=utf-8");
		return;
	}
	if (!strcmp(rest, "live.js")) {
		serve_asset(&p, "dashboard/live.js",
			    "text/javascript; charset=utf-8");
		return;
	}
	if (!strcmp(rest, "lang")) {
		switch_language(&p);
		return;
	}
	if (!strcmp(rest, "login")) {
		if (is_post)
			login_submit(&p);
		else
			login_page(&p, 200, NULL);
		return;
	}
	p.session = auth_session_find(
	    d->auth, http_cookie(req, DASHBOARD_SESSION_COOKIE), clock_mono());
	if (!p.session) {
		if (is_post)
			http_text(res, 401, "log in first");
		else
			dash_redirect(&p, "/login");
		return;
	}
	if (!is_post) {
		route_page(&p, rest);
		return;
	}
	if (!auth_csrf_ok(p.session, http_form(req, "csrf"))) {
		log_event(LOG_WARN, "dashboard.csrf_rejected", "client",
			  req->client, (char *)NULL);
		http_text(res, 403,
			  "missing or wrong CSRF token; reload the page and "
			  "try again");
		return;
	}
	route_action(&p, rest);
}
