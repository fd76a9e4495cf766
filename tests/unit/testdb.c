/*
 * testdb.c - the one test database fixture of the unit tests (see
 * testdb.h): a temp dir with a migrated app.db, the household, storage,
 * a queue, the row helpers and the direct job runner.
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "testdb.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/fsutil.h"
#include "core/queue.h"
#include "db/db.h"
#include "demo/demo.h"
#include "jobs/registry.h"
#include "storage/storage.h"

#include <cjson/cJSON.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int testdb_tempdir(char *out, size_t n)
{
	const char *base = getenv("TMPDIR");
	int len;

	if (!base || !*base)
		base = "/tmp";
	len = snprintf(out, n, "%s/domecek-test-XXXXXX", base);
	if (len < 0 || (size_t)len >= n || !mkdtemp(out)) {
		fprintf(stderr, "testdb_tempdir: cannot create under %s\n",
			base);
		return -1;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void testdb_rmrf(const char *dir)
{
	if (dir && *dir)
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int testdb_household(sqlite3 *db)
{
	struct demo_user jana = {.id = TESTDB_JANA,
				 .email = "jana@example.cz",
				 .first_name = "Jana",
				 .last_name = "Nováková",
				 .created_at = TESTDB_EPOCH};
	struct demo_user tom = {.id = TESTDB_TOM,
				.email = "tom@example.com",
				.first_name = "Tom",
				.preferred_language = "en",
				.created_at = TESTDB_EPOCH};
	struct demo_project project = {.id = TESTDB_PROJECT,
				       .owner_id = TESTDB_JANA,
				       .name = "Rodina",
				       .created_at = TESTDB_EPOCH};
	struct demo_property property = {.id = TESTDB_PROPERTY,
					 .project_id = TESTDB_PROJECT,
					 .name = "Chalupa",
					 .created_at = TESTDB_EPOCH};
	struct err e = {0};

	if (demo_insert_user(db, &jana, &e) || demo_insert_user(db, &tom, &e) ||
	    demo_insert_project(db, &project, &e) ||
	    demo_insert_property(db, &property, &e)) {
		fprintf(stderr, "testdb_household: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* The database, migrated unless TESTDB_BARE. */
static int open_db(struct testdb *t, unsigned flags)
{
	struct db_options opt = {.create = 1};
	struct err e = {0};

	snprintf(t->path, sizeof(t->path), "%s/app.db", t->dir);
	if (db_open(t->path, &opt, &t->db, &e) ||
	    (!(flags & TESTDB_BARE) && db_migrate(t->db, NULL, NULL, &e))) {
		fprintf(stderr, "testdb: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int open_storage(struct testdb *t)
{
	struct err e = {0};

	snprintf(t->root, sizeof(t->root), "%s/storage", t->dir);
	if (mkdir(t->root, 0750) ||
	    storage_open_local(t->root, &t->storage, &e)) {
		fprintf(stderr, "testdb: storage %s: %s\n", t->root,
			e.msg[0] ? e.msg : "mkdir failed");
		return -1;
	}
	t->services.storage = t->storage;
	return 0;
}

int testdb_make(unsigned flags, struct testdb **out)
{
	struct testdb *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -1;
	config_defaults(&t->cfg);
	if (testdb_tempdir(t->dir, sizeof(t->dir))) {
		free(t);
		return -1;
	}
	if (open_db(t, flags) ||
	    ((flags & TESTDB_HOUSEHOLD) && testdb_household(t->db)) ||
	    ((flags & TESTDB_STORAGE) && open_storage(t))) {
		testdb_close(t);
		return -1;
	}
	*out = t;
	return 0;
}

struct testdb *testdb_open(unsigned flags)
{
	struct testdb *t = NULL;

	if (testdb_make(flags, &t))
		fail_msg("the test database could not be made (see stderr)");
	return t;
}

void testdb_close(struct testdb *t)
{
	if (!t)
		return;
	queue_free(t->q);
	storage_close(t->storage);
	db_close(t->db);
	testdb_rmrf(t->dir);
	free(t);
}

int testdb_setup(void **state)
{
	struct testdb *t = NULL;
	int rc = testdb_make(TESTDB_HOUSEHOLD, &t);

	*state = t;
	return rc;
}

int testdb_setup_queue(void **state)
{
	struct testdb *t = NULL;

	if (testdb_make(0, &t) || testdb_queue(t, job_registry)) {
		testdb_close(t);
		return -1;
	}
	*state = t;
	return 0;
}

int testdb_teardown(void **state)
{
	testdb_close(*state);
	return 0;
}

int testdb_queue(struct testdb *t, const struct job_type *const *types)
{
	struct err e = {0};

	if (queue_open(t->db, &t->cfg, types ? types : job_registry,
		       "testhost:1:aaaa", &t->q, &e)) {
		fprintf(stderr, "testdb_queue: %s\n", e.msg);
		return -1;
	}
	return 0;
}

int64_t testdb_enqueue(struct testdb *t, const char *type, const char *payload,
		       int priority, int64_t run_at)
{
	struct queue_enqueue_options opt = {.payload = payload,
					    .run_at = run_at};
	struct err e = {0};
	int64_t id = 0;

	if (priority) {
		opt.has_priority = 1;
		opt.priority = priority;
	}
	if (queue_enqueue(t->q, type, &opt, &id, NULL, &e))
		fail_msg("enqueue %s: %s", type, e.msg);
	return id;
}

sqlite3 *testdb_connect(const struct testdb *t)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(t->path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		fail_msg("testdb_connect: cannot open %s", t->path);
	}
	testdb_exec(db, "PRAGMA foreign_keys=ON");
	return db;
}

void testdb_exec(sqlite3 *db, const char *sql)
{
	char *message = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
		char copy[512];

		snprintf(copy, sizeof(copy), "%s",
			 message ? message : sqlite3_errmsg(db));
		sqlite3_free(message);
		fail_msg("%s: %s", sql, copy);
	}
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	return stmt;
}

/* Steps stmt once: 1 for a row, 0 when done; fails the test on error. */
static int step(sqlite3 *db, sqlite3_stmt *stmt, const char *sql)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	}
	return 0;
}

int64_t testdb_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = prepare(db, sql);
	int64_t value = -1;

	if (step(db, stmt, sql))
		value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

const char *testdb_text(sqlite3 *db, const char *sql)
{
	static char ring[4][4096];
	static unsigned next;
	char *out = ring[next++ % 4];
	sqlite3_stmt *stmt = prepare(db, sql);

	out[0] = '\0';
	if (step(db, stmt, sql)) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);

		snprintf(out, sizeof(ring[0]), "%s", text ? text : "NULL");
	}
	sqlite3_finalize(stmt);
	return out;
}

char *testdb_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = prepare(db, sql);
	struct buf out;

	buf_init(&out, 1 << 20);
	while (step(db, stmt, sql)) {
		for (int i = 0; i < sqlite3_column_count(stmt); i++) {
			const char *v =
			    (const char *)sqlite3_column_text(stmt, i);

			buf_printf(&out, "%s%s", i ? "|" : "", v ? v : "NULL");
		}
		buf_putc(&out, '\n');
	}
	sqlite3_finalize(stmt);
	return buf_steal(&out);
}

void testdb_put_file(const struct testdb *t, const char *key, const char *text)
{
	char path[1024], dir[1024];
	struct err e = {0};
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", t->root, key);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (fs_mkdirs(dir, 0750, &e))
		fail_msg("mkdir %s: %s", dir, e.msg);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

int testdb_has_file(const struct testdb *t, const char *key)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", t->root, key);
	return access(path, F_OK) == 0;
}

static int run_steps(const struct job_type *jt, int max_steps,
		     struct testdb_job_result *out)
{
	int rc = jt->start ? jt->start(&out->ctx, &out->err) : 0;

	while (rc == 0 || rc == JOB_AGAIN) {
		if (max_steps > 0 && out->steps >= max_steps)
			break;
		out->ctx.now = clock_now();
		out->ctx.pause_ms = 0;
		rc = jt->step(&out->ctx, &out->err);
		out->steps++;
		if (rc == JOB_DONE)
			break;
	}
	return rc;
}

void testdb_run_job(sqlite3 *db, const struct config *cfg,
		    struct services *services, const char *type,
		    const char *payload, int64_t now, int max_steps,
		    struct testdb_job_result *out)
{
	const struct job_type *jt = job_type_find(job_registry, type);
	cJSON *parsed = cJSON_Parse(payload ? payload : "{}");

	memset(out, 0, sizeof(*out));
	clock_fix(now);
	if (!jt || !parsed) {
		out->rc = err_set(&out->err, ERR_INVALID,
				  "no job type %s or bad payload", type);
		cJSON_Delete(parsed);
		return;
	}
	out->ctx.db = db;
	out->ctx.cfg = cfg;
	out->ctx.services = services;
	out->ctx.attempt = 1;
	out->ctx.payload = parsed;
	out->ctx.now = now;
	out->rc = run_steps(jt, max_steps, out);
	if (jt->finish)
		jt->finish(&out->ctx);
	out->ctx.state = NULL;
	out->ctx.payload = NULL;
	cJSON_Delete(parsed);
}
