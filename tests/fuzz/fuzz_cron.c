/*
 * fuzz_cron.c - libFuzzer target for the cron parser: any bytes must give
 * a parse error or an expression whose next fires and description work,
 * without crashes, leaks or undefined behaviour.
 */
// fuzz-sources: src/cron/cron_parse.c src/cron/cron_next.c src/cron/cron_describe.c
// fuzz-sources: src/base/tz.c src/base/err.c src/base/buf.c src/base/clock.c
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron/cron.h"
#include "base/err.h"
#include "base/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tz *fuzz_zone(int which)
{
	static struct tz *zones[2]; /* opened once: the fuzzer runs forever */
	static const char *const names[2] = {"UTC", "Europe/Prague"};
	if (!zones[which] && tz_open(names[which], &zones[which], NULL) != 0)
		abort();
	return zones[which];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cron_expr *x = NULL;
	struct err e;
	char text[CRON_TEXT_MAX + 64];
	char words[256];
	/* 2026-03-28T23:00Z: the next fires cross the spring-forward gap */
	int64_t from = INT64_C(1774738800000), next;
	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cron_parse(text, &x, &e) != 0) {
		if (e.msg[0] == '\0')
			abort(); /* every error must say why */
		return 0;
	}
	for (int z = 0; z < 2; z++) {
		int64_t after = from;
		for (int i = 0; i < 4; i++) {
			if (cron_next(x, fuzz_zone(z), after, &next) != 0)
				break;
			if (next <= after)
				abort(); /* strictly after */
			after = next;
		}
	}
	cron_describe(x, "cs", words, sizeof(words));
	cron_describe(x, "en", words, 16);
	cron_free(x);
	return 0;
}
