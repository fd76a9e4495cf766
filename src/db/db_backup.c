/*
 * db_backup.c - a consistent copy of the live database under writers.
 *
 * The idea (db_backup.h): read the whole copy inside one read transaction
 * of a connection that nothing else uses, so no write by anybody makes
 * SQLite restart it. Only a sealed file ever has the final name.
 */
#include "db/db_backup.h"
#include "base/err.h"
#include "db/db.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct db_backup {
	sqlite3 *source, *dest;
	sqlite3_backup *copy;
	char tmp[PATH_MAX];
	int has_tmp; /* tmp is ours to remove */
};

static void remove_with_journal(const char *path)
{
	char journal[PATH_MAX + 16];

	unlink(path);
	snprintf(journal, sizeof(journal), "%s-journal", path);
	unlink(journal);
}

static int open_error(sqlite3 *db, int rc, const char *path, struct err *e)
{
	return err_set(e, rc == SQLITE_CANTOPEN ? ERR_IO : ERR_DB, "%s: %s",
		       path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/* The snapshot: a read transaction begins at the first read. */
static int begin_snapshot(struct db_backup *b, const char *path, int wait_ms,
			  struct err *e)
{
	int rc = sqlite3_open_v2(path, &b->source, SQLITE_OPEN_READONLY, NULL);

	if (rc != SQLITE_OK)
		return open_error(b->source, rc, path, e);
	sqlite3_busy_timeout(b->source, wait_ms > 0 ? wait_ms : 5000);
	return db_exec(b->source, "BEGIN; SELECT count(*) FROM sqlite_schema",
		       e);
}

int db_backup_begin(const char *source_path, const char *dest_tmp, int wait_ms,
		    struct db_backup **out, struct err *e)
{
	struct db_backup *b = calloc(1, sizeof(*b));
	int rc;

	*out = NULL;
	if (!b)
		return err_set(e, ERR_NOMEM, "out of memory");
	snprintf(b->tmp, sizeof(b->tmp), "%s", dest_tmp);
	if ((rc = begin_snapshot(b, source_path, wait_ms, e)))
		goto fail;
	remove_with_journal(b->tmp); /* what an earlier run left */
	b->has_tmp = 1;
	rc = sqlite3_open_v2(b->tmp, &b->dest,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		rc = open_error(b->dest, rc, b->tmp, e);
		goto fail;
	}
	if (!(b->copy =
		  sqlite3_backup_init(b->dest, "main", b->source, "main"))) {
		rc = db_error(b->dest, sqlite3_errcode(b->dest), e, b->tmp);
		goto fail;
	}
	*out = b;
	return 0;
fail:
	db_backup_free(b);
	return rc;
}

int db_backup_step(struct db_backup *b, int pages, int *done, int *total,
		   struct err *e)
{
	int rc = sqlite3_backup_step(b->copy, pages);
	int all = sqlite3_backup_pagecount(b->copy);

	if (done)
		*done = all - sqlite3_backup_remaining(b->copy);
	if (total)
		*total = all;
	if (rc == SQLITE_OK)
		return 1;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return err_set(e, ERR_BUSY, "backup: the database is busy");
	if (rc != SQLITE_DONE)
		return db_error(b->dest, rc, e, b->tmp);
	rc = sqlite3_backup_finish(b->copy);
	b->copy = NULL;
	return rc == SQLITE_OK ? 0 : db_error(b->dest, rc, e, b->tmp);
}

static int fsync_path(const char *path, int flags, struct err *e)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		return err_set(e, saved == ENOSPC ? ERR_NOSPACE : ERR_IO,
			       "fsync %s: %s", path, strerror(saved));
	}
	close(fd);
	return 0;
}

int db_backup_seal(struct db_backup *b, const char *dest, int64_t *bytes,
		   struct err *e)
{
	char dir[PATH_MAX];
	struct stat st;
	int rc;

	/* The copy carries the live file's WAL mark; a rollback journal
	 * makes it one file that cp, scp or a USB stick copy safely. */
	if ((rc = db_exec(b->dest, "PRAGMA journal_mode=DELETE", e)))
		return rc;
	rc = sqlite3_close(b->dest);
	b->dest = NULL;
	if (rc != SQLITE_OK)
		return err_set(e, ERR_IO, "closing %s: %s", b->tmp,
			       sqlite3_errstr(rc));
	/* The copy holds everything the live file does: not for others. */
	chmod(b->tmp, 0640);
	if ((rc = fsync_path(b->tmp, O_RDONLY, e)))
		return rc;
	if (rename(b->tmp, dest) != 0)
		return err_set(e, errno == ENOSPC ? ERR_NOSPACE : ERR_IO,
			       "rename %s to %s: %s", b->tmp, dest,
			       strerror(errno));
	b->has_tmp = 0;
	snprintf(dir, sizeof(dir), "%s", dest);
	if ((rc = fsync_path(dirname(dir), O_RDONLY | O_DIRECTORY, e)))
		return rc;
	if (bytes)
		*bytes = stat(dest, &st) == 0 ? (int64_t)st.st_size : 0;
	return 0;
}

void db_backup_free(struct db_backup *b)
{
	if (!b)
		return;
	if (b->copy)
		sqlite3_backup_finish(b->copy);
	if (b->dest)
		sqlite3_close(b->dest);
	if (b->source) {
		sqlite3_exec(b->source, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(b->source);
	}
	if (b->has_tmp)
		remove_with_journal(b->tmp);
	free(b);
}
