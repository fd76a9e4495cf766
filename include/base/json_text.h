/*
 * json_text.h - JSON text parsed with errors a person can act on.
 *
 * cJSON says only where it stopped. This wrapper says where (line and
 * column) and why, in words: a NUL byte in the text, nesting past
 * JSON_TEXT_DEPTH_MAX, "\u0000" inside a string where the caller cannot
 * hold it (C strings would cut the value there), text after the value,
 * and otherwise "invalid JSON near '...'" with the bytes shown escaped, so
 * a control byte in broken input never reaches a terminal raw.
 *
 * Used for the config file (config.c) and for payloads typed on the
 * command line (`enqueue --payload`).
 */
#ifndef DOMECEK_JSON_TEXT_H
#define DOMECEK_JSON_TEXT_H

#include <stddef.h>

struct cJSON;
struct err;

#define JSON_TEXT_DEPTH_MAX 512
#define JSON_TEXT_NO_NUL_ESCAPE 1 /* refuse "\u0000" in strings */

/* Parses len bytes of text into *out (caller frees with cJSON_Delete).
 * Returns 0 or ERR_INVALID with "ORIGIN:LINE:COLUMN: reason" (ORIGIN
 * "JSON" when origin is NULL), or ERR_NOMEM. */
int json_text_parse(const char *text, size_t len, const char *origin, int flags,
		    struct cJSON **out, struct err *e);

/* Line and column (from 1) of the byte at offset in text. */
void json_text_position(const char *text, size_t offset, int *line,
			int *column);

/* Writes up to max bytes from text as printable ASCII into out (size
 * bytes): control bytes and bytes >= 0x7f as \xNN, ' as \'. */
void json_text_snippet(const char *text, size_t len, size_t max, char *out,
		       size_t size);

#endif
