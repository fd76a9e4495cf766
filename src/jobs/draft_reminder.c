/*
 * draft_reminder.c - reminds the creator of a draft, once, and warns once
 * before the draft is deleted.
 *
 * Two phases, each in batches of BatchSize drafts per transaction:
 *  1. draft_reminder: drafts strictly older than ReminderAfterDays get one
 *     notification {zaznamId, propertyName, createdAt, daysOld}.
 *  2. draft_expiring: drafts that DraftCleanup will delete within the
 *     warning days (config_warning_days(): WarningDaysBeforeDelete, also
 *     readable as ExpirationWarningDays; created_at + DeleteAfterDays -
 *     now <= that many days, boundary included) get one notification
 *     {zaznamId, propertyName, expiresAt, daysRemaining} and a send_email
 *     job (template draft_expiring, unique key draft_expiring:<zaznamId>).
 *     Skipped while Jobs.DraftCleanup is disabled: then nothing expires.
 *
 * "Once per draft, ever": a notice is sent only when draft_notices (schema
 * 003) has no row for (draft, type) AND the creator has no notification of
 * that type naming the draft (json_extract(payload, '$.zaznamId'), looked
 * up through the notifications (user_id, type) index). The marker row is
 * written in the transaction that inserts the notification and enqueues
 * the email, so a crash sends all of it or none, and a rerun finds it.
 * The marker is needed because notifications are no lasting record:
 * NotificationCleanup deletes read ones after RetentionDaysRead, and the
 * send_email job's unique key only holds until that job finishes. The
 * notification check covers notices written before this job ran (the
 * .NET system, the demo data).
 *
 * Who is told: the creator, zaznamy.created_by or, where that is NULL, the
 * actor of the record's first zaznam_created activity (target_type
 * 'zaznam' in any case: other programs write these rows). No one is told about
 * a draft whose creator is unknown, blocked or deleted, or has
 * push_draft_reminders = 0 (a user without a user_preferences row has the
 * default 1). Such drafts get no marker, so a user who turns reminders back on
 * hears about drafts still pending. Email: the data model has no separate email
 * preference for drafts, so the draft_expiring email goes exactly with the
 * draft_expiring notification (push_draft_reminders = 1 or no row, user not
 * blocked or deleted), in the user's preferred_language. The email has no link:
 * the configuration knows no URL of the app (Http.PublicUrl is this daemon's).
 *
 * Time boundary: as in draft_cleanup.c, the index narrows by text to
 * created_at < (cutoff rounded up to the next whole second) and the exact
 * test compares strftime('%f')-normalised text, so "...T20:45:17Z" counts
 * as 17.000. A draft exactly ReminderAfterDays old is not yet reminded.
 * daysOld is whole days of age (floor); daysRemaining rounds up (a draft
 * 6 days 14 hours from deletion has 7 days left) and is 0 once due.
 *
 * Counts: reminded, expiring (notifications), emails (jobs enqueued).
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "app/mail_enqueue.h"
#include "app/notification.h"
#include "core/queue.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum reminder_phase { PHASE_REMINDER, PHASE_EXPIRING, PHASE_DONE };

struct reminder_state {
	enum reminder_phase phase;
	int batch_size;
	int64_t reminder_cutoff; /* created_at < this: remind */
	int64_t expiring_cutoff; /* created_at <= this: warn */
	int64_t delete_after_ms;
};

/* One draft as the candidates query returns it. */
struct draft_row {
	const char *id, *title, *property_name;
	const char *user_id, *email, *first_name, *language;
	int64_t created_at;
};

/* What one batch did; added to the job's counts after its commit. */
struct reminder_batch {
	int drafts;
	int64_t reminded, expiring, emails;
};

/* ?1 coarse text bound, ?2 exact cutoff, ?3 notice type, ?4 batch size. */
// clang-format off
#define CANDIDATES_SQL(exact_test) \
	"WITH draft AS (\n" \
	"  SELECT z.id, z.title, p.name AS property_name,\n" \
	"         strftime('%Y-%m-%dT%H:%M:%fZ', z.created_at) AS created_at,\n" \
	"         COALESCE(z.created_by, (\n" \
	"           SELECT a.actor_user_id FROM activities a\n" \
	"           WHERE lower(a.target_type) = 'zaznam' AND a.target_id = z.id\n" \
	"             AND a.type = 'zaznam_created'\n" \
	"           ORDER BY a.created_at, a.id LIMIT 1)) AS creator\n" \
	"  FROM zaznamy z JOIN properties p ON p.id = z.property_id\n" \
	"  WHERE z.status = 'draft' AND z.is_deleted = 0\n" \
	"    AND z.created_at < ?1\n" \
	"    AND strftime('%Y-%m-%dT%H:%M:%fZ', z.created_at) " exact_test " ?2\n" \
	"    AND NOT EXISTS (SELECT 1 FROM draft_notices m\n" \
	"                    WHERE m.zaznam_id = z.id AND m.type = ?3))\n" \
	"SELECT d.id, d.title, d.property_name, d.created_at,\n" \
	"       u.id, u.email, u.first_name, u.preferred_language\n" \
	"FROM draft d JOIN users u ON u.id = d.creator\n" \
	"WHERE u.is_blocked = 0 AND u.is_deleted = 0\n" \
	"  AND COALESCE((SELECT push_draft_reminders FROM user_preferences\n" \
	"                WHERE user_id = u.id), 1) = 1\n" \
	"  AND NOT EXISTS (SELECT 1 FROM notifications n\n" \
	"                  WHERE n.user_id = u.id AND n.type = ?3\n" \
	"                    AND json_extract(n.payload, '$.zaznamId') = d.id)\n" \
	"ORDER BY d.created_at, d.id\n" \
	"LIMIT ?4"
// clang-format on

static const char reminder_candidates_sql[] = CANDIDATES_SQL("<");
static const char expiring_candidates_sql[] = CANDIDATES_SQL("<=");

static const char insert_marker_sql[] =
    "INSERT OR IGNORE INTO draft_notices (zaznam_id, type, sent_at)\n"
    "VALUES (?1, ?2, ?3)";

static int reminder_start(struct job_ctx *ctx, struct err *e)
{
	const struct config *cfg = ctx->cfg;
	struct reminder_state *s = calloc(1, sizeof(*s));
	int64_t warn_before;

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	ctx->state = s;
	s->batch_size = cfg->jobs.draft_reminder.r.batch_size;
	if (s->batch_size < 1)
		return err_set(
		    e, ERR_INVALID,
		    "Jobs.DraftReminder.BatchSize must be at least 1");
	s->delete_after_ms =
	    cfg->jobs.draft_cleanup.delete_after_days * MS_PER_DAY;
	warn_before = config_warning_days(cfg) * MS_PER_DAY;
	s->reminder_cutoff =
	    ctx->now -
	    cfg->jobs.draft_reminder.reminder_after_days * MS_PER_DAY;
	s->expiring_cutoff = ctx->now - s->delete_after_ms + warn_before;
	job_count(ctx, "reminded", 0);
	job_count(ctx, "expiring", 0);
	job_count(ctx, "emails", 0);
	return 0;
}

/* Records the notice; *is_new 0 when it was already recorded (SQLite may
 * show an updated row twice to a statement still stepping). */
static int insert_marker(struct job_ctx *ctx, const char *draft_id,
			 const char *type, int *is_new, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = db_prepare(ctx->db, insert_marker_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, draft_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, type, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, ctx->now);
	rc = sqlite3_step(stmt);
	rc = rc == SQLITE_DONE
		 ? 0
		 : db_error(ctx->db, rc, e, "record a draft notice");
	*is_new = sqlite3_changes(ctx->db) > 0;
	sqlite3_finalize(stmt);
	return rc;
}

/* Serialises obj (consumed) and inserts it as the user's notification. */
static int notify(struct job_ctx *ctx, const struct draft_row *d,
		  const char *type, cJSON *obj, struct err *e)
{
	char *json = obj ? cJSON_PrintUnformatted(obj) : NULL;
	int rc;

	cJSON_Delete(obj);
	if (!json)
		return err_set(e, ERR_NOMEM, "out of memory for a %s payload",
			       type);
	rc = notification_insert(ctx->db, d->user_id, type, json, ctx->now,
				 NULL, e);
	cJSON_free(json);
	return rc;
}

static void add_time(cJSON *obj, const char *name, int64_t ms)
{
	char iso[CLOCK_ISO_LEN];

	cJSON_AddStringToObject(obj, name, clock_format(ms, iso));
}

static int send_reminder(struct job_ctx *ctx, const struct draft_row *d,
			 struct err *e)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "zaznamId", d->id);
	cJSON_AddStringToObject(p, "propertyName", d->property_name);
	add_time(p, "createdAt", d->created_at);
	cJSON_AddNumberToObject(
	    p, "daysOld", (double)((ctx->now - d->created_at) / MS_PER_DAY));
	return notify(ctx, d, "draft_reminder", p, e);
}

static int64_t days_remaining(int64_t expires_at, int64_t now)
{
	int64_t left = expires_at - now;

	return left <= 0 ? 0 : (left + MS_PER_DAY - 1) / MS_PER_DAY;
}

/* Enqueues the draft_expiring email; *inserted 0 when one is pending. */
static int enqueue_email(struct job_ctx *ctx, const struct draft_row *d,
			 int64_t expires_at, int *inserted, struct err *e)
{
	int is_english = strcmp(d->language, "en") == 0;
	cJSON *data = cJSON_CreateObject();
	char key[128];

	if (d->first_name && d->first_name[0])
		cJSON_AddStringToObject(data, "name", d->first_name);
	cJSON_AddStringToObject(data, "zaznamTitle",
				d->title && d->title[0] ? d->title
				: is_english		? "Untitled"
							: "Bez názvu");
	cJSON_AddStringToObject(data, "propertyName", d->property_name);
	add_time(data, "expiresAt", expires_at);
	cJSON_AddNumberToObject(data, "daysRemaining",
				(double)days_remaining(expires_at, ctx->now));
	snprintf(key, sizeof(key), "draft_expiring:%s", d->id);
	return mail_enqueue(ctx->db, "draft_expiring", d->email,
			    is_english ? "en" : "cs", data, key, inserted, e);
}

static int send_expiring(struct job_ctx *ctx, const struct draft_row *d,
			 int *emailed, struct err *e)
{
	struct reminder_state *s = ctx->state;
	int64_t expires_at = d->created_at + s->delete_after_ms;
	cJSON *p = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(p, "zaznamId", d->id);
	cJSON_AddStringToObject(p, "propertyName", d->property_name);
	add_time(p, "expiresAt", expires_at);
	cJSON_AddNumberToObject(p, "daysRemaining",
				(double)days_remaining(expires_at, ctx->now));
	if ((rc = notify(ctx, d, "draft_expiring", p, e)))
		return rc;
	*emailed = 0;
	if (!d->email || !d->email[0])
		return 0;
	return enqueue_email(ctx, d, expires_at, emailed, e);
}

static const char *column_text(sqlite3_stmt *stmt, int column)
{
	return (const char *)sqlite3_column_text(stmt, column);
}

/* Sends the current phase's notice for one selected row. */
static int handle_row(struct job_ctx *ctx, sqlite3_stmt *stmt, const char *type,
		      struct reminder_batch *b, struct err *e)
{
	struct draft_row d = {
	    .id = column_text(stmt, 0),
	    .title = column_text(stmt, 1),
	    .property_name = column_text(stmt, 2),
	    .user_id = column_text(stmt, 4),
	    .email = column_text(stmt, 5),
	    .first_name = column_text(stmt, 6),
	    .language = column_text(stmt, 7),
	};
	int rc, emailed = 0, is_new = 0;

	if (!d.language)
		d.language = "cs";
	if (!d.property_name)
		d.property_name = "";
	if (db_column_time(stmt, 3, &d.created_at))
		return err_set(e, ERR_INVALID,
			       "draft %s: created_at is not a time", d.id);
	if ((rc = insert_marker(ctx, d.id, type, &is_new, e)) || !is_new)
		return rc;
	if (strcmp(type, "draft_reminder") == 0) {
		if ((rc = send_reminder(ctx, &d, e)))
			return rc;
		b->reminded++;
		return 0;
	}
	if ((rc = send_expiring(ctx, &d, &emailed, e)))
		return rc;
	b->expiring++;
	b->emails += emailed;
	return 0;
}

/* One batch of the current phase, inside the caller's transaction. */
static int run_batch(struct job_ctx *ctx, struct reminder_batch *b,
		     struct err *e)
{
	struct reminder_state *s = ctx->state;
	int is_reminder = s->phase == PHASE_REMINDER;
	const char *type = is_reminder ? "draft_reminder" : "draft_expiring";
	int64_t cutoff = is_reminder ? s->reminder_cutoff : s->expiring_cutoff;
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = db_prepare(ctx->db,
			is_reminder ? reminder_candidates_sql
				    : expiring_candidates_sql,
			&stmt, e);
	if (rc)
		return rc;
	db_bind_time(stmt, 1, cutoff - cutoff % MS_PER_SECOND + MS_PER_SECOND);
	db_bind_time(stmt, 2, cutoff);
	sqlite3_bind_text(stmt, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, s->batch_size);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((rc = handle_row(ctx, stmt, type, b, e)))
			goto done;
		b->drafts++;
	}
	rc = rc == SQLITE_DONE
		 ? 0
		 : db_error(ctx->db, rc, e, "select drafts to remind");
done:
	sqlite3_finalize(stmt);
	return rc;
}

static int reminder_step(struct job_ctx *ctx, struct err *e)
{
	struct reminder_state *s = ctx->state;
	struct reminder_batch b = {0};
	int rc;

	if ((rc = db_begin(ctx->db, e)))
		return rc;
	if ((rc = run_batch(ctx, &b, e)) || (rc = db_commit(ctx->db, e))) {
		db_rollback(ctx->db);
		return rc;
	}
	job_count(ctx, "reminded", b.reminded);
	job_count(ctx, "expiring", b.expiring);
	job_count(ctx, "emails", b.emails);
	snprintf(ctx->progress, sizeof(ctx->progress),
		 "%lld reminded, %lld expiring",
		 (long long)job_count_get(ctx, "reminded"),
		 (long long)job_count_get(ctx, "expiring"));
	if (b.drafts == s->batch_size)
		return JOB_AGAIN;
	if (s->phase == PHASE_REMINDER &&
	    ctx->cfg->jobs.draft_cleanup.r.enabled) {
		s->phase = PHASE_EXPIRING;
		return JOB_AGAIN;
	}
	s->phase = PHASE_DONE;
	return JOB_DONE;
}

static void reminder_finish(struct job_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

const struct job_type job_draft_reminder = {
    .name = "draft_reminder",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 30000,
    .retry_cap_ms = 3600000,
    .start = reminder_start,
    .step = reminder_step,
    .finish = reminder_finish,
};
