/*
 * alerts.h - telling the admin when jobs go wrong.
 *
 * Three alerts, each written to the alerts table (the dashboard shows
 * them) and sent once, not on every check, to every configured channel:
 * an email to Alerts.AdminEmail (a send_email job) and a POST to
 * Alerts.SlackWebhookUrl.
 * - a job type failing Alerts.ConsecutiveFailures attempts in a row
 *   (email template job_failed_alert), once per streak; the streak ends
 *   (the alert is resolved) at its next success. When the failing type is
 *   send_email itself, email cannot be relied on: with no webhook the
 *   daemon logs an error, and /health/jobs shows the open alert;
 * - the queue of enqueued jobs reaching Alerts.QueueLengthThreshold
 *   (template alert), once per crossing; it is resolved only when the
 *   queue falls below ALERTS_QUEUE_CLEAR_PERCENT of the threshold
 *   (hysteresis, so a queue hovering at the line is quiet);
 * - a job processing longer than Alerts.LongRunningMinutes (template
 *   alert), once per attempt; resolved when that attempt ends.
 * Whether an alert is open is read from the alerts table, so a restart
 * neither repeats nor forgets one.
 */
#ifndef DOMECEK_ALERTS_H
#define DOMECEK_ALERTS_H

#include <sqlite3.h>
#include <stdint.h>

struct buf;
struct config;
struct err;
struct queue;
struct alerts;

#define ALERTS_CHECK_MS                                                        \
	(10 * 1000) /* queue and long-running checks, at most this often */
#define ALERTS_QUEUE_CLEAR_PERCENT 80
#define ALERTS_POST_TIMEOUT_MS 3000
#define ALERTS_EMAIL_JOB "send_email" /* its failures are about email */

/* Sends body (JSON) to url; 0 or an err code with e filled. */
typedef int (*alerts_post_fn)(const char *url, const char *body, void *arg,
			      struct err *e);

/* cfg is read at each check (reloads apply); everything must outlive a. */
int alerts_new(sqlite3 *db, const struct config *cfg, struct queue *queue,
	       struct alerts **out, struct err *e);
void alerts_free(struct alerts *a);
/* Replaces how webhooks are sent (the daemon's network module; tests).
 * The default is alerts_post with no loop (blocking). */
void alerts_set_post(struct alerts *a, alerts_post_fn fn, void *arg);

/* After each finished attempt: state is the runner's (succeeded, failed,
 * dead, cancelled, released). */
void alerts_job_finished(struct alerts *a, const char *job_type,
			 const char *state, const char *error, int64_t now);
/* The database cannot be written (disk full, I/O error), or can again:
 * said through the channels that need no disk (the Slack webhook, when
 * Alerts.SlackWebhookUrl is set); nothing goes to the alerts table or the
 * email queue, which would need the full disk. The daemon calls it once
 * when entering and once when leaving the state. */
void alerts_database_full(struct alerts *a, int is_full, const char *error);
/* The periodic checks (queue length, long-running jobs); cheap to call on
 * every loop iteration: it works at most once per ALERTS_CHECK_MS. */
void alerts_tick(struct alerts *a, int64_t now, int64_t now_mono);

enum alerts_decision { ALERTS_KEEP, ALERTS_RAISE, ALERTS_CLEAR };
/* The queue alert's hysteresis: what to do at this length. */
enum alerts_decision alerts_queue_decision(int is_open, int64_t length,
					   int threshold);
/* Latest attempts of job_type that failed in a row (successes end a
 * streak; at most limit are looked at). */
int alerts_failure_streak(sqlite3 *db, const char *job_type, int limit,
			  int *streak, struct err *e);
/* Slack's incoming-webhook body {"text": ...} for text, appended to out. */
int alerts_slack_payload(const char *text, struct buf *out);

/* POSTs body to url (ALERTS_POST_TIMEOUT_MS at most). arg is the
 * daemon's struct net: the request then runs in the loop and its outcome
 * is logged when it ends (0 here means "started"). With arg NULL (no
 * loop: commands, tests) it runs to its end and returns its outcome. */
int alerts_post(const char *url, const char *body, void *arg, struct err *e);

#endif
