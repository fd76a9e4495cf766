/*
 * test_dashboard_format.c - how the dashboard writes times, durations and
 * sizes: local time in the configured zone (across a DST change), the
 * relative time in both languages, human durations, round y-axis steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/http/dashboard_impl.h"
#include "base/clock.h"
#include "base/tz.h"

static void test_durations_read_as_people_say_them(void **state)
{
	static const struct {
		const char *lang;
		int64_t ms;
		const char *out;
	} cases[] = {
	    {"en", -1, "—"},
	    {"en", 0, "0 ms"},
	    {"en", 850, "850 ms"},
	    {"en", 4230, "4.2 s"},
	    {"cs", 4230, "4,2 s"},
	    {"en", 12000, "12 s"},
	    {"en", 72000, "1 min 12 s"},
	    {"cs", 72000, "1 min 12 s"},
	    {"en", 300000, "5 min"},
	    {"en", 7500000, "2 h 5 min"},
	    {"en", 7200000, "2 h"},
	    {"en", 273600000, "3 d 4 h"},
	    {"en", 172800000, "2 d"},
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dash_format_duration(cases[i].lang, cases[i].ms, out,
				     sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
}

static void test_relative_times_in_both_languages(void **state)
{
	static const struct {
		const char *lang;
		int64_t delta_ms;
		const char *out;
	} cases[] = {
	    {"en", 0, "just now"},
	    {"cs", -30000, "právě teď"},
	    {"en", 30000, "in a moment"},
	    {"cs", 30000, "za chvíli"},
	    {"en", -5 * 60000, "5 min ago"},
	    {"cs", -5 * 60000, "před 5 min"},
	    {"en", 2 * 3600000, "in 2 h"},
	    {"cs", 2 * 3600000, "za 2 h"},
	    {"cs", 2 * 3600000 + 20 * 60000, "za 2 h"},
	    {"en", -89 * 60000, "89 min ago"},
	    {"en", -3 * 86400000LL, "3 d ago"},
	    {"cs", 35 * 3600000LL, "za 35 h"},
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dash_format_relative(cases[i].lang, cases[i].delta_ms, out,
				     sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
}

static void test_local_time_and_zone_follow_dst(void **state)
{
	static const struct {
		const char *utc, *local, *zone;
	} cases[] = {
	    /* winter: +01:00; the schedule's 3:30 is 02:30 UTC */
	    {"2026-11-30T02:30:00Z", "2026-11-30 03:30",
	     "Europe/Prague (UTC+01:00)"},
	    /* summer: +02:00 */
	    {"2026-07-01T01:30:00Z", "2026-07-01 03:30",
	     "Europe/Prague (UTC+02:00)"},
	    /* the spring-forward morning, just after the gap */
	    {"2026-03-29T01:00:00Z", "2026-03-29 03:00",
	     "Europe/Prague (UTC+02:00)"},
	};
	struct tz *zone = NULL;
	char out[64];
	int64_t at;
	size_t i;

	(void)state;
	assert_int_equal(tz_open("Europe/Prague", &zone, NULL), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(clock_parse(cases[i].utc, &at, NULL), 0);
		dash_format_local(zone, at, out, sizeof(out));
		assert_string_equal(out, cases[i].local);
		dash_format_zone(zone, at, out, sizeof(out));
		assert_string_equal(out, cases[i].zone);
	}
	tz_free(zone);
}

static void test_sizes_with_units_and_czech_comma(void **state)
{
	static const struct {
		const char *lang;
		int64_t bytes;
		const char *out;
	} cases[] = {
	    {"en", 0, "0 B"},	       {"en", 999, "999 B"},
	    {"en", 1500, "1.5 kB"},     {"cs", 1500, "1,5 kB"},
	    {"en", 12300000, "12.3 MB"}, {"en", 250000000, "250 MB"},
	    {"en", 2000000000, "2.0 GB"},
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dash_format_bytes(cases[i].lang, cases[i].bytes, out,
				  sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
}

static void test_y_axis_steps_are_round(void **state)
{
	static const struct {
		int64_t max;
		int ticks;
		int64_t step;
	} cases[] = {
	    {0, 4, 1},	  {1, 4, 1},	{4, 4, 1},     {5, 4, 2},
	    {9, 4, 5},	  {17, 4, 5},	{21, 4, 10},   {40, 4, 10},
	    {41, 4, 20},  {180, 4, 50}, {1234, 4, 500}, {7, 0, 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(dash_round_step(cases[i].max, cases[i].ticks),
				 cases[i].step);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_durations_read_as_people_say_them),
	    cmocka_unit_test(test_relative_times_in_both_languages),
	    cmocka_unit_test(test_local_time_and_zone_follow_dst),
	    cmocka_unit_test(test_sizes_with_units_and_czech_comma),
	    cmocka_unit_test(test_y_axis_steps_are_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
