/*
 * buf.h - growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * Every buffer that grows from outside input (HTTP requests, curl
 * responses, rendered emails, JSON) gets a maximum size at init. Reaching
 * it is ERR_TOOBIG, never a crash or an unbounded allocation. The data is
 * always NUL-terminated, so it can be used as a C string.
 */
#ifndef DOMECEK_BUF_H
#define DOMECEK_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; NULL until the first append */
	size_t len;
	size_t alloc;
	size_t max; /* cap on len */
};

void buf_init(struct buf *b, size_t max);
/* Returns 0, ERR_TOOBIG or ERR_NOMEM; on error the buffer is unchanged. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Contents as a string ("" when empty); owned by b. */
const char *buf_str(const struct buf *b);
/* Hands the data to the caller (caller frees; never NULL on success). */
char *buf_steal(struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
