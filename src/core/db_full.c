/*
 * db_full.c - backing off while the database cannot be written.
 *
 * The idea is in db_full.h. The probe is the smallest real write that
 * must grow the WAL like a claim does: one jobs_settings row, committed.
 * Log lines: db.full once on entering, db.writable once on leaving,
 * nothing in between however long it lasts.
 */
#include "core/db_full.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/status.h"
#include "db/db.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

static uint64_t free_bytes(const char *dir)
{
	struct statvfs st;

	if (statvfs(dir, &st) != 0)
		return 0;
	return (uint64_t)st.f_bavail * st.f_frsize;
}

void db_full_init(struct db_full *f, const char *db_path,
		  struct daemon_status *status)
{
	char copy[sizeof(f->dir)];

	memset(f, 0, sizeof(*f));
	snprintf(copy, sizeof(copy), "%s", db_path);
	snprintf(f->dir, sizeof(f->dir), "%s", dirname(copy));
	f->status = status;
}

int db_full_is_write_error(int code, const char *msg)
{
	/* db_error() maps SQLITE_FULL to ERR_NOSPACE; SQLITE_IOERR stays
	 * ERR_DB with SQLite's "disk I/O error" (the connection's own error
	 * code is gone by now: the rollback after it succeeded). */
	return code == ERR_NOSPACE ||
	       (code == ERR_DB && msg && strstr(msg, "disk I/O error"));
}

int db_full_enter(struct db_full *f, const char *error)
{
	int64_t now = clock_mono();

	if (f->is_full) {
		f->probe_mono = now + f->delay_ms;
		return 0;
	}
	f->is_full = 1;
	f->delay_ms = DB_FULL_FIRST_DELAY_MS;
	f->probe_mono = now + f->delay_ms;
	f->look_mono = now + DB_FULL_SPACE_LOOK_MS;
	f->free_bytes = free_bytes(f->dir);
	if (f->status) {
		f->status->is_database_full = 1;
		f->status->database_full_since = clock_now();
		snprintf(f->status->database_full_error,
			 sizeof(f->status->database_full_error), "%s", error);
	}
	log_event(LOG_ERROR, "db.full", "error", error, "action",
		  "no job is claimed or fired until a write succeeds; tried "
		  "again after 1 s, doubling up to 60 s, at once when free "
		  "space grows",
		  (char *)NULL);
	return 1;
}

static void leave(struct db_full *f)
{
	char seconds[24];

	snprintf(seconds, sizeof(seconds), "%lld",
		 f->status ? (long long)(clock_now() -
					 f->status->database_full_since) /
				 1000
			   : 0LL);
	f->is_full = 0;
	if (f->status)
		f->status->is_database_full = 0;
	log_event(LOG_INFO, "db.writable", "after_s", seconds, "action",
		  "jobs resume", (char *)NULL);
}

/* Has free space grown since the state began? Looked at once a second. */
static int space_returned(struct db_full *f, int64_t now)
{
	if (now < f->look_mono)
		return 0;
	f->look_mono = now + DB_FULL_SPACE_LOOK_MS;
	return free_bytes(f->dir) > f->free_bytes;
}

int db_full_wait(struct db_full *f, sqlite3 *db)
{
	int64_t now = clock_mono();
	char stamp[CLOCK_ISO_LEN];
	struct err e = {0};
	int rc;

	if (!f->is_full)
		return 0;
	if (now < f->probe_mono && !space_returned(f, now))
		return 1;
	rc = db_setting_set(db, "db_full.probe",
			    clock_format(clock_now(), stamp), &e);
	if (rc == 0) {
		leave(f);
		return -1;
	}
	f->free_bytes = free_bytes(f->dir); /* grow from here */
	if (rc != ERR_BUSY && f->delay_ms < DB_FULL_MAX_DELAY_MS)
		f->delay_ms = f->delay_ms * 2 > DB_FULL_MAX_DELAY_MS
				  ? DB_FULL_MAX_DELAY_MS
				  : f->delay_ms * 2;
	f->probe_mono = now + f->delay_ms;
	return 1;
}

int64_t db_full_deadline(const struct db_full *f)
{
	if (!f->is_full)
		return -1;
	return f->probe_mono < f->look_mono ? f->probe_mono : f->look_mono;
}
