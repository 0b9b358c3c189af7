/* Roots, marking and classing for the reachability scan (see lt_reach.h and
 * lt_reach_int.h).  Every word read is target data: it is only ever
 * compared against the walked blocks, never followed blindly. */
#include "lt_reach_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_BYTES (1u << 20)
#define RED_ZONE 128
/* Bytes read on each side of a group of blocks: adapts between these. */
#define NBHD_MIN 512u
#define NBHD_MAX (BATCH_BYTES / 4)
#define GROUP_GAP 4096u
#define MAX_STACK_COPY (16u << 20)
#define MAX_PEND 65536

/* Block states in s->mark (low 7 bits); REFD is set on an unreachable
 * block some other unreachable block points to. */
enum { M_NONE, M_REACH, M_DIRECT, M_INDIRECT, M_CHANGED, M_PENDING, M_CHECKING };
#define M_REFD 0x80

enum phase { P_MARK, P_REFD, P_OWN };

struct lt_reach_thread *lt_reach_thread_add(struct lt_reach_state *s, pid_t tid)
{
	if (s->nthreads == s->capthreads) {
		s->capthreads = s->capthreads ? s->capthreads * 2 : 64;
		s->threads = lt_xrealloc(s->threads, s->capthreads * sizeof(*s->threads));
	}
	memset(&s->threads[s->nthreads], 0, sizeof(s->threads[0]));
	s->threads[s->nthreads].tid = tid;
	return &s->threads[s->nthreads++];
}

struct lt_reach_thread *lt_reach_thread_find(struct lt_reach_state *s, pid_t tid)
{
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return &s->threads[i];
	return NULL;
}

void lt_reach_release(struct lt_reach_state *s)
{
	for (size_t i = 0; i < s->nheld; i++) {
		lt_ptrace_detach(&s->held[i]);
		lt_reach_count_stop(s, &s->held[i]);
	}
	free(s->held);
	s->held = NULL;
	s->nheld = s->capheld = 0;
}

/* Lets the held threads go once the pause cap is reached. */
static void check_pause(struct lt_reach_state *s)
{
	int64_t ms;

	if (!s->nheld || s->pause_cap_ns < 0 ||
	    lt_ptrace_now_ns() - s->held_since < s->pause_cap_ns)
		return;
	ms = (lt_ptrace_now_ns() - s->held_since) / 1000000;
	lt_reach_release(s);
	snprintf(s->pause_note, sizeof(s->pause_note),
		 "pause cap reached after %lld ms: the rest was read while the process ran",
		 (long long)ms);
}

void lt_reach_count_stop(struct lt_reach_state *s, const struct lt_ptrace_stop *st)
{
	int64_t ns;

	if (!st->t_detach || !st->t_interrupt)
		return;
	ns = st->t_detach - st->t_interrupt;
	s->total_stop_ns += ns;
	if (ns > s->max_stop_ns)
		s->max_stop_ns = ns;
}

/* Whether map i may hold roots: readable, and writable or anonymous; not
 * a device (reading one may have effects) nor the kernel's pages. */
static int root_map(const struct lt_tmem_map *e)
{
	if (e->perm[0] != 'r')
		return 0;
	if (e->perm[1] != 'w' && e->path[0] && e->path[0] != '[')
		return 0;
	if (strcmp(e->path, "[vvar]") == 0 || strcmp(e->path, "[vdso]") == 0 ||
	    strcmp(e->path, "[vsyscall]") == 0 || strncmp(e->path, "[vvar", 5) == 0)
		return 0;
	if (strncmp(e->path, "/dev/", 5) == 0 && strcmp(e->path, "/dev/zero") &&
	    strncmp(e->path, "/dev/shm/", 9) && strncmp(e->path, "/dev/zero ", 10))
		return 0;
	return 1;
}

void lt_reach_thread_stack(struct lt_reach_state *s, struct lt_reach_thread *th)
{
	uint64_t sp = th->regs[LT_PTRACE_REG_SP], lo;
	long mi = lt_tmem_map_find(s->maps, s->nmaps, sp);
	const struct lt_tmem_map *e;
	size_t ti = (size_t)(th - s->threads), got;

	if (mi < 0)
		return;
	e = &s->maps[mi];
	/* Only a real stack may lose what lies below its pointer: the main
	 * [stack], or a mapping right above a guard page (pthread stacks).
	 * A stack inside a heap block is found through the register. */
	if (!root_map(e) || lt_glibc_heap_seg(&s->heap, sp) >= 0)
		return;
	if (strcmp(e->path, "[stack]") != 0 &&
	    !(mi > 0 && s->maps[mi - 1].hi == e->lo &&
	      strncmp(s->maps[mi - 1].perm, "---", 3) == 0))
		return;
	lo = sp - RED_ZONE < e->lo || sp < RED_ZONE ? e->lo : (sp - RED_ZONE) & ~7ull;
	if (s->cover[mi] != -1) {
		s->cover[mi] = -2; /* two stacks in one mapping: read it whole */
		return;
	}
	/* A huge stack is not copied while its thread waits: it is read
	 * whole with the other roots. */
	if (e->hi - lo > MAX_STACK_COPY)
		return;
	th->stack_len = (size_t)(e->hi - lo);
	th->stack = lt_xmalloc(th->stack_len);
	th->stack_lo = lo;
	got = lt_tmem_read(s->mem, lo, th->stack, th->stack_len);
	if (got < th->stack_len) {
		/* Read the rest whole with the roots. */
		free(th->stack);
		th->stack = NULL;
		th->stack_len = 0;
		return;
	}
	s->cover[mi] = (long)ti;
}

void lt_reach_alloc_marks(struct lt_reach_state *s)
{
	s->mark = lt_xcalloc(s->heap.nblocks ? s->heap.nblocks : 1, 1);
	s->cover = lt_xmalloc((s->nmaps ? s->nmaps : 1) * sizeof(*s->cover));
	for (size_t i = 0; i < s->nmaps; i++)
		s->cover[i] = -1;
	s->buf = lt_xmalloc(BATCH_BYTES);
	s->nb[0] = s->nb[1] = NBHD_MIN;
}

/* Queues block i: on the local stack when the read being scanned holds
 * it whole, else on the worklist. */
static void push(struct lt_reach_state *s, size_t i)
{
	const struct lt_gh_block *b = &s->heap.blocks[i];

	if (b->lo >= s->buf_lo && b->hi <= s->buf_hi) {
		if (s->nlocal == s->caplocal) {
			s->caplocal = s->caplocal ? s->caplocal * 2 : 1024;
			s->local = lt_xrealloc(s->local, s->caplocal * sizeof(*s->local));
		}
		s->local[s->nlocal++] = i;
		return;
	}
	if (s->nwork == s->capwork) {
		s->capwork = s->capwork ? s->capwork * 2 : 4096;
		s->work = lt_xrealloc(s->work, s->capwork * sizeof(*s->work));
	}
	s->work[s->nwork++] = i;
}

/* Adds lo to the set of new blocks; 1 if it was not there. */
static int newset_add(struct lt_reach_state *s, uint64_t lo)
{
	size_t k;

	if (2 * (s->newset_n + 1) > s->newset_cap) {
		size_t cap = s->newset_cap ? s->newset_cap * 2 : 256;
		uint64_t *old = s->newset, n = s->newset_cap;

		s->newset = lt_xcalloc(cap, sizeof(*s->newset));
		s->newset_cap = cap;
		s->newset_n = 0;
		for (size_t j = 0; j < n; j++)
			if (old[j])
				newset_add(s, old[j]);
		free(old);
	}
	k = (size_t)((lo >> 4) * 0x9e3779b97f4a7c15ull) & (s->newset_cap - 1);
	while (s->newset[k]) {
		if (s->newset[k] == lo)
			return 0;
		k = (k + 1) & (s->newset_cap - 1);
	}
	s->newset[k] = lo;
	s->newset_n++;
	return 1;
}

/* Of the chunks rh re-walked, the one whose user area holds w: queued as
 * a new block when it is in use and not known yet. */
static void pick_chunk(struct lt_reach_state *s, const struct reach_hole *rh,
		       uint64_t w)
{
	size_t lo = 0, hi = rh->n;
	const struct lt_gh_chunk *c = NULL;
	long same;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w < rh->chunks[mid].lo) {
			hi = mid;
		} else if (w >= rh->chunks[mid].hi) {
			lo = mid + 1;
		} else {
			c = &rh->chunks[mid];
			/* The first 8 bytes of a chunk are the user data of
			 * the one before it. */
			if (w < c->lo + 8 && mid > 0 && rh->chunks[mid - 1].hi == c->lo)
				c = &rh->chunks[mid - 1];
			break;
		}
	}
	if (!c) {
		/* In none of the chunks that changed: in a block that is as
		 * the walk saw it (changed and back since we looked). */
		same = lt_glibc_heap_find(&s->heap, w);
		if (same >= 0 && (s->mark[same] == M_NONE || s->mark[same] == M_CHANGED)) {
			s->mark[same] = M_REACH;
			s->reachable++;
			push(s, (size_t)same);
		}
		return;
	}
	if (!c->in_use || w < c->lo + 16 || w >= c->hi + 8)
		return;
	/* The very chunk the walk saw: mark that block. */
	same = lt_glibc_heap_find(&s->heap, c->lo + 16);
	if (same >= 0 && s->heap.blocks[same].lo == c->lo + 16 &&
	    s->heap.blocks[same].hi == c->hi + 8) {
		if (s->mark[same] == M_NONE || s->mark[same] == M_CHANGED) {
			s->mark[same] = M_REACH;
			s->reachable++;
			push(s, (size_t)same);
		}
		return;
	}
	if (!newset_add(s, c->lo))
		return;
	if (s->nnew == s->capnew) {
		s->capnew = s->capnew ? s->capnew * 2 : 64;
		s->newb = lt_xrealloc(s->newb, s->capnew * sizeof(*s->newb));
	}
	s->newb[s->nnew++] = (struct lt_gh_block){c->lo + 16, c->hi + 8};
}

/* The current chunks of segment sg, walked once (up to two tries: the
 * process runs on).  Returns 1 when s->segwalk[sg] holds them. */
static int seg_rewalk(struct lt_reach_state *s, size_t sg)
{
	struct reach_hole *rh;

	if (!s->segwalk)
		s->segwalk = lt_xcalloc(s->heap.nsegs, sizeof(*s->segwalk));
	rh = &s->segwalk[sg];
	for (int t = 0; t < 2 && rh->state == 0; t++) {
		long n = lt_glibc_heap_rewalk_seg(s->mem, &s->heap, (long)sg, &rh->chunks);

		s->seg_rewalks++;
		if (n >= 0) {
			rh->state = 1;
			rh->n = (size_t)n;
		}
	}
	if (rh->state == 0)
		rh->state = -1;
	return rh->state > 0;
}

/* A re-walk reads the whole segment: on a churning heap of 660 MiB under
 * load it kept the threads stopped 1.6 s, far past the pause cap, which
 * is checked between reads only.  While the threads are held, a segment
 * not walked yet must fit in the pause left at REWALK_NS_PER_BYTE (0.5-1
 * GB/s measured here), else they go first: the rest is read while the
 * process runs and the result is weak, as when the cap is reached. */
#define REWALK_NS_PER_BYTE 2

static void rewalk_fits(struct lt_reach_state *s, size_t sg)
{
	const struct lt_gh_seg *g = &s->heap.segs[sg];
	int64_t left, need;

	if (!s->nheld || s->pause_cap_ns < 0 || (s->segwalk && s->segwalk[sg].state))
		return;
	left = s->pause_cap_ns - (lt_ptrace_now_ns() - s->held_since);
	need = (int64_t)((g->end > g->lo ? g->end - g->lo : 0) * REWALK_NS_PER_BYTE);
	if (need <= left)
		return;
	lt_reach_release(s);
	snprintf(s->pause_note, sizeof(s->pause_note),
		 "pause cap: a changed heap of %llu MiB was walked again while the process ran",
		 (unsigned long long)((g->end - g->lo) >> 20));
}

/* A reachable word w that points into no block of the walk (a chunk
 * free then, which malloc may have carved a new block out of since), or
 * into a block that is no longer the chunk the walk saw: resolved against
 * the chunks of its heap as they are now, walked once from the heap's
 * start (in ROOTS mode while the threads are still stopped, so it agrees
 * with the roots).  Headers found in the middle of a heap cannot be
 * trusted: stale ones stay in memory after merges.  Pointers that cannot
 * be resolved are counted: they end the proof. */
static void uncertain_ref(struct lt_reach_state *s, uint64_t w)
{
	long sg = lt_glibc_heap_seg(&s->heap, w);

	s->rewalks++;
	if (sg < 0 || s->heap.segs[sg].kind == LT_GH_MMAP)
		return; /* an mmapped chunk freed since: nothing there */
	rewalk_fits(s, (size_t)sg);
	if (!seg_rewalk(s, (size_t)sg)) {
		s->unresolved++;
		return;
	}
	pick_chunk(s, &s->segwalk[sg], w);
}

static void pend_add(struct lt_reach_state *s, size_t i, uint64_t w)
{
	if (s->npend == s->cappend) {
		s->cappend = s->cappend ? s->cappend * 2 : 1024;
		s->pend = lt_xrealloc(s->pend, s->cappend * sizeof(*s->pend));
	}
	s->pend[s->npend].i = i;
	s->pend[s->npend].w = w;
	if (++s->npend >= MAX_PEND)
		lt_reach_flush(s);
}

/* Every aligned word of buf (read from base) that points into a block
 * other than self: marks it (P_MARK), flags it (P_REFD) or gives it
 * self's owner (P_OWN). */
static void scan_words(struct lt_reach_state *s, uint64_t base, const char *buf,
		       size_t len, long self, enum phase ph)
{
	const struct lt_glibc_heap *h = &s->heap;
	size_t o = (size_t)((8 - base % 8) % 8);

	for (; o + 8 <= len; o += 8) {
		uint64_t w;
		long i;

		memcpy(&w, buf + o, sizeof(w));
		if (w < h->lo || w >= h->hi)
			continue;
		i = lt_glibc_heap_find(h, w);
		if (i < 0 && ph == P_MARK) {
			if (lt_glibc_heap_hole(h, w) >= 0)
				uncertain_ref(s, w);
			continue;
		}
		if (i < 0 || i == self)
			continue;
		switch (ph) {
		case P_MARK:
			if (s->mark[i] == M_CHANGED) {
				uncertain_ref(s, w);
			} else if (s->validate && (s->mark[i] == M_NONE ||
						   s->mark[i] == M_PENDING)) {
				/* Roots read after the walk may point to
				 * chunks made since: each is checked first
				 * (lt_reach_flush). */
				s->mark[i] = M_PENDING;
				pend_add(s, (size_t)i, w);
			} else if (s->mark[i] == M_NONE) {
				s->mark[i] = M_REACH;
				s->reachable++;
				push(s, (size_t)i);
			}
			break;
		case P_REFD:
			if ((s->mark[i] & 0x7f) == M_NONE)
				s->mark[i] |= M_REFD;
			break;
		case P_OWN:
			if ((s->mark[i] & 0x7f) == M_NONE) {
				s->mark[i] = M_INDIRECT;
				s->owner[i] = s->owner[self];
				push(s, (size_t)i);
			}
			break;
		}
	}
}

void lt_reach_scan_threads(struct lt_reach_state *s)
{
	for (size_t t = 0; t < s->nthreads; t++) {
		struct lt_reach_thread *th = &s->threads[t];

		if (!th->have_regs)
			continue;
		scan_words(s, 0, (const char *)th->regs, sizeof(th->regs), -1, P_MARK);
		if (th->stack) {
			scan_words(s, th->stack_lo, th->stack, th->stack_len, -1, P_MARK);
			s->root_bytes += th->stack_len;
			free(th->stack);
			th->stack = NULL;
		}
	}
	lt_reach_flush(s);
}

/* Scans [lo, hi) of the target as roots, in batches. */
static void scan_range(struct lt_reach_state *s, uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		size_t len = hi - lo < BATCH_BYTES ? (size_t)(hi - lo) : BATCH_BYTES;
		size_t got = lt_tmem_read(s->mem, lo, s->buf, len);

		scan_words(s, lo, s->buf, got, -1, P_MARK);
		s->root_bytes += got;
		if (got < len) {
			/* Skip the page that failed, read on after it. */
			uint64_t bad = lo + got, next = (bad | 4095) + 1;

			lt_reach_unreadable(s, bad, next < hi ? next : hi);
			lo = next;
		} else {
			lo += len;
		}
		check_pause(s);
	}
}

void lt_reach_flush(struct lt_reach_state *s)
{
	const struct lt_glibc_heap *h = &s->heap;

	while (s->npend) {
		struct reach_pend *pd = s->pend;
		size_t np = s->npend, nb = 0;
		size_t *blk = lt_xmalloc(np * sizeof(*blk));
		uint64_t *addr = lt_xmalloc(2 * np * sizeof(*addr));
		uint64_t *word = lt_xmalloc(2 * np * sizeof(*word));

		/* Taken over: what the checks below add is the next round. */
		s->pend = NULL;
		s->npend = s->cappend = 0;
		for (size_t k = 0; k < np; k++)
			if (s->mark[pd[k].i] == M_PENDING) {
				const struct lt_gh_block *b = &h->blocks[pd[k].i];

				s->mark[pd[k].i] = M_CHECKING;
				blk[nb] = pd[k].i;
				addr[2 * nb] = b->lo - 8;   /* its size */
				addr[2 * nb + 1] = b->hi;   /* the next one's */
				nb++;
			}
		lt_tmem_read_words(s->mem, addr, word, 2 * nb);
		/* Still the chunk the walk saw: same size, in use.  (A stale
		 * header left in memory passes too: see uncertain_ref.) */
		for (size_t k = 0; k < nb; k++) {
			const struct lt_gh_block *b = &h->blocks[blk[k]];
			uint64_t c = b->lo - 16, sz = word[2 * k] & ~7ull;
			int mm = h->segs[lt_glibc_heap_seg(h, b->lo)].kind == LT_GH_MMAP;
			int same = mm ? sz == b->hi - c && (word[2 * k] & 2)
				      : sz == b->hi - 8 - c && !(word[2 * k] & 2) &&
					(word[2 * k + 1] & 1);

			if (same) {
				s->mark[blk[k]] = M_REACH;
				s->reachable++;
				push(s, blk[k]);
			} else {
				s->mark[blk[k]] = M_CHANGED;
			}
		}
		for (size_t k = 0; k < np; k++)
			if (s->mark[pd[k].i] == M_CHANGED)
				uncertain_ref(s, pd[k].w);
		free(blk);
		free(addr);
		free(word);
		free(pd);
	}
}

void lt_reach_unreadable(struct lt_reach_state *s, uint64_t lo, uint64_t hi)
{
	s->unreadable += hi - lo;
	if (s->nbad < sizeof(s->bad) / sizeof(s->bad[0]))
		s->bad[s->nbad++] = lo;
}

void lt_reach_scan_words(struct lt_reach_state *s, const uint64_t *words, size_t n)
{
	scan_words(s, 0, (const char *)words, n * sizeof(*words), -1, P_MARK);
	s->root_bytes += n * sizeof(*words);
	lt_reach_flush(s);
}

/* Scans [lo, hi) as roots, less the ranges the caller excluded. */
static void scan_root_range(struct lt_reach_state *s, uint64_t lo, uint64_t hi)
{
	for (size_t k = 0; k < s->nexclude && lo < hi; k++) {
		const struct lt_reach_range *x = &s->exclude[k];

		if (x->hi <= lo || x->lo >= hi)
			continue;
		if (x->lo > lo)
			scan_root_range(s, lo, x->lo); /* at most nexclude deep */
		lo = x->hi;
	}
	if (lo < hi)
		scan_range(s, lo, hi);
}

void lt_reach_scan_roots(struct lt_reach_state *s)
{
	const struct lt_glibc_heap *h = &s->heap;

	for (size_t i = 0; i < s->nmaps; i++) {
		const struct lt_tmem_map *e = &s->maps[i];
		uint64_t at = e->lo;

		if (!root_map(e) || s->cover[i] >= 0)
			continue;
		/* Less the heap segments inside it. */
		for (size_t g = 0; g < h->nsegs && at < e->hi; g++) {
			const struct lt_gh_seg *sg = &h->segs[g];

			if (sg->hi <= at || sg->lo >= e->hi)
				continue;
			if (sg->lo > at)
				scan_root_range(s, at, sg->lo);
			at = sg->hi;
		}
		if (at < e->hi)
			scan_root_range(s, at, e->hi);
	}
	lt_reach_flush(s);
}

/* A block bigger than a batch: alone, piece by piece. */
static void scan_big(struct lt_reach_state *s, size_t i, enum phase ph)
{
	const struct lt_gh_block *b = &s->heap.blocks[i];
	uint64_t bl = b->hi - b->lo;

	for (uint64_t o = 0; o < bl; o += BATCH_BYTES) {
		size_t n = bl - o < BATCH_BYTES ? (size_t)(bl - o) : BATCH_BYTES;
		size_t got = lt_tmem_read(s->mem, b->lo + o, s->buf, n);

		if (got < n)
			s->unreadable += n - got;
		s->block_bytes += got;
		scan_words(s, b->lo + o, s->buf, got, (long)i, ph);
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Scans the blocks round[0..n) (sorted, each under BATCH_BYTES, within
 * BATCH_BYTES / 2 of the first) with one read of their span and s->nb
 * bytes below and above it, then every block marked meanwhile that the read holds too.
 * Widens the neighbourhood when that found work, narrows it when not:
 * a list laid out in address order is read a window at a time, one
 * scattered over the heap a block at a time. */
static void scan_group(struct lt_reach_state *s, const size_t *round, size_t n,
		       enum phase ph)
{
	const struct lt_glibc_heap *h = &s->heap;
	const struct lt_gh_seg *g = &h->segs[lt_glibc_heap_seg(h, h->blocks[round[0]].lo)];
	uint64_t glo = h->blocks[round[0]].lo, ghi = h->blocks[round[n - 1]].hi;
	uint64_t room = (BATCH_BYTES - (ghi - glo)) / 2, lo, hi;
	uint64_t below = s->nb[0] < room ? s->nb[0] : room;
	uint64_t above = s->nb[1] < room ? s->nb[1] : room;
	uint64_t used[2] = {0, 0};
	size_t got;

	lo = glo - g->lo > below ? glo - below : g->lo;
	hi = g->hi - ghi > above ? ghi + above : g->hi;
	got = lt_tmem_read(s->mem, lo, s->buf, (size_t)(hi - lo));
	s->block_bytes += got;
	s->buf_lo = lo;
	s->buf_hi = lo + got;
	for (size_t k = 0; k < n; k++) {
		const struct lt_gh_block *b = &h->blocks[round[k]];

		if (b->hi > s->buf_hi) {
			/* Cut short (unmapped meanwhile): on its own. */
			size_t want = (size_t)(b->hi - b->lo);
			char *tmp = lt_xmalloc(want);
			size_t r = lt_tmem_read(s->mem, b->lo, tmp, want);

			if (r < want)
				s->unreadable += want - r;
			scan_words(s, b->lo, tmp, r, (long)round[k], ph);
			free(tmp);
			continue;
		}
		scan_words(s, b->lo, s->buf + (b->lo - lo), (size_t)(b->hi - b->lo),
			   (long)round[k], ph);
	}
	while (s->nlocal) {
		size_t i = s->local[--s->nlocal];
		const struct lt_gh_block *b = &h->blocks[i];

		if (b->lo < glo)
			used[0] += b->hi - b->lo;
		else if (b->lo >= ghi)
			used[1] += b->hi - b->lo;
		scan_words(s, b->lo, s->buf + (b->lo - lo), (size_t)(b->hi - b->lo),
			   (long)i, ph);
	}
	s->buf_lo = s->buf_hi = 0;
	/* Each side widens while a quarter of what it read was work. */
	for (int d = 0; d < 2; d++) {
		uint64_t read = d ? (lo + got > ghi ? lo + got - ghi : 0) : glo - lo;

		if (used[d] * 4 >= read && used[d] && s->nb[d] < NBHD_MAX)
			s->nb[d] *= 2;
		else if (used[d] * 16 < read && s->nb[d] > NBHD_MIN)
			s->nb[d] /= 2;
	}
}

/* Drains the worklist in rounds: each round takes every queued block, in
 * address order, and reads neighbouring ones together. */
static void drain(struct lt_reach_state *s, enum phase ph)
{
	const struct lt_gh_block *bl = s->heap.blocks;

	while (s->nwork) {
		size_t *round = s->work, n = s->nwork, cap = s->capwork;

		s->work = s->spare;
		s->capwork = s->capspare;
		s->nwork = 0;
		qsort(round, n, sizeof(*round), cmp_size);
		for (size_t i = 0; i < n;) {
			size_t j = i + 1;

			check_pause(s);
			if (bl[round[i]].hi - bl[round[i]].lo > BATCH_BYTES / 2) {
				scan_big(s, round[i], ph);
				i++;
				continue;
			}
			/* Together: blocks of one segment at most a page
			 * apart, so a group never reads a wide gap. */
			while (j < n && bl[round[j]].hi - bl[round[i]].lo <= BATCH_BYTES / 2 &&
			       bl[round[j]].lo - bl[round[j - 1]].hi <= GROUP_GAP &&
			       lt_glibc_heap_seg(&s->heap, bl[round[j]].lo) ==
				       lt_glibc_heap_seg(&s->heap, bl[round[i]].lo))
				j++;
			scan_group(s, round + i, j - i, ph);
			i = j;
		}
		s->spare = round;
		s->capspare = cap;
	}
}

void lt_reach_mark_new(struct lt_reach_state *s, uint64_t max_bytes)
{
	uint64_t done = 0;

	do {
		while (s->newdone < s->nnew && done < max_bytes) {
			struct lt_gh_block b = s->newb[s->newdone++];

			scan_range(s, b.lo, b.hi);
			done += b.hi - b.lo;
		}
		lt_reach_flush(s);
	} while (s->newdone < s->nnew && done < max_bytes);
}

void lt_reach_mark(struct lt_reach_state *s)
{
	do {
		drain(s, P_MARK);
		lt_reach_mark_new(s, UINT64_MAX);
	} while (s->nwork);
}

/* Gives the leader i and everything only it reaches the owner i. */
static void own_from(struct lt_reach_state *s, size_t i)
{
	s->mark[i] = M_DIRECT;
	s->owner[i] = (uint32_t)i;
	push(s, i);
	drain(s, P_OWN);
}

void lt_reach_classify(struct lt_reach_state *s)
{
	size_t n = s->heap.nblocks;

	if (s->reachable == n)
		return;
	/* Which unreachable blocks another one points to: queue every
	 * unreachable block and scan it for P_REFD. */
	for (size_t i = 0; i < n; i++)
		if (s->mark[i] == M_NONE)
			push(s, i);
	drain(s, P_REFD);
	s->owner = lt_xcalloc(n, sizeof(*s->owner));
	for (size_t i = 0; i < n; i++)
		if (s->mark[i] == M_NONE)
			own_from(s, i);
	/* What is left is cycles nothing else points to: the lowest block
	 * of each leads. */
	for (size_t i = 0; i < n; i++)
		if ((s->mark[i] & 0x7f) == M_NONE)
			own_from(s, i);
}

void lt_reach_verdicts(struct lt_reach_state *s, const struct lt_reach_cand *c,
		       size_t n, struct lt_reach_item *items)
{
	for (size_t k = 0; k < n; k++) {
		long i = lt_glibc_heap_find(&s->heap, c[k].addr);

		items[k].owner = 0;
		if (i < 0 || s->heap.blocks[i].lo != c[k].addr) {
			items[k].v = LT_REACH_NOT_FOUND;
			continue;
		}
		switch (s->mark[i] & 0x7f) {
		case M_REACH:
			items[k].v = LT_REACH_REACHABLE;
			break;
		case M_DIRECT:
			items[k].v = LT_REACH_DIRECT;
			break;
		case M_INDIRECT:
			items[k].v = LT_REACH_INDIRECT;
			items[k].owner = s->owner ? s->heap.blocks[s->owner[i]].lo : 0;
			break;
		default:
			items[k].v = LT_REACH_UNKNOWN;
			break;
		}
	}
}

void lt_reach_state_free(struct lt_reach_state *s)
{
	for (size_t i = 0; i < s->nthreads; i++)
		free(s->threads[i].stack);
	free(s->threads);
	free(s->work);
	free(s->pend);
	free(s->newb);
	free(s->newset);
	for (size_t i = 0; s->segwalk && i < s->heap.nsegs; i++)
		free(s->segwalk[i].chunks);
	free(s->segwalk);
	free(s->spare);
	free(s->local);
	free(s->mark);
	free(s->owner);
	free(s->cover);
	free(s->buf);
	free(s->maps);
	lt_glibc_heap_free(&s->heap);
	lt_tmem_free(s->mem);
	memset(s, 0, sizeof(*s));
}
