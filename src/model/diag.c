#include "lt_diag.h"

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
/* Callers a function must have, always directly above malloc, before it
 * counts as a wrapper by itself: a leaking function called from two
 * places must not be split into its callers. */
#define WRAPPER_CALLERS 5

static const char *const builtin_wrappers[] = {
	"xmalloc", "xcalloc", "xrealloc", "xzalloc", "xstrdup", "xstrndup",
	"xmemdup", "emalloc", "ecalloc", "erealloc", "zmalloc", "zcalloc",
	"zrealloc", "g_malloc", "g_malloc0", "g_realloc", "g_try_malloc",
	"g_try_malloc0", "g_malloc_n", "g_malloc0_n", "g_slice_alloc",
	"g_slice_alloc0", "g_strdup", "g_memdup", "g_memdup2",
	"sqlite3Malloc", "sqlite3MallocZero", "sqlite3DbMallocRaw",
	"sqlite3DbMallocRawNN", "sqlite3DbMallocZero", "sqlite3_malloc",
	"sqlite3_malloc64", "sqlite3Realloc", "sqlite3_realloc64",
	"PyMem_Malloc", "PyMem_Calloc", "PyMem_Realloc", "PyMem_RawMalloc",
	"PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc",
	"OPENSSL_malloc", "CRYPTO_malloc", "CRYPTO_zalloc", "CRYPTO_realloc",
	"apr_palloc", "ngx_alloc", "ngx_palloc", "ngx_pnalloc", "ngx_calloc",
	"av_malloc", "av_mallocz", "strdup", "strndup",
};

int lt_diag_is_wrapper(const struct lt_diag_opts *o, const char *fn)
{
	if (!fn)
		return 0;
	/* operator new(unsigned long), operator new[](...) */
	if (!strncmp(fn, "operator new", 12))
		return 1;
	for (size_t i = 0; i < sizeof(builtin_wrappers) / sizeof(builtin_wrappers[0]); i++)
		if (!strcmp(fn, builtin_wrappers[i]))
			return 1;
	for (size_t i = 0; o && i < o->nwrappers; i++)
		if (o->wrappers[i] && !strcmp(fn, o->wrappers[i]))
			return 1;
	return 0;
}

/* ---- a small string-keyed table ---------------------------------------- */

struct slot {
	const char *key;      /* NULL: free */
	size_t val;
};

struct smap {
	struct slot *s;
	size_t cap, n;        /* cap a power of two */
};

static uint64_t hash_str(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	while (*k)
		h = (h ^ (unsigned char)*k++) * 1099511628211ULL;
	return h;
}

/* The value of key, or LT_NONE. */
static size_t smap_get(const struct smap *m, const char *key)
{
	if (!m->cap)
		return LT_NONE;
	for (size_t j = hash_str(key) & (m->cap - 1); m->s[j].key; j = (j + 1) & (m->cap - 1))
		if (!strcmp(m->s[j].key, key))
			return m->s[j].val;
	return LT_NONE;
}

static void smap_put(struct smap *m, const char *key, size_t val)
{
	size_t j;

	if (2 * (m->n + 1) > m->cap) {
		struct smap g = {lt_xcalloc(m->cap ? 2 * m->cap : 256, sizeof(struct slot)),
				 m->cap ? 2 * m->cap : 256, 0};

		for (size_t i = 0; i < m->cap; i++)
			if (m->s[i].key)
				smap_put(&g, m->s[i].key, m->s[i].val);
		free(m->s);
		*m = g;
	}
	for (j = hash_str(key) & (m->cap - 1); m->s[j].key; j = (j + 1) & (m->cap - 1))
		if (!strcmp(m->s[j].key, key)) {
			m->s[j].val = val;
			return;
		}
	m->s[j].key = key;
	m->s[j].val = val;
	m->n++;
}

/* ---- which frame is "your code" ---------------------------------------- */

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	return b ? b + 1 : path;
}

static int is_shared_object(const char *path)
{
	const char *b = base_name(path);

	return b && strstr(b, ".so") != NULL;
}

/* Installed by the system (a package), as opposed to the program's own
 * build: /usr/lib, /lib, ... also as seen through /proc/PID/root. */
static int is_system_path(const char *path)
{
	static const char *const dirs[] = {"/lib/", "/lib64/", "/lib32/", "/usr/lib/",
					   "/usr/lib64/", "/usr/lib32/",
					   "/usr/local/lib/", "/snap/", "/nix/store/"};

	if (!path)
		return 0;
	if (!strncmp(path, "/proc/", 6)) {
		const char *r = strstr(path, "/root/");

		if (r)
			path = r + 5;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])))
			return 1;
	return 0;
}

/* The program's own code: its executable, or a library it ships itself
 * (a plugin it dlopens from its own directory), not one the system
 * installed. */
static int is_own_module(const char *path)
{
	return path && (!is_shared_object(path) || !is_system_path(path));
}

static int is_system_lib(const char *path)
{
	const char *b = base_name(path);

	return b && (!strncmp(b, "libc.so", 7) || !strncmp(b, "libc-", 5) ||
		     !strncmp(b, "libpthread", 10) || !strncmp(b, "ld-linux", 8) ||
		     !strncmp(b, "libstdc++", 9) || !strncmp(b, "libgcc_s", 8) ||
		     !strncmp(b, "libm.so", 7));
}

static int is_plumbing(const char *fn)
{
	return !strcmp(fn, "start_thread") || !strncmp(fn, "__libc_start", 12) ||
	       !strcmp(fn, "_start") || !strncmp(fn, "clone", 5) ||
	       !strncmp(fn, "__clone", 7) || !strncmp(fn, "std::", 5) ||
	       !strncmp(fn, "__gnu_cxx::", 11) || !strncmp(fn, "__cxa_", 6);
}

struct ctx {
	const lt_model *m;
	const lt_stacktab *st;
	const struct lt_diag_opts *o;
	struct smap detected;  /* function -> 1 when detected as a wrapper */
};

static int wrapper(const struct ctx *c, const char *fn)
{
	return lt_diag_is_wrapper(c->o, fn) || smap_get(&c->detected, fn) == 1;
}

/* The row key of stack s in the "your code" view: the first function, from
 * the allocation outwards (inlined ones first within a frame), in the
 * program itself that is not a wrapper; failing that, the first one outside
 * the system libraries; failing that, the innermost named one.  *frame is
 * its frame; *via_lib says a library's own code allocated below it. */
static const char *yours_key(const struct ctx *c, size_t s, size_t *frame,
			     int *via_lib)
{
	const struct lt_stack *k = lt_stacktab_stack(c->st, s);
	const char *fallback = NULL, *innermost = NULL;
	size_t ff = LT_NONE, fi = LT_NONE;
	int lib = 0, fallback_lib = 0;

	*frame = LT_NONE;
	*via_lib = 0;
	for (size_t i = 0; k && i < k->depth; i++) {
		const struct lt_frame *f = lt_stacktab_frame(c->st, k->frames[i]);
		int program = is_own_module(f->module);

		for (size_t y = 0; y < f->nsyms; y++) {
			const char *fn = f->syms[y].function;

			if (!fn)
				continue;
			if (!innermost) {
				innermost = fn;
				fi = k->frames[i];
			}
			if (wrapper(c, fn) || is_plumbing(fn))
				continue;
			if (program) {
				*frame = k->frames[i];
				*via_lib = lib;
				return fn;
			}
			if (!fallback && !is_system_lib(f->module)) {
				fallback = fn;
				ff = k->frames[i];
				fallback_lib = lib;
			}
		}
		if (!program && !is_system_lib(f->module) && f->syms[0].function &&
		    !wrapper(c, f->syms[0].function))
			lib = 1;
	}
	if (fallback) {
		*frame = ff;
		*via_lib = fallback_lib;
		return fallback;
	}
	*frame = fi;
	return innermost;
}

/* Detects wrappers: functions that are always the innermost frame of
 * their stacks (they call malloc themselves) and have many callers. */
static void detect_wrappers(struct ctx *c, const lt_hsites *h)
{
	struct smap seen = {0};
	struct wrap {
		const char *callers[WRAPPER_CALLERS];
		int n, inner_only;
	} *w = NULL;
	size_t nw = 0, cap = 0;

	for (size_t i = 0; i < lt_hsites_count(h); i++) {
		const struct lt_stack *k = lt_stacktab_stack(c->st, lt_hsites_get(h, i)->stack);

		for (size_t d = 0; k && d < k->depth && d < 64; d++) {
			const struct lt_frame *f = lt_stacktab_frame(c->st, k->frames[d]);
			const char *fn = f->syms[0].function;
			size_t j;

			if (!fn)
				continue;
			j = smap_get(&seen, fn);
			if (j == LT_NONE) {
				if (nw == cap) {
					cap = cap ? 2 * cap : 64;
					w = lt_xrealloc(w, cap * sizeof(*w));
				}
				j = nw++;
				memset(&w[j], 0, sizeof(w[j]));
				w[j].inner_only = 1;
				smap_put(&seen, fn, j);
			}
			if (d > 0 || f->nsyms > 1) {
				w[j].inner_only = 0;
				continue;
			}
			if (d + 1 < k->depth && w[j].n < WRAPPER_CALLERS) {
				const char *caller = lt_stacktab_frame(c->st, k->frames[d + 1])->syms[0].function;
				int known = !caller;

				for (int q = 0; q < w[j].n && !known; q++)
					known = !strcmp(w[j].callers[q], caller);
				if (!known)
					w[j].callers[w[j].n++] = caller;
			}
		}
	}
	for (size_t i = 0; i < seen.cap; i++)
		if (seen.s[i].key && w[seen.s[i].val].inner_only &&
		    w[seen.s[i].val].n >= WRAPPER_CALLERS)
			smap_put(&c->detected, seen.s[i].key, 1);
	free(seen.s);
	free(w);
}

/* ---- flows -------------------------------------------------------------- */

struct flow {
	double bytes;         /* weighted */
	double events;        /* raw samples (estimated for old sessions) */
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
			j = smap_get(map, fn);
			if (j == LT_NONE) {
				if (*n == *cap) {
					*cap = *cap ? 2 * *cap : 256;
					*acc = lt_xrealloc(*acc, *cap * sizeof(**acc));
				}
				j = (*n)++;
				(*acc)[j] = (struct flow){0, 0};
				smap_put(map, fn, j);
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

/* ---- rows --------------------------------------------------------------- */

struct acc {
	struct lt_diag_row r;
	struct flow a, a_early;   /* allocation flow: window, early part */
	double best_live;
	double oldest_ms;         /* earliest birth of a live sample */
	int64_t age_sum_ms;
	size_t legacy_growing;    /* sites growing by the live-bytes fit */
};

static int cmp_rows(const void *pa, const void *pb)
{
	const struct lt_diag_row *a = pa, *b = pb;
	int ga = a->claim == LT_CLAIM_GROWING, gb = b->claim == LT_CLAIM_GROWING;

	if (ga != gb)
		return gb - ga;
	if (ga && a->net_rate != b->net_rate)
		return a->net_rate < b->net_rate ? 1 : -1;
	if (a->live != b->live)
		return a->live < b->live ? 1 : -1;
	if (a->alloc_rate != b->alloc_rate)
		return a->alloc_rate < b->alloc_rate ? 1 : -1;
	return a->site < b->site ? -1 : a->site > b->site;
}

/* The claim for one row from its flows over the window and over its
 * first three quarters (the hysteresis). */
static enum lt_diag_claim judge(struct flow a, struct flow f, struct flow a0,
				struct flow f0, int have_free_flow,
				size_t legacy_growing, double dt)
{
	double z = zscore(a, f), z0 = zscore(a0, f0);

	if (dt < 1.5 || a.events + f.events < MIN_EVENTS)
		return LT_CLAIM_COLLECTING;
	if (!have_free_flow) {
		/* Without the free flow, frees of blocks from before the
		 * attach are unseen: only growth of live bytes that also
		 * outruns the sampled frees counts. */
		if (legacy_growing && z > Z_START)
			return LT_CLAIM_GROWING;
		return LT_CLAIM_STEADY;
	}
	if (z > Z_START || (z > Z_STAY && z0 > Z_START))
		return LT_CLAIM_GROWING;
	if (z < -Z_START || (z < -Z_STAY && z0 < -Z_START))
		return LT_CLAIM_SHRINKING;
	return LT_CLAIM_STEADY;
}

size_t lt_diag_rows(const lt_model *m, const struct lt_diag_opts *o,
		    size_t from, size_t to, struct lt_diag_row **rows)
{
	const lt_hsites *h = lt_model_hsites_c(m), *fh = lt_model_fsites_c(m);
	size_t ns = lt_hsites_sample_count(h), n = lt_hsites_count(h);
	struct ctx c = {m, lt_model_stacks_c(m), o, {0}};
	struct smap keys = {0}, ffmap = {0}, ffmap0 = {0};
	struct flow *ff = NULL, *ff0 = NULL;
	size_t nff = 0, cff = 0, nff0 = 0, cff0 = 0, nrows = 0, cap = 0, mid;
	struct acc *acc = NULL;
	struct lt_diag_row *out;
	int have_ff;
	double t_end, dt;

	*rows = NULL;
	if (to > ns)
		to = ns;
	if (!n || from >= to)
		return 0;
	mid = from + (to - from) * 3 / 4;
	if (mid <= from)
		mid = to;
	t_end = lt_hsites_sample(h, to - 1)->t;
	dt = t_end - lt_hsites_sample(h, from)->t;
	detect_wrappers(&c, h);
	/* The free flow through every function, whole window and early. */
	have_ff = lt_hsites_count(fh) > 0 && lt_hsites_sample_count(fh) >= to;
	for (size_t i = 0; have_ff && i < lt_hsites_count(fh); i++) {
		size_t s = lt_hsites_get(fh, i)->stack;

		add_cumulative(c.st, s, site_flow(fh, i, from, to), &ffmap, &ff, &nff, &cff);
		add_cumulative(c.st, s, site_flow(fh, i, from, mid), &ffmap0, &ff0, &nff0, &cff0);
	}
	for (size_t i = 0; i < n; i++) {
		const struct lt_hsite *site = lt_hsites_get(h, i);
		struct lt_hval a, b;
		struct flow fl = site_flow(h, i, from, to), fl0 = site_flow(h, i, from, mid);
		const char *key_fn, *fns[64];
		size_t frame, nk = 0;
		int via;
		struct lt_growth g;

		lt_hsites_value(h, i, from, &a);
		lt_hsites_value(h, i, to - 1, &b);
		key_fn = yours_key(&c, site->stack, &frame, &via);
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
		lt_hsites_growth(h, i, from, to, &g);
		for (size_t q = 0; q < nk; q++) {
			size_t j = LT_NONE;
			struct acc *x;

			if (o->view != LT_DIAG_SITE && fns[q])
				j = smap_get(&keys, fns[q]);
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
					smap_put(&keys, fns[q], j);
			}
			x = &acc[j];
			x->r.nsites++;
			x->r.live += (double)b.live_bytes;
			x->r.delta += (double)(b.live_bytes - a.live_bytes);
			x->r.allocs_per_s += (double)(b.alloc_count - a.alloc_count);
			x->r.samples += b.samples - a.samples;
			x->r.samples_freed += b.samples_freed - a.samples_freed;
			x->r.samples_total += b.samples;
			x->r.freed_total += b.samples_freed;
			x->age_sum_ms += b.age_sum_ms;
			if (b.oldest_ms > 0 && (x->oldest_ms == 0 || b.oldest_ms < x->oldest_ms))
				x->oldest_ms = (double)b.oldest_ms;
			x->a.bytes += fl.bytes;
			x->a.events += fl.events;
			x->a_early.bytes += fl0.bytes;
			x->a_early.events += fl0.events;
			if (g.trend == LT_TREND_GROWING)
				x->legacy_growing++;
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
		struct flow f = {0, 0}, f0 = {0, 0};
		const char *key = x->r.function;
		double sd;

		if (o->view == LT_DIAG_SITE) {
			size_t fr;
			int via;

			key = yours_key(&c, lt_hsites_get(h, x->r.site)->stack, &fr, &via);
		}
		if (have_ff && key) {
			size_t q = smap_get(&ffmap, key), q0 = smap_get(&ffmap0, key);

			if (q != LT_NONE)
				f = ff[q];
			if (q0 != LT_NONE)
				f0 = ff0[q0];
			x->r.free_samples = (int64_t)f.events;
		} else if (!have_ff) {
			/* Sampled blocks of the row freed: a lower bound of
			 * the free flow. */
			f.bytes = x->a.events > 0 ? x->a.bytes * (double)x->r.free_samples /
				x->a.events : 0;
			f.events = (double)x->r.free_samples;
		}
		x->r.claim = judge(x->a, f, x->a_early, f0, have_ff, x->legacy_growing, dt);
		if (dt > 0) {
			x->r.alloc_rate = x->a.bytes / dt;
			x->r.free_rate = f.bytes / dt;
			x->r.allocs_per_s /= dt;
		} else {
			x->r.allocs_per_s = 0;
		}
		x->r.net_rate = x->r.alloc_rate - x->r.free_rate;
		sd = 0;
		if (dt > 0) {
			double va = x->a.events > 0 ? x->a.bytes * x->a.bytes / x->a.events : 0;
			double vf = f.events > 0 ? f.bytes * f.bytes / f.events : 0;

			sd = sqrt(va + vf) / dt;
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
	free(ffmap.s);
	free(ffmap0.s);
	free(ff);
	free(ff0);
	free(c.detected.s);
	*rows = out;
	return nrows;
}

const char *lt_diag_view_name(enum lt_diag_view v)
{
	switch (v) {
	case LT_DIAG_YOURS: return "your code";
	case LT_DIAG_FUNC: return "function";
	case LT_DIAG_SITE: return "call site";
	default: return "?";
	}
}

const char *lt_diag_claim_name(enum lt_diag_claim c)
{
	switch (c) {
	case LT_CLAIM_COLLECTING: return "collecting";
	case LT_CLAIM_STEADY: return "steady";
	case LT_CLAIM_GROWING: return "growing";
	case LT_CLAIM_SHRINKING: return "shrinking";
	default: return "?";
	}
}

char *lt_diag_label(const lt_model *m, const struct lt_diag_opts *o,
		    const struct lt_diag_row *r, char *buf, size_t len)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	const struct lt_hsite *site = lt_hsites_get(lt_model_hsites_c(m), r->site);
	char where[200] = "";

	if (o->view == LT_DIAG_SITE || !r->function) {
		if (site)
			return lt_stacktab_describe_alloc(st, site->stack, buf, len);
		snprintf(buf, len, "?");
		return buf;
	}
	if (r->frame != LT_NONE) {
		const struct lt_frame *f = lt_stacktab_frame(st, r->frame);

		for (size_t y = 0; f && y < f->nsyms; y++)
			if (f->syms[y].function && !strcmp(f->syms[y].function, r->function) &&
			    f->syms[y].file && f->syms[y].line > 0) {
				snprintf(where, sizeof(where), " (%s:%d)",
					 base_name(f->syms[y].file), f->syms[y].line);
				break;
			}
	}
	if (o->view == LT_DIAG_YOURS && r->via_library && site) {
		/* The library function the row's code called, and its library:
		 * the frame just inside the row's own frame. */
		const struct lt_stack *k = lt_stacktab_stack(st, site->stack);
		const struct lt_frame *entry = NULL;

		for (size_t d = 1; k && d < k->depth; d++)
			if (k->frames[d] == r->frame) {
				entry = lt_stacktab_frame(st, k->frames[d - 1]);
				break;
			}
		if (entry && entry->module) {
			const char *fn = entry->syms[entry->nsyms - 1].function;

			if (r->nsites > 1)
				snprintf(buf, len, "%s%s -> %s (%s, %zu stacks)", r->function, where,
					 fn ? fn : "?", base_name(entry->module), r->nsites);
			else
				snprintf(buf, len, "%s%s -> %s (%s)", r->function, where,
					 fn ? fn : "?", base_name(entry->module));
			return buf;
		}
	}
	if (r->nsites > 1)
		snprintf(buf, len, "%s%s (%zu stacks)", r->function, where, r->nsites);
	else
		snprintf(buf, len, "%s%s", r->function, where);
	return buf;
}
