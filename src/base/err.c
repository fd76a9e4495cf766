/*
 * err.c - error messages for the user.
 *
 * Messages are formatted into the caller's fixed buffer; nothing here
 * allocates, so error paths cannot fail themselves.
 */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char prefix[ERR_MSG_MAX];
	char old[ERR_MSG_MAX];
	va_list ap;

	if (!e)
		return ERR_INVALID;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	return e->code;
}

void err_clear(struct err *e)
{
	if (!e)
		return;
	e->code = ERR_OK;
	e->msg[0] = '\0';
}

const char *err_name(int code)
{
	switch (code) {
	case ERR_OK:
		return "ok";
	case ERR_INVALID:
		return "invalid";
	case ERR_NOTFOUND:
		return "not_found";
	case ERR_IO:
		return "io";
	case ERR_DB:
		return "db";
	case ERR_BUSY:
		return "busy";
	case ERR_NOMEM:
		return "no_memory";
	case ERR_TOOBIG:
		return "too_big";
	case ERR_PERM:
		return "refused";
	case ERR_CONFLICT:
		return "conflict";
	case ERR_TEMP:
		return "temporary";
	case ERR_FATAL:
		return "permanent";
	case ERR_EXPIRED:
		return "expired";
	case ERR_NOSPACE:
		return "no_space";
	}
	return "unknown";
}
