/* (Model tests of lt_hsites, with a simulation of the agent's sampling;
 * test_hsites.c has the store round trip.) */
/* Heap sites model: carry-forward values, the changed set, totals, growth
 * of sampled estimates (a leak, a bounded cache, temporary and freed
 * sites) and ranking, with 100,000 sites checked against a brute force. */
#include <string.h>

#include "lt_hsites.h"
#include "test_util.h"

#define KiB 1024
#define MiB (1024 * 1024)

static struct lt_hval hv(int64_t live, int64_t lc, int64_t ab, int64_t ac)
{
	struct lt_hval v = {.live_bytes = live, .live_count = lc, .alloc_bytes = ab, .alloc_count = ac};

	return v;
}

static void assert_hval(const struct lt_hval *a, const struct lt_hval *b)
{
	assert_int_equal(a->live_bytes, b->live_bytes);
	assert_int_equal(a->live_count, b->live_count);
	assert_int_equal(a->alloc_bytes, b->alloc_bytes);
	assert_int_equal(a->alloc_count, b->alloc_count);
}

/* Whether site i is among the changed sites of sample k. */
static int changed(const lt_hsites *h, size_t k, size_t i)
{
	const size_t *idx;
	size_t n = lt_hsites_changed(h, k, &idx);

	for (size_t j = 0; j < n; j++)
		if (idx[j] == i)
			return 1;
	return 0;
}

static void test_set_and_carry_forward(void **state)
{
	lt_hsites *h = lt_hsites_new();
	struct lt_hval v, a0 = hv(100, 1, 100, 1), b0 = hv(50, 2, 60, 3);
	struct lt_hval a1 = hv(300, 3, 300, 3), b2 = hv(0, 0, 60, 3);
	const size_t *idx;
	size_t a, b;
	(void)state;

	assert_int_equal(lt_hsites_count(h), 0);
	assert_int_equal(lt_hsites_find(h, 10), LT_NONE);
	assert_int_equal(lt_hsites_changed(h, 0, &idx), 0);

	lt_hsites_begin(h, 0.0);
	a = lt_hsites_set(h, 10, &a0);
	b = lt_hsites_set(h, 20, &b0);
	lt_hsites_end(h);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(lt_hsites_find(h, 20), b);
	assert_int_equal(lt_hsites_get(h, b)->stack, 20);
	assert_int_equal(lt_hsites_get(h, b)->first, 0);
	assert_null(lt_hsites_get(h, 2));
	assert_int_equal(lt_hsites_changed(h, 0, &idx), 2);

	lt_hsites_begin(h, 1.0);
	assert_int_equal(lt_hsites_set(h, 10, &a1), a);
	lt_hsites_end(h);
	assert_int_equal(lt_hsites_changed(h, 1, &idx), 1);
	assert_int_equal(idx[0], a);
	/* only the last sample knows its changes */
	assert_int_equal(lt_hsites_changed(h, 0, &idx), 0);

	lt_hsites_begin(h, 2.0);
	lt_hsites_set(h, 10, &a1); /* same again: no change */
	lt_hsites_set(h, 20, &b2);
	lt_hsites_end(h);
	assert_false(changed(h, 2, a));
	assert_true(changed(h, 2, b));

	lt_hsites_begin(h, 3.0); /* nothing set at all */
	lt_hsites_end(h);
	assert_int_equal(lt_hsites_changed(h, 3, &idx), 0);

	assert_int_equal(lt_hsites_sample_count(h), 4);
	assert_true(lt_hsites_sample(h, 3)->t == 3.0);
	assert_null(lt_hsites_sample(h, 4));
	lt_hsites_value(h, a, 0, &v);
	assert_hval(&v, &a0);
	lt_hsites_value(h, a, 3, &v);
	assert_hval(&v, &a1);
	lt_hsites_value(h, b, 1, &v);
	assert_hval(&v, &b0);
	lt_hsites_value(h, b, 3, &v);
	assert_hval(&v, &b2);
	lt_hsites_value(h, 7, 3, &v); /* no such site: zeros */
	assert_int_equal(v.alloc_bytes, 0);

	/* totals at every sample */
	assert_int_equal(lt_hsites_sample(h, 0)->total.live_bytes, 150);
	assert_int_equal(lt_hsites_sample(h, 0)->total.alloc_count, 4);
	assert_int_equal(lt_hsites_sample(h, 1)->total.live_bytes, 350);
	assert_int_equal(lt_hsites_sample(h, 2)->total.live_bytes, 300);
	assert_int_equal(lt_hsites_sample(h, 3)->total.live_count, 3);
	assert_int_equal(lt_hsites_sample(h, 3)->total.alloc_bytes, 360);
	lt_hsites_free(h);
	lt_hsites_free(NULL);
}

static void test_new_site_and_undone_change(void **state)
{
	lt_hsites *h = lt_hsites_new();
	struct lt_hval z = {0}, one = hv(4096, 1, 4096, 1), two = hv(8192, 2, 8192, 2);
	struct lt_hval v;
	const size_t *idx;
	size_t i, j;
	(void)state;

	lt_hsites_begin(h, 0);
	i = lt_hsites_set(h, 5, &one);
	assert_int_equal(i, 0);
	j = lt_hsites_set(h, 6, &z); /* a site seen with nothing yet */
	lt_hsites_end(h);
	assert_int_equal(lt_hsites_count(h), 2);
	assert_int_equal(lt_hsites_changed(h, 0, &idx), 1);
	assert_false(changed(h, 0, j));

	lt_hsites_begin(h, 1);
	lt_hsites_set(h, 5, &two);
	lt_hsites_set(h, 5, &one); /* back where the sample started */
	lt_hsites_set(h, 6, &two);
	lt_hsites_set(h, 6, &z);
	lt_hsites_end(h);
	assert_int_equal(lt_hsites_changed(h, 1, &idx), 0);
	assert_int_equal(lt_hsites_sample(h, 1)->total.live_bytes, 4096);
	lt_hsites_value(h, j, 1, &v);
	assert_hval(&v, &z);
	assert_int_equal(lt_hsites_get(h, j)->first, 0);

	/* a set without begin opens a sample of its own */
	lt_hsites_set(h, 7, &two);
	assert_int_equal(lt_hsites_sample_count(h), 3);
	assert_int_equal(lt_hsites_get(h, 2)->first, 2);
	lt_hsites_free(h);
}

/* Random changes to 300 sites over 50 samples: every value and total
 * matches a dense shadow copy. */
static void test_totals_match_shadow(void **state)
{
	enum { NS = 300, NK = 50 };
	static struct lt_hval shadow[NK][NS];
	lt_hsites *h = lt_hsites_new();
	(void)state;

	tu_rng = 42;
	for (size_t k = 0; k < NK; k++) {
		lt_hsites_begin(h, (double)k);
		for (size_t i = 0; i < NS; i++) {
			shadow[k][i] = k ? shadow[k - 1][i] : (struct lt_hval){0};
			if (tu_uniform(1) > 0.6 && (k || i < NS / 2)) {
				int64_t x = (int64_t)(tu_uniform(1e6) + 1e6);

				shadow[k][i] = hv(x, x / 64, x * 2 + (int64_t)k,
						  (int64_t)k);
				lt_hsites_set(h, 1000 + i, &shadow[k][i]);
			}
		}
		lt_hsites_end(h);
	}
	assert_int_equal(lt_hsites_count(h), NS);
	for (size_t k = 0; k < NK; k++) {
		struct lt_hval tot = {0}, v;

		for (size_t i = 0; i < NS; i++) {
			size_t s = lt_hsites_find(h, 1000 + i);

			lt_hsites_value(h, s, k, &v);
			assert_hval(&v, &shadow[k][i]);
			tot.live_bytes += v.live_bytes;
			tot.live_count += v.live_count;
			tot.alloc_bytes += v.alloc_bytes;
			tot.alloc_count += v.alloc_count;
		}
		assert_hval(&lt_hsites_sample(h, k)->total, &tot);
	}
	lt_hsites_free(h);
}

/* ---- the agent's sampling, simulated ---- */

/* One site of blocks of BLOCK bytes, sampled as the agent does: a block is
 * sampled with probability 1 - exp(-BLOCK/R) and then stands for
 * BLOCK / that probability bytes; frees count only for sampled blocks. */
#define BLOCK 4096
#define MAXB 200000

struct simsite {
	unsigned char live[MAXB]; /* 0 free, 1 live, 2 live and sampled */
	size_t head, tail;        /* live blocks are [tail, head) */
	double w;                 /* weight of one sample */
	double p;
	int64_t nlive, nalloc;    /* sampled */
};

static void sim_init(struct simsite *s, double rate)
{
	memset(s, 0, sizeof(*s));
	s->p = rate <= 1 ? 1 : 1 - exp(-BLOCK / rate);
	s->w = BLOCK / s->p;
}

static void sim_alloc(struct simsite *s)
{
	int sampled = (tu_uniform(0.5) + 0.5) < s->p;

	assert_true(s->head < MAXB);
	s->live[s->head++] = sampled ? 2 : 1;
	s->nalloc += sampled;
	s->nlive += sampled;
}

static void sim_free_oldest(struct simsite *s)
{
	if (s->tail < s->head) {
		s->nlive -= s->live[s->tail] == 2;
		s->live[s->tail++] = 0;
	}
}

static struct lt_hval sim_value(const struct simsite *s)
{
	/* Counts are weighted like bytes: each sample stands for 1/p. */
	return hv(llround((double)s->nlive * s->w), llround((double)s->nlive / s->p),
		  llround((double)s->nalloc * s->w), llround((double)s->nalloc / s->p));
}

static struct simsite sim[3];

/* 120 one-second samples at rate R of: stack 1, a leak of 1 MiB/s; stack 2,
 * a 64 MiB cache filled in 30 s and then churning as fast (entries
 * replaced oldest first); stack 3, buffers of 256 KiB per request, 40
 * requests/s, freed at once (a temporary, allocation-heavy site). */
static lt_hsites *simulate(uint64_t seed, double rate)
{
	lt_hsites *h = lt_hsites_new();
	size_t cache_blocks = 64 * MiB / BLOCK, per_s = cache_blocks / 30;

	tu_rng = seed;
	lt_hsites_set_rate(h, (uint64_t)rate);
	for (int i = 0; i < 3; i++)
		sim_init(&sim[i], rate);
	for (int k = 0; k < 120; k++) {
		struct lt_hval v;

		for (int b = 0; b < MiB / BLOCK; b++)
			sim_alloc(&sim[0]);
		for (size_t b = 0; b < per_s; b++) {
			sim_alloc(&sim[1]);
			if (sim[1].head - sim[1].tail > cache_blocks)
				sim_free_oldest(&sim[1]);
		}
		for (int b = 0; b < 40 * 64; b++) {
			sim_alloc(&sim[2]);
			if (b % 64 == 63)
				for (int f = 0; f < 64; f++)
					sim_free_oldest(&sim[2]);
		}
		sim[2].head = sim[2].tail = 0; /* reuse the ring */
		lt_hsites_begin(h, k + 0.01 * tu_uniform(1));
		for (int i = 0; i < 3; i++) {
			v = sim_value(&sim[i]);
			lt_hsites_set(h, (size_t)i + 1, &v);
		}
		lt_hsites_end(h);
	}
	return h;
}

/* The leak grows, the bounded cache is steady, the request buffers are
 * not growing, over many sampling seeds and at several rates. */
static void test_growth_of_sampled_sites(void **state)
{
	static const double rates[] = {512 * KiB, 64 * KiB, 1};
	(void)state;

	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++)
		for (uint64_t seed = 1; seed <= (rates[r] > 1 ? 20 : 1); seed++) {
			lt_hsites *h = simulate(seed * 7919, rates[r]);
			struct lt_growth g;
			size_t n = lt_hsites_sample_count(h);

			lt_hsites_growth(h, lt_hsites_find(h, 1), 0, n, &g);
			if (g.trend != LT_TREND_GROWING)
				fail_msg("rate %.0f seed %llu: leak is %s", rates[r],
					 (unsigned long long)seed,
					 lt_growth_trend_name(g.trend));
			assert_true(g.slope > 0.8 * MiB && g.slope < 1.2 * MiB);
			lt_hsites_growth(h, lt_hsites_find(h, 2), 0, n, &g);
			if (g.trend != LT_TREND_STEADY)
				fail_msg("rate %.0f seed %llu: cache is %s (end %.0f, "
					 "recent slope %.0f)", rates[r],
					 (unsigned long long)seed,
					 lt_growth_trend_name(g.trend), g.end,
					 g.recent_slope);
			lt_hsites_growth(h, lt_hsites_find(h, 3), 0, n, &g);
			assert_int_not_equal(g.trend, LT_TREND_GROWING);
			/* all together: leak and cache fill, and with exact
			 * counts that is growth (sampled, the churn of the
			 * other sites drowns the leak's recent rise) */
			lt_hsites_total_growth(h, 0, n, &g);
			assert_true(g.slope > 1.0 * MiB);
			if (rates[r] == 1)
				assert_int_equal(g.trend, LT_TREND_GROWING);
			assert_true(lt_hsites_alloc_rate(h, lt_hsites_find(h, 3), 0, n) >
				    0.8 * 40 * 64);
			lt_hsites_free(h);
		}
}

/* Hand-made series for the other classes, with exact counts. */
static void test_growth_classes(void **state)
{
	lt_hsites *h = lt_hsites_new();
	struct lt_growth g;
	(void)state;

	lt_hsites_set_rate(h, 1);
	assert_true(lt_hsites_noise(h) == 4096);
	for (int k = 0; k < 30; k++) {
		int64_t up = k < 15 ? k : k < 28 ? 28 - k : 0; /* rises, falls back */
		struct lt_hval tmp = hv(up * MiB, up, 30 * MiB, 30);
		struct lt_hval fr = hv((30 - k) * MiB, 30 - k, 30 * MiB, 30);
		struct lt_hval flat = hv(MiB, 1, (k + 1) * MiB, k + 1);
		struct lt_hval late = hv(k >= 25 ? (k - 24) * MiB : 0, 0, 0, 0);

		lt_hsites_begin(h, k);
		lt_hsites_set(h, 1, &tmp);
		lt_hsites_set(h, 2, &fr);
		lt_hsites_set(h, 3, &flat);
		if (k >= 25)
			lt_hsites_set(h, 4, &late);
		lt_hsites_end(h);
	}
	lt_hsites_growth(h, 0, 0, 30, &g);
	assert_int_equal(g.trend, LT_TREND_TEMPORARY);
	lt_hsites_growth(h, 1, 0, 30, &g);
	assert_int_equal(g.trend, LT_TREND_FREED);
	lt_hsites_growth(h, 2, 0, 30, &g);
	assert_int_equal(g.trend, LT_TREND_FLAT);
	assert_true(lt_hsites_alloc_rate(h, 2, 0, 30) == 1.0);
	/* born late: counted from 0 over the window, growing */
	lt_hsites_growth(h, 3, 0, 30, &g);
	assert_int_equal(g.trend, LT_TREND_GROWING);
	assert_true(g.start == 0);
	/* windows: [10, 20) of the temporary site rises then falls */
	lt_hsites_growth(h, 0, 10, 20, &g);
	assert_int_equal(g.n, 10);
	assert_true(g.start == 10 * MiB);
	lt_hsites_growth(h, 0, 5, 1000, &g); /* to clamped */
	assert_int_equal(g.n, 25);
	lt_hsites_growth(h, 0, 30, 30, &g); /* empty */
	assert_int_equal(g.n, 0);
	assert_true(lt_hsites_alloc_rate(h, 0, 3, 4) == 0);
	lt_hsites_free(h);
}

/* Go sites (LT_HSITE_GO) change only when the runtime publishes a GC
 * cycle: every 5 ticks here, with a tick in between where only another
 * Go site changed.  A leak published step-wise is growing even when the
 * window ends 13 ticks after its last step (tick by tick, the flat tail
 * reads as levelled off); a cache that filled and then only replaces
 * entries is not; a window with one publication or none is unknown; and
 * the same steps on an ordinary site keep the tick-wise judgement. */
static void test_go_stepwise(void **state)
{
	lt_hsites *h = lt_hsites_new();
	struct lt_growth g;
	(void)state;

	lt_hsites_set_rate(h, 512 * KiB);
	for (int k = 0; k < 30; k++) {
		int pub = k % 5 == 1 && k < 20, n = (k < 20 ? k : 19) / 5 + 1;
		struct lt_hval leak = hv(n * 4 * MiB, 8 * n, n * 4 * MiB, 8 * n);
		struct lt_hval cache = hv((n < 3 ? n : 3) * 2 * MiB, 4, n * 2 * MiB, 4 * n);
		struct lt_hval other = hv(MiB, 2, (int64_t)k * MiB, 2 * k);
		size_t i;

		lt_hsites_begin(h, k);
		if (pub) {
			i = lt_hsites_set(h, 1, &leak);
			lt_hsites_set_kind(h, i, LT_HSITE_GO);
			i = lt_hsites_set(h, 2, &cache);
			lt_hsites_set_kind(h, i, LT_HSITE_GO);
			lt_hsites_set(h, 4, &leak); /* a C site with the same steps */
		}
		lt_hsites_set(h, 3, &other); /* C: every tick, never publishes */
		lt_hsites_end(h);
		assert_int_equal(lt_hsites_sample(h, (size_t)k)->published, pub);
	}
	/* Sites in order of first sight: 0 other, 1 leak, 2 cache, 3 C. */
	lt_hsites_growth(h, 1, 0, 30, &g);  /* last step at 16, window to 29 */
	assert_int_equal(g.trend, LT_TREND_GROWING);
	assert_int_equal(g.n, 5);           /* tick 0 and 4 publications */
	lt_hsites_growth(h, 2, 0, 30, &g);
	assert_int_not_equal(g.trend, LT_TREND_GROWING);
	lt_hsites_growth(h, 1, 7, 12, &g);  /* one publication: unknown */
	assert_int_equal(g.trend, LT_TREND_UNKNOWN);
	lt_hsites_growth(h, 1, 2, 6, &g);   /* none */
	assert_int_equal(g.trend, LT_TREND_UNKNOWN);
	lt_hsites_growth(h, 3, 0, 30, &g);  /* tick by tick: flat tail */
	assert_int_equal(g.trend, LT_TREND_STEADY);
	lt_hsites_free(h);
}

/* A session longer than the fit's points: a leak and a plateau are still
 * told apart, from a grid that keeps both ends. */
static void test_long_session_grid(void **state)
{
	lt_hsites *h = lt_hsites_new();
	struct lt_growth g;
	(void)state;

	lt_hsites_set_rate(h, 1);
	for (int k = 0; k < 5000; k++) {
		struct lt_hval leak = hv((int64_t)k * 100 * KiB, k, (int64_t)k * 100 * KiB, k);
		int64_t c = k < 1000 ? k : 1000;
		struct lt_hval cache = hv(c * 64 * KiB, c, (int64_t)k * 64 * KiB, k);

		lt_hsites_begin(h, k);
		lt_hsites_set(h, 1, &leak);
		lt_hsites_set(h, 2, &cache);
		lt_hsites_end(h);
	}
	lt_hsites_growth(h, 0, 0, 5000, &g);
	assert_int_equal(g.trend, LT_TREND_GROWING);
	assert_true(g.n <= 128 && g.n > 100);
	assert_true(g.end == 4999.0 * 100 * KiB);
	assert_true(fabs(g.slope - 100 * KiB) < 1);
	lt_hsites_growth(h, 1, 0, 5000, &g);
	assert_int_equal(g.trend, LT_TREND_STEADY);
	lt_hsites_free(h);
}

/* Four sites that each sort puts first in turn. */
static void test_rank_each_sort(void **state)
{
	lt_hsites *h = lt_hsites_new();
	size_t order[4];
	struct lt_growth g[4];
	(void)state;

	lt_hsites_set_rate(h, 1);
	for (int k = 0; k < 20; k++) {
		/* 0: slow leak; 1: fast leak, small; 2: big and flat, churns
		 * 1000 allocations/s; 3: big, shrinking (largest delta
		 * negative) */
		struct lt_hval v0 = hv((20 + k) * MiB, k, (20 + k) * MiB, k);
		struct lt_hval v1 = hv(k * 2 * MiB, k, k * 2 * MiB, k);
		struct lt_hval v2 = hv(100 * MiB, 10, 100 * MiB + k * 1000, 1000 * k);
		struct lt_hval v3 = hv((90 - k) * MiB, 10, 90 * MiB, 10);

		lt_hsites_begin(h, k);
		lt_hsites_set(h, 100, &v0);
		lt_hsites_set(h, 101, &v1);
		lt_hsites_set(h, 102, &v2);
		lt_hsites_set(h, 103, &v3);
		lt_hsites_end(h);
	}
	lt_hsites_rank(h, LT_HSORT_GROWTH, 0, 20, order, g);
	assert_int_equal(order[0], 1); /* fastest growing first */
	assert_int_equal(order[1], 0);
	assert_int_equal(order[2], 2); /* then by live bytes */
	assert_int_equal(order[3], 3);
	assert_int_equal(g[1].trend, LT_TREND_GROWING);
	assert_int_equal(g[3].trend, LT_TREND_FREED);
	lt_hsites_rank(h, LT_HSORT_LIVE, 0, 20, order, NULL);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 3);
	assert_int_equal(order[2], 0);
	assert_int_equal(order[3], 1);
	lt_hsites_rank(h, LT_HSORT_ALLOCS, 0, 20, order, NULL);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[3], 3);
	lt_hsites_rank(h, LT_HSORT_DELTA, 0, 20, order, NULL);
	assert_int_equal(order[0], 1); /* +38 MiB */
	assert_int_equal(order[1], 0); /* +19 MiB */
	assert_int_equal(order[3], 3); /* -19 MiB */
	/* a window: over [0, 5) nothing but sizes differ */
	lt_hsites_rank(h, LT_HSORT_DELTA, 15, 20, order, NULL);
	assert_int_equal(order[0], 1);
	assert_string_equal(lt_hsites_sort_name(LT_HSORT_GROWTH), "growth");
	assert_string_equal(lt_hsites_sort_name(LT_HSORT_ALLOCS), "allocs/s");
	assert_string_equal(lt_hsites_sort_name(LT_HSORT_COUNT_), "?");
	lt_hsites_free(h);
}

/* 100,000 sites, 10 samples: every adjacent pair of the ranking is in
 * order, and the ranking is a permutation. */
static void test_rank_100k(void **state)
{
	enum { N = 100000, K = 10 };
	lt_hsites *h = lt_hsites_new();
	size_t *order = malloc(N * sizeof(*order));
	struct lt_growth *g = malloc(N * sizeof(*g));
	unsigned char *seen = calloc(N, 1);
	(void)state;

	assert_non_null(order);
	assert_non_null(g);
	assert_non_null(seen);
	lt_hsites_set_rate(h, 512 * KiB);
	tu_rng = 99;
	for (int k = 0; k < K; k++) {
		lt_hsites_begin(h, k);
		for (size_t i = 0; i < N; i++) {
			/* every 100th site leaks at its own speed; the
			 * rest jitter around their own size */
			int64_t base = (int64_t)(i % 977) * 64 * KiB, live;

			if (i % 100 == 0)
				live = base + (int64_t)k * (int64_t)(i / 100 + 1) * MiB;
			else
				live = base + (int64_t)tu_uniform(100 * KiB);
			if (live < 0)
				live = 0;
			struct lt_hval v = hv(live, 1, live + k, k + (int64_t)(i % 7) * k);
			lt_hsites_set(h, i * 3, &v);
		}
		lt_hsites_end(h);
	}
	for (int sort = 0; sort < LT_HSORT_COUNT_; sort++) {
		lt_hsites_rank(h, (enum lt_hsort)sort, 0, K, order, g);
		memset(seen, 0, N);
		for (size_t r = 0; r < N; r++) {
			assert_true(order[r] < N);
			assert_false(seen[order[r]]);
			seen[order[r]] = 1;
		}
		for (size_t r = 0; r + 1 < N; r++) {
			size_t a = order[r], b = order[r + 1];
			struct lt_hval va, vb, fa, fb;
			double ka, kb;

			lt_hsites_value(h, a, K - 1, &va);
			lt_hsites_value(h, b, K - 1, &vb);
			lt_hsites_value(h, a, 0, &fa);
			lt_hsites_value(h, b, 0, &fb);
			switch (sort) {
			case LT_HSORT_GROWTH: {
				int ga = g[a].trend == LT_TREND_GROWING;
				int gb = g[b].trend == LT_TREND_GROWING;

				assert_true(ga >= gb);
				if (ga != gb)
					continue;
				ka = ga ? g[a].slope : (double)va.live_bytes;
				kb = gb ? g[b].slope : (double)vb.live_bytes;
				break;
			}
			case LT_HSORT_LIVE:
				ka = (double)va.live_bytes;
				kb = (double)vb.live_bytes;
				break;
			case LT_HSORT_ALLOCS:
				ka = lt_hsites_alloc_rate(h, a, 0, K);
				kb = lt_hsites_alloc_rate(h, b, 0, K);
				break;
			default:
				ka = (double)(va.live_bytes - fa.live_bytes);
				kb = (double)(vb.live_bytes - fb.live_bytes);
				break;
			}
			assert_true(ka > kb || (ka == kb && a < b));
		}
	}
	/* the leakers are exactly the growing sites, fastest first */
	lt_hsites_rank(h, LT_HSORT_GROWTH, 0, K, order, g);
	for (size_t r = 0; r < N / 100; r++)
		assert_int_equal(order[r], N - 100 - r * 100);
	assert_int_not_equal(g[order[N / 100]].trend, LT_TREND_GROWING);
	free(order);
	free(g);
	free(seen);
	lt_hsites_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_carry_forward),
		cmocka_unit_test(test_new_site_and_undone_change),
		cmocka_unit_test(test_totals_match_shadow),
		cmocka_unit_test(test_growth_of_sampled_sites),
		cmocka_unit_test(test_growth_classes),
		cmocka_unit_test(test_long_session_grid),
		cmocka_unit_test(test_go_stepwise),
		cmocka_unit_test(test_rank_each_sort),
		cmocka_unit_test(test_rank_100k),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
