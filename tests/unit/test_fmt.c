/* Human formatting of sizes, counts, rates and durations: the exact strings
 * report and UI print, including the edges (zero, negative, unit
 * boundaries, huge, NaN). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "lt_fmt.h"
#include "lt_metric.h"

#define KiB 1024.0
#define MiB (1024.0 * 1024.0)
#define GiB (1024.0 * MiB)
#define TiB (1024.0 * GiB)

static char buf[128];

static const char *bytes(double v)
{
	return lt_fmt_bytes(v, buf, sizeof(buf));
}

static const char *count(double v)
{
	return lt_fmt_value(v, LT_UNIT_COUNT, buf, sizeof(buf));
}

static const char *rate(double v, int unit)
{
	return lt_fmt_rate(v, unit, buf, sizeof(buf));
}

static const char *dur(double s)
{
	return lt_fmt_duration(s, buf, sizeof(buf));
}

static void test_bytes(void **state)
{
	(void)state;
	assert_string_equal(bytes(0), "0 B");
	assert_string_equal(bytes(1), "1 B");
	assert_string_equal(bytes(1023), "1023 B");
	assert_string_equal(bytes(1024), "1 KiB");
	assert_string_equal(bytes(1536), "1.5 KiB");
	assert_string_equal(bytes(-1536), "-1.5 KiB");
	assert_string_equal(bytes(-1), "-1 B");
	/* Just below the next unit must not print "1024 KiB". */
	assert_string_equal(bytes(MiB - 1), "1 MiB");
	assert_string_equal(bytes(12.5 * MiB), "12.5 MiB");
	assert_string_equal(bytes(160 * MiB), "160 MiB");
	assert_string_equal(bytes(123.4 * MiB), "123 MiB");
	assert_string_equal(bytes(5 * GiB), "5 GiB");
	assert_string_equal(bytes(3 * TiB), "3 TiB");
	/* TiB is the largest unit; beyond it the number grows. */
	assert_string_equal(bytes(2048 * TiB), "2048 TiB");
	assert_string_equal(bytes(1e30), "9.09e+17 TiB");
	assert_string_equal(bytes(-1e30), "-9.09e+17 TiB");
	/* A fraction of a byte only comes out of rates; no "-0". */
	assert_string_equal(bytes(0.3), "0.3 B");
	assert_string_equal(bytes(0.04), "0.04 B");
	assert_string_equal(bytes(-0.0), "0 B");
}

static void test_non_finite(void **state)
{
	(void)state;
	assert_string_equal(bytes(NAN), "?");
	assert_string_equal(bytes(INFINITY), "?");
	assert_string_equal(bytes(-INFINITY), "?");
	assert_string_equal(count(NAN), "?");
	assert_string_equal(rate(NAN, LT_UNIT_BYTES), "?");
	assert_string_equal(rate(-INFINITY, LT_UNIT_COUNT), "?");
	assert_string_equal(dur(NAN), "?");
	assert_string_equal(dur(INFINITY), "?");
	assert_string_equal(lt_fmt_value(NAN, LT_UNIT_BYTES, buf, sizeof(buf)),
			    "?");
}

static void test_counts(void **state)
{
	(void)state;
	assert_string_equal(count(0), "0");
	assert_string_equal(count(53), "53");
	assert_string_equal(count(-4), "-4");
	assert_string_equal(count(1.5), "1.5");
	assert_string_equal(count(1234567), "1234567");
	assert_string_equal(count(1e18), "1e+18");
	assert_string_equal(lt_fmt_value(2048, LT_UNIT_BYTES, buf, sizeof(buf)),
			    "2 KiB");
}

static void test_rates(void **state)
{
	(void)state;
	/* Zero has a sign too, and stays per second. */
	assert_string_equal(rate(0, LT_UNIT_COUNT), "+0/s");
	assert_string_equal(rate(-0.0, LT_UNIT_COUNT), "+0/s");
	assert_string_equal(rate(0, LT_UNIT_BYTES), "+0 B/s");
	assert_string_equal(rate(1e-9, LT_UNIT_COUNT), "+0/s");
	/* Counts: the shortest period in which at least one appears. */
	assert_string_equal(rate(5, LT_UNIT_COUNT), "+5/s");
	assert_string_equal(rate(1, LT_UNIT_COUNT), "+1/s");
	assert_string_equal(rate(1.5, LT_UNIT_COUNT), "+1.5/s");
	assert_string_equal(rate(0.5, LT_UNIT_COUNT), "+30/min");
	/* What prints as 1 per second stays per second. */
	assert_string_equal(rate(0.99, LT_UNIT_COUNT), "+1/s");
	assert_string_equal(rate(0.9, LT_UNIT_COUNT), "+54/min");
	assert_string_equal(rate(0.9999 * MiB, LT_UNIT_BYTES), "+1 MiB/s");
	assert_string_equal(rate(0.99 * MiB, LT_UNIT_BYTES), "+59.4 MiB/min");
	assert_string_equal(rate(-0.5, LT_UNIT_COUNT), "-30/min");
	assert_string_equal(rate(1 / 3600.0, LT_UNIT_COUNT), "+1/h");
	assert_string_equal(rate(0.1 / 3600.0, LT_UNIT_COUNT), "+0.1/h");
	/* Bytes: the shortest period in which at least a MiB accumulates. */
	assert_string_equal(rate(12 * MiB / 60, LT_UNIT_BYTES), "+12 MiB/min");
	assert_string_equal(rate(96 * MiB / 60, LT_UNIT_BYTES), "+1.6 MiB/s");
	assert_string_equal(rate(2 * GiB, LT_UNIT_BYTES), "+2 GiB/s");
	assert_string_equal(rate(-1.2 * KiB, LT_UNIT_BYTES), "-4.2 MiB/h");
	assert_string_equal(rate(100, LT_UNIT_BYTES), "+352 KiB/h");
	/* 15 MB a day, the page-cache story: slow, still readable. */
	assert_string_equal(rate(15e6 / 86400, LT_UNIT_BYTES), "+610 KiB/h");
	assert_string_equal(rate(1e30, LT_UNIT_BYTES), "+9.09e+17 TiB/s");
}

static void test_durations(void **state)
{
	(void)state;
	assert_string_equal(dur(0), "0s");
	assert_string_equal(dur(45), "45s");
	assert_string_equal(dur(125), "2m05s");
	assert_string_equal(dur(3725), "1h02m05s");
	assert_string_equal(dur(3600), "1h00m00s");
	assert_string_equal(dur(90000), "25h00m00s");
	assert_string_equal(dur(0.5), "0.5s");
	assert_string_equal(dur(0.05), "0.05s");
	assert_string_equal(dur(2.5), "2.5s");
	assert_string_equal(dur(59.7), "1m00s"); /* rounds, no "60s" */
	assert_string_equal(dur(119.6), "2m00s");
	assert_string_equal(dur(-5), "-5s");
	assert_non_null(strstr(dur(1e300), "e+"));
}

static void test_buffers(void **state)
{
	char small[4], untouched[2] = {'x', 'y'};
	(void)state;

	/* Truncated, still terminated. */
	assert_ptr_equal(lt_fmt_bytes(1536, small, sizeof(small)), small);
	assert_string_equal(small, "1.5");
	lt_fmt_rate(12 * MiB / 60, LT_UNIT_BYTES, small, sizeof(small));
	assert_int_equal(strlen(small), 3);
	lt_fmt_duration(3725, small, sizeof(small));
	assert_string_equal(small, "1h0");
	/* A zero-length buffer is left alone. */
	lt_fmt_bytes(1, untouched, 0);
	lt_fmt_value(1, LT_UNIT_COUNT, untouched, 0);
	lt_fmt_rate(1, LT_UNIT_COUNT, untouched, 0);
	lt_fmt_duration(1, untouched, 0);
	assert_true(untouched[0] == 'x' && untouched[1] == 'y');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_non_finite),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
