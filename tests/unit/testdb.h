/*
 * testdb.h - the one test database fixture of the unit tests.
 *
 * What it is for: a test that needs tables gets a real SQLite file in a
 * fresh temp directory, opened by db_open() with the daemon's pragmas
 * (WAL, foreign keys, busy timeout, ...) and migrated by db_migrate(),
 * plus what the test asks for: with flags the household rows and a local
 * storage root, with testdb_queue() a queue. testdb_close() removes the
 * directory. The row
 * helpers read and write that database; testdb_run_job() runs one job
 * type against it. No test keeps its own copy of any of this.
 *
 *   struct testdb *t = testdb_open(TESTDB_HOUSEHOLD);  (in a test body)
 *   cmocka_unit_test_setup_teardown(test, testdb_setup, testdb_teardown)
 *
 * The household: users TESTDB_JANA (cs, jana@example.cz) and TESTDB_TOM
 * (en, tom@example.com), project TESTDB_PROJECT "Rodina" owned by Jana,
 * property TESTDB_PROPERTY "Chalupa" in it, all created at TESTDB_EPOCH.
 */
#ifndef DOMECEK_TESTDB_H
#define DOMECEK_TESTDB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "config/config.h"
#include "core/job.h"
#include "core/services.h"

struct queue;
struct storage;

#define TESTDB_JANA "00000000-0000-4000-8000-00000000000a"
#define TESTDB_TOM "00000000-0000-4000-8000-00000000000b"
#define TESTDB_PROJECT "00000000-0000-4000-8000-0000000000c1"
#define TESTDB_PROPERTY "00000000-0000-4000-8000-0000000000d1"
#define TESTDB_EPOCH INT64_C(1767225600000) /* 2026-01-01T00:00:00.000Z */
/* The instant the cleanup and sync job tests run at. */
#define TESTDB_NOW INT64_C(1795898717000) /* 2026-11-28T20:45:17.000Z */

enum testdb_flags {
	TESTDB_BARE = 1 << 0,	   /* no migration: an empty app.db */
	TESTDB_HOUSEHOLD = 1 << 1, /* the household rows above */
	TESTDB_STORAGE = 1 << 2,   /* a local storage root, in services */
};

struct testdb {
	char dir[256];	/* the temp dir; testdb_close removes it */
	char path[300]; /* dir/app.db */
	char root[300]; /* dir/storage (TESTDB_STORAGE) */
	sqlite3 *db;
	struct config cfg;	 /* config_defaults(), for the test to change */
	struct storage *storage; /* TESTDB_STORAGE, else NULL */
	struct services services; /* .storage = storage */
	struct queue *q;	  /* testdb_queue(), else NULL */
};

/* Makes the fixture. 0, or -1 with the reason on stderr and nothing left
 * behind (for cmocka setup functions, which report by returning). */
int testdb_make(unsigned flags, struct testdb **out);
/* The same, failing the test on error. */
struct testdb *testdb_open(unsigned flags);
/* Frees the queue, closes, removes the directory; NULL is a no-op. */
void testdb_close(struct testdb *t);
/* cmocka setup/teardown: *state = a migrated database with the household. */
int testdb_setup(void **state);
int testdb_teardown(void **state);
/* cmocka setup: *state = a migrated database (no household) with t->q on
 * job_registry. */
int testdb_setup_queue(void **state);

/* t->q = queue_open() over types (job_registry when NULL) as the host
 * "testhost:1:aaaa". 0, or -1 with the reason on stderr. */
int testdb_queue(struct testdb *t, const struct job_type *const *types);
/* Enqueues a job on t->q with queue_enqueue(): priority 0 keeps the
 * type's, run_at 0 is now. Fails the test on error; returns the job id. */
int64_t testdb_enqueue(struct testdb *t, const char *type, const char *payload,
		       int priority, int64_t run_at);
/* Another connection to t's file, as a second process has it: plain
 * sqlite3_open_v2 with foreign keys on. Fails the test on error. */
sqlite3 *testdb_connect(const struct testdb *t);

/* Fresh directory under $TMPDIR (or /tmp) into out[n], for tests that
 * need files but no database: 0, or -1 with a message on stderr. */
int testdb_tempdir(char *out, size_t n);
/* Removes dir and everything below it; NULL or "" is a no-op. */
void testdb_rmrf(const char *dir);

/* Row helpers; a statement that does not prepare or run fails the test. */
/* Runs sql (several statements allowed). */
void testdb_exec(sqlite3 *db, const char *sql);
/* The first column of the first row as an integer; -1 without rows. */
int64_t testdb_int(sqlite3 *db, const char *sql);
/* The same as text: "" without rows, "NULL" for NULL. The buffer is one
 * of four reused in turn, so four results can be compared at once. */
const char *testdb_text(sqlite3 *db, const char *sql);
/* Every row, columns joined by '|', rows ended by '\n'; caller frees. */
char *testdb_rows(sqlite3 *db, const char *sql);
/* Inserts the household (above) into db. 0, or -1 with the error on
 * stderr. */
int testdb_household(sqlite3 *db);

/* Writes text into the storage root at key, creating directories. */
void testdb_put_file(const struct testdb *t, const char *key, const char *text);
/* 1 when the storage root holds key. */
int testdb_has_file(const struct testdb *t, const char *key);

/* Running one job type directly: start, steps until done (pauses
 * skipped), finish, with the clock fixed at now. */
struct testdb_job_result {
	int rc;		    /* JOB_DONE, or the negative error code */
	int steps;	    /* step() calls made */
	struct err err;	    /* the error, when rc < 0 */
	struct job_ctx ctx; /* counters after the run (state is gone) */
};
/* Runs `type` with payload (NULL = {}). max_steps > 0 stops after that
 * many steps (as if the daemon died there; finish() is still called, as
 * the runner does on release). Transfers that return JOB_WAIT are not
 * supported here. */
void testdb_run_job(sqlite3 *db, const struct config *cfg,
		    struct services *services, const char *type,
		    const char *payload, int64_t now, int max_steps,
		    struct testdb_job_result *out);

#endif
