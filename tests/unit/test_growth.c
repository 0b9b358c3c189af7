/* Growth statistics: least-squares slope and r2, and the classification that
 * must tell a leak (growth that keeps going) from a cache that fills and
 * stops, a spike, and memory given back.  Series are a minute or so of 1 s
 * ticks with page-sized jitter, as the procfs sampler sees them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "lt_growth.h"

#define KiB 1024.0
#define MiB (1024.0 * 1024.0)
#define NOISE MiB /* the metric table's floor for memory series */
#define MAXN 256

static uint64_t rng = 1;

static void seed(uint64_t s)
{
	rng = s * 0x9e3779b97f4a7c15ULL + 1;
}

/* Uniform in [-a, a]; xorshift64*, deterministic per seed. */
static double jitter(double a)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return a * (2.0 * (double)((rng * 2685821657736338717ULL) >> 11) /
		    9007199254740992.0 - 1.0);
}

static int near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

/* n ticks at 1 s (each up to 0.1 s late), v = f(t) + jitter. */
static enum lt_trend classify(double (*f)(double), size_t n, double jit,
			      uint64_t s, struct lt_growth *g)
{
	double t[MAXN], v[MAXN];

	seed(s);
	for (size_t i = 0; i < n; i++) {
		t[i] = (double)i + 0.05 + jitter(0.05);
		v[i] = 40 * MiB + f(t[i]) + jitter(jit);
	}
	lt_growth_fit(t, v, n, NOISE, g);
	return g->trend;
}

static double f_flat(double t)
{
	(void)t;
	return 0;
}

static double f_leak(double t)
{
	return 2 * MiB * t;
}

/* 100 KiB/s: ten times smaller than the noise floor per tick, 6 MiB over a
 * minute. */
static double f_slow_leak(double t)
{
	return 100 * KiB * t;
}

/* A cache that fills 50 MiB during the first 40% of a 60 s window. */
static double f_cache40(double t)
{
	return t < 24 ? 50 * MiB * t / 24 : 50 * MiB;
}

static double f_cache50(double t)
{
	return t < 30 ? 50 * MiB * t / 30 : 50 * MiB;
}

/* Steps up by a little more than the noise floor early, then only jitters:
 * the jitter alone moves the last third's fit by a few hundred KiB. */
static double f_small_step(double t)
{
	return t < 10 ? 0.15 * MiB * t : 1.5 * MiB;
}

/* Filling fast, then slower and slower, and still rising at the end. */
static double f_sqrt(double t)
{
	return 8 * MiB * sqrt(t);
}

/* Saturating like a cache with a long fill: 1 - e^(-t/10). */
static double f_saturate(double t)
{
	return 60 * MiB * (1 - exp(-t / 10));
}

static double saw_phase;

/* A garbage-collected heap: a collection every 10 s gives back 12 MiB, and
 * the floor under the teeth leaks 1 MiB/s. */
static double f_gc_leak(double t)
{
	double x = fmod(t + saw_phase, 10.0);

	return 1 * MiB * t + 1.2 * MiB * x;
}

/* A collector with nothing leaking underneath: 27 MiB teeth. */
static double f_gc_bounded(double t)
{
	return 3 * MiB * fmod(t + saw_phase, 10.0);
}

static double f_spike(double t)
{
	return t > 29.5 && t < 30.5 ? 50 * MiB : 0;
}

static double f_hump(double t)
{
	return t < 30 ? MiB * t : MiB * (60 - t);
}

static double f_freed(double t)
{
	return t < 20 ? 80 * MiB : 20 * MiB;
}

static double f_dip(double t)
{
	return t > 20 && t < 40 ? -10 * MiB : 0;
}

static void test_linear_exact(void **state)
{
	double t[10], v[10];
	struct lt_growth g;
	(void)state;

	for (int i = 0; i < 10; i++) {
		t[i] = i;
		v[i] = 5 + 3.0 * i;
	}
	lt_growth_fit(t, v, 10, 1, &g);
	assert_int_equal(g.n, 10);
	assert_true(near(g.slope, 3, 1e-12));
	assert_true(near(g.r2, 1, 1e-12));
	assert_true(near(g.recent_slope, 3, 1e-12));
	assert_true(g.start == 5 && g.end == 32 && g.min == 5 && g.max == 32);
	assert_true(g.duration == 9);
	assert_int_equal(g.trend, LT_TREND_GROWING);

	/* Falling line: same steadiness, negative slope, memory given back. */
	for (int i = 0; i < 10; i++)
		v[i] = 100 - 4.0 * i;
	lt_growth_fit(t, v, 10, 1, &g);
	assert_true(near(g.slope, -4, 1e-12));
	assert_true(near(g.r2, 1, 1e-12));
	assert_int_equal(g.trend, LT_TREND_FREED);
}

static void test_constant_flat(void **state)
{
	double t[30], v[30];
	struct lt_growth g;
	(void)state;

	for (int i = 0; i < 30; i++) {
		t[i] = i;
		v[i] = 123456789;
	}
	lt_growth_fit(t, v, 30, NOISE, &g);
	assert_int_equal(g.trend, LT_TREND_FLAT);
	assert_true(g.slope == 0 && g.recent_slope == 0);
	assert_false(isnan(g.r2));
	assert_true(g.r2 == 1); /* documented: an exact (flat) fit */
	/* Flat even with a zero noise floor: nothing changed at all. */
	lt_growth_fit(t, v, 30, 0, &g);
	assert_int_equal(g.trend, LT_TREND_FLAT);
}

static void test_few_points(void **state)
{
	double t[2] = {10, 12}, v[2] = {100, 106};
	struct lt_growth g;
	(void)state;

	memset(&g, 0x55, sizeof(g));
	lt_growth_fit(t, v, 0, NOISE, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.trend, LT_TREND_UNKNOWN);
	assert_true(g.slope == 0 && g.r2 == 0 && g.duration == 0);
	assert_true(g.start == 0 && g.end == 0);

	lt_growth_fit(t, v, 1, 1, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.trend, LT_TREND_UNKNOWN);
	assert_true(g.start == 100 && g.end == 100 && g.min == 100);
	assert_true(g.slope == 0 && g.duration == 0);
	assert_false(isnan(g.r2));

	lt_growth_fit(t, v, 2, 1, &g);
	assert_int_equal(g.trend, LT_TREND_UNKNOWN);
	assert_true(near(g.slope, 3, 1e-12)); /* n == 2 still gives it */
	assert_true(g.recent_slope == 0);
	assert_true(g.duration == 2 && g.end == 106 && g.max == 106);
}

static void test_huge_values(void **state)
{
	double t[61], v[61];
	struct lt_growth g;
	(void)state;

	/* 7 bytes per second on top of a petabyte: summing raw squares
	 * (1e30 and more) would lose the slope entirely. */
	for (int i = 0; i <= 60; i++) {
		t[i] = 1e6 + i; /* late in a long session, too */
		v[i] = 1e15 + 7.0 * i;
	}
	lt_growth_fit(t, v, 61, NOISE, &g);
	assert_true(near(g.slope, 7, 1e-9));
	assert_true(near(g.r2, 1, 1e-9));
	assert_int_equal(g.trend, LT_TREND_FLAT); /* 420 B < 1 MiB */

	for (int i = 0; i <= 60; i++)
		v[i] = 1e15 + MiB * i;
	lt_growth_fit(t, v, 61, NOISE, &g);
	assert_true(near(g.slope, MiB, 1e-6));
	assert_true(near(g.recent_slope, MiB, 1e-6));
	assert_int_equal(g.trend, LT_TREND_GROWING);
	assert_true(g.start == 1e15 && g.end == 1e15 + 60 * MiB);
}

static void test_non_uniform_t(void **state)
{
	static const double t[] = {0, 0.5, 3, 3.1, 7, 20, 21, 40, 41, 90};
	size_t n = sizeof(t) / sizeof(t[0]);
	double v[sizeof(t) / sizeof(t[0])], tq[40], vq[40];
	struct lt_growth g;
	(void)state;

	for (size_t i = 0; i < n; i++)
		v[i] = 100 + 2 * MiB * t[i];
	lt_growth_fit(t, v, n, NOISE, &g);
	assert_true(near(g.slope, 2 * MiB, 1e-6));
	assert_true(near(g.r2, 1, 1e-12));
	assert_true(near(g.recent_slope, 2 * MiB, 1e-6));
	assert_true(g.duration == 90);
	assert_int_equal(g.trend, LT_TREND_GROWING);

	/* Ticks that drift further apart (a loaded sampler): a cache that
	 * filled during the first 400 s of 1521 s, half of the points, is
	 * steady. */
	for (int i = 0; i < 40; i++) {
		tq[i] = (double)i * i;
		vq[i] = tq[i] < 400 ? 30 * MiB * tq[i] / 400 : 30 * MiB;
	}
	lt_growth_fit(tq, vq, 40, NOISE, &g);
	assert_int_equal(g.trend, LT_TREND_STEADY);
	/* Linear in time over the same spacing: growing, exact slope. */
	for (int i = 0; i < 40; i++)
		vq[i] = 5 * KiB * tq[i];
	lt_growth_fit(tq, vq, 40, NOISE, &g);
	assert_true(near(g.slope, 5 * KiB, 1e-6));
	assert_int_equal(g.trend, LT_TREND_GROWING);
}

static void test_flat_with_jitter(void **state)
{
	struct lt_growth g;
	(void)state;

	for (uint64_t s = 1; s <= 50; s++) {
		assert_int_equal(classify(f_flat, 60, 400 * KiB, s, &g),
				 LT_TREND_FLAT);
		assert_true(fabs(g.slope) < 50 * KiB);
	}
}

static void test_leak_growing(void **state)
{
	struct lt_growth g;
	(void)state;

	for (uint64_t s = 1; s <= 50; s++) {
		assert_int_equal(classify(f_leak, 40, 400 * KiB, s, &g),
				 LT_TREND_GROWING);
		assert_true(near(g.slope, 2 * MiB, 0.05 * MiB));
		assert_true(g.r2 > 0.99);
	}
}

static void test_slow_leak_growing(void **state)
{
	struct lt_growth g;
	(void)state;

	/* Per tick the jitter (up to 400 KiB) hides the 100 KiB growth; over
	 * the minute it is 6 MiB and unmistakable. */
	for (uint64_t s = 1; s <= 100; s++) {
		assert_int_equal(classify(f_slow_leak, 60, 400 * KiB, s, &g),
				 LT_TREND_GROWING);
		assert_true(near(g.slope, 100 * KiB, 20 * KiB));
	}
}

static void test_bounded_cache_steady(void **state)
{
	struct lt_growth g;
	(void)state;

	for (uint64_t s = 1; s <= 100; s++) {
		assert_int_equal(classify(f_cache40, 60, 400 * KiB, s, &g),
				 LT_TREND_STEADY);
		/* The overall fit still sees a clear rise: only the recent
		 * slope tells the plateau apart. */
		assert_true(g.slope > 0.3 * MiB && g.r2 > 0.3);
		assert_true(fabs(g.recent_slope) < 0.1 * MiB);
		assert_int_equal(classify(f_cache50, 60, 400 * KiB, s, &g),
				 LT_TREND_STEADY);
		assert_int_equal(classify(f_saturate, 60, 400 * KiB, s, &g),
				 LT_TREND_STEADY);
		assert_int_not_equal(classify(f_small_step, 60, 400 * KiB, s,
					      &g),
				     LT_TREND_GROWING);
	}
}

static void test_slowing_leak_growing(void **state)
{
	struct lt_growth g;
	(void)state;

	for (uint64_t s = 1; s <= 20; s++)
		assert_int_equal(classify(f_sqrt, 60, 400 * KiB, s, &g),
				 LT_TREND_GROWING);
}

static void test_gc_sawtooth(void **state)
{
	struct lt_growth g;
	(void)state;

	/* Decided: a sawtooth whose floor keeps rising is a leak (GROWING)
	 * whatever phase the window starts and ends in, as long as the rise
	 * over the last third is not dwarfed by one tooth; one whose floor
	 * does not rise is never GROWING, although its last teeth always
	 * rise locally. */
	for (int ph = 0; ph < 10; ph++) {
		saw_phase = ph;
		for (size_t n = 30; n <= 120; n += 7) {
			assert_int_equal(classify(f_gc_leak, n, 400 * KiB,
						  (uint64_t)(ph * 100) + n, &g),
					 LT_TREND_GROWING);
			assert_int_not_equal(classify(f_gc_bounded, n,
						      400 * KiB,
						      (uint64_t)ph + n, &g),
					     LT_TREND_GROWING);
		}
	}
	saw_phase = 0;
}

static void test_spike_temporary(void **state)
{
	struct lt_growth g;
	(void)state;

	assert_int_equal(classify(f_spike, 60, 400 * KiB, 7, &g),
			 LT_TREND_TEMPORARY);
	assert_true(g.max > g.start + 40 * MiB);
	assert_int_equal(classify(f_hump, 60, 400 * KiB, 8, &g),
			 LT_TREND_TEMPORARY);
}

static void test_freed_and_dip(void **state)
{
	struct lt_growth g;
	(void)state;

	assert_int_equal(classify(f_freed, 60, 400 * KiB, 9, &g),
			 LT_TREND_FREED);
	assert_true(g.slope < 0);
	/* Dropped for a while and came back: nothing was held. */
	assert_int_equal(classify(f_dip, 60, 400 * KiB, 10, &g),
			 LT_TREND_FLAT);
}

static void test_trend_names(void **state)
{
	(void)state;
	assert_string_equal(lt_growth_trend_name(LT_TREND_UNKNOWN), "unknown");
	assert_string_equal(lt_growth_trend_name(LT_TREND_FLAT), "flat");
	assert_string_equal(lt_growth_trend_name(LT_TREND_GROWING), "growing");
	assert_string_equal(lt_growth_trend_name(LT_TREND_STEADY), "steady");
	assert_string_equal(lt_growth_trend_name(LT_TREND_TEMPORARY),
			    "temporary");
	assert_string_equal(lt_growth_trend_name(LT_TREND_FREED), "freed");
	assert_string_equal(lt_growth_trend_name((enum lt_trend)99),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear_exact),
		cmocka_unit_test(test_constant_flat),
		cmocka_unit_test(test_few_points),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_non_uniform_t),
		cmocka_unit_test(test_flat_with_jitter),
		cmocka_unit_test(test_leak_growing),
		cmocka_unit_test(test_slow_leak_growing),
		cmocka_unit_test(test_bounded_cache_steady),
		cmocka_unit_test(test_slowing_leak_growing),
		cmocka_unit_test(test_gc_sawtooth),
		cmocka_unit_test(test_spike_temporary),
		cmocka_unit_test(test_freed_and_dip),
		cmocka_unit_test(test_trend_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
