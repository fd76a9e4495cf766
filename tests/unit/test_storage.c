/*
 * test_storage.c - storage keys and the local provider: every key rule,
 * atomic writes (nothing visible before commit, nothing left after abort,
 * orphaned temp files unreachable), the quota, delete and list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "storage/storage_blocking.h"

struct fixture {
	char root[256];
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

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	struct err e;

	snprintf(f->root, sizeof(f->root), "%s/storage-test-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(storage_open_local(f->root, &f->st, &e), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	storage_close(f->st);
	nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int put(struct storage *st, const char *key, const char *text)
{
	struct storage_writer *w;
	struct err e;
	int rc = storage_writer_open(st, key, &w, &e);

	if (rc)
		return rc;
	rc = storage_writer_write(w, text, strlen(text), &e);
	if (rc) {
		storage_writer_abort(w);
		return rc;
	}
	return storage_writer_commit(w, &e);
}

static char *get(struct storage *st, const char *key)
{
	struct storage_reader *r;
	struct buf out;
	char chunk[3]; /* small, to exercise several reads */
	size_t n;
	struct err e;

	if (storage_read_open(st, key, &r, &e) != 0)
		return NULL;
	buf_init(&out, 1 << 20);
	do {
		assert_int_equal(storage_read(r, chunk, sizeof(chunk), &n, &e), 0);
		buf_append(&out, chunk, n);
	} while (n > 0);
	storage_read_close(r);
	return buf_steal(&out);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	int n = 0;

	if (!d)
		return -1;
	while ((ent = readdir(d)) != NULL)
		if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int temp_count(const struct fixture *f)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/.tmp", f->root);
	return count_entries(dir);
}

static void test_storage_key_rules_refuse_unsafe_keys_with_reason(void **state)
{
	char long_key[STORAGE_KEY_MAX + 2], long_segment[STORAGE_SEGMENT_MAX + 4];
	const char *valid[] = {
		"documents/7/12/0f8fad5b-d9cb-469f-a165-70867728950e.jpg",
		"exports/42/export_20261128T204517Z.zip",
		"a", "a/b.c", "x..y/z", "a/b./c", "\xc5\xbe" "idle/\xc5\xaf" "l.txt", "a b/c d",
	};
	struct {
		const char *key, *reason;
	} invalid[] = {
		{"", "empty"},
		{"/etc/passwd", "absolute"},
		{"..", "'..'"},
		{"../x", "'..'"},
		{"a/../b", "'..'"},
		{"a/..", "'..'"},
		{"a/./b", "'.'"},
		{".", "'.'"},
		{"a//b", "empty path segment"},
		{"a/", "empty path segment"},
		{"a\\b", "backslash"},
		{"..\\x", "backslash"},
		{"a\nb", "control character"},
		{"a\tb", "control character"},
		{"a\x7f", "control character"},
		{"\x01", "control character"},
		{".hidden/x", "starts with '.'"},
		{"a/.tmp", "starts with '.'"},
		{".tmp/1-0-abc.part", "starts with '.'"},
		{long_key, "longer than 1024"},
		{long_segment, "longer than 255"},
	};
	struct err e;
	(void)state;
	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	memset(long_segment, 's', sizeof(long_segment) - 1);
	long_segment[0] = 'a';
	long_segment[1] = '/';
	long_segment[sizeof(long_segment) - 1] = '\0';
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		assert_int_equal(storage_key_valid(valid[i], &e), 0);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		assert_int_equal(storage_key_valid(invalid[i].key, &e), ERR_INVALID);
		if (!strstr(e.msg, invalid[i].reason))
			fail_msg("key %zu: \"%s\" lacks \"%s\"", i, e.msg, invalid[i].reason);
	}
	assert_int_equal(storage_key_valid("a/../b", &e), ERR_INVALID);
	assert_string_equal(e.msg, "storage key \"a/../b\" refused: it has a '.' or '..' segment");
	assert_int_equal(storage_key_valid("a\nb", &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "\"a?b\"")); /* never echoes a newline */
	assert_int_equal(storage_key_valid(long_key, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "...\""));
	assert_int_equal(storage_key_valid(NULL, &e), ERR_INVALID);
}

static void test_storage_every_operation_checks_the_key(void **state)
{
	struct fixture *f = *state;
	struct storage_writer *w = (void *)1;
	struct storage_reader *r = (void *)1;
	struct storage_pending *p = (void *)1;
	struct buf path;
	struct err e;

	buf_init(&path, 4096);
	assert_int_equal(storage_writer_open(f->st, "../x", &w, &e), ERR_INVALID);
	assert_null(w);
	assert_int_equal(storage_read_open(f->st, "/etc/passwd", &r, &e), ERR_INVALID);
	assert_null(r);
	assert_int_equal(storage_delete(f->st, "a/../../x", &e), ERR_INVALID);
	assert_int_equal(storage_stat(f->st, "a\\b", NULL, NULL, &e), ERR_INVALID);
	assert_int_equal(storage_path(f->st, "..", &path, &e), ERR_INVALID);
	assert_int_equal(storage_put_file(f->st, "", "/dev/null", &e), ERR_INVALID);
	assert_int_equal(storage_put_file_start(f->st, "/x", "/dev/null", &p, &e), ERR_INVALID);
	assert_null(p);
	assert_int_equal(storage_delete_start(f->st, "..", &p, &e), ERR_INVALID);
	assert_int_equal(storage_list(f->st, "../", NULL, NULL, &e), ERR_INVALID);
	assert_int_equal(storage_list(f->st, "/", NULL, NULL, &e), ERR_INVALID);
	assert_int_equal(path.len, 0);
	buf_free(&path);
}

static void test_storage_commit_makes_blob_visible_with_parents(void **state)
{
	struct fixture *f = *state;
	const char *key = "documents/7/12/photo.jpg";
	int64_t size = 0, mtime = 0;
	struct buf path;
	struct err e;
	char *text;

	assert_int_equal(put(f->st, key, "hello, storage"), 0);
	assert_int_equal(storage_stat(f->st, key, &size, &mtime, &e), 0);
	assert_int_equal(size, 14);
	assert_true(mtime > 0);
	text = get(f->st, key);
	assert_string_equal(text, "hello, storage");
	free(text);
	buf_init(&path, 4096);
	assert_int_equal(storage_path(f->st, key, &path, &e), 0);
	assert_non_null(strstr(buf_str(&path), "/documents/7/12/photo.jpg"));
	assert_int_equal(access(buf_str(&path), R_OK), 0);
	buf_free(&path);
	assert_int_equal(temp_count(f), 0);
	assert_string_equal(storage_provider_name(f->st), "local");
}

static void test_storage_nothing_visible_before_commit_and_abort_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct storage_writer *w;
	struct err e;

	assert_int_equal(storage_writer_open(f->st, "exports/1/e.zip", &w, &e), 0);
	assert_int_equal(storage_writer_write(w, "partial", 7, &e), 0);
	assert_int_equal(storage_stat(f->st, "exports/1/e.zip", NULL, NULL, &e), ERR_NOTFOUND);
	assert_int_equal(temp_count(f), 1);
	storage_writer_abort(w);
	storage_writer_abort(NULL);
	assert_int_equal(temp_count(f), 0);
	assert_int_equal(storage_stat(f->st, "exports/1/e.zip", NULL, NULL, &e), ERR_NOTFOUND);
	assert_int_equal(count_entries(f->root), 1); /* only .tmp */
}

static int collect(const char *key, int64_t size, int64_t mtime, void *ctx)
{
	(void)mtime;
	buf_printf(ctx, "%s=%lld;", key, (long long)size);
	return 0;
}

static void test_storage_orphaned_temp_files_are_never_visible(void **state)
{
	struct fixture *f = *state;
	char orphan[512];
	struct buf listed;
	struct err e;
	FILE *fp;

	/* What a crash between write and rename leaves behind. */
	snprintf(orphan, sizeof(orphan), "%s/.tmp/999-0-deadbeef.part", f->root);
	fp = fopen(orphan, "w");
	assert_non_null(fp);
	fputs("half an export", fp);
	fclose(fp);
	assert_int_equal(put(f->st, "exports/1/e.zip", "whole"), 0);
	buf_init(&listed, 4096);
	assert_int_equal(storage_list(f->st, "", collect, &listed, &e), 0);
	assert_string_equal(buf_str(&listed), "exports/1/e.zip=5;");
	assert_int_equal(storage_stat(f->st, ".tmp/999-0-deadbeef.part", NULL, NULL, &e),
			 ERR_INVALID);
	buf_free(&listed);
}

static void touch_temp(const struct fixture *f, const char *name)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/.tmp/%s", f->root, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
}

static int temp_exists(const struct fixture *f, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/.tmp/%s", f->root, name);
	return access(path, F_OK) == 0;
}

static void test_storage_sweep_removes_temp_files_of_gone_writers_only(void **state)
{
	struct fixture *f = *state;
	struct storage_writer *w = NULL;
	char own[64], parent[64];
	struct err e;
	int removed = -1;

	snprintf(own, sizeof(own), "%ld-0-bb.part", (long)getpid());
	snprintf(parent, sizeof(parent), "%ld-0-cc.part", (long)getppid());
	touch_temp(f, "999999999-0-aa.part"); /* no such process */
	touch_temp(f, own);    /* an earlier life of this pid: no writer yet */
	touch_temp(f, parent); /* a running process may still write it */
	touch_temp(f, "notes.txt");
	assert_int_equal(storage_local_sweep_temp(f->st, &removed, &e), 0);
	assert_int_equal(removed, 2);
	assert_false(temp_exists(f, "999999999-0-aa.part"));
	assert_false(temp_exists(f, own));
	assert_true(temp_exists(f, parent));
	assert_true(temp_exists(f, "notes.txt"));
	/* Once this storage has a writer, a file with our pid may be its. */
	assert_int_equal(storage_writer_open(f->st, "a/b", &w, &e), 0);
	touch_temp(f, own);
	assert_int_equal(storage_local_sweep_temp(f->st, &removed, &e), 0);
	assert_int_equal(removed, 0);
	assert_true(temp_exists(f, own));
	storage_writer_abort(w);
}

static void test_storage_commit_replaces_old_blob_whole(void **state)
{
	struct fixture *f = *state;
	char *text;

	assert_int_equal(put(f->st, "a/b", "first version"), 0);
	assert_int_equal(put(f->st, "a/b", "second"), 0);
	text = get(f->st, "a/b");
	assert_string_equal(text, "second");
	free(text);
}

static void test_storage_commit_failure_leaves_no_temp(void **state)
{
	struct fixture *f = *state;
	struct storage_writer *w;
	struct err e;

	assert_int_equal(put(f->st, "a", "a file, not a directory"), 0);
	assert_int_equal(storage_writer_open(f->st, "a/b", &w, &e), 0);
	assert_int_equal(storage_writer_write(w, "x", 1, &e), 0);
	assert_int_equal(storage_writer_commit(w, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "\"a/b\""));
	assert_int_equal(temp_count(f), 0);
}

static void test_storage_quota_refuses_writes_past_the_cap(void **state)
{
	struct fixture *f = *state;
	struct storage_writer *w1, *w2;
	char sixty[61], fifty[51];
	struct err e;

	memset(sixty, 'x', 60);
	sixty[60] = '\0';
	memset(fifty, 'y', 50);
	fifty[50] = '\0';
	assert_int_equal(put(f->st, "old/blob", "0123456789"), 0); /* 10 bytes */
	assert_int_equal(storage_local_set_quota(f->st, 100, &e), 0);
	assert_int_equal(put(f->st, "exports/1/a.zip", sixty), 0); /* 70 used */
	assert_int_equal(put(f->st, "exports/1/b.zip", fifty), ERR_NOSPACE);
	assert_int_equal(storage_stat(f->st, "exports/1/b.zip", NULL, NULL, &e), ERR_NOTFOUND);
	assert_int_equal(temp_count(f), 0);
	/* Open writers count too: two that fit alone do not fit together. */
	assert_int_equal(storage_writer_open(f->st, "c", &w1, &e), 0);
	assert_int_equal(storage_writer_open(f->st, "d", &w2, &e), 0);
	assert_int_equal(storage_writer_write(w1, fifty, 20, &e), 0);
	assert_int_equal(storage_writer_write(w2, fifty, 20, &e), ERR_NOSPACE);
	assert_non_null(strstr(e.msg, "quota of 100 bytes"));
	assert_non_null(strstr(e.msg, "\"d\""));
	storage_writer_abort(w2);
	assert_int_equal(storage_writer_commit(w1, &e), 0); /* 90 used */
	/* The new blob must fit beside the old one until the rename; after
	 * it only the new size counts. */
	assert_int_equal(put(f->st, "c", "0123456789012"), ERR_NOSPACE);
	assert_int_equal(put(f->st, "c", "0123456789"), 0); /* 80 used */
	assert_int_equal(put(f->st, "e", "0123456789012345678901234"), ERR_NOSPACE);
	assert_int_equal(put(f->st, "e", "01234567890123456789"), 0); /* 100 */
	assert_int_equal(put(f->st, "f", "x"), ERR_NOSPACE);
	/* Deleting frees room. */
	assert_int_equal(storage_delete(f->st, "exports/1/a.zip", &e), 0);
	assert_int_equal(put(f->st, "exports/1/b.zip", fifty), 0);
	/* No cap again. */
	assert_int_equal(storage_local_set_quota(f->st, 0, &e), 0);
	assert_int_equal(put(f->st, "big", sixty), 0);
	assert_int_equal(storage_local_set_quota(f->st, -1, &e), ERR_INVALID);
}

static void test_storage_delete_missing_is_notfound_and_prunes_dirs(void **state)
{
	struct fixture *f = *state;
	char dir[512];
	struct err e;

	assert_int_equal(storage_delete(f->st, "exports/9/none.zip", &e), ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "exports/9/none.zip"));
	assert_int_equal(put(f->st, "exports/9/one.zip", "1"), 0);
	assert_int_equal(put(f->st, "exports/8/keep.zip", "2"), 0);
	assert_int_equal(storage_delete(f->st, "exports/9/one.zip", &e), 0);
	assert_int_equal(storage_delete(f->st, "exports/9/one.zip", &e), ERR_NOTFOUND);
	snprintf(dir, sizeof(dir), "%s/exports/9", f->root);
	assert_int_equal(access(dir, F_OK), -1); /* emptied directory removed */
	snprintf(dir, sizeof(dir), "%s/exports", f->root);
	assert_int_equal(count_entries(dir), 1); /* exports/8 stays */
	/* A directory is not a blob. */
	assert_int_equal(storage_delete(f->st, "exports/8", &e), ERR_NOTFOUND);
	assert_int_equal(storage_stat(f->st, "exports/8", NULL, NULL, &e), ERR_NOTFOUND);
	assert_int_equal(access(f->root, F_OK), 0);
}

static int stop_at_second(const char *key, int64_t size, int64_t mtime, void *ctx)
{
	(void)key;
	(void)size;
	(void)mtime;
	return ++*(int *)ctx == 2 ? 7 : 0;
}

static void test_storage_list_filters_by_prefix_in_key_order(void **state)
{
	struct fixture *f = *state;
	const char *keys[] = {"exports/42/b.zip", "documents/1/x.jpg", "exports/42/a.zip",
			      "exports/420/c.zip", "exports/5/d.zip"};
	const struct {
		const char *prefix, *expected;
	} cases[] = {
		{"", "documents/1/x.jpg=1;exports/42/a.zip=1;exports/42/b.zip=1;"
		     "exports/420/c.zip=1;exports/5/d.zip=1;"},
		{"exports/42/", "exports/42/a.zip=1;exports/42/b.zip=1;"},
		{"exports/42", "exports/42/a.zip=1;exports/42/b.zip=1;exports/420/c.zip=1;"},
		{"exports/42/a", "exports/42/a.zip=1;"},
		{"documents", "documents/1/x.jpg=1;"},
		{"nothing/", ""},
	};
	int seen = 0;
	struct err e;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_int_equal(put(f->st, keys[i], "z"), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf listed;

		buf_init(&listed, 4096);
		assert_int_equal(storage_list(f->st, cases[i].prefix, collect, &listed, &e), 0);
		assert_string_equal(buf_str(&listed), cases[i].expected);
		buf_free(&listed);
	}
	assert_int_equal(storage_list(f->st, NULL, stop_at_second, &seen, &e), 7);
	assert_int_equal(seen, 2);
}

static void test_storage_put_file_copies_and_reports_missing_source(void **state)
{
	struct fixture *f = *state;
	struct storage_pending *p = (void *)1;
	char src[512], big[200000];
	struct err e;
	int64_t size;
	FILE *fp;

	snprintf(src, sizeof(src), "%s/.tmp/source", f->root);
	fp = fopen(src, "w");
	assert_non_null(fp);
	memset(big, 'q', sizeof(big));
	fwrite(big, 1, sizeof(big), fp); /* more than one copy chunk */
	fclose(fp);
	assert_int_equal(storage_put_file(f->st, "documents/1/2/big.bin", src, &e), 0);
	assert_int_equal(storage_stat(f->st, "documents/1/2/big.bin", &size, NULL, &e), 0);
	assert_int_equal(size, sizeof(big));
	/* The local provider completes "asynchronous" operations at once. */
	assert_int_equal(storage_put_file_start(f->st, "documents/1/2/again.bin", src, &p, &e), 0);
	assert_null(p);
	assert_int_equal(storage_delete_start(f->st, "documents/1/2/again.bin", &p, &e), 0);
	assert_null(p);
	assert_int_equal(storage_delete_start(f->st, "documents/1/2/again.bin", &p, &e),
			 ERR_NOTFOUND);
	unlink(src);
	assert_int_equal(storage_put_file(f->st, "documents/1/2/c.bin", src, &e), ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "documents/1/2/c.bin"));
	storage_pending_free(NULL);
}

static void test_storage_read_of_missing_key_is_notfound(void **state)
{
	struct fixture *f = *state;
	struct storage_reader *r;
	struct err e;

	assert_int_equal(storage_read_open(f->st, "documents/none.jpg", &r, &e), ERR_NOTFOUND);
	assert_null(r);
	assert_non_null(strstr(e.msg, "documents/none.jpg"));
	storage_read_close(NULL);
}

static void test_storage_open_local_needs_an_existing_root(void **state)
{
	struct storage *st = (void *)1;
	struct err e;
	(void)state;
	assert_int_equal(storage_open_local("/nonexistent/storage/root", &st, &e), ERR_NOTFOUND);
	assert_null(st);
	assert_non_null(strstr(e.msg, "/nonexistent/storage/root"));
	assert_int_equal(storage_open_local("", &st, &e), ERR_NOTFOUND);
	assert_int_equal(storage_open_local(NULL, &st, &e), ERR_NOTFOUND);
	storage_close(NULL);
}

static void test_storage_root_with_trailing_slash_works(void **state)
{
	struct fixture *f = *state;
	struct storage *st;
	struct buf path;
	char root[512];
	struct err e;

	snprintf(root, sizeof(root), "%s//", f->root);
	assert_int_equal(storage_open_local(root, &st, &e), 0);
	buf_init(&path, 4096);
	assert_int_equal(storage_path(st, "a/b", &path, &e), 0);
	snprintf(root, sizeof(root), "%s/a/b", f->root);
	assert_string_equal(buf_str(&path), root);
	buf_free(&path);
	storage_close(st);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storage_key_rules_refuse_unsafe_keys_with_reason),
		T(test_storage_every_operation_checks_the_key),
		T(test_storage_commit_makes_blob_visible_with_parents),
		T(test_storage_nothing_visible_before_commit_and_abort_leaves_nothing),
		T(test_storage_orphaned_temp_files_are_never_visible),
		T(test_storage_sweep_removes_temp_files_of_gone_writers_only),
		T(test_storage_commit_replaces_old_blob_whole),
		T(test_storage_commit_failure_leaves_no_temp),
		T(test_storage_quota_refuses_writes_past_the_cap),
		T(test_storage_delete_missing_is_notfound_and_prunes_dirs),
		T(test_storage_list_filters_by_prefix_in_key_order),
		T(test_storage_put_file_copies_and_reports_missing_source),
		T(test_storage_read_of_missing_key_is_notfound),
		cmocka_unit_test(test_storage_open_local_needs_an_existing_root),
		T(test_storage_root_with_trailing_slash_works),
	};
	return cmocka_run_group_tests_name("storage", tests, NULL, NULL);
}
