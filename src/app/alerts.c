/*
 * alerts.c - consecutive failures, a long queue, long-running jobs.
 *
 * The alerts table is the memory: an alert is "open" while its row has
 * no resolved_at. Deciding from the table rather than from counters in
 * this process is what makes "once per streak" and "once per crossing"
 * survive a restart, and lets the dashboard show exactly what was sent.
 *
 * Sending never holds up the decision: the email is a send_email job in
 * the queue (retried by the queue like any mail), and a webhook failure
 * is logged; the alert row is written either way.
 *
 * Every alert goes to every configured channel: an email to
 * Alerts.AdminEmail and a post to Alerts.SlackWebhookUrl. An alert about
 * failing send_email jobs cannot count on email: without a webhook it is
 * logged as an error that names the missing channel, and /health/jobs
 * shows every open failure alert (degraded) for a monitor to see.
 */
#include "app/alerts.h"
#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "base/log.h"
#include "app/mail_enqueue.h"
#include "core/net.h"
#include "core/queue.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct alerts {
	sqlite3 *db;
	const struct config *cfg;
	struct queue *queue;
	alerts_post_fn post;
	void *post_arg;
	int64_t next_check_mono;
	/* Any consecutive_failures alert open? -1: not read yet. A success
	 * resolves its type's alert only while one is open, so the steady
	 * state writes nothing here (no empty write transaction per job). */
	int has_open_failures;
};

int alerts_new(sqlite3 *db, const struct config *cfg, struct queue *queue,
	       struct alerts **out, struct err *e)
{
	struct alerts *a = calloc(1, sizeof(*a));

	*out = a;
	if (!a)
		return err_set(e, ERR_NOMEM, "out of memory for alerts");
	a->db = db;
	a->cfg = cfg;
	a->queue = queue;
	a->post = alerts_post;
	a->has_open_failures = -1;
	return 0;
}

void alerts_free(struct alerts *a)
{
	free(a);
}

void alerts_set_post(struct alerts *a, alerts_post_fn fn, void *arg)
{
	a->post = fn;
	a->post_arg = arg;
}

/* ---- the alerts table ---------------------------------------------------- */

static int is_open(sqlite3 *db, const char *kind, const char *subject,
		   int *open, struct err *e)
{
	static const char sql[] =
	    "SELECT 1 FROM alerts WHERE kind = ?1 AND subject = ?2 AND resolved_at IS NULL";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, subject, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	*open = rc == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? 0
		   : db_error(db, rc, e, "reading alerts");
}

static int any_open(sqlite3 *db, const char *kind, int *open, struct err *e)
{
	static const char sql[] =
	    "SELECT EXISTS (SELECT 1 FROM alerts WHERE kind = ?1 AND resolved_at IS NULL)";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	*open = rc == SQLITE_ROW && sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : db_error(db, rc, e, "reading alerts");
}

static int raise_alert(sqlite3 *db, const char *kind, const char *subject,
		       const char *message, int64_t now, int is_resolved,
		       struct err *e)
{
	static const char sql[] =
	    "INSERT INTO alerts (kind, subject, message, created_at, resolved_at)\n"
	    "VALUES (?1, ?2, ?3, ?4, CASE WHEN ?5 THEN ?4 END)";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, message, -1, SQLITE_STATIC);
	db_bind_time(stmt, 4, now);
	sqlite3_bind_int(stmt, 5, is_resolved);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : db_error(db, rc, e, "writing an alert");
}

static int resolve(sqlite3 *db, const char *kind, const char *subject,
		   int64_t now, struct err *e)
{
	static const char sql[] =
	    "UPDATE alerts SET resolved_at = ?3\n"
	    "WHERE kind = ?1 AND subject = ?2 AND resolved_at IS NULL";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, subject, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0
				 : db_error(db, rc, e, "resolving an alert");
}

/* ---- consecutive failures --------------------------------------------------
 */

int alerts_failure_streak(sqlite3 *db, const char *job_type, int limit,
			  int *streak, struct err *e)
{
	static const char sql[] =
	    "SELECT a.outcome FROM job_attempts a JOIN jobs j ON j.id = a.job_id\n"
	    "WHERE j.type = ?1 AND a.outcome IN ('succeeded', 'failed')\n"
	    "ORDER BY a.finished_at DESC, a.job_id DESC, a.attempt DESC LIMIT ?2";
	sqlite3_stmt *stmt;
	int rc;

	*streak = 0;
	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, job_type, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW &&
	       !strcmp((const char *)sqlite3_column_text(stmt, 0), "failed"))
		(*streak)++;
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? 0
		   : db_error(db, rc, e, "reading attempts");
}

static cJSON *failure_email_data(const struct alerts *a, const char *job_type,
				 int streak, const char *error, int64_t now)
{
	cJSON *data = cJSON_CreateObject();
	char iso[CLOCK_ISO_LEN], host[256] = "", link[CONFIG_STR * 2] = "";

	gethostname(host, sizeof(host) - 1);
	if (a->cfg->http.public_url[0])
		snprintf(link, sizeof(link), "%s%s", a->cfg->http.public_url,
			 a->cfg->dashboard.path);
	/* NULL (mail_enqueue's "no memory") rather than an email with gaps */
	if (!cJSON_AddStringToObject(data, "job", job_type) ||
	    !cJSON_AddNumberToObject(data, "failures", streak) ||
	    !cJSON_AddStringToObject(data, "failedAt",
				     clock_format(now, iso)) ||
	    !cJSON_AddStringToObject(data, "host", host) ||
	    !cJSON_AddStringToObject(data, "lastError", error ? error : "") ||
	    (link[0] && !cJSON_AddStringToObject(data, "link", link))) {
		cJSON_Delete(data);
		return NULL;
	}
	return data;
}

static void post_webhook(struct alerts *a, const char *text);

static cJSON *alert_email_data(const struct alerts *a, const char *text)
{
	cJSON *data = cJSON_CreateObject();
	char host[256] = "", link[CONFIG_STR * 2] = "";

	gethostname(host, sizeof(host) - 1);
	cJSON_AddStringToObject(data, "text", text);
	cJSON_AddStringToObject(data, "host", host);
	if (a->cfg->http.public_url[0]) {
		snprintf(link, sizeof(link), "%s%s", a->cfg->http.public_url,
			 a->cfg->dashboard.path);
		cJSON_AddStringToObject(data, "link", link);
	}
	return data;
}

/* Sends one alert to every configured channel: email (template with data,
 * which this takes over) and the webhook (text). about_email: the alert
 * is about email failing, so email alone is not enough. */
static void notify_all(struct alerts *a, const char *what, const char *text,
		       const char *template, cJSON *data, int about_email)
{
	const struct config *cfg = a->cfg;
	struct err e = {0};

	if (cfg->alerts.slack_webhook_url[0])
		post_webhook(a, text);
	if (!cfg->alerts.admin_email[0]) {
		cJSON_Delete(data);
		if (!cfg->alerts.slack_webhook_url[0])
			log_event(LOG_WARN, "alert.no_recipient", "alert", what,
				  "action",
				  "set Alerts.AdminEmail or "
				  "Alerts.SlackWebhookUrl to be told",
				  (char *)NULL);
	} else if (mail_enqueue(a->db, template, cfg->alerts.admin_email,
				cfg->dashboard.language, data, NULL, NULL,
				&e)) {
		log_event(LOG_ERROR, "alert.email_failed", "alert", what,
			  "error", e.msg, (char *)NULL);
	}
	if (about_email && !cfg->alerts.slack_webhook_url[0])
		log_event(LOG_ERROR, "alert.undeliverable", "alert", what,
			  "reason", "email itself is failing", "action",
			  "set Alerts.SlackWebhookUrl; /health/jobs shows the "
			  "alert meanwhile",
			  (char *)NULL);
}

void alerts_job_finished(struct alerts *a, const char *job_type,
			 const char *state, const char *error, int64_t now)
{
	int limit = a->cfg->alerts.consecutive_failures, streak = 0, open = 0;
	char message[512];
	struct err e = {0};

	if (!strcmp(state, "succeeded")) {
		if (a->has_open_failures &&
		    (resolve(a->db, "consecutive_failures", job_type, now,
			     &e) ||
		     any_open(a->db, "consecutive_failures",
			      &a->has_open_failures, &e)))
			log_event(LOG_WARN, "alert.failed", "error", e.msg,
				  (char *)NULL);
		return;
	}
	if (strcmp(state, "failed") && strcmp(state, "dead"))
		return;
	if (alerts_failure_streak(a->db, job_type, limit, &streak, &e) ||
	    is_open(a->db, "consecutive_failures", job_type, &open, &e)) {
		log_event(LOG_WARN, "alert.failed", "error", e.msg,
			  (char *)NULL);
		return;
	}
	if (open)
		a->has_open_failures = 1;
	if (streak < limit || open)
		return;
	snprintf(message, sizeof(message),
		 "%d failures in a row; last error: %s", streak,
		 error ? error : "(none)");
	if (raise_alert(a->db, "consecutive_failures", job_type, message, now,
			0, &e)) {
		log_event(LOG_WARN, "alert.failed", "error", e.msg,
			  (char *)NULL);
		return;
	}
	a->has_open_failures = 1;
	log_fmt(LOG_WARN, "alert.consecutive_failures", "job=%s failures=%d",
		job_type, streak);
	snprintf(message, sizeof(message),
		 "domecek-jobs: %s failed %d times in a row; last error: %s",
		 job_type, streak, error ? error : "(none)");
	notify_all(a, job_type, message, "job_failed_alert",
		   failure_email_data(a, job_type, streak, error, now),
		   !strcmp(job_type, ALERTS_EMAIL_JOB));
}

/* ---- queue length -----------------------------------------------------------
 */

enum alerts_decision alerts_queue_decision(int is_open_now, int64_t length,
					   int threshold)
{
	int64_t clear_below =
	    (int64_t)threshold * ALERTS_QUEUE_CLEAR_PERCENT / 100;

	if (!is_open_now && length >= threshold)
		return ALERTS_RAISE;
	if (is_open_now && length < clear_below)
		return ALERTS_CLEAR;
	return ALERTS_KEEP;
}

int alerts_slack_payload(const char *text, struct buf *out)
{
	cJSON *root = cJSON_CreateObject();
	char *json;
	int rc;

	cJSON_AddStringToObject(root, "text", text);
	json = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!json)
		return ERR_NOMEM;
	rc = buf_puts(out, json);
	cJSON_free(json);
	return rc;
}

static void post_webhook(struct alerts *a, const char *text)
{
	const char *url = a->cfg->alerts.slack_webhook_url;
	struct buf body;
	struct err e = {0};

	if (!url[0])
		return;
	buf_init(&body, 4096);
	if (alerts_slack_payload(text, &body) ||
	    a->post(url, buf_str(&body), a->post_arg, &e))
		/* The URL is a secret: name the key, not the value. */
		log_event(LOG_ERROR, "alert.webhook_failed", "key",
			  "Alerts.SlackWebhookUrl", "error",
			  e.msg[0] ? e.msg : "out of memory", (char *)NULL);
	buf_free(&body);
}

void alerts_database_full(struct alerts *a, int is_full, const char *error)
{
	char text[600];

	if (is_full)
		snprintf(text, sizeof(text),
			 "domecek-jobs: the database cannot be written (%s). "
			 "Jobs wait until there is space again; free some "
			 "disk space.",
			 error);
	else
		snprintf(text, sizeof(text),
			 "domecek-jobs: the database can be written again; "
			 "jobs resume.");
	post_webhook(a, text); /* not email: it would need the disk */
}

static void check_queue(struct alerts *a, int64_t now)
{
	int threshold = a->cfg->alerts.queue_length_threshold, open = 0;
	struct queue_counts counts;
	char text[256];
	struct err e = {0};

	if (queue_counts(a->db, &counts, &e) ||
	    is_open(a->db, "queue_length", "queue", &open, &e)) {
		log_event(LOG_WARN, "alert.failed", "error", e.msg,
			  (char *)NULL);
		return;
	}
	switch (alerts_queue_decision(open, counts.enqueued, threshold)) {
	case ALERTS_RAISE:
		snprintf(text, sizeof(text),
			 "domecek-jobs: %lld jobs are waiting in the queue "
			 "(threshold %d)",
			 (long long)counts.enqueued, threshold);
		log_fmt(LOG_WARN, "alert.queue_length",
			"enqueued=%lld threshold=%d",
			(long long)counts.enqueued, threshold);
		if (raise_alert(a->db, "queue_length", "queue", text, now, 0,
				&e))
			log_event(LOG_WARN, "alert.failed", "error", e.msg,
				  (char *)NULL);
		else
			notify_all(a, "queue_length", text, "alert",
				   alert_email_data(a, text), 0);
		break;
	case ALERTS_CLEAR:
		log_fmt(LOG_INFO, "alert.queue_length_cleared", "enqueued=%lld",
			(long long)counts.enqueued);
		if (resolve(a->db, "queue_length", "queue", now, &e))
			log_event(LOG_WARN, "alert.failed", "error", e.msg,
				  (char *)NULL);
		break;
	case ALERTS_KEEP:
		break;
	}
}

/* ---- long-running jobs ------------------------------------------------------
 */

/* A long-running alert ends with its run: the attempt it names is no
 * longer processing (finished, failed, released or requeued). */
static void close_finished_runs(struct alerts *a, int64_t now)
{
	static const char sql[] =
	    "UPDATE alerts SET resolved_at = ?1\n"
	    "WHERE kind = 'long_running' AND resolved_at IS NULL\n"
	    "  AND NOT EXISTS (SELECT 1 FROM jobs WHERE state = 'processing'\n"
	    "      AND alerts.subject = 'job #' || id || ' attempt ' || attempts)";
	sqlite3_stmt *stmt;
	struct err e = {0};
	int rc;

	if (db_prepare(a->db, sql, &stmt, &e)) {
		log_event(LOG_WARN, "alert.failed", "error", e.msg,
			  (char *)NULL);
		return;
	}
	db_bind_time(stmt, 1, now);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		db_error(a->db, rc, &e, "closing long-running alerts");
		log_event(LOG_WARN, "alert.failed", "error", e.msg,
			  (char *)NULL);
	} else if (sqlite3_changes(a->db)) {
		log_fmt(LOG_INFO, "alert.long_running_closed", "alerts=%d",
			sqlite3_changes(a->db));
	}
	sqlite3_finalize(stmt);
}

static void check_long_running(struct alerts *a, int64_t now)
{
	static const char sql[] =
	    "SELECT id, type, attempts, started_at FROM jobs\n"
	    "WHERE state = 'processing' AND started_at < ?1";
	int64_t limit_ms =
	    (int64_t)a->cfg->alerts.long_running_minutes * MS_PER_MINUTE;
	char subject[128], message[256], started[CLOCK_ISO_LEN];
	sqlite3_stmt *stmt;
	struct err e = {0};
	int64_t started_at = 0;
	int open = 0;

	if (db_prepare(a->db, sql, &stmt, &e))
		return;
	db_bind_time(stmt, 1, now - limit_ms);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(stmt, 0);
		/* The attempt number makes it "once per run", not once per job.
		 */
		snprintf(subject, sizeof(subject), "job #%lld attempt %d", id,
			 sqlite3_column_int(stmt, 2));
		if (is_open(a->db, "long_running", subject, &open, &e) || open)
			continue;
		db_column_time(stmt, 3, &started_at);
		snprintf(message, sizeof(message),
			 "%s has been running since %s (longer than "
			 "%d minutes)",
			 (const char *)sqlite3_column_text(stmt, 1),
			 clock_format(started_at, started),
			 a->cfg->alerts.long_running_minutes);
		log_event(LOG_WARN, "alert.long_running", "job_id", subject + 5,
			  "type", (const char *)sqlite3_column_text(stmt, 1),
			  "since", started, (char *)NULL);
		/* Open while the run lasts, so the same run is never warned
		 * twice; close_finished_runs() ends it with the run. */
		if (raise_alert(a->db, "long_running", subject, message, now, 0,
				&e))
			log_event(LOG_WARN, "alert.failed", "error", e.msg,
				  (char *)NULL);
		else
			notify_all(a, "long_running", message, "alert",
				   alert_email_data(a, message), 0);
	}
	sqlite3_finalize(stmt);
}

void alerts_tick(struct alerts *a, int64_t now, int64_t now_mono)
{
	if (now_mono < a->next_check_mono)
		return;
	a->next_check_mono = now_mono + ALERTS_CHECK_MS;
	check_queue(a, now);
	close_finished_runs(a, now);
	check_long_running(a, now);
}

/* ---- sending
 * -------------------------------------------------------------------- */

struct webhook {
	CURL *easy;
	struct curl_slist *headers;
	char *body;
};

static void webhook_free(struct webhook *w)
{
	if (!w)
		return;
	curl_slist_free_all(w->headers);
	curl_easy_cleanup(w->easy);
	free(w->body);
	free(w);
}

static struct webhook *webhook_new(const char *url, const char *body)
{
	struct webhook *w = calloc(1, sizeof(*w));

	if (!w || !(w->easy = curl_easy_init()) || !(w->body = strdup(body)) ||
	    !(w->headers =
		  curl_slist_append(NULL, "Content-Type: application/json"))) {
		webhook_free(w);
		return NULL;
	}
	curl_easy_setopt(w->easy, CURLOPT_URL, url);
	curl_easy_setopt(w->easy, CURLOPT_HTTPHEADER, w->headers);
	curl_easy_setopt(w->easy, CURLOPT_POSTFIELDS, w->body);
	curl_easy_setopt(w->easy, CURLOPT_TIMEOUT_MS,
			 (long)ALERTS_POST_TIMEOUT_MS);
	curl_easy_setopt(w->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	return w;
}

static int webhook_result(CURL *easy, CURLcode res, struct err *e)
{
	long status = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (res != CURLE_OK)
		return err_set(e, ERR_TEMP, "webhook: %s",
			       curl_easy_strerror(res));
	if (status < 200 || status > 299)
		return err_set(e, status >= 500 ? ERR_TEMP : ERR_FATAL,
			       "webhook answered HTTP %ld", status);
	return 0;
}

static void webhook_done(CURL *easy, CURLcode res, void *arg)
{
	struct err e = {0};

	if (webhook_result(easy, res, &e))
		log_event(LOG_WARN, "alert.webhook_failed", "error", e.msg,
			  (char *)NULL);
	webhook_free(arg);
}

int alerts_post(const char *url, const char *body, void *arg, struct err *e)
{
	struct net *net = arg;
	struct webhook *w = webhook_new(url, body);
	int rc;

	if (!w)
		return err_set(e, ERR_NOMEM, "cannot start a webhook request");
	if (net) {
		if ((rc = net_add(net, w->easy, webhook_done, w, e)))
			webhook_free(w);
		return rc;
	}
	rc = webhook_result(w->easy, curl_easy_perform(w->easy), e);
	webhook_free(w);
	return rc;
}
