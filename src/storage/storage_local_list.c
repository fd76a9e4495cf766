/*
 * storage_local_list.c - the local provider's listing, quota measure and
 * temp-file sweep.
 *
 * The listing walks directories by fd: each entry is examined with
 * fstatat(AT_SYMLINK_NOFOLLOW) and each directory entered with
 * openat(O_NOFOLLOW), so a symbolic link inside the root is neither
 * listed nor followed (nor counted against the quota). Names are sorted
 * byte-wise, which is key order.
 */
#include "base/buf.h"
#include "base/err.h"
#include "storage/storage.h"
#include "storage_local_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct walk {
	const struct local *st;
	const char *prefix;
	size_t prefix_len;
	storage_list_fn fn;
	void *ctx;
	struct buf key; /* relative path of the directory being walked */
};

struct names {
	char **items;
	size_t count, cap;
};

static void names_free(struct names *n)
{
	size_t i;

	for (i = 0; i < n->count; i++)
		free(n->items[i]);
	free(n->items);
}

static int by_bytes(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the names in dir_fd that do not start with '.', sorted; consumes
 * dir_fd. -1 with errno on failure. */
static int read_names(int dir_fd, struct names *out)
{
	DIR *dir = fdopendir(dir_fd);
	struct dirent *d;

	if (!dir) {
		close(dir_fd);
		return -1;
	}
	while ((d = readdir(dir)) != NULL) {
		char **grown;

		if (d->d_name[0] == '.')
			continue;
		if (out->count == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 16;
			grown =
			    realloc(out->items, out->cap * sizeof(*out->items));
			if (!grown)
				break;
			out->items = grown;
		}
		if (!(out->items[out->count] = strdup(d->d_name)))
			break;
		out->count++;
	}
	closedir(dir);
	if (d) {
		errno = ENOMEM;
		return -1;
	}
	if (out->count > 1) /* an empty directory has no array to sort */
		qsort(out->items, out->count, sizeof(*out->items), by_bytes);
	return 0;
}

/* A directory is worth entering when its keys could start with prefix. */
static int may_hold_prefix(const struct walk *w)
{
	size_t n = w->key.len < w->prefix_len ? w->key.len : w->prefix_len;

	return strncmp(buf_str(&w->key), w->prefix, n) == 0;
}

static int walk_dir(struct walk *w, int dir_fd, struct err *e);

static int walk_entry(struct walk *w, int dir_fd, const char *name,
		      struct err *e)
{
	size_t key_len = w->key.len;
	struct stat sb;
	int rc, sub;

	if (buf_printf(&w->key, "%s%s", key_len ? "/" : "", name))
		return err_set(e, ERR_TOOBIG, "storage path too long under %s",
			       w->st->root);
	rc = 0;
	if (fstatat(dir_fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(sb.st_mode) && may_hold_prefix(w)) {
			sub = openat(dir_fd, name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
			if (sub >= 0)
				rc = walk_dir(w, sub, e);
		} else if (S_ISREG(sb.st_mode) &&
			   strncmp(w->key.data, w->prefix, w->prefix_len) == 0)
			rc = w->fn(w->key.data, sb.st_size,
				   (int64_t)sb.st_mtim.tv_sec * 1000 +
				       sb.st_mtim.tv_nsec / 1000000,
				   w->ctx);
	}
	w->key.len = key_len;
	w->key.data[key_len] = '\0';
	return rc;
}

/* Lists the directory dir_fd (consumed) whose key is w->key. */
static int walk_dir(struct walk *w, int dir_fd, struct err *e)
{
	struct names names = {0};
	int list_fd = dup(dir_fd);
	size_t i;
	int rc = 0;

	if (list_fd < 0 || read_names(list_fd, &names) != 0) {
		int error = errno;

		close(dir_fd);
		names_free(&names);
		if (error == ENOENT)
			return 0; /* removed while we walked */
		return err_set(e, ERR_IO, "cannot list %s/%s: %s", w->st->root,
			       buf_str(&w->key), strerror(error));
	}
	for (i = 0; i < names.count && !rc; i++)
		rc = walk_entry(w, dir_fd, names.items[i], e);
	close(dir_fd);
	names_free(&names);
	return rc;
}

int local_list(struct storage *base, const char *prefix, storage_list_fn fn,
	       void *ctx, struct err *e)
{
	const struct local *st = (const struct local *)base;
	struct walk w = {st, prefix, strlen(prefix), fn, ctx, {0}};
	int root, rc;

	root = openat(st->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_set(e, ERR_IO, "cannot list %s: %s", st->root,
			       strerror(errno));
	buf_init(&w.key, LOCAL_PATH_CAP);
	buf_puts(&w.key, "");
	rc = walk_dir(&w, root, e);
	buf_free(&w.key);
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

	if (base->ops != &storage_local_ops)
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
	struct dirent *d;
	DIR *dir = NULL;
	int fd, n = 0;

	if (removed)
		*removed = 0;
	if (base->ops != &storage_local_ops)
		return err_set(e, ERR_INVALID,
			       "storage provider %s has no temp directory",
			       base->ops->name);
	fd = openat(st->temp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_IO,
			       "cannot read %s/" LOCAL_TEMP_DIR ": %s",
			       st->root, strerror(errno));
	}
	while ((d = readdir(dir)) != NULL)
		if (is_orphan(st, d->d_name) &&
		    unlinkat(st->temp_fd, d->d_name, 0) == 0)
			n++;
	closedir(dir);
	if (removed)
		*removed = n;
	return 0;
}
