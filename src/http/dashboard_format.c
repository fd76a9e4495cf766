/*
 * dashboard_format.c - times, durations and sizes as a person reads them:
 * local time in the configured zone, "před 5 min" beside it, "1 min 12 s".
 *
 * Pure functions of their arguments (the page passes its one "now"), so
 * the unit tests check them table-driven without a clock or a page. The
 * words come from the catalogue (dashboard_text.c); the units (ms, s, min,
 * h, d) read the same in both languages.
 */
#include "base/tz.h"
#include "dashboard_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dash_format_duration(const char *lang, int64_t ms, char *out, size_t size)
{
	long long s = (long long)(ms / 1000);

	if (ms < 0)
		snprintf(out, size, "—");
	else if (ms < 1000)
		snprintf(out, size, "%lld ms", (long long)ms);
	else if (ms < 10000)
		snprintf(out, size, "%lld%s%lld s", (long long)(ms / 1000),
			 !strcmp(lang, "cs") ? "," : ".",
			 (long long)(ms % 1000 / 100));
	else if (s < 60)
		snprintf(out, size, "%lld s", s);
	else if (s < 3600 && s % 60)
		snprintf(out, size, "%lld min %lld s", s / 60, s % 60);
	else if (s < 3600)
		snprintf(out, size, "%lld min", s / 60);
	else if (s < 86400 && s / 60 % 60)
		snprintf(out, size, "%lld h %lld min", s / 3600, s / 60 % 60);
	else if (s < 86400)
		snprintf(out, size, "%lld h", s / 3600);
	else if (s / 3600 % 24)
		snprintf(out, size, "%lld d %lld h", s / 86400, s / 3600 % 24);
	else
		snprintf(out, size, "%lld d", s / 86400);
}

/* One unit, rounded to the nearest: "5 min", "2 h", "3 d". */
static void rough(int64_t ms, char *out, size_t size)
{
	if (ms < 90 * 60 * 1000LL)
		snprintf(out, size, "%lld min",
			 (long long)((ms + 30000) / 60000));
	else if (ms < 36 * 3600 * 1000LL)
		snprintf(out, size, "%lld h",
			 (long long)((ms + 1800000) / 3600000));
	else
		snprintf(out, size, "%lld d",
			 (long long)((ms + 43200000) / 86400000));
}

void dash_format_relative(const char *lang, int64_t delta_ms, char *out,
			  size_t size)
{
	int64_t magnitude = delta_ms < 0 ? -delta_ms : delta_ms;
	const char *form;
	char amount[32];

	if (magnitude < 45000) {
		snprintf(
		    out, size, "%s",
		    dash_tl(lang, delta_ms > 0 ? "in a moment" : "just now"));
		return;
	}
	rough(magnitude, amount, sizeof(amount));
	form = dash_tl(lang, delta_ms > 0 ? "in %s" : "%s ago");
	dash_subst(form, amount, out, size);
}

void dash_format_local(const struct tz *zone, int64_t ms, char *out,
		       size_t size)
{
	struct tz_local local;

	if (tz_to_local(zone, ms, &local)) {
		snprintf(out, size, "—");
		return;
	}
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d", local.civil.year,
		 local.civil.month, local.civil.day, local.civil.hour,
		 local.civil.minute);
}

void dash_format_zone(const struct tz *zone, int64_t ms, char *out, size_t size)
{
	int offset = tz_offset(zone, ms), minutes = abs(offset) / 60;

	snprintf(out, size, "%s (UTC%c%02d:%02d)", tz_name(zone),
		 offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

void dash_format_bytes(const char *lang, int64_t bytes, char *out, size_t size)
{
	static const char *const units[] = {"kB", "MB", "GB", "TB"};
	double value = (double)bytes;
	int unit = -1;
	char *comma;

	if (bytes < 1000) {
		snprintf(out, size, "%lld B", (long long)bytes);
		return;
	}
	while (value >= 1000 && unit < 3) {
		value /= 1000;
		unit++;
	}
	snprintf(out, size, value < 100 ? "%.1f %s" : "%.0f %s", value,
		 units[unit]);
	if (!strcmp(lang, "cs") && (comma = strchr(out, '.')))
		*comma = ',';
}
