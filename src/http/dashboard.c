/*
 * dashboard.c - the dashboard's front door: login, sessions, CSRF, the
 * page frame and the routing to the pages in dashboard_*.c.
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

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	free(d);
}

/* ---- shared page parts ----------------------------------------------------
 */

void dash_begin(struct dash_page *p, const char *title, const char *active)
{
	static const char *const nav[][2] = {
	    {"", "Overview"},
	    {"/recurring", "Recurring jobs"},
	    {"/queue", "Queue"},
	    {"/history", "History"},
	};
	size_t i;

	p->res->status = 200;
	p->res->content_type = "text/html; charset=utf-8";
	buf_printf(
	    p->out,
	    "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">"
	    "<title>",
	    p->lang);
	html_text(p->out, dash_t(p, title));
	buf_puts(p->out,
		 " · domecek-jobs</title><link rel=\"stylesheet\" href=\"");
	html_text(p->out, p->base);
	buf_puts(p->out,
		 "/style.css\"></head><body><header><nav><strong>domecek-jobs</"
		 "strong>");
	for (i = 0; p->session && i < sizeof(nav) / sizeof(nav[0]); i++) {
		buf_puts(p->out, "<a href=\"");
		html_text(p->out, p->base);
		html_text(p->out, nav[i][0][0] ? nav[i][0] : "/");
		buf_printf(p->out, "\"%s>",
			   active && !strcmp(active, nav[i][0])
			       ? " class=\"active\" aria-current=\"page\""
			       : "");
		html_text(p->out, dash_t(p, nav[i][1]));
		buf_puts(p->out, "</a>");
	}
	buf_puts(p->out, "<span class=\"spacer\"></span><a href=\"");
	html_text(p->out, p->base);
	buf_printf(p->out, "/lang?to=%s\">%s</a>",
		   !strcmp(p->lang, "cs") ? "en" : "cs",
		   !strcmp(p->lang, "cs") ? "English" : "Česky");
	if (p->session)
		dash_button(p, "/logout", dash_t(p, "Log out"), "link");
	buf_puts(p->out, "</nav></header><main><h1>");
	html_text(p->out, dash_t(p, title));
	buf_puts(p->out, "</h1>");
}

void dash_end(struct dash_page *p)
{
	buf_puts(p->out, "</main></body></html>\n");
}

void dash_button(struct dash_page *p, const char *action, const char *label,
		 const char *css_class)
{
	buf_puts(p->out, "<form method=\"post\" class=\"inline\" action=\"");
	html_text(p->out, p->base);
	html_text(p->out, action);
	buf_puts(p->out, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(p->out, p->session ? p->session->csrf : "");
	buf_puts(p->out, "\"><button type=\"submit\"");
	if (css_class) {
		buf_puts(p->out, " class=\"");
		html_text(p->out, css_class);
		buf_puts(p->out, "\"");
	}
	buf_puts(p->out, ">");
	html_text(p->out, label);
	buf_puts(p->out, "</button></form>");
}

void dash_time(struct dash_page *p, int64_t ms)
{
	char iso[CLOCK_ISO_LEN];

	if (ms <= 0) {
		buf_puts(p->out, "—");
		return;
	}
	clock_format(ms, iso);
	iso[10] = ' ';
	iso[19] = '\0';
	buf_puts(p->out, "<time>");
	html_text(p->out, iso);
	buf_puts(p->out, "</time>");
}

void dash_time_column(struct dash_page *p, struct sqlite3_stmt *stmt,
		      int column)
{
	int64_t ms = 0;

	if (db_column_time(stmt, column, &ms))
		ms = 0;
	dash_time(p, ms);
}

void dash_duration(struct dash_page *p, int64_t ms)
{
	if (ms < 0)
		buf_puts(p->out, "—");
	else if (ms < 10000)
		buf_printf(p->out, "%.1f s", (double)ms / 1000.0);
	else if (ms < 3600000)
		buf_printf(p->out, "%lld min %lld s", (long long)(ms / 60000),
			   (long long)(ms / 1000 % 60));
	else
		buf_printf(p->out, "%lld h %lld min", (long long)(ms / 3600000),
			   (long long)(ms / 60000 % 60));
}

void dash_redirect(struct dash_page *p, const char *path)
{
	http_text(p->res, 303, "see other");
	snprintf(p->res->location, sizeof(p->res->location), "%s%s", p->base,
		 path[0] ? path : "/");
}

void dash_error_page(struct dash_page *p, int status, const char *message)
{
	buf_reset(p->out);
	dash_begin(p, status == 404 ? "Not found" : "Error", NULL);
	buf_puts(p->out, "<p class=\"error\">");
	html_text(p->out, message);
	buf_puts(p->out, "</p>");
	dash_end(p);
	p->res->status = status;
}

void dash_notice(struct dash_page *p)
{
	static const char *const known[][2] = {
	    {"retried", "The job is enqueued again."},
	    {"deleted", "The job was deleted."},
	    {"cancelled", "The job was cancelled."},
	    {"triggered", "The job was enqueued."},
	    {"already", "This job is already waiting or running."},
	    {"paused", "The schedule is paused."},
	    {"resumed", "The schedule runs again."},
	};
	const char *msg = http_query(p->req, "msg");
	size_t i;

	for (i = 0; msg && i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(msg, known[i][0])) {
			buf_puts(p->out,
				 "<p class=\"notice\" role=\"status\">");
			html_text(p->out, dash_t(p, known[i][1]));
			buf_puts(p->out, "</p>");
		}
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
		auth_login_failed(p->d->auth, p->req->client, clock_mono());
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

static void serve_style(struct dash_page *p)
{
	const struct asset *css = asset_find("dashboard/style.css");

	if (!css) {
		http_text(p->res, 404, "no style sheet built in");
		return;
	}
	p->res->status = 200;
	p->res->content_type = "text/css; charset=utf-8";
	buf_append(p->out, css->data, css->size);
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
	else
		http_text(p->res, 404, "no such action");
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
}

/* Whether origin ("scheme://host[:port]") is the origin of url. */
static int is_origin_of(const char *origin, const char *url)
{
	const char *host = strstr(url, "://");
	size_t n;

	if (!host)
		return 0;
	n = (size_t)(host + 3 - url) + strcspn(host + 3, "/?#");
	return strlen(origin) == n && !strncasecmp(origin, url, n);
}

/* A second layer beside the CSRF token: a browser says where a POST
 * comes from (Sec-Fetch-Site, Origin), and another site's page is refused
 * even if it somehow held a token. A client that sends neither (curl, a
 * script) has the token alone to pass. The origin must be this server as
 * the browser addressed it (Host) or Http.PublicUrl behind a proxy; our
 * Referrer-Policy (same-origin) lets browsers send it on our own forms. */
static int is_same_origin(const struct http_request *req,
			  const struct config *cfg)
{
	const char *site = http_header(req, "Sec-Fetch-Site");
	const char *origin = http_header(req, "Origin");
	const char *host = http_header(req, "Host");
	const char *after_scheme;

	/* Sec-Fetch-Site is the browser's own word and cannot be set by a
	 * page: when present it decides. */
	if (site)
		return !strcmp(site, "same-origin") || !strcmp(site, "none");
	if (!origin)
		return 1;
	after_scheme = strstr(origin, "://"); /* "null" has none */
	if (!after_scheme)
		return 0;
	if (host && !strcasecmp(after_scheme + 3, host))
		return 1;
	return cfg->http.public_url[0] &&
	       is_origin_of(origin, cfg->http.public_url);
}

void dashboard_handle(struct dashboard *d, const struct http_request *req,
		      struct http_response *res)
{
	int is_post = !strcmp(req->method, "POST");
	struct dash_page p;
	const char *rest;

	page_setup(d, &p, req, res);
	if (is_post && !is_same_origin(req, d->deps.cfg)) {
		log_event(LOG_WARN, "dashboard.cross_site_rejected", "client",
			  req->client, (char *)NULL);
		http_text(res, 403,
			  "this form was sent from another site (Origin, "
			  "Sec-Fetch-Site); open the dashboard and try again");
		return;
	}
	rest = req->path + strlen(p.base);
	while (*rest == '/')
		rest++;
	if (!strcmp(rest, "style.css")) {
		serve_style(&p);
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
