/*
 * json_text.c - JSON text parsed with errors a person can act on (see
 * json_text.h).
 *
 * One pass over the bytes, aware of strings, finds what cJSON would
 * report badly or not at all (NUL bytes, depth, "\u0000"); then cJSON
 * parses, and a failure is placed by the pointer it returns.
 */
#include "base/json_text.h"
#include "base/err.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

void json_text_position(const char *text, size_t offset, int *line, int *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else {
			(*column)++;
		}
	}
}

void json_text_snippet(const char *text, size_t len, size_t max, char *out,
		       size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len && i < max && o + 5 < size; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o < size ? o : size - 1] = '\0';
}

static int fail_at(const char *text, size_t offset, const char *origin,
		   const char *reason, struct err *e)
{
	int line, column;

	json_text_position(text, offset, &line, &column);
	return err_set(e, ERR_INVALID, "%s:%d:%d: %s", origin ? origin : "JSON",
		       line, column, reason);
}

/* The offset of the first thing cJSON cannot be trusted with, and why;
 * len when there is none. */
static size_t scan(const char *text, size_t len, int flags, const char **why)
{
	int depth = 0, in_string = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == '\0') {
			*why = "a NUL byte (JSON text cannot hold one)";
			return i;
		}
		if (in_string) {
			if (c == '\\' && i + 1 < len) {
				if ((flags & JSON_TEXT_NO_NUL_ESCAPE) &&
				    i + 5 < len &&
				    !strncmp(text + i + 1, "u0000", 5)) {
					*why = "\\u0000 (a NUL character) "
					       "cannot be in a value here";
					return i;
				}
				i++;
			} else if (c == '"') {
				in_string = 0;
			}
		} else if (c == '"') {
			in_string = 1;
		} else if ((c == '[' || c == '{') &&
			   ++depth > JSON_TEXT_DEPTH_MAX) {
			*why = "nested deeper than 512 levels";
			return i;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return len;
}

static int only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	return 1;
}

int json_text_parse(const char *text, size_t len, const char *origin, int flags,
		    cJSON **out, struct err *e)
{
	const char *why = NULL, *end = NULL;
	char near[96], reason[160];
	size_t at = scan(text, len, flags, &why);

	*out = NULL;
	if (at < len)
		return fail_at(text, at, origin, why, e);
	*out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (*out && (!end || only_space(end, text + len)))
		return 0;
	if (*out) {
		cJSON_Delete(*out);
		*out = NULL;
		why = "text after the JSON value";
		while (end < text + len && (*end == ' ' || *end == '\t' ||
					    *end == '\n' || *end == '\r'))
			end++;
	} else {
		end = cJSON_GetErrorPtr();
		why = "invalid JSON";
	}
	if (!end || end < text || end > text + len)
		end = text + len;
	if (only_space(end, text + len) && !only_space(text, end)) {
		snprintf(reason, sizeof(reason), "%s: it ends too early", why);
	} else if (only_space(text, text + len)) {
		snprintf(reason, sizeof(reason), "%s: the text is empty", why);
	} else {
		json_text_snippet(end, (size_t)(text + len - end), 20, near,
				  sizeof(near));
		snprintf(reason, sizeof(reason), "%s near '%s'", why, near);
	}
	return fail_at(text, (size_t)(end - text), origin, reason, e);
}
