/*
 * template_parse.c - the first pass of the template language: source to
 * a token array (template_parse.h).
 *
 * Every tag is parsed here, also those in branches that will not be
 * taken, so a template's syntax errors show on its first render whatever
 * the data. Block nesting is capped at TEMPLATE_MAX_DEPTH, which bounds
 * the recursion of the renderer.
 */
#include "template_parse.h"
#include "base/err.h"
#include "mail/template.h"

#include <stdlib.h>
#include <string.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define DEPTH_TEXT STRINGIFY(TEMPLATE_MAX_DEPTH)

/* Tags are quoted in messages only up to this many bytes. */
#define TAG_QUOTE_MAX 60

static int is_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A path is "." or segments of path characters joined by single dots. */
static int path_valid(const char *s, size_t len)
{
	int need_char = 1;

	if (len == 1 && s[0] == '.')
		return 1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (need_char)
				return 0;
			need_char = 1;
		} else if (is_path_char(s[i])) {
			need_char = 0;
		} else {
			return 0;
		}
	}
	return len > 0 && !need_char;
}

static struct token *tokens_push(struct template_tokens *t,
				 enum token_kind kind, const char *text,
				 size_t len, int line)
{
	struct token *token;

	if (t->count == t->alloc) {
		size_t alloc = t->alloc ? t->alloc * 2 : 32;
		struct token *items = realloc(t->items, alloc * sizeof(*items));
		if (!items)
			return NULL;
		t->items = items;
		t->alloc = alloc;
	}
	token = &t->items[t->count++];
	memset(token, 0, sizeof(*token));
	token->kind = kind;
	token->text = text;
	token->len = len;
	token->line = line;
	return token;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

int template_tag_error(struct err *e, int code, const struct token *tag,
		       const char *why)
{
	int len = tag->len > TAG_QUOTE_MAX ? TAG_QUOTE_MAX : (int)tag->len;

	return err_set(e, code, "%s '%.*s%s' at line %d", why, len, tag->text,
		       tag->len > TAG_QUOTE_MAX ? "..." : "", tag->line);
}

/* Reads one operand at *p (before end) into out and advances *p. */
static int operand_parse(const char **p, const char *end, struct operand *out)
{
	const char *s = *p;

	if (s < end && *s == '"') {
		const char *close = memchr(s + 1, '"', (size_t)(end - s - 1));
		if (!close)
			return -1;
		out->kind = OPERAND_STRING;
		out->text = s + 1;
		out->len = (size_t)(close - s - 1);
		*p = close + 1;
		return 0;
	}
	if (s < end && ((*s >= '0' && *s <= '9') || *s == '-' || *s == '+')) {
		char *stop;
		out->kind = OPERAND_NUMBER;
		out->number = strtod(s, &stop);
		if (stop == s || stop > end)
			return -1;
		*p = stop;
		return 0;
	}
	while (s < end && (is_path_char(*s) || *s == '.'))
		s++;
	if (!path_valid(*p, (size_t)(s - *p)))
		return -1;
	out->kind = OPERAND_PATH;
	out->text = *p;
	out->len = (size_t)(s - *p);
	*p = s;
	return 0;
}

static enum compare_op operator_parse(const char **p, const char *end)
{
	static const struct {
		const char *text;
		enum compare_op op;
	} ops[] = {
	    {">=", OP_GE}, {"<=", OP_LE}, {"==", OP_EQ},
	    {"!=", OP_NE}, {">", OP_GT},  {"<", OP_LT},
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);
		if ((size_t)(end - *p) >= n &&
		    memcmp(*p, ops[i].text, n) == 0) {
			*p += n;
			return ops[i].op;
		}
	}
	return OP_TRUTH;
}

/* expr: OPERAND [OP OPERAND], between p and end (both trimmed). */
static int expression_parse(struct token *tag, const char *p, const char *end,
			    struct err *e)
{
	if (p == end)
		return template_tag_error(e, ERR_INVALID, tag,
					  "missing condition in");
	if (operand_parse(&p, end, &tag->lhs))
		return template_tag_error(e, ERR_INVALID, tag,
					  "bad operand in");
	p = skip_blanks(p, end);
	if (p == end)
		return 0;
	tag->op = operator_parse(&p, end);
	if (tag->op == OP_TRUTH)
		return template_tag_error(e, ERR_INVALID, tag,
					  "expected > < >= <= == or != in");
	p = skip_blanks(p, end);
	if (operand_parse(&p, end, &tag->rhs))
		return template_tag_error(e, ERR_INVALID, tag,
					  "bad operand in");
	if (skip_blanks(p, end) != end)
		return template_tag_error(e, ERR_INVALID, tag,
					  "unexpected text after the "
					  "comparison in");
	return 0;
}

static int word_is(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 &&
	       (p + n == end || is_blank(p[n]));
}

/* Classifies the tag between its braces (inner..inner_end). */
static int tag_parse(struct token *tag, const char *inner,
		     const char *inner_end, struct err *e)
{
	const char *p = skip_blanks(inner, inner_end), *end = inner_end;

	while (end > p && is_blank(end[-1]))
		end--;
	if (word_is(p, end, "#if")) {
		tag->kind = TOK_IF;
		return expression_parse(tag, skip_blanks(p + 3, end), end, e);
	}
	if (word_is(p, end, "#each")) {
		const char *path = skip_blanks(p + 5, end);
		tag->kind = TOK_EACH;
		tag->lhs.kind = OPERAND_PATH;
		tag->lhs.text = path;
		tag->lhs.len = (size_t)(end - path);
		if (!path_valid(path, tag->lhs.len))
			return template_tag_error(e, ERR_INVALID, tag,
						  "{#each} needs "
						  "one path, not");
		return 0;
	}
	if (end - p == 5 && memcmp(p, "#else", 5) == 0)
		tag->kind = TOK_ELSE;
	else if (end - p == 3 && memcmp(p, "/if", 3) == 0)
		tag->kind = TOK_END_IF;
	else if (end - p == 5 && memcmp(p, "/each", 5) == 0)
		tag->kind = TOK_END_EACH;
	else if (path_valid(p, (size_t)(end - p))) {
		tag->kind = TOK_VAR;
		tag->lhs.kind = OPERAND_PATH;
		tag->lhs.text = p;
		tag->lhs.len = (size_t)(end - p);
	} else
		return template_tag_error(e, ERR_INVALID, tag,
					  "unknown directive");
	return 0;
}

static int lex(const char *source, struct template_tokens *t, struct err *e)
{
	const char *p = source;
	int line = 1, rc;

	while (*p) {
		const char *q = p;
		struct token *token;

		if ((p[0] == '{' && p[1] == '{') ||
		    (p[0] == '}' && p[1] == '}')) {
			if (!tokens_push(t, TOK_TEXT, p, 1, line))
				return err_set(e, ERR_NOMEM, "out of memory");
			p += 2;
			continue;
		}
		if (*p != '{') {
			int start_line = line;
			while (*q && *q != '{' && !(q[0] == '}' && q[1] == '}'))
				line += *q++ == '\n';
			if (!tokens_push(t, TOK_TEXT, p, (size_t)(q - p),
					 start_line))
				return err_set(e, ERR_NOMEM, "out of memory");
			p = q;
			continue;
		}
		while (*q && *q != '}' && *q != '\n' && (q == p || *q != '{'))
			q++;
		token = tokens_push(t, TOK_VAR, p,
				    (size_t)(q - p) + (*q == '}'), line);
		if (!token)
			return err_set(e, ERR_NOMEM, "out of memory");
		if (*q != '}')
			return template_tag_error(
			    e, ERR_INVALID, token,
			    "unclosed tag (no '}' on its line):");
		rc = tag_parse(token, p + 1, q, e);
		if (rc)
			return rc;
		p = q + 1;
	}
	return 0;
}

static int is_block(enum token_kind kind)
{
	return kind != TOK_TEXT && kind != TOK_VAR;
}

/* A block tag alone on its line takes the line's blanks and its newline
 * with it; the decision uses the source, not already trimmed tokens. */
static void strip_standalone(const char *source, struct template_tokens *t)
{
	for (size_t i = 0; i < t->count; i++) {
		struct token *tag = &t->items[i];
		const char *start = tag->text, *end = tag->text + tag->len;

		if (!is_block(tag->kind))
			continue;
		while (start > source && is_blank(start[-1]))
			start--;
		if (start > source && start[-1] != '\n')
			continue;
		while (is_blank(*end))
			end++;
		if (*end == '\r' && end[1] == '\n')
			end++;
		if (*end == '\n')
			end++;
		else if (*end)
			continue;
		if (i > 0 && t->items[i - 1].kind == TOK_TEXT) {
			struct token *before = &t->items[i - 1];
			before->len = before->text < start
					  ? (size_t)(start - before->text)
					  : 0;
		}
		if (i + 1 < t->count && t->items[i + 1].kind == TOK_TEXT) {
			struct token *after = &t->items[i + 1];
			const char *after_end = after->text + after->len;
			if (end > after_end)
				end = after_end;
			after->len = (size_t)(after_end - end);
			after->text = end;
		}
	}
}

static int close_block(struct template_tokens *t, size_t *stack, size_t *depth,
		       size_t at, enum token_kind opener, struct err *e)
{
	const struct token *tag = &t->items[at], *open;

	if (*depth == 0)
		return template_tag_error(e, ERR_INVALID, tag,
					  "closing tag without "
					  "an opening one:");
	open = &t->items[stack[*depth - 1]];
	if (open->kind != opener)
		return err_set(e, ERR_INVALID,
			       "'%s' at line %d does not close "
			       "'%.*s' opened at line %d",
			       tag->kind == TOK_END_IF ? "{/if}" : "{/each}",
			       tag->line,
			       (int)(open->len > TAG_QUOTE_MAX ? TAG_QUOTE_MAX
							       : open->len),
			       open->text, open->line);
	t->items[stack[--*depth]].end_at = at;
	return 0;
}

/* Pairs the block tags; reports the innermost block left open. */
static int match_blocks(struct template_tokens *t, struct err *e)
{
	size_t stack[TEMPLATE_MAX_DEPTH], depth = 0;

	for (size_t i = 0; i < t->count; i++) {
		struct token *tag = &t->items[i];
		int rc = 0;

		switch (tag->kind) {
		case TOK_IF:
		case TOK_EACH:
			if (depth == TEMPLATE_MAX_DEPTH)
				return template_tag_error(
				    e, ERR_INVALID, tag,
				    "too many nested blocks "
				    "(the limit is " DEPTH_TEXT "):");
			stack[depth++] = i;
			break;
		case TOK_ELSE:
			if (depth == 0 ||
			    t->items[stack[depth - 1]].kind != TOK_IF)
				return template_tag_error(
				    e, ERR_INVALID, tag,
				    "{#else} outside an {#if}:");
			if (t->items[stack[depth - 1]].else_at)
				return template_tag_error(
				    e, ERR_INVALID, tag,
				    "second {#else} in one {#if}:");
			t->items[stack[depth - 1]].else_at = i;
			break;
		case TOK_END_IF:
			rc = close_block(t, stack, &depth, i, TOK_IF, e);
			break;
		case TOK_END_EACH:
			rc = close_block(t, stack, &depth, i, TOK_EACH, e);
			break;
		default:
			break;
		}
		if (rc)
			return rc;
	}
	if (depth > 0)
		return template_tag_error(
		    e, ERR_INVALID, &t->items[stack[depth - 1]],
		    t->items[stack[depth - 1]].kind == TOK_IF
			? "unclosed block (missing {/if}):"
			: "unclosed block (missing {/each}):");
	return 0;
}

int template_parse(const char *source, struct template_tokens *out,
		   struct err *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = lex(source, out, e);
	if (rc)
		goto done;
	strip_standalone(source, out);
	rc = match_blocks(out, e);
done:
	if (rc)
		template_tokens_free(out);
	return rc;
}

void template_tokens_free(struct template_tokens *t)
{
	if (!t)
		return;
	free(t->items);
	memset(t, 0, sizeof(*t));
}
