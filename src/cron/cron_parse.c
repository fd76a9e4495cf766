/*
 * cron_parse.c - text to struct cron_expr (syntax in include/cron.h).
 *
 * The parser turns every field into bit sets (cron_impl.h) and remembers
 * how each field was written, for cron_describe(). It reports through
 * struct err and never prints: the CLI and the daemon share it.
 *
 * Invariants of a parsed expression: every time field has at least one
 * bit; the expression fires at least once (checked here over a 28-year
 * span, the cycle after which weekdays and leap years repeat, or over the
 * years of the year field); is_interval follows the rule in cron.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cron/cron.h"
#include "cron_impl.h"
#include "base/err.h"

#define CRON_ITEM_MAX 32

struct cron_field_def {
	const char *name;
	int min, max;
};

static const struct cron_field_def cron_defs[CRON_FIELDS] = {
    {"second", 0, 59},
    {"minute", 0, 59},
    {"hour", 0, 23},
    {"day-of-month", 1, 31},
    {"month", 1, 12},
    {"day-of-week", 0, 7},
    {"year", CRON_YEAR_MIN, CRON_YEAR_MAX},
};

static const char *const cron_month_names[12] = {"JAN", "FEB", "MAR", "APR",
						 "MAY", "JUN", "JUL", "AUG",
						 "SEP", "OCT", "NOV", "DEC"};
static const char *const cron_day_names[7] = {"SUN", "MON", "TUE", "WED",
					      "THU", "FRI", "SAT"};

struct cron_macro {
	const char *name;
	const char *expansion;
};

static const struct cron_macro cron_macros[] = {
    {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

struct cron_parser {
	const char *text; /* the whole expression, for messages */
	struct cron_expr *x;
	struct err *e;
	int is_quartz;
	enum cron_field field;
	const char *item; /* the list item being parsed, for messages */
	/* how the last item was written (for shapes) */
	enum cron_shape item_shape;
	int item_value, item_step;
	int questions; /* day fields written as `?` */
};

__attribute__((format(printf, 2, 3))) static int
cron_fail(struct cron_parser *p, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return err_set(p->e, ERR_INVALID,
		       "cron \"%.200s\": %s field: \"%s\" %s", p->text,
		       cron_defs[p->field].name, p->item, why);
}

static int cron_min(const struct cron_parser *p)
{
	if (p->field == CRON_DOW && p->is_quartz)
		return 1;
	return cron_defs[p->field].min;
}

static int cron_max(const struct cron_parser *p)
{
	if (p->field == CRON_DOW && p->is_quartz)
		return 7;
	return cron_defs[p->field].max;
}

static int cron_name_value(const struct cron_parser *p, const char *s,
			   size_t len)
{
	if (len != 3)
		return -1;
	if (p->field == CRON_MONTH)
		for (int i = 0; i < 12; i++)
			if (strncasecmp(s, cron_month_names[i], 3) == 0)
				return i + 1;
	if (p->field == CRON_DOW)
		for (int i = 0; i < 7; i++)
			if (strncasecmp(s, cron_day_names[i], 3) == 0)
				return i + p->is_quartz;
	return -1;
}

static int cron_why_not_value(struct cron_parser *p, const char *s, size_t len)
{
	if (p->field == CRON_MONTH)
		return cron_fail(p,
				 "has \"%.*s\", not a month (JAN-DEC or 1-12)",
				 (int)len, s);
	if (p->field == CRON_DOW)
		return cron_fail(
		    p, "has \"%.*s\", not a weekday (SUN-SAT or %d-%d)",
		    (int)len, s, cron_min(p), cron_max(p));
	if (len > 0 && strpbrk(p->item, "LlWw#?") != NULL)
		return cron_fail(p, "is not a number (L, W, # and ? belong to "
				    "day-of-month and day-of-week)");
	return cron_fail(p, "has \"%.*s\", not a number", (int)len, s);
}

/* One number or name [s, s + len), range-checked. */
static int cron_value(struct cron_parser *p, const char *s, size_t len,
		      int *out)
{
	int v = 0;
	if (len > 0 && s[0] >= '0' && s[0] <= '9') {
		for (size_t i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return cron_why_not_value(p, s, len);
			if (v < 100000)
				v = v * 10 + (s[i] - '0');
		}
	} else if ((v = cron_name_value(p, s, len)) < 0) {
		return cron_why_not_value(p, s, len);
	}
	if (v < cron_min(p) || v > cron_max(p))
		return cron_fail(p, "has %d, out of range %d-%d", v,
				 cron_min(p), cron_max(p));
	*out = v;
	return 0;
}

/* Weekday in the expression's numbering to 0 = Sunday. */
static int cron_weekday(const struct cron_parser *p, int v)
{
	return p->is_quartz ? v - 1 : v % 7;
}

static void cron_set(struct cron_parser *p, int v)
{
	struct cron_expr *x = p->x;
	switch (p->field) {
	case CRON_SECOND:
		x->seconds |= UINT64_C(1) << v;
		break;
	case CRON_MINUTE:
		x->minutes |= UINT64_C(1) << v;
		break;
	case CRON_HOUR:
		x->hours |= UINT32_C(1) << v;
		break;
	case CRON_DOM:
		x->days |= UINT32_C(1) << v;
		break;
	case CRON_MONTH:
		x->months |= (uint16_t)(1u << v);
		break;
	case CRON_DOW:
		x->weekdays |= (uint8_t)(1u << cron_weekday(p, v));
		break;
	case CRON_YEAR:
		v -= CRON_YEAR_MIN;
		x->years[v / 64] |= UINT64_C(1) << (v % 64);
		break;
	default:
		break;
	}
}

static int cron_step(struct cron_parser *p, const char *s, int *step)
{
	int span = cron_max(p) - cron_min(p) + 1;
	size_t len = strlen(s);
	int v = 0;
	if (len == 0)
		return cron_fail(p, "has no step after /");
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return cron_fail(p, "has step \"%s\", not a number", s);
		if (v < 100000)
			v = v * 10 + (s[i] - '0');
	}
	if (v == 0)
		return cron_fail(p, "has step 0, which never advances");
	if (v > span)
		return cron_fail(p, "has step %d, out of range 1-%d", v, span);
	*step = v;
	return 0;
}

/* `*`, `a`, `a-b`, each with an optional `/n`. */
static int cron_range_item(struct cron_parser *p, const char *text)
{
	char item[CRON_ITEM_MAX + 1]; /* p->item stays whole for messages */
	char *slash, *dash;
	int lo = cron_min(p), hi = cron_max(p), step = 1, rc;
	snprintf(item, sizeof(item), "%s", text);
	slash = strchr(item, '/');
	if (slash)
		*slash = '\0';
	dash = strchr(item + 1, '-');
	if (strcmp(item, "*") == 0) {
		/* lo..hi already */
	} else if (dash) {
		if ((rc = cron_value(p, item, (size_t)(dash - item), &lo)) ||
		    (rc = cron_value(p, dash + 1, strlen(dash + 1), &hi)))
			return rc;
		if (p->field == CRON_DOW && !p->is_quartz && hi == 0 && lo > 0)
			hi = 7; /* MON-SUN */
		if (lo > hi)
			return cron_fail(p,
					 "is a reversed range (%d is after "
					 "%d)",
					 lo, hi);
	} else {
		if ((rc = cron_value(p, item, strlen(item), &lo)))
			return rc;
		if (!slash)
			hi = lo;
	}
	if (slash && (rc = cron_step(p, slash + 1, &step)))
		return rc;
	for (int v = lo; v <= hi; v += step)
		cron_set(p, v);
	p->item_shape = CRON_SHAPE_OTHER;
	if (!slash && !dash && strcmp(item, "*") != 0) {
		p->item_shape = CRON_SHAPE_SINGLE;
		p->item_value = p->field == CRON_DOW ? cron_weekday(p, lo) : lo;
	} else if (slash && !dash && lo == cron_min(p)) {
		p->item_shape = CRON_SHAPE_STEP;
		p->item_step = step;
	}
	return 0;
}

/* `L`, `L-n`, `LW`, `nW`; returns 1 when item was none of them. */
static int cron_dom_special(struct cron_parser *p, const char *item)
{
	size_t len = strlen(item);
	int v, rc;
	if (strcasecmp(item, "L") == 0) {
		p->x->days_before_last |= 1;
	} else if (strcasecmp(item, "LW") == 0) {
		p->x->has_last_weekday = 1;
	} else if ((item[0] == 'L' || item[0] == 'l') && item[1] == '-') {
		v = 0;
		for (size_t i = 2; i < len; i++)
			if (item[i] < '0' || item[i] > '9' ||
			    (v = v * 10 + item[i] - '0') > 30)
				return cron_fail(p, "is not L-0 to L-30 (days "
						    "before the last)");
		if (len == 2)
			return cron_fail(p, "has no number after L-");
		p->x->days_before_last |= UINT32_C(1) << v;
	} else if (len > 1 && (item[len - 1] == 'W' || item[len - 1] == 'w')) {
		if ((rc = cron_value(p, item, len - 1, &v)))
			return rc;
		p->x->days_weekday |= UINT32_C(1) << v;
	} else {
		return 1;
	}
	p->item_shape = CRON_SHAPE_OTHER;
	return 0;
}

/* `L` (Saturday), `wL`, `w#n`; returns 1 when item was none of them. */
static int cron_dow_special(struct cron_parser *p, const char *item)
{
	size_t len = strlen(item);
	const char *hash = strchr(item, '#');
	int v, n, rc;
	if (strcasecmp(item, "L") == 0) {
		p->x->weekdays |= 1u << 6;
	} else if (len > 1 && (item[len - 1] == 'L' || item[len - 1] == 'l')) {
		if ((rc = cron_value(p, item, len - 1, &v)))
			return rc;
		p->x->weekdays_last |= (uint8_t)(1u << cron_weekday(p, v));
	} else if (hash) {
		if ((rc = cron_value(p, item, (size_t)(hash - item), &v)))
			return rc;
		if (strlen(hash) != 2 || hash[1] < '1' || hash[1] > '5')
			return cron_fail(p,
					 "has #%s, expected #1 to #5 (the "
					 "nth weekday of the month)",
					 hash + 1);
		n = hash[1] - '0';
		p->x->weekdays_nth[cron_weekday(p, v)] |= (uint8_t)(1u << n);
	} else {
		return 1;
	}
	p->item_shape = CRON_SHAPE_OTHER;
	return 0;
}

static int cron_item(struct cron_parser *p, char *item)
{
	int rc;
	p->item = item;
	if (item[0] == '\0')
		return cron_fail(p, "is an empty list item");
	if (item[0] == '?') {
		if (p->field != CRON_DOM && p->field != CRON_DOW)
			return cron_fail(p,
					 "has ? (no specific value), allowed "
					 "only in day-of-month or "
					 "day-of-week");
		if (item[1] != '\0')
			return cron_fail(p, "combines ? with something else");
		p->item_shape = CRON_SHAPE_STAR;
		for (int v = cron_min(p); v <= cron_max(p); v++)
			cron_set(p, v);
		return 0;
	}
	if (p->field == CRON_DOM && (rc = cron_dom_special(p, item)) != 1)
		return rc;
	if (p->field == CRON_DOW && (rc = cron_dow_special(p, item)) != 1)
		return rc;
	return cron_range_item(p, item);
}

/* One whitespace-delimited field [s, s + len). */
static int cron_field(struct cron_parser *p, enum cron_field field,
		      const char *s, size_t len)
{
	char item[CRON_ITEM_MAX + 1];
	size_t start = 0;
	int items = 0, rc;
	p->field = field;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		snprintf(item, sizeof(item), "%.*s", (int)(i - start),
			 s + start);
		if (i - start > CRON_ITEM_MAX) {
			p->item = item;
			return cron_fail(p, "is too long");
		}
		if ((rc = cron_item(p, item)))
			return rc;
		items++;
		start = i + 1;
	}
	p->x->shapes[field].shape = CRON_SHAPE_OTHER;
	if (len == 1 && (s[0] == '*' || s[0] == '?'))
		p->x->shapes[field].shape = CRON_SHAPE_STAR;
	else if (items == 1 && p->item_shape != CRON_SHAPE_STAR)
		p->x->shapes[field] = (struct cron_field_shape){
		    p->item_shape, p->item_value, p->item_step};
	if ((field == CRON_DOM || field == CRON_DOW) && s[0] == '?')
		p->questions++;
	if (field == CRON_DOM)
		p->x->is_dom_star = s[0] == '*' || s[0] == '?';
	if (field == CRON_DOW)
		p->x->is_dow_star = s[0] == '*' || s[0] == '?';
	if (field <= CRON_HOUR && memchr(s, '*', len) != NULL)
		p->x->is_interval = 1;
	if (field <= CRON_HOUR &&
	    (memchr(s, '-', len) != NULL || memchr(s, '/', len) != NULL))
		p->x->is_interval = 1;
	return 0;
}

static int cron_can_fire(const struct cron_expr *x)
{
	int first = x->has_years ? CRON_YEAR_MIN : 2000;
	int last = x->has_years ? CRON_YEAR_MAX : 2027;
	for (int year = first; year <= last; year++) {
		if (!cron_year_allowed(x, year))
			continue;
		for (int month = 1; month <= 12; month++)
			if ((x->months >> month & 1) &&
			    cron_day_mask(x, year, month) != 0)
				return 1;
	}
	return 0;
}

static int cron_fields(struct cron_parser *p, const char *text)
{
	const char *start[8];
	size_t len[8];
	int count = 0, first, rc;
	for (const char *s = text; *s;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (count == 8)
			break;
		start[count] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		len[count] = (size_t)(s - start[count]);
		count++;
	}
	if (count < 5 || count > 7)
		return err_set(
		    p->e, ERR_INVALID,
		    "cron \"%.200s\": %s%d fields, expected 5 (minute "
		    "hour day-of-month month day-of-week) or 6-7 "
		    "(seconds first, year last)",
		    p->text, count > 7 ? "more than " : "",
		    count > 7 ? 7 : count);
	p->is_quartz = count > 5;
	first = p->is_quartz ? CRON_SECOND : CRON_MINUTE;
	if (!p->is_quartz) {
		p->x->seconds = 1;
		p->x->shapes[CRON_SECOND] =
		    (struct cron_field_shape){CRON_SHAPE_SINGLE, 0, 0};
	}
	for (int i = 0; i < count; i++)
		if ((rc = cron_field(p, (enum cron_field)(first + i), start[i],
				     len[i])))
			return rc;
	p->x->has_years = count == 7;
	p->x->has_seconds = p->is_quartz;
	return 0;
}

static int cron_check(struct cron_parser *p)
{
	struct cron_expr *x = p->x;
	if (p->questions == 2) {
		p->field = CRON_DOW;
		p->item = "?";
		return cron_fail(p, "is also in day-of-month; ? may stand in "
				    "only one of the two");
	}
	if (!cron_can_fire(x))
		return err_set(p->e, ERR_INVALID,
			       "cron \"%.200s\": never fires (no such day: "
			       "day-of-month, month%s and day-of-week never "
			       "meet)",
			       p->text, x->has_years ? ", year" : "");
	return 0;
}

static const char *cron_expand_macro(struct cron_parser *p, const char *text)
{
	for (size_t i = 0; i < sizeof(cron_macros) / sizeof(cron_macros[0]);
	     i++)
		if (strcasecmp(text, cron_macros[i].name) == 0)
			return cron_macros[i].expansion;
	err_set(p->e, ERR_INVALID,
		"cron \"%.200s\": unknown macro (known: @yearly @annually "
		"@monthly @weekly @daily @midnight @hourly)",
		text);
	return NULL;
}

/* The text without surrounding blanks, into out[CRON_TEXT_MAX + 1]. */
static void cron_trim(const char *text, char *out)
{
	size_t len;
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	len = strlen(text);
	while (len > 0 && strchr(" \t\n\r", text[len - 1]) != NULL)
		len--;
	snprintf(out, CRON_TEXT_MAX + 1, "%.*s", (int)len, text);
}

int cron_parse(const char *text, struct cron_expr **out, struct err *e)
{
	struct cron_parser p = {.e = e};
	char trimmed[CRON_TEXT_MAX + 1];
	const char *fields;
	int rc;
	*out = NULL;
	if (strlen(text) > CRON_TEXT_MAX)
		return err_set(e, ERR_INVALID,
			       "cron expression is longer than %d characters",
			       CRON_TEXT_MAX);
	cron_trim(text, trimmed);
	p.text = trimmed;
	fields = trimmed;
	if (trimmed[0] == '@' && !(fields = cron_expand_macro(&p, trimmed)))
		return ERR_INVALID;
	p.x = calloc(1, sizeof(*p.x));
	if (!p.x || !(p.x->text = strdup(trimmed))) {
		rc = err_set(e, ERR_NOMEM, "cron \"%s\": out of memory",
			     trimmed);
		goto done;
	}
	if ((rc = cron_fields(&p, fields)))
		goto done;
	rc = cron_check(&p);
done:
	if (rc) {
		cron_free(p.x);
		return rc;
	}
	*out = p.x;
	return 0;
}

void cron_free(struct cron_expr *expr)
{
	if (!expr)
		return;
	free(expr->text);
	free(expr);
}

const char *cron_text(const struct cron_expr *expr)
{
	return expr->text;
}

int cron_is_interval(const struct cron_expr *expr)
{
	return expr->is_interval;
}
