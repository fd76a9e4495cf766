/*
 * test_cron.c - cron expressions: syntax, errors, next fire times across
 * daylight saving (Europe/Prague, Australia/Sydney), month ends, leap
 * years, descriptions, and a differential test against a brute-force
 * matcher written here.
 */
/* cmocka needs these headers before its own */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "cron/cron.h"
#include "base/err.h"
#include "base/tz.h"

static int64_t at(const char *iso)
{
	int64_t ms = 0;
	struct err e = {0};
	if (clock_parse(iso, &ms, &e) != 0)
		fail_msg("bad test time %s: %s", iso, e.msg);
	return ms;
}

static struct tz *zone(const char *name)
{
	struct tz *tz = NULL;
	struct err e = {0};
	if (tz_open(name, &tz, &e) != 0)
		fail_msg("zone %s: %s", name, e.msg);
	return tz;
}

struct next_case {
	const char *expr;
	const char *zone;
	const char *from;
	const char *expected; /* tz_format() in the zone; NULL = none */
};

static void check_next(const struct next_case *c)
{
	struct cron_expr *x = NULL;
	struct tz *tz = zone(c->zone);
	struct err e = {0};
	int64_t next = 0;
	char got[TZ_ISO_LEN];
	int rc;
	if (cron_parse(c->expr, &x, &e) != 0)
		fail_msg("parse \"%s\": %s", c->expr, e.msg);
	rc = cron_next(x, tz, at(c->from), &next);
	if (!c->expected) {
		if (rc != ERR_NOTFOUND)
			fail_msg("\"%s\" from %s: expected no fire, got %d",
				 c->expr, c->from, rc);
	} else {
		if (rc != 0)
			fail_msg("\"%s\" from %s: rc %d", c->expr, c->from, rc);
		tz_format(tz, next, got);
		if (strcmp(got, c->expected) != 0)
			fail_msg("\"%s\" in %s from %s: got %s, expected %s",
				 c->expr, c->zone, c->from, got, c->expected);
	}
	cron_free(x);
	tz_free(tz);
}

static void check_next_table(const struct next_case *cases, size_t count)
{
	for (size_t i = 0; i < count; i++)
		check_next(&cases[i]);
}

#define TABLE(t) check_next_table(t, sizeof(t) / sizeof(t[0]))

static void test_cron_syntax_elements_fire_when_expected(void **state)
{
	static const struct next_case cases[] = {
	    {"* * * * *", "UTC", "2026-05-01T10:00:30Z",
	     "2026-05-01T10:01:00+00:00"},
	    {"0 3 * * *", "UTC", "2026-05-01T03:00:00Z",
	     "2026-05-02T03:00:00+00:00"},
	    {"*/5 * * * *", "UTC", "2026-05-01T10:01:00Z",
	     "2026-05-01T10:05:00+00:00"},
	    {"1-30/7 * * * *", "UTC", "2026-05-01T10:23:00Z",
	     "2026-05-01T10:29:00+00:00"},
	    {"1-30/7 * * * *", "UTC", "2026-05-01T10:29:00Z",
	     "2026-05-01T11:01:00+00:00"},
	    {"5,10,50 * * * *", "UTC", "2026-05-01T10:10:00Z",
	     "2026-05-01T10:50:00+00:00"},
	    {"0 9 * * mon", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-04T09:00:00+00:00"},
	    {"0 9 * * MON-FRI", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-04T09:00:00+00:00"},
	    {"0 9 * * FRI-SUN", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-02T09:00:00+00:00"},
	    {"0 0 * * 7", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-03T00:00:00+00:00"},
	    {"0 0 * * 0", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-03T00:00:00+00:00"},
	    {"0 0 1 jan,Jul *", "UTC", "2026-05-01T00:00:00Z",
	     "2026-07-01T00:00:00+00:00"},
	    {"0 0 1 * *", "UTC", "2026-05-01T00:00:00Z",
	     "2026-06-01T00:00:00+00:00"},
	    /* both day fields restricted: either one fires (Vixie) */
	    {"0 0 13 * 5", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-08T00:00:00+00:00"},
	    {"0 0 13 * 5", "UTC", "2026-05-12T00:00:00Z",
	     "2026-05-13T00:00:00+00:00"},
	    /* a field starting with * makes the other one decide too */
	    {"0 0 */2 * 1", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-11T00:00:00+00:00"},
	    {"@hourly", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-01T11:00:00+00:00"},
	    {"@daily", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-02T00:00:00+00:00"},
	    {"@midnight", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-02T00:00:00+00:00"},
	    {"@weekly", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-03T00:00:00+00:00"},
	    {"@monthly", "UTC", "2026-05-01T10:00:00Z",
	     "2026-06-01T00:00:00+00:00"},
	    {"@yearly", "UTC", "2026-05-01T10:00:00Z",
	     "2027-01-01T00:00:00+00:00"},
	    {"@annually", "UTC", "2026-05-01T10:00:00Z",
	     "2027-01-01T00:00:00+00:00"},
	    /* Quartz, seconds first, weekday 1 = SUN */
	    {"0 0 3 * * ?", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-02T03:00:00+00:00"},
	    {"0 */5 * * * ?", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-01T10:05:00+00:00"},
	    {"*/15 * * * * ?", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-01T10:00:15+00:00"},
	    {"10/20 * * * * ?", "UTC", "2026-05-01T10:00:30Z",
	     "2026-05-01T10:00:50+00:00"},
	    {"0 0 2 ? * SUN", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-03T02:00:00+00:00"},
	    {"0 0 12 ? * 2", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-04T12:00:00+00:00"},
	    {"0 0 12 ? * 1", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-03T12:00:00+00:00"},
	    {"0 0 12 ? * 7", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-02T12:00:00+00:00"},
	    {"0 0 12 ? * 2-6", "UTC", "2026-05-02T10:00:00Z",
	     "2026-05-04T12:00:00+00:00"},
	    {"0 0 0 1 1 ? 2030", "UTC", "2026-05-01T10:00:00Z",
	     "2030-01-01T00:00:00+00:00"},
	    {"0 0 0 1 1 ? 2030", "UTC", "2030-01-01T00:00:00Z", NULL},
	    {"0 0 0 1 1 ? 2028-2040/4", "UTC", "2029-05-01T10:00:00Z",
	     "2032-01-01T00:00:00+00:00"},
	    {"  0 3 * * *\n", "UTC", "2026-05-01T10:00:00Z",
	     "2026-05-02T03:00:00+00:00"},
	};
	(void)state;
	TABLE(cases);
}

static void test_cron_month_end_specials_stay_in_the_month(void **state)
{
	static const struct next_case cases[] = {
	    {"0 0 L * *", "UTC", "2026-02-01T00:00:00Z",
	     "2026-02-28T00:00:00+00:00"},
	    {"0 0 0 L * ?", "UTC", "2028-02-01T00:00:00Z",
	     "2028-02-29T00:00:00+00:00"},
	    {"0 0 0 L-3 * ?", "UTC", "2026-02-01T00:00:00Z",
	     "2026-02-25T00:00:00+00:00"},
	    {"0 0 0 L-0 * ?", "UTC", "2026-04-01T00:00:00Z",
	     "2026-04-30T00:00:00+00:00"},
	    /* May 31 2026 is a Sunday, Jan 31 a Saturday */
	    {"0 0 0 LW * ?", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-29T00:00:00+00:00"},
	    {"0 0 0 LW * ?", "UTC", "2026-01-01T00:00:00Z",
	     "2026-01-30T00:00:00+00:00"},
	    /* Aug 1 2026 is a Saturday: not back into July */
	    {"0 0 0 1W * ?", "UTC", "2026-07-15T00:00:00Z",
	     "2026-08-03T00:00:00+00:00"},
	    /* Mar 1 2026 is a Sunday */
	    {"0 0 0 1W * ?", "UTC", "2026-02-15T00:00:00Z",
	     "2026-03-02T00:00:00+00:00"},
	    {"0 0 0 31W * ?", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-29T00:00:00+00:00"},
	    {"0 0 0 31W * ?", "UTC", "2026-04-01T00:00:00Z",
	     "2026-05-29T00:00:00+00:00"},
	    {"0 0 0 15W * ?", "UTC", "2026-11-01T00:00:00Z",
	     "2026-11-16T00:00:00+00:00"},
	    {"0 0 0 15W * ?", "UTC", "2026-08-01T00:00:00Z",
	     "2026-08-14T00:00:00+00:00"},
	    {"0 0 0 10W * ?", "UTC", "2026-08-01T00:00:00Z",
	     "2026-08-10T00:00:00+00:00"},
	    /* May 2026: Fridays 1, 8, 15, 22, 29 */
	    {"0 0 0 ? * FRI#2", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-08T00:00:00+00:00"},
	    {"0 0 0 ? * 6#1", "UTC", "2026-04-30T00:00:00Z",
	     "2026-05-01T00:00:00+00:00"},
	    {"0 0 * * FRI#5", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-29T00:00:00+00:00"},
	    {"0 0 * * 5L", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-29T00:00:00+00:00"},
	    {"0 0 0 ? * 6L", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-29T00:00:00+00:00"},
	    {"0 0 0 ? * FRIL", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-29T00:00:00+00:00"},
	    {"0 0 0 ? * L", "UTC", "2026-05-01T00:00:00Z",
	     "2026-05-02T00:00:00+00:00"},
	    {"0 0 0 L,15 * ?", "UTC", "2026-04-16T00:00:00Z",
	     "2026-04-30T00:00:00+00:00"},
	};
	(void)state;
	TABLE(cases);
}

static void test_cron_leap_day_waits_for_a_leap_year(void **state)
{
	static const struct next_case cases[] = {
	    {"0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z",
	     "2028-02-29T00:00:00+00:00"},
	    {"0 0 29 2 *", "Europe/Prague", "2026-01-01T00:00:00Z",
	     "2028-02-29T00:00:00+01:00"},
	    {"0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z",
	     "2104-02-29T00:00:00+00:00"},
	    {"0 0 0 ? 2 SUN#5", "UTC", "2026-01-01T00:00:00Z",
	     "2032-02-29T00:00:00+00:00"},
	};
	(void)state;
	TABLE(cases);
}

/* Europe/Prague 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z). */
static void test_cron_skipped_hour_fires_after_gap(void **state)
{
	static const struct next_case cases[] = {
	    {"0 2 * * *", "Europe/Prague", "2026-03-28T12:00:00+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    {"30 2 * * *", "Europe/Prague", "2026-03-28T12:00:00+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    {"30 2 * * *", "Europe/Prague", "2026-03-29T03:00:00+02:00",
	     "2026-03-30T02:30:00+02:00"},
	    {"0 3 * * *", "Europe/Prague", "2026-03-28T12:00:00+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    {"0 2 * * 0", "Europe/Prague", "2026-03-28T12:00:00+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    {"0 2 * * 0", "Europe/Prague", "2026-03-29T03:00:00+02:00",
	     "2026-04-05T02:00:00+02:00"},
	    {"0 0 2 ? * SUN", "Europe/Prague", "2026-03-28T12:00:00+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    {"0 2 * * *", "Europe/Prague", "2026-03-29T01:59:59+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    {"0 2 * * *", "Europe/Prague", "2026-03-29T01:59:59.999+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    /* two times inside the gap and one right after: one fire */
	    {"0,30 2,3 * * *", "Europe/Prague", "2026-03-29T01:00:00+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    {"0,30 2,3 * * *", "Europe/Prague", "2026-03-29T03:00:00+02:00",
	     "2026-03-29T03:30:00+02:00"},
	    /* interval jobs keep real time */
	    {"*/5 * * * *", "Europe/Prague", "2026-03-29T01:50:00+01:00",
	     "2026-03-29T01:55:00+01:00"},
	    {"*/5 * * * *", "Europe/Prague", "2026-03-29T01:55:00+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    {"0 * * * *", "Europe/Prague", "2026-03-29T01:00:00+01:00",
	     "2026-03-29T03:00:00+02:00"},
	    {"30 * * * *", "Europe/Prague", "2026-03-29T01:30:00+01:00",
	     "2026-03-29T03:30:00+02:00"},
	    {"0 0 */1 * * ?", "Europe/Prague", "2026-03-29T01:00:00+01:00",
	     "2026-03-29T03:00:00+02:00"},
	};
	(void)state;
	TABLE(cases);
}

/* Europe/Prague 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00Z). */
static void test_cron_repeated_hour_fires_once_unless_interval(void **state)
{
	static const struct next_case cases[] = {
	    {"0 2 * * *", "Europe/Prague", "2026-10-24T12:00:00+02:00",
	     "2026-10-25T02:00:00+02:00"},
	    {"0 2 * * *", "Europe/Prague", "2026-10-25T02:00:00+02:00",
	     "2026-10-26T02:00:00+01:00"},
	    {"30 2 * * *", "Europe/Prague", "2026-10-24T12:00:00+02:00",
	     "2026-10-25T02:30:00+02:00"},
	    {"30 2 * * *", "Europe/Prague", "2026-10-25T02:30:00+02:00",
	     "2026-10-26T02:30:00+01:00"},
	    {"30 2 * * *", "Europe/Prague", "2026-10-25T02:10:00+01:00",
	     "2026-10-26T02:30:00+01:00"},
	    {"0 3 * * *", "Europe/Prague", "2026-10-25T02:00:00+02:00",
	     "2026-10-25T03:00:00+01:00"},
	    {"0 2 * * 0", "Europe/Prague", "2026-10-24T12:00:00+02:00",
	     "2026-10-25T02:00:00+02:00"},
	    {"0 2 * * 0", "Europe/Prague", "2026-10-25T02:00:00+02:00",
	     "2026-11-01T02:00:00+01:00"},
	    {"0 0 2 ? * SUN", "Europe/Prague", "2026-10-25T02:00:00+02:00",
	     "2026-11-01T02:00:00+01:00"},
	    {"*/5 * * * *", "Europe/Prague", "2026-10-25T02:50:00+02:00",
	     "2026-10-25T02:55:00+02:00"},
	    {"*/5 * * * *", "Europe/Prague", "2026-10-25T02:55:00+02:00",
	     "2026-10-25T02:00:00+01:00"},
	    {"*/5 * * * *", "Europe/Prague", "2026-10-25T02:10:00+02:00",
	     "2026-10-25T02:15:00+02:00"},
	    {"*/5 * * * *", "Europe/Prague", "2026-10-25T02:10:00+01:00",
	     "2026-10-25T02:15:00+01:00"},
	    {"*/5 * * * *", "Europe/Prague", "2026-10-25T02:55:00+01:00",
	     "2026-10-25T03:00:00+01:00"},
	    {"0 * * * *", "Europe/Prague", "2026-10-25T02:00:00+02:00",
	     "2026-10-25T02:00:00+01:00"},
	    {"0 * * * *", "Europe/Prague", "2026-10-25T01:00:00+02:00",
	     "2026-10-25T02:00:00+02:00"},
	    {"0 * * * *", "Europe/Prague", "2026-10-25T02:00:00+01:00",
	     "2026-10-25T03:00:00+01:00"},
	    /* an interval in the first pass, later times not due in it */
	    {"10 * * * *", "Europe/Prague", "2026-10-25T02:30:00+02:00",
	     "2026-10-25T02:10:00+01:00"},
	};
	(void)state;
	TABLE(cases);
}

/* Sydney: AEDT +11 ends 2026-04-05 03:00 -> 02:00; AEST +10 ends
 * 2026-10-04 02:00 -> 03:00. */
static void test_cron_southern_hemisphere_transitions(void **state)
{
	static const struct next_case cases[] = {
	    {"30 2 * * *", "Australia/Sydney", "2026-04-04T12:00:00+11:00",
	     "2026-04-05T02:30:00+11:00"},
	    {"30 2 * * *", "Australia/Sydney", "2026-04-05T02:30:00+11:00",
	     "2026-04-06T02:30:00+10:00"},
	    {"*/30 * * * *", "Australia/Sydney", "2026-04-05T02:30:00+11:00",
	     "2026-04-05T02:00:00+10:00"},
	    {"30 2 * * *", "Australia/Sydney", "2026-10-03T12:00:00+10:00",
	     "2026-10-04T03:00:00+11:00"},
	    {"0 * * * *", "Australia/Sydney", "2026-10-04T01:00:00+10:00",
	     "2026-10-04T03:00:00+11:00"},
	    {"0 9 * * *", "Australia/Sydney", "2026-06-30T20:00:00Z",
	     "2026-07-01T09:00:00+10:00"},
	};
	(void)state;
	TABLE(cases);
}

static void test_cron_next_errors(void **state)
{
	struct cron_expr *x = NULL;
	struct tz *tz = zone("UTC");
	struct err e = {0};
	int64_t next = 0;
	(void)state;
	assert_int_equal(cron_parse("0 0 0 1 1 ? 2027", &x, &e), 0);
	assert_int_equal(cron_next(x, tz, at("2027-06-01T00:00:00Z"), &next),
			 ERR_NOTFOUND);
	assert_int_equal(cron_next(x, tz, INT64_MAX, &next), ERR_INVALID);
	assert_int_equal(cron_next(x, tz, INT64_MIN, &next), ERR_INVALID);
	cron_free(x);
	cron_free(NULL);
	tz_free(tz);
}

struct error_case {
	const char *expr;
	const char *field; /* must appear in the message */
	const char *token; /* must appear in the message */
	const char *why;   /* must appear in the message */
};

static void test_cron_errors_name_field_token_and_reason(void **state)
{
	static const struct error_case cases[] = {
	    {"0 0 32 * *", "day-of-month", "\"32\"", "out of range 1-31"},
	    {"60 * * * *", "minute", "\"60\"", "out of range 0-59"},
	    {"* 24 * * *", "hour", "\"24\"", "out of range 0-23"},
	    {"* * * 13 *", "month", "\"13\"", "out of range 1-12"},
	    {"* * 0 * *", "day-of-month", "\"0\"", "out of range 1-31"},
	    {"* * * * 8", "day-of-week", "\"8\"", "out of range 0-7"},
	    {"0 0 0 * * 0", "day-of-week", "\"0\"", "out of range 1-7"},
	    {"0 0 0 * * 8", "day-of-week", "\"8\"", "out of range 1-7"},
	    {"60 0 0 * * ?", "second", "\"60\"", "out of range 0-59"},
	    {"0 0 0 1 1 ? 1969", "year", "\"1969\"", "out of range"},
	    {"5-1 * * * *", "minute", "\"5-1\"", "reversed range"},
	    {"* * * DEC-JAN *", "month", "\"DEC-JAN\"", "reversed range"},
	    {"*/0 * * * *", "minute", "\"*/0\"", "step 0"},
	    {"*/61 * * * *", "minute", "\"*/61\"", "out of range 1-60"},
	    {"*/ * * * *", "minute", "\"*/\"", "no step"},
	    {"*/x * * * *", "minute", "\"*/x\"", "not a number"},
	    {"* * * *", "", "", "4 fields, expected 5"},
	    {"", "", "", "0 fields"},
	    {"* * * * * * * *", "", "", "more than 7 fields"},
	    {"* * * FOO *", "month", "\"FOO\"", "not a month"},
	    {"* * * * FRX", "day-of-week", "\"FRX\"", "not a weekday"},
	    {"a * * * *", "minute", "\"a\"", "not a number"},
	    {"1x * * * *", "minute", "\"1x\"", "not a number"},
	    {"0 L * * *", "hour", "\"L\"", "L, W, # and ?"},
	    {"0 ? * * * *", "minute", "\"?\"", "only in day-of-month"},
	    {"0 0 0 ?5 * ?", "day-of-month", "\"?5\"", "combines ?"},
	    {"0 0 0 ? * ?", "day-of-week", "\"?\"", "only one of the two"},
	    {"1,,2 * * * *", "minute", "\"\"", "empty list item"},
	    {"1, * * * *", "minute", "\"\"", "empty list item"},
	    {"0 0 0 ? * FRI#6", "day-of-week", "\"FRI#6\"", "#1 to #5"},
	    {"0 0 0 ? * FRI#", "day-of-week", "\"FRI#\"", "#1 to #5"},
	    {"0 0 0 ? * FRX#2", "day-of-week", "\"FRX#2\"", "not a weekday"},
	    {"0 0 0 ? * 9L", "day-of-week", "\"9L\"", "out of range 1-7"},
	    {"0 0 L-31 * *", "day-of-month", "\"L-31\"", "L-0 to L-30"},
	    {"0 0 L-x * *", "day-of-month", "\"L-x\"", "L-0 to L-30"},
	    {"0 0 L- * *", "day-of-month", "\"L-\"", "no number after L-"},
	    {"0 0 32W * *", "day-of-month", "\"32W\"", "out of range 1-31"},
	    {"0 0 30 2 *", "", "", "never fires"},
	    {"0 0 31 4,6,9,11 *", "", "", "never fires"},
	    {"0 0 0 29 2 ? 2027", "", "", "never fires"},
	    {"0 0 0 ? 2 SUN#5 2033-2035", "", "", "never fires"},
	    {"@reboot", "", "", "unknown macro"},
	    {"@", "", "", "unknown macro"},
	    {"123456789012345678901234567890123 * * * *", "minute",
	     "\"12345678901234567890123456789012", "too long"},
	    {"99999999999 * * * *", "minute", "\"99999999999\"",
	     "out of range"},
	    {"*/99999999999 * * * *", "minute", "\"*/99999999999\"",
	     "out of range"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cron_expr *x = (struct cron_expr *)&x;
		struct err e = {0};
		int rc = cron_parse(cases[i].expr, &x, &e);
		if (rc != ERR_INVALID || x != NULL)
			fail_msg("\"%s\": expected ERR_INVALID, got %d",
				 cases[i].expr, rc);
		if (!strstr(e.msg, cases[i].field) ||
		    !strstr(e.msg, cases[i].token) ||
		    !strstr(e.msg, cases[i].why))
			fail_msg("\"%s\": message \"%s\" lacks %s / %s / %s",
				 cases[i].expr, e.msg, cases[i].field,
				 cases[i].token, cases[i].why);
	}
}

static void test_cron_rejects_overlong_text(void **state)
{
	char text[CRON_TEXT_MAX + 20];
	struct cron_expr *x = NULL;
	struct err e = {0};
	(void)state;
	memset(text, '1', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(cron_parse(text, &x, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "longer than"));
	assert_null(x);
}

static void test_cron_keeps_text_and_knows_interval(void **state)
{
	static const struct {
		const char *expr;
		int is_interval;
	} cases[] = {
	    {"*/5 * * * *", 1},	  {"0 * * * *", 1},	 {"0 9-17 * * *", 1},
	    {"0 */2 * * *", 1},	  {"0 2 * * 0", 0},	 {"30 2,14 * * *", 0},
	    {"0 0 2 ? * SUN", 0}, {"*/10 0 2 * * ?", 1}, {"@daily", 0},
	    {"@hourly", 1},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cron_expr *x = NULL;
		struct err e = {0};
		assert_int_equal(cron_parse(cases[i].expr, &x, &e), 0);
		assert_string_equal(cron_text(x), cases[i].expr);
		if (cron_is_interval(x) != cases[i].is_interval)
			fail_msg("\"%s\": is_interval %d", cases[i].expr,
				 cron_is_interval(x));
		cron_free(x);
	}
}

static void test_cron_describe_in_czech_and_english(void **state)
{
	static const struct {
		const char *expr, *lang, *expected;
	} cases[] = {
	    {"0 3 * * *", "en", "every day at 03:00"},
	    {"0 3 * * *", "cs", "každý den ve 3:00"},
	    {"0 10 * * *", "cs", "každý den v 10:00"},
	    {"0 0 3 * * ?", "en", "every day at 03:00"},
	    {"30 0 3 * * ?", "en", "every day at 03:00:30"},
	    {"*/5 * * * *", "en", "every 5 minutes"},
	    {"*/5 * * * *", "cs", "každých 5 minut"},
	    {"*/2 * * * *", "cs", "každé 2 minuty"},
	    {"* * * * *", "en", "every minute"},
	    {"* * * * *", "cs", "každou minutu"},
	    {"0 */5 * * * ?", "en", "every 5 minutes"},
	    {"*/30 * * * * ?", "en", "every 30 seconds"},
	    {"0 * * * *", "en", "every hour"},
	    {"0 * * * *", "cs", "každou hodinu"},
	    {"15 * * * *", "en", "every hour at :15"},
	    {"0 */6 * * *", "en", "every 6 hours"},
	    {"0 */6 * * *", "cs", "každých 6 hodin"},
	    {"30 */2 * * *", "cs", "každé 2 hodiny v :30"},
	    {"0 2 * * 0", "en", "Sundays at 02:00"},
	    {"0 2 * * 0", "cs", "každou neděli ve 2:00"},
	    {"0 0 2 ? * SUN", "en", "Sundays at 02:00"},
	    {"0 9 * * 1", "cs", "každé pondělí v 9:00"},
	    {"0 8 * * MON-FRI", "en", "on weekdays at 08:00"},
	    {"0 0 1 * *", "en", "on day 1 of every month at 00:00"},
	    {"0 0 1 * *", "cs", "1. den v měsíci v 0:00"},
	    {"0 0 L * *", "en", "on the last day of the month at 00:00"},
	    {"0 0 1 1 *", "cs", "každý rok 1. ledna v 0:00"},
	    {"0 12 24 DEC *", "en", "every year on 24 December at 12:00"},
	    {"0 3 * * *", "de", "every day at 03:00"},
	    {"0 0 0 ? * FRI#2", "en", "0 0 0 ? * FRI#2"},
	    {"0 0 0 1 1 ? 2030", "en", "0 0 0 1 1 ? 2030"},
	    {"1-5 * * * *", "en", "1-5 * * * *"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cron_expr *x = NULL;
		struct err e = {0};
		char out[128];
		assert_int_equal(cron_parse(cases[i].expr, &x, &e), 0);
		assert_int_equal(
		    cron_describe(x, cases[i].lang, out, sizeof(out)), 0);
		if (strcmp(out, cases[i].expected) != 0)
			fail_msg("\"%s\" %s: got \"%s\", expected \"%s\"",
				 cases[i].expr, cases[i].lang, out,
				 cases[i].expected);
		cron_free(x);
	}
}

static void test_cron_describe_reports_truncation(void **state)
{
	struct cron_expr *x = NULL;
	struct err e = {0};
	char out[8];
	(void)state;
	assert_int_equal(cron_parse("0 3 * * *", &x, &e), 0);
	assert_int_equal(cron_describe(x, "en", out, sizeof(out)), ERR_TOOBIG);
	assert_string_equal(out, "every d");
	assert_int_equal(cron_describe(x, "en", out, 0), ERR_TOOBIG);
	cron_free(x);
}

/* ---- differential test against a brute-force matcher ---- */

struct brute {
	char text[160];
	uint64_t minutes;
	uint32_t hours, days;
	uint16_t months;
	uint8_t weekdays;
	int is_dom_star, is_dow_star;
};

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic across platforms */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static int pick(int lo, int hi)
{
	return lo + (int)(rng() % (uint32_t)(hi - lo + 1));
}

/* One random field in [lo, hi] appended to text; its values into *set. */
static void random_field(struct brute *b, int lo, int hi, uint64_t *set,
			 int *starts_with_star)
{
	size_t len = strlen(b->text);
	int items = pick(1, 3), shape = pick(0, 9);
	*set = 0;
	*starts_with_star = 0;
	if (shape < 3) { /* `*` or `*` + step */
		int step = shape == 0 ? 1 : pick(1, (hi - lo + 1) / 2);
		if (step == 1)
			snprintf(b->text + len, sizeof(b->text) - len, "* ");
		else
			snprintf(b->text + len, sizeof(b->text) - len, "*/%d ",
				 step);
		for (int v = lo; v <= hi; v += step)
			*set |= UINT64_C(1) << v;
		*starts_with_star = 1;
		return;
	}
	for (int i = 0; i < items; i++) {
		int a = pick(lo, hi), z = pick(a, hi), step = pick(1, 4);
		int kind = pick(0, 2);
		len = strlen(b->text);
		if (kind == 0) {
			snprintf(b->text + len, sizeof(b->text) - len, "%d", a);
			z = a;
			step = 1;
		} else if (kind == 1) {
			snprintf(b->text + len, sizeof(b->text) - len, "%d-%d",
				 a, z);
			step = 1;
		} else {
			snprintf(b->text + len, sizeof(b->text) - len,
				 "%d-%d/%d", a, z, step);
		}
		for (int v = a; v <= z; v += step)
			*set |= UINT64_C(1) << v;
		len = strlen(b->text);
		snprintf(b->text + len, sizeof(b->text) - len, "%s",
			 i + 1 < items ? "," : " ");
	}
}

static void random_expression(struct brute *b)
{
	uint64_t set;
	int star;
	b->text[0] = '\0';
	random_field(b, 0, 59, &b->minutes, &star);
	random_field(b, 0, 23, &set, &star);
	b->hours = (uint32_t)set;
	random_field(b, 1, 31, &set, &b->is_dom_star);
	b->days = (uint32_t)set;
	random_field(b, 1, 12, &set, &star);
	b->months = (uint16_t)set;
	random_field(b, 0, 7, &set, &b->is_dow_star);
	b->weekdays = (uint8_t)((set | set >> 7) & 0x7f);
	b->text[strlen(b->text) - 1] = '\0';
}

static int brute_day_matches(const struct brute *b, int y, int m, int d)
{
	int dom = (int)(b->days >> d & 1);
	int dow = b->weekdays >> tz_weekday(y, m, d) & 1;
	if (!(b->months >> m & 1))
		return 0;
	return (b->is_dom_star || b->is_dow_star) ? dom && dow : dom || dow;
}

/* The first matching wall minute after wall `from` (seconds), within
 * `years` years, or -1. */
static int64_t brute_next(const struct brute *b, int64_t from, int years)
{
	int64_t day = from / 86400;
	for (int64_t i = 0; i <= years * 366; i++, day++) {
		int y, m, d;
		tz_civil_from_days(day, &y, &m, &d);
		if (!brute_day_matches(b, y, m, d))
			continue;
		for (int minute = 0; minute < 1440; minute++) {
			int64_t wall = day * 86400 + minute * 60;
			if (wall > from && (b->hours >> (minute / 60) & 1) &&
			    (b->minutes >> (minute % 60) & 1))
				return wall;
		}
	}
	return -1;
}

/* 1 when the zone keeps one offset all day (no DST change that day). */
static int steady_day(const struct tz *tz, int64_t wall)
{
	int64_t day = wall / 86400 * 86400;
	int offset = tz_offset(tz, day * 1000 - 14 * MS_PER_HOUR);
	return offset == tz_offset(tz, (day + 86400) * 1000 + 14 * MS_PER_HOUR);
}

static void differential(const char *zone_name, int rounds)
{
	struct tz *tz = zone(zone_name);
	int compared = 0;
	rng_state = UINT64_C(0x9E3779B97F4A7C15);
	for (int i = 0; i < rounds; i++) {
		struct brute b;
		struct cron_expr *x = NULL;
		struct err e = {0};
		/* from: a random minute in 2026-2027, plus some seconds */
		int64_t from = at("2026-01-01T00:00:00Z") +
			       (int64_t)pick(0, 730 * 1440) * MS_PER_MINUTE +
			       pick(0, 59999);
		random_expression(&b);
		if (cron_parse(b.text, &x, &e) != 0) {
			if (!strstr(e.msg, "never fires"))
				fail_msg("\"%s\": %s", b.text, e.msg);
			assert_int_equal(brute_next(&b, 0, 8), -1);
			continue;
		}
		for (int k = 0; k < 3; k++) {
			int64_t next = 0, wall_from, expected;
			int offset = tz_offset(tz, from);
			wall_from = from / 1000 + offset;
			expected = brute_next(&b, wall_from, 12);
			assert_true(expected > 0);
			if (!steady_day(tz, wall_from) ||
			    !steady_day(tz, expected))
				break; /* DST days are the table tests' job */
			expected =
			    (expected -
			     tz_offset(tz, expected * 1000 - offset * 1000)) *
			    1000;
			assert_int_equal(cron_next(x, tz, from, &next), 0);
			if (next != expected) {
				char a[TZ_ISO_LEN], g[TZ_ISO_LEN],
				    w[TZ_ISO_LEN];
				fail_msg("\"%s\" in %s from %s: got %s, brute "
					 "force %s",
					 b.text, zone_name,
					 tz_format(tz, from, a),
					 tz_format(tz, next, g),
					 tz_format(tz, expected, w));
			}
			compared++;
			from = next;
		}
		cron_free(x);
	}
	tz_free(tz);
	assert_true(compared > rounds);
}

static void test_cron_agrees_with_brute_force_in_utc(void **state)
{
	(void)state;
	differential("UTC", 400);
}

static void test_cron_agrees_with_brute_force_in_prague(void **state)
{
	(void)state;
	differential("Europe/Prague", 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cron_syntax_elements_fire_when_expected),
	    cmocka_unit_test(test_cron_month_end_specials_stay_in_the_month),
	    cmocka_unit_test(test_cron_leap_day_waits_for_a_leap_year),
	    cmocka_unit_test(test_cron_skipped_hour_fires_after_gap),
	    cmocka_unit_test(
		test_cron_repeated_hour_fires_once_unless_interval),
	    cmocka_unit_test(test_cron_southern_hemisphere_transitions),
	    cmocka_unit_test(test_cron_next_errors),
	    cmocka_unit_test(test_cron_errors_name_field_token_and_reason),
	    cmocka_unit_test(test_cron_rejects_overlong_text),
	    cmocka_unit_test(test_cron_keeps_text_and_knows_interval),
	    cmocka_unit_test(test_cron_describe_in_czech_and_english),
	    cmocka_unit_test(test_cron_describe_reports_truncation),
	    cmocka_unit_test(test_cron_agrees_with_brute_force_in_utc),
	    cmocka_unit_test(test_cron_agrees_with_brute_force_in_prague),
	};
	return cmocka_run_group_tests_name("cron", tests, NULL, NULL);
}
