/*
 * db.c - opening the one SQLite file, its pragmas and migrations.
 *
 * The daemon, the CLI and the app's own API all open this file, so every
 * open sets the same pragmas and every write transaction starts with
 * BEGIN IMMEDIATE: the lock is taken up front, and a busy database is a
 * clean ERR_BUSY to retry rather than a failure half-way through a batch.
 * A new file gets auto_vacuum=INCREMENTAL before its first table, so the
 * cleanups can give pages back to a small SD card.
 */
#include "db/db.h"
#include "base/clock.h"
#include "db/db_schema.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int db_error(sqlite3 *db, int rc, struct err *e, const char *what)
{
	int primary = rc & 0xff;
	const char *message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
		return err_set(e, ERR_BUSY, "%s: database is busy (%s)", what,
			       message);
	if (primary == SQLITE_FULL)
		return err_set(e, ERR_NOSPACE, "%s: disk or database full (%s)",
			       what, message);
	if (primary == SQLITE_READONLY)
		return err_set(e, ERR_IO,
			       "%s: the database cannot be written here: this "
			       "user may not write the file or its directory, "
			       "where SQLite keeps the -wal and -shm files "
			       "(check the permissions)",
			       what);
	if (primary == SQLITE_CANTOPEN || primary == SQLITE_PERM)
		return err_set(e, ERR_IO, "%s: %s", what, message);
	/* A file that is not ours is a failure (exit 1), not a usage error. */
	if (primary == SQLITE_NOTADB)
		return err_set(e, ERR_DB, "%s: file is not a SQLite database",
			       what);
	return err_set(e, ERR_DB, "%s: %s", what, message);
}

int db_exec(sqlite3 *db, const char *sql, struct err *e)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_error(db, rc, e, sql);
}

int db_begin(sqlite3 *db, struct err *e)
{
	return db_exec(db, "BEGIN IMMEDIATE", e);
}

int db_commit(sqlite3 *db, struct err *e)
{
	int rc = db_exec(db, "COMMIT", e);

	if (rc)
		db_rollback(db);
	return rc;
}

void db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out, struct err *e)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, 0, out, NULL);

	if (rc == SQLITE_OK)
		return 0;
	*out = NULL;
	return db_error(db, rc, e, "preparing a statement");
}

int db_batch_prepare(sqlite3 *db, const char *sql, const char *what,
		     struct db_batch *b, struct err *e)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				    &b->stmt, NULL);

	b->what = what;
	return rc == SQLITE_OK ? 0 : db_error(db, rc, e, what);
}

int db_batch_run(sqlite3 *db, struct db_batch *b, int64_t cutoff, int limit,
		 int is_write, int *changes, struct err *e)
{
	int rc;

	*changes = 0;
	if (is_write && (rc = db_begin(db, e)))
		return rc;
	db_bind_time(b->stmt, 1, cutoff);
	sqlite3_bind_int(b->stmt, 2, limit);
	while ((rc = sqlite3_step(b->stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		rc = db_error(db, rc, e, b->what); /* before reset clears it */
	else
		rc = 0;
	sqlite3_reset(b->stmt);
	if (rc)
		goto fail;
	if (!is_write)
		return 0;
	*changes = sqlite3_changes(db);
	if ((rc = db_commit(db, e)))
		goto fail;
	return 0;
fail:
	*changes = 0;
	if (is_write)
		db_rollback(db);
	return rc;
}

void db_batch_finalize(struct db_batch *b)
{
	sqlite3_finalize(b->stmt);
	b->stmt = NULL;
}

int db_bind_time(sqlite3_stmt *stmt, int index, int64_t ms)
{
	char text[CLOCK_ISO_LEN];

	clock_format(ms, text);
	return sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
}

int db_column_time(sqlite3_stmt *stmt, int column, int64_t *ms)
{
	const char *text = (const char *)sqlite3_column_text(stmt, column);

	if (!text)
		return ERR_INVALID;
	return clock_parse(text, ms, NULL);
}

static int check_directory(const char *path, struct err *e)
{
	char copy[4096];
	struct stat st;
	const char *dir;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) != 0)
		return err_set(e, ERR_IO,
			       "database %s: directory %s does not exist "
			       "(create it, or set Database.Path / --db)",
			       path, dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_IO, "database %s: %s is not a directory",
			       path, dir);
	return 0;
}

static int apply_pragmas(sqlite3 *db, const char *path,
			 const struct db_options *opt, struct err *e)
{
	char sql[128];
	sqlite3_stmt *stmt = NULL;
	int rc, page_count = 0;

	sqlite3_busy_timeout(db, opt->busy_timeout_ms ? opt->busy_timeout_ms
						      : 5000);
	/* Reading the page count is the first real access: a file that is not
	 * a database fails here with SQLITE_NOTADB. */
	rc = sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &stmt, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		page_count = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return db_error(db, rc, e, path);
	if (page_count == 0 && !opt->read_only &&
	    (rc = db_exec(db, "PRAGMA auto_vacuum=INCREMENTAL", e)))
		return err_prefix(e, "database %s", path);
	if (!opt->read_only && (rc = db_exec(db, "PRAGMA journal_mode=WAL", e)))
		return err_prefix(e, "database %s", path);
	/* 16 MB of page cache: a cleanup batch of 1,000 rows dirties pages
	 * all over the UUID primary-key index; with the 2 MB default they
	 * spill to the WAL mid-transaction and the write lock is held longer.
	 */
	snprintf(
	    sql, sizeof(sql),
	    "PRAGMA foreign_keys=ON; PRAGMA synchronous=%s; PRAGMA cache_size=-16384",
	    opt->synchronous_full ? "FULL" : "NORMAL");
	if ((rc = db_exec(db, sql, e)))
		return err_prefix(e, "database %s", path);
	if (opt->max_page_count > 0) {
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%d",
			 opt->max_page_count);
		if ((rc = db_exec(db, sql, e)))
			return err_prefix(e, "database %s", path);
	}
	return 0;
}

/* The database holds the link signing key and the sessions: a new file
 * is made 0600 before SQLite opens it (SQLite would make it 0644 under
 * the usual umask), and SQLite gives its -wal and -shm files the mode of
 * the database file. An existing file keeps the mode it has. */
static int create_private(const char *path, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0)
		return close(fd), 0;
	if (errno == EEXIST)
		return 0;
	return err_set(e, ERR_IO, "database %s: cannot create: %s", path,
		       strerror(errno));
}

int db_open(const char *path, const struct db_options *opt, sqlite3 **out,
	    struct err *e)
{
	struct db_options defaults = {0};
	sqlite3 *db = NULL;
	struct stat st;
	int flags, rc;

	*out = NULL;
	if (!opt)
		opt = &defaults;
	if ((rc = check_directory(path, e)))
		return rc;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return err_set(e, ERR_IO,
			       "database %s is a directory, not a database "
			       "file (give a file's path to --db or "
			       "Database.Path)",
			       path);
	if (!opt->create && access(path, F_OK) != 0)
		return err_set(e, ERR_NOTFOUND,
			       "database %s does not exist (run "
			       "`domecek-jobs migrate` to create it)",
			       path);
	flags = opt->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (opt->create && !opt->read_only) {
		if ((rc = create_private(path, e)))
			return rc;
		flags |= SQLITE_OPEN_CREATE;
	}
	rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = err_set(e, ERR_IO, "database %s: cannot open (%s)", path,
			     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (!opt->read_only && sqlite3_db_readonly(db, "main") == 1) {
		rc = err_set(e, ERR_IO,
			     "database %s: is read-only for this user "
			     "(check the file's and directory's permissions)",
			     path);
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	if ((rc = apply_pragmas(db, path, opt, e)))
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close_v2(db);
	return rc;
}

void db_close(sqlite3 *db)
{
	if (db)
		sqlite3_close_v2(db);
}

int db_latest_version(void)
{
	int latest = 0;

	for (const struct migration *m = db_migrations; m->version; m++)
		latest = m->version;
	return latest;
}

int db_version(sqlite3 *db, int *version, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*version = sqlite3_column_int(stmt, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_OK
		   ? 0
		   : db_error(db, rc, e, "reading the schema version");
}

static int newer_error(int version, struct err *e)
{
	return err_set(
	    e, ERR_CONFLICT,
	    "database schema version %d is newer than "
	    "this domecek-jobs knows (%d): upgrade domecek-jobs; the "
	    "database was not changed",
	    version, db_latest_version());
}

static int record_migration(sqlite3 *db, const struct migration *m,
			    struct err *e)
{
	static const char sql[] =
	    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)";
	sqlite3_stmt *stmt;
	char set_version[64];
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_int(stmt, 1, m->version);
	sqlite3_bind_text(stmt, 2, m->name, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, clock_now());
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return db_error(db, rc, e, "recording the migration");
	snprintf(set_version, sizeof(set_version), "PRAGMA user_version=%d",
		 m->version);
	return db_exec(db, set_version, e);
}

int db_migrate(sqlite3 *db, int *from, int *to, struct err *e)
{
	int version, rc;

	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = db_version(db, &version, e)))
		goto fail;
	if (from)
		*from = version;
	if (version > db_latest_version()) {
		rc = newer_error(version, e);
		goto fail;
	}
	rc = db_exec(
	    db,
	    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
	    e);
	for (const struct migration *m = db_migrations; !rc && m->version;
	     m++) {
		if (m->version <= version)
			continue;
		if ((rc = db_exec(db, m->sql, e)) != 0) {
			err_prefix(e, "migration %s", m->name);
			break;
		}
		rc = record_migration(db, m, e);
		version = m->version;
	}
	if (rc)
		goto fail;
	if (to)
		*to = version;
	return db_commit(db, e);
fail:
	db_rollback(db);
	return rc;
}

int db_check_version(sqlite3 *db, struct err *e)
{
	int version, rc;

	if ((rc = db_version(db, &version, e)))
		return rc;
	if (version > db_latest_version())
		return newer_error(version, e);
	if (version < db_latest_version())
		return err_set(
		    e, ERR_CONFLICT,
		    "database schema version %d is older "
		    "than this domecek-jobs (%d): run `domecek-jobs migrate`",
		    version, db_latest_version());
	return 0;
}

int db_setting_get(sqlite3 *db, const char *key, char *out, size_t size,
		   struct err *e)
{
	static const char sql[] =
	    "SELECT value FROM jobs_settings WHERE key = ?";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		snprintf(out, size, "%s",
			 (const char *)sqlite3_column_text(stmt, 0));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "setting %s is not set", key);
	} else {
		rc = db_error(db, rc, e, "reading a setting");
	}
	sqlite3_finalize(stmt);
	return rc;
}

int db_setting_set(sqlite3 *db, const char *key, const char *value,
		   struct err *e)
{
	static const char sql[] =
	    "INSERT INTO jobs_settings (key, value, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at = ?3";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, clock_now());
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : db_error(db, rc, e, "saving a setting");
}
