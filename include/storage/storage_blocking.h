/*
 * storage_blocking.h - the storage calls that may block on the network.
 *
 * For the local provider these are a few file system calls; for S3 each
 * runs a whole HTTP request with curl_easy_perform and returns when it is
 * done. They are for the CLI, the demo generator (run from the CLI),
 * src/storage itself, tests and tools: never for code the daemon's loop
 * runs, which uses the *_start() forms of storage.h instead. tools/deps
 * (make deps, the layers test) reports an #include of this header, or a
 * use of any function it declares, in src/core, src/app, src/jobs,
 * src/http and src/daemon*.c.
 *
 * A reader is consumed by storage_read_close(). Errors as in storage.h.
 */
#ifndef DOMECEK_STORAGE_BLOCKING_H
#define DOMECEK_STORAGE_BLOCKING_H

#include "storage/storage.h"

#include <stddef.h>
#include <stdint.h>

struct err;
struct storage_reader;

/* Copies the file at src_path into key (atomically, as a writer does). */
int storage_put_file(struct storage *st, const char *key, const char *src_path,
		     struct err *e);

/* Makes the blob durable (fsync) and visible under the key, replacing any
 * old blob, creating parent directories. Always consumes w; on failure
 * nothing changes under the key. */
int storage_writer_commit(struct storage_writer *w, struct err *e);

int storage_read_open(struct storage *st, const char *key,
		      struct storage_reader **out, struct err *e);
/* Reads up to cap bytes into data; *n_out == 0 means the end. */
int storage_read(struct storage_reader *r, void *data, size_t cap,
		 size_t *n_out, struct err *e);
void storage_read_close(struct storage_reader *r); /* NULL is a no-op */

/* Removes the blob. ERR_NOTFOUND when there was none, which callers that
 * only want it gone (cleanup jobs) treat as success. */
int storage_delete(struct storage *st, const char *key, struct err *e);
int storage_stat(struct storage *st, const char *key, int64_t *size_out,
		 int64_t *mtime_ms_out, struct err *e);

/* Called for each blob whose key starts with prefix ("" = all), in key
 * order. A non-zero return stops the listing and is returned by
 * storage_list. */
typedef int (*storage_list_fn)(const char *key, int64_t size, int64_t mtime_ms,
			       void *ctx);
int storage_list(struct storage *st, const char *prefix, storage_list_fn fn,
		 void *ctx, struct err *e);

#endif
