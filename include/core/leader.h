/*
 * leader.h - which daemon leads on this database file.
 *
 * The leader runs the scheduler and claims jobs; a second daemon on the
 * same file stays on standby and takes over when the leader goes.
 *
 * The lease is an exclusive flock() on "<database>-leader". SQLite's WAL
 * mode only works between processes on one host (it shares memory), so a
 * host-local lock covers every case, and the kernel drops it the moment
 * its holder dies: no heartbeat writes to wear an SD card, no waiting out
 * a timeout after a crash. The leader_lease row records who holds it, for
 * `status` and the dashboard.
 *
 * An owner is "host:pid:nonce"; the nonce tells two lives of one pid apart.
 */
#ifndef DOMECEK_LEADER_H
#define DOMECEK_LEADER_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct err;

struct leader_info {
	char owner[128];
	char host[64];
	long pid;
	int64_t acquired_at;
	int64_t heartbeat_at;
};

/* Makes this process's owner id. */
void leader_owner_id(char *out, size_t size);
/* Is owner a process on this host that has exited (and not self)? */
int leader_owner_is_gone(const char *owner, const char *self);

/* Tries to take the lease on db_path without waiting. On success *lock_fd
 * is the held descriptor (close it to release) and the row is written;
 * otherwise *lock_fd is -1 and holder (may be NULL) tells who leads. */
int leader_try(sqlite3 *db, const char *db_path, const char *owner, int64_t now,
	       int *lock_fd, struct leader_info *holder, struct err *e);
/* Clean stop: deletes the row. The caller then closes the database and
 * only after it the lock descriptor, which ends the lease. */
void leader_release(sqlite3 *db, const char *owner);
/* Records that the leader is alive (done when it has worked anyway). */
int leader_heartbeat(sqlite3 *db, const char *owner, int64_t now,
		     struct err *e);
/* 1 when a daemon holds the lease on db_path now (restore refuses then). */
int leader_is_held(const char *db_path);
/* The recorded holder; ERR_NOTFOUND when there is none. */
int leader_read(sqlite3 *db, struct leader_info *out, struct err *e);

#endif
