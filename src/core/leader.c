/*
 * leader.c - which daemon leads on this database file.
 *
 * See leader.h for why the lease is an flock(). The row is bookkeeping:
 * written when the lock is won, deleted on a clean stop; a row whose
 * owner no longer runs is simply overwritten by the next leader.
 */
#include "core/leader.h"
#include "base/clock.h"
#include "db/db.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

void leader_owner_id(char *out, size_t size)
{
	char host[64] = "localhost";
	unsigned nonce = 0;

	gethostname(host, sizeof(host) - 1);
	host[strcspn(host, ":")] = '\0';
	if (getrandom(&nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		nonce = (unsigned)clock_mono();
	snprintf(out, size, "%s:%ld:%08x", host, (long)getpid(), nonce);
}

int leader_owner_is_gone(const char *owner, const char *self)
{
	char host[64], self_host[64];
	long pid;

	if (strcmp(owner, self) == 0)
		return 0;
	if (sscanf(owner, "%63[^:]:%ld:", host, &pid) != 2 ||
	    sscanf(self, "%63[^:]:", self_host) != 1 ||
	    strcmp(host, self_host) != 0)
		return 0;
	if (pid == (long)getpid())
		return 1; /* an earlier life of this pid: we are not it */
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int leader_read(sqlite3 *db, struct leader_info *out, struct err *e)
{
	static const char sql[] =
	    "SELECT owner, host, pid, acquired_at, heartbeat_at\n"
	    "FROM leader_lease WHERE id = 1";
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		snprintf(out->owner, sizeof(out->owner), "%s",
			 sqlite3_column_text(stmt, 0));
		snprintf(out->host, sizeof(out->host), "%s",
			 sqlite3_column_text(stmt, 1));
		out->pid = (long)sqlite3_column_int64(stmt, 2);
		db_column_time(stmt, 3, &out->acquired_at);
		db_column_time(stmt, 4, &out->heartbeat_at);
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return ERR_NOTFOUND;
	return rc == SQLITE_ROW
		   ? 0
		   : db_error(db, rc, e, "reading the leader lease");
}

static int record(sqlite3 *db, const char *owner, int64_t now, struct err *e)
{
	static const char sql[] =
	    "INSERT INTO leader_lease (id, owner, pid, host, acquired_at, heartbeat_at)\n"
	    "VALUES (1, ?1, ?2, ?3, ?4, ?4)\n"
	    "ON CONFLICT (id) DO UPDATE SET owner = excluded.owner,\n"
	    "    pid = excluded.pid, host = excluded.host,\n"
	    "    acquired_at = excluded.acquired_at, heartbeat_at = "
	    "excluded.heartbeat_at";
	char host[64] = "";
	sqlite3_stmt *stmt;
	int rc;

	sscanf(owner, "%63[^:]", host);
	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)getpid());
	sqlite3_bind_text(stmt, 3, host, -1, SQLITE_STATIC);
	db_bind_time(stmt, 4, now);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0
				 : db_error(db, rc, e, "recording the leader");
}

/* The lock lives on "<db>-leader" beside the -wal and -shm files, not on
 * the database itself: closing any descriptor of a file drops all of the
 * process's POSIX locks on it, which would pull SQLite's locks away. */
static int open_lock_file(const char *db_path, int flags)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s-leader", db_path);
	return open(path, flags | O_CLOEXEC, 0644);
}

int leader_try(sqlite3 *db, const char *db_path, const char *owner, int64_t now,
	       int *lock_fd, struct leader_info *holder, struct err *e)
{
	int fd = open_lock_file(db_path, O_RDWR | O_CREAT);
	int rc;

	*lock_fd = -1;
	if (fd < 0)
		return err_set(e, ERR_IO, "lock file %s-leader: %s", db_path,
			       strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;
		close(fd);
		if (saved != EWOULDBLOCK)
			return err_set(e, ERR_IO, "locking %s: %s", db_path,
				       strerror(saved));
		if (holder && leader_read(db, holder, NULL) != 0)
			memset(holder, 0, sizeof(*holder));
		return 0;
	}
	if ((rc = record(db, owner, now, e))) {
		close(fd);
		return rc;
	}
	*lock_fd = fd;
	if (holder)
		leader_read(db, holder, NULL);
	return 0;
}

void leader_release(sqlite3 *db, const char *owner)
{
	static const char sql[] =
	    "DELETE FROM leader_lease WHERE id = 1 AND owner = ?1";
	sqlite3_stmt *stmt;

	if (db_prepare(db, sql, &stmt, NULL) == 0) {
		sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC);
		sqlite3_step(stmt);
		sqlite3_finalize(stmt);
	}
}

int leader_heartbeat(sqlite3 *db, const char *owner, int64_t now, struct err *e)
{
	static const char sql[] =
	    "UPDATE leader_lease SET heartbeat_at = ?2 WHERE id = 1 AND owner = ?1";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 2, now);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0
				 : db_error(db, rc, e, "recording a heartbeat");
}

int leader_is_held(const char *db_path)
{
	int fd = open_lock_file(db_path, O_RDONLY);
	int is_held;

	if (fd < 0)
		return 0;
	is_held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return is_held;
}
