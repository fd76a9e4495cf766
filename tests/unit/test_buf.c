/*
 * test_buf.c - the capped buffer: growth, the cap, stealing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"

static void test_buf_grows_and_stays_terminated(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 1 << 20);
	assert_string_equal(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i % 10), 0);
	assert_int_equal(b.len, 2000);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data, "0,1,2,", 6);
	buf_free(&b);
}

static void test_buf_cap_is_an_error_not_a_crash(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(buf_putc(&b, '9'), ERR_TOOBIG);
	assert_int_equal(buf_printf(&b, "%s", "x"), ERR_TOOBIG);
	assert_string_equal(buf_str(&b), "12345678");
	buf_free(&b);
}

static void test_buf_steal_hands_over_ownership(void **state)
{
	struct buf b;
	char *s;
	(void)state;
	buf_init(&b, 100);
	s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	buf_puts(&b, "abc");
	s = buf_steal(&b);
	assert_string_equal(s, "abc");
	assert_null(b.data);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_stays_terminated),
		cmocka_unit_test(test_buf_cap_is_an_error_not_a_crash),
		cmocka_unit_test(test_buf_steal_hands_over_ownership),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
