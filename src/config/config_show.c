/*
 * config_show.c - the effective config as JSON (`config show`, secrets
 * masked) and the list of recurring job sections.
 */
#include "base/buf.h"
#include "base/err.h"
#include "config/config.h"
#include "config_impl.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static cJSON *section_for(cJSON *root, const char *path, char *leaf,
			  size_t size)
{
	char copy[CONFIG_STR];
	char *save = NULL, *part, *next;
	cJSON *node = root;

	snprintf(copy, sizeof(copy), "%s", path);
	part = strtok_r(copy, ".", &save);
	while ((next = strtok_r(NULL, ".", &save)) != NULL) {
		cJSON *child = cJSON_GetObjectItemCaseSensitive(node, part);
		if (!child)
			child = cJSON_AddObjectToObject(node, part);
		node = child;
		part = next;
	}
	snprintf(leaf, size, "%s", part);
	return node;
}

int config_show(const struct config *c, struct buf *out)
{
	cJSON *root = cJSON_CreateObject();
	char *text;
	int rc;

	for (size_t i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];
		const void *field = (const char *)c + k->offset;
		char leaf[64];
		cJSON *node = section_for(root, k->path, leaf, sizeof(leaf));

		if (k->is_secret)
			cJSON_AddStringToObject(
			    node, leaf, *(const char *)field ? "********" : "");
		else if (k->type == K_BOOL)
			cJSON_AddBoolToObject(node, leaf, *(const bool *)field);
		else if (k->type == K_INT && k->choices)
			cJSON_AddStringToObject(
			    node, leaf, k->choices[*(const int *)field]);
		else if (k->type == K_INT)
			cJSON_AddNumberToObject(node, leaf,
						*(const int *)field);
		else if (k->type == K_INT64)
			cJSON_AddNumberToObject(
			    node, leaf, (double)*(const int64_t *)field);
		else if (k->type == K_INT_LIST)
			cJSON_AddItemToObject(
			    node, leaf,
			    cJSON_CreateIntArray(
				field, c->jobs.sync_retry.retry_delay_count));
		else
			cJSON_AddStringToObject(node, leaf, field);
	}
	text = cJSON_Print(root);
	rc = text ? buf_puts(out, text) : ERR_NOMEM;
	cJSON_free(text);
	cJSON_Delete(root);
	return rc;
}

int config_recurring(const struct config *c, struct config_recurring *out,
		     int max)
{
	const struct config_recurring all[] = {
	    {"DraftCleanup", "draft_cleanup", &c->jobs.draft_cleanup.r},
	    {"DraftReminder", "draft_reminder", &c->jobs.draft_reminder.r},
	    {"InvitationExpiration", "invitation_expiration",
	     &c->jobs.invitation_expiration.r},
	    {"ActivityCleanup", "activity_cleanup",
	     &c->jobs.activity_cleanup.r},
	    {"NotificationCleanup", "notification_cleanup",
	     &c->jobs.notification_cleanup.r},
	    {"RefreshTokenCleanup", "refresh_token_cleanup",
	     &c->jobs.refresh_token_cleanup.r},
	    {"WeeklySummaryEmail", "weekly_summary_email",
	     &c->jobs.weekly_summary_email.r},
	    {"SyncRetry", "sync_retry", &c->jobs.sync_retry.r},
	    {"ExportCleanup", "export_cleanup", &c->jobs.export_cleanup.r},
	    {"Backup", "backup", &c->jobs.backup.r},
	};
	int n = (int)(sizeof(all) / sizeof(all[0]));

	for (int i = 0; i < n && i < max; i++)
		out[i] = all[i];
	return n;
}

const struct recurring_settings *config_recurring_find(const struct config *c,
						       const char *type)
{
	struct config_recurring all[16];
	int n = config_recurring(c, all, 16);

	for (int i = 0; i < n; i++)
		if (strcmp(all[i].type, type) == 0)
			return all[i].settings;
	return NULL;
}
