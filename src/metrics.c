/*
 * metrics.c - counts of job runs by hour, in the database.
 *
 * One upsert per finished attempt; a row per (hour, job) keeps the table
 * small (24 x jobs rows a day) and is pruned with the schedule history.
 */
#include "metrics.h"
#include "clock.h"
#include "db.h"
#include "err.h"

int metrics_record_run(sqlite3 *db, const char *job, int is_success,
		       int64_t duration_ms, int64_t now, struct err *e)
{
	static const char sql[] =
		"INSERT INTO metrics_hourly (hour, job, succeeded, failed, duration_ms)\n"
		"VALUES (substr(?1, 1, 13), ?2, ?3, 1 - ?3, ?4)\n"
		"ON CONFLICT (hour, job) DO UPDATE SET\n"
		"    succeeded = succeeded + excluded.succeeded,\n"
		"    failed = failed + excluded.failed,\n"
		"    duration_ms = duration_ms + excluded.duration_ms";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	db_bind_time(stmt, 1, now);
	sqlite3_bind_text(stmt, 2, job, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, is_success ? 1 : 0);
	sqlite3_bind_int64(stmt, 4, duration_ms);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : db_error(db, rc, e, "recording metrics");
}
