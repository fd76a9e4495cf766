/*
 * invitation_expiration.c - pending invitations past expires_at become
 * 'expired', and whoever sent them is told.
 *
 * As the seed says, an invitation expires when expires_at < now: at the
 * very instant of expires_at it is still valid (the app accepts it until
 * then), so the job leaves it for its next run. Each step takes BatchSize
 * invitations, oldest expiry first, and in one transaction sets each to
 * 'expired' (only while it is still 'pending', so one the app accepted a
 * moment ago stays accepted) and inserts the creator's invitation_expired
 * notification {invitationId, email, targetType, targetName}, targetName
 * being the project's or the property's name (null when the target is
 * gone). The status change and the notification commit together, so each
 * invitation is notified exactly once, also across crashes and reruns.
 * A creator whose account is deleted gets no notification (counted as
 * expired, not notified).
 *
 * Time boundary: the index narrows by text to expires_at < (now rounded
 * up to the next whole second), which keeps both stored forms, and the
 * exact test compares strftime('%f')-normalised text with now, so
 * "...T20:45:17Z" counts as 17.000.
 *
 * Counts: expired, notified.
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "app/notification.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

struct expiration_state {
	int batch_size;
};

struct expiration_batch {
	int invitations;
	int64_t expired, notified;
};

static const char select_expired_sql[] =
    "SELECT i.id, i.email, i.target_type, i.created_by,\n"
    "       CASE i.target_type\n"
    "         WHEN 'project' THEN (SELECT name FROM projects WHERE id = i.target_id)\n"
    "         ELSE (SELECT name FROM properties WHERE id = i.target_id)\n"
    "       END,\n"
    "       (SELECT is_deleted FROM users WHERE id = i.created_by)\n"
    "FROM invitations i\n"
    "WHERE i.status = 'pending'\n"
    "  AND i.expires_at < ?1\n"
    "  AND strftime('%Y-%m-%dT%H:%M:%fZ', i.expires_at) < ?2\n"
    "ORDER BY i.expires_at, i.id\n"
    "LIMIT ?3";

static const char expire_sql[] = "UPDATE invitations SET status = 'expired'\n"
				 "WHERE id = ?1 AND status = 'pending'";

static int expiration_start(struct job_ctx *ctx, struct err *e)
{
	struct expiration_state *s = calloc(1, sizeof(*s));

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	ctx->state = s;
	s->batch_size = ctx->cfg->jobs.invitation_expiration.r.batch_size;
	if (s->batch_size < 1)
		return err_set(
		    e, ERR_INVALID,
		    "Jobs.InvitationExpiration.BatchSize must be at least 1");
	job_count(ctx, "expired", 0);
	job_count(ctx, "notified", 0);
	return 0;
}

/* Sets one invitation to expired; *changed 0 when it was no longer pending. */
static int expire_one(struct job_ctx *ctx, const char *id, int *changed,
		      struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = db_prepare(ctx->db, expire_sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	rc = rc == SQLITE_DONE
		 ? 0
		 : db_error(ctx->db, rc, e, "expire an invitation");
	*changed = sqlite3_changes(ctx->db);
	sqlite3_finalize(stmt);
	return rc;
}

static int notify_creator(struct job_ctx *ctx, sqlite3_stmt *row, struct err *e)
{
	const char *id = (const char *)sqlite3_column_text(row, 0);
	const char *creator = (const char *)sqlite3_column_text(row, 3);
	const char *target_name = (const char *)sqlite3_column_text(row, 4);
	cJSON *p = cJSON_CreateObject();
	char *json;
	int rc;

	cJSON_AddStringToObject(p, "invitationId", id);
	cJSON_AddStringToObject(p, "email",
				(const char *)sqlite3_column_text(row, 1));
	cJSON_AddStringToObject(p, "targetType",
				(const char *)sqlite3_column_text(row, 2));
	if (target_name)
		cJSON_AddStringToObject(p, "targetName", target_name);
	else
		cJSON_AddNullToObject(p, "targetName");
	json = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	if (!json)
		return err_set(e, ERR_NOMEM, "out of memory for invitation %s",
			       id);
	rc = notification_insert(ctx->db, creator, "invitation_expired", json,
				 ctx->now, NULL, e);
	cJSON_free(json);
	return rc;
}

static int handle_row(struct job_ctx *ctx, sqlite3_stmt *row,
		      struct expiration_batch *b, struct err *e)
{
	const char *id = (const char *)sqlite3_column_text(row, 0);
	int is_creator_gone = sqlite3_column_type(row, 5) == SQLITE_NULL ||
			      sqlite3_column_int(row, 5) != 0;
	int rc, changed = 0;

	if ((rc = expire_one(ctx, id, &changed, e)) || !changed)
		return rc;
	b->expired++;
	if (is_creator_gone)
		return 0;
	if ((rc = notify_creator(ctx, row, e)))
		return rc;
	b->notified++;
	return 0;
}

static int run_batch(struct job_ctx *ctx, struct expiration_batch *b,
		     struct err *e)
{
	struct expiration_state *s = ctx->state;
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = db_prepare(ctx->db, select_expired_sql, &stmt, e)))
		return rc;
	db_bind_time(stmt, 1,
		     ctx->now - ctx->now % MS_PER_SECOND + MS_PER_SECOND);
	db_bind_time(stmt, 2, ctx->now);
	sqlite3_bind_int(stmt, 3, s->batch_size);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((rc = handle_row(ctx, stmt, b, e)))
			goto done;
		b->invitations++;
	}
	rc = rc == SQLITE_DONE
		 ? 0
		 : db_error(ctx->db, rc, e, "select expired invitations");
done:
	sqlite3_finalize(stmt);
	return rc;
}

static int expiration_step(struct job_ctx *ctx, struct err *e)
{
	struct expiration_state *s = ctx->state;
	struct expiration_batch b = {0};
	int rc;

	if ((rc = db_begin(ctx->db, e)))
		return rc;
	if ((rc = run_batch(ctx, &b, e)) || (rc = db_commit(ctx->db, e))) {
		db_rollback(ctx->db);
		return rc;
	}
	job_count(ctx, "expired", b.expired);
	job_count(ctx, "notified", b.notified);
	snprintf(ctx->progress, sizeof(ctx->progress),
		 "%lld invitations expired",
		 (long long)job_count_get(ctx, "expired"));
	return b.invitations < s->batch_size ? JOB_DONE : JOB_AGAIN;
}

static void expiration_finish(struct job_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

const struct job_type job_invitation_expiration = {
    .name = "invitation_expiration",
    .priority = 0,
    .max_attempts = 3,
    .retry_delay_ms = 30000,
    .retry_cap_ms = 3600000,
    .start = expiration_start,
    .step = expiration_step,
    .finish = expiration_finish,
};
