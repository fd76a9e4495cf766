/*
 * test_job_backup.c - the backup job: a complete, self-contained copy
 * named by the run's UTC time; Keep newest copies, the run's own always;
 * nothing but exact backup names is ever removed (nor the live database);
 * stale .tmp files of older runs go; a stopped run leaves nothing behind;
 * every error names the file or key.
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "core/job.h"
#include "testdb.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 2026-01-01T03:30:00.000Z: the copy is domecek-20260101T033000Z.db */
#define NOW (TESTDB_EPOCH + 3 * 3600 * 1000 + 30 * 60 * 1000)
#define OURS "domecek-20260101T033000Z.db"

struct fixture {
	struct testdb *f;
	char dir[400]; /* Jobs.Backup.Path */
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	x->f = testdb_open(TESTDB_HOUSEHOLD | TESTDB_STORAGE);
	snprintf(x->dir, sizeof(x->dir), "%s/backups", x->f->dir);
	snprintf(x->f->cfg.jobs.backup.path, sizeof(x->f->cfg.jobs.backup.path), "%s", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	testdb_close(x->f);
	free(x);
	return 0;
}

static struct testdb_job_result run(struct fixture *x, int max_steps)
{
	struct testdb_job_result r;

	testdb_run_job(x->f->db, &x->f->cfg, NULL, "backup", NULL, NOW, max_steps, &r);
	return r;
}

static void must_succeed(const struct testdb_job_result *r)
{
	if (r->rc != JOB_DONE)
		fail_msg("backup: rc %d: %s", r->rc, r->err.msg);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder's entries, sorted, joined by ','. */
static const char *listing(const char *dir)
{
	static char out[4096];
	char *names[64];
	int count = 0;
	struct dirent *entry;
	DIR *d = opendir(dir);

	out[0] = '\0';
	if (!d)
		return "(no folder)";
	while ((entry = readdir(d)) != NULL && count < 64)
		if (entry->d_name[0] != '.')
			names[count++] = strdup(entry->d_name);
	closedir(d);
	qsort(names, (size_t)count, sizeof(*names), compare_strings);
	for (int i = 0; i < count; i++) {
		size_t used = strlen(out);
		snprintf(out + used, sizeof(out) - used, "%s%s", i ? "," : "", names[i]);
		free(names[i]);
	}
	return out;
}

static void touch(const struct fixture *x, const char *name)
{
	char path[600];
	FILE *f;

	mkdir(x->dir, 0750);
	snprintf(path, sizeof(path), "%s/%s", x->dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("old copy\n", f);
	fclose(f);
}

/* Makes dir/name a non-empty directory: nothing can unlink or replace it. */
static void block_with_directory(const struct fixture *x, const char *name)
{
	char path[600];

	mkdir(x->dir, 0750);
	snprintf(path, sizeof(path), "%s/%s", x->dir, name);
	assert_int_equal(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/%s/keep", x->dir, name);
	fclose(fopen(path, "w"));
}

static void test_backup_copy_is_complete_and_self_contained(void **state)
{
	struct fixture *x = *state;
	struct testdb_job_result r = run(x, 0);
	char path[600];
	sqlite3 *copy;

	must_succeed(&r);
	assert_string_equal(listing(x->dir), OURS);
	assert_true(job_count_get(&r.ctx, "pages") > 0);
	assert_true(job_count_get(&r.ctx, "bytes") > 0);
	assert_int_equal(job_count_get(&r.ctx, "removed"), 0);
	snprintf(path, sizeof(path), "%s/" OURS, x->dir);
	assert_int_equal(sqlite3_open_v2(path, &copy, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(testdb_int(copy, "SELECT count(*) FROM users"),
			 testdb_int(x->f->db, "SELECT count(*) FROM users"));
	assert_int_equal(testdb_int(copy, "SELECT count(*) FROM properties"), 1);
	assert_int_equal(testdb_int(copy, "PRAGMA user_version"),
			 testdb_int(x->f->db, "PRAGMA user_version"));
	char *check = testdb_rows(copy, "PRAGMA integrity_check");
	assert_string_equal(check, "ok\n");
	free(check);
	/* One file: no -wal beside it is needed to read it. */
	char *mode = testdb_rows(copy, "PRAGMA journal_mode");
	assert_string_equal(mode, "delete\n");
	free(mode);
	sqlite3_close(copy);
}

static void test_backup_one_page_a_step_still_copies_everything(void **state)
{
	struct fixture *x = *state;
	struct testdb_job_result r;

	x->f->cfg.jobs.backup.r.batch_size = 1;
	r = run(x, 0);
	must_succeed(&r);
	assert_true(r.steps > job_count_get(&r.ctx, "pages"));
	assert_string_equal(listing(x->dir), OURS);
}

static void test_backup_keeps_newest_and_ignores_other_names(void **state)
{
	struct fixture *x = *state;
	static const char *const files[] = {
		"domecek-20251201T033000Z.db", "domecek-20251202T033000Z.db",
		"domecek-20251203T033000Z.db", "domecek-20251204T033000Z.db",
		"notes.txt", "domecek-2025.db", "domecek-20251201T033000Z.db.bak",
		"DOMECEK-20251201T033000Z.db", "domecek-20251201T0330000.db",
	};
	struct testdb_job_result r;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		touch(x, files[i]);
	x->f->cfg.jobs.backup.keep = 3;
	r = run(x, 0);
	must_succeed(&r);
	assert_int_equal(job_count_get(&r.ctx, "removed"), 2);
	assert_string_equal(listing(x->dir),
			    "DOMECEK-20251201T033000Z.db,domecek-2025.db,"
			    "domecek-20251201T0330000.db,domecek-20251201T033000Z.db.bak,"
			    "domecek-20251203T033000Z.db,domecek-20251204T033000Z.db,"
			    OURS ",notes.txt");
}

static void test_backup_keep_one_leaves_only_this_run(void **state)
{
	struct fixture *x = *state;
	struct testdb_job_result r;

	touch(x, "domecek-20251231T033000Z.db");
	x->f->cfg.jobs.backup.keep = 1;
	r = run(x, 0);
	must_succeed(&r);
	assert_int_equal(job_count_get(&r.ctx, "removed"), 1);
	assert_string_equal(listing(x->dir), OURS);
}

/* A clock set back must not make a run delete the copy it just made. */
static void test_backup_run_in_the_past_keeps_its_own_copy(void **state)
{
	struct fixture *x = *state;
	struct testdb_job_result r;

	touch(x, "domecek-20251231T033000Z.db");
	touch(x, "domecek-20270101T033000Z.db");
	x->f->cfg.jobs.backup.keep = 2;
	r = run(x, 0);
	must_succeed(&r);
	assert_string_equal(listing(x->dir), OURS ",domecek-20270101T033000Z.db");
}

static void test_backup_removes_tmp_of_older_runs_only(void **state)
{
	struct fixture *x = *state;
	struct testdb_job_result r;

	touch(x, "domecek-20251231T033000Z.db.tmp");
	touch(x, "domecek-20251231T033000Z.db.tmp-journal");
	touch(x, "domecek-20260102T033000Z.db.tmp");
	r = run(x, 0);
	must_succeed(&r);
	assert_int_equal(job_count_get(&r.ctx, "removed"), 0);
	assert_string_equal(listing(x->dir), OURS ",domecek-20260102T033000Z.db.tmp");
}

static void test_backup_stopped_midway_leaves_nothing(void **state)
{
	struct fixture *x = *state;
	struct testdb_job_result r;

	x->f->cfg.jobs.backup.r.batch_size = 1;
	r = run(x, 3); /* open, two pages */
	assert_int_equal(r.rc, JOB_AGAIN);
	assert_string_equal(listing(x->dir), "");
	r = run(x, 0); /* the next run starts over */
	must_succeed(&r);
	assert_string_equal(listing(x->dir), OURS);
}

/* Path pointed at the database's own folder, with the live file under a
 * backup's name: pruning must never take it. */
static void test_backup_never_removes_the_live_database(void **state)
{
	struct fixture *x = *state;
	struct testdb_job_result r;
	char live[600], link[600];

	snprintf(live, sizeof(live), "%s/app.db", x->f->dir);
	snprintf(link, sizeof(link), "%s/domecek-20200101T000000Z.db", x->dir);
	mkdir(x->dir, 0750);
	assert_int_equal(symlink(live, link), 0);
	x->f->cfg.jobs.backup.keep = 1;
	r = run(x, 0);
	must_succeed(&r);
	assert_string_equal(listing(x->dir), "domecek-20200101T000000Z.db," OURS);
}

static void test_backup_of_a_memory_database_is_refused(void **state)
{
	struct fixture *x = *state;
	struct testdb_job_result r;
	sqlite3 *memory;

	assert_int_equal(sqlite3_open(":memory:", &memory), SQLITE_OK);
	testdb_run_job(memory, &x->f->cfg, NULL, "backup", NULL, NOW, 0, &r);
	sqlite3_close(memory);
	assert_int_equal(r.rc, ERR_INVALID);
	assert_non_null(strstr(r.err.msg, "not a file"));
}

/* Each case puts something in the way and expects the error to say what. */
static void test_backup_errors_name_the_file(void **state)
{
	struct fixture *x = *state;
	static const struct {
		const char *blocker;   /* in the backup folder */
		int is_path_a_file;    /* Jobs.Backup.Path itself is a file */
		int many;              /* that many backup-named files */
		int code;
		const char *message;
	} cases[] = {
		{NULL, 1, 0, ERR_IO, "Jobs.Backup.Path"},
		{OURS ".tmp", 0, 0, 0, OURS ".tmp"},
		{OURS, 0, 0, ERR_IO, "rename"},
		{"domecek-20251231T033000Z.db", 0, 0, ERR_IO, "removing old backup"},
		{NULL, 0, 1025, ERR_TOOBIG, "more than 1024 backups"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct testdb_job_result r;
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->dir);
		assert_int_equal(system(cmd), 0);
		x->f->cfg.jobs.backup.keep = 1;
		if (cases[i].is_path_a_file) {
			FILE *f = fopen(x->dir, "w");
			fclose(f);
		}
		if (cases[i].blocker)
			block_with_directory(x, cases[i].blocker);
		for (int n = 0; n < cases[i].many; n++) {
			char name[64];
			snprintf(name, sizeof(name), "domecek-2025%04dT000000Z.db", n);
			touch(x, name);
		}
		r = run(x, 0);
		if (r.rc >= 0 || (cases[i].code && r.rc != cases[i].code) ||
		    !strstr(r.err.msg, cases[i].message))
			fail_msg("case %zu: rc %d, message '%s', expected %d '%s'", i, r.rc,
				 r.err.msg, cases[i].code, cases[i].message);
	}
	unlink(x->dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backup_copy_is_complete_and_self_contained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_one_page_a_step_still_copies_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_keeps_newest_and_ignores_other_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_keep_one_leaves_only_this_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_run_in_the_past_keeps_its_own_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_removes_tmp_of_older_runs_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_stopped_midway_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_never_removes_the_live_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_of_a_memory_database_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_errors_name_the_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
