/* Walking glibc's malloc chunks in another process, from outside (for the
 * reachability scan, lt_reach).  Layout from glibc malloc/malloc.c, x86_64:
 *
 *   chunk:  prev_size (8) | size (8): low bits PREV_INUSE 1, IS_MMAPPED 2,
 *           NON_MAIN_ARENA 4 | user data from chunk + 16 ...
 *
 * A chunk is in use when the next chunk's PREV_INUSE bit is set; chunks in
 * tcache and fastbins keep that bit, so they count as in use too (that can
 * only hide a leak, never invent one).  An in-use chunk's user area is
 * [chunk + 16, chunk + size + 8): it may use the next chunk's prev_size.
 *
 *   - the main arena: chunks from the start of [heap] to its top chunk;
 *   - other arenas: heaps at 64 MiB (HEAP_MAX_SIZE) aligned anonymous
 *     mappings, each starting with a heap_info (ar_ptr, prev, size, ...);
 *     chunks start right after it, or, in an arena's first heap, after the
 *     heap_info and the arena (struct malloc_state) that follows it;
 *   - chunks glibc mmapped one by one (IS_MMAPPED): found only where the
 *     caller names their user address (a sampled block).
 *
 * Every header is checked (size aligned, at least MINSIZE, inside its heap,
 * the chain ending exactly at the heap's end); anything else makes the walk
 * fail with a reason instead of guessing. */
#ifndef LT_GLIBC_HEAP_H
#define LT_GLIBC_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "lt_tmem.h"

/* An in-use chunk's user area, [lo, hi). */
struct lt_gh_block {
	uint64_t lo, hi;
};

/* A stretch of the address space that belongs to malloc (so it is no root
 * for the scan), with the blocks in it. */
struct lt_gh_seg {
	uint64_t lo, hi;    /* what belongs to malloc: an arena heap's whole
			       64 MiB, [heap] and the room brk may grow into
			       up to the next mapping */
	uint64_t end;       /* where its chunks ended when walked */
	size_t b0, b1;      /* its blocks: blocks[b0..b1) */
	size_t *page_first; /* per 4 KiB page of [lo, hi): the first block
			       index whose hi lies beyond the page's start */
	int kind;           /* LT_GH_MAIN, LT_GH_ARENA or LT_GH_MMAP */
};

enum { LT_GH_MAIN, LT_GH_ARENA, LT_GH_MMAP };

struct lt_glibc_heap {
	struct lt_gh_block *blocks; /* sorted by address, disjoint */
	size_t nblocks;
	struct lt_gh_block *holes;  /* free chunks and top chunks, from
				       their header to the next one's end:
				       sorted */
	size_t nholes;
	struct lt_gh_seg *segs;     /* sorted by address, disjoint */
	size_t nsegs;
	uint64_t lo, hi;            /* bounds of all segments */
	uint64_t chunks;            /* chunk headers read */
	uint64_t heap_bytes;        /* bytes of the heaps walked */
	int arenas_heaps;           /* non-main heaps walked */
	int mmapped;                /* mmapped chunks found */
	char reason[256];           /* why the walk failed; "" when it did not */
};

/* Walks the heaps of the process behind m whose mappings are maps[0..n),
 * and the mmapped chunks among the user addresses mm[0..nmm) (others
 * there are ignored).  Fills *h (free with lt_glibc_heap_free).  Returns
 * 0, or -1 when the heap cannot be walked, with the reason in h->reason
 * (no [heap], a corrupt or unreadable chunk header, a main arena that is
 * not contiguous); *h is still freeable then. */
int lt_glibc_heap_walk(lt_tmem *m, const struct lt_tmem_map *maps, size_t n,
		       const uint64_t *mm, size_t nmm,
		       struct lt_glibc_heap *h);

/* The index of the block whose user area holds addr, or -1.  This
 * function can't fail. */
long lt_glibc_heap_find(const struct lt_glibc_heap *h, uint64_t addr);

/* The index of the segment holding addr, or -1. */
long lt_glibc_heap_seg(const struct lt_glibc_heap *h, uint64_t addr);

/* The index of the hole (a chunk free when walked) holding addr, or -1. */
long lt_glibc_heap_hole(const struct lt_glibc_heap *h, uint64_t addr);

/* A chunk as it is now: [lo, hi) from its header. */
struct lt_gh_chunk {
	uint64_t lo, hi;
	int in_use;
};

/* Walks the chunk headers of segment seg (a heap, not an mmapped chunk)
 * again, as they are now, from its first chunk (a header found in the
 * middle of a heap cannot be trusted: merges leave stale ones in memory).
 * Returns how many chunks differ from the walk's blocks (new, moved,
 * freed), in order, in *out (the caller frees it), or -1 when the headers
 * do not chain (the process changed them as we read). */
long lt_glibc_heap_rewalk_seg(lt_tmem *m, const struct lt_glibc_heap *h,
			      long seg, struct lt_gh_chunk **out);

/* Frees what h holds and zeroes it.  NULL-safe. */
void lt_glibc_heap_free(struct lt_glibc_heap *h);

#endif
