/*
 * db.h - opening the one SQLite file, its pragmas and migrations.
 *
 * Every connection gets WAL, foreign_keys=ON, busy_timeout and the
 * configured synchronous level. The schema version is PRAGMA user_version;
 * the schema_version table keeps when each migration was applied. All
 * pending migrations run in one transaction: a failure leaves the file as
 * it was. A database newer than this binary is refused, never touched.
 */
#ifndef DOMECEK_DB_H
#define DOMECEK_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct err;

struct db_options {
	int busy_timeout_ms;  /* 0: 5000 */
	int synchronous_full; /* 1: FULL, 0: NORMAL */
	int read_only;	    /* open without write access (status, jobs list) */
	int create;	    /* create the file if missing (migrate, run) */
	int max_page_count; /* 0: no cap; else PRAGMA max_page_count, so a
			     * test can fill the database (SQLITE_FULL ->
			     * ERR_NOSPACE) without filling a disk */
};

/* Opens path with the pragmas applied; *out is NULL on error. Errors say
 * which file and why: missing directory, not writable, not a database. */
int db_open(const char *path, const struct db_options *opt, sqlite3 **out,
	    struct err *e);
/* Closes; finalizes nothing the caller still holds (caller's duty). */
void db_close(sqlite3 *db);

/* The newest schema version this binary knows. */
int db_latest_version(void);
/* Current version of an open database (PRAGMA user_version). */
int db_version(sqlite3 *db, int *version, struct err *e);
/* Applies all pending migrations in one transaction. from/to may be NULL. */
int db_migrate(sqlite3 *db, int *from, int *to, struct err *e);
/* 0 when the database is at the binary's version; otherwise a clear error
 * telling the user to run `migrate` (older) or upgrade (newer). */
int db_check_version(sqlite3 *db, struct err *e);

/* Turns a SQLite result into our error: BUSY/LOCKED -> ERR_BUSY,
 * FULL -> ERR_NOSPACE, others ERR_DB, with "what: sqlite message". */
int db_error(sqlite3 *db, int rc, struct err *e, const char *what);

int db_exec(sqlite3 *db, const char *sql, struct err *e);
/* BEGIN IMMEDIATE: takes the write lock now, so a busy database is
 * reported here (ERR_BUSY) and not half-way through the batch. */
int db_begin(sqlite3 *db, struct err *e);
int db_commit(sqlite3 *db, struct err *e);
/* Rolls back if a transaction is open; safe to call on any path. */
void db_rollback(sqlite3 *db);

/* Prepares a statement (caller finalizes); errors name the statement. */
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out, struct err *e);
/* The shape of every cleanup batch: a statement whose ?1 is a time (ms,
 * bound as text) and ?2 a row limit, prepared once when a job run starts
 * (db_batch_prepare), run once per step, finalized when the run ends.
 * what names it in errors ("deleting old activities"). */
struct db_batch {
	sqlite3_stmt *stmt;
	const char *what;
};
int db_batch_prepare(sqlite3 *db, const char *sql, const char *what,
		     struct db_batch *b, struct err *e);
/* Runs the batch to its end with (cutoff, limit). A write runs in its own
 * short BEGIN IMMEDIATE ... COMMIT (rolled back on error) and sets
 * *changes to the rows it changed; a read (is_write 0: a read-ahead that
 * brings the batch's pages into the cache) runs outside any transaction
 * and sets *changes to 0. */
int db_batch_run(sqlite3 *db, struct db_batch *b, int64_t cutoff, int limit,
		 int is_write, int *changes, struct err *e);
/* NULL statement is a no-op; safe after a failed prepare. */
void db_batch_finalize(struct db_batch *b);

/* Binds a time (ms) as the data model's text timestamp. */
int db_bind_time(sqlite3_stmt *stmt, int index, int64_t ms);
/* Reads a text timestamp column; returns 0 and sets *ms, or ERR_INVALID
 * when it is NULL or not a time. */
int db_column_time(sqlite3_stmt *stmt, int column, int64_t *ms);

/* Small daemon-owned settings (jobs_settings table). get: ERR_NOTFOUND
 * when absent; value is copied into out (size bytes). */
int db_setting_get(sqlite3 *db, const char *key, char *out, size_t size,
		   struct err *e);
int db_setting_set(sqlite3 *db, const char *key, const char *value,
		   struct err *e);

#endif
