#include "lt_tgroups.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"

/* A group's counts are dense from its first sample: groups x samples stays
 * small (thousands of groups, one sample every few seconds). */
struct group {
	struct lt_tgroup pub;
	int64_t *counts;      /* counts[k - first] */
	size_t ncounts, cap;
	/* Changes of the longest wait's start: sparse, in sample order. */
	struct since { size_t k; double t; } *since;
	size_t nsince, sincecap;
};

struct lt_tgroups {
	struct group *groups;
	size_t ngroups, gcap;
	struct lt_tsample *samples;
	size_t nsamples, scap;
	int open;
};

lt_tgroups *lt_tgroups_new(void)
{
	return lt_xcalloc(1, sizeof(lt_tgroups));
}

void lt_tgroups_free(lt_tgroups *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->ngroups; i++) {
		free(g->groups[i].pub.syscall);
		for (size_t k = 0; k < g->groups[i].pub.nnames; k++)
			free(g->groups[i].pub.names[k]);
		free(g->groups[i].counts);
		free(g->groups[i].since);
	}
	free(g->groups);
	free(g->samples);
	free(g);
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void set_count(struct group *gr, size_t k, int64_t count)
{
	size_t at = k - gr->pub.first;

	if (at >= gr->cap) {
		gr->cap = at + 1 > gr->cap * 2 ? at + 1 : gr->cap * 2;
		gr->counts = lt_xrealloc(gr->counts, gr->cap * sizeof(int64_t));
	}
	while (gr->ncounts <= at)
		gr->counts[gr->ncounts++] = 0;
	gr->counts[at] = count;
}

size_t lt_tgroups_intern(lt_tgroups *g, size_t stack, char state,
			 const char *syscall)
{
	struct group *gr;

	/* Linear search is fine for the hundreds of groups a process has;
	 * 2,000 identical threads are one group. */
	for (size_t i = 0; i < g->ngroups; i++) {
		gr = &g->groups[i];
		if (gr->pub.stack == stack && gr->pub.state == state &&
		    same(gr->pub.syscall, syscall))
			return i;
	}
	if (g->ngroups == g->gcap) {
		g->gcap = g->gcap ? g->gcap * 2 : 32;
		g->groups = lt_xrealloc(g->groups, g->gcap * sizeof(*gr));
	}
	gr = &g->groups[g->ngroups];
	memset(gr, 0, sizeof(*gr));
	gr->pub.stack = stack;
	gr->pub.state = state;
	gr->pub.syscall = syscall ? lt_xstrdup(syscall) : NULL;
	gr->pub.first = g->nsamples ? g->nsamples - (g->open ? 1 : 0) : 0;
	return g->ngroups++;
}

void lt_tgroups_add_name(lt_tgroups *g, size_t i, const char *name)
{
	struct lt_tgroup *p = &g->groups[i].pub;

	if (!name || !*name || p->nnames == LT_TGROUP_NAMES)
		return;
	for (size_t k = 0; k < p->nnames; k++)
		if (!strcmp(p->names[k], name))
			return;
	p->names[p->nnames++] = lt_xstrdup(name);
}

void lt_tgroups_begin(lt_tgroups *g, const struct lt_tsample *s)
{
	if (g->nsamples == g->scap) {
		g->scap = g->scap ? g->scap * 2 : 64;
		g->samples = lt_xrealloc(g->samples, g->scap * sizeof(*s));
	}
	g->samples[g->nsamples++] = *s;
	g->open = 1;
	for (size_t i = 0; i < g->ngroups; i++)
		set_count(&g->groups[i], g->nsamples - 1, 0);
}

size_t lt_tgroups_add(lt_tgroups *g, size_t stack, char state,
		      const char *syscall, const char *name)
{
	size_t i = lt_tgroups_intern(g, stack, state, syscall);
	size_t k = g->nsamples - 1;
	struct group *gr = &g->groups[i];

	set_count(gr, k, lt_tgroups_value(g, i, k) + 1);
	lt_tgroups_add_name(g, i, name);
	return i;
}

void lt_tgroups_end(lt_tgroups *g)
{
	g->open = 0;
}

void lt_tgroups_set(lt_tgroups *g, size_t i, size_t k, int64_t count)
{
	struct group *gr = &g->groups[i];

	if (k < gr->pub.first) {
		/* A loaded group may first appear at a later sample than the
		 * one it was interned at: shift its window. */
		size_t shift = gr->pub.first - k;

		gr->counts = lt_xrealloc(gr->counts, (gr->ncounts + shift + 1) * sizeof(int64_t));
		memmove(gr->counts + shift, gr->counts, gr->ncounts * sizeof(int64_t));
		memset(gr->counts, 0, shift * sizeof(int64_t));
		gr->ncounts += shift;
		gr->cap = gr->ncounts + 1;
		gr->pub.first = k;
	}
	set_count(gr, k, count);
}

void lt_tgroups_set_since(lt_tgroups *g, size_t i, size_t k, double since)
{
	struct group *gr = &g->groups[i];
	struct since *last = gr->nsince ? &gr->since[gr->nsince - 1] : NULL;

	if (last && k < last->k)
		return;  /* out of order: ignored */
	if (last && ((isnan(last->t) && isnan(since)) || fabs(last->t - since) < 1.0))
		return;
	if (!last && isnan(since))
		return;
	if (last && last->k == k) {
		last->t = since;
		return;
	}
	if (gr->nsince == gr->sincecap) {
		gr->sincecap = gr->sincecap ? gr->sincecap * 2 : 4;
		gr->since = lt_xrealloc(gr->since, gr->sincecap * sizeof(*gr->since));
	}
	gr->since[gr->nsince++] = (struct since){k, since};
}

double lt_tgroups_since(const lt_tgroups *g, size_t i, size_t k)
{
	const struct group *gr = &g->groups[i];
	size_t lo = 0, hi = gr->nsince;

	/* The last change at or before k. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (gr->since[mid].k <= k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? gr->since[lo - 1].t : NAN;
}

size_t lt_tgroups_count(const lt_tgroups *g)
{
	return g->ngroups;
}

const struct lt_tgroup *lt_tgroups_get(const lt_tgroups *g, size_t i)
{
	return &g->groups[i].pub;
}

size_t lt_tgroups_sample_count(const lt_tgroups *g)
{
	return g->nsamples;
}

const struct lt_tsample *lt_tgroups_sample(const lt_tgroups *g, size_t k)
{
	return &g->samples[k];
}

int64_t lt_tgroups_value(const lt_tgroups *g, size_t i, size_t k)
{
	const struct group *gr = &g->groups[i];

	if (k < gr->pub.first || k - gr->pub.first >= gr->ncounts)
		return 0;
	return gr->counts[k - gr->pub.first];
}

int lt_tgroups_partial(const lt_tgroups *g, size_t k)
{
	return k < g->nsamples && g->samples[k].unseen > LT_TGROUPS_NOISE;
}

size_t lt_tgroups_first_full(const lt_tgroups *g)
{
	size_t k = 0;

	while (k < g->nsamples && lt_tgroups_partial(g, k))
		k++;
	return k;
}

void lt_tgroups_growth_range(const lt_tgroups *g, size_t i, size_t kb,
			     size_t kc, struct lt_growth *out)
{
	size_t n = kc >= kb && kc < g->nsamples ? kc - kb + 1 : 0, m = 0;
	double *t = lt_xmalloc((n ? n : 1) * sizeof(double));
	double *v = lt_xmalloc((n ? n : 1) * sizeof(double));
	int64_t unseen = 0;

	/* A partial sample misses members that are there: fitted, the
	 * members reached later would read as growth (3,000 steady threads
	 * "growing" from 1,474 while the sampler made its first round). */
	for (size_t k = kb; n && k <= kc; k++) {
		if (lt_tgroups_partial(g, k))
			continue;
		if (g->samples[k].unseen > unseen)
			unseen = g->samples[k].unseen;
		t[m] = g->samples[k].t;
		v[m++] = (double)lt_tgroups_value(g, i, k);
	}
	/* The few members a fitted sample may still miss are as good as
	 * noise: reached later (on a loaded machine the sampler passes a
	 * thread that does not stop in time and comes back to it a round
	 * later), they would make a steady group rise by as many, and 2 of
	 * 3,000 read as "+14/min". */
	lt_growth_fit(t, v, m, (double)(LT_TGROUPS_NOISE + unseen), out);
	free(t);
	free(v);
}

void lt_tgroups_growth(const lt_tgroups *g, size_t i, struct lt_growth *out)
{
	if (!g->nsamples) {
		lt_growth_fit(NULL, NULL, 0, LT_TGROUPS_NOISE, out);
		return;
	}
	lt_tgroups_growth_range(g, i, 0, g->nsamples - 1, out);
}

void lt_tgroups_coverage(const lt_tgroups *g, size_t kb, size_t kc,
			 struct lt_tcoverage *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t k = kb; k <= kc && k < g->nsamples; k++) {
		const struct lt_tsample *s = &g->samples[k];
		int64_t members = s->unseen > 0 ? s->unseen : 0;

		for (size_t i = 0; i < g->ngroups; i++)
			members += lt_tgroups_value(g, i, k);
		out->samples++;
		out->partial += (size_t)lt_tgroups_partial(g, k);
		if (s->skipped > out->max_skipped)
			out->max_skipped = s->skipped;
		if (s->unseen > out->max_unseen)
			out->max_unseen = s->unseen;
		if (members > out->max_members)
			out->max_members = members;
	}
}

/* What rank_cmp compares by: the groups and their growth fits. */
struct rank_ctx {
	const lt_tgroups *g;
	const struct lt_growth *growth;
};

static int rank_cmp(const void *pa, const void *pb, void *arg)
{
	const struct rank_ctx *c = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const struct lt_growth *ga = &c->growth[a], *gb = &c->growth[b];
	int wa = ga->trend == LT_TREND_GROWING, wb = gb->trend == LT_TREND_GROWING;
	size_t last = c->g->nsamples ? c->g->nsamples - 1 : 0;
	int64_t ca = lt_tgroups_value(c->g, a, last);
	int64_t cb = lt_tgroups_value(c->g, b, last);

	if (wa != wb)
		return wb - wa;
	if (wa && ga->slope != gb->slope)
		return ga->slope < gb->slope ? 1 : -1;
	if (ca != cb)
		return ca < cb ? 1 : -1;
	return a < b ? -1 : a > b;
}

void lt_tgroups_rank(const lt_tgroups *g, size_t *order,
		     struct lt_growth *growth)
{
	struct rank_ctx ctx = {g, growth};

	for (size_t i = 0; i < g->ngroups; i++) {
		order[i] = i;
		lt_tgroups_growth(g, i, &growth[i]);
	}
	qsort_r(order, g->ngroups, sizeof(*order), rank_cmp, &ctx);
}

const char *lt_tgroups_state_name(char state, char *buf, size_t len)
{
	switch (state) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk wait";
	case 'T': return "stopped";
	case 't': return "traced";
	case 'Z': return "zombie";
	case 'I': return "idle";
	default:
		snprintf(buf, len, "state %c", state > ' ' && state < 127 ? state : '?');
		return buf;
	}
}
