/*
 * config.c - appsettings.json, defaults, environment overrides.
 *
 * One table (config_keys.c) describes every key: its path, type, place in
 * struct config, default (as text), range or choices, and whether it is a
 * secret. The defaults, the JSON loader, the environment overrides, `config
 * show` and the "did you mean" suggestions all read that table, so a key is
 * added in one place. Values from the file and the environment go through the
 * same setters, so a value means the same wherever it comes from.
 */
#include "config/config.h"
#include "config_impl.h"
#include "base/buf.h"
#include "base/err.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_FILE_MAX (1 << 20)

static const struct config_key *key_find(const char *path)
{
	for (size_t i = 0; i < config_key_count; i++)
		if (strcasecmp(config_keys[i].path, path) == 0)
			return &config_keys[i];
	return NULL;
}

/* Is path a section that has keys below it ("Jobs", "Jobs.DraftCleanup")? */
static int is_section(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < config_key_count; i++)
		if (strncasecmp(config_keys[i].path, path, n) == 0 &&
		    config_keys[i].path[n] == '.')
			return 1;
	return 0;
}

static int parse_int64(const char *text, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end)
		return -1;
	*out = v;
	return 0;
}

static int choice_index(const struct config_key *k, const char *text)
{
	for (int i = 0; k->choices[i]; i++)
		if (strcasecmp(k->choices[i], text) == 0)
			return i;
	return -1;
}

static int choice_error(const struct config_key *k, const char *text,
			struct err *e)
{
	struct buf list;
	int rc;

	buf_init(&list, 256);
	for (int i = 0; k->choices[i]; i++)
		buf_printf(&list, "%s%s", i ? ", " : "", k->choices[i]);
	rc = err_set(e, ERR_INVALID, "%s: '%s' is not one of %s", k->path, text,
		     buf_str(&list));
	buf_free(&list);
	return rc;
}

static int set_int_list(struct config *c, const struct config_key *k,
			const char *text, struct err *e)
{
	int *values = (int *)((char *)c + k->offset);
	int *count = &c->jobs.sync_retry.retry_delay_count;
	char copy[CONFIG_STR];
	char *save = NULL;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", text);
	for (char *item = strtok_r(copy, ", ", &save); item;
	     item = strtok_r(NULL, ", ", &save)) {
		int64_t v;
		if (parse_int64(item, &v) || v < k->min || v > k->max)
			return err_set(e, ERR_INVALID,
				       "%s: item %d '%s' is not a number of "
				       "minutes (%lld..%lld)",
				       k->path, n, item, (long long)k->min,
				       (long long)k->max);
		if (n == CONFIG_MAX_DELAYS)
			return err_set(e, ERR_INVALID, "%s: at most %d items",
				       k->path, CONFIG_MAX_DELAYS);
		values[n++] = (int)v;
	}
	if (n == 0)
		return err_set(e, ERR_INVALID, "%s: needs at least one item",
			       k->path);
	*count = n;
	return 0;
}

/* Sets a key from text: defaults, environment, and JSON strings. */
static int set_from_text(struct config *c, const struct config_key *k,
			 const char *text, struct err *e)
{
	void *field = (char *)c + k->offset;
	int64_t v;
	int i;

	switch (k->type) {
	case K_BOOL:
		if (strcasecmp(text, "true") == 0)
			*(bool *)field = true;
		else if (strcasecmp(text, "false") == 0)
			*(bool *)field = false;
		else
			return err_set(e, ERR_INVALID,
				       "%s: expected true or false, got '%s'",
				       k->path, text);
		return 0;
	case K_INT:
		if (k->choices) { /* an enum stored as int (Misfire) */
			if ((i = choice_index(k, text)) < 0)
				return choice_error(k, text, e);
			*(int *)field = i;
			return 0;
		}
		/* fall through */
	case K_INT64:
		if (parse_int64(text, &v))
			return err_set(e, ERR_INVALID,
				       "%s: expected an integer, got '%s'",
				       k->path, text);
		if (v < k->min || v > k->max)
			return err_set(e, ERR_INVALID,
				       "%s: %lld is out of range (%lld..%lld)",
				       k->path, (long long)v, (long long)k->min,
				       (long long)k->max);
		if (k->type == K_INT)
			*(int *)field = (int)v;
		else
			*(int64_t *)field = v;
		return 0;
	case K_STR:
		if (strlen(text) >= k->size)
			return err_set(e, ERR_INVALID,
				       "%s: longer than %zu characters",
				       k->path, k->size - 1);
		memcpy(field, text, strlen(text) + 1);
		return 0;
	case K_CHOICE:
		if ((i = choice_index(k, text)) < 0)
			return choice_error(k, text, e);
		snprintf(field, k->size, "%s", k->choices[i]);
		return 0;
	case K_INT_LIST:
		return set_int_list(c, k, text, e);
	}
	return ERR_INVALID;
}

static const char *json_type_name(const cJSON *node)
{
	if (cJSON_IsString(node))
		return "a string";
	if (cJSON_IsNumber(node))
		return "a number";
	if (cJSON_IsBool(node))
		return "a boolean";
	if (cJSON_IsNull(node))
		return "null";
	if (cJSON_IsArray(node))
		return "an array";
	return "an object";
}

static int set_from_json(struct config *c, const struct config_key *k,
			 const cJSON *node, struct err *e)
{
	char text[CONFIG_STR];
	struct buf list;
	int rc;

	if (cJSON_IsString(node)) {
		if (k->type == K_INT || k->type == K_INT64) {
			int64_t v;
			if (!k->choices && parse_int64(node->valuestring, &v))
				return err_set(
				    e, ERR_INVALID,
				    "%s: expected an integer, got \"%s\"",
				    k->path, node->valuestring);
		}
		return set_from_text(c, k, node->valuestring, e);
	}
	if (cJSON_IsBool(node) && k->type == K_BOOL)
		return set_from_text(c, k,
				     cJSON_IsTrue(node) ? "true" : "false", e);
	if (cJSON_IsNumber(node) && (k->type == K_INT || k->type == K_INT64) &&
	    !k->choices) {
		if (node->valuedouble != (double)(int64_t)node->valuedouble)
			return err_set(e, ERR_INVALID,
				       "%s: expected an integer, got %g",
				       k->path, node->valuedouble);
		snprintf(text, sizeof(text), "%lld",
			 (long long)node->valuedouble);
		return set_from_text(c, k, text, e);
	}
	if (cJSON_IsArray(node) && k->type == K_INT_LIST) {
		const cJSON *item;
		int index = 0;
		buf_init(&list, CONFIG_STR - 1);
		cJSON_ArrayForEach(item, node)
		{
			if (!cJSON_IsNumber(item)) {
				buf_free(&list);
				return err_set(
				    e, ERR_INVALID,
				    "%s[%d]: expected a number, got %s",
				    k->path, index, json_type_name(item));
			}
			buf_printf(&list, "%s%lld", index++ ? "," : "",
				   (long long)item->valuedouble);
		}
		rc = set_from_text(c, k, buf_str(&list), e);
		buf_free(&list);
		return rc;
	}
	return err_set(e, ERR_INVALID, "%s: expected %s, got %s", k->path,
		       k->type == K_BOOL       ? "true or false"
		       : k->type == K_INT_LIST ? "an array of numbers"
		       : (k->type == K_INT || k->type == K_INT64) && !k->choices
			   ? "an integer"
			   : "a string",
		       json_type_name(node));
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < config_key_count; i++)
		set_from_text(c, &config_keys[i], config_keys[i].def, NULL);
	snprintf(c->source, sizeof(c->source), "built-in defaults");
}

/* Levenshtein distance, case-insensitive, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[CONFIG_STR + 1];

	if (la > CONFIG_STR || lb > CONFIG_STR)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diagonal = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t above = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = diagonal + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = above;
		}
	}
	return row[lb];
}

static void warn_unknown(const char *path, const char *origin,
			 struct buf *warnings)
{
	const char *best = NULL;
	size_t best_distance = SIZE_MAX;

	if (!warnings)
		return;
	for (size_t i = 0; i < config_key_count; i++) {
		size_t d = edit_distance(path, config_keys[i].path);
		if (d < best_distance) {
			best_distance = d;
			best = config_keys[i].path;
		}
	}
	if (best && best_distance <= 3 + strlen(path) / 8)
		buf_printf(warnings, "%s: unknown key %s (did you mean %s?)\n",
			   origin, path, best);
	else
		buf_printf(warnings, "%s: unknown key %s (ignored)\n", origin,
			   path);
}

static int apply_json(struct config *c, const cJSON *object, const char *prefix,
		      const char *origin, struct buf *warnings, struct err *e)
{
	const cJSON *child;
	char path[CONFIG_STR];
	int rc;

	cJSON_ArrayForEach(child, object)
	{
		const struct config_key *k;
		if (prefix[0])
			snprintf(path, sizeof(path), "%s.%s", prefix,
				 child->string);
		else
			snprintf(path, sizeof(path), "%s", child->string);
		if ((k = key_find(path)) != NULL) {
			if ((rc = set_from_json(c, k, child, e)))
				return rc;
		} else if (is_section(path)) {
			if (!cJSON_IsObject(child))
				return err_set(e, ERR_INVALID,
					       "%s: expected a section "
					       "(a JSON object), got %s",
					       path, json_type_name(child));
			if ((rc = apply_json(c, child, path, origin, warnings,
					     e)))
				return rc;
		} else if (strcasecmp(path, "$schema") != 0) {
			warn_unknown(path, origin, warnings);
		}
	}
	return 0;
}

/* Blanks out // and / * comments (which .NET's appsettings.json allows)
 * with spaces, keeping newlines, so error positions stay right. */
static void blank_comments(char *text)
{
	int in_string = 0;

	for (char *p = text; *p; p++) {
		if (in_string) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_string = 0;
		} else if (*p == '"') {
			in_string = 1;
		} else if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				*p++ = ' ';
			if (!*p)
				break;
		} else if (p[0] == '/' && p[1] == '*') {
			char *end = strstr(p + 2, "*/");
			char *stop = end ? end + 2 : p + strlen(p);
			for (; p < stop; p++)
				if (*p != '\n')
					*p = ' ';
			p--;
		}
	}
}

static int read_file(const char *path, struct buf *out, struct err *e)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;
	int rc = 0;

	if (!f)
		return err_set(e, ERR_IO, "config file %s: %s", path,
			       strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = buf_append(out, chunk, n)) != 0) {
			err_set(e, rc, "config file %s: larger than %d bytes",
				path, CONFIG_FILE_MAX);
			break;
		}
	if (!rc && ferror(f))
		rc = err_set(e, ERR_IO, "config file %s: %s", path,
			     strerror(errno));
	fclose(f);
	return rc;
}

static void line_column(const char *text, const char *at, int *line,
			int *column)
{
	*line = 1;
	*column = 1;
	for (const char *p = text; p < at && *p; p++) {
		if (*p == '\n') {
			(*line)++;
			*column = 1;
		} else {
			(*column)++;
		}
	}
}

int config_apply_text(struct config *c, const char *text, const char *origin,
		      struct buf *warnings, struct err *e)
{
	struct buf copy;
	cJSON *root = NULL;
	const char *end = NULL;
	int rc, line, column;

	buf_init(&copy, CONFIG_FILE_MAX);
	if ((rc = buf_puts(&copy, text))) {
		err_set(e, rc, "%s: larger than %d bytes", origin,
			CONFIG_FILE_MAX);
		goto done;
	}
	blank_comments(copy.data ? copy.data : "");
	root = cJSON_ParseWithOpts(buf_str(&copy), &end, 1);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		line_column(buf_str(&copy), at ? at : buf_str(&copy) + copy.len,
			    &line, &column);
		rc = err_set(e, ERR_INVALID,
			     "%s:%d:%d: invalid JSON near '%.20s'", origin,
			     line, column, at && *at ? at : "end of file");
		goto done;
	}
	if (!cJSON_IsObject(root)) {
		rc = err_set(e, ERR_INVALID,
			     "%s: the top level must be a JSON object", origin);
		goto done;
	}
	rc = apply_json(c, root, "", origin, warnings, e);
	if (rc)
		err_prefix(e, "%s", origin);
done:
	cJSON_Delete(root);
	buf_free(&copy);
	return rc;
}

static int load_file(struct config *c, const char *path, struct buf *warnings,
		     struct err *e)
{
	struct buf text;
	int rc;

	buf_init(&text, CONFIG_FILE_MAX);
	if (!(rc = read_file(path, &text, e)))
		rc = config_apply_text(c, buf_str(&text), path, warnings, e);
	buf_free(&text);
	return rc;
}

static const char *const env_sections[] = {
    "Jobs", "Email",	 "Database", "Scheduler", "Queue",   "Storage",
    "Http", "Dashboard", "Alerts",   "Links",	  "Logging", NULL,
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
	if (parse_int64(value, &v) || v < k->min || v > k->max)
		return err_set(e, ERR_INVALID,
			       "%s[%d]: expected a number, got '%s'", k->path,
			       index, value);
	values[index] = (int)v;
	if (index >= c->jobs.sync_retry.retry_delay_count)
		c->jobs.sync_retry.retry_delay_count = index + 1;
	return 0;
}

static int apply_env(struct config *c, char *const *envp, struct buf *warnings,
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
		k = key_find(path);
		if (!k) {
			warn_unknown(path, origin, warnings);
			continue;
		}
		if (index >= 0 && k->type == K_INT_LIST)
			rc = set_list_item(c, k, index, eq + 1, e);
		else
			rc = set_from_text(c, k, eq + 1, e);
		if (rc)
			return err_prefix(e, "%s", origin);
	}
	return 0;
}

int config_validate(const struct config *c, struct err *e)
{
	const char *colon = strrchr(c->http.listen, ':');

	if (!colon || colon == c->http.listen || atoi(colon + 1) < 1 ||
	    atoi(colon + 1) > 65535)
		return err_set(e, ERR_INVALID,
			       "Http.Listen: '%s' is not HOST:PORT "
			       "(e.g. 127.0.0.1:8080)",
			       c->http.listen);
	if (c->dashboard.path[0] != '/')
		return err_set(e, ERR_INVALID,
			       "Dashboard.Path: '%s' must start with /",
			       c->dashboard.path);
	if (strcmp(c->storage.provider, "S3") == 0) {
		if (!c->storage.s3.endpoint[0] || !c->storage.s3.bucket[0])
			return err_set(
			    e, ERR_INVALID,
			    "Storage.S3: Endpoint and Bucket "
			    "are required when Storage.Provider is S3");
		if (!c->storage.s3.access_key[0] ||
		    !c->storage.s3.secret_key[0])
			return err_set(
			    e, ERR_INVALID,
			    "Storage.S3: AccessKey and SecretKey "
			    "are required when Storage.Provider is S3");
	}
	if (strcmp(c->email.provider, "SendGrid") == 0 &&
	    !c->email.sendgrid.api_key[0])
		return err_set(e, ERR_INVALID,
			       "Email.SendGrid.ApiKey is required when "
			       "Email.Provider is SendGrid");
	if (strcmp(c->email.provider, "Mailgun") == 0 &&
	    (!c->email.mailgun.api_key[0] || !c->email.mailgun.domain[0]))
		return err_set(e, ERR_INVALID,
			       "Email.Mailgun.Domain and ApiKey are "
			       "required when Email.Provider is Mailgun");
	if (!strchr(c->email.from, '@'))
		return err_set(e, ERR_INVALID,
			       "Email.From: '%s' is not an email address",
			       c->email.from);
	if (c->alerts.admin_email[0] && !strchr(c->alerts.admin_email, '@'))
		return err_set(e, ERR_INVALID,
			       "Alerts.AdminEmail: '%s' is not an email "
			       "address",
			       c->alerts.admin_email);
	return 0;
}

int config_load(struct config *c, const char *path, char *const *envp,
		struct buf *warnings, struct err *e)
{
	int rc;

	config_defaults(c);
	if (path) {
		if ((rc = load_file(c, path, warnings, e)))
			return rc;
		snprintf(c->source, sizeof(c->source), "%s", path);
	}
	if ((rc = apply_env(c, envp, warnings, e)))
		return rc;
	return config_validate(c, e);
}

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
