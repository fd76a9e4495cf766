/*
 * test_tz.c - time zones: opening by name, local time and offsets, wall
 * time back to instants across gaps and overlaps, ISO formatting, and the
 * calendar helpers.
 */
/* cmocka needs these headers before its own */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
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

static void test_tz_opens_named_and_system_zones(void **state)
{
	static const char *const names[] = {"Europe/Prague", "UTC", "Etc/UTC",
					    "Australia/Sydney",
					    "America/New_York"};
	struct tz *tz;
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tz = zone(names[i]);
		assert_string_equal(tz_name(tz), names[i]);
		tz_free(tz);
	}
	tz = zone(NULL);
	assert_true(strlen(tz_name(tz)) > 0);
	tz_free(tz);
	tz = zone("");
	assert_true(strlen(tz_name(tz)) > 0);
	tz_free(tz);
	tz_free(NULL);
}

static void test_tz_unknown_or_unsafe_names_are_errors(void **state)
{
	static const struct {
		const char *name;
		int code;
		const char *why;
	} cases[] = {
	    {"Europe/Atlantis", ERR_NOTFOUND, "unknown zone"},
	    {"Mars/Olympus_Mons", ERR_NOTFOUND, "unknown zone"},
	    {"Europe", ERR_NOTFOUND, "unknown zone"}, /* a directory */
	    {"../../etc/passwd", ERR_INVALID, "not an IANA zone name"},
	    {"/etc/localtime", ERR_INVALID, "not an IANA zone name"},
	    {"Europe/Prague;rm", ERR_INVALID, "not an IANA zone name"},
	    {"Europe//Prague", ERR_INVALID, "not an IANA zone name"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tz *tz = (struct tz *)&tz;
		struct err e = {0};
		int rc = tz_open(cases[i].name, &tz, &e);
		if (rc != cases[i].code || tz != NULL)
			fail_msg("%s: rc %d", cases[i].name, rc);
		if (!strstr(e.msg, cases[i].name) ||
		    !strstr(e.msg, cases[i].why))
			fail_msg("%s: message \"%s\"", cases[i].name, e.msg);
	}
}

static void test_tz_local_time_and_offset(void **state)
{
	struct tz *tz = zone("Europe/Prague");
	struct tz_local l;
	(void)state;
	assert_int_equal(tz_to_local(tz, at("2026-07-01T10:20:30.456Z"), &l),
			 0);
	assert_int_equal(l.civil.year, 2026);
	assert_int_equal(l.civil.month, 7);
	assert_int_equal(l.civil.day, 1);
	assert_int_equal(l.civil.hour, 12);
	assert_int_equal(l.civil.minute, 20);
	assert_int_equal(l.civil.second, 30);
	assert_int_equal(l.millis, 456);
	assert_int_equal(l.weekday, 3);
	assert_int_equal(l.offset, 7200);
	assert_int_equal(l.is_dst, 1);
	assert_int_equal(tz_offset(tz, at("2026-01-01T00:00:00Z")), 3600);
	/* before 1970 too */
	assert_int_equal(tz_to_local(tz, -1, &l), 0);
	assert_int_equal(l.civil.year, 1970);
	assert_int_equal(l.civil.hour, 0);
	assert_int_equal(l.civil.second, 59);
	assert_int_equal(l.millis, 999);
	tz_free(tz);
}

struct from_local_case {
	const char *zone;
	struct tz_civil wall;
	int count;
	const char *first, *second; /* ISO instants; gap end when count 0 */
};

static void test_tz_wall_time_gives_zero_one_or_two_instants(void **state)
{
	static const struct from_local_case cases[] = {
	    {"Europe/Prague",
	     {2026, 7, 1, 12, 0, 0},
	     1,
	     "2026-07-01T10:00:00Z",
	     NULL},
	    {"Europe/Prague",
	     {2026, 3, 29, 2, 30, 0},
	     0,
	     "2026-03-29T01:00:00Z",
	     NULL},
	    {"Europe/Prague",
	     {2026, 3, 29, 2, 0, 0},
	     0,
	     "2026-03-29T01:00:00Z",
	     NULL},
	    {"Europe/Prague",
	     {2026, 3, 29, 3, 0, 0},
	     1,
	     "2026-03-29T01:00:00Z",
	     NULL},
	    {"Europe/Prague",
	     {2026, 3, 29, 1, 59, 59},
	     1,
	     "2026-03-29T00:59:59Z",
	     NULL},
	    {"Europe/Prague",
	     {2026, 10, 25, 2, 30, 0},
	     2,
	     "2026-10-25T00:30:00Z",
	     "2026-10-25T01:30:00Z"},
	    {"Europe/Prague",
	     {2026, 10, 25, 3, 0, 0},
	     1,
	     "2026-10-25T02:00:00Z",
	     NULL},
	    {"Australia/Sydney",
	     {2026, 4, 5, 2, 30, 0},
	     2,
	     "2026-04-04T15:30:00Z",
	     "2026-04-04T16:30:00Z"},
	    {"Australia/Sydney",
	     {2026, 10, 4, 2, 30, 0},
	     0,
	     "2026-10-03T16:00:00Z",
	     NULL},
	    {"UTC", {2028, 2, 29, 23, 59, 59}, 1, "2028-02-29T23:59:59Z", NULL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct from_local_case *c = &cases[i];
		struct tz *tz = zone(c->zone);
		int64_t out[2] = {0, 0}, gap_end = 0;
		int count = tz_from_local(tz, &c->wall, out, &gap_end);
		if (count != c->count)
			fail_msg("case %zu: count %d", i, count);
		assert_int_equal(count ? out[0] : gap_end, at(c->first));
		if (c->second)
			assert_int_equal(out[1], at(c->second));
		tz_free(tz);
	}
}

static void test_tz_rejects_impossible_wall_times(void **state)
{
	static const struct tz_civil bad[] = {
	    {2026, 13, 1, 0, 0, 0}, {2026, 2, 29, 0, 0, 0},
	    {2026, 1, 0, 0, 0, 0},  {2026, 1, 1, 24, 0, 0},
	    {2026, 1, 1, 0, 60, 0}, {2026, 1, 1, 0, 0, -1},
	};
	struct tz *tz = zone("UTC");
	int64_t out[2];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tz_from_local(tz, &bad[i], out, NULL),
				 ERR_INVALID);
	tz_free(tz);
}

static void test_tz_formats_iso_with_offset(void **state)
{
	static const struct {
		const char *zone, *instant, *expected;
	} cases[] = {
	    {"Europe/Prague", "2026-03-29T01:00:00Z",
	     "2026-03-29T03:00:00+02:00"},
	    {"Europe/Prague", "2026-03-29T00:59:59.999Z",
	     "2026-03-29T01:59:59+01:00"},
	    {"UTC", "2026-03-29T01:00:00Z", "2026-03-29T01:00:00+00:00"},
	    {"America/New_York", "2026-01-15T12:00:00Z",
	     "2026-01-15T07:00:00-05:00"},
	    {"Asia/Kolkata", "2026-01-15T12:00:00Z",
	     "2026-01-15T17:30:00+05:30"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tz *tz = zone(cases[i].zone);
		char out[TZ_ISO_LEN];
		assert_string_equal(tz_format(tz, at(cases[i].instant), out),
				    cases[i].expected);
		tz_free(tz);
	}
}

static void test_tz_finds_the_next_offset_change(void **state)
{
	struct tz *tz = zone("Europe/Prague");
	int64_t change = 0;
	(void)state;
	assert_int_equal(
	    tz_next_change(tz, at("2026-10-24T12:00:00Z"), MS_PER_DAY, &change),
	    1);
	assert_int_equal(change, at("2026-10-25T01:00:00Z"));
	assert_int_equal(
	    tz_next_change(tz, at("2026-07-01T00:00:00Z"), MS_PER_DAY, &change),
	    0);
	tz_free(tz);
}

static void test_tz_calendar_helpers(void **state)
{
	int y, m, d;
	(void)state;
	assert_int_equal(tz_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(tz_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(tz_days_from_civil(1969, 12, 31), -1);
	tz_civil_from_days(11017, &y, &m, &d);
	assert_int_equal(y * 10000 + m * 100 + d, 20000301);
	tz_civil_from_days(-1, &y, &m, &d);
	assert_int_equal(y * 10000 + m * 100 + d, 19691231);
	assert_int_equal(tz_days_in_month(2028, 2), 29);
	assert_int_equal(tz_days_in_month(2100, 2), 28);
	assert_int_equal(tz_days_in_month(2000, 2), 29);
	assert_int_equal(tz_days_in_month(2026, 4), 30);
	assert_int_equal(tz_weekday(2026, 3, 29), 0);
	assert_int_equal(tz_weekday(1970, 1, 1), 4);
	assert_int_equal(tz_weekday(1969, 12, 31), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tz_opens_named_and_system_zones),
	    cmocka_unit_test(test_tz_unknown_or_unsafe_names_are_errors),
	    cmocka_unit_test(test_tz_local_time_and_offset),
	    cmocka_unit_test(test_tz_wall_time_gives_zero_one_or_two_instants),
	    cmocka_unit_test(test_tz_rejects_impossible_wall_times),
	    cmocka_unit_test(test_tz_formats_iso_with_offset),
	    cmocka_unit_test(test_tz_finds_the_next_offset_change),
	    cmocka_unit_test(test_tz_calendar_helpers),
	};
	return cmocka_run_group_tests_name("tz", tests, NULL, NULL);
}
