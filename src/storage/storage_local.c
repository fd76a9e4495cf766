/*
 * storage_local.c - the local storage provider: blobs as files under a root.
 *
 * Keys arrive validated (storage.c), so root "/" key never leaves root.
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
#include "storage/storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_CAP 8192
#define TEMP_DIR ".tmp"

struct local {
	struct storage base;
	char *root;
	int64_t max_bytes; /* 0: no quota */
	int64_t used;	   /* committed bytes, tracked while a quota is set */
	int64_t reserved;  /* bytes in open writers' temp files */
	unsigned temp_count;
};

struct local_writer {
	struct storage_writer base;
	int fd;
	int64_t size;
	struct buf temp_path;
	struct buf key;
};

struct local_reader {
	struct storage_reader base;
	int fd;
};

static const struct storage_ops local_ops;

static int errno_code(int error)
{
	if (error == ENOSPC || error == EDQUOT)
		return ERR_NOSPACE;
	if (error == ENOENT)
		return ERR_NOTFOUND;
	return ERR_IO;
}

static int key_path(const struct local *st, const char *key, struct buf *out)
{
	buf_init(out, PATH_CAP);
	return buf_printf(out, "%s/%s", st->root, key);
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
	if (w->temp_path.data)
		unlink(w->temp_path.data);
	buf_free(&w->temp_path);
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

	if (!w)
		return err_set(e, ERR_NOMEM, "no memory to write \"%s\"", key);
	w->base.st = base;
	w->fd = -1;
	buf_init(&w->temp_path, PATH_CAP);
	buf_init(&w->key, PATH_CAP);
	if (crypto_random(nonce, sizeof(nonce)) != 0)
		memset(nonce, 0, sizeof(nonce));
	crypto_hex(nonce, sizeof(nonce), nonce_hex);
	if (buf_puts(&w->key, key) ||
	    buf_printf(&w->temp_path, "%s/" TEMP_DIR "/%ld-%u-%s.part",
		       st->root, (long)getpid(), st->temp_count++, nonce_hex)) {
		local_writer_free(w);
		return err_set(e, ERR_TOOBIG,
			       "storage path for \"%s\" too long", key);
	}
	w->fd = open(w->temp_path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     0640);
	if (w->fd < 0) {
		int error = errno;

		buf_free(&w->temp_path); /* nothing to unlink */
		local_writer_free(w);
		return err_set(
		    e, errno_code(error) == ERR_NOSPACE ? ERR_NOSPACE : ERR_IO,
		    "cannot create a temporary file for \"%s\" in "
		    "%s/" TEMP_DIR ": %s",
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
		    e, errno_code(error) == ERR_NOSPACE ? ERR_NOSPACE : ERR_IO,
		    "cannot write \"%s\": %s", w->key.data, strerror(error));
	}
	w->size += (int64_t)n;
	st->reserved += (int64_t)n;
	return 0;
}

/* Creates root/a, root/a/b ... for key a/b/name; existing ones are fine. */
static int make_parents(const struct local *st, const char *key)
{
	struct buf dir;
	const char *slash = key;
	int rc = 0;

	buf_init(&dir, PATH_CAP);
	while (!rc && (slash = strchr(slash, '/')) != NULL) {
		buf_reset(&dir);
		rc = buf_printf(&dir, "%s/%.*s", st->root, (int)(slash - key),
				key);
		if (!rc && mkdir(dir.data, 0750) != 0 && errno != EEXIST)
			rc = errno_code(errno);
		slash++;
	}
	buf_free(&dir);
	return rc;
}

static void fsync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_CAP];
	int fd;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int local_writer_commit(struct storage_writer *base, struct err *e)
{
	struct local_writer *w = (struct local_writer *)base;
	struct local *st = (struct local *)base->st;
	struct buf path;
	struct stat old;
	int64_t old_size = 0;
	int rc = 0, error = 0;

	if (key_path(st, w->key.data, &path)) {
		rc = err_set(e, ERR_TOOBIG, "storage path for \"%s\" too long",
			     w->key.data);
		goto done;
	}
	if (fsync(w->fd) != 0 || close(w->fd) != 0)
		error = errno;
	w->fd = -1;
	if (!error && make_parents(st, w->key.data) != 0)
		error = errno;
	if (!error && stat(path.data, &old) == 0 && S_ISREG(old.st_mode))
		old_size = old.st_size;
	if (!error && rename(w->temp_path.data, path.data) != 0)
		error = errno;
	if (error) {
		rc = err_set(
		    e, errno_code(error) == ERR_NOSPACE ? ERR_NOSPACE : ERR_IO,
		    "cannot store \"%s\": %s", w->key.data, strerror(error));
		goto done;
	}
	buf_free(&w->temp_path); /* renamed: nothing left to unlink */
	fsync_dir_of(path.data);
	st->used += w->size - old_size;
done:
	buf_free(&path);
	local_writer_free(w);
	return rc;
}

static void local_writer_abort(struct storage_writer *base)
{
	local_writer_free((struct local_writer *)base);
}

static int local_read_open(struct storage *base, const char *key,
			   struct storage_reader **out, struct err *e)
{
	struct local_reader *r;
	struct buf path;
	int fd, error;

	if (key_path((struct local *)base, key, &path)) {
		buf_free(&path);
		return err_set(e, ERR_TOOBIG,
			       "storage path for \"%s\" too long", key);
	}
	fd = open(path.data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	error = errno;
	buf_free(&path);
	if (fd < 0)
		return err_set(e,
			       errno_code(error) == ERR_NOTFOUND ? ERR_NOTFOUND
								 : ERR_IO,
			       "cannot open \"%s\": %s", key, strerror(error));
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

/* Removes directories left empty by a delete, up to (not including) root. */
static void remove_empty_parents(const struct local *st, struct buf *path)
{
	size_t root_len = strlen(st->root);
	char *slash;

	while ((slash = strrchr(path->data, '/')) != NULL &&
	       (size_t)(slash - path->data) > root_len) {
		*slash = '\0';
		if (rmdir(path->data) != 0)
			break;
	}
}

static int local_remove(struct storage *base, const char *key, struct err *e)
{
	struct local *st = (struct local *)base;
	struct stat sb;
	struct buf path;
	int rc = 0;

	if (key_path(st, key, &path)) {
		rc = err_set(e, ERR_TOOBIG, "storage path for \"%s\" too long",
			     key);
		goto done;
	}
	if (lstat(path.data, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = err_set(e, ERR_NOTFOUND,
			     "storage key \"%s\" does not exist", key);
		goto done;
	}
	if (unlink(path.data) != 0) {
		rc = err_set(e, errno_code(errno), "cannot delete \"%s\": %s",
			     key, strerror(errno));
		goto done;
	}
	st->used -= sb.st_size;
	remove_empty_parents(st, &path);
done:
	buf_free(&path);
	return rc;
}

static int local_stat(struct storage *base, const char *key, int64_t *size_out,
		      int64_t *mtime_ms_out, struct err *e)
{
	struct stat sb;
	struct buf path;
	int rc = 0;

	if (key_path((struct local *)base, key, &path))
		rc = err_set(e, ERR_TOOBIG, "storage path for \"%s\" too long",
			     key);
	else if (lstat(path.data, &sb) != 0 || !S_ISREG(sb.st_mode))
		rc = err_set(e, ERR_NOTFOUND,
			     "storage key \"%s\" does not exist", key);
	buf_free(&path);
	if (rc)
		return rc;
	if (size_out)
		*size_out = sb.st_size;
	if (mtime_ms_out)
		*mtime_ms_out = mtime_ms(&sb);
	return 0;
}

struct walk {
	const struct local *st;
	const char *prefix;
	size_t prefix_len;
	storage_list_fn fn;
	void *ctx;
	struct buf key; /* relative path of the directory being walked */
	struct buf path;
};

/* A directory is worth entering when its keys could start with prefix. */
static int may_hold_prefix(const struct walk *w)
{
	size_t n = w->key.len < w->prefix_len ? w->key.len : w->prefix_len;

	return strncmp(buf_str(&w->key), w->prefix, n) == 0;
}

static int walk_dir(struct walk *w, struct err *e);

static int walk_entry(struct walk *w, const char *name, struct err *e)
{
	size_t key_len = w->key.len;
	struct stat sb;
	int rc;

	rc = buf_printf(&w->key, "%s%s", key_len ? "/" : "", name);
	if (!rc) {
		buf_reset(&w->path);
		rc = buf_printf(&w->path, "%s/%s", w->st->root, w->key.data);
	}
	if (rc)
		return err_set(e, ERR_TOOBIG, "storage path too long under %s",
			       w->st->root);
	if (lstat(w->path.data, &sb) == 0) {
		if (S_ISDIR(sb.st_mode) && may_hold_prefix(w))
			rc = walk_dir(w, e);
		else if (S_ISREG(sb.st_mode) &&
			 strncmp(w->key.data, w->prefix, w->prefix_len) == 0)
			rc = w->fn(w->key.data, sb.st_size, mtime_ms(&sb),
				   w->ctx);
	}
	w->key.len = key_len;
	w->key.data[key_len] = '\0';
	return rc;
}

static int skip_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int walk_dir(struct walk *w, struct err *e)
{
	struct dirent **names = NULL;
	int count, rc = 0, i;

	buf_reset(&w->path);
	if (buf_printf(&w->path, "%s/%s", w->st->root, buf_str(&w->key)))
		return err_set(e, ERR_TOOBIG, "storage path too long under %s",
			       w->st->root);
	count = scandir(w->path.data, &names, skip_hidden, alphasort);
	if (count < 0 && errno == ENOENT)
		return 0; /* removed while we walked: nothing to list */
	if (count < 0)
		return err_set(e, ERR_IO, "cannot list %s: %s", w->path.data,
			       strerror(errno));
	for (i = 0; i < count && !rc; i++)
		rc = walk_entry(w, names[i]->d_name, e);
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int local_list(struct storage *base, const char *prefix,
		      storage_list_fn fn, void *ctx, struct err *e)
{
	struct walk w = {
	    (struct local *)base, prefix, strlen(prefix), fn, ctx, {0}, {0}};
	int rc;

	buf_init(&w.key, PATH_CAP);
	buf_init(&w.path, PATH_CAP);
	buf_puts(&w.key, "");
	rc = walk_dir(&w, e);
	buf_free(&w.key);
	buf_free(&w.path);
	return rc;
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

	free(st->root);
	free(st);
}

static const struct storage_ops local_ops = {
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

int storage_open_local(const char *root, struct storage **out, struct err *e)
{
	struct local *st = NULL;
	struct buf temp_dir;
	struct stat sb;
	size_t len = root ? strlen(root) : 0;
	int rc = 0;

	*out = NULL;
	buf_init(&temp_dir, PATH_CAP);
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len == 0 || stat(root, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		rc = err_set(e, ERR_NOTFOUND,
			     "Storage.Local.Root \"%s\" is not "
			     "an existing directory",
			     root ? root : "");
		goto done;
	}
	st = calloc(1, sizeof(*st));
	if (!st || !(st->root = strndup(root, len))) {
		rc = err_set(e, ERR_NOMEM, "no memory to open storage");
		goto done;
	}
	st->base.ops = &local_ops;
	if (buf_printf(&temp_dir, "%s/" TEMP_DIR, st->root) ||
	    (mkdir(temp_dir.data, 0750) != 0 && errno != EEXIST)) {
		rc = err_set(e, ERR_IO, "cannot create %s/" TEMP_DIR ": %s",
			     st->root, strerror(errno));
		goto done;
	}
	*out = &st->base;
	st = NULL;
done:
	if (st)
		local_close(&st->base);
	buf_free(&temp_dir);
	return rc;
}

static int add_size(const char *key, int64_t size, int64_t mtime, void *ctx)
{
	(void)key;
	(void)mtime;
	*(int64_t *)ctx += size;
	return 0;
}

int storage_local_set_quota(struct storage *base, int64_t max_bytes,
			    struct err *e)
{
	struct local *st = (struct local *)base;
	int64_t used = 0;
	int rc;

	if (base->ops != &local_ops)
		return err_set(e, ERR_INVALID,
			       "storage provider %s has no "
			       "quota",
			       base->ops->name);
	if (max_bytes < 0)
		return err_set(e, ERR_INVALID, "storage quota %lld is negative",
			       (long long)max_bytes);
	rc = local_list(base, "", add_size, &used, e);
	if (rc)
		return rc;
	st->used = used;
	st->max_bytes = max_bytes;
	return 0;
}

/* A writer's temp file is an orphan when its process is gone (see
 * storage.h); kill(pid, 0) fails with ESRCH exactly then. */
static int is_orphan(const struct local *st, const char *name)
{
	char *end = NULL;
	long pid = strtol(name, &end, 10);
	size_t len = strlen(name);

	if (pid <= 0 || !end || *end != '-' || len < 5 ||
	    strcmp(name + len - 5, ".part") != 0)
		return 0;
	if (pid == (long)getpid())
		return st->temp_count == 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int storage_local_sweep_temp(struct storage *base, int *removed, struct err *e)
{
	struct local *st = (struct local *)base;
	struct buf path;
	struct dirent *d;
	DIR *dir;
	int rc = 0, n = 0;

	if (removed)
		*removed = 0;
	if (base->ops != &local_ops)
		return err_set(e, ERR_INVALID,
			       "storage provider %s has no temp directory",
			       base->ops->name);
	buf_init(&path, PATH_CAP);
	if (buf_printf(&path, "%s/" TEMP_DIR, st->root) ||
	    !(dir = opendir(path.data))) {
		rc = err_set(e, ERR_IO, "cannot read %s/" TEMP_DIR ": %s",
			     st->root, strerror(errno));
		goto done;
	}
	while ((d = readdir(dir)) != NULL) {
		if (!is_orphan(st, d->d_name))
			continue;
		buf_reset(&path);
		if (buf_printf(&path, "%s/" TEMP_DIR "/%s", st->root,
			       d->d_name) == 0 &&
		    unlink(path.data) == 0)
			n++;
	}
	closedir(dir);
	if (removed)
		*removed = n;
done:
	buf_free(&path);
	return rc;
}
