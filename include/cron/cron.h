/*
 * cron.h - cron expressions: parse, find the next fire time in a time zone,
 * describe in words.
 *
 * Syntax
 *   Unix, 5 fields: minute hour day-of-month month day-of-week
 *     weekday 0-7 (0 and 7 = Sunday), names SUN-SAT; months 1-12, JAN-DEC
 *     (names case-insensitive). "MON-SUN" is allowed (SUN as a range end
 *     is 7).
 *   Quartz (as .NET writes it), 6 or 7 fields:
 *     second minute hour day-of-month month day-of-week [year]
 *     weekday 1-7 = SUN-SAT (Quartz numbering, not Unix!); year 1970-2199.
 *   Every field: `*`, numbers, names, lists `a,b`, ranges `a-b`, steps
 *     `*\/n`, `a-b/n`, `a/n` (= a to the field's maximum, step n).
 *     (`*\/n` is written with a backslash only inside these comments.)
 *   `?` (= `*`) only in day-of-month or day-of-week, not in both.
 *   Day-of-month: `L` last day, `L-3` three days before the last, `LW`
 *     last weekday (Mon-Fri), `15W` the weekday nearest the 15th, never
 *     leaving the month (1W on a Saturday is Monday the 3rd).
 *   Day-of-week: `5L` / `FRIL` the last Friday of the month (5 is Friday
 *     in Unix numbering, 6 in Quartz), `FRI#2` the second Friday, `L`
 *     alone = Saturday (as in Quartz).
 *   Macros: @yearly @annually @monthly @weekly @daily @midnight @hourly.
 *   Day-of-month and day-of-week as in Vixie cron: when both are
 *   restricted, a day matching either fires; when either field starts
 *   with `*` or `?`, a day must match both (so `*` alone means "the other
 *   field decides").
 *   An expression that can never fire (`0 0 30 2 *`) is a parse error.
 *
 * Time zones and daylight saving (design.md "Time")
 *   Fields are matched against the wall clock of the zone given to
 *   cron_next(). An expression is an INTERVAL expression when its second,
 *   minute or hour field contains `*`, `-` or `/` (`*\/5 * * * *`,
 *   `0 * * * *`, `0 9-17 * * *`); otherwise it is a FIXED-TIME expression
 *   (`0 2 * * 0`, `30 2,14 * * *`). (This is the rule of Cronos, the .NET
 *   library behind Hangfire.)
 *   - Spring forward (a wall-clock time that does not exist that day):
 *     a fixed-time expression fires once, at the first instant after the
 *     gap (Prague 2026-03-29 `0 2 * * 0` fires at 03:00+02:00 = 01:00Z;
 *     several times inside the gap still give one fire). An interval
 *     expression just skips the times that do not exist, so it keeps
 *     firing every N real minutes (`30 * * * *`: 01:30+01, 03:30+02).
 *   - Fall back (a wall-clock time that happens twice): a fixed-time
 *     expression fires once, on the first occurrence (2026-10-25
 *     `30 2 * * *` fires at 02:30+02:00 only); an interval expression fires
 *     in both occurrences (every 5 real minutes straight through).
 *
 * No global state; an expression is immutable after parsing and may be
 * shared. Time zones: see tz.h.
 */
#ifndef DOMECEK_CRON_H
#define DOMECEK_CRON_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct tz;
struct cron_expr;

#define CRON_TEXT_MAX 512 /* longer expressions are rejected */
#define CRON_YEAR_MIN 1970
#define CRON_YEAR_MAX 2199

/* Parses text. On success *out is a new expression (caller frees with
 * cron_free()). On failure returns ERR_INVALID (ERR_NOMEM) and e says
 * which field, which token and why, e.g.
 *   cron "0 0 32 * *": day-of-month field: "32" is out of range 1-31
 * Never prints. */
int cron_parse(const char *text, struct cron_expr **out, struct err *e);
void cron_free(struct cron_expr *expr);

/* The text as given to cron_parse(). Owned by expr. */
const char *cron_text(const struct cron_expr *expr);

/* 1 for an interval expression, 0 for fixed-time (see above). */
int cron_is_interval(const struct cron_expr *expr);

/* The first fire strictly after after_ms (UTC ms), evaluated in zone tz,
 * into *next_ms (a whole second). Returns 0, or ERR_NOTFOUND when it never
 * fires again (a year field in the past, or beyond CRON_YEAR_MAX / year
 * 9999), ERR_INVALID when after_ms is outside the representable range.
 * Cost: a few dozen field jumps and ~10 localtime_r calls, never a scan
 * minute by minute. */
int cron_next(const struct cron_expr *expr, const struct tz *tz,
	      int64_t after_ms, int64_t *next_ms);

/* The expression in words for the dashboard, lang "cs" or "en" (anything
 * else is English): "every day at 03:00", "každý den ve 3:00",
 * "every 5 minutes", "Sundays at 02:00". Shapes it does not know fall
 * back to the expression text. Returns 0, or ERR_TOOBIG when out was too
 * small (out is then truncated, still NUL-terminated). */
int cron_describe(const struct cron_expr *expr, const char *lang, char *out,
		  size_t size);

#endif
