/* Proof, not trend: the model's record of reachability scans (doc/reach.md)
 * and, per heap site, the sampled blocks they proved unreachable.
 *
 * The session runs the scans (sources/reach) and judges them with the
 * "two scans agree" rule; the model keeps every scan's cost and result,
 * and per scan the sites with blocks proven unreachable.  A site's
 * figures are those of the latest scan that could prove: a block nothing
 * points to stays so, and a scan that could not prove (a heap changing
 * under it, once in a while) says nothing either way.  When none could,
 * readers fall back to the trends. */
#ifndef LT_UNREACH_H
#define LT_UNREACH_H

#include <stddef.h>
#include <stdint.h>

/* One scan. */
struct lt_unreach_scan {
	double t;               /* session seconds when it began */
	int64_t took_ns;        /* how long it ran */
	uint64_t bytes_read;    /* from the target */
	uint64_t heap_bytes;    /* heaps walked */
	int64_t max_pause_ns;   /* longest stop of one thread */
	int threads;            /* threads of the target */
	uint64_t candidates;    /* sampled blocks judged */
	uint64_t unreachable;   /* of them unreachable in this scan */
	uint64_t proven;        /* ... and proven (two scans agree) */
	int proof;              /* 0: cannot prove (reason says why) */
	int weak;               /* some registers or roots were not read in
				   a snapshot (reason says which) */
	char *reason;           /* owned; NULL when none */
};

/* What one scan proved of one heap site (by its stack).  Bytes and counts
 * are the agent's weighted estimates, samples the raw blocks. */
struct lt_unreach_site {
	size_t stack;           /* lt_stacktab index of the site's stack */
	int64_t direct_bytes, direct_count;     /* nothing points to them */
	int64_t indirect_bytes, indirect_count; /* only unreachable blocks do */
	int64_t samples;        /* sampled blocks proven unreachable */
	int scans;              /* scans in a row that agree (the most of
				   its blocks') */
	int weak;               /* one of those scans was weak */
};

typedef struct lt_unreach lt_unreach;

lt_unreach *lt_unreach_new(void);         /* never NULL */
void lt_unreach_free(lt_unreach *u);      /* NULL-safe */

/* Appends scan sc (copied, reason too) with the sites it proved,
 * s[0..n) (copied; one entry per stack).  Scans come in order of t.
 * This function can't fail. */
void lt_unreach_add(lt_unreach *u, const struct lt_unreach_scan *sc,
		    const struct lt_unreach_site *s, size_t n);

size_t lt_unreach_count(const lt_unreach *u);
/* Scan k < count, and its sites (*s, valid until the next add). */
const struct lt_unreach_scan *lt_unreach_get(const lt_unreach *u, size_t k);
size_t lt_unreach_sites(const lt_unreach *u, size_t k,
			const struct lt_unreach_site **s);

/* The latest scan that could prove (proof 1), or -1. */
long lt_unreach_last_proof(const lt_unreach *u);
/* What the latest scan that could prove proved of the site of stack:
 * NULL when nothing (or no such scan). */
const struct lt_unreach_site *lt_unreach_latest(const lt_unreach *u,
						size_t stack);
/* What scan k < count proved of the site of stack, or NULL. */
const struct lt_unreach_site *lt_unreach_find(const lt_unreach *u, size_t k,
					      size_t stack);
/* The last scan that could prove and began at or before session time t,
 * or -1. */
long lt_unreach_at(const lt_unreach *u, double t);

/* Totals of the sites of the latest scan that could prove into *out (its
 * stack is 0).  Returns how many sites it proved something of. */
size_t lt_unreach_total(const lt_unreach *u, struct lt_unreach_site *out);

#endif
