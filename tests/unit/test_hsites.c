/* Heap sites: the model (carry forward, changes, totals, growth and
 * ranking) and its round trip through the session file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lt_hsites.h"
#include "lt_model.h"
#include "lt_store.h"

static struct lt_hval hv(int64_t live, int64_t count, int64_t alloc)
{
	struct lt_hval v = {.live_bytes = live, .live_count = count, .alloc_bytes = alloc, .alloc_count = count};

	return v;
}

static void test_carry_forward_and_changes(void **state)
{
	lt_hsites *h = lt_hsites_new();
	struct lt_hval v, a = hv(100, 1, 100), b = hv(300, 3, 300);
	const size_t *idx;

	(void)state;
	lt_hsites_begin(h, 0);
	assert_int_equal(lt_hsites_set(h, 7, &a), 0);
	assert_int_equal(lt_hsites_set(h, 9, &b), 1);
	lt_hsites_end(h);
	assert_int_equal(lt_hsites_changed(h, 0, &idx), 2);
	lt_hsites_begin(h, 1);
	assert_int_equal(lt_hsites_set(h, 9, &b), 1); /* same: no change */
	lt_hsites_end(h);
	assert_int_equal(lt_hsites_changed(h, 1, &idx), 0);
	lt_hsites_begin(h, 2);
	lt_hsites_set(h, 7, &b);
	lt_hsites_end(h);
	assert_int_equal(lt_hsites_changed(h, 2, &idx), 1);
	assert_int_equal(idx[0], 0);
	lt_hsites_value(h, 0, 1, &v);
	assert_int_equal(v.live_bytes, 100);
	lt_hsites_value(h, 0, 2, &v);
	assert_int_equal(v.live_bytes, 300);
	lt_hsites_value(h, 1, 2, &v);
	assert_int_equal(v.live_bytes, 300);
	assert_int_equal(lt_hsites_find(h, 9), 1);
	assert_int_equal(lt_hsites_find(h, 8), LT_NONE);
	/* totals follow every change */
	assert_int_equal(lt_hsites_sample(h, 0)->total.live_bytes, 400);
	assert_int_equal(lt_hsites_sample(h, 1)->total.live_bytes, 400);
	assert_int_equal(lt_hsites_sample(h, 2)->total.live_bytes, 600);
	lt_hsites_free(h);
}

/* stack 0 leaks 1 MiB/s, stack 1 fills to 8 MiB by t=20 then stays, stack
 * 2 rises and falls back, stack 3 allocates a lot and frees it all. */
static lt_hsites *scenario(size_t samples)
{
	lt_hsites *h = lt_hsites_new();

	lt_hsites_set_rate(h, 65536);
	for (size_t k = 0; k < samples; k++) {
		double t = (double)k;
		int64_t mib = 1048576;
		struct lt_hval leak = hv((int64_t)(t * mib), (int64_t)t * 16,
					 (int64_t)(t * mib));
		int64_t c = t < 20 ? (int64_t)(t / 20 * 8 * mib) : 8 * mib;
		struct lt_hval cache = hv(c, c / 4096, c);
		int64_t tmp = k > 10 && k < 20 ? 4 * mib : 0;
		struct lt_hval temp = hv(tmp, tmp / 1024, (int64_t)k * 4 * mib);
		struct lt_hval churn = hv(0, 0, (int64_t)k * 64 * mib);

		churn.alloc_count = (int64_t)k * 100000;
		lt_hsites_begin(h, t);
		lt_hsites_set(h, 0, &leak);
		lt_hsites_set(h, 1, &cache);
		lt_hsites_set(h, 2, &temp);
		lt_hsites_set(h, 3, &churn);
		lt_hsites_end(h);
	}
	return h;
}

static void test_growth_classification(void **state)
{
	lt_hsites *h = scenario(60);
	struct lt_growth g;

	(void)state;
	lt_hsites_growth(h, 0, 0, 60, &g);
	assert_int_equal(g.trend, LT_TREND_GROWING);
	assert_true(g.slope > 1000000 && g.slope < 1100000);
	lt_hsites_growth(h, 1, 0, 60, &g);
	assert_int_equal(g.trend, LT_TREND_STEADY);
	lt_hsites_growth(h, 2, 0, 60, &g);
	assert_int_equal(g.trend, LT_TREND_TEMPORARY);
	lt_hsites_growth(h, 3, 0, 60, &g);
	assert_int_equal(g.trend, LT_TREND_FLAT);
	/* a window inside the cache's filling: it grows there */
	lt_hsites_growth(h, 1, 0, 15, &g);
	assert_int_equal(g.trend, LT_TREND_GROWING);
	lt_hsites_free(h);
}

static void test_rank_orders(void **state)
{
	lt_hsites *h = scenario(60);
	size_t order[4];
	struct lt_growth g[4];

	(void)state;
	lt_hsites_rank(h, LT_HSORT_GROWTH, 0, 60, order, g);
	assert_int_equal(order[0], 0);       /* the leak */
	assert_int_equal(g[0].trend, LT_TREND_GROWING);
	assert_int_equal(order[1], 1);       /* then by live bytes */
	lt_hsites_rank(h, LT_HSORT_LIVE, 0, 60, order, NULL);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	lt_hsites_rank(h, LT_HSORT_ALLOCS, 0, 60, order, NULL);
	assert_int_equal(order[0], 3);       /* 100,000 allocations/s */
	assert_true(lt_hsites_alloc_rate(h, 3, 0, 60) > 99000);
	/* delta since sample 30: the cache did not change, the leak did */
	lt_hsites_rank(h, LT_HSORT_DELTA, 30, 60, order, NULL);
	assert_int_equal(order[0], 0);
	lt_hsites_free(h);
}

/* 100,000 sites: rank stays correct (and bounded: 128 fit points each). */
static void test_many_sites(void **state)
{
	enum { N = 100000, S = 300 };
	lt_hsites *h = lt_hsites_new();
	size_t *order = malloc(N * sizeof(size_t));
	struct lt_growth *g = malloc(N * sizeof(*g));

	(void)state;
	lt_hsites_set_rate(h, 1);
	for (size_t k = 0; k < S; k++) {
		lt_hsites_begin(h, (double)k);
		for (size_t i = 0; i < N; i += (k ? 97 : 1)) {
			struct lt_hval v = hv((int64_t)(i % 1000) * 4096, 1, 1);

			lt_hsites_set(h, i, &v);
		}
		{
			struct lt_hval leak = hv((int64_t)k * 100000, 1, 1);

			lt_hsites_set(h, 4242, &leak);
		}
		lt_hsites_end(h);
	}
	assert_int_equal(lt_hsites_count(h), N);
	lt_hsites_rank(h, LT_HSORT_GROWTH, 0, S, order, g);
	assert_int_equal(order[0], 4242);
	assert_int_equal(g[4242].trend, LT_TREND_GROWING);
	free(order);
	free(g);
	lt_hsites_free(h);
}

static char path[64];

static void test_store_round_trip(void **state)
{
	lt_model *m = lt_model_new(), *back = NULL;
	lt_stacktab *t = lt_model_stacks(m);
	lt_err err = {0, ""};
	lt_store *st;
	size_t stacks[3];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/lt_hsites_%d.lt", (int)getpid());
	unlink(path);
	for (int i = 0; i < 3; i++) {
		struct lt_frame_sym sym = {(char *)(i ? "caller" : "leak_fn"),
					   (char *)"a.c", 10 + i};
		size_t f = lt_stacktab_frame_add(t, 0x1000 + (uint64_t)i, "/bin/a", NULL,
						 0x1000 + (uint64_t)i, &sym, 1);

		stacks[i] = lt_stacktab_stack_intern(t, &f, 1);
	}
	lt_model_meta(m)->start_ns = 1;
	lt_model_meta(m)->interval = 1;
	st = lt_store_create(path, 1, &err);
	assert_non_null(st);
	assert_int_equal(lt_store_write_meta(st, m, &err), 0);
	lt_hsites_set_rate(lt_model_hsites(m), 524288);
	for (int k = 0; k < 20; k++) {
		struct lt_sample s = {0};
		lt_hsites *h = lt_model_hsites(m);

		s.t = k;
		s.wall_ns = k * 1000000000LL;
		lt_model_add_sample(m, &s);
		if (k >= 2) {
			struct lt_hval a = hv(k * 1000, k, k * 1000);
			struct lt_hval z = hv(0, 0, 0);

			/* The evidence fields travel too. */
			a.free_bytes = k * 10;
			a.free_count = k / 3;
			a.samples = k;
			a.samples_freed = k / 3;
			a.age_sum_ms = k * 1500;
			a.oldest_ms = 2000 + (k / 4) * 1000;

			lt_hsites_begin(h, k);
			lt_hsites_set(h, stacks[0], &a);
			if (k == 5)
				lt_hsites_set(h, stacks[2], &z); /* born at zero */
			if (k % 3 == 0) {
				struct lt_hval b = hv(k % 2 ? 50 : 70, 1, k);

				/* A Go heap profile site (heap_site.kind 2). */
				lt_hsites_set_kind(h, lt_hsites_set(h, stacks[1], &b), LT_HSITE_GO);
			}
			lt_hsites_end(h);
			/* The free flow and descriptor sites share the ids. */
			lt_hsites_begin(lt_model_fsites(m), k);
			{
				struct lt_hval f = {.alloc_bytes = k * 4096, .alloc_count = k,
						    .samples = k / 2};

				lt_hsites_set(lt_model_fsites(m), stacks[1], &f);
			}
			lt_hsites_end(lt_model_fsites(m));
			lt_hsites_begin(lt_model_fdsites(m), k);
			if (k >= 4) {
				struct lt_hval d = {.live_count = k - 3, .alloc_count = k};
				size_t i = lt_hsites_set(lt_model_fdsites(m), stacks[2], &d);

				lt_hsites_set_kind(lt_model_fdsites(m), i, 1);
			}
			lt_hsites_end(lt_model_fdsites(m));
		}
		assert_int_equal(lt_store_commit_tick(st, m, &err), 0);
	}
	assert_int_equal(lt_store_finish(st, 2, "duration", &err), 0);
	assert_int_equal(lt_store_load(path, &back, &err), 0);
	assert_int_equal(lt_hsites_count(lt_model_fsites_c(back)), 1);
	assert_int_equal(lt_hsites_count(lt_model_fdsites_c(back)), 1);
	assert_int_equal(lt_hsites_get(lt_model_fdsites_c(back), 0)->kind, 1);
	for (size_t i = 0; i < lt_hsites_count(lt_model_hsites_c(back)); i++)
		assert_int_equal(lt_hsites_get(lt_model_hsites_c(back), i)->kind,
				 lt_hsites_get(lt_model_hsites_c(back), i)->stack == stacks[1] ?
				 LT_HSITE_GO : 0);
	for (int fam = 0; fam < 3; fam++) {
		const lt_hsites *a = fam == 0 ? lt_model_hsites_c(m) :
			fam == 1 ? lt_model_fsites_c(m) : lt_model_fdsites_c(m);
		const lt_hsites *b = fam == 0 ? lt_model_hsites_c(back) :
			fam == 1 ? lt_model_fsites_c(back) : lt_model_fdsites_c(back);

		if (fam == 0)
			assert_int_equal(lt_hsites_rate(b), 524288);
		assert_int_equal(lt_hsites_count(b), lt_hsites_count(a));
		assert_int_equal(lt_hsites_sample_count(b), lt_hsites_sample_count(a));
		for (size_t i = 0; i < lt_hsites_count(a); i++) {
			assert_int_equal(lt_hsites_get(b, i)->stack,
					 lt_hsites_get(a, i)->stack);
			for (size_t k = 0; k < lt_hsites_sample_count(a); k++) {
				struct lt_hval va, vb;
				size_t ns = lt_hsites_sample_count(a);

				/* The free site's live counters stay 0, in the
				 * range of its first row: it is written every
				 * 5 s (ticks of 1 s) and at the end (the row
				 * policy, doc/schema.md); the others grow, or
				 * are Go sites, and are written at every
				 * change. */
				lt_hsites_value(a, i, fam == 1 && k != ns - 1 ? k - k % 5 : k, &va);
				lt_hsites_value(b, i, k, &vb);
				assert_memory_equal(&va, &vb, sizeof(va));
				assert_true(lt_hsites_sample(b, k)->t ==
					    lt_hsites_sample(a, k)->t);
				assert_int_equal(lt_hsites_sample(b, k)->published,
						 lt_hsites_sample(a, k)->published);
				if (fam == 0)
					assert_int_equal(lt_hsites_sample(b, k)->published,
							 k % 3 == 1); /* ticks 3, 6 ... */
			}
		}
	}
	lt_model_free(back);
	lt_model_free(m);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_carry_forward_and_changes),
		cmocka_unit_test(test_growth_classification),
		cmocka_unit_test(test_rank_orders),
		cmocka_unit_test(test_many_sites),
		cmocka_unit_test(test_store_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
