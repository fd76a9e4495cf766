/*
 * template_parse.h - internal to the template module: the token array
 * that template_parse.c builds from a source and template.c walks.
 */
#ifndef DOMECEK_TEMPLATE_PARSE_H
#define DOMECEK_TEMPLATE_PARSE_H

#include <stddef.h>

struct err;

enum token_kind {
	TOK_TEXT,
	TOK_VAR,
	TOK_IF,
	TOK_ELSE,
	TOK_END_IF,
	TOK_EACH,
	TOK_END_EACH
};
enum operand_kind { OPERAND_PATH, OPERAND_NUMBER, OPERAND_STRING };
enum compare_op { OP_TRUTH, OP_GT, OP_LT, OP_GE, OP_LE, OP_EQ, OP_NE };

struct operand {
	enum operand_kind kind;
	const char *text; /* path or string contents, not NUL-terminated */
	size_t len;
	double number;
};

struct token {
	enum token_kind kind;
	const char *text; /* TEXT: the text; tags: the whole tag with braces */
	size_t len;
	int line;
	struct operand lhs, rhs; /* VAR, EACH: lhs is the path */
	enum compare_op op;	 /* IF */
	size_t else_at, end_at;	 /* IF, EACH: token indices; 0 if none */
};

struct template_tokens {
	struct token *items;
	size_t count, alloc;
};

/*
 * Cuts source into tokens, parses every tag, drops the lines of block tags
 * that stand alone and pairs each {#if}/{#each} with its {#else} and
 * closing tag. Tokens point into source. On error (ERR_INVALID with the tag
 * and line, ERR_NOMEM) out is freed. The caller frees out on success.
 */
int template_parse(const char *source, struct template_tokens *out,
		   struct err *e);
void template_tokens_free(struct template_tokens *t);

/* Sets "WHY 'TAG' at line N" (the tag shortened if long); returns code. */
int template_tag_error(struct err *e, int code, const struct token *tag,
		       const char *why);

#endif
