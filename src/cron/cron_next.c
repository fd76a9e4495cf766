/*
 * cron_next.c - the next fire time of a parsed expression in a time zone.
 *
 * Two layers. next_wall() works on the wall clock alone (seconds since
 * 1970 as if the zone were UTC): it finds the first matching wall time at
 * or after a given one by jumping field by field (year, month, day via a
 * per-month day mask, hour, minute, second), each jump a bit search, so
 * even a yearly expression costs a handful of steps. cron_next() then maps
 * wall times to instants with tz_from_local() and applies the daylight-
 * saving rules of cron.h: a wall time in a gap fires at the gap's end
 * (fixed-time) or is skipped (interval); one in an overlap fires on the
 * first instant only (fixed-time) or on each (interval).
 *
 * The only subtle case is an interval expression asked from inside the
 * first pass of an overlap: wall times before "now" will come again, so
 * cron_next() looks at the repeated wall-time range explicitly.
 */
#include <stdint.h>

#include "cron/cron.h"
#include "cron_impl.h"
#include "base/err.h"
#include "base/tz.h"

#define SECONDS_PER_DAY INT64_C(86400)
#define WALL_YEAR_MAX 9999
/* Every pattern without a year field repeats within 400 years. */
#define SEARCH_YEARS 400
/* Wall candidates tried per call: only overlaps and gaps need more than
 * one, at most one per second of a repeated hour. */
#define MAX_CANDIDATES 20000

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int cron_year_allowed(const struct cron_expr *x, int year)
{
	int bit = year - CRON_YEAR_MIN;
	if (!x->has_years)
		return 1;
	if (year < CRON_YEAR_MIN || year > CRON_YEAR_MAX)
		return 0;
	return (int)(x->years[bit / 64] >> (bit % 64) & 1);
}

/* The weekday nearest day (Quartz `W`), not leaving the month. */
static int cron_nearest_weekday(int year, int month, int day, int last)
{
	int weekday = tz_weekday(year, month, day);
	if (weekday == 6)
		return day == 1 ? day + 2 : day - 1;
	if (weekday == 0)
		return day == last ? day - 2 : day + 1;
	return day;
}

static uint32_t cron_dom_mask(const struct cron_expr *x, int year, int month,
			      int last)
{
	uint32_t mask = x->days;
	for (int k = 0; k <= 30; k++)
		if ((x->days_before_last >> k & 1) && last - k >= 1)
			mask |= UINT32_C(1) << (last - k);
	for (int day = 1; day <= 31; day++)
		if ((x->days_weekday >> day & 1) && day <= last)
			mask |= UINT32_C(1)
				<< cron_nearest_weekday(year, month, day, last);
	if (x->has_last_weekday) {
		int day = last;
		while (tz_weekday(year, month, day) % 6 == 0)
			day--;
		mask |= UINT32_C(1) << day;
	}
	return mask;
}

static uint32_t cron_dow_mask(const struct cron_expr *x, int first, int last)
{
	/* weekday bits rotated so that bit 0 is day 1, repeated weekly */
	uint64_t week = x->weekdays;
	uint64_t rotated = ((week >> first) | (week << (7 - first))) & 0x7f;
	uint64_t days = rotated | rotated << 7 | rotated << 14 | rotated << 21 |
			rotated << 28;
	uint32_t mask = (uint32_t)(days << 1);
	int last_weekday = (first + last - 1) % 7;
	for (int w = 0; w < 7; w++) {
		int first_day = 1 + (w - first + 7) % 7;
		if (x->weekdays_last >> w & 1)
			mask |= UINT32_C(1)
				<< (last - (last_weekday - w + 7) % 7);
		for (int n = 1; n <= 5; n++)
			if ((x->weekdays_nth[w] >> n & 1) &&
			    first_day + 7 * (n - 1) <= last)
				mask |= UINT32_C(1)
					<< (first_day + 7 * (n - 1));
	}
	return mask;
}

uint32_t cron_day_mask(const struct cron_expr *x, int year, int month)
{
	int last = tz_days_in_month(year, month);
	uint32_t in_month = (uint32_t)(((UINT64_C(1) << last) - 1) << 1);
	uint32_t dom = cron_dom_mask(x, year, month, last);
	uint32_t dow = cron_dow_mask(x, tz_weekday(year, month, 1), last);
	if (x->is_dom_star || x->is_dow_star)
		return dom & dow & in_month;
	return (dom | dow) & in_month;
}

/* Broken-down wall time with carries, so a field can overflow by one. */
struct wall {
	int year, month, day, hour, minute, second;
};

static void wall_carry(struct wall *w)
{
	if (w->second > 59) {
		w->second = 0;
		w->minute++;
	}
	if (w->minute > 59) {
		w->minute = 0;
		w->hour++;
	}
	if (w->hour > 23) {
		w->hour = 0;
		w->day++;
	}
	if (w->day > tz_days_in_month(w->year, w->month)) {
		w->day = 1;
		w->month++;
	}
	if (w->month > 12) {
		w->month = 1;
		w->year++;
	}
}

static void wall_from_seconds(int64_t wall, struct wall *w)
{
	int64_t days = floor_div(wall, SECONDS_PER_DAY);
	int64_t second_of_day = wall - days * SECONDS_PER_DAY;
	tz_civil_from_days(days, &w->year, &w->month, &w->day);
	w->hour = (int)(second_of_day / 3600);
	w->minute = (int)(second_of_day / 60 % 60);
	w->second = (int)(second_of_day % 60);
}

static int64_t wall_to_seconds(const struct wall *w)
{
	return tz_days_from_civil(w->year, w->month, w->day) * SECONDS_PER_DAY +
	       w->hour * 3600 + w->minute * 60 + w->second;
}

/* Lowest set bit of set at or above from, or -1. */
static int next_bit(uint64_t set, int from)
{
	if (from > 63)
		return -1;
	set &= ~UINT64_C(0) << from;
	return set ? __builtin_ctzll(set) : -1;
}

/* One step of next_wall(): 1 when w matches, 0 after moving w forward. */
static int wall_step(const struct cron_expr *x, struct wall *w)
{
	int v;
	if (!cron_year_allowed(x, w->year)) {
		*w = (struct wall){w->year + 1, 1, 1, 0, 0, 0};
	} else if ((v = next_bit(x->months, w->month)) != w->month) {
		*w = v < 0 ? (struct wall){w->year + 1, 1, 1, 0, 0, 0}
			   : (struct wall){w->year, v, 1, 0, 0, 0};
	} else if ((v = next_bit(cron_day_mask(x, w->year, w->month),
				 w->day)) != w->day) {
		*w = v < 0 ? (struct wall){w->year, w->month + 1, 1, 0, 0, 0}
			   : (struct wall){w->year, w->month, v, 0, 0, 0};
	} else if ((v = next_bit(x->hours, w->hour)) != w->hour) {
		w->hour = v < 0 ? 24 : v;
		w->minute = w->second = 0;
	} else if ((v = next_bit(x->minutes, w->minute)) != w->minute) {
		w->minute = v < 0 ? 60 : v;
		w->second = 0;
	} else if ((v = next_bit(x->seconds, w->second)) != w->second) {
		w->second = v < 0 ? 60 : v;
	} else {
		return 1;
	}
	wall_carry(w);
	return 0;
}

/* The first matching wall time >= wall into *out; ERR_NOTFOUND when there
 * is none before the search limit. */
static int next_wall(const struct cron_expr *x, int64_t wall, int64_t *out)
{
	struct wall w;
	int limit;
	wall_from_seconds(wall, &w);
	limit = x->has_years ? CRON_YEAR_MAX : w.year + SEARCH_YEARS;
	if (limit > WALL_YEAR_MAX)
		limit = WALL_YEAR_MAX;
	while (!wall_step(x, &w))
		if (w.year > limit)
			return ERR_NOTFOUND;
	*out = wall_to_seconds(&w);
	return 0;
}

static int wall_instants(const struct tz *tz, int64_t wall, int64_t out[2],
			 int64_t *gap_end_ms)
{
	struct wall w;
	struct tz_civil civil;
	wall_from_seconds(wall, &w);
	civil = (struct tz_civil){w.year, w.month,  w.day,
				  w.hour, w.minute, w.second};
	return tz_from_local(tz, &civil, out, gap_end_ms);
}

/* Interval expressions asked from the first pass of an overlap (see the
 * file comment). 1 with *next_ms set, 0 when the general search applies. */
static int cron_next_in_overlap(const struct cron_expr *x, const struct tz *tz,
				int64_t start, int64_t *next_ms)
{
	int64_t transition_ms, transition, wall;
	int before = tz_offset(tz, start * 1000), after;
	if (!tz_next_change(tz, start * 1000, SECONDS_PER_DAY * 1000,
			    &transition_ms))
		return 0;
	after = tz_offset(tz, transition_ms);
	transition = transition_ms / 1000;
	if (after >= before || start + before < transition + after)
		return 0; /* not a fall-back, or start's wall time is unique */
	if (next_wall(x, start + before, &wall) == 0 &&
	    wall < transition + before) {
		*next_ms = (wall - before) * 1000; /* still in the first pass */
		return 1;
	}
	if (next_wall(x, transition + after, &wall) == 0 &&
	    wall < transition + before) {
		*next_ms = (wall - after) * 1000; /* in the second pass */
		return 1;
	}
	return 0;
}

static int cron_in_range(int64_t seconds)
{
	static const int64_t lowest = INT64_C(-62135596800);  /* 0001-01-01 */
	static const int64_t highest = INT64_C(253402214400); /* 9999-12-31 */
	return seconds >= lowest && seconds <= highest;
}

int cron_next(const struct cron_expr *x, const struct tz *tz, int64_t after_ms,
	      int64_t *next_ms)
{
	int64_t start, wall, candidate, instants[2], gap_end;
	int offset_before, offset_now, count, rc;
	if (after_ms > INT64_MAX - 1000 ||
	    !cron_in_range(start = floor_div(after_ms, 1000) + 1))
		return ERR_INVALID;
	if (x->is_interval && cron_next_in_overlap(x, tz, start, next_ms))
		return 0;
	/* At a gap's end, the wall times inside the gap are still due. */
	offset_before = tz_offset(tz, (start - 1) * 1000);
	offset_now = tz_offset(tz, start * 1000);
	wall =
	    start + (offset_before < offset_now ? offset_before : offset_now);
	for (int i = 0; i < MAX_CANDIDATES; i++) {
		if ((rc = next_wall(x, wall, &candidate)))
			return rc;
		count = wall_instants(tz, candidate, instants, &gap_end);
		if (count < 0)
			return count;
		if (count == 0 && !x->is_interval && gap_end >= start * 1000) {
			*next_ms = gap_end;
			return 0;
		}
		for (int k = 0; k < count && (k == 0 || x->is_interval); k++) {
			if (instants[k] >= start * 1000) {
				*next_ms = instants[k];
				return 0;
			}
		}
		wall = candidate + 1;
		if (count == 0) /* nothing in the gap exists: jump past it */
			wall = gap_end / 1000 + tz_offset(tz, gap_end);
	}
	return ERR_NOTFOUND;
}
