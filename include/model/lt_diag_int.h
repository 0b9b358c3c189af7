/* Internal to the diagnosis (src/model/diag*.c): which frame is "your
 * code", allocation wrappers, and the string table they share.  Nothing
 * outside those files includes this header. */
#ifndef LT_DIAG_INT_H
#define LT_DIAG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lt_diag.h"

struct slot {
	const char *key;      /* NULL: free */
	size_t val;
};

struct smap {
	struct slot *s;
	size_t cap, n;        /* cap a power of two */
};

/* The value of key, or LT_NONE. */
size_t lt_diag_smap_get(const struct smap *m, const char *key);
/* Sets key (not copied: it must outlive m) to val. */
void lt_diag_smap_put(struct smap *m, const char *key, size_t val);
uint64_t lt_diag_hash_str(const char *k);

struct lt_diag_ctx {
	const lt_model *m;
	const lt_stacktab *st;
	const struct lt_diag_opts *o;
	struct smap detected;  /* function -> 1 when detected as a wrapper */
};

/* Whether fn wraps the allocator: built in, named by the options, or
 * detected (lt_diag_detect_wrappers). */
int lt_diag_wrapper(const struct lt_diag_ctx *c, const char *fn);
/* Frames that say nothing of who allocates: start_thread, std::... */
int lt_diag_plumbing(const char *fn);
/* The program's own code: its executable, or a library outside the
 * system's directories. */
int lt_diag_own_module(const char *path);
/* The "your code" function of stack s (see lt_diag.h), its frame in
 * *frame, and in *via_lib whether a library's own code allocated below
 * it.  NULL when the stack has no named frame. */
const char *lt_diag_key(const struct lt_diag_ctx *c, size_t s, size_t *frame,
			int *via_lib);
/* Fills c->detected from h's allocation sites. */
void lt_diag_detect_wrappers(struct lt_diag_ctx *c, const lt_hsites *h);
/* The program's own functions of stack s from fn outwards (at most max,
 * at least fn).  Returns how many. */
size_t lt_diag_path(const struct lt_diag_ctx *c, size_t s, const char *fn,
		    const char **out, size_t max);

#endif
