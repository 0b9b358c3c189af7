#include "lt_hsites.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"

/* Points a growth fit uses at most: a long session is sampled on an even
 * grid so ranking 100,000 sites stays a bounded amount of work. */
#define FIT_POINTS 128
/* How many standard deviations of sampling noise the recent rise of a
 * growing site must exceed (check_sampling).  Measured with test_hsites'
 * simulation of the agent over 300 seeds: a churning 64 MiB cache came out
 * growing 27% of the time without the check, 0.3% at 3 and never at 4. */
#define CHURN_SIGMAS 4.0

struct change {
	size_t k;
	struct lt_hval v;
};

struct site {
	struct lt_hsite pub;
	struct change *ch;    /* in increasing k */
	size_t nch, cap;
};

struct lt_hsites {
	struct site *sites;
	size_t nsites, scap;
	size_t *index;        /* open addressing: stack -> site + 1, 0 free */
	size_t icap;          /* power of two */
	struct lt_hsample *samples;
	size_t nsamples, mcap;
	size_t *changed;      /* sites changed in the last sample */
	size_t nchanged, ccap;
	uint64_t rate;
	int open;
};

lt_hsites *lt_hsites_new(void)
{
	return lt_xcalloc(1, sizeof(lt_hsites));
}

void lt_hsites_free(lt_hsites *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nsites; i++)
		free(h->sites[i].ch);
	free(h->sites);
	free(h->index);
	free(h->samples);
	free(h->changed);
	free(h);
}

void lt_hsites_set_rate(lt_hsites *h, uint64_t rate)
{
	h->rate = rate;
}

uint64_t lt_hsites_rate(const lt_hsites *h)
{
	return h->rate;
}

double lt_hsites_noise(const lt_hsites *h)
{
	/* One sample stands for about `rate` bytes, so a site whose estimate
	 * moved by less than that has not shown growth; below 4 KiB even
	 * exact counts are allocator noise. */
	double r = (double)h->rate;

	if (r < 4096)
		r = 4096;
	if (r > 4 * 1048576.0)
		r = 4 * 1048576.0;
	return r;
}

static size_t hash_stack(size_t stack)
{
	uint64_t x = (uint64_t)stack * 0x9e3779b97f4a7c15ULL;

	return (size_t)(x ^ (x >> 29));
}

static void index_put(lt_hsites *h, size_t stack, size_t site)
{
	size_t mask = h->icap - 1, j = hash_stack(stack) & mask;

	while (h->index[j])
		j = (j + 1) & mask;
	h->index[j] = site + 1;
}

static void index_grow(lt_hsites *h)
{
	free(h->index);
	h->icap = h->icap ? h->icap * 2 : 1024;
	h->index = lt_xcalloc(h->icap, sizeof(size_t));
	for (size_t i = 0; i < h->nsites; i++)
		index_put(h, h->sites[i].pub.stack, i);
}

size_t lt_hsites_find(const lt_hsites *h, size_t stack)
{
	size_t mask, j;

	if (!h->icap)
		return LT_NONE;
	mask = h->icap - 1;
	for (j = hash_stack(stack) & mask; h->index[j]; j = (j + 1) & mask)
		if (h->sites[h->index[j] - 1].pub.stack == stack)
			return h->index[j] - 1;
	return LT_NONE;
}

void lt_hsites_begin(lt_hsites *h, double t)
{
	struct lt_hsample *s;

	if (h->open)
		lt_hsites_end(h);
	if (h->nsamples == h->mcap) {
		h->mcap = h->mcap ? h->mcap * 2 : 64;
		h->samples = lt_xrealloc(h->samples, h->mcap * sizeof(*s));
	}
	s = &h->samples[h->nsamples];
	memset(s, 0, sizeof(*s));
	if (h->nsamples)
		s->total = h->samples[h->nsamples - 1].total;
	s->t = t;
	h->nsamples++;
	h->nchanged = 0;
	h->open = 1;
}

void lt_hsites_end(lt_hsites *h)
{
	/* Kinds are set after lt_hsites_set: known by now. */
	for (size_t j = 0; h->nsamples && j < h->nchanged; j++)
		if (h->sites[h->changed[j]].pub.kind == LT_HSITE_GO)
			h->samples[h->nsamples - 1].published = 1;
	h->open = 0;
}

void lt_hsites_reopen(lt_hsites *h, double t)
{
	if (h->open)
		return;
	if (!h->nsamples || h->samples[h->nsamples - 1].t != t) {
		lt_hsites_begin(h, t);
		return;
	}
	h->open = 1;
}

static const struct lt_hval zero;

static const struct lt_hval *last_value(const struct site *s)
{
	return s->nch ? &s->ch[s->nch - 1].v : &zero;
}

static void add_to(struct lt_hval *t, const struct lt_hval *v, int sign)
{
	t->live_bytes += sign * v->live_bytes;
	t->live_count += sign * v->live_count;
	t->alloc_bytes += sign * v->alloc_bytes;
	t->alloc_count += sign * v->alloc_count;
	t->free_bytes += sign * v->free_bytes;
	t->free_count += sign * v->free_count;
	t->samples += sign * v->samples;
	t->samples_freed += sign * v->samples_freed;
	t->age_sum_ms += sign * v->age_sum_ms;
	t->alloc_ubytes += sign * v->alloc_ubytes;
	/* The total's oldest_ms means nothing summed: left 0. */
}

/* The value before the site's last change (zeros before its first). */
static const struct lt_hval *value_before(const struct site *s)
{
	return s->nch >= 2 ? &s->ch[s->nch - 2].v : &zero;
}

/* Drops site i's change in the open sample, which is its last one. */
static void unchange(lt_hsites *h, struct site *s, size_t i)
{
	s->nch--;
	for (size_t j = 0; j < h->nchanged; j++)
		if (h->changed[j] == i) {
			h->changed[j] = h->changed[--h->nchanged];
			break;
		}
}

size_t lt_hsites_set(lt_hsites *h, size_t stack, const struct lt_hval *v)
{
	size_t i = lt_hsites_find(h, stack), k;
	struct site *s;

	if (!h->open)
		lt_hsites_begin(h, h->nsamples ?
				h->samples[h->nsamples - 1].t : 0);
	k = h->nsamples - 1;
	if (i == LT_NONE) {
		if (h->nsites == h->scap) {
			h->scap = h->scap ? h->scap * 2 : 256;
			h->sites = lt_xrealloc(h->sites,
					       h->scap * sizeof(*s));
		}
		i = h->nsites++;
		s = &h->sites[i];
		memset(s, 0, sizeof(*s));
		s->pub.stack = stack;
		s->pub.first = k;
		if (h->nsites * 2 > h->icap)
			index_grow(h);
		else
			index_put(h, stack, i);
	}
	s = &h->sites[i];
	if (!memcmp(last_value(s), v, sizeof(*v)))
		return i;
	add_to(&h->samples[k].total, last_value(s), -1);
	add_to(&h->samples[k].total, v, 1);
	if (s->nch && s->ch[s->nch - 1].k == k) {
		/* Set twice in one sample: back to where the sample started
		 * is no change at all. */
		s->ch[s->nch - 1].v = *v;
		if (!memcmp(value_before(s), v, sizeof(*v)))
			unchange(h, s, i);
		return i;
	}
	if (s->nch == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->ch = lt_xrealloc(s->ch, s->cap * sizeof(*s->ch));
	}
	s->ch[s->nch].k = k;
	s->ch[s->nch].v = *v;
	s->nch++;
	if (h->nchanged == h->ccap) {
		h->ccap = h->ccap ? h->ccap * 2 : 256;
		h->changed = lt_xrealloc(h->changed,
					 h->ccap * sizeof(size_t));
	}
	h->changed[h->nchanged++] = i;
	return i;
}

void lt_hsites_set_kind(lt_hsites *h, size_t i, int kind)
{
	if (i < h->nsites)
		h->sites[i].pub.kind = kind;
}

size_t lt_hsites_count(const lt_hsites *h)
{
	return h->nsites;
}

const struct lt_hsite *lt_hsites_get(const lt_hsites *h, size_t i)
{
	return i < h->nsites ? &h->sites[i].pub : NULL;
}

size_t lt_hsites_sample_count(const lt_hsites *h)
{
	return h->nsamples;
}

const struct lt_hsample *lt_hsites_sample(const lt_hsites *h, size_t k)
{
	return k < h->nsamples ? &h->samples[k] : NULL;
}

/* Index of the last change at or before k, or (size_t)-1. */
static size_t change_at(const struct site *s, size_t k)
{
	size_t lo = 0, hi = s->nch;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ch[mid].k <= k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : (size_t)-1;
}

void lt_hsites_value(const lt_hsites *h, size_t i, size_t k,
		     struct lt_hval *out)
{
	size_t c;

	*out = zero;
	if (i >= h->nsites)
		return;
	c = change_at(&h->sites[i], k);
	if (c != (size_t)-1)
		*out = h->sites[i].ch[c].v;
}

size_t lt_hsites_changed(const lt_hsites *h, size_t k, const size_t **idx)
{
	static const size_t none[1];

	*idx = none;
	if (!h->nsamples || k != h->nsamples - 1)
		return 0;
	*idx = h->changed;
	return h->nchanged;
}

/* Point j of the fit over span samples from `from`: every sample of a
 * short window, an even grid (ends included) over a long one. */
static size_t grid(size_t from, size_t span, size_t j)
{
	if (span <= FIT_POINTS)
		return from + j;
	return from + (size_t)((double)j * (double)(span - 1) /
			       (FIT_POINTS - 1) + 0.5);
}

/* Sampled estimates wander even when nothing grows: a site that frees
 * and reallocates (a cache replacing entries) gains and loses sampled
 * blocks at random.  With f bytes freed and about as many allocated, in
 * blocks of s bytes each sampled with probability p, the estimate moves by
 * a standard deviation of sqrt(2 f s (1 - p) / p) (about sqrt(2 f rate)
 * for small blocks, 0 for blocks far above the rate or at rate 1).  A site
 * counts as growing only when its rise over the last third of the window
 * exceeds CHURN_SIGMAS of that; otherwise it rose and then wandered: steady.
 * a is the value at the start of the last third, b at the end. */
static void check_sampling(const lt_hsites *h, const struct lt_hval *a,
			   const struct lt_hval *b, double rise,
			   struct lt_growth *g)
{
	double allocd = (double)(b->alloc_bytes - a->alloc_bytes);
	double n = (double)(b->alloc_count - a->alloc_count);
	double freed = allocd - (double)(b->live_bytes - a->live_bytes);
	double r = (double)h->rate, size, p, sigma;

	if (g->trend != LT_TREND_GROWING || freed <= 0 || r <= 1)
		return;
	size = n > 0 ? allocd / n : r;
	if (size < 1)
		size = 1;
	p = 1 - exp(-size / r);
	if (p <= 0)
		return;
	sigma = sqrt(2 * freed * size * (1 - p) / p);
	if (rise < CHURN_SIGMAS * sigma)
		g->trend = LT_TREND_STEADY;
}

/* Sample index where the last third of a fit over [from, from + span)
 * starts (lt_growth_fit's recent window), and that window's duration. */
static size_t recent_from(const lt_hsites *h, size_t from, size_t span,
			  double *dur)
{
	size_t n = span < FIT_POINTS ? span : FIT_POINTS, k = (n + 2) / 3;
	size_t first = grid(from, span, n - (k < 2 ? 2 : k));

	*dur = h->samples[from + span - 1].t - h->samples[first].t;
	return first;
}

/* A Go site's growth (LT_HSITE_GO): its counts move only when the
 * runtime publishes a GC cycle, so the fit takes the window's first sample
 * and the samples where a cycle was published, the last FIT_POINTS of
 * them.  Ticks between are the same figures again: counted, a window that
 * ends a few seconds after the last GC reads as levelled off, and one
 * with a GC in its last third as a sudden rise.  Fewer than two
 * publications in the window: LT_TREND_UNKNOWN (no GC, nothing to
 * judge).  Sampling noise is judged as for any site (check_sampling). */
static void go_growth(const lt_hsites *h, const struct site *s, size_t from,
		      size_t to, struct lt_growth *out)
{
	double t[FIT_POINTS], v[FIT_POINTS];
	size_t ks[FIT_POINTS], n = 0, last, k0, i = (size_t)(s - h->sites);
	struct lt_hval a, b;

	for (size_t k = to; k-- > from + 1 && n < FIT_POINTS - 1;)
		if (h->samples[k].published)
			ks[n++] = k;
	ks[n++] = from;
	for (size_t j = 0; j < n; j++) {
		size_t k = ks[n - 1 - j], c = change_at(s, k);

		t[j] = h->samples[k].t;
		v[j] = c != (size_t)-1 ? (double)s->ch[c].v.live_bytes : 0;
	}
	lt_growth_fit(t, v, n, lt_hsites_noise(h), out);
	if (out->trend != LT_TREND_GROWING)
		return;
	/* The start of lt_growth_fit's last third. */
	k0 = ks[(n + 2) / 3 < 2 ? 1 : (n + 2) / 3 - 1];
	last = ks[0];
	lt_hsites_value(h, i, k0, &a);
	lt_hsites_value(h, i, last, &b);
	check_sampling(h, &a, &b, out->recent_slope *
		       (h->samples[last].t - h->samples[k0].t), out);
}

void lt_hsites_growth(const lt_hsites *h, size_t i, size_t from, size_t to,
		      struct lt_growth *out)
{
	double t[FIT_POINTS], v[FIT_POINTS];
	const struct site *s;
	struct lt_hval a, b;
	size_t n = 0, span, c, k0;
	double dur;

	memset(out, 0, sizeof(*out));
	if (to > h->nsamples)
		to = h->nsamples;
	if (i >= h->nsites || from >= to)
		return;
	s = &h->sites[i];
	if (s->pub.kind == LT_HSITE_GO) {
		go_growth(h, s, from, to, out);
		return;
	}
	/* A site is 0 before it was first seen: starting the fit there makes
	 * a site born mid-window count its first bytes as growth. */
	span = to - from;
	c = change_at(s, from);
	for (size_t j = 0; j < FIT_POINTS && j < span; j++) {
		size_t k = grid(from, span, j);

		while (c + 1 < s->nch && s->ch[c + 1].k <= k)
			c++;
		t[n] = h->samples[k].t;
		v[n] = (c != (size_t)-1 && s->ch[c].k <= k) ?
			(double)s->ch[c].v.live_bytes : 0;
		n++;
	}
	lt_growth_fit(t, v, n, lt_hsites_noise(h), out);
	if (out->trend != LT_TREND_GROWING)
		return;
	k0 = recent_from(h, from, span, &dur);
	lt_hsites_value(h, i, k0, &a);
	lt_hsites_value(h, i, to - 1, &b);
	check_sampling(h, &a, &b, out->recent_slope * dur, out);
}

void lt_hsites_total_growth(const lt_hsites *h, size_t from, size_t to,
			    struct lt_growth *out)
{
	double t[FIT_POINTS], v[FIT_POINTS], dur;
	size_t n = 0, span, k0;

	memset(out, 0, sizeof(*out));
	if (to > h->nsamples)
		to = h->nsamples;
	if (from >= to)
		return;
	span = to - from;
	for (size_t j = 0; j < FIT_POINTS && j < span; j++) {
		size_t k = grid(from, span, j);

		t[n] = h->samples[k].t;
		v[n] = (double)h->samples[k].total.live_bytes;
		n++;
	}
	lt_growth_fit(t, v, n, lt_hsites_noise(h), out);
	if (out->trend != LT_TREND_GROWING)
		return;
	k0 = recent_from(h, from, span, &dur);
	check_sampling(h, &h->samples[k0].total, &h->samples[to - 1].total,
		       out->recent_slope * dur, out);
}

void lt_hsites_count_growth(const lt_hsites *h, size_t i, size_t from,
			    size_t to, struct lt_growth *out)
{
	double t[FIT_POINTS], v[FIT_POINTS];
	size_t n = 0, span;

	memset(out, 0, sizeof(*out));
	if (to > h->nsamples)
		to = h->nsamples;
	if (i >= h->nsites || from >= to)
		return;
	span = to - from;
	for (size_t j = 0; j < FIT_POINTS && j < span; j++) {
		size_t k = grid(from, span, j);
		struct lt_hval x;

		lt_hsites_value(h, i, k, &x);
		t[n] = h->samples[k].t;
		v[n] = (double)x.live_count;
		n++;
	}
	lt_growth_fit(t, v, n, 1, out);
}

double lt_hsites_alloc_rate(const lt_hsites *h, size_t i, size_t from,
			    size_t to)
{
	struct lt_hval a, b;
	double dt;

	if (to > h->nsamples)
		to = h->nsamples;
	if (from + 1 >= to)
		return 0;
	dt = h->samples[to - 1].t - h->samples[from].t;
	if (dt <= 0)
		return 0;
	lt_hsites_value(h, i, from, &a);
	lt_hsites_value(h, i, to - 1, &b);
	return (double)(b.alloc_count - a.alloc_count) / dt;
}

struct rank_ctx {
	enum lt_hsort sort;
	const double *key;
	const struct lt_growth *g;
};

static int growing(const struct lt_growth *g)
{
	return g->trend == LT_TREND_GROWING;
}

static int cmp_rank(const void *pa, const void *pb, void *arg)
{
	const struct rank_ctx *c = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	double ka, kb;

	if (c->sort == LT_HSORT_GROWTH && growing(&c->g[a]) != growing(&c->g[b]))
		return growing(&c->g[b]) - growing(&c->g[a]);
	if (c->sort == LT_HSORT_GROWTH && growing(&c->g[a])) {
		ka = c->g[a].slope;
		kb = c->g[b].slope;
	} else {
		ka = c->key[a];
		kb = c->key[b];
	}
	if (ka != kb)
		return ka < kb ? 1 : -1;
	return a < b ? -1 : a > b; /* stable across calls */
}

void lt_hsites_rank(const lt_hsites *h, enum lt_hsort sort, size_t from,
		    size_t to, size_t *order, struct lt_growth *growth)
{
	struct lt_growth *g = growth;
	double *key;
	struct rank_ctx ctx;

	if (!h->nsites)
		return;
	if (to > h->nsamples)
		to = h->nsamples;
	if (!g)
		g = lt_xcalloc(h->nsites, sizeof(*g));
	key = lt_xcalloc(h->nsites, sizeof(double));
	for (size_t i = 0; i < h->nsites; i++) {
		struct lt_hval a, b;

		order[i] = i;
		lt_hsites_growth(h, i, from, to, &g[i]);
		lt_hsites_value(h, i, to ? to - 1 : 0, &b);
		lt_hsites_value(h, i, from, &a);
		switch (sort) {
		case LT_HSORT_ALLOCS:
			key[i] = lt_hsites_alloc_rate(h, i, from, to);
			break;
		case LT_HSORT_DELTA:
			key[i] = (double)(b.live_bytes - a.live_bytes);
			break;
		default:
			key[i] = (double)b.live_bytes;
			break;
		}
	}
	ctx.sort = sort;
	ctx.key = key;
	ctx.g = g;
	qsort_r(order, h->nsites, sizeof(size_t), cmp_rank, &ctx);
	free(key);
	if (g != growth)
		free(g);
}

const char *lt_hsites_sort_name(enum lt_hsort sort)
{
	switch (sort) {
	case LT_HSORT_GROWTH: return "growth";
	case LT_HSORT_LIVE: return "live";
	case LT_HSORT_ALLOCS: return "allocs/s";
	case LT_HSORT_DELTA: return "delta";
	default: return "?";
	}
}
