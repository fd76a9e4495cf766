/*
 * storage_local.c - the local storage provider: blobs as files under a root.
 *
 * Keys arrive validated (storage.c), and every file is reached through the
 * root's directory fd with beneath.h, which refuses a symbolic link at any
 * component: a link planted inside the root (docs/link -> /etc) can make a
 * key fail, never make it read, write or delete a file outside the root.
 *
 * Writes go to root/.tmp/<pid>-<n>-<random>.part and are fsynced, then
 * renamed to their key, then the directory is fsynced: after a crash a key
 * holds the old blob or the new one, and stray temp files sit where no
 * valid key can reach them (segments may not start with '.').
 *
 * The optional quota counts committed bytes (measured once when the quota
 * is set, then tracked) plus the bytes written by open writers, so that two
 * exports written at once cannot together overshoot it.
 */
#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"
#include "beneath.h"
#include "storage/storage.h"
#include "storage_impl.h"
#include "storage_local_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct local_writer {
	struct storage_writer base;
	int fd;
	int64_t size;
	char temp_name[64]; /* in root/.tmp; "" once renamed */
	struct buf key;
};

struct local_reader {
	struct storage_reader base;
	int fd;
};

int local_errno_code(int error)
{
	if (error == ENOSPC || error == EDQUOT)
		return ERR_NOSPACE;
	if (error == ENOENT)
		return ERR_NOTFOUND;
	if (error == ELOOP || error == EXDEV)
		return ERR_PERM;
	return ERR_IO;
}

/* The message for a failed open/stat/unlink of key: a refused link is
 * named as such, so that the log says why a cleanup skipped it. */
static int key_error(struct err *e, int error, const char *what,
		     const char *key)
{
	int code = local_errno_code(error);

	if (code == ERR_PERM)
		return err_set(e, ERR_PERM,
			       "storage key \"%s\" refused: a symbolic link "
			       "or a path outside the storage root is on "
			       "its way",
			       key);
	return err_set(e, code, "cannot %s \"%s\": %s", what, key,
		       strerror(error));
}

static int64_t mtime_ms(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000 +
	       sb->st_mtim.tv_nsec / 1000000;
}

static int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		ssize_t written = write(fd, p, n);

		if (written < 0 && errno == EINTR)
			continue;
		if (written < 0)
			return -1;
		p += written;
		n -= (size_t)written;
	}
	return 0;
}

static void local_writer_free(struct local_writer *w)
{
	struct local *st = (struct local *)w->base.st;

	st->reserved -= w->size;
	if (w->fd >= 0)
		close(w->fd);
	if (w->temp_name[0])
		unlinkat(st->temp_fd, w->temp_name, 0);
	buf_free(&w->key);
	free(w);
}

static int local_writer_open(struct storage *base, const char *key,
			     struct storage_writer **out, struct err *e)
{
	struct local *st = (struct local *)base;
	struct local_writer *w = calloc(1, sizeof(*w));
	unsigned char nonce[4];
	char nonce_hex[9];
	int error;

	if (!w)
		return err_set(e, ERR_NOMEM, "no memory to write \"%s\"", key);
	w->base.st = base;
	w->fd = -1;
	buf_init(&w->key, LOCAL_PATH_CAP);
	if (crypto_random(nonce, sizeof(nonce)) != 0)
		memset(nonce, 0, sizeof(nonce));
	crypto_hex(nonce, sizeof(nonce), nonce_hex);
	if (buf_puts(&w->key, key)) {
		local_writer_free(w);
		return err_set(e, ERR_TOOBIG,
			       "storage path for \"%s\" too long", key);
	}
	snprintf(w->temp_name, sizeof(w->temp_name), "%ld-%u-%s.part",
		 (long)getpid(), st->temp_count++, nonce_hex);
	w->fd =
	    openat(st->temp_fd, w->temp_name,
		   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (w->fd < 0) {
		error = errno;
		w->temp_name[0] = '\0'; /* nothing to unlink */
		local_writer_free(w);
		return err_set(e,
			       local_errno_code(error) == ERR_NOSPACE
				   ? ERR_NOSPACE
				   : ERR_IO,
			       "cannot create a temporary file for \"%s\" in "
			       "%s/" LOCAL_TEMP_DIR ": %s",
			       key, st->root, strerror(error));
	}
	*out = &w->base;
	return 0;
}

static int local_writer_write(struct storage_writer *base, const void *data,
			      size_t n, struct err *e)
{
	struct local_writer *w = (struct local_writer *)base;
	struct local *st = (struct local *)base->st;

	if (st->max_bytes > 0 &&
	    (int64_t)n > st->max_bytes - st->used - st->reserved)
		return err_set(e, ERR_NOSPACE,
			       "storage quota of %lld bytes is full while "
			       "writing \"%s\" (%lld used)",
			       (long long)st->max_bytes, w->key.data,
			       (long long)(st->used + st->reserved));
	if (write_all(w->fd, data, n) != 0) {
		int error = errno;

		return err_set(
		    e,
		    local_errno_code(error) == ERR_NOSPACE ? ERR_NOSPACE
							   : ERR_IO,
		    "cannot write \"%s\": %s", w->key.data, strerror(error));
	}
	w->size += (int64_t)n;
	st->reserved += (int64_t)n;
	return 0;
}

/* Renames the temp file to its key inside the key's parent directory,
 * made if missing; *old_size gets the size of a blob it replaced. */
static int rename_into_place(struct local_writer *w, int64_t *old_size)
{
	struct local *st = (struct local *)w->base.st;
	const char *name;
	struct stat old;
	int dir, error = 0;

	dir = beneath_parent(st->root_fd, w->key.data, 1, &name);
	if (dir < 0)
		return errno;
	if (fstatat(dir, name, &old, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(old.st_mode))
		*old_size = old.st_size;
	if (renameat(st->temp_fd, w->temp_name, dir, name) != 0)
		error = errno;
	else
		fsync(dir);
	close(dir);
	return error;
}

static int local_writer_commit(struct storage_writer *base, struct err *e)
{
	struct local_writer *w = (struct local_writer *)base;
	struct local *st = (struct local *)base->st;
	int64_t old_size = 0;
	int rc = 0, error = 0;

	if (fsync(w->fd) != 0 || close(w->fd) != 0)
		error = errno;
	w->fd = -1;
	if (!error)
		error = rename_into_place(w, &old_size);
	if (error) {
		rc = local_errno_code(error) == ERR_PERM
			 ? key_error(e, error, "store", w->key.data)
			 : err_set(e,
				   local_errno_code(error) == ERR_NOSPACE
				       ? ERR_NOSPACE
				       : ERR_IO,
				   "cannot store \"%s\": %s", w->key.data,
				   strerror(error));
		goto done;
	}
	w->temp_name[0] = '\0'; /* renamed: nothing left to unlink */
	st->used += w->size - old_size;
done:
	local_writer_free(w);
	return rc;
}

static void local_writer_abort(struct storage_writer *base)
{
	local_writer_free((struct local_writer *)base);
}

/* Opens key's blob for reading: a regular file reached without links.
 * O_NONBLOCK keeps a planted FIFO from blocking the open. */
static int open_blob(struct local *st, const char *key, int *fd_out,
		     struct stat *sb, struct err *e)
{
	int fd = beneath_open(st->root_fd, key, O_RDONLY | O_NONBLOCK, 0);

	if (fd < 0)
		return key_error(e, errno, "open", key);
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return err_set(e, ERR_NOTFOUND,
			       "storage key \"%s\" does not exist", key);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*fd_out = fd;
	return 0;
}

static int local_read_open(struct storage *base, const char *key,
			   struct storage_reader **out, struct err *e)
{
	struct local_reader *r;
	struct stat sb;
	int fd, rc;

	if ((rc = open_blob((struct local *)base, key, &fd, &sb, e)))
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return err_set(e, ERR_NOMEM, "no memory to read \"%s\"", key);
	}
	r->base.st = base;
	r->fd = fd;
	*out = &r->base;
	return 0;
}

static int local_read(struct storage_reader *base, void *data, size_t cap,
		      size_t *n_out, struct err *e)
{
	struct local_reader *r = (struct local_reader *)base;
	ssize_t n;

	do
		n = read(r->fd, data, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		*n_out = 0;
		return err_set(e, ERR_IO, "cannot read a stored blob: %s",
			       strerror(errno));
	}
	*n_out = (size_t)n;
	return 0;
}

static void local_read_close(struct storage_reader *base)
{
	struct local_reader *r = (struct local_reader *)base;

	close(r->fd);
	free(r);
}

/* Removes directories left empty by deleting key, deepest first, up to
 * (not including) the root; stops at the first that is not empty. */
static void remove_empty_parents(const struct local *st, const char *key)
{
	char dirs[LOCAL_PATH_CAP];
	const char *name;
	char *slash;
	int parent;

	snprintf(dirs, sizeof(dirs), "%s", key);
	while ((slash = strrchr(dirs, '/')) != NULL) {
		*slash = '\0';
		parent = beneath_parent(st->root_fd, dirs, 0, &name);
		if (parent < 0)
			return;
		if (unlinkat(parent, name, AT_REMOVEDIR) != 0) {
			close(parent);
			return;
		}
		close(parent);
	}
}

static int local_remove(struct storage *base, const char *key, struct err *e)
{
	struct local *st = (struct local *)base;
	const char *name;
	struct stat sb;
	int dir, rc = 0;

	dir = beneath_parent(st->root_fd, key, 0, &name);
	if (dir < 0)
		return key_error(e, errno, "delete", key);
	if (fstatat(dir, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(sb.st_mode))
		rc = err_set(e, ERR_NOTFOUND,
			     "storage key \"%s\" does not exist", key);
	else if (unlinkat(dir, name, 0) != 0)
		rc = key_error(e, errno, "delete", key);
	close(dir);
	if (rc)
		return rc;
	st->used -= sb.st_size;
	remove_empty_parents(st, key);
	return 0;
}

static int local_stat(struct storage *base, const char *key, int64_t *size_out,
		      int64_t *mtime_ms_out, struct err *e)
{
	struct local *st = (struct local *)base;
	const char *name;
	struct stat sb;
	int dir, rc = 0;

	dir = beneath_parent(st->root_fd, key, 0, &name);
	if (dir < 0)
		return local_errno_code(errno) == ERR_PERM
			   ? key_error(e, errno, "stat", key)
			   : err_set(e, ERR_NOTFOUND,
				     "storage key \"%s\" does not exist", key);
	if (fstatat(dir, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(sb.st_mode))
		rc = err_set(e, ERR_NOTFOUND,
			     "storage key \"%s\" does not exist", key);
	close(dir);
	if (rc)
		return rc;
	if (size_out)
		*size_out = sb.st_size;
	if (mtime_ms_out)
		*mtime_ms_out = mtime_ms(&sb);
	return 0;
}

static int local_path(struct storage *base, const char *key, struct buf *out,
		      struct err *e)
{
	struct local *st = (struct local *)base;

	if (buf_printf(out, "%s/%s", st->root, key))
		return err_set(e, ERR_TOOBIG,
			       "storage path for \"%s\" too long", key);
	return 0;
}

static void local_close(struct storage *base)
{
	struct local *st = (struct local *)base;

	if (st->temp_fd >= 0)
		close(st->temp_fd);
	if (st->root_fd >= 0)
		close(st->root_fd);
	free(st->root);
	free(st);
}

const struct storage_ops storage_local_ops = {
    .name = "local",
    .writer_open = local_writer_open,
    .writer_write = local_writer_write,
    .writer_commit = local_writer_commit,
    .writer_abort = local_writer_abort,
    .read_open = local_read_open,
    .read = local_read,
    .read_close = local_read_close,
    .remove = local_remove,
    .stat = local_stat,
    .list = local_list,
    .path = local_path,
    .close = local_close,
};

/* Opens root and root/.tmp (made if missing; never a link). */
static int open_dirs(struct local *st, struct err *e)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

	st->root_fd = open(st->root, flags);
	if (st->root_fd < 0)
		return err_set(e, ERR_IO, "cannot open %s: %s", st->root,
			       strerror(errno));
	if (mkdirat(st->root_fd, LOCAL_TEMP_DIR, 0750) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO,
			       "cannot create %s/" LOCAL_TEMP_DIR ": %s",
			       st->root, strerror(errno));
	st->temp_fd = openat(st->root_fd, LOCAL_TEMP_DIR, flags | O_NOFOLLOW);
	if (st->temp_fd < 0)
		return err_set(e, ERR_IO,
			       "cannot open %s/" LOCAL_TEMP_DIR ": %s",
			       st->root, strerror(errno));
	return 0;
}

int storage_open_local(const char *root, struct storage **out, struct err *e)
{
	struct local *st = NULL;
	struct stat sb;
	size_t len = root ? strlen(root) : 0;
	int rc = 0;

	*out = NULL;
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len == 0 || stat(root, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return err_set(e, ERR_NOTFOUND,
			       "Storage.Local.Root \"%s\" is not "
			       "an existing directory",
			       root ? root : "");
	st = calloc(1, sizeof(*st));
	if (!st || !(st->root = strndup(root, len))) {
		free(st);
		return err_set(e, ERR_NOMEM, "no memory to open storage");
	}
	st->base.ops = &storage_local_ops;
	st->root_fd = st->temp_fd = -1;
	if ((rc = open_dirs(st, e))) {
		local_close(&st->base);
		return rc;
	}
	*out = &st->base;
	return 0;
}

int storage_local_open_blob(struct storage *base, const char *key, int *fd,
			    int64_t *size, struct err *e)
{
	struct stat sb;
	int rc;

	*fd = -1;
	if (base->ops != &storage_local_ops)
		return err_set(e, ERR_INVALID,
			       "storage provider %s has no local files",
			       base->ops->name);
	if ((rc = storage_key_valid(key, e)) ||
	    (rc = open_blob((struct local *)base, key, fd, &sb, e)))
		return rc;
	*size = sb.st_size;
	return 0;
}
