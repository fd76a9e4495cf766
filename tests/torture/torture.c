/* tests/torture/torture.c - the failing-allocation mode of the unit tests
 * (curl's torture tests, SQLite's OOM tests): fail the Nth allocation.
 *
 * Linked only into the torture build of the unit tests (`make
 * check-torture`, tests/torture/run). There the library's own calls to
 * malloc, calloc, realloc, strdup and strndup are renamed to the
 * torture_* functions below (objcopy --redefine-sym on libdomecek.a, so
 * the project's sources do not change), and cJSON allocates through
 * torture_malloc too (cJSON_InitHooks). One counter covers them all.
 *
 * Environment:
 *   DOMECEK_TORTURE=N        the Nth counted allocation returns NULL, once
 *                            (0: count only)
 *   DOMECEK_TORTURE_TEST=T   run only the cmocka test named T
 *   DOMECEK_TORTURE_SITES=F  (with N=0) write to F the numbers of the
 *                            allocations made from a call stack not seen
 *                            before (5 frames): a loop that allocates per
 *                            row is failed at its first row only
 * At exit one line goes to stderr:
 *   "# torture: failed allocation N of M"  or
 *   "# torture: no allocation N (M made)"  (the runner stops there).
 *
 * Leaks: once an allocation has failed, the test's own assertions may
 * fail, and cmocka then longjmps out of the test and drops what the test
 * held, which LeakSanitizer would report at exit. So the cmocka
 * assertions are wrapped (-Wl,--wrap): at the first assertion that fails,
 * while the test's variables are still on the stack, LeakSanitizer looks
 * for blocks nobody can reach any more - those were leaked by the code
 * under test on its error path. The check at exit runs only when no
 * assertion failed. The runner starts the program with
 * leak_check_at_exit=0. A NULL given to assert_string_equal or
 * assert_memory_equal fails the assertion instead of crashing in cmocka.
 */
#include <cjson/cJSON.h>
#include <execinfo.h>
#include <sanitizer/lsan_interface.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void *torture_malloc(size_t size);
void *torture_calloc(size_t count, size_t size);
void *torture_realloc(void *ptr, size_t size);
char *torture_strdup(const char *s);
char *torture_strndup(const char *s, size_t max);

static unsigned long fail_at;   /* DOMECEK_TORTURE; 0 = never */
static unsigned long made;      /* counted allocations so far */
static int has_failed_one;      /* the Nth allocation returned NULL */
static int has_failed_assertion; /* a test assertion failed after that */

/* DOMECEK_TORTURE_SITES: a set of the call stacks seen (open addressing). */
enum { SITE_FRAMES = 8, SITE_SLOTS = 1 << 16 };
static FILE *sites_out;
static uint64_t sites[SITE_SLOTS];

__attribute__((noinline)) static void note_site(void)
{
	void *frames[SITE_FRAMES];
	int n = backtrace(frames, SITE_FRAMES);
	uint64_t key = 1469598103934665603ULL; /* FNV-1a over the addresses */

	for (int i = 2; i < n; i++) /* skip note_site and should_fail */
		key = (key ^ (uint64_t)(uintptr_t)frames[i]) * 1099511628211ULL;
	key |= 1; /* 0 marks a free slot */
	for (size_t slot = key % SITE_SLOTS, tries = 0; tries < SITE_SLOTS;
	     slot = (slot + 1) % SITE_SLOTS, tries++) {
		if (sites[slot] == key)
			return;
		if (sites[slot] == 0) {
			sites[slot] = key;
			fprintf(sites_out, "%lu\n", made);
			return;
		}
	}
}

__attribute__((noinline)) static int should_fail(void)
{
	made++;
	if (sites_out != NULL)
		note_site();
	if (fail_at != 0 && made == fail_at) {
		has_failed_one = 1;
		return 1;
	}
	return 0;
}

void *torture_malloc(size_t size)
{
	return should_fail() ? NULL : malloc(size);
}

void *torture_calloc(size_t count, size_t size)
{
	return should_fail() ? NULL : calloc(count, size);
}

void *torture_realloc(void *ptr, size_t size)
{
	return should_fail() ? NULL : realloc(ptr, size);
}

char *torture_strdup(const char *s)
{
	return should_fail() ? NULL : strdup(s);
}

char *torture_strndup(const char *s, size_t max)
{
	return should_fail() ? NULL : strndup(s, max);
}

static void report_at_exit(void)
{
	if (sites_out != NULL)
		fclose(sites_out);
	sites_out = NULL;
	if (has_failed_one)
		fprintf(stderr, "# torture: failed allocation %lu of %lu\n", fail_at, made);
	else
		fprintf(stderr, "# torture: no allocation %lu (%lu made)\n", fail_at, made);
	if (!has_failed_assertion && __lsan_do_recoverable_leak_check() != 0)
		fprintf(stderr, "# torture: leak at exit\n");
}

__attribute__((constructor)) static void torture_init(void)
{
	const char *n = getenv("DOMECEK_TORTURE");
	const char *test = getenv("DOMECEK_TORTURE_TEST");
	const char *sites_path = getenv("DOMECEK_TORTURE_SITES");
	cJSON_Hooks hooks = {torture_malloc, free};

	fail_at = n != NULL ? strtoul(n, NULL, 10) : 0;
	if (fail_at == 0 && sites_path != NULL && *sites_path != '\0') {
		sites_out = fopen(sites_path, "w");
		if (sites_out == NULL)
			perror(sites_path);
	}
	cJSON_InitHooks(&hooks);
	if (test != NULL && *test != '\0')
		cmocka_set_test_filter(test);
	atexit(report_at_exit);
}

/* Called just before an assertion fails (cmocka then leaves the test). */
static void before_failing(const char *file, int line)
{
	if (has_failed_assertion)
		return;
	has_failed_assertion = 1;
	if (has_failed_one && __lsan_do_recoverable_leak_check() != 0)
		fprintf(stderr, "# torture: leak found at failing assertion %s:%d\n", file, line);
}

void __real__assert_true(const LargestIntegralType result, const char *const expression,
                         const char *const file, const int line);
void __real__assert_int_equal(const LargestIntegralType a, const LargestIntegralType b,
                              const char *const file, const int line);
void __real__assert_int_not_equal(const LargestIntegralType a, const LargestIntegralType b,
                                  const char *const file, const int line);
void __real__assert_string_equal(const char *const a, const char *const b,
                                 const char *const file, const int line);
void __real__assert_string_not_equal(const char *const a, const char *const b, const char *file,
                                     const int line);
void __real__assert_memory_equal(const void *const a, const void *const b, const size_t size,
                                 const char *const file, const int line);
void __real__assert_memory_not_equal(const void *const a, const void *const b,
                                     const size_t size, const char *const file, const int line);
void __real__fail(const char *const file, const int line);

void __wrap__assert_true(const LargestIntegralType result, const char *const expression,
                         const char *const file, const int line);
void __wrap__assert_int_equal(const LargestIntegralType a, const LargestIntegralType b,
                              const char *const file, const int line);
void __wrap__assert_int_not_equal(const LargestIntegralType a, const LargestIntegralType b,
                                  const char *const file, const int line);
void __wrap__assert_string_equal(const char *const a, const char *const b,
                                 const char *const file, const int line);
void __wrap__assert_string_not_equal(const char *const a, const char *const b, const char *file,
                                     const int line);
void __wrap__assert_memory_equal(const void *const a, const void *const b, const size_t size,
                                 const char *const file, const int line);
void __wrap__assert_memory_not_equal(const void *const a, const void *const b,
                                     const size_t size, const char *const file, const int line);
void __wrap__fail(const char *const file, const int line);

void __wrap__assert_true(const LargestIntegralType result, const char *const expression,
                         const char *const file, const int line)
{
	if (!result)
		before_failing(file, line);
	__real__assert_true(result, expression, file, line);
}

void __wrap__assert_int_equal(const LargestIntegralType a, const LargestIntegralType b,
                              const char *const file, const int line)
{
	if (a != b)
		before_failing(file, line);
	__real__assert_int_equal(a, b, file, line);
}

void __wrap__assert_int_not_equal(const LargestIntegralType a, const LargestIntegralType b,
                                  const char *const file, const int line)
{
	if (a == b)
		before_failing(file, line);
	__real__assert_int_not_equal(a, b, file, line);
}

/* cmocka compares strings and memory without looking for NULL. */
static void fail_on_null(const void *a, const void *b, const char *file, int line)
{
	if (a != NULL && b != NULL)
		return;
	before_failing(file, line);
	print_error("%s is NULL\n", a == NULL ? "the first argument" : "the second argument");
	__real__fail(file, line);
}

void __wrap__assert_string_equal(const char *const a, const char *const b,
                                 const char *const file, const int line)
{
	fail_on_null(a, b, file, line);
	if (strcmp(a, b) != 0)
		before_failing(file, line);
	__real__assert_string_equal(a, b, file, line);
}

void __wrap__assert_string_not_equal(const char *const a, const char *const b, const char *file,
                                     const int line)
{
	fail_on_null(a, b, file, line);
	if (strcmp(a, b) == 0)
		before_failing(file, line);
	__real__assert_string_not_equal(a, b, file, line);
}

void __wrap__assert_memory_equal(const void *const a, const void *const b, const size_t size,
                                 const char *const file, const int line)
{
	fail_on_null(a, b, file, line);
	if (memcmp(a, b, size) != 0)
		before_failing(file, line);
	__real__assert_memory_equal(a, b, size, file, line);
}

void __wrap__assert_memory_not_equal(const void *const a, const void *const b,
                                     const size_t size, const char *const file, const int line)
{
	fail_on_null(a, b, file, line);
	if (memcmp(a, b, size) == 0)
		before_failing(file, line);
	__real__assert_memory_not_equal(a, b, size, file, line);
}

void __wrap__fail(const char *const file, const int line)
{
	before_failing(file, line);
	__real__fail(file, line);
}
