/* Walking glibc's malloc chunks from outside (see lt_glibc_heap.h). */
#include "lt_glibc_heap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREV_INUSE 1u
#define IS_MMAPPED 2u
#define SIZE_BITS 7u
#define MINSIZE 32u
#define HDR 16u
#define HEAP_MAX (64ull << 20)   /* HEAP_MAX_SIZE on 64-bit */
#define PAGE 4096ull
#define WINDOW (1u << 20)
/* Re-walking a heap: words read at a time. */
#define REWALK_WORDS 8192
/* sizeof(struct malloc_state): 2200 since glibc 2.27 (have_fastchunks),
 * 2192 before. */
static const uint64_t mstate_sizes[] = {2200, 2192};

struct walker {
	lt_tmem *m;
	struct lt_glibc_heap *h;
	size_t bcap, scap, hcap;
	char *win;              /* the window of the heap read last */
	uint64_t wlo, whi;      /* what it holds */
};

static void add_block(struct walker *w, uint64_t lo, uint64_t hi)
{
	struct lt_glibc_heap *h = w->h;

	if (h->nblocks == w->bcap) {
		w->bcap = w->bcap ? w->bcap * 2 : 4096;
		h->blocks = lt_xrealloc(h->blocks, w->bcap * sizeof(*h->blocks));
	}
	h->blocks[h->nblocks++] = (struct lt_gh_block){lo, hi};
}

static void add_hole(struct walker *w, uint64_t lo, uint64_t hi)
{
	struct lt_glibc_heap *h = w->h;

	if (h->nholes == w->hcap) {
		w->hcap = w->hcap ? w->hcap * 2 : 1024;
		h->holes = lt_xrealloc(h->holes, w->hcap * sizeof(*h->holes));
	}
	h->holes[h->nholes++] = (struct lt_gh_block){lo, hi};
}

static void add_seg(struct walker *w, uint64_t lo, uint64_t hi, size_t b0,
		    int kind)
{
	struct lt_glibc_heap *h = w->h;

	if (h->nsegs == w->scap) {
		w->scap = w->scap ? w->scap * 2 : 16;
		h->segs = lt_xrealloc(h->segs, w->scap * sizeof(*h->segs));
	}
	h->segs[h->nsegs++] = (struct lt_gh_seg){lo, hi, hi, b0, h->nblocks, NULL, kind};
}

/* The size word of the chunk at p, read through the window over
 * [.., end); sets *ok to 0 when it cannot be read. */
static uint64_t size_at(struct walker *w, uint64_t p, uint64_t end, int *ok)
{
	uint64_t v;

	if (p < w->wlo || p + HDR > w->whi) {
		size_t len = end - p < WINDOW ? (size_t)(end - p) : WINDOW;
		size_t got = len >= HDR ? lt_tmem_read(w->m, p, w->win, len) : 0;

		if (got < HDR) {
			*ok = 0;
			w->wlo = w->whi = 0;
			return 0;
		}
		w->wlo = p;
		w->whi = p + got;
	}
	memcpy(&v, w->win + (p - w->wlo) + 8, sizeof(v));
	return v;
}

/* Walks the chunks from first to end, adding the in-use ones as blocks.
 * main: the main arena (fenceposts there mean it is not contiguous).
 * Returns 0 when the chain ends exactly at end (top chunk), or at a
 * fencepost pair (an arena heap given up for a new one); else -1 with
 * h->reason.  Blocks added by a failing walk are taken back. */
static int walk_chunks(struct walker *w, uint64_t first, uint64_t end,
		       int main_arena, const char *what)
{
	struct lt_glibc_heap *h = w->h;
	size_t b0 = h->nblocks, h0 = h->nholes;
	uint64_t p = first, prev = 0, prev_sz = 0;
	int ok = 1;

	w->wlo = w->whi = 0;
	while (p < end) {
		uint64_t raw, sz;

		if (end - p < HDR) {
			snprintf(h->reason, sizeof(h->reason),
				 "%s: chunk chain stops %llu bytes short of the end at 0x%llx",
				 what, (unsigned long long)(end - p),
				 (unsigned long long)p);
			goto bad;
		}
		raw = size_at(w, p, end, &ok);
		if (!ok && main_arena && p % PAGE == 0 && prev) {
			/* brk went down since we read the maps: the chunk
			 * before was the top. */
			add_hole(w, prev, p);
			return 0;
		}
		if (!ok) {
			snprintf(h->reason, sizeof(h->reason),
				 "%s: cannot read the chunk header at 0x%llx",
				 what, (unsigned long long)p);
			goto bad;
		}
		h->chunks++;
		sz = raw & ~(uint64_t)SIZE_BITS;
		if (prev && (raw & PREV_INUSE) && prev_sz >= MINSIZE)
			add_block(w, prev + HDR, prev + prev_sz + 8);
		else if (prev)
			add_hole(w, prev, prev + prev_sz + HDR); /* and the next header */
		if (sz == HDR || sz == 0) {
			/* A fencepost: an arena heap ends with one of 16 bytes
			 * and a header of size 0; the main arena has two of 16
			 * where it stops being contiguous. */
			if (main_arena) {
				snprintf(h->reason, sizeof(h->reason),
					 "%s: fencepost at 0x%llx, the main arena is not contiguous",
					 what, (unsigned long long)p);
				goto bad;
			}
			if (sz == HDR && end - (p + HDR) >= HDR &&
			    (size_at(w, p + HDR, end, &ok) & ~(uint64_t)SIZE_BITS) == 0 && ok)
				return 0;
			snprintf(h->reason, sizeof(h->reason),
				 "%s: chunk at 0x%llx has size %llu",
				 what, (unsigned long long)p, (unsigned long long)sz);
			goto bad;
		}
		if (main_arena && sz >= MINSIZE && sz % 16 == 0 && sz > end - p &&
		    !(raw & IS_MMAPPED)) {
			/* The top, grown since we read the maps (brk went
			 * up): the last chunk. */
			add_hole(w, p, end);
			return 0;
		}
		if (sz < MINSIZE || sz % 16 || sz > end - p || (raw & IS_MMAPPED)) {
			snprintf(h->reason, sizeof(h->reason),
				 "%s: corrupt chunk header at 0x%llx (size field 0x%llx, %llu bytes left)",
				 what, (unsigned long long)p,
				 (unsigned long long)raw,
				 (unsigned long long)(end - p));
			goto bad;
		}
		prev = p;
		prev_sz = sz;
		p += sz;
		/* The top chunk: the last one, always free.  The main arena's
		 * may end a little before [heap] does (brk not page aligned). */
		if (p == end || (main_arena && end - p < MINSIZE)) {
			add_hole(w, prev, end);
			return 0;
		}
	}
	snprintf(h->reason, sizeof(h->reason), "%s: chunk chain runs past the end",
		 what);
bad:
	h->nblocks = b0;
	h->nholes = h0;
	return -1;
}

/* Reads the heap_info at a (64 MiB aligned, in an anonymous rw mapping)
 * and checks it.  Sets *ar_ptr and *size. */
static int read_heap_info(struct walker *w, uint64_t a, uint64_t *ar_ptr,
			  uint64_t *size)
{
	uint64_t hi[3]; /* ar_ptr, prev, size */

	if (lt_tmem_read(w->m, a, hi, sizeof(hi)) < sizeof(hi))
		return -1;
	/* size: pages, within the reservation (maybe past the mapping we
	 * saw, when the heap grew since we read the maps; the chain check
	 * tells). */
	if (hi[2] < PAGE || hi[2] > HEAP_MAX || hi[2] % PAGE)
		return -1;
	/* prev: NULL for an arena's first heap, else another heap. */
	if (hi[1] % HEAP_MAX)
		return -1;
	/* ar_ptr: right behind a heap_info of 32 or 48 bytes. */
	if ((hi[0] % HEAP_MAX != 32 && hi[0] % HEAP_MAX != 48))
		return -1;
	*ar_ptr = hi[0];
	*size = hi[2];
	return 0;
}

/* Walks the arena heap at a, if there is one.  Returns 1 when walked, 0
 * when a holds no heap, -1 on a corrupt heap (h->reason). */
static int walk_arena_heap(struct walker *w, uint64_t a)
{
	struct lt_glibc_heap *h = w->h;
	uint64_t ar, size, info = 0;
	size_t b0 = h->nblocks;
	char what[64];

	if (read_heap_info(w, a, &ar, &size) != 0)
		return 0;
	info = ar % HEAP_MAX;
	snprintf(what, sizeof(what), "arena heap at 0x%llx", (unsigned long long)a);
	if (ar - info == a) {
		/* The arena's first heap: the arena follows heap_info, then
		 * chunks, aligned so that chunk + 16 is. */
		for (size_t k = 0; k < sizeof(mstate_sizes) / sizeof(*mstate_sizes); k++) {
			uint64_t p = ar + mstate_sizes[k];

			if ((p + HDR) % 16)
				p += 16 - (p + HDR) % 16;
			if (p + MINSIZE > a + size)
				continue;
			if (walk_chunks(w, p, a + size, 0, what) == 0) {
				h->reason[0] = '\0';
				goto found;
			}
		}
		return -1;
	}
	if (walk_chunks(w, a + info, a + size, 0, what) != 0)
		return -1;
found:
	/* The whole reservation: the heap may grow into it while we scan. */
	add_seg(w, a, a + HEAP_MAX, b0, LT_GH_ARENA);
	h->segs[h->nsegs - 1].end = a + size;
	h->arenas_heaps++;
	h->heap_bytes += size;
	return 1;
}

/* The mmapped chunk whose user area starts at u, if it is one: added as
 * a block and a segment of its own. */
static void mmapped_chunk(struct walker *w, const struct lt_tmem_map *maps,
			  size_t n, uint64_t u)
{
	struct lt_glibc_heap *h = w->h;
	uint64_t hdr[2], c = u - HDR, sz, lo;
	long mi;

	if (u < HDR || u % 16)
		return;
	if (lt_tmem_read(w->m, c, hdr, sizeof(hdr)) < sizeof(hdr))
		return;
	sz = hdr[1] & ~(uint64_t)SIZE_BITS;
	if (!(hdr[1] & IS_MMAPPED) || hdr[0] > c || (c - hdr[0]) % PAGE ||
	    (hdr[0] + sz) % PAGE || sz < PAGE || sz > UINT64_MAX - c)
		return;
	lo = c - hdr[0];
	mi = lt_tmem_map_find(maps, n, lo);
	if (mi < 0 || maps[mi].path[0] || strcmp(maps[mi].perm, "rw-p") ||
	    c + sz > maps[mi].hi)
		return;
	for (size_t i = 0; i < h->nsegs; i++)
		if (lo < h->segs[i].hi && h->segs[i].lo < c + sz)
			return;
	h->chunks++;
	add_seg(w, lo, c + sz, h->nblocks, LT_GH_MMAP);
	h->segs[h->nsegs - 1].end = c + sz;
	add_block(w, u, c + sz);
	h->segs[h->nsegs - 1].b1 = h->nblocks;
	h->mmapped++;
}

static int cmp_block(const void *a, const void *b)
{
	const struct lt_gh_block *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct lt_gh_seg *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts the segments, lays the blocks out in their order and builds each
 * segment's page index. */
static void finish(struct lt_glibc_heap *h)
{
	struct lt_gh_block *nb = lt_xmalloc((h->nblocks ? h->nblocks : 1) * sizeof(*nb));
	size_t k = 0;

	qsort(h->segs, h->nsegs, sizeof(*h->segs), cmp_seg);
	for (size_t s = 0; s < h->nsegs; s++) {
		struct lt_gh_seg *g = &h->segs[s];
		size_t cnt = g->b1 - g->b0, pages = (size_t)((g->hi - g->lo + PAGE - 1) / PAGE);
		size_t i;

		memcpy(nb + k, h->blocks + g->b0, cnt * sizeof(*nb));
		g->b0 = k;
		g->b1 = k + cnt;
		k += cnt;
		g->page_first = lt_xmalloc((pages + 1) * sizeof(size_t));
		i = g->b0;
		for (size_t p = 0; p <= pages; p++) {
			uint64_t at = g->lo + p * PAGE;

			while (i < g->b1 && nb[i].hi <= at)
				i++;
			g->page_first[p] = i;
		}
	}
	free(h->blocks);
	h->blocks = nb;
	qsort(h->holes, h->nholes, sizeof(*h->holes), cmp_block);
	for (size_t i = 0; i + 1 < h->nholes; i++)
		if (h->holes[i].hi > h->holes[i + 1].lo)
			h->holes[i].hi = h->holes[i + 1].lo;
	/* A heap's top reaches to the end of its segment: new chunks come
	 * from there when the heap grows. */
	for (size_t s = 0; s < h->nsegs; s++) {
		long t = h->segs[s].kind == LT_GH_MMAP ? -1
			 : lt_glibc_heap_hole(h, h->segs[s].end - 1);

		if (t >= 0 && h->holes[t].hi == h->segs[s].end)
			h->holes[t].hi = h->segs[s].hi;
	}
	h->lo = h->nsegs ? h->segs[0].lo : 0;
	h->hi = h->nsegs ? h->segs[h->nsegs - 1].hi : 0;
}

int lt_glibc_heap_walk(lt_tmem *m, const struct lt_tmem_map *maps, size_t n,
		       const uint64_t *mm, size_t nmm,
		       struct lt_glibc_heap *h)
{
	struct walker w = {m, h, 0, 0, 0, NULL, 0, 0};
	long heap = -1;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < n; i++)
		if (strcmp(maps[i].path, "[heap]") == 0)
			heap = (long)i;
	if (heap < 0) {
		snprintf(h->reason, sizeof(h->reason),
			 "no [heap] mapping: the main arena cannot be found");
		return -1;
	}
	w.win = lt_xmalloc(WINDOW);
	if (walk_chunks(&w, maps[heap].lo, maps[heap].hi, 1, "[heap]") != 0)
		goto out;
	/* Up to 64 MiB past [heap], short of the next mapping: brk may grow
	 * into it while we scan. */
	add_seg(&w, maps[heap].lo,
		(size_t)heap + 1 < n && maps[heap + 1].lo - maps[heap].hi < HEAP_MAX
			? maps[heap + 1].lo : maps[heap].hi + HEAP_MAX,
		0, LT_GH_MAIN);
	h->segs[h->nsegs - 1].end = maps[heap].hi;
	h->heap_bytes += maps[heap].hi - maps[heap].lo;
	for (size_t i = 0; i < n; i++) {
		const struct lt_tmem_map *e = &maps[i];

		if (e->path[0] || strcmp(e->perm, "rw-p"))
			continue;
		for (uint64_t a = (e->lo + HEAP_MAX - 1) / HEAP_MAX * HEAP_MAX;
		     a >= e->lo && a < e->hi; a += HEAP_MAX)
			if (walk_arena_heap(&w, a) < 0)
				goto out;
	}
	for (size_t i = 0; i < nmm; i++)
		mmapped_chunk(&w, maps, n, mm[i]);
	finish(h);
	rc = 0;
out:
	free(w.win);
	return rc;
}

long lt_glibc_heap_seg(const struct lt_glibc_heap *h, uint64_t addr)
{
	size_t lo = 0, hi = h->nsegs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < h->segs[mid].lo)
			hi = mid;
		else if (addr >= h->segs[mid].hi)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

long lt_glibc_heap_find(const struct lt_glibc_heap *h, uint64_t addr)
{
	const struct lt_gh_seg *g;
	long s;
	size_t i;

	if (addr < h->lo || addr >= h->hi)
		return -1;
	s = lt_glibc_heap_seg(h, addr);
	if (s < 0)
		return -1;
	g = &h->segs[s];
	if (!g->page_first)
		return -1;
	i = g->page_first[(addr - g->lo) / PAGE];
	while (i < g->b1 && h->blocks[i].hi <= addr)
		i++;
	if (i < g->b1 && h->blocks[i].lo <= addr)
		return (long)i;
	return -1;
}

void lt_glibc_heap_free(struct lt_glibc_heap *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nsegs; i++)
		free(h->segs[i].page_first);
	free(h->segs);
	free(h->blocks);
	free(h->holes);
	memset(h, 0, sizeof(*h));
}

long lt_glibc_heap_hole(const struct lt_glibc_heap *h, uint64_t addr)
{
	size_t lo = 0, hi = h->nholes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < h->holes[mid].lo)
			hi = mid;
		else if (addr >= h->holes[mid].hi)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

/* Where heap segment g ends now: an arena heap where its heap_info says
 * (it may have grown or shrunk since the walk); the main arena somewhere
 * before g->hi (*open_end).  Returns 0, or -1. */
static int heap_end(lt_tmem *m, const struct lt_gh_seg *g, uint64_t *end,
		    int *open_end)
{
	uint64_t size;

	*open_end = g->kind == LT_GH_MAIN;
	*end = g->hi;
	if (g->kind == LT_GH_MAIN)
		return 0;
	if (lt_tmem_read(m, g->lo + 16, &size, sizeof(size)) < sizeof(size) ||
	    size < PAGE || size > g->hi - g->lo)
		return -1;
	*end = g->lo + size;
	return 0;
}

/* Follows the headers as they are now from start until past o, within
 * [start, end); with open_end (the main arena, whose top moves with brk)
 * the heap may also end at any page where memory stops.  Appends the
 * chunks that overlap o to out.  Returns the count, or -1 when the headers
 * do not chain. */
static long chain_from(lt_tmem *m, uint64_t start, uint64_t end, int open_end,
		       const struct lt_gh_block *o, struct lt_gh_chunk **out,
		       long max_steps)
{
	uint64_t win[REWALK_WORDS], wlo = 0, whi = 0, p = start;
	size_t n = 0, cap = 0;

	*out = NULL;
	for (long steps = 0; p < o->hi && steps < max_steps; steps++) {
		uint64_t raw, sz, next = 0;
		int last = 0;

		/* This header and the next one's size word, via a window. */
		if (p < wlo || p + HDR > whi) {
			size_t len = end - p < sizeof(win) ? (size_t)(end - p) : sizeof(win);
			size_t got = len >= HDR ? lt_tmem_read(m, p, win, len) : 0;

			if (got < HDR) {
				if (open_end && p % PAGE == 0)
					p = o->hi; /* no memory: the heap ends */
				break;
			}
			wlo = p;
			whi = p + got;
		}
		raw = win[(p - wlo) / 8 + 1];
		sz = raw & ~(uint64_t)SIZE_BITS;
		if (sz < MINSIZE || sz % 16 || sz > end - p || (raw & IS_MMAPPED))
			break;
		if (p + sz + 16 <= whi)
			next = win[(p + sz - wlo) / 8 + 1];
		else if (p + sz >= end || lt_tmem_read(m, p + sz + 8, &next, 8) < 8)
			last = 1;
		if (last && !(open_end && (p + sz) % PAGE == 0) && p + sz != end)
			break;
		if (p + sz > o->lo) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				*out = lt_xrealloc(*out, cap * sizeof(**out));
			}
			(*out)[n++] = (struct lt_gh_chunk){p, p + sz,
							   !last && (next & PREV_INUSE)};
		}
		p += sz;
		if (last)
			p = p < o->hi ? o->hi : p;
	}
	if (p >= o->hi)
		return (long)n;
	free(*out);
	*out = NULL;
	return -1;
}

long lt_glibc_heap_rewalk_seg(lt_tmem *m, const struct lt_glibc_heap *h,
			      long seg, struct lt_gh_chunk **out)
{
	const struct lt_gh_seg *g = &h->segs[seg];
	struct lt_gh_chunk *all = NULL;
	struct lt_gh_block whole;
	uint64_t end;
	int open_end;
	long n;
	size_t k = 0, hi;

	*out = NULL;
	if (g->kind == LT_GH_MMAP || g->b0 >= g->b1 || heap_end(m, g, &end, &open_end) != 0)
		return -1;
	/* The walk began at the first block's header, or at a hole. */
	whole.lo = h->blocks[g->b0].lo - HDR;
	hi = 0;
	while (hi < h->nholes && h->holes[hi].lo < g->lo)
		hi++;
	if (hi < h->nholes && h->holes[hi].lo < whole.lo && h->holes[hi].lo < g->hi)
		whole.lo = h->holes[hi].lo;
	whole.hi = g->hi;
	n = chain_from(m, whole.lo, end, open_end, &whole, &all, LONG_MAX);
	if (n < 0)
		return -1;
	/* Keep the chunks the walk did not see as they are: blocks still
	 * the same are found through the walk. */
	for (long i = 0; i < n; i++) {
		long b = lt_glibc_heap_find(h, all[i].lo + HDR);

		if (all[i].in_use && b >= 0 && h->blocks[b].lo == all[i].lo + HDR &&
		    h->blocks[b].hi == all[i].hi + 8)
			continue;
		all[k++] = all[i];
	}
	*out = all;
	return (long)k;
}
