/*
 * err.h - the project-wide error convention.
 *
 * A function that can fail returns int: 0 on success, or one of the negative
 * codes below. It also writes a message for the user into a caller-provided
 * struct err: what failed and with which key, field, id or line. The message
 * is the one a person reads, so it names the thing and the reason.
 */
#ifndef DOMECEK_ERR_H
#define DOMECEK_ERR_H

#include <stddef.h>

enum err_code {
	ERR_OK = 0,
	ERR_INVALID = -1,  /* bad input: config, payload, expression, key */
	ERR_NOTFOUND = -2, /* a named thing does not exist */
	ERR_IO = -3,	   /* file system or stream error */
	ERR_DB = -4,	   /* SQLite error other than busy */
	ERR_BUSY = -5,	   /* database locked: retry later, never a crash */
	ERR_NOMEM = -6,	   /* allocation failed */
	ERR_TOOBIG = -7,   /* a bounded buffer or a configured cap was hit */
	ERR_PERM = -8,	   /* refused: permission, signature, unsafe key */
	ERR_CONFLICT = -9, /* state does not allow it (e.g. daemon running) */
	ERR_TEMP = -10,	   /* temporary failure of a peer: retry */
	ERR_FATAL = -11,   /* permanent failure of a peer: do not retry */
	ERR_EXPIRED = -12, /* a link or lease is past its time */
	ERR_NOSPACE = -13, /* disk or quota full */
};

#define ERR_MSG_MAX 512

struct err {
	int code;
	char msg[ERR_MSG_MAX];
};

/* Sets code and message (printf style) and returns code, so that
 * `return err_set(e, ERR_INVALID, "...")` reads as one statement.
 * e may be NULL: then only the code is returned. */
int err_set(struct err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in e; returns e->code. */
int err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void err_clear(struct err *e);

/* A short stable name for a code ("invalid", "busy", ...). */
const char *err_name(int code);

#endif
