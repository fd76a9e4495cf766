/*
 * config_env.c - environment overrides of the config, with the .NET
 * convention: Jobs__DraftCleanup__Enabled=false sets
 * Jobs.DraftCleanup.Enabled, Jobs__SyncRetry__RetryDelayMinutes__0=5 sets
 * one item of a list. Only variables that start with one of our sections
 * are read; an unknown key below them is a warning with a suggestion.
 */
#include "base/buf.h"
#include "base/err.h"
#include "config/config.h"
#include "config_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const env_sections[] = {
    "Jobs",	 "Email",  "Database", "Scheduler", "Queue", "Storage", "Http",
    "Dashboard", "Alerts", "Links",    "Logging",   "Tls",   NULL,
};

/* Turns "Jobs__SyncRetry__RetryDelayMinutes__0" into a dotted path and
 * an array index (-1 when there is none). */
static void env_path(const char *name, size_t len, char *path, size_t size,
		     int *index)
{
	size_t o = 0;
	const char *last;

	*index = -1;
	for (size_t i = 0; i < len && o + 1 < size; i++) {
		if (name[i] == '_' && i + 1 < len && name[i + 1] == '_') {
			path[o++] = '.';
			i++;
		} else {
			path[o++] = name[i];
		}
	}
	path[o] = '\0';
	last = strrchr(path, '.');
	if (last && last[1] &&
	    strspn(last + 1, "0123456789") == strlen(last + 1)) {
		*index = atoi(last + 1);
		path[last - path] = '\0';
	}
}

static int set_list_item(struct config *c, const struct config_key *k,
			 int index, const char *value, struct err *e)
{
	int *values = (int *)((char *)c + k->offset);
	int64_t v;

	if (index >= CONFIG_MAX_DELAYS)
		return err_set(e, ERR_INVALID, "%s[%d]: at most %d items",
			       k->path, index, CONFIG_MAX_DELAYS);
	if (config_parse_int64(value, &v) || v < k->min || v > k->max)
		return err_set(e, ERR_INVALID,
			       "%s[%d]: expected a number, got '%s'", k->path,
			       index, value);
	values[index] = (int)v;
	if (index >= c->jobs.sync_retry.retry_delay_count)
		c->jobs.sync_retry.retry_delay_count = index + 1;
	return 0;
}

int config_apply_env(struct config *c, char *const *envp, struct buf *warnings,
		     struct err *e)
{
	for (; envp && *envp; envp++) {
		const char *entry = *envp, *eq = strchr(entry, '=');
		char path[CONFIG_STR], origin[CONFIG_STR];
		const struct config_key *k;
		int index, is_ours = 0, rc;

		if (!eq || !strstr(entry, "__") || strstr(entry, "__") > eq)
			continue;
		for (int i = 0; env_sections[i]; i++) {
			size_t n = strlen(env_sections[i]);
			if (strncasecmp(entry, env_sections[i], n) == 0 &&
			    strncmp(entry + n, "__", 2) == 0)
				is_ours = 1;
		}
		if (!is_ours)
			continue;
		env_path(entry, (size_t)(eq - entry), path, sizeof(path),
			 &index);
		snprintf(origin, sizeof(origin), "environment %.*s",
			 (int)(eq - entry), entry);
		k = config_key_find(path);
		if (!k) {
			config_warn_unknown(path, origin, warnings);
			continue;
		}
		if (index >= 0 && k->type == K_INT_LIST)
			rc = set_list_item(c, k, index, eq + 1, e);
		else
			rc = config_set_text(c, k, eq + 1, e);
		if (rc)
			return err_prefix(e, "%s", origin);
		config_mark_set(c, k);
	}
	return 0;
}
