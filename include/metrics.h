/*
 * metrics.h - counts of job runs, kept in the database by hour so that
 * the dashboard's charts and the Prometheus counters survive a restart.
 */
#ifndef DOMECEK_METRICS_H
#define DOMECEK_METRICS_H

#include <sqlite3.h>
#include <stdint.h>

struct err;

/* Adds one finished attempt of job type `job` to its hour. */
int metrics_record_run(sqlite3 *db, const char *job, int is_success,
		       int64_t duration_ms, int64_t now, struct err *e);

#endif
