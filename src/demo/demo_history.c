/*
 * demo_history.c - the household's last 120 days: exactly DEMO_ACTIVITIES
 * activities and a few hundred notifications.
 *
 * The activities that the jobs read for meaning come first and match the
 * rows: a zaznam_created at each recent record's created_at (naming its
 * maker, which is how a draft with created_by NULL has one), a
 * document_uploaded per recent document, a comment_added per recent
 * comment. The rest is background of every type, spread evenly over the
 * window; it never names an existing record as created, so "the first
 * zaznam_created activity of a record" stays the true one.
 *
 * Notifications follow the same idea: the draft ones exist only for drafts
 * old enough to have been reminded (one per draft, as the job promises),
 * the invitation ones match the invitations, and the rest are mentions,
 * comments and failures of all ages, read and unread, with exact 30- and
 * 90-day boundary cases for the cleanup.
 */
#include "demo_internal.h"

#include "base/clock.h"
#include "base/err.h"

#include <cjson/cJSON.h>
#include <string.h>

#define DEMO_NOTIFICATIONS 300

static const char *const activity_types[] = {
    "zaznam_created",	   "zaznam_updated",   "zaznam_deleted",
    "comment_added",	   "member_joined",    "member_left",
    "member_role_changed", "document_uploaded"};

static int64_t window_start(const struct demo_ctx *ctx)
{
	return ctx->now - DEMO_HISTORY_DAYS * MS_PER_DAY;
}

static int add_activity(struct demo_ctx *ctx, int property, int actor,
			const char *type, const char *target_type,
			const char *target_id, cJSON *metadata, int64_t at)
{
	char id[DEMO_ID_LEN];
	char *json = demo_json(metadata, ctx->e);
	int rc;

	if (!json)
		return ERR_NOMEM;
	demo_uuid(&ctx->rng, id);
	{
		struct demo_activity row = {
		    .id = id,
		    .property_id = ctx->properties[property],
		    .actor_user_id = actor >= 0 ? ctx->users[actor] : NULL,
		    .type = type,
		    .target_type = target_type,
		    .target_id = target_id,
		    .metadata = json,
		    .created_at = at,
		};
		rc = demo_insert_activity(ctx->db, &row, ctx->e);
	}
	cJSON_free(json);
	if (!rc)
		ctx->counts->activities++;
	return rc;
}

static cJSON *title_metadata(const char *title)
{
	cJSON *m = cJSON_CreateObject();

	if (title)
		cJSON_AddStringToObject(m, "title", title);
	else
		cJSON_AddNullToObject(m, "title");
	return m;
}

static int real_activities(struct demo_ctx *ctx)
{
	int64_t from = window_start(ctx);
	int rc = 0;

	for (int i = 0; !rc && i < ctx->record_count; i++) {
		const struct demo_record_info *r = &ctx->records[i];

		if (r->created_at > from)
			rc = add_activity(ctx, r->property, r->actor,
					  "zaznam_created", "zaznam", r->id,
					  title_metadata(r->title),
					  r->created_at);
		if (!rc && r->is_deleted && r->updated_at > from)
			rc = add_activity(ctx, r->property, r->actor,
					  "zaznam_deleted", "zaznam", r->id,
					  title_metadata(r->title),
					  r->updated_at);
	}
	for (int i = 0; !rc && i < ctx->document_count; i++) {
		const struct demo_document_info *d = &ctx->documents[i];
		const struct demo_record_info *r = &ctx->records[d->record];
		cJSON *m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "zaznamId", r->id);
		cJSON_AddStringToObject(m, "fileName", d->file_name);
		cJSON_AddStringToObject(m, "documentType", d->type);
		if (d->created_at > from)
			rc = add_activity(ctx, r->property, r->actor,
					  "document_uploaded", "dokument",
					  d->id, m, d->created_at);
		else
			cJSON_Delete(m);
	}
	for (int i = 0; !rc && i < ctx->comment_count; i++) {
		const struct demo_comment_info *c = &ctx->comments[i];
		const struct demo_record_info *r = &ctx->records[c->record];
		cJSON *m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "zaznamId", r->id);
		if (c->created_at > from)
			rc = add_activity(ctx, r->property, c->author,
					  "comment_added", "comment", c->id, m,
					  c->created_at);
		else
			cJSON_Delete(m);
	}
	return rc;
}

/* Background activity i: its type cycles so every type is well covered. */
static int background_activity(struct demo_ctx *ctx, int i)
{
	static const char *const roles[] = {"viewer", "editor"};
	const char *type = activity_types[i % 8];
	int property = (int)demo_rng_between(&ctx->rng, 0, DEMO_PROPERTIES - 1);
	int actor = demo_pick_editor(ctx, property);
	int member = (int)demo_rng_between(&ctx->rng, 0, DEMO_USERS - 1);
	int record = (int)demo_rng_between(&ctx->rng, 0, ctx->record_count - 1);
	int64_t at =
	    demo_rng_between(&ctx->rng, window_start(ctx) + 1, ctx->now);
	char target[DEMO_ID_LEN];
	cJSON *m = cJSON_CreateObject();

	/* Gone records, comments and documents: ids that name no row. */
	demo_uuid(&ctx->rng, target);
	switch (i % 8) {
	case 0:
	case 2:
		cJSON_AddStringToObject(m, "title", "Drobná oprava");
		break;
	case 1:
		if (ctx->records[record].created_at > at)
			at = ctx->records[record].created_at +
			     (ctx->now - ctx->records[record].created_at) / 2;
		cJSON_AddStringToObject(m, "title",
					ctx->records[record].title
					    ? ctx->records[record].title
					    : "");
		return add_activity(ctx, ctx->records[record].property, actor,
				    type, "zaznam", ctx->records[record].id, m,
				    at);
	case 3:
	case 7:
		cJSON_AddStringToObject(m, "zaznamId", ctx->records[record].id);
		break;
	default:
		cJSON_AddStringToObject(m, "userName", demo_user_name(member));
		cJSON_AddStringToObject(m, "role", roles[i % 2]);
		return add_activity(ctx, property, actor, type, "user",
				    ctx->users[member], m, at);
	}
	return add_activity(ctx, property, actor, type,
			    i % 8 == 3	 ? "comment"
			    : i % 8 == 7 ? "dokument"
					 : "zaznam",
			    target, m, at);
}

int demo_fill_activities(struct demo_ctx *ctx)
{
	int rc = real_activities(ctx);

	for (int i = 0; !rc && ctx->counts->activities < DEMO_ACTIVITIES; i++)
		rc = background_activity(ctx, i);
	return rc;
}

static int add_notification(struct demo_ctx *ctx, int user, const char *type,
			    cJSON *payload, int64_t created_at, int64_t read_at)
{
	char id[DEMO_ID_LEN];
	char *json = demo_json(payload, ctx->e);
	int rc;

	if (!json)
		return ERR_NOMEM;
	demo_uuid(&ctx->rng, id);
	if (read_at > ctx->now)
		read_at = ctx->now;
	{
		struct demo_notification row = {
		    .id = id,
		    .user_id = ctx->users[user],
		    .type = type,
		    .payload = json,
		    .read_at = read_at,
		    .created_at = created_at,
		};
		rc = demo_insert_notification(ctx->db, &row, ctx->e);
	}
	cJSON_free(json);
	if (!rc)
		ctx->counts->notifications++;
	return rc;
}

static void add_time(cJSON *obj, const char *name, int64_t ms)
{
	char iso[CLOCK_ISO_LEN];

	cJSON_AddStringToObject(obj, name, clock_format(ms, iso));
}

/* Reminders the daily job would already have sent: one draft_reminder per
 * draft at 10+ days, one draft_expiring for the draft 25 days old; none
 * for a maker who turned draft reminders off. */
static int draft_notifications(struct demo_ctx *ctx)
{
	int rc = 0;

	for (int i = 0; !rc && i < ctx->record_count; i++) {
		const struct demo_record_info *r = &ctx->records[i];
		int64_t age = ctx->now - r->created_at;
		int user = r->creator >= 0 ? r->creator : r->actor;
		cJSON *p;

		if (!r->is_draft || age < 10 * MS_PER_DAY ||
		    !demo_user_wants_draft_reminders(user))
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "zaznamId", r->id);
		cJSON_AddStringToObject(p, "propertyName",
					demo_property_name(r->property));
		add_time(p, "createdAt", r->created_at);
		cJSON_AddNumberToObject(p, "daysOld", 3);
		rc = add_notification(ctx, user, "draft_reminder", p,
				      r->created_at + 3 * MS_PER_DAY,
				      i % 2 ? r->created_at + 4 * MS_PER_DAY
					    : 0);
		if (rc || age / MS_PER_DAY != 25)
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "zaznamId", r->id);
		cJSON_AddStringToObject(p, "propertyName",
					demo_property_name(r->property));
		add_time(p, "expiresAt", r->created_at + 30 * MS_PER_DAY);
		cJSON_AddNumberToObject(p, "daysRemaining", 7);
		rc = add_notification(ctx, user, "draft_expiring", p,
				      r->created_at + 23 * MS_PER_DAY, 0);
	}
	return rc;
}

static int invitation_notifications(struct demo_ctx *ctx)
{
	int rc = 0;

	for (int i = 0; !rc && i < ctx->invitation_count; i++) {
		const struct demo_invitation_info *v = &ctx->invitations[i];
		const char *type = NULL;
		cJSON *p;

		if (strcmp(v->status, "accepted") == 0)
			type = "invitation_accepted";
		else if (strcmp(v->status, "declined") == 0)
			type = "invitation_declined";
		else if (strcmp(v->status, "expired") == 0)
			type = "invitation_expired";
		if (!type)
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "invitationId", v->id);
		cJSON_AddStringToObject(p, "email", v->email);
		cJSON_AddStringToObject(p, "targetType", v->target_type);
		cJSON_AddStringToObject(p, "targetName", v->target_name);
		rc = add_notification(ctx, v->creator, type, p,
				      v->created_at + 2 * MS_PER_DAY,
				      v->created_at + 3 * MS_PER_DAY);
	}
	return rc;
}

static cJSON *background_payload(struct demo_ctx *ctx, const char *type)
{
	int c = (int)demo_rng_between(&ctx->rng, 0, ctx->comment_count - 1);
	const struct demo_comment_info *comment = &ctx->comments[c];
	const struct demo_record_info *r = &ctx->records[comment->record];
	cJSON *p = cJSON_CreateObject();

	if (strcmp(type, "sync_failed") == 0) {
		cJSON_AddStringToObject(p, "entityType", "zaznamy");
		cJSON_AddStringToObject(p, "entityId", r->id);
		cJSON_AddStringToObject(p, "error",
					"Conflict: newer version on server");
	} else if (strcmp(type, "export_failed") == 0) {
		cJSON_AddStringToObject(p, "format", "zip");
		cJSON_AddStringToObject(p, "reason",
					"Export exceeded the size limit");
	} else if (strcmp(type, "invitation_received") == 0) {
		cJSON_AddStringToObject(p, "targetType", "project");
		cJSON_AddStringToObject(p, "targetName", demo_project_name(0));
		cJSON_AddStringToObject(p, "invitedBy", demo_user_name(0));
	} else {
		cJSON_AddStringToObject(p, "commentId", comment->id);
		cJSON_AddStringToObject(p, "zaznamId", r->id);
		cJSON_AddStringToObject(p, "authorName",
					demo_user_name(comment->author));
		cJSON_AddStringToObject(p, "propertyName",
					demo_property_name(r->property));
	}
	return p;
}

int demo_fill_notifications(struct demo_ctx *ctx)
{
	static const char *const types[] = {
	    "mention_in_comment", "comment_on_your_zaznam",
	    "mention_in_comment", "comment_on_your_zaznam",
	    "sync_failed",	  "export_failed",
	    "invitation_received"};
	int rc = draft_notifications(ctx);

	rc = rc ? rc : invitation_notifications(ctx);
	/* Cleanup boundaries: read exactly 30 days ago, unread exactly 90. */
	if (!rc)
		rc = add_notification(
		    ctx, 0, "mention_in_comment",
		    background_payload(ctx, "mention_in_comment"),
		    ctx->now - 30 * MS_PER_DAY,
		    ctx->now - 30 * MS_PER_DAY + MS_PER_HOUR);
	if (!rc)
		rc = add_notification(
		    ctx, 1, "comment_on_your_zaznam",
		    background_payload(ctx, "comment_on_your_zaznam"),
		    ctx->now - 90 * MS_PER_DAY, 0);
	for (int i = 0; !rc && ctx->counts->notifications < DEMO_NOTIFICATIONS;
	     i++) {
		const char *type = types[i % 7];
		int user = (int)demo_rng_between(&ctx->rng, 0, DEMO_USERS - 1);
		int64_t at =
		    demo_rng_between(&ctx->rng, window_start(ctx), ctx->now);
		int is_read = demo_rng_between(&ctx->rng, 0, 99) < 65;
		int64_t read_at =
		    at + demo_rng_between(&ctx->rng, 1, 48) * MS_PER_HOUR;

		rc = add_notification(ctx, user, type,
				      background_payload(ctx, type), at,
				      is_read ? read_at : 0);
	}
	return rc;
}
