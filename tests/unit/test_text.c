/* Bounded text parsing: cut lines and numbers that do not fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lt_text.h"

static void test_lines_drop_cut_tail(void **state)
{
	const char buf[] = "VmRSS:\t1234 kB\nThreads:\t4\nRssAnon:\t12";
	struct lt_lines it = {buf, buf + strlen(buf)};
	const char *l;
	size_t n;
	(void)state;

	assert_int_equal(lt_lines_next(&it, &l, &n), 1);
	assert_int_equal(n, strlen("VmRSS:\t1234 kB"));
	assert_int_equal(lt_lines_next(&it, &l, &n), 1);
	assert_memory_equal(l, "Threads:\t4", n);
	/* "RssAnon:\t12" has no newline: it may be "12345" cut short */
	assert_int_equal(lt_lines_next(&it, &l, &n), 0);
	assert_int_equal(lt_lines_next(&it, &l, &n), 0);

	struct lt_lines empty = {buf, buf};
	assert_int_equal(lt_lines_next(&empty, &l, &n), 0);
	const char blank[] = "\n\n";
	struct lt_lines b = {blank, blank + 2};
	assert_int_equal(lt_lines_next(&b, &l, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(lt_lines_next(&b, &l, &n), 1);
	assert_int_equal(lt_lines_next(&b, &l, &n), 0);
}

static void test_dec(void **state)
{
	const char *s = "  42 kB";
	size_t i = 2;
	int64_t v = -1;
	(void)state;

	assert_int_equal(lt_text_dec(s, strlen(s), &i, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(i, 4);
	i = 0; /* no digits at a space: fails, i unchanged */
	assert_int_equal(lt_text_dec(s, strlen(s), &i, &v), -1);
	assert_int_equal(i, 0);
	const char *max = "9223372036854775807", *over = "9223372036854775808";
	i = 0;
	assert_int_equal(lt_text_dec(max, strlen(max), &i, &v), 0);
	assert_true(v == INT64_MAX);
	i = 0;
	assert_int_equal(lt_text_dec(over, strlen(over), &i, &v), -1);
	/* the length bounds the parse, not a NUL */
	i = 0;
	assert_int_equal(lt_text_dec("12345", 3, &i, &v), 0);
	assert_int_equal(v, 123);
}

static void test_dec_all(void **state)
{
	int64_t v = 7;
	(void)state;

	assert_int_equal(lt_text_dec_all("65536", 5, &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(lt_text_dec_all("", 0, &v), -1);
	assert_int_equal(lt_text_dec_all("-1", 2, &v), -1);
	assert_int_equal(lt_text_dec_all("12 ", 3, &v), -1);
	assert_int_equal(lt_text_dec_all("1x", 2, &v), -1);
	assert_int_equal(lt_text_dec_all("99999999999999999999", 20, &v), -1);
	assert_int_equal(v, 65536); /* untouched by failures */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_drop_cut_tail),
		cmocka_unit_test(test_dec),
		cmocka_unit_test(test_dec_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
