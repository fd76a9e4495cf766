/*
 * tz.h - named IANA time zones (Europe/Prague, Australia/Sydney, ...) from
 * the system tzdata, for evaluating cron schedules in local time.
 *
 * Instants are int64 milliseconds since the epoch, UTC (clock.h). A local
 * wall-clock time is a struct tz_civil; the same wall-clock time may not
 * exist (spring-forward gap) or exist twice (fall-back overlap), which is
 * why tz_from_local() returns 0, 1 or 2 instants.
 *
 * Uses the process-wide TZ variable (see src/tz.c): single-threaded use
 * only, and localtime() elsewhere in the process sees the zone most
 * recently used here.
 */
#ifndef DOMECEK_TZ_H
#define DOMECEK_TZ_H

#include <stdint.h>

struct err;
struct tz;

#define TZ_ISO_LEN 26 /* "2026-03-29T03:00:00+02:00" + NUL */

/* A wall-clock time without zone. */
struct tz_civil {
	int year;   /* e.g. 2026 */
	int month;  /* 1-12 */
	int day;    /* 1-31 */
	int hour;   /* 0-23 */
	int minute; /* 0-59 */
	int second; /* 0-59 */
};

/* An instant seen in a zone. */
struct tz_local {
	struct tz_civil civil;
	int weekday;	/* 0 = Sunday .. 6 = Saturday */
	int offset;	/* seconds east of UTC, e.g. 7200 for +02:00 */
	int is_dst;	/* 1 in daylight-saving time */
	int64_t millis; /* 0-999, the part of the instant below a second */
};

/* Opens zone `name` ("Europe/Prague", "UTC"). NULL or "" is the system's
 * local zone (/etc/localtime; named after its target when it is a link
 * into the zoneinfo directory). Caller frees *out with tz_free().
 * Errors: ERR_INVALID for a name that is not a zone name (absolute path,
 * "..", odd characters), ERR_NOTFOUND for a zone the system tzdata does
 * not have, ERR_NOMEM. */
int tz_open(const char *name, struct tz **out, struct err *e);
void tz_free(struct tz *tz);
/* The zone's name as opened ("Europe/Prague"; "localtime" when the system
 * zone has no name). Owned by tz. */
const char *tz_name(const struct tz *tz);

/* Local time of instant utc_ms. Returns 0, or ERR_INVALID when the instant
 * is outside what the C library can represent. */
int tz_to_local(const struct tz *tz, int64_t utc_ms, struct tz_local *out);

/* Offset from UTC in seconds at instant utc_ms (0 on failure). */
int tz_offset(const struct tz *tz, int64_t utc_ms);

/* The instants (UTC ms, whole seconds) at which the wall clock shows
 * `local`. Returns their count: 1 normally; 2 in a fall-back overlap
 * (out[0] < out[1]: the earlier, daylight occurrence first); 0 in a
 * spring-forward gap, and then *gap_end_ms (if not NULL) is the instant
 * the gap ends, i.e. the first instant after it. Negative ERR_INVALID for
 * an impossible civil time (month 13, ...). Assumes, as every real zone
 * does, that transitions are more than two days apart. */
int tz_from_local(const struct tz *tz, const struct tz_civil *local,
		  int64_t out[2], int64_t *gap_end_ms);

/* 1 when the zone's UTC offset changes in (from_ms, from_ms + within_ms],
 * with *at_ms the first instant of the new offset; 0 when it does not.
 * Looks only at the two ends, so it assumes at most one change in the
 * span (keep within_ms at a day or two). */
int tz_next_change(const struct tz *tz, int64_t from_ms, int64_t within_ms,
		   int64_t *at_ms);

/* ISO-8601 with the zone's offset, seconds precision:
 * "2026-03-29T03:00:00+02:00". Returns out. */
char *tz_format(const struct tz *tz, int64_t utc_ms, char out[TZ_ISO_LEN]);

/* Calendar helpers (proleptic Gregorian, no zone), shared with cron. */
/* Days since 1970-01-01 of a civil date. */
int64_t tz_days_from_civil(int year, int month, int day);
/* The civil date of a day count since 1970-01-01. */
void tz_civil_from_days(int64_t days, int *year, int *month, int *day);
/* 28..31 */
int tz_days_in_month(int year, int month);
/* 0 = Sunday .. 6 = Saturday */
int tz_weekday(int year, int month, int day);

#endif
