/* Heap call sites: the agent's sampled allocations, one site per
 * allocating stack, with each site's counters at every heap sample.
 *
 * The agent sends counters since attach (estimated from samples, already
 * weighted); the collector hands the changed sites to the model once per
 * tick.  Values carry forward: a site not set in a sample keeps its last
 * value.  Storage is per change, not dense, so 100,000 sites over a long
 * session cost what changed, not sites x samples. */
#ifndef LT_HSITES_H
#define LT_HSITES_H

#include <stddef.h>
#include <stdint.h>

#include "lt_growth.h"
#include "lt_stacktab.h"

/* A site's counters since attach (estimates, rounded). */
struct lt_hval {
	int64_t live_bytes, live_count;
	int64_t alloc_bytes, alloc_count; /* cumulative */
	/* Evidence beyond live bytes (0 where the agent does not send it): */
	int64_t free_bytes, free_count;   /* sampled blocks freed, weighted,
					     cumulative */
	int64_t samples, samples_freed;   /* raw sampled blocks, cumulative */
	int64_t age_sum_ms;               /* ages at free of samples_freed */
	int64_t oldest_ms;                /* session ms at which the oldest
					     live sample was allocated, at
					     least 1; 0 when none is live */
	int64_t alloc_ubytes;             /* alloc_bytes in usable bytes, the
					     free flow's unit (0: unknown) */
};

struct lt_hsite {
	size_t stack;        /* lt_stacktab index */
	size_t first;        /* first sample the site was seen in */
	int kind;            /* what the table holds (see lt_model.h): 0, or
				LT_HSITE_GO, or the enum lt_fd_kind of a
				descriptor site */
};

/* lt_hsite.kind of an allocation site read from a Go program's own heap
 * profile.  The runtime publishes its counts step-wise, once per GC cycle
 * and as of that cycle's mark: between two GCs they stand still, however
 * fast the site allocates, so their growth is judged at the samples where
 * a cycle was published (lt_hsample.published), not tick by tick. */
#define LT_HSITE_GO 256   /* apart from every lt_fd_kind */

/* One heap sample: its time and the totals over every site. */
struct lt_hsample {
	double t;            /* seconds since session start */
	struct lt_hval total;
	int published;       /* an LT_HSITE_GO site changed in it: the Go
				runtime published a GC cycle since the last */
};

/* Orders for lt_hsites_rank. */
enum lt_hsort {
	LT_HSORT_GROWTH,     /* growing sites first by slope, then by live */
	LT_HSORT_LIVE,       /* live bytes at the end of the window */
	LT_HSORT_ALLOCS,     /* allocations per second over the window */
	LT_HSORT_DELTA,      /* live bytes: end of window - start */
	LT_HSORT_COUNT_
};

typedef struct lt_hsites lt_hsites;

lt_hsites *lt_hsites_new(void);      /* never NULL */
void lt_hsites_free(lt_hsites *h);   /* NULL-safe */

/* The agent's mean sample interval in bytes (1 = every allocation); 0
 * until set.  It sets the noise floor of the growth statistics: a change
 * smaller than one sample's weight is not growth. */
void lt_hsites_set_rate(lt_hsites *h, uint64_t rate);
uint64_t lt_hsites_rate(const lt_hsites *h);
/* The smallest live-bytes change counted as growth (from the rate). */
double lt_hsites_noise(const lt_hsites *h);

/* Opens sample k = lt_hsites_sample_count() taken at t (increasing);
 * lt_hsites_set then records the sites whose counters changed, and
 * lt_hsites_end closes it.  Sites not set keep their values. */
void lt_hsites_begin(lt_hsites *h, double t);
/* Sets the counters of the site of stack in the open sample, creating the
 * site if new, and returns its index.  Setting the same values again is
 * not a change. */
size_t lt_hsites_set(lt_hsites *h, size_t stack, const struct lt_hval *v);
/* Sets site i's kind (lt_hsite.kind).  This function can't fail. */
void lt_hsites_set_kind(lt_hsites *h, size_t i, int kind);
void lt_hsites_end(lt_hsites *h);
/* Opens the last sample again, for a second source of the same tick (a
 * cgo program's Go heap beside its C heap); begins one at t when there is
 * none or the last was taken at another time. */
void lt_hsites_reopen(lt_hsites *h, double t);

size_t lt_hsites_count(const lt_hsites *h);
const struct lt_hsite *lt_hsites_get(const lt_hsites *h, size_t i);
/* The site of stack, or LT_NONE. */
size_t lt_hsites_find(const lt_hsites *h, size_t stack);

size_t lt_hsites_sample_count(const lt_hsites *h);
const struct lt_hsample *lt_hsites_sample(const lt_hsites *h, size_t k);

/* Counters of site i as of sample k (zeros before the site was seen). */
void lt_hsites_value(const lt_hsites *h, size_t i, size_t k,
		     struct lt_hval *out);

/* The sites whose counters changed in sample k: *idx points at n site
 * indexes (valid until the next lt_hsites_begin). */
size_t lt_hsites_changed(const lt_hsites *h, size_t k, const size_t **idx);

/* Growth of site i's live bytes over samples [from, to) (to is clamped to
 * the sample count), with lt_hsites_noise.  A site that frees and
 * reallocates is growing only when its rise over the last third of the
 * window is well beyond what sampling alone makes its estimate wander by
 * (a bounded cache replacing entries is steady).  This function can't
 * fail. */
void lt_hsites_growth(const lt_hsites *h, size_t i, size_t from, size_t to,
		      struct lt_growth *out);

/* Growth of the live bytes of all sites together over samples [from, to),
 * judged like one site's.  This function can't fail. */
void lt_hsites_total_growth(const lt_hsites *h, size_t from, size_t to,
			    struct lt_growth *out);

/* Growth of site i's live_count over samples [from, to), with a noise
 * floor of one: for descriptor sites, whose counts are exact.  This
 * function can't fail. */
void lt_hsites_count_growth(const lt_hsites *h, size_t i, size_t from,
			    size_t to, struct lt_growth *out);

/* Allocations per second of site i over samples [from, to); 0 for a window
 * shorter than two samples. */
double lt_hsites_alloc_rate(const lt_hsites *h, size_t i, size_t from,
			    size_t to);

/* Fills order[0..count) with the site indexes ranked by sort over samples
 * [from, to), and growth[i] with site i's growth (both arrays hold
 * lt_hsites_count entries; growth may be NULL).  This function can't
 * fail. */
void lt_hsites_rank(const lt_hsites *h, enum lt_hsort sort, size_t from,
		    size_t to, size_t *order, struct lt_growth *growth);

/* "growth", "live", "allocs/s", "delta". */
const char *lt_hsites_sort_name(enum lt_hsort sort);

#endif
