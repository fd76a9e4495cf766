/*
 * clock.c - the only source of "now".
 *
 * Three modes: real (CLOCK_REALTIME), fixed (a frozen instant for exact
 * boundaries in tests and run-job --now) and offset (real time shifted so
 * that it started at a given instant: run --now). Process-wide, like the
 * config: there is one "now" per process.
 */
#include "base/clock.h"
#include "base/err.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum clock_mode { CLOCK_REAL, CLOCK_FIXED, CLOCK_OFFSET };

static enum clock_mode mode = CLOCK_REAL;
static int64_t fixed_ms;
static int64_t offset_ms;

static int64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t fixed_real_ms; /* 0: the system's */

int64_t clock_real(void)
{
	return fixed_real_ms ? fixed_real_ms : real_now();
}

void clock_fix_real(int64_t ms)
{
	fixed_real_ms = ms;
}

int64_t clock_now(void)
{
	switch (mode) {
	case CLOCK_FIXED:
		return fixed_ms;
	case CLOCK_OFFSET:
		return real_now() + offset_ms;
	case CLOCK_REAL:
		break;
	}
	return real_now();
}

int64_t clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_fix(int64_t ms)
{
	mode = CLOCK_FIXED;
	fixed_ms = ms;
}

void clock_start_at(int64_t ms)
{
	mode = CLOCK_OFFSET;
	offset_ms = ms - real_now();
}

void clock_advance(int64_t delta)
{
	if (mode == CLOCK_FIXED)
		fixed_ms += delta;
	else {
		if (mode == CLOCK_REAL)
			offset_ms = 0;
		mode = CLOCK_OFFSET;
		offset_ms += delta;
	}
}

void clock_use_real(void)
{
	mode = CLOCK_REAL;
}

int clock_is_fixed(void)
{
	return mode == CLOCK_FIXED;
}

int clock_is_real(void)
{
	return mode == CLOCK_REAL;
}

/* Armed at an absolute wall time far in the future, so that it never
 * expires: it only reports being cancelled when the clock is set.
 * (INT_MAX / 2 seconds, tried first, is 2004: in the past, so the timer
 * fired at once, forever, and the idle loop spun.) */
static void arm_changes(int fd)
{
	struct itimerspec far = {
	    .it_value = {.tv_sec = sizeof(time_t) > 4
				       ? (time_t)(INT64_C(1) << 33)
				       : INT_MAX}};

	timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far,
			NULL);
}

int clock_changes_open(void)
{
	int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd >= 0)
		arm_changes(fd);
	return fd;
}

int clock_changes_read(int fd)
{
	uint64_t expirations;
	int was_set = read(fd, &expirations, sizeof(expirations)) < 0 &&
		      errno == ECANCELED;

	arm_changes(fd);
	return was_set;
}

char *clock_format(int64_t ms, char out[CLOCK_ISO_LEN])
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int millis = (int)(ms - (int64_t)secs * 1000);
	struct tm tm;
	char text[64];

	gmtime_r(&secs, &tm);
	snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
	memcpy(out, text, CLOCK_ISO_LEN - 1);
	out[CLOCK_ISO_LEN - 1] = '\0';
	return out;
}

/* Reads exactly n digits; returns -1 when they are not there. */
static int read_digits(const char **p, int n)
{
	int value = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		value = value * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return value;
}

static int parse_zone(const char *p, int *offset_minutes)
{
	int sign, hours, minutes = 0;

	if (*p == '\0' || ((*p == 'Z' || *p == 'z') && p[1] == '\0')) {
		*offset_minutes = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	hours = read_digits(&p, 2);
	if (*p == ':')
		p++;
	if (*p)
		minutes = read_digits(&p, 2);
	if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || *p)
		return -1;
	*offset_minutes = sign * (hours * 60 + minutes);
	return 0;
}

int clock_parse(const char *text, int64_t *out, struct err *e)
{
	const char *p = text;
	struct tm tm = {0};
	int year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
	int offset = 0;
	time_t secs;

	year = read_digits(&p, 4);
	if (year < 0 || *p++ != '-')
		goto bad;
	month = read_digits(&p, 2);
	if (month < 1 || month > 12 || *p++ != '-')
		goto bad;
	day = read_digits(&p, 2);
	if (day < 1 || day > 31)
		goto bad;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		hour = read_digits(&p, 2);
		if (hour < 0 || hour > 23 || *p++ != ':')
			goto bad;
		minute = read_digits(&p, 2);
		if (minute < 0 || minute > 59)
			goto bad;
		if (*p == ':') {
			p++;
			second = read_digits(&p, 2);
			if (second < 0 || second > 60)
				goto bad;
			if (*p == '.' || *p == ',') {
				int scale = 100;
				p++;
				if (!isdigit((unsigned char)*p))
					goto bad;
				for (; isdigit((unsigned char)*p);
				     p++, scale /= 10)
					millis += (*p - '0') * scale;
			}
		}
	}
	if (parse_zone(p, &offset))
		goto bad;
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = second;
	secs = timegm(&tm);
	if (tm.tm_mday != day) /* 2026-02-30 normalised into March */
		goto bad;
	*out = ((int64_t)secs - (int64_t)offset * 60) * 1000 + millis;
	return 0;
bad:
	return err_set(e, ERR_INVALID,
		       "'%s' is not an ISO-8601 time (expected e.g. "
		       "2026-11-28T20:45:17Z or 2026-11-28T21:45:17+01:00)",
		       text);
}
