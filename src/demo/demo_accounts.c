/*
 * demo_accounts.c - the household's invitations, refresh tokens, sync
 * queue, contacts, settings and audit trail.
 *
 * Each set holds the cases its job has to tell apart: invitations pending
 * and in date, pending but past expires_at (and one expiring exactly now),
 * accepted, declined and expired; tokens live, expired, revoked 2 and 10
 * days ago, rotated ones pointing at their successor; sync items failed
 * with every retry_count below the seed's MaxRetries of 5, due and not yet
 * due, for each entity type and operation, permanently failed and pending.
 */
#include "demo_internal.h"

#include "base/clock.h"
#include "base/err.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static int64_t at_days(const struct demo_ctx *ctx, double days)
{
	return ctx->now + (int64_t)(days * (double)MS_PER_DAY);
}

int demo_fill_invitations(struct demo_ctx *ctx)
{
	static const struct {
		const char *email, *target_type, *role, *status;
		int target, creator;
		double created_days, expires_days; /* relative to now */
	} rows[] = {
	    {"tomas.dvorak@example.cz", "project", "viewer", "pending", 0, 0,
	     -2, 5},
	    {"martina.kralova@example.cz", "property", "editor", "pending", 2,
	     1, -9, -2},
	    {"jiri.svoboda@example.cz", "project", "editor", "pending", 1, 1,
	     -30, -23},
	    {"lucie.mala@example.cz", "property", "viewer", "pending", 1, 0, -7,
	     0},
	    {"eva.dvorakova@example.com", "project", "viewer", "accepted", 0, 0,
	     -300, -293},
	    {"karel.novak@example.cz", "project", "viewer", "declined", 1, 1,
	     -60, -53},
	    {"stary.kamarad@example.cz", "property", "viewer", "expired", 0, 0,
	     -100, -93},
	};
	int rc;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct demo_invitation_info *v =
		    &ctx->invitations[ctx->invitation_count];
		int is_project = strcmp(rows[i].target_type, "project") == 0;
		char token_hash[65];

		demo_hex(&ctx->rng, token_hash, 64);
		*v = (struct demo_invitation_info){
		    .status = rows[i].status,
		    .email = rows[i].email,
		    .target_type = rows[i].target_type,
		    .target_name = is_project
				       ? demo_project_name(rows[i].target)
				       : demo_property_name(rows[i].target),
		    .creator = rows[i].creator,
		    .created_at = at_days(ctx, rows[i].created_days),
		};
		demo_uuid(&ctx->rng, v->id);
		{
			struct demo_invitation row = {
			    .id = v->id,
			    .token_hash = token_hash,
			    .target_type = rows[i].target_type,
			    .target_id = is_project
					     ? ctx->projects[rows[i].target]
					     : ctx->properties[rows[i].target],
			    .email = rows[i].email,
			    .role = rows[i].role,
			    .status = rows[i].status,
			    .expires_at = at_days(ctx, rows[i].expires_days),
			    .created_at = v->created_at,
			    .created_by = ctx->users[rows[i].creator],
			};
			if ((rc =
				 demo_insert_invitation(ctx->db, &row, ctx->e)))
				return rc;
		}
		ctx->invitation_count++;
		ctx->counts->invitations++;
	}
	return 0;
}

/* Per user: a live token, the one it replaced (revoked 2 days ago), one
 * revoked 10 days ago, one expired, one expired and long revoked. The
 * live one goes first, as the rotated one refers to it. */
int demo_fill_tokens(struct demo_ctx *ctx)
{
	static const char *const devices[] = {
	    "iPhone 14 / iOS 17.4 / MujDomecek 1.6.0",
	    "Pixel 7 / Android 14 / MujDomecek 1.6.0",
	    "Chrome 122 / Windows 11 / web"};
	static const struct {
		double created, expires, revoked; /* days from now; 0: never */
		int replaced_by_live;
	} rows[] = {{-2, 28, 0, 0},
		    {-12, 18, -2, 1},
		    {-15, 15, -10, 0},
		    {-45, -15, 0, 0},
		    {-80, -50, -70, 0}};
	int rc;

	for (int u = 0; u < DEMO_USERS; u++) {
		char live[DEMO_ID_LEN];

		demo_uuid(&ctx->rng, live);
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			char id[DEMO_ID_LEN], hash[65];
			struct demo_refresh_token row = {
			    .id = i == 0 ? live : id,
			    .user_id = ctx->users[u],
			    .token_hash = hash,
			    .device_info = devices[(u + i) % 3],
			    .created_at = at_days(ctx, rows[i].created),
			    .expires_at = at_days(ctx, rows[i].expires),
			    .revoked_at = rows[i].revoked
					      ? at_days(ctx, rows[i].revoked)
					      : 0,
			    .replaced_by_token_id =
				rows[i].replaced_by_live ? live : NULL,
			};
			demo_uuid(&ctx->rng, id);
			demo_hex(&ctx->rng, hash, 64);
			if ((rc = demo_insert_refresh_token(ctx->db, &row,
							    ctx->e)))
				return rc;
			ctx->counts->refresh_tokens++;
		}
	}
	return 0;
}

/* The entity fields of an envelope, camelCase as the app sends them. An
 * update keeps the row's identity and parent and changes a detail, so
 * applying it leaves a believable household. */
static cJSON *envelope(struct demo_ctx *ctx, int entity, int is_update,
		       const char *id, int64_t client_updated_at)
{
	const struct demo_record_info *r = &ctx->records[DEMO_RECORDS / 2];
	const struct demo_document_info *d =
	    &ctx->documents[ctx->document_count - 1];
	cJSON *p = cJSON_CreateObject();
	char iso[CLOCK_ISO_LEN];

	cJSON_AddStringToObject(p, "id", id);
	cJSON_AddStringToObject(p, "clientUpdatedAt",
				clock_format(client_updated_at, iso));
	switch (entity) {
	case 0:
		cJSON_AddStringToObject(p, "ownerId", ctx->users[1]);
		cJSON_AddStringToObject(p, "name",
					is_update ? demo_project_name(1)
						  : "Garáž u babičky");
		cJSON_AddStringToObject(p, "description",
					is_update
					    ? "Roubenka po dědovi, Kvilda 47"
					    : "Pronajatá garáž");
		break;
	case 1:
		cJSON_AddStringToObject(p, "projectId", ctx->projects[1]);
		cJSON_AddStringToObject(p, "name",
					is_update ? demo_property_name(2)
						  : "Stodola Kvilda");
		cJSON_AddNumberToObject(p, "latitude", 49.0197);
		cJSON_AddNumberToObject(p, "longitude", 13.5797);
		cJSON_AddNumberToObject(p, "geoRadius", 200);
		break;
	case 2:
		cJSON_AddStringToObject(p, "propertyId", ctx->properties[2]);
		cJSON_AddStringToObject(p, "name",
					is_update ? "Kůlna" : "Sklep");
		cJSON_AddStringToObject(p, "description", "Dřevo a nářadí");
		cJSON_AddStringToObject(p, "unitType", "other");
		break;
	case 3:
		cJSON_AddStringToObject(p, "propertyId",
					ctx->properties[r->property]);
		cJSON_AddStringToObject(p, "title",
					is_update && r->title ? r->title
							      : "Výměna okapu");
		cJSON_AddStringToObject(p, "date", "2026-05-14");
		cJSON_AddNumberToObject(p, "cost", 7400);
		cJSON_AddStringToObject(p, "status", "complete");
		cJSON_AddNumberToObject(p, "flags", 0);
		break;
	default:
		cJSON_AddStringToObject(p, "zaznamId",
					is_update ? ctx->records[d->record].id
						  : r->id);
		cJSON_AddStringToObject(p, "type",
					is_update ? d->type : "photo");
		cJSON_AddStringToObject(p, "originalFileName",
					is_update ? d->file_name
						  : "IMG_4711.jpg");
		if (is_update) {
			cJSON_AddStringToObject(p, "storageKey",
						d->storage_key);
		} else {
			char key[200];
			snprintf(key, sizeof(key), "documents/%s/%s/%s.jpg",
				 ctx->properties[r->property], r->id, id);
			cJSON_AddStringToObject(p, "storageKey", key);
		}
		cJSON_AddStringToObject(p, "description", "Po opravě");
		break;
	}
	return p;
}

/* The entity a queued update or delete names: a real row where the job's
 * effect is harmless, a vanished id for projects and properties. */
static void sync_target(struct demo_ctx *ctx, int entity, const char *op,
			char out[DEMO_ID_LEN])
{
	const char *id = NULL;

	if (strcmp(op, "create") == 0) {
		demo_uuid(&ctx->rng, out);
		return;
	}
	switch (entity) {
	case 0:
		id = strcmp(op, "update") == 0 ? ctx->projects[1] : NULL;
		break;
	case 1:
		id = strcmp(op, "update") == 0 ? ctx->properties[2] : NULL;
		break;
	case 2:
		id = ctx->units[ctx->unit_count - 1];
		break;
	case 3:
		id = ctx->records[DEMO_RECORDS / 2].id;
		break;
	default:
		id = ctx->documents[ctx->document_count - 1].id;
		break;
	}
	if (id)
		snprintf(out, DEMO_ID_LEN, "%s", id);
	else
		demo_uuid(&ctx->rng, out);
}

static int add_sync_item(struct demo_ctx *ctx, int user, int entity,
			 const char *op, const char *status, int retry_count,
			 double next_retry_days)
{
	static const char *const entities[] = {"projects", "properties",
					       "units", "zaznamy", "dokumenty"};
	static const char *const errors[] = {
	    "HTTP 503 from sync endpoint", "Conflict: parent not found",
	    "Timeout after 30 s", "Validation failed: name is required"};
	char id[DEMO_ID_LEN], entity_id[DEMO_ID_LEN];
	int64_t created = at_days(ctx, -1 - retry_count * 0.5);
	char *payload = NULL;
	int rc;

	demo_uuid(&ctx->rng, id);
	sync_target(ctx, entity, op, entity_id);
	if (strcmp(op, "delete") != 0 &&
	    !(payload =
		  demo_json(envelope(ctx, entity, strcmp(op, "update") == 0,
				     entity_id, created - MS_PER_MINUTE),
			    ctx->e)))
		return ERR_NOMEM;
	{
		int is_failed = strcmp(status, "pending") != 0;
		struct demo_sync_item row = {
		    .id = id,
		    .user_id = ctx->users[user],
		    .entity_type = entities[entity],
		    .entity_id = entity_id,
		    .operation = op,
		    .payload = payload,
		    .client_updated_at = created - MS_PER_MINUTE,
		    .status = status,
		    .retry_count = retry_count,
		    .next_retry_at =
			is_failed ? at_days(ctx, next_retry_days) : 0,
		    .last_attempt_at =
			is_failed ? ctx->now - 6 * MS_PER_MINUTE : 0,
		    .last_error = is_failed ? errors[retry_count % 4] : NULL,
		    .created_at = created,
		};
		rc = demo_insert_sync_item(ctx->db, &row, ctx->e);
	}
	cJSON_free(payload);
	if (!rc)
		ctx->counts->sync_queue++;
	return rc;
}

int demo_fill_sync_queue(struct demo_ctx *ctx)
{
	static const char *const ops[] = {"create", "update", "delete"};
	int rc = 0;

	/* Failed: every entity type and operation; retry_count 0..4; due
	 * (next_retry_at in the past) for even ones, not yet for odd. */
	for (int i = 0; !rc && i < 15; i++)
		rc = add_sync_item(ctx, i % DEMO_USERS, i / 3, ops[i % 3],
				   "failed", i % 5,
				   i % 2 ? 0.01 * (i + 1) : -0.01 * (i + 1));
	if (!rc)
		rc = add_sync_item(ctx, 1, 3, "update", "permanently_failed", 5,
				   -1);
	if (!rc)
		rc = add_sync_item(ctx, 0, 4, "create", "permanently_failed", 5,
				   -2);
	for (int i = 0; !rc && i < 4; i++)
		rc = add_sync_item(ctx, 2, i, ops[i % 2], "pending", 0, 0);
	return rc;
}

int demo_fill_contacts(struct demo_ctx *ctx)
{
	static const struct {
		int owner;
		const char *email, *name;
		int group; /* index into groups, -1: none */
	} contacts[] = {
	    {0, "petr.novak@example.cz", "Petr Novák", 0},
	    {0, "eva.dvorakova@example.com", "Eva Dvořáková", 0},
	    {0, "novotny@instalater-brno.cz", "Instalatérství Novotný", 1},
	    {0, "kriz@elektro-kriz.cz", "Elektro Kříž", 1},
	    {0, "havel@kominictvi-havel.cz", "Kominictví Havel", 1},
	    {1, "jana.novakova@example.cz", "Jana Nováková", -1},
	    {1, "josef.simek@example.cz", "Josef Šimek (soused)", 2},
	};
	static const struct {
		int owner;
		const char *name;
	} groups[] = {{0, "Rodina"}, {0, "Řemeslníci"}, {1, "Chalupa"}};
	char group_ids[3][DEMO_ID_LEN];
	int rc;

	for (int g = 0; g < 3; g++) {
		demo_uuid(&ctx->rng, group_ids[g]);
		if ((rc = demo_insert_contact_group(
			 ctx->db, group_ids[g], ctx->users[groups[g].owner],
			 groups[g].name, at_days(ctx, -200 + 10 * g), ctx->e)))
			return rc;
		ctx->counts->contact_groups++;
	}
	for (size_t i = 0; i < sizeof(contacts) / sizeof(contacts[0]); i++) {
		char id[DEMO_ID_LEN], member[DEMO_ID_LEN];

		demo_uuid(&ctx->rng, id);
		if ((rc = demo_insert_contact(
			 ctx->db, id, ctx->users[contacts[i].owner],
			 contacts[i].email, contacts[i].name,
			 at_days(ctx, -190 + 7 * (double)i), ctx->e)))
			return rc;
		ctx->counts->contacts++;
		if (contacts[i].group < 0)
			continue;
		demo_uuid(&ctx->rng, member);
		if ((rc = demo_insert_contact_group_member(
			 ctx->db, member, group_ids[contacts[i].group], id,
			 ctx->e)))
			return rc;
		ctx->counts->contact_group_members++;
	}
	return 0;
}

int demo_fill_settings_and_audit(struct demo_ctx *ctx)
{
	static const struct {
		const char *key, *value;
	} settings[] = {
	    {"app.minSupportedVersion", "\"1.4.0\""},
	    {"sync.maxBatchSize", "100"},
	    {"features.weeklySummary", "true"},
	    {"maintenance", "{\"enabled\":false,\"message\":null}"},
	    {"storage.maxUploadBytes", "26214400"},
	};
	static const struct {
		const char *entity_type, *action, *diff;
		int actor;
	} audits[] = {
	    {"users", "login", NULL, 0},
	    {"users", "login", NULL, 1},
	    {"projects", "update",
	     "{\"name\":[\"Dům Brno\",\"Rodinný dům Brno\"]}", 0},
	    {"project_members", "role_change",
	     "{\"role\":[\"viewer\",\"editor\"]}", 1},
	    {"app_settings", "update", "{\"sync.maxBatchSize\":[50,100]}", 0},
	    {"zaznamy", "delete", "{\"is_deleted\":[0,1]}", 1},
	    {"users", "password_reset", NULL, 2},
	    {"refresh_tokens", "revoke", "{\"reason\":\"logout\"}", 2},
	};
	int rc;

	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if ((rc = demo_insert_app_setting(
			 ctx->db, settings[i].key, settings[i].value,
			 ctx->users[0], at_days(ctx, -60 + 5 * (double)i),
			 ctx->e)))
			return rc;
		ctx->counts->app_settings++;
	}
	for (int n = 0; n < 24; n++) {
		size_t i = (size_t)n % (sizeof(audits) / sizeof(audits[0]));
		char id[DEMO_ID_LEN];
		struct demo_audit row = {
		    .id = id,
		    .entity_type = audits[i].entity_type,
		    .entity_id = strcmp(audits[i].entity_type, "projects") == 0
				     ? ctx->projects[0]
				     : ctx->users[audits[i].actor],
		    .action = audits[i].action,
		    .actor_user_id = ctx->users[audits[i].actor],
		    .diff_summary = audits[i].diff,
		    .created_at = at_days(ctx, -100 + 4 * (double)n),
		};
		demo_uuid(&ctx->rng, id);
		if ((rc = demo_insert_audit(ctx->db, &row, ctx->e)))
			return rc;
		ctx->counts->audit_log++;
	}
	return 0;
}
