/*
 * template.c - the template language of the email texts (template.h):
 * rendering.
 *
 * Rendering is two passes over the source. The first (template_parse.c)
 * cuts it into tokens and pairs the block tags, so every syntax error is
 * found even in branches that are not taken. The second, here, walks the
 * token array with a chain of scopes (data, then each {#each} item), so an
 * {#each} body is re-walked per item without re-parsing.
 *
 * Invariants: tokens point into the caller's source, which outlives them;
 * block nesting is at most TEMPLATE_MAX_DEPTH, so the recursive walk has a
 * fixed stack bound whatever the input; the output only grows through
 * buf_append, so its cap holds.
 */
#include "mail/template.h"
#include "base/buf.h"
#include "base/err.h"
#include "template_parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scope {
	const cJSON *item;
	const struct scope *outer;
};

struct render {
	const struct token *tokens;
	enum template_escape escape;
	struct buf *out;
	struct err *e;
};

static const cJSON *child_named(const cJSON *object, const char *name,
				size_t len)
{
	for (const cJSON *c = object->child; c; c = c->next)
		if (c->string && strlen(c->string) == len &&
		    memcmp(c->string, name, len) == 0)
			return c;
	return NULL;
}

static const cJSON *child_at(const cJSON *node, const char *name, size_t len)
{
	size_t index = 0;

	if (cJSON_IsObject(node))
		return child_named(node, name, len);
	if (!cJSON_IsArray(node) || len > 9)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return NULL;
		index = index * 10 + (size_t)(name[i] - '0');
	}
	return cJSON_GetArrayItem(node, (int)index);
}

/* The first segment is looked up from the innermost scope outward. */
static const cJSON *lookup(const struct scope *scope, const char *path,
			   size_t len)
{
	const char *end = path + len, *dot = memchr(path, '.', len);
	const cJSON *node = NULL;

	if (len == 1 && path[0] == '.')
		return scope->item;
	if (!dot)
		dot = end;
	for (const struct scope *s = scope; s && !node; s = s->outer)
		if (cJSON_IsObject(s->item))
			node = child_named(s->item, path, (size_t)(dot - path));
	while (node && dot < end) {
		const char *segment = dot + 1;
		dot = memchr(segment, '.', (size_t)(end - segment));
		if (!dot)
			dot = end;
		node = child_at(node, segment, (size_t)(dot - segment));
	}
	return node;
}

static int emit(const struct render *r, const char *text, size_t len)
{
	int rc = buf_append(r->out, text, len);

	if (rc == ERR_TOOBIG)
		return err_set(r->e, rc,
			       "rendered template is larger than "
			       "its limit of %zu bytes",
			       r->out->max);
	if (rc)
		return err_set(r->e, rc, "out of memory rendering template");
	return 0;
}

static int emit_escaped(const struct render *r, const char *text, size_t len)
{
	size_t run = 0;
	int rc;

	if (r->escape == TEMPLATE_TEXT)
		return emit(r, text, len);
	for (size_t i = 0; i < len; i++) {
		const char *entity = NULL;
		switch (text[i]) {
		case '&':
			entity = "&amp;";
			break;
		case '<':
			entity = "&lt;";
			break;
		case '>':
			entity = "&gt;";
			break;
		case '"':
			entity = "&quot;";
			break;
		case '\'':
			entity = "&#39;";
			break;
		default:
			continue;
		}
		if ((rc = emit(r, text + run, i - run)) != 0 ||
		    (rc = emit(r, entity, strlen(entity))) != 0)
			return rc;
		run = i + 1;
	}
	return emit(r, text + run, len - run);
}

static int emit_value(const struct render *r, const struct token *tag,
		      const struct scope *scope)
{
	const cJSON *v = lookup(scope, tag->lhs.text, tag->lhs.len);
	char number[64];

	if (!v)
		return err_set(r->e, ERR_NOTFOUND,
			       "missing variable '%.*s' at "
			       "line %d",
			       (int)tag->lhs.len, tag->lhs.text, tag->line);
	if (cJSON_IsString(v))
		return emit_escaped(r, v->valuestring, strlen(v->valuestring));
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (isfinite(d) && d == floor(d) && fabs(d) < 1e15)
			snprintf(number, sizeof(number), "%lld", (long long)d);
		else
			snprintf(number, sizeof(number), "%.15g", d);
		return emit(r, number, strlen(number));
	}
	if (cJSON_IsBool(v))
		return emit(r, cJSON_IsTrue(v) ? "true" : "false",
			    cJSON_IsTrue(v) ? 4 : 5);
	if (cJSON_IsNull(v))
		return 0;
	return template_tag_error(
	    r->e, ERR_INVALID, tag,
	    cJSON_IsArray(v) ? "an array cannot be printed, use {#each}:"
			     : "an object cannot be printed, name a field:");
}

static int is_truthy(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return 0;
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child != NULL;
	return 1;
}

struct value {
	enum { VALUE_NONE, VALUE_NUMBER, VALUE_STRING } kind;
	double number;
	const char *text;
	size_t len;
};

static struct value operand_value(const struct operand *o,
				  const struct scope *scope)
{
	struct value v = {VALUE_NONE, 0, NULL, 0};
	const cJSON *json;

	if (o->kind == OPERAND_NUMBER) {
		v.kind = VALUE_NUMBER;
		v.number = o->number;
	} else if (o->kind == OPERAND_STRING) {
		v.kind = VALUE_STRING;
		v.text = o->text;
		v.len = o->len;
	} else if ((json = lookup(scope, o->text, o->len)) != NULL) {
		if (cJSON_IsNumber(json) || cJSON_IsBool(json)) {
			v.kind = VALUE_NUMBER;
			v.number = cJSON_IsNumber(json) ? json->valuedouble
							: cJSON_IsTrue(json);
		} else if (cJSON_IsString(json)) {
			v.kind = VALUE_STRING;
			v.text = json->valuestring;
			v.len = strlen(json->valuestring);
		}
	}
	return v;
}

static int compare(const struct value *a, const struct value *b)
{
	int c;

	if (a->kind == VALUE_NUMBER)
		return (a->number > b->number) - (a->number < b->number);
	c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);
	if (c == 0)
		return (a->len > b->len) - (a->len < b->len);
	return c;
}

static int condition_holds(const struct token *tag, const struct scope *scope)
{
	struct value a, b;
	int c;

	if (tag->op == OP_TRUTH) {
		if (tag->lhs.kind == OPERAND_PATH)
			return is_truthy(
			    lookup(scope, tag->lhs.text, tag->lhs.len));
		a = operand_value(&tag->lhs, scope);
		return a.kind == VALUE_NUMBER ? a.number != 0 : a.len > 0;
	}
	a = operand_value(&tag->lhs, scope);
	b = operand_value(&tag->rhs, scope);
	if (a.kind == VALUE_NONE || a.kind != b.kind)
		return tag->op == OP_NE;
	c = compare(&a, &b);
	switch (tag->op) {
	case OP_GT:
		return c > 0;
	case OP_LT:
		return c < 0;
	case OP_GE:
		return c >= 0;
	case OP_LE:
		return c <= 0;
	case OP_EQ:
		return c == 0;
	default:
		return c != 0;
	}
}

static int render_range(const struct render *r, size_t from, size_t to,
			const struct scope *scope);

static int render_each(const struct render *r, size_t at,
		       const struct scope *scope)
{
	const struct token *tag = &r->tokens[at];
	const cJSON *list = lookup(scope, tag->lhs.text, tag->lhs.len);
	const cJSON *item;

	if (list && !cJSON_IsArray(list) && !cJSON_IsNull(list))
		return template_tag_error(r->e, ERR_INVALID, tag,
					  "{#each} needs an "
					  "array:");
	cJSON_ArrayForEach(item, list)
	{
		struct scope inner = {item, scope};
		int rc = render_range(r, at + 1, tag->end_at, &inner);
		if (rc)
			return rc;
	}
	return 0;
}

static int render_range(const struct render *r, size_t from, size_t to,
			const struct scope *scope)
{
	for (size_t i = from; i < to; i++) {
		const struct token *tag = &r->tokens[i];
		int rc = 0;

		switch (tag->kind) {
		case TOK_TEXT:
			rc = emit(r, tag->text, tag->len);
			break;
		case TOK_VAR:
			rc = emit_value(r, tag, scope);
			break;
		case TOK_IF:
			if (condition_holds(tag, scope))
				rc = render_range(r, i + 1,
						  tag->else_at ? tag->else_at
							       : tag->end_at,
						  scope);
			else if (tag->else_at)
				rc = render_range(r, tag->else_at + 1,
						  tag->end_at, scope);
			i = tag->end_at;
			break;
		case TOK_EACH:
			rc = render_each(r, i, scope);
			i = tag->end_at;
			break;
		default:
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int template_render(const char *source, const cJSON *data,
		    enum template_escape escape, struct buf *out, struct err *e)
{
	struct template_tokens t;
	struct render r = {NULL, escape, out, e};
	struct scope root = {data, NULL};
	int rc;

	if (strlen(source) > TEMPLATE_MAX_SOURCE) {
		return err_set(e, ERR_TOOBIG,
			       "template is larger than %d "
			       "bytes",
			       TEMPLATE_MAX_SOURCE);
	}
	rc = template_parse(source, &t, e);
	if (rc)
		return rc;
	r.tokens = t.items;
	rc = render_range(&r, 0, t.count, &root);
	template_tokens_free(&t);
	return rc;
}
