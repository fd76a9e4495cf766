/*
 * cron_impl.h - the parsed form of a cron expression, shared by the three
 * files of the cron module (cron_parse.c, cron_next.c, cron_describe.c).
 * Not part of the public interface: include/cron.h is.
 *
 * Every field is a bit set so that "does value v match" is one test and
 * "next matching value >= v" is a count-trailing-zeros.
 */
#ifndef DOMECEK_CRON_IMPL_H
#define DOMECEK_CRON_IMPL_H

#include <stdint.h>

enum cron_field {
	CRON_SECOND,
	CRON_MINUTE,
	CRON_HOUR,
	CRON_DOM,
	CRON_MONTH,
	CRON_DOW,
	CRON_YEAR,
	CRON_FIELDS
};

/* How a field was written, for cron_describe(). */
enum cron_shape {
	CRON_SHAPE_STAR,   /* `*` or `?` */
	CRON_SHAPE_SINGLE, /* one value (weekday already 0 = Sunday) */
	CRON_SHAPE_STEP,   /* `*` /n or 0/n (1/n for day and month) */
	CRON_SHAPE_OTHER,
};

struct cron_field_shape {
	enum cron_shape shape;
	int value; /* CRON_SHAPE_SINGLE */
	int step;  /* CRON_SHAPE_STEP */
};

struct cron_expr {
	char *text;
	uint64_t seconds; /* bit n = second n */
	uint64_t minutes;
	uint32_t hours;
	uint32_t days;		   /* bit d = day-of-month d (1-31) */
	uint32_t days_before_last; /* bit k = `L-k` (`L` is k = 0) */
	uint32_t days_weekday;	   /* bit d = `dW` */
	int has_last_weekday;	   /* `LW` */
	uint16_t months;	   /* bit m = month m (1-12) */
	uint8_t weekdays;	   /* bit w = weekday w (0 = Sunday) */
	uint8_t weekdays_last;	   /* bit w = `wL` */
	uint8_t weekdays_nth[7];   /* bit n = `w#n` (1-5) */
	uint64_t years[4];	   /* bit y - CRON_YEAR_MIN, when has_years */
	int has_years;
	int is_dom_star; /* day-of-month starts with `*` or `?` */
	int is_dow_star;
	int has_seconds; /* Quartz form */
	int is_interval;
	struct cron_field_shape shapes[CRON_FIELDS];
};

/* Bit d (1-31) set for each day of year/month on which expr fires. */
uint32_t cron_day_mask(const struct cron_expr *x, int year, int month);
/* 1 when year is allowed by the year field (always without one). */
int cron_year_allowed(const struct cron_expr *x, int year);

#endif
