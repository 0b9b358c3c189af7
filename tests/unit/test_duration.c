/* Durations as users type them on the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lt_duration.h"

static double parse_ok(const char *s)
{
	double v = -1;
	lt_err err = {0};

	assert_int_equal(lt_duration_parse(s, "duration", &v, &err), 0);
	return v;
}

static void test_units(void **state)
{
	(void)state;
	assert_true(parse_ok("10s") == 10);
	assert_true(parse_ok("500ms") == 0.5);
	assert_true(parse_ok("5m") == 300);
	assert_true(parse_ok("5min") == 300);
	assert_true(parse_ok("1h") == 3600);
	assert_true(parse_ok("2d") == 172800);
	assert_true(parse_ok("1h30m") == 5400);
	assert_true(parse_ok("1m30s") == 90);
	assert_true(parse_ok("2.5s") == 2.5);
	assert_true(parse_ok("7") == 7);
	assert_true(parse_ok("0.25") == 0.25);
	assert_true(parse_ok("0") == 0);
}

static void test_rejects(void **state)
{
	const char *bad[] = {"", "abc", "-1s", "10x", "1m30", "s", "+5s",
			     "inf", "nan", "0x10", "5 s", "1e400s", "5ss",
			     "1.2.3s", "99999999999d"};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v = 42;
		lt_err err = {0};

		assert_int_equal(lt_duration_parse(bad[i], "interval", &v, &err), -1);
		assert_int_equal(err.code, LT_EXIT_USAGE);
		assert_non_null(strstr(err.msg, "invalid interval"));
		assert_true(v == 42); /* untouched on error */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
