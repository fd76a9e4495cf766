/*
 * template.h - the small template language of the email texts.
 *
 * A template is text with tags in braces, filled from a cJSON object:
 *
 *   {user.name}              the value at a dotted path; {.} is the current
 *                            {#each} item itself; {list.0} indexes arrays
 *   {#if expr}..{#else}..{/if}   expr: a path (truthiness) or
 *                            OPERAND OP OPERAND with OP one of
 *                            > < >= <= == != and OPERAND a path, a number
 *                            or a "string"
 *   {#each path}..{/each}    once per element of the array at path; inside,
 *                            a name is looked up first in the current item,
 *                            then in the enclosing items, then in data
 *   {{  }}                   a literal brace
 *
 * Truthiness: a missing path, null, false, 0, "" and an empty array or
 * object are false; everything else is true. A comparison of numbers is
 * numeric, of strings is byte-wise; a comparison with a missing operand, or
 * of a number with a string, is false except that != is then true.
 *
 * A block tag alone on its line (only blanks around it) takes its whole
 * line with it, so block tags can stand on their own lines in text parts
 * without leaving blank lines behind.
 *
 * Values print as they are; numbers that are integral print without a
 * fraction, null prints nothing, booleans as true/false. Substituting an
 * object or an array is an error. Rendering a missing path is an error
 * (a typo must not send an email with a hole in it), but {#if missing} is
 * simply false and an {#each} over a missing path renders nothing.
 */
#ifndef DOMECEK_TEMPLATE_H
#define DOMECEK_TEMPLATE_H

#include <cjson/cJSON.h>

struct buf;
struct err;

enum template_escape {
	TEMPLATE_TEXT, /* values go in unchanged */
	TEMPLATE_HTML  /* values are escaped: & < > " ' */
};

/* Limits that keep hostile or broken templates from exhausting the stack
 * or memory: source size and block nesting. Output is capped by out->max. */
#define TEMPLATE_MAX_SOURCE (1024 * 1024)
#define TEMPLATE_MAX_DEPTH 32

/* Cap on each rendered part of an email. */
#define TEMPLATE_EMAIL_MAX (512 * 1024)

/*
 * Renders source with data into out (appends). Errors, with the tag and its
 * line in the message:
 *   ERR_INVALID  unknown directive, unclosed tag or block, a closing tag
 *                without its opening one, a bad expression, substituting
 *                an object or array, too deep nesting
 *   ERR_NOTFOUND a substituted path that is not in data
 *   ERR_TOOBIG   the output reached out->max, or the source is larger than
 *                TEMPLATE_MAX_SOURCE
 *   ERR_NOMEM
 * On error out holds a partial result; the caller discards it.
 */
int template_render(const char *source, const cJSON *data,
		    enum template_escape escape, struct buf *out,
		    struct err *e);

/* One email rendered in one language; all strings owned by the struct. */
struct rendered_email {
	char *language; /* the language actually used, e.g. "cs" */
	char *subject;	/* one line, trimmed, no CR or LF */
	char *text;	/* text/plain part */
	char *html;	/* text/html part, every value escaped */
};

/*
 * Renders the compiled-in templates/NAME.LANG.{subject,txt,html} (all
 * three must exist; assets/templates/README.md lists each template's
 * data). A language without templates, NULL or malformed falls back to
 * "cs". name is letters, digits and '_' (ERR_INVALID otherwise).
 * ERR_NOTFOUND names the missing file; render errors are prefixed with the
 * file they come from. On success the caller frees out with
 * rendered_email_free(); on error out is left empty.
 */
int template_render_email(const char *name, const char *language,
			  const cJSON *data, struct rendered_email *out,
			  struct err *e);

/* Frees the strings and zeroes the struct; NULL is a no-op. */
void rendered_email_free(struct rendered_email *email);

#endif
