/*
 * weekly_summary_email.c - the seed's WeeklySummary for every user who
 * asked for it, enqueued as send_email jobs (this job sends nothing).
 *
 * Users with user_preferences.email_weekly_summary = 1, not blocked and
 * not deleted, are paged through by id (keyset paging, BatchSize a step),
 * so users added or changed meanwhile neither repeat nor shift the pages.
 * For each the figures of [now - 7 days, now) are read (assets/templates/
 * README.md, "weekly_summary"); a user with nothing to report is "quiet"
 * and gets no email. The emails of one batch are enqueued in one short
 * write transaction; the figures are read before it, so the write lock is
 * held only for the inserts.
 *
 * A rerun never sends twice: each email's unique key is
 * weekly_summary:<userId>:<ISO year>-W<week>, the week of now in the job's
 * time zone. queue_insert skips a key that an unfinished job holds; a
 * week with a marker in weekly_summaries (kept apart from the queue, whose
 * pruning may be quicker than a week) is skipped here ("already") unless
 * its email went dead.
 *
 * Boundaries: both ends of the window are whole seconds, so a stored time
 * without milliseconds ("...T09:00:00Z", which sorts after
 * "...T09:00:00.000Z" as text) compares as the same instant: it is inside
 * at the start and outside at the end, like its millisecond form.
 *
 * "Shared" means properties the user belongs to (property member, project
 * member or project owner) and activity there by someone else.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "core/queue.h"
#include "base/tz.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_FIELD 256

/* clang-format off */
static const char users_sql[] =
	"SELECT u.id, u.email, u.first_name, u.preferred_language\n"
	"  FROM users u JOIN user_preferences p ON p.user_id = u.id\n"
	" WHERE p.email_weekly_summary = 1 AND u.is_blocked = 0\n"
	"   AND u.is_deleted = 0 AND u.id > ?1\n"
	" ORDER BY u.id\n"
	" LIMIT ?2";

/* ?1 user, ?2 window start, ?3 window end (now). */
static const char my_activity_sql[] =
	"SELECT coalesce(sum(type = 'zaznam_created'), 0),\n"
	"       coalesce(sum(type = 'zaznam_updated'), 0),\n"
	"       coalesce(sum(type = 'document_uploaded'), 0),\n"
	"       coalesce(sum(type = 'comment_added'), 0)\n"
	"  FROM activities\n"
	" WHERE actor_user_id = ?1 AND created_at >= ?2 AND created_at < ?3";

#define MY_PROPERTIES                                                          \
	"WITH mine(property_id) AS (\n"                                        \
	"  SELECT property_id FROM property_members WHERE user_id = ?1\n"      \
	"  UNION SELECT p.id FROM properties p\n"                              \
	"    JOIN project_members m ON m.project_id = p.project_id\n"          \
	"   WHERE m.user_id = ?1\n"                                            \
	"  UNION SELECT p.id FROM properties p\n"                              \
	"    JOIN projects j ON j.id = p.project_id WHERE j.owner_id = ?1)\n"

static const char new_records_sql[] =
	MY_PROPERTIES
	"SELECT pr.name, count(*) FROM activities a\n"
	"  JOIN properties pr ON pr.id = a.property_id\n"
	" WHERE a.property_id IN (SELECT property_id FROM mine)\n"
	"   AND pr.is_deleted = 0 AND a.type = 'zaznam_created'\n"
	"   AND a.created_at >= ?2 AND a.created_at < ?3\n"
	"   AND (a.actor_user_id IS NULL OR a.actor_user_id <> ?1)\n"
	" GROUP BY pr.id ORDER BY count(*) DESC, pr.name\n"
	" LIMIT 20";

static const char new_comments_sql[] =
	MY_PROPERTIES
	"SELECT coalesce(z.title, ''), coalesce(u.first_name, u.email)\n"
	"  FROM comments c\n"
	"  JOIN zaznamy z ON z.id = c.zaznam_id\n"
	"  JOIN users u ON u.id = c.author_user_id\n"
	" WHERE z.property_id IN (SELECT property_id FROM mine)\n"
	"   AND c.is_deleted = 0 AND z.is_deleted = 0\n"
	"   AND c.author_user_id <> ?1\n"
	"   AND c.created_at >= ?2 AND c.created_at < ?3\n"
	" ORDER BY c.created_at, c.id\n"
	" LIMIT 20";

static const char new_members_sql[] =
	MY_PROPERTIES
	"SELECT pr.name, coalesce(u.first_name, u.email)\n"
	"  FROM property_members m\n"
	"  JOIN properties pr ON pr.id = m.property_id\n"
	"  JOIN users u ON u.id = m.user_id\n"
	" WHERE m.property_id IN (SELECT property_id FROM mine)\n"
	"   AND pr.is_deleted = 0 AND m.user_id <> ?1\n"
	"   AND m.created_at >= ?2 AND m.created_at < ?3\n"
	" ORDER BY m.created_at, m.id\n"
	" LIMIT 20";

/* Who made a draft: created_by, else the actor of its first
 * zaznam_created activity (data-model.md). ?1 user, ?3 now, ?4 the
 * user's email, ?5 drafts created before it are deleted within
 * Jobs.DraftCleanup.WarningDaysBeforeDelete days. */
static const char alerts_sql[] =
	"WITH drafts AS (\n"
	"  SELECT z.created_at FROM zaznamy z\n"
	"   WHERE z.status = 'draft' AND z.is_deleted = 0\n"
	"     AND coalesce(z.created_by,\n"
	"           (SELECT a.actor_user_id FROM activities a\n"
	"             WHERE lower(a.target_type) = 'zaznam' AND a.target_id = z.id\n"
	"               AND a.type = 'zaznam_created'\n"
	"             ORDER BY a.created_at LIMIT 1)) = ?1)\n"
	"SELECT (SELECT count(*) FROM drafts),\n"
	"       (SELECT count(*) FROM invitations\n"
	"         WHERE status = 'pending' AND lower(email) = ?4\n"
	"           AND expires_at > ?3),\n"
	"       (SELECT count(*) FROM drafts WHERE created_at < ?5)";

/* A marker whose job is dead does not count: that email was never sent. */
static const char already_sent_sql[] =
	"SELECT 1 FROM weekly_summaries w\n"
	" WHERE w.user_id = ?1 AND w.week = ?2\n"
	"   AND NOT EXISTS (SELECT 1 FROM jobs j\n"
	"                    WHERE j.id = w.job_id AND j.state = 'dead')";

static const char mark_sent_sql[] =
	"INSERT OR REPLACE INTO weekly_summaries (user_id, week, job_id, enqueued_at)\n"
	"VALUES (?1, ?2, ?3, ?4)";

static const char forget_old_marks_sql[] =
	"DELETE FROM weekly_summaries WHERE enqueued_at < ?4";
/* clang-format on */

struct weekly_state {
	char last_id[64]; /* keyset paging: users after this id */
	int64_t from, to; /* the window, whole seconds */
	char week[16];	  /* "2026-W48" */
	char period_from[2][32], period_to[2][32]; /* [0] cs, [1] en */
};

struct summary_user {
	char id[64], email[USER_FIELD], name[USER_FIELD], language[8];
};

/* Each list in the email shows at most 20 entries (the LIMITs above). */

static const char *const month_en[] = {"Jan", "Feb", "Mar", "Apr",
				       "May", "Jun", "Jul", "Aug",
				       "Sep", "Oct", "Nov", "Dec"};

/* ISO 8601 week of a civil date: the week belongs to the year of its
 * Thursday. */
static void iso_week(const struct tz_civil *c, char *out, size_t size)
{
	int weekday = tz_weekday(c->year, c->month, c->day); /* 0 = Sunday */
	int64_t days = tz_days_from_civil(c->year, c->month, c->day);
	int64_t thursday = days + 3 - (weekday + 6) % 7;
	int year, month, day;

	tz_civil_from_days(thursday, &year, &month, &day);
	snprintf(out, size, "%04d-W%02d", year,
		 (int)((thursday - tz_days_from_civil(year, 1, 1)) / 7 + 1));
}

static void format_dates(struct weekly_state *st, const struct tz_civil *from,
			 const struct tz_civil *to)
{
	snprintf(st->period_from[0], sizeof(st->period_from[0]), "%d. %d. %d",
		 from->day, from->month, from->year);
	snprintf(st->period_to[0], sizeof(st->period_to[0]), "%d. %d. %d",
		 to->day, to->month, to->year);
	snprintf(st->period_from[1], sizeof(st->period_from[1]), "%d %s %d",
		 from->day, month_en[from->month - 1], from->year);
	snprintf(st->period_to[1], sizeof(st->period_to[1]), "%d %s %d",
		 to->day, month_en[to->month - 1], to->year);
}

static int weekly_start(struct job_ctx *ctx, struct err *e)
{
	const char *zone = ctx->cfg->jobs.weekly_summary_email.r.time_zone[0]
			       ? ctx->cfg->jobs.weekly_summary_email.r.time_zone
			       : ctx->cfg->scheduler.time_zone;
	struct weekly_state *st = calloc(1, sizeof(*st));
	struct tz_local from, to, now;
	struct tz *tz = NULL;
	int rc;

	if (!st)
		return err_set(e, ERR_NOMEM, "out of memory");
	ctx->state = st;
	st->to = ctx->now - ctx->now % MS_PER_SECOND;
	st->from = st->to - 7 * MS_PER_DAY;
	if ((rc = tz_open(zone, &tz, e)))
		return err_prefix(e, "time zone of WeeklySummaryEmail");
	if (tz_to_local(tz, st->from, &from) ||
	    tz_to_local(tz, st->to - 1, &to) ||
	    tz_to_local(tz, ctx->now, &now)) {
		tz_free(tz);
		return err_set(e, ERR_INVALID,
			       "now is outside the representable time range");
	}
	tz_free(tz);
	format_dates(st, &from.civil, &to.civil);
	iso_week(&now.civil, st->week, sizeof(st->week));
	return 0;
}

/* Prepares sql and binds what it uses of: ?1 user id, ?2 window start,
 * ?3 window end, ?4 email, ?5 expiring-draft cutoff. */
static int query(struct job_ctx *ctx, const struct weekly_state *st,
		 const char *sql, const struct summary_user *u,
		 sqlite3_stmt **stmt, struct err *e)
{
	const struct config *cfg = ctx->cfg;
	int64_t keep_days = cfg->jobs.draft_cleanup.delete_after_days -
			    config_warning_days(cfg);
	int rc, count;

	if ((rc = db_prepare(ctx->db, sql, stmt, e)))
		return rc;
	count = sqlite3_bind_parameter_count(*stmt);
	sqlite3_bind_text(*stmt, 1, u->id, -1, SQLITE_STATIC);
	if (count >= 3) {
		db_bind_time(*stmt, 2, st->from);
		db_bind_time(*stmt, 3, st->to);
	}
	if (count >= 5) {
		sqlite3_bind_text(*stmt, 4, u->email, -1, SQLITE_STATIC);
		db_bind_time(*stmt, 5,
			     st->to -
				 (keep_days > 0 ? keep_days : 0) * MS_PER_DAY);
	}
	return 0;
}

static int step_error(sqlite3 *db, int rc, struct err *e)
{
	return rc == SQLITE_DONE
		   ? 0
		   : db_error(db, rc, e, "reading the weekly summary");
}

/* One row of numbers into obj under names; *total adds them up. */
static int add_numbers(struct job_ctx *ctx, const struct weekly_state *st,
		       const char *sql, const struct summary_user *u,
		       const char *const names[], cJSON *obj, int64_t *total,
		       struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = query(ctx, st, sql, u, &stmt, e)))
		return rc;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		for (int i = 0; names[i]; i++) {
			int64_t n = sqlite3_column_int64(stmt, i);
			cJSON_AddNumberToObject(obj, names[i], (double)n);
			*total += n;
		}
		rc = SQLITE_DONE;
	}
	rc = step_error(ctx->db, rc, e);
	sqlite3_finalize(stmt);
	return rc;
}

/* Rows of (text, text-or-number) as an array of {k1: .., k2: ..}. */
static int add_list(struct job_ctx *ctx, const struct weekly_state *st,
		    const char *sql, const struct summary_user *u,
		    const char *k1, const char *k2, cJSON *parent,
		    const char *name, int64_t *total, struct err *e)
{
	cJSON *list = cJSON_AddArrayToObject(parent, name);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (!list)
		return err_set(e, ERR_NOMEM, "out of memory");
	if ((rc = query(ctx, st, sql, u, &stmt, e)))
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		cJSON *item = cJSON_CreateObject();
		cJSON_AddItemToArray(list, item);
		cJSON_AddStringToObject(
		    item, k1, (const char *)sqlite3_column_text(stmt, 0));
		if (sqlite3_column_type(stmt, 1) == SQLITE_INTEGER)
			cJSON_AddNumberToObject(item, k2,
						sqlite3_column_double(stmt, 1));
		else
			cJSON_AddStringToObject(
			    item, k2,
			    (const char *)sqlite3_column_text(stmt, 1));
		(*total)++;
	}
	rc = step_error(ctx->db, rc, e);
	sqlite3_finalize(stmt);
	return rc;
}

static const char *const my_names[] = {"zaznamyCreated", "zaznamyUpdated",
				       "documentsUploaded", "commentsAdded",
				       NULL};
static const char *const alert_names[] = {"pendingDrafts", "pendingInvitations",
					  "expiringDrafts", NULL};

/* The WeeklySummary of u into *out (caller deletes); *total is the sum of
 * every figure and list length: 0 means a quiet week. */
static int summary_build(struct job_ctx *ctx, const struct weekly_state *st,
			 const struct summary_user *u, cJSON **out,
			 int64_t *total, struct err *e)
{
	int is_en = strcmp(u->language, "en") == 0;
	cJSON *data = cJSON_CreateObject(), *user, *period, *mine, *shared,
	      *alerts;
	int rc;

	*out = data;
	*total = 0;
	user = cJSON_AddObjectToObject(data, "user");
	period = cJSON_AddObjectToObject(data, "period");
	mine = cJSON_AddObjectToObject(data, "myActivity");
	shared = cJSON_AddObjectToObject(data, "sharedActivity");
	alerts = cJSON_AddObjectToObject(data, "alerts");
	if (!alerts)
		return err_set(e, ERR_NOMEM, "out of memory");
	if (u->name[0])
		cJSON_AddStringToObject(user, "name", u->name);
	cJSON_AddStringToObject(user, "email", u->email);
	cJSON_AddStringToObject(period, "from", st->period_from[is_en]);
	cJSON_AddStringToObject(period, "to", st->period_to[is_en]);
	if ((rc = add_numbers(ctx, st, my_activity_sql, u, my_names, mine,
			      total, e)) ||
	    (rc = add_list(ctx, st, new_records_sql, u, "property", "count",
			   shared, "newZaznamy", total, e)) ||
	    (rc = add_list(ctx, st, new_comments_sql, u, "zaznam", "author",
			   shared, "newComments", total, e)) ||
	    (rc = add_list(ctx, st, new_members_sql, u, "property", "member",
			   shared, "newMembers", total, e)) ||
	    (rc = add_numbers(ctx, st, alerts_sql, u, alert_names, alerts,
			      total, e)))
		return rc;
	return 0;
}

static void copy_column(sqlite3_stmt *stmt, int column, char *out, size_t size)
{
	const unsigned char *text = sqlite3_column_text(stmt, column);

	snprintf(out, size, "%s", text ? (const char *)text : "");
}

/* The next page of users after st->last_id: *count of them into users. */
static int load_users(struct job_ctx *ctx, const struct weekly_state *st,
		      struct summary_user *users, int max, int *count,
		      struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	*count = 0;
	if ((rc = db_prepare(ctx->db, users_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, st->last_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, max);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *count < max) {
		struct summary_user *u = &users[(*count)++];
		copy_column(stmt, 0, u->id, sizeof(u->id));
		copy_column(stmt, 1, u->email, sizeof(u->email));
		copy_column(stmt, 2, u->name, sizeof(u->name));
		copy_column(stmt, 3, u->language, sizeof(u->language));
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE
		 ? 0
		 : db_error(ctx->db, rc, e,
			    "listing users for the weekly summary");
	sqlite3_finalize(stmt);
	return rc;
}

/* The send_email payload for u, or NULL in *out for a quiet week. */
static int payload_for(struct job_ctx *ctx, const struct weekly_state *st,
		       const struct summary_user *u, char **out, struct err *e)
{
	cJSON *payload = NULL, *data = NULL;
	int64_t total;
	int rc;

	*out = NULL;
	if ((rc = summary_build(ctx, st, u, &data, &total, e)) || total == 0)
		goto done;
	payload = cJSON_CreateObject();
	cJSON_AddStringToObject(payload, "template", "weekly_summary");
	cJSON_AddStringToObject(payload, "to", u->email);
	if (u->name[0])
		cJSON_AddStringToObject(payload, "toName", u->name);
	cJSON_AddStringToObject(payload, "language",
				u->language[0] ? u->language : "cs");
	cJSON_AddItemToObject(payload, "data", data);
	data = NULL;
	if (!(*out = cJSON_PrintUnformatted(payload)))
		rc = err_set(e, ERR_NOMEM, "out of memory");
done:
	cJSON_Delete(data);
	cJSON_Delete(payload);
	return rc;
}

/* Runs one of the marker statements: ?1 user id, ?2 week, ?3 job id,
 * ?4 time, each bound when the statement names it (sqlite ignores the
 * rest with SQLITE_RANGE). */
static int run_mark(sqlite3 *db, const char *sql, const char *user_id,
		    const char *week, int64_t job_id, int64_t at, int *has_row,
		    struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, week, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, job_id);
	db_bind_time(stmt, 4, at);
	rc = sqlite3_step(stmt);
	if (has_row)
		*has_row = rc == SQLITE_ROW;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE
		 ? 0
		 : db_error(db, rc, e, "the weekly summary's sent marker");
	sqlite3_finalize(stmt);
	return rc;
}

/* Enqueues one user's email unless this week's is queued or sent, and
 * marks the week (weekly_summaries, schema 008) in the same transaction.
 * queue_insert also skips a unique key that an unfinished job holds. */
static int enqueue_one(struct job_ctx *ctx, const struct weekly_state *st,
		       const struct summary_user *u, const char *payload,
		       int *inserted, struct err *e)
{
	char key[128];
	int rc, is_sent;

	*inserted = 0;
	snprintf(key, sizeof(key), "weekly_summary:%s:%s", u->id, st->week);
	if ((rc = run_mark(ctx->db, already_sent_sql, u->id, st->week, 0, 0,
			   &is_sent, e)) ||
	    is_sent)
		return rc;
	if ((rc = queue_insert(ctx->db, "send_email", payload, key, 0, inserted,
			       e)) ||
	    !*inserted)
		return rc;
	return run_mark(ctx->db, mark_sent_sql, u->id, st->week,
			sqlite3_last_insert_rowid(ctx->db), ctx->now, NULL, e);
}

/* Enqueues the batch's emails in one transaction. */
static int enqueue_batch(struct job_ctx *ctx, const struct weekly_state *st,
			 const struct summary_user *users,
			 char *const *payloads, int count, int64_t *emails,
			 int64_t *already, struct err *e)
{
	int rc, inserted;

	if ((rc = db_begin(ctx->db, e)))
		return rc;
	rc = run_mark(ctx->db, forget_old_marks_sql, NULL, NULL, 0,
		      ctx->now - 35 * MS_PER_DAY, NULL, e);
	for (int i = 0; i < count && !rc; i++) {
		if (!payloads[i])
			continue;
		rc = enqueue_one(ctx, st, &users[i], payloads[i], &inserted, e);
		*emails += inserted;
		*already += !rc && !inserted;
	}
	if (!rc)
		rc = db_commit(ctx->db, e);
	if (rc)
		db_rollback(ctx->db);
	return rc;
}

static int weekly_step(struct job_ctx *ctx, struct err *e)
{
	struct weekly_state *st = ctx->state;
	int batch = ctx->cfg->jobs.weekly_summary_email.r.batch_size;
	struct summary_user *users = calloc((size_t)batch, sizeof(*users));
	char **payloads = calloc((size_t)batch, sizeof(*payloads));
	int64_t emails = 0, already = 0;
	int count = 0, quiet = 0, rc;

	if (!users || !payloads) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	if ((rc = load_users(ctx, st, users, batch, &count, e)))
		goto done;
	for (int i = 0; i < count && !rc; i++) {
		rc = payload_for(ctx, st, &users[i], &payloads[i], e);
		quiet += !rc && !payloads[i];
	}
	if (rc || (rc = enqueue_batch(ctx, st, users, payloads, count, &emails,
				      &already, e)))
		goto done;
	job_count(ctx, "users", count);
	job_count(ctx, "emails", emails);
	job_count(ctx, "already",
		  already); /* queued or sent by an earlier run */
	job_count(ctx, "quiet", quiet);
	if (count > 0)
		snprintf(st->last_id, sizeof(st->last_id), "%s",
			 users[count - 1].id);
	snprintf(ctx->progress, sizeof(ctx->progress), "%lld users",
		 (long long)job_count_get(ctx, "users"));
	rc = count == batch ? JOB_AGAIN : JOB_DONE;
done:
	for (int i = 0; payloads && i < count; i++)
		free(payloads[i]);
	free(payloads);
	free(users);
	return rc;
}

static void weekly_finish(struct job_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

const struct job_type job_weekly_summary_email = {
    .name = "weekly_summary_email",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 30000,
    .retry_cap_ms = 3600000,
    .start = weekly_start,
    .step = weekly_step,
    .finish = weekly_finish,
};
