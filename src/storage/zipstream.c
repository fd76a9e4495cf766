/*
 * zipstream.c - a ZIP archive written in bounded pieces into storage.
 *
 * libarchive does the ZIP format; we give it a write callback that passes
 * its blocks to a storage writer and counts them against the cap. The
 * callback cannot return our error, so it parks the error in the struct
 * and returns -1; every entry point then reports the parked error rather
 * than libarchive's generic "write failed".
 *
 * Invariant: once an error is parked (z->failed), every call returns it
 * and nothing more reaches the storage writer.
 */
#include "storage/zipstream.h"
#include "base/err.h"
#include "storage/storage.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BLOCK_BYTES (64 * 1024)

struct zipstream {
	struct archive *a;
	struct storage_writer *w;
	int64_t max_bytes;
	int64_t bytes;
	int is_entry_open;
	int failed;
	struct err err;
};

static la_ssize_t on_write(struct archive *a, void *arg, const void *data,
			   size_t n)
{
	struct zipstream *z = arg;

	(void)a;
	if (z->failed)
		return -1;
	if (z->max_bytes > 0 && (int64_t)n > z->max_bytes - z->bytes) {
		z->failed = err_set(&z->err, ERR_TOOBIG,
				    "the export is larger than MaxSizeBytes "
				    "(%lld bytes)",
				    (long long)z->max_bytes);
		return -1;
	}
	if (storage_writer_write(z->w, data, n, &z->err)) {
		z->failed = z->err.code;
		return -1;
	}
	z->bytes += (int64_t)n;
	return (la_ssize_t)n;
}

/* Our parked error, or libarchive's message under ERR_IO. */
static int fail(struct zipstream *z, struct err *e, const char *what)
{
	if (!z->failed)
		z->failed = err_set(&z->err, ERR_IO, "zip %s: %s", what,
				    archive_error_string(z->a)
					? archive_error_string(z->a)
					: "libarchive failed");
	return err_set(e, z->err.code, "%s", z->err.msg);
}

int zipstream_open(struct storage_writer *w, int64_t max_bytes,
		   struct zipstream **out, struct err *e)
{
	struct zipstream *z = calloc(1, sizeof(*z));

	*out = NULL;
	if (!z)
		return err_set(e, ERR_NOMEM, "no memory for a zip writer");
	z->w = w;
	z->max_bytes = max_bytes;
	z->a = archive_write_new();
	if (!z->a) {
		free(z);
		return err_set(e, ERR_NOMEM, "no memory for a zip writer");
	}
	/* No padding of the last block: a ZIP ends where its directory ends. */
	/* Names are UTF-8 and say so (bit 11), or readers guess CP437. */
	if (archive_write_set_format_zip(z->a) != ARCHIVE_OK ||
	    archive_write_set_options(z->a, "zip:hdrcharset=UTF-8") !=
		ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(z->a, BLOCK_BYTES) !=
		ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(z->a, 1) != ARCHIVE_OK ||
	    archive_write_open2(z->a, z, NULL, on_write, NULL, NULL) !=
		ARCHIVE_OK) {
		int rc = fail(z, e, "open");

		zipstream_free(z);
		return rc;
	}
	*out = z;
	return 0;
}

static int ends_with(const char *name, const char *ext)
{
	size_t n = strlen(name), m = strlen(ext);

	return n >= m && strcasecmp(name + n - m, ext) == 0;
}

int zipstream_is_precompressed(const char *name, const char *mime)
{
	static const char *const mimes[] = {"image/jpeg",
					    "image/png",
					    "image/heic",
					    "image/heif",
					    "image/webp",
					    "application/pdf",
					    "application/zip",
					    "application/x-zip-compressed",
					    NULL};
	static const char *const exts[] = {".jpg",  ".jpeg", ".png",
					   ".heic", ".heif", ".webp",
					   ".pdf",  ".zip",  NULL};

	if (mime && *mime) {
		for (int i = 0; mimes[i]; i++)
			if (strcasecmp(mime, mimes[i]) == 0)
				return 1;
	}
	for (int i = 0; name && exts[i]; i++)
		if (ends_with(name, exts[i]))
			return 1;
	return 0;
}

static int end_entry(struct zipstream *z, struct err *e)
{
	if (!z->is_entry_open)
		return 0;
	z->is_entry_open = 0;
	if (archive_write_finish_entry(z->a) != ARCHIVE_OK)
		return fail(z, e, "entry");
	return 0;
}

int zipstream_entry_begin(struct zipstream *z, const char *name,
			  const char *mime, int64_t size, int64_t mtime_ms,
			  struct err *e)
{
	struct archive_entry *entry;
	int rc;

	if (z->failed)
		return err_set(e, z->err.code, "%s", z->err.msg);
	if ((rc = end_entry(z, e)))
		return rc;
	/* Options ("zip:compression=") are refused once the archive is open;
	 * these two calls are the per-entry form, read at the next header. */
	if ((zipstream_is_precompressed(name, mime)
		 ? archive_write_zip_set_compression_store(z->a)
		 : archive_write_zip_set_compression_deflate(z->a)) !=
	    ARCHIVE_OK)
		return fail(z, e, "compression option");
	entry = archive_entry_new();
	if (!entry)
		return err_set(e, ERR_NOMEM, "no memory for zip entry %s",
			       name);
	archive_entry_set_pathname_utf8(entry, name);
	archive_entry_set_filetype(entry, AE_IFREG);
	archive_entry_set_perm(entry, 0644);
	if (size >= 0)
		archive_entry_set_size(entry, size);
	else
		archive_entry_unset_size(entry);
	archive_entry_set_mtime(entry, (time_t)(mtime_ms / 1000),
				(long)(mtime_ms % 1000) * 1000000L);
	rc = archive_write_header(z->a, entry);
	archive_entry_free(entry);
	if (rc != ARCHIVE_OK)
		return fail(z, e, "header");
	z->is_entry_open = 1;
	return 0;
}

int zipstream_write(struct zipstream *z, const void *data, size_t n,
		    struct err *e)
{
	const char *p = data;

	if (z->failed)
		return err_set(e, z->err.code, "%s", z->err.msg);
	while (n > 0) {
		la_ssize_t done = archive_write_data(z->a, p, n);

		if (done <= 0)
			return fail(z, e, "data");
		p += done;
		n -= (size_t)done;
	}
	return 0;
}

int zipstream_finish(struct zipstream *z, struct err *e)
{
	int rc;

	if (z->failed)
		return err_set(e, z->err.code, "%s", z->err.msg);
	if ((rc = end_entry(z, e)))
		return rc;
	if (archive_write_close(z->a) != ARCHIVE_OK)
		return fail(z, e, "directory");
	return 0;
}

int64_t zipstream_bytes(const struct zipstream *z)
{
	return z->bytes;
}

void zipstream_free(struct zipstream *z)
{
	if (!z)
		return;
	/* An archive given up on must not write its directory into the
	 * storage writer when libarchive closes it: the callback refuses. */
	if (!z->failed)
		z->failed = ERR_IO;
	archive_write_free(z->a);
	free(z);
}
