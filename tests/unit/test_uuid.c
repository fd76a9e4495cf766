/*
 * test_uuid.c - UUID v4 text: version and variant bits from any bytes,
 * random ids valid and distinct, the shape check.
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "base/uuid.h"

#include <string.h>

static void test_uuid_from_bytes_sets_version_and_variant(void **state)
{
	unsigned char zeros[16] = {0}, ones[16];
	char out[UUID_LEN];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	uuid_from_bytes(zeros, out);
	assert_string_equal(out, "00000000-0000-4000-8000-000000000000");
	uuid_from_bytes(ones, out);
	assert_string_equal(out, "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

static void test_uuid_random_is_valid_and_distinct(void **state)
{
	char a[UUID_LEN], b[UUID_LEN];

	(void)state;
	assert_int_equal(uuid_random(a), 0);
	assert_int_equal(uuid_random(b), 0);
	assert_true(uuid_is_valid(a));
	assert_int_equal(a[14], '4');
	assert_non_null(strchr("89ab", a[19]));
	assert_string_not_equal(a, b);
}

static void test_uuid_is_valid_checks_the_shape(void **state)
{
	static const struct {
		const char *text;
		int is_valid;
	} cases[] = {
	    {"11111111-1111-4111-8111-111111111111", 1},
	    {"ABCDEF01-2345-4789-AbCd-0123456789ab", 1},
	    {"", 0},
	    {"11111111-1111-4111-8111-11111111111", 0},   /* 35 */
	    {"11111111-1111-4111-8111-1111111111111", 0}, /* 37 */
	    {"11111111_1111-4111-8111-111111111111", 0},
	    {"1111111g-1111-4111-8111-111111111111", 0},
	    {"../../../etc/passwd-xxxxxxxxxxxxxxxx", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(uuid_is_valid(cases[i].text),
				 cases[i].is_valid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uuid_from_bytes_sets_version_and_variant),
	    cmocka_unit_test(test_uuid_random_is_valid_and_distinct),
	    cmocka_unit_test(test_uuid_is_valid_checks_the_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
