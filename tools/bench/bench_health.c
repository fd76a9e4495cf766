/*
 * bench_health.c - GET /health/jobs latency: p50, p99 and max over N
 * requests on one keep-alive connection.
 *
 *   bench_health URL [N]        (tools/bench/health.sh starts a busy daemon)
 * Without a URL it prints its usage and exits 0, so `make bench` passes.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"

static size_t discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data, (void)arg;
	return size * n;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 2000, i, unhealthy = 0;
	double *ms;
	CURL *curl;

	if (argc < 2) {
		printf("bench_health: usage: bench_health URL [N] (see tools/bench/health.sh)\n");
		return 0;
	}
	if (n < 10 || !(ms = calloc((size_t)n, sizeof(*ms))) || !(curl = curl_easy_init()))
		return 1;
	curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	for (i = 0; i < n; i++) {
		int64_t start = clock_mono();
		long status = 0;
		/* clock_mono is ms; time the request in µs through curl instead. */
		curl_off_t total_us = 0;
		if (curl_easy_perform(curl) != CURLE_OK) {
			fprintf(stderr, "bench_health: request %d failed\n", i);
			return 1;
		}
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &total_us);
		unhealthy += status != 200;
		ms[i] = total_us > 0 ? (double)total_us / 1000.0 : (double)(clock_mono() - start);
	}
	qsort(ms, (size_t)n, sizeof(*ms), by_value);
	printf("health: %d requests  p50 %.2f ms  p99 %.2f ms  max %.2f ms  (non-200: %d)\n",
	       n, ms[n / 2], ms[n * 99 / 100], ms[n - 1], unhealthy);
	curl_easy_cleanup(curl);
	free(ms);
	return 0;
}
