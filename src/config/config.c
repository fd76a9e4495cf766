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
#include "base/json_text.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_FILE_MAX (1 << 20)

const struct config_key *config_key_find(const char *path)
{
	for (size_t i = 0; i < config_key_count; i++)
		if (strcasecmp(config_keys[i].path, path) == 0)
			return &config_keys[i];
	return NULL;
}

/* Remembers that the file or the environment gave key k a value. */
void config_mark_set(struct config *c, const struct config_key *k)
{
	size_t i = (size_t)(k - config_keys);

	if (i < sizeof(c->is_set))
		c->is_set[i] = 1;
}

int config_is_set(const struct config *c, const char *path)
{
	const struct config_key *k = config_key_find(path);
	size_t i = k ? (size_t)(k - config_keys) : sizeof(c->is_set);

	return i < sizeof(c->is_set) && c->is_set[i];
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

int config_parse_int64(const char *text, int64_t *out)
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
		if (config_parse_int64(item, &v) || v < k->min || v > k->max)
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
int config_set_text(struct config *c, const struct config_key *k,
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
		if (config_parse_int64(text, &v))
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
			if (!k->choices &&
			    config_parse_int64(node->valuestring, &v))
				return err_set(
				    e, ERR_INVALID,
				    "%s: expected an integer, got \"%s\"",
				    k->path, node->valuestring);
		}
		return config_set_text(c, k, node->valuestring, e);
	}
	if (cJSON_IsBool(node) && k->type == K_BOOL)
		return config_set_text(
		    c, k, cJSON_IsTrue(node) ? "true" : "false", e);
	if (cJSON_IsNumber(node) && (k->type == K_INT || k->type == K_INT64) &&
	    !k->choices) {
		if (node->valuedouble != (double)(int64_t)node->valuedouble)
			return err_set(e, ERR_INVALID,
				       "%s: expected an integer, got %g",
				       k->path, node->valuedouble);
		snprintf(text, sizeof(text), "%lld",
			 (long long)node->valuedouble);
		return config_set_text(c, k, text, e);
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
		rc = config_set_text(c, k, buf_str(&list), e);
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
		config_set_text(c, &config_keys[i], config_keys[i].def, NULL);
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

void config_warn_unknown(const char *path, const char *origin,
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

struct apply_ctx {
	const char *text; /* the parsed text, for positions in warnings */
	const char *origin;
	struct buf *warnings;
};

/* Where "name": stands in text at or after from (NULL: not found). */
static const char *key_at(const char *from, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = from; (p = strchr(p, '"')) != NULL; p++) {
		const char *q = p + 1 + n;

		if (strncmp(p + 1, name, n) || *q != '"')
			continue;
		for (q++; *q == ' ' || *q == '\t' || *q == '\n' || *q == '\r';)
			q++;
		if (*q == ':')
			return p;
	}
	return NULL;
}

/* Warns when a key repeats an earlier sibling's name in any case ("Jobs"
 * and "JOBS"): .NET reads them as one key and the later one wins. */
static void warn_repeat(const struct apply_ctx *ctx, const cJSON *object,
			const char *start, const cJSON *child, const char *at,
			const char *prefix)
{
	const cJSON *before;
	int line, column, first_line, first_column;
	const char *first_at;

	if (!ctx->warnings || !at)
		return;
	for (before = object->child; before && before != child;
	     before = before->next)
		if (!strcasecmp(before->string, child->string))
			break;
	if (!before || before == child)
		return;
	first_at = key_at(start, before->string);
	json_text_position(ctx->text, (size_t)(at - ctx->text), &line, &column);
	json_text_position(ctx->text,
			   (size_t)((first_at ? first_at : at) - ctx->text),
			   &first_line, &first_column);
	buf_printf(ctx->warnings,
		   "%s:%d:%d: key \"%s%s%s\" repeats \"%s\" from %d:%d "
		   "(keys ignore case); the later value wins\n",
		   ctx->origin, line, column, prefix, prefix[0] ? "." : "",
		   child->string, before->string, first_line, first_column);
}

static int apply_json(struct config *c, const struct apply_ctx *ctx,
		      const cJSON *object, const char *prefix, const char *from,
		      struct err *e)
{
	const char *start = from;
	const cJSON *child;
	char path[CONFIG_STR];
	int rc;

	cJSON_ArrayForEach(child, object)
	{
		const struct config_key *k;
		const char *at = key_at(from, child->string);

		if (at)
			from = at + 1;
		warn_repeat(ctx, object, start, child, at, prefix);
		if (prefix[0])
			snprintf(path, sizeof(path), "%s.%s", prefix,
				 child->string);
		else
			snprintf(path, sizeof(path), "%s", child->string);
		if ((k = config_key_find(path)) != NULL) {
			if ((rc = set_from_json(c, k, child, e)))
				return rc;
			config_mark_set(c, k);
		} else if (is_section(path)) {
			if (!cJSON_IsObject(child))
				return err_set(e, ERR_INVALID,
					       "%s: expected a section "
					       "(a JSON object), got %s",
					       path, json_type_name(child));
			if ((rc = apply_json(c, ctx, child, path,
					     at ? at : from, e)))
				return rc;
		} else if (strcasecmp(path, "$schema") != 0) {
			config_warn_unknown(path, ctx->origin, ctx->warnings);
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

/* Applies len bytes of config text (which may hold a NUL: refused with
 * its position, as is "\u0000", which would cut a value short). */
static int apply_bytes(struct config *c, const char *text, size_t len,
		       const char *origin, struct buf *warnings, struct err *e)
{
	struct buf copy;
	cJSON *root = NULL;
	int rc;

	buf_init(&copy, CONFIG_FILE_MAX);
	if ((rc = buf_append(&copy, text, len)) || (rc = buf_putc(&copy, 0))) {
		err_set(e, rc, "%s: larger than %d bytes", origin,
			CONFIG_FILE_MAX);
		goto done;
	}
	copy.len--; /* the NUL above only ends the C string */
	blank_comments(copy.data);
	if ((rc = json_text_parse(copy.data, copy.len, origin,
				  JSON_TEXT_NO_NUL_ESCAPE, &root, e)))
		goto done;
	if (!cJSON_IsObject(root)) {
		rc = err_set(e, ERR_INVALID,
			     "%s: the top level must be a JSON object", origin);
		goto done;
	}
	{
		struct apply_ctx ctx = {copy.data, origin, warnings};

		rc = apply_json(c, &ctx, root, "", copy.data, e);
	}
	if (rc)
		err_prefix(e, "%s", origin);
done:
	cJSON_Delete(root);
	buf_free(&copy);
	return rc;
}

int config_apply_text(struct config *c, const char *text, const char *origin,
		      struct buf *warnings, struct err *e)
{
	return apply_bytes(c, text, strlen(text), origin, warnings, e);
}

static int load_file(struct config *c, const char *path, struct buf *warnings,
		     struct err *e)
{
	struct buf text;
	int rc;

	buf_init(&text, CONFIG_FILE_MAX);
	if (!(rc = read_file(path, &text, e)))
		rc = apply_bytes(c, text.data ? text.data : "", text.len, path,
				 warnings, e);
	buf_free(&text);
	return rc;
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
	if ((rc = config_apply_env(c, envp, warnings, e)) ||
	    (rc = config_resolve(c, e)))
		return rc;
	return config_validate(c, e);
}
