/* Diagnosis of heap sites: one leak, one row, and a claim that holds.
 *
 * A site's live sampled bytes rise for anything that lives longer than the
 * session so far (a warm cache too), so the claim rests on flows instead:
 * the allocation flow of a row (what its sites allocated over the window)
 * against the free flow through the same code (frees sampled by bytes
 * whatever the block, by the stack of the free call, counted for every
 * function on that stack).  A cache evicting under the function that fills
 * it nets zero; a leak nets its rate from the first seconds.  Sample counts
 * give each rate an interval: too few samples read "collecting", and a
 * claim needs a clear margin to start and a smaller one to stay
 * (hysteresis), so labels do not flip tick to tick.
 *
 * Rows come in three views: by call site (one row per stack), by function
 * (cumulative, like pprof top -cum: every function on a stack gets the
 * stack's flow once), and by "your code": the first frame, from the
 * allocation outwards, in the program itself that is not an allocation
 * wrapper, so one leak reached through many library stacks is one row. */
#ifndef LT_DIAG_H
#define LT_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "lt_model.h"

enum lt_diag_view {
	LT_DIAG_YOURS,       /* by the first frame in the program's own code */
	LT_DIAG_FUNC,        /* by function, cumulative */
	LT_DIAG_SITE,        /* by call site (stack) */
	LT_DIAG_VIEW_COUNT_
};

enum lt_diag_claim {
	LT_CLAIM_COLLECTING, /* too few samples to say */
	LT_CLAIM_STEADY,     /* allocation and free flow balance */
	LT_CLAIM_GROWING,    /* allocates clearly more than it frees */
	LT_CLAIM_SHRINKING,  /* frees clearly more than it allocates */
};

struct lt_diag_row {
	const char *function; /* the row's function (views YOURS, FUNC);
				 NULL for SITE or when unknown; points into
				 the model's stack table */
	size_t frame;         /* a frame of that function, for file:line */
	size_t site;          /* the row's largest site (its stack is shown) */
	size_t nsites;        /* sites merged into the row */
	int via_library;      /* YOURS: the allocations happen inside a
				 library this function called */
	double live;          /* live bytes at the end of the window */
	double delta;         /* live bytes: end - start of the window */
	double alloc_rate;    /* bytes/s allocated over the window */
	double free_rate;     /* bytes/s of the free flow through it */
	double net_rate;      /* alloc_rate - free_rate */
	double net_lo, net_hi;/* 95% interval of net_rate */
	double recent_rate;   /* net rate over the window's last quarter: a
				 cache that filled early and stopped has
				 none (rows still collecting rank by it) */
	double allocs_per_s;  /* allocations per second */
	int64_t samples;      /* sampled allocations in the window */
	int64_t free_samples; /* sampled frees of the free flow in it */
	int64_t samples_freed;/* of the row's sampled blocks, freed in it */
	int64_t samples_total;/* sampled blocks since the attach */
	int64_t freed_total;  /* ... of them freed */
	double oldest_age;    /* seconds: the oldest live sampled block, at the
				 window's end; < 0 when none */
	double mean_free_age; /* seconds a freed sampled block had lived; < 0
				 when none was freed */
	enum lt_diag_claim claim;
};

struct lt_diag_opts {
	enum lt_diag_view view;
	/* Functions that only wrap the allocator (besides the built-in list,
	 * those detected and the session's lt_meta.wrappers): rows name
	 * their callers. */
	const char *const *wrappers;
	size_t nwrappers;
};

/* Diagnoses m's heap sites over samples [from, to) (to is clamped to the
 * sample count): fills *rows (malloc'd, the caller frees) ranked growing
 * first by net rate, then the rest by live bytes, and returns how many.
 * No heap sites: 0 and *rows NULL.  This function can't fail. */
size_t lt_diag_rows(const lt_model *m, const struct lt_diag_opts *o,
		    size_t from, size_t to, struct lt_diag_row **rows);

/* Whether fn is an allocation wrapper: the built-in list (xmalloc,
 * g_malloc, sqlite3Malloc, operator new, PyMem_Malloc, ...) or o's. */
int lt_diag_is_wrapper(const struct lt_diag_opts *o, const char *fn);

/* "your code", "function", "call site"; "collecting", "steady",
 * "growing", "shrinking". */
const char *lt_diag_view_name(enum lt_diag_view v);
const char *lt_diag_claim_name(enum lt_diag_claim c);

/* One line for row r: "client_new (client.c:10)", with " -> libsqlite3.so
 * (9 stacks)" when its allocations happen in a library, or the site's
 * lt_stacktab_describe_alloc in the SITE view.  Returns buf. */
char *lt_diag_label(const lt_model *m, const struct lt_diag_opts *o,
		    const struct lt_diag_row *r, char *buf, size_t len);

/* The same for the site of one stack, alone in its row: "client_new
 * (client.c:10)" in the YOURS and FUNC views, with the row's function in
 * *function (NULL in the SITE view or when unknown; may be NULL; it
 * points into m's stack table).  Returns buf. */
char *lt_diag_site_label(const lt_model *m, const struct lt_diag_opts *o,
			 size_t stack, const char **function, char *buf, size_t len);

#endif
