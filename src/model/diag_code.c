/* The diagnosis's view of code (lt_diag_int.h): allocation wrappers,
 * which frame is the program's own, labels and names. */
#include "lt_diag_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"

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


uint64_t lt_diag_hash_str(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	while (*k)
		h = (h ^ (unsigned char)*k++) * 1099511628211ULL;
	return h;
}

/* The value of key, or LT_NONE. */
size_t lt_diag_smap_get(const struct smap *m, const char *key)
{
	if (!m->cap)
		return LT_NONE;
	for (size_t j = lt_diag_hash_str(key) & (m->cap - 1); m->s[j].key; j = (j + 1) & (m->cap - 1))
		if (!strcmp(m->s[j].key, key))
			return m->s[j].val;
	return LT_NONE;
}

void lt_diag_smap_put(struct smap *m, const char *key, size_t val)
{
	size_t j;

	if (2 * (m->n + 1) > m->cap) {
		struct smap g = {lt_xcalloc(m->cap ? 2 * m->cap : 256, sizeof(struct slot)),
				 m->cap ? 2 * m->cap : 256, 0};

		for (size_t i = 0; i < m->cap; i++)
			if (m->s[i].key)
				lt_diag_smap_put(&g, m->s[i].key, m->s[i].val);
		free(m->s);
		*m = g;
	}
	for (j = lt_diag_hash_str(key) & (m->cap - 1); m->s[j].key; j = (j + 1) & (m->cap - 1))
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
int lt_diag_own_module(const char *path)
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

int lt_diag_plumbing(const char *fn)
{
	return !strcmp(fn, "start_thread") || !strncmp(fn, "__libc_start", 12) ||
	       !strcmp(fn, "_start") || !strncmp(fn, "clone", 5) ||
	       !strncmp(fn, "__clone", 7) || !strncmp(fn, "std::", 5) ||
	       !strncmp(fn, "__gnu_cxx::", 11) || !strncmp(fn, "__cxa_", 6);
}


/* Whether fn is one of the comma-separated names in list. */
static int in_list(const char *list, const char *fn)
{
	size_t n = strlen(fn);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t k = e ? (size_t)(e - p) : strlen(p);

		if (k == n && !strncmp(p, fn, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

int lt_diag_wrapper(const struct lt_diag_ctx *c, const char *fn)
{
	return lt_diag_is_wrapper(c->o, fn) || lt_diag_smap_get(&c->detected, fn) == 1 ||
	       in_list(lt_model_meta_c(c->m)->wrappers, fn);
}

/* A Go toolchain's own source (its standard library and runtime, linked
 * into every Go executable): GOROOT/src, as Debian's /usr/lib/go-1.19/src,
 * /usr/local/go/src, ~/sdk/go1.21.0/src or "$GOROOT/src" (-trimpath).
 * Code there is a library, however statically linked: a leak through
 * bufio.NewReaderSize is its caller's. */
static int go_toolchain(const char *file)
{
	const char *p;

	if (!file)
		return 0;
	/* Not any ".../go/src/": GOPATH's src (~/go/src) is the user's. */
	if (!strncmp(file, "$GOROOT/src/", 12) || !strncmp(file, "/usr/local/go/src/", 18) ||
	    !strncmp(file, "/usr/lib/go/src/", 16))
		return 1;
	for (p = strstr(file, "/go"); p; p = strstr(p + 1, "/go")) {
		const char *q = p + 3;

		if (*q == '-' || *q == '.')
			q++;
		if (!(*q >= '0' && *q <= '9'))
			continue;
		while ((*q >= '0' && *q <= '9') || *q == '.' || (*q >= 'a' && *q <= 'z'))
			q++;
		if (!strncmp(q, "/src/", 5))
			return 1;
	}
	return 0;
}

/* The row key of stack s in the "your code" view: the first function, from
 * the allocation outwards (inlined ones first within a frame), in the
 * program itself that is not a wrapper nor a Go toolchain's library;
 * failing that, the first one outside
 * the system libraries; failing that, the innermost named one.  *frame is
 * its frame; *via_lib says a library's own code allocated below it. */
const char *lt_diag_key(const struct lt_diag_ctx *c, size_t s, size_t *frame,
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
		int program = lt_diag_own_module(f->module);

		for (size_t y = 0; y < f->nsyms; y++) {
			const char *fn = f->syms[y].function;

			if (!fn)
				continue;
			if (!innermost) {
				innermost = fn;
				fi = k->frames[i];
			}
			if (lt_diag_wrapper(c, fn) || lt_diag_plumbing(fn))
				continue;
			if (program && go_toolchain(f->syms[y].file)) {
				if (!fallback) {
					fallback = fn;
					ff = k->frames[i];
					fallback_lib = lib;
				}
				lib = 1;
				continue;
			}
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
		    !lt_diag_wrapper(c, f->syms[0].function))
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
void lt_diag_detect_wrappers(struct lt_diag_ctx *c, const lt_hsites *h)
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
			j = lt_diag_smap_get(&seen, fn);
			if (j == LT_NONE) {
				if (nw == cap) {
					cap = cap ? 2 * cap : 64;
					w = lt_xrealloc(w, cap * sizeof(*w));
				}
				j = nw++;
				memset(&w[j], 0, sizeof(w[j]));
				w[j].inner_only = 1;
				lt_diag_smap_put(&seen, fn, j);
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
			lt_diag_smap_put(&c->detected, seen.s[i].key, 1);
	free(seen.s);
	free(w);
}

/* The program's own functions on stack s from the row's function outwards
 * (up to max): a leak must pass through each of them, so each must
 * allocate more than is freed through it.  A constructor whose objects a
 * destructor called from the same caller frees nets zero at that caller. */
size_t lt_diag_path(const struct lt_diag_ctx *c, size_t s, const char *fn,
			const char **out, size_t max)
{
	const struct lt_stack *k = lt_stacktab_stack(c->st, s);
	size_t n = 0;
	int on = 0;

	for (size_t d = 0; k && d < k->depth && n < max; d++) {
		const struct lt_frame *f = lt_stacktab_frame(c->st, k->frames[d]);

		for (size_t y = 0; y < f->nsyms && n < max; y++) {
			const char *g = f->syms[y].function;

			if (!g)
				continue;
			if (!on && !strcmp(g, fn))
				on = 1;
			if (!on || lt_diag_wrapper(c, g) || lt_diag_plumbing(g) ||
			    !lt_diag_own_module(f->module))
				continue;
			if (!n || strcmp(out[n - 1], g))
				out[n++] = g;
		}
	}
	if (!n)
		out[n++] = fn;
	return n;
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

char *lt_diag_site_label(const lt_model *m, const struct lt_diag_opts *o,
			 size_t stack, const char **function, char *buf, size_t len)
{
	struct lt_diag_ctx c = {m, lt_model_stacks_c(m), o, {0}};
	const lt_hsites *h = lt_model_hsites_c(m);
	struct lt_diag_row r = {.frame = LT_NONE, .site = lt_hsites_find(h, stack),
				.nsites = 1};

	if (o->view != LT_DIAG_SITE) {
		lt_diag_detect_wrappers(&c, h);
		r.function = lt_diag_key(&c, stack, &r.frame, &r.via_library);
	}
	if (function)
		*function = r.function;
	if (r.site == LT_NONE)
		lt_stacktab_describe_alloc(c.st, stack, buf, len);
	else
		lt_diag_label(m, o, &r, buf, len);
	free(c.detected.s);
	return buf;
}
