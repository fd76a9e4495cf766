/*
 * tz.c - IANA time zones on top of the C library's own tzdata reader.
 *
 * Why glibc and not our own TZif reader: glibc already parses TZif v1-v3
 * and the POSIX rule in the file's footer, which slim tzdata builds rely on
 * for every date after the last listed transition; re-implementing both is
 * a few hundred lines of date arithmetic that would need its own tests. The
 * price is process-wide state, acceptable because the daemon is single
 * threaded and evaluates every schedule in one zone (Scheduler.TimeZone):
 *
 *   - the TZ environment variable, set to the zone in use;
 *   - tz_active below, the TZ value we last activated, so that switching
 *     (setenv + tzset, which re-reads the file) happens only when a call
 *     uses a different zone than the previous call. Nothing is restored.
 *
 * Going back from local time to UTC does not use mktime(), whose handling
 * of gaps and overlaps depends on tm_isdst guesses: tz_from_local() tries
 * the offsets in force a day before and a day after, keeps the candidates
 * that round-trip, and for a gap binary-searches the transition instant.
 */
#include "base/tz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"

#define TZ_NAME_MAX 200
#define SECONDS_PER_DAY INT64_C(86400)

struct tz {
	char *name;  /* "Europe/Prague" */
	char *value; /* what TZ is set to: ":Europe/Prague", "UTC0" */
};

/* The TZ value currently in effect (see the file comment). */
static char tz_active[TZ_NAME_MAX + 32];

static void tz_activate(const struct tz *tz)
{
	if (strcmp(tz_active, tz->value) == 0)
		return;
	setenv("TZ", tz->value, 1);
	tzset();
	snprintf(tz_active, sizeof(tz_active), "%s", tz->value);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t tz_days_from_civil(int year, int month, int day)
{
	/* H. Hinnant's days_from_civil: eras of 400 years from 0000-03-01. */
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t days, int *year, int *month, int *day)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)m;
	*year = (int)(yoe + era * 400 + (m <= 2));
}

int tz_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};
	int is_leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (month == 2)
		return 28 + is_leap;
	return days[(month - 1) % 12];
}

int tz_weekday(int year, int month, int day)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (tz_days_from_civil(year, month, day) + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

/* A zone name is a relative path inside the zoneinfo directory. */
static int tz_name_is_safe(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > TZ_NAME_MAX || name[0] == '/' || name[0] == '.')
		return 0;
	if (strstr(name, "..") != NULL || strstr(name, "//") != NULL)
		return 0;
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '/' || c == '_' ||
		      c == '-' || c == '+'))
			return 0;
	}
	return 1;
}

/* 1 when path is a TZif file (a directory or a stray file is not a zone). */
static int tz_file_is_tzif(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;
	if (fd < 0)
		return 0;
	got = read(fd, magic, sizeof(magic));
	close(fd);
	return got == 4 && memcmp(magic, "TZif", 4) == 0;
}

static const char *tz_dir(void)
{
	const char *dir = getenv("TZDIR");
	return dir && *dir ? dir : "/usr/share/zoneinfo";
}

static int tz_make(const char *name, const char *value, struct tz **out,
		   struct err *e)
{
	struct tz *tz = calloc(1, sizeof(*tz));
	if (!tz)
		return err_set(e, ERR_NOMEM, "time zone %s: out of memory",
			       name);
	tz->name = strdup(name);
	tz->value = strdup(value);
	if (!tz->name || !tz->value) {
		tz_free(tz);
		return err_set(e, ERR_NOMEM, "time zone %s: out of memory",
			       name);
	}
	*out = tz;
	return 0;
}

static int tz_open_named(const char *name, struct tz **out, struct err *e)
{
	char path[TZ_NAME_MAX + 512];
	char value[TZ_NAME_MAX + 2];
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
		return tz_make(name, "UTC0", out, e); /* works without tzdata */
	if (!tz_name_is_safe(name))
		return err_set(e, ERR_INVALID,
			       "time zone \"%.*s\": not an IANA zone name "
			       "(expected e.g. Europe/Prague)",
			       TZ_NAME_MAX, name);
	snprintf(path, sizeof(path), "%s/%s", tz_dir(), name);
	if (!tz_file_is_tzif(path))
		return err_set(e, ERR_NOTFOUND,
			       "time zone \"%s\": unknown zone (no such zone "
			       "in %s; is tzdata installed?)",
			       name, tz_dir());
	snprintf(value, sizeof(value), ":%s", name);
	return tz_make(name, value, out, e);
}

static int tz_open_system(struct tz **out, struct err *e)
{
	char target[1024];
	ssize_t len = readlink("/etc/localtime", target, sizeof(target) - 1);
	if (len > 0) {
		const char *at;
		target[len] = '\0';
		at = strstr(target, "zoneinfo/");
		if (at && tz_name_is_safe(at + 9) &&
		    tz_open_named(at + 9, out, NULL) == 0)
			return 0;
	}
	if (tz_file_is_tzif("/etc/localtime"))
		return tz_make("localtime", ":/etc/localtime", out, e);
	return tz_make("UTC", "UTC0", out, e);
}

int tz_open(const char *name, struct tz **out, struct err *e)
{
	*out = NULL;
	if (name == NULL || *name == '\0')
		return tz_open_system(out, e);
	return tz_open_named(name, out, e);
}

void tz_free(struct tz *tz)
{
	if (!tz)
		return;
	free(tz->name);
	free(tz->value);
	free(tz);
}

const char *tz_name(const struct tz *tz)
{
	return tz->name;
}

static int tz_localtime(const struct tz *tz, int64_t seconds, struct tm *tm)
{
	time_t t = (time_t)seconds;
	tz_activate(tz);
	if ((int64_t)t != seconds || localtime_r(&t, tm) == NULL)
		return ERR_INVALID;
	return 0;
}

static int tz_offset_at(const struct tz *tz, int64_t seconds)
{
	struct tm tm;
	if (tz_localtime(tz, seconds, &tm) != 0)
		return 0;
	return (int)tm.tm_gmtoff;
}

int tz_to_local(const struct tz *tz, int64_t utc_ms, struct tz_local *out)
{
	struct tm tm;
	int64_t seconds = floor_div(utc_ms, 1000);
	if (tz_localtime(tz, seconds, &tm) != 0)
		return ERR_INVALID;
	out->civil.year = tm.tm_year + 1900;
	out->civil.month = tm.tm_mon + 1;
	out->civil.day = tm.tm_mday;
	out->civil.hour = tm.tm_hour;
	out->civil.minute = tm.tm_min;
	out->civil.second = tm.tm_sec;
	out->weekday = tm.tm_wday;
	out->offset = (int)tm.tm_gmtoff;
	out->is_dst = tm.tm_isdst > 0;
	out->millis = utc_ms - seconds * 1000;
	return 0;
}

int tz_offset(const struct tz *tz, int64_t utc_ms)
{
	return tz_offset_at(tz, floor_div(utc_ms, 1000));
}

static int tz_civil_is_valid(const struct tz_civil *c)
{
	return c->year >= -100000 && c->year <= 100000 && c->month >= 1 &&
	       c->month <= 12 && c->day >= 1 &&
	       c->day <= tz_days_in_month(c->year, c->month) && c->hour >= 0 &&
	       c->hour <= 23 && c->minute >= 0 && c->minute <= 59 &&
	       c->second >= 0 && c->second <= 59;
}

/* The first second at which the offset is no longer `before`, in (lo, hi]
 * where the offset at lo is `before` and at hi is not. */
static int64_t tz_find_transition(const struct tz *tz, int64_t lo, int64_t hi,
				  int before)
{
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (tz_offset_at(tz, mid) == before)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

int tz_from_local(const struct tz *tz, const struct tz_civil *local,
		  int64_t out[2], int64_t *gap_end_ms)
{
	int64_t wall, first, second;
	int before, after, count = 0;
	if (!tz_civil_is_valid(local))
		return ERR_INVALID;
	wall = tz_days_from_civil(local->year, local->month, local->day) *
		   SECONDS_PER_DAY +
	       local->hour * 3600 + local->minute * 60 + local->second;
	before = tz_offset_at(tz, wall - SECONDS_PER_DAY);
	after = tz_offset_at(tz, wall + SECONDS_PER_DAY);
	first = wall - before;
	second = wall - after;
	if (first > second) { /* fall back: the earlier instant first */
		int64_t swap = first;
		first = second;
		second = swap;
	}
	if (tz_offset_at(tz, first) == wall - first)
		out[count++] = first * 1000;
	if (second != first && tz_offset_at(tz, second) == wall - second)
		out[count++] = second * 1000;
	if (count == 0 && gap_end_ms) {
		if (after > before)
			*gap_end_ms =
			    tz_find_transition(tz, wall - after, wall - before,
					       before) *
			    1000;
		else /* not a real zone's shape; stay close to the wall time */
			*gap_end_ms = (wall - before) * 1000;
	}
	return count;
}

int tz_next_change(const struct tz *tz, int64_t from_ms, int64_t within_ms,
		   int64_t *at_ms)
{
	int64_t from = floor_div(from_ms, 1000);
	int64_t to = floor_div(from_ms + within_ms, 1000);
	int before = tz_offset_at(tz, from);
	if (to <= from || tz_offset_at(tz, to) == before)
		return 0;
	*at_ms = tz_find_transition(tz, from, to, before) * 1000;
	return 1;
}

char *tz_format(const struct tz *tz, int64_t utc_ms, char out[TZ_ISO_LEN])
{
	struct tz_local l;
	int offset, sign = '+';
	if (tz_to_local(tz, utc_ms, &l) != 0) {
		snprintf(out, TZ_ISO_LEN, "(out of range)");
		return out;
	}
	offset = l.offset;
	if (offset < 0) {
		sign = '-';
		offset = -offset;
	}
	snprintf(out, TZ_ISO_LEN, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		 l.civil.year, l.civil.month, l.civil.day, l.civil.hour,
		 l.civil.minute, l.civil.second, sign, offset / 3600,
		 offset / 60 % 60);
	return out;
}
