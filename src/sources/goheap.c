/* The Go heap profile (lt_goheap.h): runtime.mbuckets as heap sites. */
#include "lt_goheap.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BUCKETS 200000      /* buckets read per sample */
#define MAX_NSTK 1024           /* Go keeps 32 frames (more with debug
				   settings of newer releases) */
#define BUF_MAX (8192 + MAX_NSTK * 8)

struct known {                  /* a bucket seen before, by address */
	uint64_t addr;
	uint32_t id;            /* 0: empty slot; ids start at 1 */
	int64_t allocs, frees, alloc_bytes, free_bytes;  /* last reported */
};

struct lt_goheap {
	lt_goread *r;
	const struct lt_golayout *l;
	uint64_t bias, rate;
	struct known *tab;      /* open addressing, power of two */
	size_t tcap, tn;
	uint32_t next_id;
	struct lt_heap_stack *stacks;
	uint64_t *pcs;          /* the new stacks' PCs */
	struct lt_heap_site *sites;
	size_t nstacks, scap, npcs, pcap, nsites, sitecap;
	unsigned char *buf;
	long slot;              /* memRecord.future slot of the last GC
				   cycle, added to active; -1 none */
};

static uint64_t get(const unsigned char *b, const struct lt_gofield *f)
{
	uint64_t v = 0;

	memcpy(&v, b + f->off, f->size);
	return v;
}

static struct known *slot(lt_goheap *h, uint64_t addr)
{
	size_t i = (size_t)((addr >> 4) * 0x9e3779b97f4a7c15ull) & (h->tcap - 1);

	while (h->tab[i].id && h->tab[i].addr != addr)
		i = (i + 1) & (h->tcap - 1);
	return &h->tab[i];
}

static struct known *lookup(lt_goheap *h, uint64_t addr)
{
	if (2 * (h->tn + 1) > h->tcap) {      /* keep under half full */
		struct known *old = h->tab;
		size_t oc = h->tcap;

		h->tcap = h->tcap ? h->tcap * 2 : 1024;
		h->tab = lt_xcalloc(h->tcap, sizeof(*h->tab));
		for (size_t i = 0; i < oc; i++)
			if (old[i].id)
				*slot(h, old[i].addr) = old[i];
		free(old);
	}
	return slot(h, addr);
}

lt_goheap *lt_goheap_new(lt_goread *r, lt_err *err)
{
	uint64_t bias;
	const struct lt_golayout *l = lt_goread_layout(r, &bias);
	lt_goheap *h;
	int64_t rate = 0;

	if (!l->bucket_size || !l->mbuckets || l->bucket_size > 512 ||
	    l->memrecord_size > 4096) {
		lt_err_set(err, LT_EXIT_TARGET, "no runtime.mbuckets or bucket "
			   "layout in the program's DWARF");
		return NULL;
	}
	h = lt_xcalloc(1, sizeof(*h));
	h->r = r;
	h->l = l;
	h->bias = bias;
	h->buf = lt_xmalloc(BUF_MAX);
	if (l->mem_profile_rate &&
	    lt_goread_mem(r, l->mem_profile_rate + bias, &rate, sizeof(rate)) == 0 &&
	    rate > 0)
		h->rate = (uint64_t)rate;
	return h;
}

uint64_t lt_goheap_rate(const lt_goheap *h)
{
	return h->rate;
}

void lt_goheap_free(lt_goheap *h)
{
	if (!h)
		return;
	free(h->tab);
	free(h->stacks);
	free(h->pcs);
	free(h->sites);
	free(h->buf);
	free(h);
}

/* pprof's scaleHeapSample: count sampled blocks of total size bytes stand
 * for count / (1 - exp(-avg / rate)) blocks. */
static void scale(int64_t count, int64_t bytes, uint64_t rate, int64_t *c, int64_t *b)
{
	double s;

	if (count <= 0 || bytes <= 0) {
		*c = *b = 0;
		return;
	}
	s = rate > 1 ? 1 / (1 - exp(-((double)bytes / (double)count) / (double)rate)) : 1;
	*c = (int64_t)llround((double)count * s);
	*b = (int64_t)llround((double)bytes * s);
}

static void add_site(lt_goheap *h, const struct known *k)
{
	struct lt_heap_site *s;

	if (h->nsites == h->sitecap) {
		h->sitecap = h->sitecap ? h->sitecap * 2 : 256;
		h->sites = lt_xrealloc(h->sites, h->sitecap * sizeof(*s));
	}
	s = &h->sites[h->nsites++];
	memset(s, 0, sizeof(*s));
	s->id = k->id;
	scale(k->allocs - k->frees, k->alloc_bytes - k->free_bytes, h->rate,
	      &s->live_count, &s->live_bytes);
	scale(k->allocs, k->alloc_bytes, h->rate, &s->alloc_count, &s->alloc_bytes);
	scale(k->frees, k->free_bytes, h->rate, &s->free_count, &s->free_bytes);
	s->samples = k->allocs > UINT32_MAX ? UINT32_MAX : (uint32_t)k->allocs;
	s->samples_freed = k->frees > UINT32_MAX ? UINT32_MAX : (uint32_t)k->frees;

}

static void add_stack(lt_goheap *h, uint32_t id, const uint64_t *pcs, size_t n)
{
	if (h->nstacks == h->scap) {
		h->scap = h->scap ? h->scap * 2 : 256;
		h->stacks = lt_xrealloc(h->stacks, h->scap * sizeof(*h->stacks));
	}
	if (h->npcs + n > h->pcap) {
		while (h->npcs + n > h->pcap)
			h->pcap = h->pcap ? h->pcap * 2 : 4096;
		h->pcs = lt_xrealloc(h->pcs, h->pcap * sizeof(*h->pcs));
	}
	memcpy(h->pcs + h->npcs, pcs, n * sizeof(*pcs));
	/* pcs moves when it grows: store offsets now, pointers at the end. */
	h->stacks[h->nstacks++] = (struct lt_heap_stack){
		.id = id, .pcs = (const uint64_t *)(uintptr_t)h->npcs, .depth = (uint32_t)n};
	h->npcs += n;
}

/* Which memRecord.future slot completes the published figures.  The
 * runtime counts a malloc in cycle C+2 and a GC's sweep free in C+1
 * (C: runtime.mProfCycle) and publishes (adds to active) cycle C at each
 * mark termination, when C is advanced: after an ordinary GC, active is
 * the heap as of the mark of the GC before (only runtime.GC() publishes
 * its own cycle once its sweep is done, mProf_PostSweep).  Slot C+1 holds
 * what happened between those two marks (mallocs, then the last GC's
 * sweep frees): active plus it is the heap as of the last GC's mark, what
 * /debug/pprof/heap shows after runtime.GC().  Slot C+2, mallocs since,
 * is left out: none of them has met a GC yet.  While a sweep runs, its
 * frees are partly in: the next read has them all.  Returns -1 (read
 * nothing now) between the advance and the flush of a mark termination;
 * 0 with h->slot -1 when the layout has no future ring (active only). */
static int cycle_slot(lt_goheap *h)
{
	uint32_t c = 0;

	h->slot = -1;
	if (!h->l->mr_future)
		return 0;
	if (lt_goread_mem(h->r, h->l->mprof_cycle + h->bias, &c, sizeof(c)) < 0)
		return 0;
	if (!(c & 1))
		return -1;
	h->slot = (long)(((c >> 1) + 1) % 3);
	return 0;
}

enum { B_OK, B_BAD, B_GONE };

/* Bucket b: header, stack and memRecord in one read, validated; twice
 * when its counters are inconsistent (being updated).  Sets *next. */
static int read_bucket(lt_goheap *h, uint64_t b, uint64_t *next)
{
	const struct lt_golayout *l = h->l;
	uint64_t nstk, hdr[64];
	const unsigned char *mr;
	struct known *k;
	int64_t v[4];
	size_t len;

	*next = 0;
	if (!lt_goread_data(h->r, b, l->bucket_size))
		return B_BAD;
	if (lt_goread_mem(h->r, b, hdr, l->bucket_size) < 0)
		return errno == ESRCH ? B_GONE : B_BAD;
	*next = get((unsigned char *)hdr, &l->b_allnext);
	nstk = get((unsigned char *)hdr, &l->b_nstk);
	if (nstk == 0 || nstk > MAX_NSTK ||
	    (l->b_typ.size && l->bt_mem >= 0 &&
	     get((unsigned char *)hdr, &l->b_typ) != (uint64_t)l->bt_mem))
		return B_BAD;
	len = l->bucket_size + nstk * 8 + l->memrecord_size;
	if (len > BUF_MAX || !lt_goread_data(h->r, b, len))
		return B_BAD;
	for (int tries = 0;; tries++) {
		if (lt_goread_mem(h->r, b, h->buf, len) < 0)
			return errno == ESRCH ? B_GONE : B_BAD;
		mr = h->buf + l->bucket_size + nstk * 8;
		v[0] = (int64_t)get(mr, &l->mr_allocs);
		v[1] = (int64_t)get(mr, &l->mr_frees);
		v[2] = (int64_t)get(mr, &l->mr_alloc_bytes);
		v[3] = (int64_t)get(mr, &l->mr_free_bytes);
		if (h->slot >= 0) {
			/* The field at the same place in the slot. */
			size_t d = l->mr_future + (size_t)h->slot * l->mr_cycle_size - l->mr_active;
			struct lt_gofield f[4] = {l->mr_allocs, l->mr_frees,
						  l->mr_alloc_bytes, l->mr_free_bytes};

			for (int j = 0; j < 4; j++) {
				f[j].off += d;
				v[j] += (int64_t)get(mr, &f[j]);
			}
		}
		if (v[1] >= 0 && v[0] >= v[1] && v[3] >= 0 && v[2] >= v[3] &&
		    (v[0] == 0) == (v[2] == 0))
			break;
		if (tries)
			return B_BAD;
	}
	for (uint64_t i = 0; i < nstk; i++) {
		uint64_t pc;

		memcpy(&pc, h->buf + l->bucket_size + i * 8, 8);
		if (!lt_goread_code(h->r, pc))
			return B_BAD;
	}
	k = lookup(h, b);
	if (!k->id) {
		k->id = ++h->next_id;
		k->addr = b;
		h->tn++;
		add_stack(h, k->id, (const uint64_t *)(h->buf + l->bucket_size), (size_t)nstk);
	} else if (k->allocs == v[0] && k->frees == v[1] &&
		   k->alloc_bytes == v[2] && k->free_bytes == v[3]) {
		return B_OK;
	}
	k->allocs = v[0];
	k->frees = v[1];
	k->alloc_bytes = v[2];
	k->free_bytes = v[3];
	if (v[0])
		add_site(h, k);
	return B_OK;
}

int lt_goheap_sample(lt_goheap *h, struct lt_heap_batch *out, lt_err *err)
{
	uint64_t b = 0;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	h->nstacks = h->npcs = h->nsites = 0;
	if (lt_goread_refresh(h->r, err) < 0)
		return -1;
	if (cycle_slot(h) < 0) {
		out->sample_rate = h->rate;
		return 0;       /* a GC's mark termination: next time */
	}
	if (lt_goread_mem(h->r, h->l->mbuckets + h->bias, &b, sizeof(b)) < 0) {
		lt_err_set(err, LT_EXIT_TARGET, errno == ESRCH ? "the target exited"
			   : "runtime.mbuckets unreadable");
		return -1;
	}
	/* New buckets are pushed at the head: a list cut short by a bad
	 * link this time is read whole next time. */
	while (b && n++ < MAX_BUCKETS) {
		uint64_t next;
		int rc = read_bucket(h, b, &next);

		if (rc == B_GONE) {
			lt_err_set(err, LT_EXIT_TARGET, "the target exited");
			h->nstacks = h->npcs = h->nsites = 0;
			return -1;
		}
		if (rc == B_BAD && !lt_goread_data(h->r, next, 8))
			break;
		b = next;
	}
	for (size_t i = 0; i < h->nstacks; i++)
		h->stacks[i].pcs = h->pcs + (uintptr_t)h->stacks[i].pcs;
	out->stacks = h->stacks;
	out->nstacks = h->nstacks;
	out->sites = h->sites;
	out->n = h->nsites;
	out->sample_rate = h->rate;
	return 0;
}
