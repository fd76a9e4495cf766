/*
 * zipstream.h - a ZIP archive written in bounded pieces into storage.
 *
 * (Named zipstream, not archive: include/archive.h would shadow
 * libarchive's own <archive.h> on our -Iinclude path.)
 *
 * The export job writes a ZIP of any size with flat memory: libarchive
 * builds the archive and hands its output, block by block, to a storage
 * writer (storage.h), so the archive appears under its key atomically
 * when the caller commits that writer, and nothing appears when it aborts.
 * Entries are given in chunks (zipstream_write), so each job step adds a
 * bounded amount.
 *
 * Per entry: files that are already compressed (JPEG, PNG, HEIC, WebP,
 * PDF, ZIP, by MIME type or else by extension) are stored, everything
 * else is deflated; the entry's mtime is given explicitly (the document's
 * time, never "now").
 *
 * Size cap: every byte passed to the storage writer is counted; a write
 * that would take the archive past max_bytes fails with ERR_TOOBIG and
 * the zipstream is unusable afterwards (the caller aborts its writer).
 *
 * Ownership: the zipstream does not own the storage writer; the caller
 * commits or aborts it after zipstream_finish()/zipstream_free().
 */
#ifndef DOMECEK_ZIPSTREAM_H
#define DOMECEK_ZIPSTREAM_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct storage_writer;
struct zipstream;

/* max_bytes 0 = no cap. Errors: ERR_NOMEM, ERR_IO (libarchive refused). */
int zipstream_open(struct storage_writer *w, int64_t max_bytes,
		   struct zipstream **out, struct err *e);

/* 1 when a file of that MIME type (may be NULL) or name is stored rather
 * than deflated: it is compressed already. */
int zipstream_is_precompressed(const char *name, const char *mime);

/* Starts entry name (a relative path inside the ZIP). size is the exact
 * byte count to follow, or -1 when unknown (streamed JSON). Ends any
 * entry still open. */
int zipstream_entry_begin(struct zipstream *z, const char *name,
			  const char *mime, int64_t size, int64_t mtime_ms,
			  struct err *e);
int zipstream_write(struct zipstream *z, const void *data, size_t n,
		    struct err *e);

/* Writes the central directory. The storage writer then holds the whole
 * archive; the caller commits it. */
int zipstream_finish(struct zipstream *z, struct err *e);

/* Bytes handed to the storage writer so far. */
int64_t zipstream_bytes(const struct zipstream *z);

void zipstream_free(struct zipstream *z); /* NULL is a no-op */

#endif
