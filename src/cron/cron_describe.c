/*
 * cron_describe.c - a cron expression in words, Czech or English, for the
 * dashboard and `recurring list`.
 *
 * It recognises the shapes people write (every N minutes, every hour,
 * every day / a weekday / working days / a day of the month / a day of
 * the year at a time) from how each field was written (cron_impl.h
 * shapes), and falls back to the expression text for everything else: a
 * wrong description is worse than none.
 */
#include <stdio.h>
#include <string.h>

#include "cron/cron.h"
#include "cron_impl.h"
#include "base/err.h"

struct cron_words {
	int is_czech;
	char time[32]; /* "at 03:00" / "ve 3:00" */
};

static const char *const en_days[7] = {"Sundays",    "Mondays",	  "Tuesdays",
				       "Wednesdays", "Thursdays", "Fridays",
				       "Saturdays"};
static const char *const cs_days[7] = {
    "každou neděli", "každé pondělí", "každé úterý",  "každou středu",
    "každý čtvrtek", "každý pátek",   "každou sobotu"};
static const char *const en_months[12] = {
    "January", "February", "March",	"April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const cs_months[12] = {
    "ledna",	"února", "března", "dubna", "května",	 "června",
    "července", "srpna", "září",   "října", "listopadu", "prosince"};

static int is_shape(const struct cron_expr *x, enum cron_field f,
		    enum cron_shape shape)
{
	return x->shapes[f].shape == shape;
}

static int value_of(const struct cron_expr *x, enum cron_field f)
{
	return x->shapes[f].value;
}

static const char *month_name(int cs, int month)
{
	unsigned index = (unsigned)month - 1;
	if (index >= 12)
		return "?";
	return cs ? cs_months[index] : en_months[index];
}

/* Czech counts: 1 minutu, 2-4 minuty, 5+ minut. */
static const char *cs_plural(int n, const char *one, const char *few,
			     const char *many)
{
	return n == 1 ? one : (n >= 2 && n <= 4) ? few : many;
}

/* "every 5 minutes" and friends; 1 when it wrote out. */
static int describe_interval(const struct cron_expr *x, int cs, char *out,
			     size_t size)
{
	static const char *const en_units[3] = {"second", "minute", "hour"};
	static const char *const cs_units[3][3] = {
	    {"sekundu", "sekundy", "sekund"},
	    {"minutu", "minuty", "minut"},
	    {"hodinu", "hodiny", "hodin"}};
	int unit = -1, n = 1;
	for (int f = CRON_SECOND; f <= CRON_HOUR; f++) {
		int is_zero =
		    is_shape(x, f, CRON_SHAPE_SINGLE) && value_of(x, f) == 0;
		if (unit < 0 && is_zero)
			continue;
		if (unit >= 0 && !is_shape(x, f, CRON_SHAPE_STAR))
			return 0; /* something above the interval unit */
		if (unit < 0 && is_shape(x, f, CRON_SHAPE_STEP))
			n = x->shapes[f].step;
		else if (unit < 0 && !is_shape(x, f, CRON_SHAPE_STAR))
			return 0;
		if (unit < 0)
			unit = f;
	}
	if (unit < 0)
		return 0;
	if (!cs && n == 1)
		snprintf(out, size, "every %s", en_units[unit]);
	else if (!cs)
		snprintf(out, size, "every %d %ss", n, en_units[unit]);
	else if (n == 1)
		snprintf(out, size, "každou %s", cs_units[unit][0]);
	else
		snprintf(out, size, "%s %d %s",
			 cs_plural(n, "každou", "každé", "každých"), n,
			 cs_plural(n, cs_units[unit][0], cs_units[unit][1],
				   cs_units[unit][2]));
	return 1;
}

/* "every hour at :30", "every 2 hours"; 1 when it wrote out. */
static int describe_hourly(const struct cron_expr *x, int cs, char *out,
			   size_t size)
{
	int minute, n = 1;
	char at[24] = "";
	if (!is_shape(x, CRON_SECOND, CRON_SHAPE_SINGLE) ||
	    value_of(x, CRON_SECOND) != 0 ||
	    !is_shape(x, CRON_MINUTE, CRON_SHAPE_SINGLE))
		return 0;
	if (is_shape(x, CRON_HOUR, CRON_SHAPE_STEP))
		n = x->shapes[CRON_HOUR].step;
	else if (!is_shape(x, CRON_HOUR, CRON_SHAPE_STAR))
		return 0;
	minute = value_of(x, CRON_MINUTE);
	if (minute != 0)
		snprintf(at, sizeof(at), cs ? " v :%02d" : " at :%02d", minute);
	if (!cs && n == 1)
		snprintf(out, size, "every hour%s", at);
	else if (!cs)
		snprintf(out, size, "every %d hours%s", n, at);
	else if (n == 1)
		snprintf(out, size, "každou hodinu%s", at);
	else
		snprintf(out, size, "%s %d %s%s",
			 cs_plural(n, "každou", "každé", "každých"), n,
			 cs_plural(n, "hodinu", "hodiny", "hodin"), at);
	return 1;
}

/* The time of day of a fixed-time expression; 0 when it is not one. */
static int describe_time(const struct cron_expr *x, struct cron_words *w)
{
	int h, m, s;
	for (int f = CRON_SECOND; f <= CRON_HOUR; f++)
		if (!is_shape(x, f, CRON_SHAPE_SINGLE))
			return 0;
	h = value_of(x, CRON_HOUR);
	m = value_of(x, CRON_MINUTE);
	s = value_of(x, CRON_SECOND);
	if (w->is_czech) {
		/* "ve" before dvě, tři, čtyři, dvanáct, třináct, ... dvacet */
		int ve = (h >= 2 && h <= 4) || (h >= 12 && h <= 14) || h >= 20;
		snprintf(w->time, sizeof(w->time), "%s %d:%02d",
			 ve ? "ve" : "v", h, m);
	} else {
		snprintf(w->time, sizeof(w->time), "at %02d:%02d", h, m);
	}
	if (s != 0) {
		size_t len = strlen(w->time);
		snprintf(w->time + len, sizeof(w->time) - len, ":%02d", s);
	}
	return 1;
}

static int has_day_specials(const struct cron_expr *x)
{
	uint8_t nth = 0;
	for (int w = 0; w < 7; w++)
		nth |= x->weekdays_nth[w];
	return x->days_weekday || x->has_last_weekday || x->weekdays_last ||
	       nth || (x->days_before_last & ~UINT32_C(1));
}

/* The day part joined with w->time; 1 when it wrote out. */
static int describe_days(const struct cron_expr *x, const struct cron_words *w,
			 char *out, size_t size)
{
	int dom_star = is_shape(x, CRON_DOM, CRON_SHAPE_STAR);
	int dow_star = is_shape(x, CRON_DOW, CRON_SHAPE_STAR);
	int every_month = is_shape(x, CRON_MONTH, CRON_SHAPE_STAR);
	int cs = w->is_czech;
	if (has_day_specials(x))
		return 0;
	if (dom_star && dow_star && every_month)
		snprintf(out, size, "%s %s", cs ? "každý den" : "every day",
			 w->time);
	else if (dom_star && every_month &&
		 is_shape(x, CRON_DOW, CRON_SHAPE_SINGLE))
		snprintf(out, size, "%s %s",
			 (cs ? cs_days : en_days)[value_of(x, CRON_DOW)],
			 w->time);
	else if (dom_star && every_month && x->weekdays == 0x3e)
		snprintf(out, size, "%s %s",
			 cs ? "v pracovní dny" : "on weekdays", w->time);
	else if (dow_star && every_month && x->days == 0 &&
		 x->days_before_last == 1)
		snprintf(out, size, "%s %s",
			 cs ? "poslední den v měsíci"
			    : "on the last day of the month",
			 w->time);
	else if (dow_star && every_month &&
		 is_shape(x, CRON_DOM, CRON_SHAPE_SINGLE))
		snprintf(out, size,
			 cs ? "%d. den v měsíci %s"
			    : "on day %d of every month %s",
			 value_of(x, CRON_DOM), w->time);
	else if (dow_star && is_shape(x, CRON_DOM, CRON_SHAPE_SINGLE) &&
		 is_shape(x, CRON_MONTH, CRON_SHAPE_SINGLE))
		snprintf(out, size,
			 cs ? "každý rok %d. %s %s" : "every year on %d %s %s",
			 value_of(x, CRON_DOM),
			 month_name(cs, value_of(x, CRON_MONTH)), w->time);
	else
		return 0;
	return 1;
}

int cron_describe(const struct cron_expr *x, const char *lang, char *out,
		  size_t size)
{
	struct cron_words w = {.is_czech = lang && strcmp(lang, "cs") == 0};
	char text[256];
	int done = 0;
	if (size == 0)
		return ERR_TOOBIG;
	text[0] = '\0';
	if (!x->has_years || is_shape(x, CRON_YEAR, CRON_SHAPE_STAR)) {
		int every_day = is_shape(x, CRON_DOM, CRON_SHAPE_STAR) &&
				is_shape(x, CRON_MONTH, CRON_SHAPE_STAR) &&
				is_shape(x, CRON_DOW, CRON_SHAPE_STAR);
		if (every_day)
			done =
			    describe_interval(x, w.is_czech, text,
					      sizeof(text)) ||
			    describe_hourly(x, w.is_czech, text, sizeof(text));
		if (!done && describe_time(x, &w))
			done = describe_days(x, &w, text, sizeof(text));
	}
	if ((size_t)snprintf(out, size, "%s", done ? text : x->text) >= size)
		return ERR_TOOBIG;
	return 0;
}
