/*
 * demo_files.c - the demo's document files: copies of the small real
 * fixtures in assets/demo/ (photos, a receipt scan, an invoice, a
 * revision report), embedded in the binary and written through the
 * storage interface, so that the files land where the daemon will look
 * for them: under Storage.Local.Root or in the S3 bucket.
 *
 * The writes block (a local file, or one PUT per file to S3): the demo
 * is a CLI command, never run in the daemon's loop. If demo_fill() fails,
 * demo_files_remove() deletes what this run wrote, so that a failed demo
 * leaves neither rows nor files behind.
 */
#include "demo_internal.h"

#include "base/err.h"
#include "storage/storage_blocking.h"

#include <string.h>

const struct asset *demo_fixture(const char *name)
{
	for (const struct asset *a = demo_fixtures; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

const char *demo_fixture_extension(const struct asset *fixture)
{
	const char *dot = strrchr(fixture->name, '.');

	return dot ? dot + 1 : "";
}

const char *demo_fixture_mime(const struct asset *fixture)
{
	const char *ext = demo_fixture_extension(fixture);

	if (strcmp(ext, "jpg") == 0)
		return "image/jpeg";
	if (strcmp(ext, "png") == 0)
		return "image/png";
	return "application/pdf";
}

int demo_file_put(struct storage *st, const char *key,
		  const struct asset *fixture, struct err *e)
{
	struct storage_writer *w = NULL;
	int rc;

	if ((rc = storage_writer_open(st, key, &w, e)))
		goto fail;
	if ((rc = storage_writer_write(w, fixture->data, fixture->size, e))) {
		storage_writer_abort(w);
		goto fail;
	}
	if (!(rc = storage_writer_commit(w, e)))
		return 0;
fail:
	err_prefix(e, "demo: cannot store the document file %s (a copy of %s)",
		   key, fixture->name);
	return rc;
}

void demo_files_remove(struct demo_ctx *ctx)
{
	for (int i = 0; i < ctx->files_written; i++) {
		struct err ignored = {0};

		storage_delete(ctx->storage, ctx->written[i], &ignored);
	}
	ctx->files_written = 0;
}
