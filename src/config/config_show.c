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

/* Adds the value of key k to node; the item added, NULL when out of memory. */
static cJSON *show_value(cJSON *node, const char *leaf,
			 const struct config_key *k, const struct config *c)
{
	const void *field = (const char *)c + k->offset;
	cJSON *list;

	if (k->is_secret)
		return cJSON_AddStringToObject(
		    node, leaf, *(const char *)field ? "********" : "");
	if (k->type == K_BOOL)
		return cJSON_AddBoolToObject(node, leaf, *(const bool *)field);
	if (k->type == K_INT && k->choices)
		return cJSON_AddStringToObject(node, leaf,
					       k->choices[*(const int *)field]);
	if (k->type == K_INT)
		return cJSON_AddNumberToObject(node, leaf, *(const int *)field);
	if (k->type == K_INT64)
		return cJSON_AddNumberToObject(node, leaf,
					       (double)*(const int64_t *)field);
	if (k->type != K_INT_LIST)
		return cJSON_AddStringToObject(node, leaf, field);
	list =
	    cJSON_CreateIntArray(field, c->jobs.sync_retry.retry_delay_count);
	if (list && !cJSON_AddItemToObject(node, leaf, list)) {
		cJSON_Delete(list);
		list = NULL;
	}
	return list;
}

int config_show(const struct config *c, struct buf *out)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;
	int rc = root ? 0 : ERR_NOMEM;

	for (size_t i = 0; i < config_key_count && rc == 0; i++) {
		const struct config_key *k = &config_keys[i];
		char leaf[64];
		cJSON *node = section_for(root, k->path, leaf, sizeof(leaf));

		if (!node || !show_value(node, leaf, k, c))
			rc = ERR_NOMEM;
	}
	if (rc == 0) {
		text = cJSON_Print(root);
		rc = text ? buf_puts(out, text) : ERR_NOMEM;
	}
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
