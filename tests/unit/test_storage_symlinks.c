/*
 * test_storage_symlinks.c - the local provider never follows a symbolic
 * link inside its root: a linked directory or a linked file, at any
 * component, makes read, write, delete, stat, list and the HTTP server's
 * open fail (ERR_PERM, or NOTFOUND for a link that is itself the blob)
 * and leaves the files outside untouched. Every case runs twice: through
 * openat2 and through the O_NOFOLLOW walk that replaces it on old
 * kernels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/storage/beneath.h"
#include "base/buf.h"
#include "base/err.h"
#include "storage/storage_blocking.h"

struct fixture {
	char dir[256];	   /* holds root/ and outside/ */
	char root[300];	   /* the storage root */
	char outside[300]; /* a directory the links point into */
	struct storage *st;
};

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *slurp(const char *path)
{
	static char text[256];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}

/* root/docs/link -> outside (a directory), root/docs/file.jpg ->
 * outside/victim.jpg (a file), root/exports -> outside. */
static int setup(void **state, int walk)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	char path[512];
	struct err e;

	snprintf(f->dir, sizeof(f->dir), "%s/storage-links-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->dir);
	assert_int_equal(mkdir(f->root, 0750), 0);
	assert_int_equal(mkdir(f->outside, 0750), 0);
	snprintf(path, sizeof(path), "%s/victim.jpg", f->outside);
	write_file(path, "precious");
	snprintf(path, sizeof(path), "%s/docs", f->root);
	assert_int_equal(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/docs/link", f->root);
	assert_int_equal(symlink(f->outside, path), 0);
	snprintf(path, sizeof(path), "%s/docs/file.jpg", f->root);
	assert_int_equal(symlink("../../outside/victim.jpg", path), 0);
	snprintf(path, sizeof(path), "%s/exports", f->root);
	assert_int_equal(symlink(f->outside, path), 0);
	beneath_force_walk(walk);
	assert_int_equal(storage_open_local(f->root, &f->st, &e), 0);
	*state = f;
	return 0;
}

static int setup_kernel(void **state)
{
	return setup(state, 0);
}

static int setup_walk(void **state)
{
	return setup(state, 1);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	storage_close(f->st);
	beneath_force_walk(0);
	nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int victim_intact(const struct fixture *f)
{
	char path[512];
	const char *text;

	snprintf(path, sizeof(path), "%s/victim.jpg", f->outside);
	text = slurp(path);
	return text && !strcmp(text, "precious");
}

static int put(struct storage *st, const char *key, const char *text,
	       struct err *e)
{
	struct storage_writer *w;
	int rc = storage_writer_open(st, key, &w, e);

	if (rc)
		return rc;
	if ((rc = storage_writer_write(w, text, strlen(text), e))) {
		storage_writer_abort(w);
		return rc;
	}
	return storage_writer_commit(w, e);
}

static void test_read_through_a_linked_directory_is_refused(void **state)
{
	struct fixture *f = *state;
	struct storage_reader *r = NULL;
	struct err e;

	assert_int_equal(storage_read_open(f->st, "docs/link/victim.jpg", &r, &e), ERR_PERM);
	assert_non_null(strstr(e.msg, "\"docs/link/victim.jpg\" refused"));
	assert_null(r);
	assert_int_equal(storage_read_open(f->st, "exports/victim.jpg", &r, &e), ERR_PERM);
	/* A link as the last component is no blob either. */
	assert_int_equal(storage_read_open(f->st, "docs/file.jpg", &r, &e), ERR_PERM);
	assert_int_equal(storage_stat(f->st, "docs/link/victim.jpg", NULL, NULL, &e), ERR_PERM);
	assert_int_equal(storage_stat(f->st, "docs/file.jpg", NULL, NULL, &e), ERR_NOTFOUND);
}

static void test_write_through_a_linked_directory_is_refused(void **state)
{
	struct fixture *f = *state;
	char path[512];
	struct err e;

	assert_int_equal(put(f->st, "docs/link/planted.txt", "x", &e), ERR_PERM);
	assert_int_equal(put(f->st, "docs/link/sub/planted.txt", "x", &e), ERR_PERM);
	assert_int_equal(put(f->st, "exports/7/planted.zip", "x", &e), ERR_PERM);
	assert_non_null(strstr(e.msg, "exports/7/planted.zip"));
	snprintf(path, sizeof(path), "%s/planted.txt", f->outside);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/sub", f->outside);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/7", f->outside);
	assert_int_equal(access(path, F_OK), -1);
	/* Writing a key that is a link replaces the link, not its target. */
	assert_int_equal(put(f->st, "docs/file.jpg", "new blob", &e), 0);
	assert_true(victim_intact(f));
	/* Ordinary keys still work, with new parent directories. */
	assert_int_equal(put(f->st, "docs/a/b/c.txt", "fine", &e), 0);
	assert_int_equal(storage_stat(f->st, "docs/a/b/c.txt", NULL, NULL, &e), 0);
}

static void test_delete_through_a_linked_directory_is_refused(void **state)
{
	struct fixture *f = *state;
	char path[512];
	struct err e;

	assert_int_equal(storage_delete(f->st, "docs/link/victim.jpg", &e), ERR_PERM);
	assert_non_null(strstr(e.msg, "docs/link/victim.jpg"));
	assert_true(victim_intact(f));
	assert_int_equal(storage_delete(f->st, "exports/victim.jpg", &e), ERR_PERM);
	assert_true(victim_intact(f));
	/* A link as the key itself is not a blob: neither it nor its target
	 * is removed. */
	assert_int_equal(storage_delete(f->st, "docs/file.jpg", &e), ERR_NOTFOUND);
	assert_true(victim_intact(f));
	snprintf(path, sizeof(path), "%s/docs/file.jpg", f->root);
	assert_int_equal(access(path, F_OK), 0);
	/* Pruning empty parents never climbs through a link. */
	assert_int_equal(put(f->st, "docs/x/y.txt", "y", &e), 0);
	assert_int_equal(storage_delete(f->st, "docs/x/y.txt", &e), 0);
	snprintf(path, sizeof(path), "%s/docs", f->root);
	assert_int_equal(access(path, F_OK), 0); /* still holds the links */
}

static int collect(const char *key, int64_t size, int64_t mtime, void *ctx)
{
	(void)size;
	(void)mtime;
	buf_printf(ctx, "%s;", key);
	return 0;
}

static void test_list_and_quota_do_not_follow_links(void **state)
{
	struct fixture *f = *state;
	struct buf listed;
	struct err e;

	assert_int_equal(put(f->st, "docs/real.txt", "1234", &e), 0);
	buf_init(&listed, 4096);
	assert_int_equal(storage_list(f->st, "", collect, &listed, &e), 0);
	assert_string_equal(buf_str(&listed), "docs/real.txt;");
	buf_free(&listed);
	/* 4 bytes used: the 8 bytes outside are not counted. */
	assert_int_equal(storage_local_set_quota(f->st, 10, &e), 0);
	assert_int_equal(put(f->st, "docs/more.txt", "123456", &e), 0);
	assert_int_equal(put(f->st, "docs/over.txt", "1", &e), ERR_NOSPACE);
}

static void test_open_blob_for_download_refuses_links(void **state)
{
	struct fixture *f = *state;
	int64_t size = -1;
	char path[512];
	struct err e;
	int fd = -1;

	assert_int_equal(storage_local_open_blob(f->st, "exports/victim.jpg", &fd, &size, &e),
			 ERR_PERM);
	assert_int_equal(fd, -1);
	assert_int_equal(storage_local_open_blob(f->st, "docs/file.jpg", &fd, &size, &e), ERR_PERM);
	assert_int_equal(storage_local_open_blob(f->st, "../outside/victim.jpg", &fd, &size, &e),
			 ERR_INVALID);
	/* A FIFO is not served and does not block the open. */
	snprintf(path, sizeof(path), "%s/docs/pipe", f->root);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(storage_local_open_blob(f->st, "docs/pipe", &fd, &size, &e), ERR_NOTFOUND);
	assert_int_equal(put(f->st, "docs/ok.zip", "12345", &e), 0);
	assert_int_equal(storage_local_open_blob(f->st, "docs/ok.zip", &fd, &size, &e), 0);
	assert_true(fd >= 0);
	assert_int_equal(size, 5);
	close(fd);
}

static void test_root_itself_may_be_a_link(void **state)
{
	struct fixture *f = *state;
	struct storage *st = NULL;
	char link[512];
	struct err e;

	/* The configured root is trusted: only what is inside is checked. */
	snprintf(link, sizeof(link), "%s/root-link", f->dir);
	assert_int_equal(symlink(f->root, link), 0);
	assert_int_equal(storage_open_local(link, &st, &e), 0);
	assert_int_equal(put(st, "docs/via-link.txt", "ok", &e), 0);
	assert_int_equal(storage_stat(f->st, "docs/via-link.txt", NULL, NULL, &e), 0);
	storage_close(st);
}

#define BOTH(name)                                                  \
	cmocka_unit_test_setup_teardown(name, setup_kernel, teardown), \
	    cmocka_unit_test_setup_teardown(name, setup_walk, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(test_read_through_a_linked_directory_is_refused),
	    BOTH(test_write_through_a_linked_directory_is_refused),
	    BOTH(test_delete_through_a_linked_directory_is_refused),
	    BOTH(test_list_and_quota_do_not_follow_links),
	    BOTH(test_open_blob_for_download_refuses_links),
	    BOTH(test_root_itself_may_be_a_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
