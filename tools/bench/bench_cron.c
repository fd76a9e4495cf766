/*
 * bench_cron.c - cost of cron_parse() and cron_next(): 10,000 random
 * expressions (fixed seed, Unix and Quartz shapes), each parsed and asked
 * for its next fire in Europe/Prague, then the same 10,000 in UTC.
 * Prints figures; the goal is < 50 ms for parse + next of all 10,000.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron/cron.h"
#include "base/err.h"
#include "base/tz.h"

#define COUNT 10000

static uint64_t rng_state = UINT64_C(0x2545F4914F6CDD1D);

static unsigned rng(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * UINT64_C(2685821657736338717)) >> 33) %
	       n;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void field(char *out, size_t size, int lo, int hi)
{
	int a = lo + (int)rng((unsigned)(hi - lo + 1));
	int b = a + (int)rng((unsigned)(hi - a + 1));
	switch (rng(6)) {
	case 0:
		snprintf(out, size, "*");
		break;
	case 1:
		snprintf(out, size, "*/%u", 1 + rng(5));
		break;
	case 2:
		snprintf(out, size, "%d-%d", a, b);
		break;
	case 3:
		snprintf(out, size, "%d,%d", a, b);
		break;
	case 4:
		snprintf(out, size, "%d-%d/%u", a, b, 1 + rng(3));
		break;
	default:
		snprintf(out, size, "%d", a);
		break;
	}
}

static void expression(char *out, size_t size)
{
	static const char *const days[] = {"L", "LW", "15W", "L-2", "?"};
	static const char *const weekdays[] = {"FRI#2", "6L", "MON-FRI", "?"};
	char f[6][24];
	field(f[0], sizeof(f[0]), 0, 59);
	field(f[1], sizeof(f[1]), 0, 59);
	field(f[2], sizeof(f[2]), 0, 23);
	field(f[3], sizeof(f[3]), 1, 28);
	field(f[4], sizeof(f[4]), 1, 12);
	field(f[5], sizeof(f[5]), 0, 6);
	if (rng(3) == 0) { /* Quartz, one day field `?` */
		int special = rng(2);
		snprintf(out, size, "%s %s %s %s %s %s", f[0], f[1], f[2],
			 special ? days[rng(4)] : "?", f[4],
			 special ? "?" : weekdays[rng(3)]);
	} else {
		snprintf(out, size, "%s %s %s %s %s", f[1], f[2], f[3], f[4],
			 f[5]);
	}
}

static double run(const char *zone_name, char (*texts)[96], int *fired)
{
	struct tz *tz = NULL;
	struct err e;
	/* 2026-03-20T12:00Z: many next fires cross the spring-forward gap */
	int64_t from = INT64_C(1774008000000), next;
	double start;
	if (tz_open(zone_name, &tz, &e) != 0) {
		fprintf(stderr, "bench_cron: %s\n", e.msg);
		exit(1);
	}
	*fired = 0;
	start = now_ms();
	for (int i = 0; i < COUNT; i++) {
		struct cron_expr *x = NULL;
		if (cron_parse(texts[i], &x, &e) != 0)
			continue;
		if (cron_next(x, tz, from, &next) == 0)
			(*fired)++;
		cron_free(x);
	}
	start = now_ms() - start;
	tz_free(tz);
	return start;
}

int main(void)
{
	static char texts[COUNT][96];
	int fired;
	double ms;
	for (int i = 0; i < COUNT; i++)
		expression(texts[i], sizeof(texts[i]));
	ms = run("Europe/Prague", texts, &fired);
	printf("cron parse+next Europe/Prague: %d expressions (%d fire) in "
	       "%.2f ms, %.2f us each (goal < 50 ms total)\n",
	       COUNT, fired, ms, ms * 1000.0 / COUNT);
	ms = run("UTC", texts, &fired);
	printf("cron parse+next UTC:           %d expressions (%d fire) in "
	       "%.2f ms, %.2f us each\n",
	       COUNT, fired, ms, ms * 1000.0 / COUNT);
	return 0;
}
