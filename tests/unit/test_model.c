/* The model: metadata strings, source states, tick retention and growth over
 * a range of ticks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lt_model.h"

static void add(lt_model *m, double t, int id, int64_t v)
{
	struct lt_sample s = {.t = t, .wall_ns = (int64_t)(t * 1e9)};

	if (id >= 0)
		lt_sample_set(&s, id, v);
	lt_model_add_sample(m, &s);
}

static void test_sources_replace(void **state)
{
	lt_model *m = lt_model_new();
	(void)state;

	lt_model_set_source(m, "cgroup", 0, "no memory controller");
	lt_model_set_source(m, "procfs", 1, NULL);
	lt_model_set_source(m, "cgroup", 1, NULL);
	assert_int_equal(lt_model_source_count(m), 2);
	assert_int_equal(lt_model_source_find(m, "cgroup")->available, 1);
	assert_null(lt_model_source_find(m, "cgroup")->reason);
	assert_null(lt_model_source_find(m, "heap"));
	lt_model_set_str(m, &lt_model_meta(m)->exe, "/bin/x");
	lt_model_set_str(m, &lt_model_meta(m)->exe, "/bin/y");
	assert_string_equal(lt_model_meta_c(m)->exe, "/bin/y");
	lt_model_set_str(m, &lt_model_meta(m)->exe, NULL);
	assert_null(lt_model_meta_c(m)->exe);
	lt_model_free(m);
	lt_model_free(NULL);
}

static void test_retention_keeps_newest(void **state)
{
	lt_model *m = lt_model_new();
	(void)state;

	lt_model_set_retention(m, 100);
	for (int i = 0; i < 1000; i++)
		add(m, i, LT_M_THREADS, i);
	assert_true(lt_model_tick_count(m) <= 100);
	assert_true(lt_model_tick_count(m) >= 50);
	size_t n = lt_model_tick_count(m);
	assert_int_equal(lt_model_tick(m, n - 1)->v[LT_M_THREADS], 999);
	for (size_t i = 1; i < n; i++)
		assert_true(lt_model_tick(m, i)->t > lt_model_tick(m, i - 1)->t);
	lt_model_free(m);
}

static void test_growth_skips_unmeasured(void **state)
{
	lt_model *m = lt_model_new();
	struct lt_growth g;
	(void)state;

	/* threads measured on even ticks only, rising by 10 per second */
	for (int i = 0; i < 20; i++)
		add(m, i, i % 2 ? -1 : LT_M_THREADS, 10 * i);
	lt_model_growth(m, LT_M_THREADS, 0, 20, &g);
	assert_int_equal(g.n, 10);
	assert_true(g.slope > 9.99 && g.slope < 10.01);
	lt_model_growth(m, LT_M_THREADS, 10, 20, &g);
	assert_int_equal(g.n, 5);
	assert_true(g.start == 100);
	lt_model_growth(m, LT_M_RSS_ANON, 0, 20, &g);
	assert_int_equal(g.n, 0);
	lt_model_growth(m, LT_M_THREADS, 30, 99, &g); /* out of range: empty */
	assert_int_equal(g.n, 0);
	lt_model_free(m);
}

static void test_metric_keys_unique(void **state)
{
	(void)state;
	for (int i = 0; i < LT_M_COUNT; i++) {
		assert_non_null(lt_metric_def(i)->key);
		assert_int_equal(lt_metric_by_key(lt_metric_def(i)->key), i);
		assert_true(lt_metric_def(i)->noise > 0);
	}
	assert_int_equal(lt_metric_by_key("no_such_metric"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources_replace),
		cmocka_unit_test(test_retention_keeps_newest),
		cmocka_unit_test(test_growth_skips_unmeasured),
		cmocka_unit_test(test_metric_keys_unique),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
