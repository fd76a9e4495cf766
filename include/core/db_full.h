/*
 * db_full.h - the daemon's state when its database cannot be written.
 *
 * A full disk (SQLITE_FULL) or a failing one (SQLITE_IOERR) fails every
 * write; retried on every loop turn that is a core at 100 % and a log
 * line each millisecond. Instead the daemon enters this state on the
 * first such failure: it logs once, stops claiming and firing, and tries
 * one small probe write after a delay that doubles from 1 s to 60 s. A
 * cheap statvfs() each second of the database's folder cuts the wait
 * short when free space grows (someone deleted files), so work resumes
 * within a second or two of space returning. The first probe that
 * succeeds ends the state, logged once.
 */
#ifndef DOMECEK_DB_FULL_H
#define DOMECEK_DB_FULL_H

#include <sqlite3.h>
#include <stdint.h>

struct daemon_status;

#define DB_FULL_FIRST_DELAY_MS 1000
#define DB_FULL_MAX_DELAY_MS 60000
#define DB_FULL_SPACE_LOOK_MS 1000

struct db_full {
	int is_full;
	int delay_ms;		      /* the current backoff */
	int64_t probe_mono;	      /* next probe write */
	int64_t look_mono;	      /* next statvfs() */
	uint64_t free_bytes;	      /* free space when the state began */
	char dir[4096];		      /* the database's folder */
	struct daemon_status *status; /* shown by /health/jobs */
};

/* db_path: the database file (its folder is watched for free space). */
void db_full_init(struct db_full *f, const char *db_path,
		  struct daemon_status *status);

/* Does this error (an err code and its message) mean the database cannot
 * be written (disk full, I/O error)? */
int db_full_is_write_error(int code, const char *msg);

/* A write failed with such an error: enters the state (logged once, 1 is
 * returned) or pushes the next probe out (0). */
int db_full_enter(struct db_full *f, const char *error);

/* While in the state: 1 when work must still wait. When the probe is due
 * (or free space grew) it writes one row; success ends the state (logged
 * once; -1 is returned so the caller can announce it), failure doubles
 * the delay. */
int db_full_wait(struct db_full *f, sqlite3 *db);

/* Monotonic ms of the next look (the loop's deadline), or -1. */
int64_t db_full_deadline(const struct db_full *f);

#endif
