/*
 * storage.c - the storage interface: key rules and dispatch to providers.
 *
 * This file is the single gate between callers and providers: every key is
 * checked here, once, before any provider code runs, so a provider can
 * join root and key without thinking about traversal. Operations a
 * provider does not implement asynchronously are run synchronously here
 * and reported as already complete (no pending operation).
 */
#include "storage/storage.h"
#include "storage_impl.h"
#include "base/buf.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define COPY_CHUNK (64 * 1024)
#define SHOWN_KEY_MAX 200

/* The key as it can be shown in a message: control characters as '?',
 * cut after SHOWN_KEY_MAX bytes. */
static const char *shown_key(const char *key, char out[SHOWN_KEY_MAX + 4])
{
	size_t i;

	for (i = 0; i < SHOWN_KEY_MAX && key[i]; i++) {
		unsigned char c = (unsigned char)key[i];

		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (key[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

static const char *segment_problem(const char *segment, size_t len)
{
	if (len == 0)
		return "it has an empty path segment ('//' or a '/' at an end)";
	if ((len == 1 && segment[0] == '.') ||
	    (len == 2 && segment[0] == '.' && segment[1] == '.'))
		return "it has a '.' or '..' segment";
	if (segment[0] == '.')
		return "a segment starts with '.' (reserved for temporary "
		       "files)";
	if (len > STORAGE_SEGMENT_MAX)
		return "a segment is longer than 255 bytes";
	return NULL;
}

static const char *key_problem(const char *key)
{
	size_t len = strlen(key);
	const char *segment = key;

	if (len == 0)
		return "it is empty";
	if (len > STORAGE_KEY_MAX)
		return "it is longer than 1024 bytes";
	if (key[0] == '/')
		return "it is an absolute path";
	for (const char *p = key; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\\')
			return "it contains a backslash";
		if (c < 0x20 || c == 0x7f)
			return "it contains a control character";
	}
	for (const char *p = key;; p++) {
		if (*p == '/' || *p == '\0') {
			const char *why =
			    segment_problem(segment, (size_t)(p - segment));

			if (why)
				return why;
			if (*p == '\0')
				break;
			segment = p + 1;
		}
	}
	return NULL;
}

int storage_key_valid(const char *key, struct err *e)
{
	char shown[SHOWN_KEY_MAX + 4];
	const char *why;

	if (!key)
		return err_set(e, ERR_INVALID,
			       "storage key refused: it is "
			       "missing");
	why = key_problem(key);
	if (why)
		return err_set(e, ERR_INVALID, "storage key \"%s\" refused: %s",
			       shown_key(key, shown), why);
	return 0;
}

/* A prefix is valid when some valid key could start with it. */
static int prefix_valid(const char *prefix, struct err *e)
{
	char probe[STORAGE_KEY_MAX + 2];
	size_t len = strlen(prefix);

	if (len == 0)
		return 0;
	if (len > STORAGE_KEY_MAX)
		return err_set(e, ERR_INVALID,
			       "storage prefix refused: it is "
			       "longer than 1024 bytes");
	memcpy(probe, prefix, len);
	probe[len] = 'x';
	probe[len + 1] = '\0';
	if (key_problem(probe))
		return storage_key_valid(prefix, e);
	return 0;
}

void storage_close(struct storage *st)
{
	if (st)
		st->ops->close(st);
}

const char *storage_provider_name(const struct storage *st)
{
	return st->ops->name;
}

int storage_writer_open(struct storage *st, const char *key,
			struct storage_writer **out, struct err *e)
{
	int rc = storage_key_valid(key, e);

	*out = NULL;
	return rc ? rc : st->ops->writer_open(st, key, out, e);
}

int storage_writer_write(struct storage_writer *w, const void *data, size_t n,
			 struct err *e)
{
	return n ? w->st->ops->writer_write(w, data, n, e) : 0;
}

int storage_writer_commit(struct storage_writer *w, struct err *e)
{
	return w->st->ops->writer_commit(w, e);
}

void storage_writer_abort(struct storage_writer *w)
{
	if (w)
		w->st->ops->writer_abort(w);
}

static int copy_into(struct storage_writer *w, int fd, const char *src_path,
		     struct err *e)
{
	char chunk[COPY_CHUNK];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, ERR_IO, "cannot read %s: %s",
				       src_path, strerror(errno));
		if (n == 0)
			return 0;
		rc = storage_writer_write(w, chunk, (size_t)n, e);
		if (rc)
			return rc;
	}
}

int storage_put_file(struct storage *st, const char *key, const char *src_path,
		     struct err *e)
{
	struct storage_writer *w = NULL;
	int fd, rc;

	rc = storage_key_valid(key, e);
	if (rc)
		return rc;
	fd = open(src_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
			       "cannot open %s to store as \"%s\": %s",
			       src_path, key, strerror(errno));
	rc = storage_writer_open(st, key, &w, e);
	if (!rc)
		rc = copy_into(w, fd, src_path, e);
	if (!rc) {
		rc = storage_writer_commit(w, e);
		w = NULL;
	}
	storage_writer_abort(w);
	close(fd);
	return rc;
}

int storage_read_open(struct storage *st, const char *key,
		      struct storage_reader **out, struct err *e)
{
	int rc = storage_key_valid(key, e);

	*out = NULL;
	return rc ? rc : st->ops->read_open(st, key, out, e);
}

int storage_read(struct storage_reader *r, void *data, size_t cap,
		 size_t *n_out, struct err *e)
{
	return r->st->ops->read(r, data, cap, n_out, e);
}

void storage_read_close(struct storage_reader *r)
{
	if (r)
		r->st->ops->read_close(r);
}

int storage_delete(struct storage *st, const char *key, struct err *e)
{
	int rc = storage_key_valid(key, e);

	return rc ? rc : st->ops->remove(st, key, e);
}

int storage_stat(struct storage *st, const char *key, int64_t *size_out,
		 int64_t *mtime_ms_out, struct err *e)
{
	int rc = storage_key_valid(key, e);

	return rc ? rc : st->ops->stat(st, key, size_out, mtime_ms_out, e);
}

int storage_list(struct storage *st, const char *prefix, storage_list_fn fn,
		 void *ctx, struct err *e)
{
	int rc;

	if (!prefix)
		prefix = "";
	rc = prefix_valid(prefix, e);
	return rc ? rc : st->ops->list(st, prefix, fn, ctx, e);
}

int storage_path(struct storage *st, const char *key, struct buf *out,
		 struct err *e)
{
	int rc = storage_key_valid(key, e);

	if (rc)
		return rc;
	if (!st->ops->path)
		return err_set(e, ERR_INVALID,
			       "storage provider %s has no local file for "
			       "\"%s\" (use a presigned URL)",
			       st->ops->name, key);
	return st->ops->path(st, key, out, e);
}

int storage_put_file_start(struct storage *st, const char *key,
			   const char *src_path,
			   struct storage_pending **pending, struct err *e)
{
	int rc = storage_key_valid(key, e);

	*pending = NULL;
	if (rc)
		return rc;
	if (st->ops->put_file_start)
		return st->ops->put_file_start(st, key, src_path, pending, e);
	return storage_put_file(st, key, src_path, e);
}

int storage_delete_start(struct storage *st, const char *key,
			 struct storage_pending **pending, struct err *e)
{
	int rc = storage_key_valid(key, e);

	*pending = NULL;
	if (rc)
		return rc;
	if (st->ops->delete_start)
		return st->ops->delete_start(st, key, pending, e);
	return st->ops->remove(st, key, e);
}

void *storage_pending_handle(struct storage_pending *p)
{
	return p->handle;
}

int storage_pending_finish(struct storage_pending *p, int transfer_result,
			   struct err *e)
{
	return p->finish(p, transfer_result, e);
}

void storage_pending_free(struct storage_pending *p)
{
	if (p)
		p->free(p);
}

int storage_presign_get(struct storage *st, const char *key, int64_t now_ms,
			int expires_seconds, struct buf *url_out, struct err *e)
{
	int rc = storage_key_valid(key, e);

	if (rc)
		return rc;
	if (!st->ops->presign_get)
		return err_set(e, ERR_INVALID,
			       "storage provider %s cannot presign \"%s\" "
			       "(use a signed /exports/ link)",
			       st->ops->name, key);
	return st->ops->presign_get(st, key, now_ms, expires_seconds, url_out,
				    e);
}

int storage_writer_commit_start(struct storage_writer *w,
				struct storage_pending **pending, struct err *e)
{
	*pending = NULL;
	if (w->st->ops->writer_commit_start)
		return w->st->ops->writer_commit_start(w, pending, e);
	return storage_writer_commit(w, e);
}

static int copy_out(struct storage_reader *r, int fd, const char *key,
		    const char *dst_path, struct err *e)
{
	char chunk[COPY_CHUNK];

	for (;;) {
		size_t n;
		int rc = storage_read(r, chunk, sizeof(chunk), &n, e);

		if (rc)
			return rc;
		if (n == 0)
			return 0;
		for (size_t done = 0; done < n;) {
			ssize_t w = write(fd, chunk + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return err_set(
				    e, errno == ENOSPC ? ERR_NOSPACE : ERR_IO,
				    "cannot write %s (copy of \"%s\"): %s",
				    dst_path, key, strerror(errno));
			done += (size_t)w;
		}
	}
}

int storage_get_file_start(struct storage *st, const char *key,
			   const char *dst_path,
			   struct storage_pending **pending, struct err *e)
{
	struct storage_reader *r = NULL;
	int fd, rc = storage_key_valid(key, e);

	*pending = NULL;
	if (rc)
		return rc;
	if (st->ops->get_file_start)
		return st->ops->get_file_start(st, key, dst_path, pending, e);
	if ((rc = storage_read_open(st, key, &r, e)))
		return rc;
	fd = open(dst_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = err_set(e, ERR_IO, "cannot create %s for \"%s\": %s",
			     dst_path, key, strerror(errno));
	} else {
		rc = copy_out(r, fd, key, dst_path, e);
		if (close(fd) != 0 && !rc)
			rc = err_set(e, ERR_IO, "cannot write %s: %s", dst_path,
				     strerror(errno));
		if (rc)
			unlink(dst_path);
	}
	storage_read_close(r);
	return rc;
}
