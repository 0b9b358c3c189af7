#include "lt_diag_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"

/* A claim starts beyond Z_START standard deviations of sampling noise and
 * stays while beyond Z_STAY (measured against the earlier three quarters
 * of the window too, see judge()).  At 3 sigma a balanced cache is called
 * growing in about 0.1% of windows. */
#define Z_START 3.0
#define Z_STAY 2.0
/* Fewer sampled events than this in a window: "collecting". */
#define MIN_EVENTS 4
/* ---- flows -------------------------------------------------------------- */

struct flow {
	double bytes;         /* weighted */
	double events;        /* raw samples (estimated for old sessions) */
};

/* The flows through function fn (every stack that has it): allocation
 * and free, over the window and its first three quarters. */
struct through {
	struct flow a, f, a0, f0;
};


/* What site i of h did over [from, to): its allocation flow (or, for the
 * free-flow table, its free flow). */
static struct flow site_flow(const lt_hsites *h, size_t i, size_t from, size_t to)
{
	struct lt_hval a, b;
	struct flow f;
	double rate = (double)lt_hsites_rate(h);

	lt_hsites_value(h, i, from, &a);
	lt_hsites_value(h, i, to - 1, &b);
	/* In usable bytes when the agent says: the free flow's unit. */
	f.bytes = b.alloc_ubytes ? (double)(b.alloc_ubytes - a.alloc_ubytes) :
		(double)(b.alloc_bytes - a.alloc_bytes);
	f.events = (double)(b.samples - a.samples);
	if (b.samples == 0 && f.bytes > 0) {
		/* A session from an agent that did not count samples: each
		 * sample of a small block stands for about `rate` bytes. */
		f.events = rate > 1 ? ceil(f.bytes / rate) : (double)(b.alloc_count - a.alloc_count);
	}
	if (rate <= 1)
		f.events = (double)(b.alloc_count - a.alloc_count);
	return f;
}

/* Adds flow f to every distinct function of stack s in map (function ->
 * index into acc, grown as needed). */
static void add_cumulative(const lt_stacktab *st, size_t s, struct flow f,
			   struct smap *map, struct flow **acc, size_t *n,
			   size_t *cap)
{
	const struct lt_stack *k = lt_stacktab_stack(st, s);
	const char *done[64];
	size_t nd = 0;

	for (size_t d = 0; k && d < k->depth; d++) {
		const struct lt_frame *fr = lt_stacktab_frame(st, k->frames[d]);

		for (size_t y = 0; y < fr->nsyms; y++) {
			const char *fn = fr->syms[y].function;
			size_t j, q;

			if (!fn)
				continue;
			for (q = 0; q < nd && strcmp(done[q], fn); q++)
				;
			if (q < nd)
				continue;
			if (nd < 64)
				done[nd++] = fn;
			j = lt_diag_smap_get(map, fn);
			if (j == LT_NONE) {
				if (*n == *cap) {
					*cap = *cap ? 2 * *cap : 256;
					*acc = lt_xrealloc(*acc, *cap * sizeof(**acc));
				}
				j = (*n)++;
				(*acc)[j] = (struct flow){0, 0};
				lt_diag_smap_put(map, fn, j);
			}
			(*acc)[j].bytes += f.bytes;
			(*acc)[j].events += f.events;
		}
	}
}

/* z of alloc minus free flow: how many standard deviations of sampling
 * noise the difference is.  Each sample carries about bytes/events. */
static double zscore(struct flow a, struct flow f)
{
	double va = a.events > 0 ? a.bytes * a.bytes / a.events : 0;
	double vf = f.events > 0 ? f.bytes * f.bytes / f.events : 0;
	double d = a.bytes - f.bytes;

	if (va + vf <= 0)
		return d > 0 ? INFINITY : d < 0 ? -INFINITY : 0;
	return d / sqrt(va + vf);
}

/* ---- flows by stack prefix ------------------------------------------------ */

/* Flows under each call path from the outermost frame in: the allocation
 * and free flows under "main > serve_request > sqlite3_prepare_v2" leave
 * out the churn of serve_request's other callees, so a leak amid much
 * churn elsewhere still shows.  Keys are hashes of the function names. */
struct pmap {
	uint64_t *key;        /* 0: free */
	struct flow *val;
	size_t cap, n;        /* cap a power of two */
};

static uint64_t step_hash(uint64_t h, const char *fn)
{
	h = (h ^ lt_diag_hash_str(fn)) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
	return h ? h : 1;
}

static struct flow *pmap_slot(struct pmap *m, uint64_t key, int create)
{
	size_t j;

	if (!m->cap && !create)
		return NULL;
	if (create && 2 * (m->n + 1) > m->cap) {
		struct pmap g = {lt_xcalloc(m->cap ? 2 * m->cap : 512, sizeof(uint64_t)),
				 lt_xcalloc(m->cap ? 2 * m->cap : 512, sizeof(struct flow)),
				 m->cap ? 2 * m->cap : 512, 0};

		for (size_t i = 0; i < m->cap; i++)
			if (m->key[i])
				*pmap_slot(&g, m->key[i], 1) = m->val[i];
		free(m->key);
		free(m->val);
		*m = g;
	}
	for (j = key & (m->cap - 1); m->key[j]; j = (j + 1) & (m->cap - 1))
		if (m->key[j] == key)
			return &m->val[j];
	if (!create)
		return NULL;
	m->key[j] = key;
	m->val[j] = (struct flow){0, 0};
	m->n++;
	return &m->val[j];
}

static void pmap_free(struct pmap *m)
{
	free(m->key);
	free(m->val);
}

/* Adds f under every prefix of stack s, outermost frame first. */
static void add_prefixes(const struct lt_diag_ctx *c, size_t s, struct flow f, struct pmap *m)
{
	const struct lt_stack *k = lt_stacktab_stack(c->st, s);
	uint64_t h = 1;

	if (f.bytes == 0 && f.events == 0)
		return;
	for (size_t d = k ? k->depth : 0; d-- > 0;) {
		const struct lt_frame *fr = lt_stacktab_frame(c->st, k->frames[d]);

		for (size_t y = fr->nsyms; y-- > 0;) {
			const char *fn = fr->syms[y].function;
			struct flow *v;

			if (!fn || lt_diag_plumbing(fn))
				continue;
			h = step_hash(h, fn);
			v = pmap_slot(m, h, 1);
			v->bytes += f.bytes;
			v->events += f.events;
		}
	}
}

/* The prefix of stack s that ends at the row's function fn in frame fr
 * (*at), and, when the allocations happen inside a library, the one that
 * goes on to the library function fn called (*entry; 0 otherwise). */
static void decision_prefix(const struct lt_diag_ctx *c, size_t s, const char *fn,
			    size_t fr, int via, uint64_t *at, uint64_t *entry)
{
	const struct lt_stack *k = lt_stacktab_stack(c->st, s);
	uint64_t h = 1;
	int found = 0;

	*at = 0;
	*entry = 0;
	for (size_t d = k ? k->depth : 0; d-- > 0;) {
		const struct lt_frame *f = lt_stacktab_frame(c->st, k->frames[d]);

		for (size_t y = f->nsyms; y-- > 0;) {
			const char *g = f->syms[y].function;

			if (!g || lt_diag_plumbing(g))
				continue;
			h = step_hash(h, g);
			if (found) {
				*entry = h;
				return;
			}
			if (k->frames[d] == fr && !strcmp(g, fn)) {
				*at = h;
				if (!via)
					return;
				found = 1;
			}
		}
	}
}

/* ---- rows --------------------------------------------------------------- */

#define ROW_PREFIXES 8

struct acc {
	struct lt_diag_row r;
	uint64_t at;              /* prefix ending at the row's function */
	uint64_t entry[ROW_PREFIXES]; /* ... going into a library */
	int nentry, own;          /* own: a site allocates in the function */
	struct flow sbf;          /* the row's sampled blocks freed (weighted) */
	double req_bytes;         /* its allocations in requested bytes */
	struct flow a, a_early;   /* allocation flow: window, early part */
	double best_live;
	double oldest_ms;         /* earliest birth of a live sample */
	int64_t age_sum_ms;
	size_t legacy_growing;    /* sites growing by the live-bytes fit */
	size_t go_sites, go_unknown; /* of them from the Go heap profile, and
				     those with no GC cycle published in
				     the window (nothing to judge) */
};

static struct flow pget(const struct pmap *m, uint64_t key)
{
	struct flow *v = pmap_slot((struct pmap *)m, key, 0);

	return v ? *v : (struct flow){0, 0};
}

static void flow_add(struct flow *a, struct flow b)
{
	a->bytes += b.bytes;
	a->events += b.events;
}

/* The row's flows under its decision prefixes: the whole of its function
 * when a site allocates there itself, else the library entries it calls. */
static struct through row_flows(const struct acc *x, const struct pmap *pa,
				const struct pmap *pf, const struct pmap *pa0,
				const struct pmap *pf0)
{
	struct through t = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};

	if (x->own || !x->nentry) {
		t.a = pget(pa, x->at);
		t.f = pget(pf, x->at);
		t.a0 = pget(pa0, x->at);
		t.f0 = pget(pf0, x->at);
		return t;
	}
	for (int q = 0; q < x->nentry; q++) {
		flow_add(&t.a, pget(pa, x->entry[q]));
		flow_add(&t.f, pget(pf, x->entry[q]));
		flow_add(&t.a0, pget(pa0, x->entry[q]));
		flow_add(&t.f0, pget(pf0, x->entry[q]));
	}
	return t;
}

/* Growing rows first, then those still collecting evidence, each by what
 * they keep net of frees; then the rest by live bytes. */
static int claim_rank(enum lt_diag_claim c)
{
	return c == LT_CLAIM_GROWING ? 0 : c == LT_CLAIM_COLLECTING ? 1 : 2;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct lt_diag_row *a = pa, *b = pb;
	int ra = claim_rank(a->claim), rb = claim_rank(b->claim);

	if (ra != rb)
		return ra - rb;
	if (ra == 0 && a->net_rate != b->net_rate)
		return a->net_rate < b->net_rate ? 1 : -1;
	if (ra == 1 && a->recent_rate != b->recent_rate)
		return a->recent_rate < b->recent_rate ? 1 : -1;
	if (a->live != b->live)
		return a->live < b->live ? 1 : -1;
	if (a->alloc_rate != b->alloc_rate)
		return a->alloc_rate < b->alloc_rate ? 1 : -1;
	return a->site < b->site ? -1 : a->site > b->site;
}


struct flows {
	struct smap amap, ffmap, amap0, ffmap0;
	struct flow *af, *ff, *af0, *ff0;
	size_t naf, caf, nff, cff, naf0, caf0, nff0, cff0;
};

static struct through through(const struct flows *fl, const char *fn)
{
	struct through t = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
	size_t q;

	if (!fn)
		return t;
	if ((q = lt_diag_smap_get(&fl->amap, fn)) != LT_NONE)
		t.a = fl->af[q];
	if ((q = lt_diag_smap_get(&fl->ffmap, fn)) != LT_NONE)
		t.f = fl->ff[q];
	if ((q = lt_diag_smap_get(&fl->amap0, fn)) != LT_NONE)
		t.a0 = fl->af0[q];
	if ((q = lt_diag_smap_get(&fl->ffmap0, fn)) != LT_NONE)
		t.f0 = fl->ff0[q];
	return t;
}

/* Unfreed sampled blocks a row needs before its retention alone claims
 * growth (about 4 MiB at the default rate): fewer and the free flow must
 * prove it. */
#define MIN_RETAINED 8

/* What one row's evidence says. */
struct evidence {
	double z, z0;       /* allocation over free flow through the row's
			       call path, in standard deviations: window,
			       early part */
	double zf;          /* the same at the row's own function */
	int vetoed;         /* a caller frees what the row allocates */
	/* The frees through the row's path beyond those of its own sampled
	 * blocks, against the two stories: a leak (they are churn, about
	 * zero) and a warm cache (they evict as much as the row keeps). */
	double z_leak;      /* how far they are above zero */
	double z_cache;     /* how far they fall short of what it keeps */
	int64_t unfreed;    /* sampled blocks of the window still live */
	int retained;       /* a fair share of them (churn frees its own) */
};

/* The claim for one row.  Growth needs the row to keep its own sampled
 * blocks (churn frees them), no caller freeing them, and the frees through
 * its path not to look like a cache's evictions; then either a clear
 * margin of allocation over free flow, or many kept blocks with the free
 * flow clearly short of a cache's, proves it.  Evidence for neither story
 * reads "collecting": a leak amid much churn takes longer to prove. */
static enum lt_diag_claim judge(const struct evidence *e, double events,
				int have_free_flow, size_t legacy_growing, double dt)
{
	int not_cache;

	if (dt < 1.5 || events < MIN_EVENTS)
		return LT_CLAIM_COLLECTING;
	if (!have_free_flow) {
		/* Without the free flow, frees of blocks from before the
		 * attach are unseen: only growth of live bytes that also
		 * outruns the sampled frees counts. */
		if (legacy_growing && e->z > Z_START)
			return LT_CLAIM_GROWING;
		return LT_CLAIM_STEADY;
	}
	if (!e->retained || e->vetoed)
		return e->zf < -Z_START ? LT_CLAIM_SHRINKING : LT_CLAIM_STEADY;
	not_cache = e->z_leak < Z_STAY;
	if (not_cache && (e->z > Z_START || (e->z > Z_STAY && e->z0 > Z_START)))
		return LT_CLAIM_GROWING;
	if (not_cache && e->unfreed >= MIN_RETAINED && e->z_cache > Z_START)
		return LT_CLAIM_GROWING;
	/* Only clear evictions make a cache: churn's free flow is noisy, and
	 * a leak amid it must not be called steady by chance. */
	if (e->z_leak > Z_START)
		return LT_CLAIM_STEADY;
	return e->unfreed >= 3 ? LT_CLAIM_COLLECTING : LT_CLAIM_STEADY;
}

size_t lt_diag_rows(const lt_model *m, const struct lt_diag_opts *o,
		    size_t from, size_t to, struct lt_diag_row **rows)
{
	const lt_hsites *h = lt_model_hsites_c(m), *fh = lt_model_fsites_c(m);
	size_t ns = lt_hsites_sample_count(h), n = lt_hsites_count(h);
	struct lt_diag_ctx c = {m, lt_model_stacks_c(m), o, {0}};
	struct smap keys = {0};
	struct flows fl;
	struct pmap pa = {0}, pf = {0}, pa0 = {0}, pf0 = {0};
	size_t nrows = 0, cap = 0, mid;
	struct acc *acc = NULL;
	struct lt_diag_row *out;
	int have_ff;
	double t_end, dt, dt0;

	*rows = NULL;
	if (to > ns)
		to = ns;
	if (!n || from >= to)
		return 0;
	mid = from + (to - from) * 3 / 4;
	if (mid <= from)
		mid = to;
	t_end = lt_hsites_sample(h, to - 1)->t;
	dt0 = lt_hsites_sample(h, mid - 1)->t - lt_hsites_sample(h, from)->t;
	dt = t_end - lt_hsites_sample(h, from)->t;
	lt_diag_detect_wrappers(&c, h);
	memset(&fl, 0, sizeof(fl));
	/* The allocation and free flows through every function, whole window
	 * and early. */
	have_ff = lt_hsites_count(fh) > 0 && lt_hsites_sample_count(fh) >= to;
	for (size_t i = 0; have_ff && i < lt_hsites_count(fh); i++) {
		size_t s = lt_hsites_get(fh, i)->stack;

		add_cumulative(c.st, s, site_flow(fh, i, from, to), &fl.ffmap, &fl.ff, &fl.nff, &fl.cff);
		add_cumulative(c.st, s, site_flow(fh, i, from, mid), &fl.ffmap0, &fl.ff0, &fl.nff0, &fl.cff0);
	}
	for (size_t i = 0; have_ff && i < n; i++) {
		size_t s = lt_hsites_get(h, i)->stack;

		add_cumulative(c.st, s, site_flow(h, i, from, to), &fl.amap, &fl.af, &fl.naf, &fl.caf);
		add_cumulative(c.st, s, site_flow(h, i, from, mid), &fl.amap0, &fl.af0, &fl.naf0, &fl.caf0);
		add_prefixes(&c, s, site_flow(h, i, from, to), &pa);
		add_prefixes(&c, s, site_flow(h, i, from, mid), &pa0);
	}
	for (size_t i = 0; have_ff && i < lt_hsites_count(fh); i++) {
		size_t s = lt_hsites_get(fh, i)->stack;

		add_prefixes(&c, s, site_flow(fh, i, from, to), &pf);
		add_prefixes(&c, s, site_flow(fh, i, from, mid), &pf0);
	}
	for (size_t i = 0; i < n; i++) {
		const struct lt_hsite *site = lt_hsites_get(h, i);
		struct lt_hval a, b;
		struct flow sf = site_flow(h, i, from, to), sf0 = site_flow(h, i, from, mid);
		const char *key_fn, *fns[64];
		size_t frame, nk = 0;
		int via;
		struct lt_growth g;

		lt_hsites_value(h, i, from, &a);
		lt_hsites_value(h, i, to - 1, &b);
		key_fn = lt_diag_key(&c, site->stack, &frame, &via);
		if (o->view == LT_DIAG_FUNC) {
			/* Every distinct function of the stack. */
			const struct lt_stack *k = lt_stacktab_stack(c.st, site->stack);

			for (size_t d = 0; k && d < k->depth; d++) {
				const struct lt_frame *fr = lt_stacktab_frame(c.st, k->frames[d]);

				for (size_t y = 0; y < fr->nsyms && nk < 64; y++) {
					const char *fn = fr->syms[y].function;
					size_t q;

					for (q = 0; fn && q < nk && strcmp(fns[q], fn); q++)
						;
					if (fn && q == nk)
						fns[nk++] = fn;
				}
			}
		} else {
			fns[nk++] = key_fn;
		}
		/* The live-bytes fit only judges sessions without the free
		 * flow; with it, a fit per site would be most of the cost of
		 * ranking 100,000 sites. */
		g.trend = LT_TREND_UNKNOWN;
		if (!have_ff)
			lt_hsites_growth(h, i, from, to, &g);
		for (size_t q = 0; q < nk; q++) {
			size_t j = LT_NONE;
			struct acc *x;

			if (o->view != LT_DIAG_SITE && fns[q])
				j = lt_diag_smap_get(&keys, fns[q]);
			if (j == LT_NONE) {
				if (nrows == cap) {
					cap = cap ? 2 * cap : 256;
					acc = lt_xrealloc(acc, cap * sizeof(*acc));
				}
				j = nrows++;
				x = &acc[j];
				memset(x, 0, sizeof(*x));
				x->r.function = o->view == LT_DIAG_SITE ? NULL : fns[q];
				x->r.frame = o->view == LT_DIAG_YOURS ? frame : LT_NONE;
				x->r.site = i;
				x->r.via_library = via;
				x->best_live = -1;
				x->r.oldest_age = -1;
				x->r.mean_free_age = -1;
				if (o->view != LT_DIAG_SITE && fns[q])
					lt_diag_smap_put(&keys, fns[q], j);
			}
			x = &acc[j];
			x->r.nsites++;
			if (have_ff && o->view != LT_DIAG_FUNC && key_fn) {
				uint64_t at, entry;

				decision_prefix(&c, site->stack, key_fn, frame, via, &at, &entry);
				if (!x->at)
					x->at = at;
				if (!entry) {
					x->own = 1;
				} else {
					int e;

					for (e = 0; e < x->nentry && x->entry[e] != entry; e++)
						;
					if (e == x->nentry && e < ROW_PREFIXES)
						x->entry[x->nentry++] = entry;
				}
			}
			x->r.live += (double)b.live_bytes;
			x->r.delta += (double)(b.live_bytes - a.live_bytes);
			x->r.allocs_per_s += (double)(b.alloc_count - a.alloc_count);
			x->r.samples += b.samples - a.samples;
			x->r.samples_freed += b.samples_freed - a.samples_freed;
			x->sbf.bytes += (double)(b.free_bytes - a.free_bytes);
			x->req_bytes += (double)(b.alloc_bytes - a.alloc_bytes);
			x->sbf.events += (double)(b.samples_freed - a.samples_freed);
			x->r.samples_total += b.samples;
			x->r.freed_total += b.samples_freed;
			x->age_sum_ms += b.age_sum_ms;
			if (b.oldest_ms > 0 && (x->oldest_ms == 0 || b.oldest_ms < x->oldest_ms))
				x->oldest_ms = (double)b.oldest_ms;
			x->a.bytes += sf.bytes;
			x->a.events += sf.events;
			x->a_early.bytes += sf0.bytes;
			x->a_early.events += sf0.events;
			if (g.trend == LT_TREND_GROWING)
				x->legacy_growing++;
			if (site->kind == LT_HSITE_GO) {
				x->go_sites++;
				x->go_unknown += g.trend == LT_TREND_UNKNOWN;
			}
			if ((double)b.live_bytes > x->best_live) {
				x->best_live = (double)b.live_bytes;
				x->r.site = i;
				if (o->view == LT_DIAG_YOURS) {
					x->r.via_library = via;
					x->r.frame = frame;
				}
			}
			/* Without the free flow, the row's own sampled frees are
			 * the only frees seen. */
			if (!have_ff)
				x->r.free_samples += b.samples_freed - a.samples_freed;
		}
	}
	out = lt_xcalloc(nrows ? nrows : 1, sizeof(*out));
	for (size_t j = 0; j < nrows; j++) {
		struct acc *x = &acc[j];
		struct flow f = {0, 0};
		const char *key = x->r.function;
		double sd, net_bytes, va, vf;

		if (o->view == LT_DIAG_SITE) {
			size_t fr;
			int via;

			key = lt_diag_key(&c, lt_hsites_get(h, x->r.site)->stack, &fr, &via);
		}
		if (have_ff && key) {
			const char *path[16];
			size_t np = o->view == LT_DIAG_FUNC ? 1 :
				lt_diag_path(&c, lt_hsites_get(h, x->r.site)->stack, key, path, 16);
			struct through t = o->view == LT_DIAG_FUNC || !x->at ? through(&fl, key) :
				row_flows(x, &pa, &pf, &pa0, &pf0);
			struct evidence ev = {0};
			double e_bytes, sd_e, u_bytes;

			ev.unfreed = x->r.samples - x->r.samples_freed;
			ev.retained = x->r.samples_total == 0 ||
				(ev.unfreed >= 3 && (double)ev.unfreed >= 0.2 * (double)x->r.samples);
			if (o->view == LT_DIAG_FUNC)
				path[0] = key;
			ev.z = zscore(t.a, t.f);
			ev.z0 = zscore(t.a0, t.f0);
			ev.zf = ev.z;
			/* A caller through which the flow balances vetoes: the
			 * row's objects are freed further out (a destructor
			 * beside the constructor).  Only a clear balance counts:
			 * a busy caller's churn leaves its net too uncertain to
			 * veto anything. */
			for (size_t q = 1; q < np; q++) {
				struct through u = through(&fl, path[q]);
				double va_u = u.a.events > 0 ? u.a.bytes * u.a.bytes / u.a.events : 0;
				double vf_u = u.f.events > 0 ? u.f.bytes * u.f.bytes / u.f.events : 0;
				double net_f = t.a.bytes - t.f.bytes, net_u = u.a.bytes - u.f.bytes;

				if (net_f - net_u > Z_START * sqrt(va_u + vf_u) + 1e-9) {
					ev.vetoed = 1;
					break;
				}
			}
			/* Frees through the row's code beyond those of its own
			 * sampled blocks: blocks from before the window, evicted
			 * (a cache), or unsampled churn (noise about zero).  The
			 * noise of either story: the churn's sampling, at least
			 * one sample's weight; a cache's adds that of what the
			 * row keeps. */
			/* Sampled-block frees count requested bytes; the flows
			 * usable ones (malloc_usable_size), up to twice as many
			 * for small blocks: one unit, or churn of small blocks
			 * reads as evictions. */
			if (x->req_bytes > 0 && x->a.bytes > 0)
				x->sbf.bytes *= x->a.bytes / x->req_bytes;
			u_bytes = x->a.bytes - x->sbf.bytes;
			e_bytes = t.f.bytes - x->sbf.bytes;
			sd_e = sqrt((t.f.events > 0 ? t.f.bytes * t.f.bytes / t.f.events : 0) +
				    (x->sbf.events > 0 ? x->sbf.bytes * x->sbf.bytes / x->sbf.events : 0));
			{
				double w = x->a.events > 0 ? x->a.bytes / x->a.events : 0;
				double sd_leak = sd_e > w ? sd_e : w;
				double sd_cache = sqrt(sd_leak * sd_leak +
						       (ev.unfreed > 0 ? u_bytes * u_bytes / (double)ev.unfreed : 0));

				ev.z_leak = sd_leak > 0 ? e_bytes / sd_leak : 0;
				ev.z_cache = sd_cache > 0 ? (u_bytes - e_bytes) / sd_cache : 0;
			}
			f = t.f;
			x->r.free_samples = (int64_t)f.events;
			x->r.claim = judge(&ev, x->a.events, 1, x->legacy_growing, dt);
			if (dt > dt0)
				x->r.recent_rate = ((t.a.bytes - t.a0.bytes) - (t.f.bytes - t.f0.bytes)) /
						   (dt - dt0);
			/* What the row keeps, less what its code evicts. */
			net_bytes = ev.retained ? u_bytes - (e_bytes > 0 ? e_bytes : 0) : x->r.delta;
			va = x->a.events > 0 ? x->a.bytes * x->a.bytes / x->a.events : 0;
			vf = sd_e * sd_e;
		} else {
			struct evidence ev = {0};

			/* Sampled blocks of the row freed: a lower bound of
			 * the free flow. */
			f.bytes = x->a.events > 0 ? x->a.bytes * (double)x->r.free_samples /
				x->a.events : 0;
			f.events = (double)x->r.free_samples;
			ev.z = zscore(x->a, f);
			x->r.claim = judge(&ev, x->a.events, have_ff, x->legacy_growing, dt);
			/* The Go heap profile holds every block since the
			 * program started, frees included: its figures only
			 * lack what the runtime has not published yet.  A Go
			 * row with no GC cycle published in the window, or
			 * rising through GCs with too few samples to tell
			 * from noise, is not known to be steady: record
			 * longer (or the program runs few GCs). */
			if (x->go_sites && x->r.claim == LT_CLAIM_STEADY &&
			    (x->go_unknown == x->go_sites ||
			     (x->legacy_growing && ev.z > 0)))
				x->r.claim = LT_CLAIM_COLLECTING;
			net_bytes = x->a.bytes - f.bytes;
			va = x->a.events > 0 ? x->a.bytes * x->a.bytes / x->a.events : 0;
			vf = f.events > 0 ? f.bytes * f.bytes / f.events : 0;
		}
		if (dt > 0) {
			x->r.alloc_rate = x->a.bytes / dt;
			x->r.free_rate = f.bytes / dt;
			x->r.allocs_per_s /= dt;
			x->r.net_rate = net_bytes / dt;
			sd = sqrt(va + vf) / dt;
		} else {
			x->r.allocs_per_s = 0;
			x->r.net_rate = 0;
			sd = 0;
		}
		x->r.net_lo = x->r.net_rate - 1.96 * sd;
		x->r.net_hi = x->r.net_rate + 1.96 * sd;
		if (x->oldest_ms > 0)
			x->r.oldest_age = t_end - x->oldest_ms / 1000.0;
		if (x->r.freed_total > 0)
			x->r.mean_free_age = (double)x->age_sum_ms / 1000.0 / (double)x->r.freed_total;
		out[j] = x->r;
	}
	qsort(out, nrows, sizeof(*out), cmp_rows);
	free(acc);
	free(keys.s);
	free(fl.amap.s);
	free(fl.ffmap.s);
	free(fl.amap0.s);
	free(fl.ffmap0.s);
	free(fl.af);
	free(fl.ff);
	free(fl.af0);
	free(fl.ff0);
	pmap_free(&pa);
	pmap_free(&pf);
	pmap_free(&pa0);
	pmap_free(&pf0);
	free(c.detected.s);
	*rows = out;
	return nrows;
}
