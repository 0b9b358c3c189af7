/* The agent's tables, all in mmap'd memory: sampled pointers (with a bitmap
 * in front, so almost every free is answered by one bit), and stacks with
 * their counters.  Only the slow path (a sampled allocation, or a free that
 * passes the bitmap) takes the lock; counters are updated atomically so the
 * reporting thread reads them without it. */
#include "agent.h"

#include <malloc.h>

#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The sampled-block table starts small and doubles when it is 3/4 full,
 * up to PTR_CAP_LIMIT entries (8M blocks tracked, 256 MiB of table at
 * rate 1; only what is used is touched).  Over that, samples are dropped,
 * counted with their bytes, and leaktop says so. */
/* At rate 1 too it starts at 512 KiB: a table that fits the core's L2
 * made a looked-up free 35-40% cheaper than one of 8 MiB holding the same
 * 4,096 blocks (whose lines wander over all of it as blocks come and
 * go); a program with more live blocks grows it. */
#define PTR_CAP_FULL (1u << 14)
#define PTR_CAP_SAMPLED (1u << 14) /* when sampling: 512 KiB, 12,000 samples
				      = 6 GiB live at the default rate */
#define PTR_CAP_LIMIT (1u << 23)
#define FILTER_SLOTS (1u << AG_FILTER_BITS)
/* Stacks: ids are dense and below the decoder's limit; the arrays indexed
 * by id are reserved whole (untouched pages cost nothing), the hash index
 * starts at STACK_INDEX0 slots and doubles when half full. */
#define STACK_CAP (1u << 20)
#define STACK_INDEX0 (1u << 15)
#define PC_POOL (1u << 24)
/* Descriptors followed to their close: RLIMIT_NOFILE's hard limit, at
 * most this (4 MiB of table, only touched pages cost). */
#define FD_CAP_MAX (1u << 20)
/* Entries of the oldest-sample scan taken under the lock at once: the
 * hooks wait for the lock no longer than a few microseconds. */
#define SCAN_CHUNK 1024u
/* Reports between two scans when every allocation is tracked. */
#define SCAN_EVERY_FULL 5u

_Static_assert(LT_FD_KINDS_ <= 4, "kind packed in 2 bits of fdtab");
_Static_assert(STACK_CAP <= (1u << 30), "stack id packed in fdtab");

/* The address is kept XOR-ed with ptr_key (bit 62 set, 63 clear: never a
 * canonical address), and hashed in that form: leaktop's reachability scan
 * reads this table as part of the target's memory, and a plain address
 * here would keep every sampled block reachable.  Nothing in the agent
 * ever decodes one. */
struct ptr_entry {
	uintptr_t p;                  /* address ^ ptr_key; 0: free */
	uint64_t weight;
	uint32_t stack;
	uint32_t size;                /* bytes asked for, saturated */
	uint64_t t;                   /* ag_now_ns() when it was sampled */
};

static struct ptr_entry *ptrs;     /* ptr_cap entries, mmap'd */
uint8_t *ag_filter;
#define filter ag_filter
static struct ag_stack *stacks;
static uint32_t *stack_index;     /* id + 1, 0 free; index_cap slots */
static uint32_t index_cap;
static uint64_t *pc_pool;
static uint64_t *oldest;          /* the reporter's scan, per stack */
static uint32_t *fdtab;           /* fd -> (stack << 2 | kind) + 1, 0 none */
static struct ag_fdsite *fdsites; /* [stack * LT_FD_KINDS_ + kind] */
uint32_t ag_fd_slots;
static uint32_t nstacks;
/* The part of the table in use, chosen at each start: its pages are what
 * the agent adds to the target's RSS, so it is small unless every
 * allocation is tracked. */
static uint32_t ptr_cap;
#define PTR_CAP ptr_cap
#define PTR_MAX (ptr_cap / 4 * 3)
static uint64_t npcs;
/* Its own line: every sample of any thread writes it. */
static struct {
	int word;
} AG_LINE lock_word;
static uint64_t ptr_key;
static uint32_t table_gen = 1;    /* bumped by each reset: stack ids change */
struct ag_counts ag_n;

static void lock(void)
{
	int waited = 0;

	while (__atomic_exchange_n(&lock_word.word, 1, __ATOMIC_ACQUIRE)) {
		waited = 1;
		while (__atomic_load_n(&lock_word.word, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
	}
	if (waited)
		__atomic_store_n(&ag_n.lock_waits, ag_n.lock_waits + 1, __ATOMIC_RELAXED);
}

static void unlock(void)
{
	__atomic_store_n(&lock_word.word, 0, __ATOMIC_RELEASE);
}

static void *map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int ag_tables_init(void)
{
	if (stacks)
		return 0;
	ptr_cap = PTR_CAP_SAMPLED;
	ptrs = map(ptr_cap * sizeof(*ptrs));
	filter = map(FILTER_SLOTS);
	stacks = map(STACK_CAP * sizeof(*stacks));
	index_cap = STACK_INDEX0;
	stack_index = map(index_cap * sizeof(*stack_index));
	pc_pool = map(PC_POOL * sizeof(*pc_pool));
	oldest = map(STACK_CAP * sizeof(*oldest));
	fdtab = map(FD_CAP_MAX * sizeof(*fdtab));
	fdsites = map(STACK_CAP * LT_FD_KINDS_ * sizeof(*fdsites));
	return ptrs && filter && stacks && stack_index && pc_pool && oldest &&
	       fdtab && fdsites ? 0 : -1;
}

/* The tables hold no pointer of the target's (sampled addresses are kept
 * XOR-ed with ptr_key, the rest are PCs and counters), so a scan reading
 * them as roots is only slower.  No range is claimed: the block table is
 * remapped as it grows, and a stale range handed to a scan could leave out
 * memory the target has mapped there since, which would hide a real
 * reference. */
void ag_tables_range(uint64_t *lo, uint64_t *hi)
{
	*lo = 0;
	*hi = 0;
}

/* Gives the pages back rather than writing zeros over them. */
static void clear(void *p, size_t bytes)
{
	if (madvise(p, bytes, MADV_DONTNEED))
		memset(p, 0, bytes);
}

static uint32_t fd_cap(void)
{
	struct rlimit rl;

	/* The hard limit: the target may raise its soft one later. */
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max == RLIM_INFINITY ||
	    rl.rlim_max > FD_CAP_MAX)
		return FD_CAP_MAX;
	return (uint32_t)rl.rlim_max;
}

/* Replaces *tab (cap entries of size each) by a zeroed table of ncap;
 * 0, or -1 with *tab unchanged when the memory is not there. */
static int remap(void **tab, uint32_t cap, uint32_t ncap, size_t size)
{
	void *n = map((size_t)ncap * size);

	if (!n)
		return -1;
	if (*tab)
		munmap(*tab, (size_t)cap * size);
	*tab = n;
	return 0;
}

void ag_tables_reset(void)
{
	uint32_t want = ag_cfg.rate <= 1 ? PTR_CAP_FULL : PTR_CAP_SAMPLED;

	lock();
	/* Back to the starting sizes: what an earlier start grew is
	 * given back. */
	if (ptr_cap != want && remap((void **)&ptrs, ptr_cap, want, sizeof(*ptrs)) == 0)
		ptr_cap = want;
	else
		clear(ptrs, (size_t)ptr_cap * sizeof(*ptrs));
	clear(filter, FILTER_SLOTS);
	clear(stacks, STACK_CAP * sizeof(*stacks));
	if (index_cap != STACK_INDEX0 &&
	    remap((void **)&stack_index, index_cap, STACK_INDEX0, sizeof(*stack_index)) == 0)
		index_cap = STACK_INDEX0;
	else
		clear(stack_index, (size_t)index_cap * sizeof(*stack_index));
	clear(fdtab, FD_CAP_MAX * sizeof(*fdtab));
	clear(fdsites, STACK_CAP * LT_FD_KINDS_ * sizeof(*fdsites));
	ag_fd_slots = fd_cap();
	/* A new key per start: bit 62 set and 63 clear make every encoded
	 * value non-canonical, whatever the address. */
	/* The system call, not getrandom(3): no libc symbol version of
	 * its own for the agent to need. */
	if (syscall(SYS_getrandom, &ptr_key, sizeof(ptr_key), 1 /* GRND_NONBLOCK */) !=
	    (long)sizeof(ptr_key))
		ptr_key = ag_now_ns() * 0x9e3779b97f4a7c15ULL;
	ptr_key = (ptr_key & ~(3ULL << 62)) | (1ULL << 62);
	nstacks = 0;
	npcs = 0;
	memset(&ag_n, 0, sizeof(ag_n));
	__atomic_store_n(&ag_sample_cost.ns, 0, __ATOMIC_RELAXED);
	__atomic_fetch_add(&table_gen, 1, __ATOMIC_RELEASE);
	unlock();
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* Fibonacci hashing of the address without its alignment bits: one
 * multiply on the path of every free. */
#define filter_slot ag_filter_slot

/* Under the lock. */
static void filter_add(uintptr_t p, int d)
{
	uint8_t *c = &filter[filter_slot(p)];

	if (*c != 255 && (d > 0 || *c > 0))
		__atomic_store_n(c, (uint8_t)(*c + d), __ATOMIC_RELAXED);
}

/* Under the lock: the stack index doubled, every id put back.  0, or -1
 * when the memory is not there (the old index stays). */
static int index_grow(void)
{
	uint32_t ncap = index_cap * 2, *n;

	if (ncap > 2 * STACK_CAP || !(n = map((size_t)ncap * sizeof(*n))))
		return -1;
	for (uint32_t id = 0; id < nstacks; id++) {
		uint32_t j = (uint32_t)stacks[id].hash & (ncap - 1);

		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = id + 1;
	}
	munmap(stack_index, (size_t)index_cap * sizeof(*stack_index));
	stack_index = n;
	index_cap = ncap;
	ag_n.grows++;
	return 0;
}

static uint64_t stack_hash(const uint64_t *pcs, uint32_t depth)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (uint32_t i = 0; i < depth; i++)
		h = mix(h ^ pcs[i]) + i;
	return h;
}

/* Stack interning without the lock: each thread remembers the ids of the
 * last few stacks it met, by their 64-bit hash and depth (two stacks of
 * one depth with one hash: once in 2^64).  A hit skips the shared index
 * and the compare of the PCs, the cache misses of a sample; a program
 * allocates from a handful of hot stacks.  Kept small: the agent's
 * thread-local storage comes out of glibc's static TLS surplus. */
#define TCACHE 8
struct tcache_entry {
	uint64_t hash;
	uint32_t depth;           /* 0: empty */
	uint32_t id;
};
static __thread struct tcache_entry tcache[TCACHE];
static __thread uint32_t tcache_gen;

static uint32_t tcache_find(uint64_t h, uint32_t depth)
{
	struct tcache_entry *e = &tcache[h % TCACHE];

	if (tcache_gen != __atomic_load_n(&table_gen, __ATOMIC_ACQUIRE)) {
		memset(tcache, 0, sizeof(tcache));
		tcache_gen = table_gen;
		return UINT32_MAX;
	}
	return e->depth == depth && e->hash == h ? e->id : UINT32_MAX;
}

static void tcache_put(uint64_t h, uint32_t depth, uint32_t id)
{
	tcache[h % TCACHE] = (struct tcache_entry){h, depth, id};
}

/* Under the lock. */
static uint32_t stack_find_or_add(const uint64_t *pcs, uint32_t depth, uint64_t h)
{
	uint32_t j;

	/* Half full at most: probes stay short. */
	if ((nstacks + 1) * 2 > index_cap && index_grow())
		return UINT32_MAX;
	for (j = (uint32_t)h & (index_cap - 1); stack_index[j];
	     j = (j + 1) & (index_cap - 1)) {
		struct ag_stack *s = &stacks[stack_index[j] - 1];

		if (s->hash == h && s->depth == depth &&
		    !memcmp(pc_pool + s->pcs_at, pcs, depth * sizeof(*pcs)))
			return stack_index[j] - 1;
	}
	if (nstacks == STACK_CAP || npcs + depth > PC_POOL)
		return UINT32_MAX;
	struct ag_stack *s = &stacks[nstacks];
	s->hash = h;
	s->depth = depth;
	s->pcs_at = npcs;
	memcpy(pc_pool + npcs, pcs, depth * sizeof(*pcs));
	npcs += depth;
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	stack_index[j] = nstacks + 1;
	__atomic_store_n(&nstacks, nstacks + 1, __ATOMIC_RELEASE);
	return nstacks - 1;
}

/* Adds d to a counter.  Every writer holds the lock, so a plain load and
 * store do (no locked instruction on the path of every sampled free);
 * the reporter reads the counters without the lock. */
static inline void bump(int64_t *c, int64_t d)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

/* Allocations a sample of size bytes and weight w stands for: w / size
 * (exactly 1 when every allocation is sampled), at least 1. */
static uint64_t count_of(uint64_t weight, uint64_t size)
{
	uint64_t count = size ? (weight + size / 2) / size : 1;

	if (count < 1)
		count = 1;
	return count > UINT32_MAX ? UINT32_MAX : count;
}

/* The count of entry e; a size saturated at 4 GiB is a block sampled
 * about for sure, which stands for itself. */
static uint64_t entry_count(const struct ptr_entry *e)
{
	return e->size == UINT32_MAX ? 1 : count_of(e->weight, e->size);
}

/* Under the lock: the sample e is freed at now; its stack's live figures
 * go to the freed ones. */
static void forget(const struct ptr_entry *e, uint64_t now)
{
	struct ag_stack *s = &stacks[e->stack];
	uint64_t count = entry_count(e);

	bump(&s->live_bytes, -(int64_t)e->weight);
	bump(&s->live_count, -(int64_t)count);
	bump(&s->free_bytes, (int64_t)e->weight);
	bump(&s->free_count, (int64_t)count);
	bump(&s->samples_freed, 1);
	__atomic_store_n(&s->freed_age_ns, s->freed_age_ns + (now > e->t ? now - e->t : 0),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&s->dirty, 1, __ATOMIC_RELAXED);
}

/* Under the lock: the sampled-block table doubled, every entry put back
 * (a rehash of 200,000 entries stops the allocating threads for a few
 * ms, once per doubling).  0, or -1 at the limit or without memory. */
static int ptrs_grow(void)
{
	uint32_t ncap = ptr_cap * 2;
	struct ptr_entry *n;

	if (ncap > PTR_CAP_LIMIT || !(n = map((size_t)ncap * sizeof(*n))))
		return -1;
	for (uint32_t i = 0; i < ptr_cap; i++) {
		uint32_t j;

		if (!ptrs[i].p)
			continue;
		for (j = (uint32_t)mix(ptrs[i].p) & (ncap - 1); n[j].p; j = (j + 1) & (ncap - 1))
			;
		n[j] = ptrs[i];
	}
	munmap(ptrs, (size_t)ptr_cap * sizeof(*ptrs));
	ptrs = n;
	ptr_cap = ncap;
	ag_n.grows++;
	return 0;
}

uint32_t ag_ptr_cap(void)
{
	return __atomic_load_n(&ptr_cap, __ATOMIC_RELAXED);
}

/* Under the lock: a sample lost, with its bytes, so leaktop can say how
 * much the live figures lack. */
static int drop(uint64_t weight)
{
	__atomic_store_n(&ag_n.dropped, ag_n.dropped + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&ag_n.dropped_bytes, ag_n.dropped_bytes + weight, __ATOMIC_RELAXED);
	unlock();
	return -1;
}

uint32_t ag_table_gen(void)
{
	return __atomic_load_n(&table_gen, __ATOMIC_ACQUIRE);
}

int ag_track(void *p, uint32_t id, const uint64_t *pcs, uint32_t depth,
	     uint64_t weight, size_t size, uint32_t *id_out)
{
	uintptr_t key = (uintptr_t)p ^ ptr_key;
	uint64_t now = ag_now_ns(), h = 0;
	uint32_t j;
	struct ag_stack *s;

	if (id == UINT32_MAX) {
		h = stack_hash(pcs, depth);
		id = tcache_find(h, depth);
	}
	lock();
	if (ag_n.tracked >= PTR_MAX && ptrs_grow())
		return drop(weight);
	if (id == UINT32_MAX) {
		id = stack_find_or_add(pcs, depth, h);
		if (id == UINT32_MAX)
			return drop(weight);
		tcache_put(h, depth, id);
	}
	*id_out = id;
	for (j = (uint32_t)mix(key) & (PTR_CAP - 1); ptrs[j].p && ptrs[j].p != key;
	     j = (j + 1) & (PTR_CAP - 1))
		;
	if (ptrs[j].p == key) {
		/* Freed behind our back (a free we did not see, e.g. from
		 * inside libc): the old sample is gone, freed by now at the
		 * latest. */
		forget(&ptrs[j], now);
		ag_n.tracked--;
		filter_add((uintptr_t)p, -1);
	}
	ptrs[j].p = key;
	ptrs[j].weight = weight;
	ptrs[j].stack = id;
	ptrs[j].size = size >= UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	ptrs[j].t = now;
	uint64_t count = entry_count(&ptrs[j]);
	ag_n.tracked++;
	ag_n.samples++;
	filter_add((uintptr_t)p, 1);
	s = &stacks[id];
	bump(&s->live_bytes, (int64_t)weight);
	bump(&s->live_count, (int64_t)count);
	bump(&s->alloc_bytes, (int64_t)weight);
	bump(&s->alloc_count, (int64_t)count);
	/* The same estimate in usable bytes: an unbiased sum of u/p for the
	 * blocks sampled with probability p of their requested size. */
	bump(&s->alloc_ubytes, !size ? (int64_t)weight :
			       weight == size ? (int64_t)ag_usable_size(p) :
			       (int64_t)((double)weight * (double)ag_usable_size(p) /
					 (double)size));
	bump(&s->samples, 1);
	__atomic_store_n(&s->dirty, 1, __ATOMIC_RELAXED);
	unlock();
	return 0;
}

int ag_free_flow(uint32_t id, const uint64_t *pcs, uint32_t depth, uint64_t weight,
		 size_t size, uint32_t *id_out)
{
	uint64_t count = size ? (weight + size / 2) / size : 1, h = 0;
	struct ag_stack *s;

	if (id == UINT32_MAX) {
		h = stack_hash(pcs, depth);
		id = tcache_find(h, depth);
	}
	/* A known stack: its free-flow counters are added to atomically,
	 * without the lock (they have no other writer). */
	if (id == UINT32_MAX) {
		lock();
		id = stack_find_or_add(pcs, depth, h);
		unlock();
		if (id == UINT32_MAX) {
			lock();
			return drop(0);
		}
		tcache_put(h, depth, id);
	}
	*id_out = id;
	s = &stacks[id];
	__atomic_fetch_add(&s->ff_bytes, (int64_t)weight, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->ff_count, (int64_t)(count ? count : 1), __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->ff_samples, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->dirty, 1, __ATOMIC_RELAXED);
	return 0;
}

void ag_untrack(void *p)
{
	uintptr_t key = (uintptr_t)p ^ ptr_key;
	uint64_t now;
	uint32_t j, k;

	lock();
	for (j = (uint32_t)mix(key) & (PTR_CAP - 1); ptrs[j].p && ptrs[j].p != key;
	     j = (j + 1) & (PTR_CAP - 1))
		;
	__atomic_store_n(&ag_n.free_hits, ag_n.free_hits + 1, __ATOMIC_RELAXED);
	if (!ptrs[j].p) {
		unlock();
		return;
	}
	/* The clock only once the block is known to be sampled: the filter
	 * lets some unsampled ones through. */
	now = ag_now_ns();
	forget(&ptrs[j], now);
	ag_n.tracked--;
	filter_add((uintptr_t)p, -1);
	/* Backward-shift deletion: no tombstones, so lookups stay short
	 * however long the target runs. */
	for (k = (j + 1) & (PTR_CAP - 1); ptrs[k].p; k = (k + 1) & (PTR_CAP - 1)) {
		uint32_t home = (uint32_t)mix(ptrs[k].p) & (PTR_CAP - 1);

		if (((k - home) & (PTR_CAP - 1)) >= ((k - j) & (PTR_CAP - 1))) {
			ptrs[j] = ptrs[k];
			j = k;
		}
	}
	ptrs[j].p = 0;
	unlock();
}

void ag_scan_oldest(void)
{
	static unsigned calls;
	uint32_t n = ag_stack_count();

	/* Every block tracked (rate 1): megabytes to read, once a second is
	 * enough for ages counted in seconds. */
	if (ag_cfg.rate <= 1 && calls++ % SCAN_EVERY_FULL)
		return;

	for (uint32_t id = 0; id < n; id++)
		oldest[id] = UINT64_MAX;
	/* In chunks, each under the lock so no entry is read half-moved.
	 * An entry shifted back across a chunk border between two chunks
	 * is missed by this scan, at worst (the next one sees it). */
	for (uint32_t at = 0; at < PTR_CAP; at += SCAN_CHUNK) {
		lock();
		for (uint32_t j = at; j < at + SCAN_CHUNK && j < PTR_CAP; j++)
			if (ptrs[j].p && ptrs[j].stack < n && ptrs[j].t < oldest[ptrs[j].stack])
				oldest[ptrs[j].stack] = ptrs[j].t;
		unlock();
	}
	for (uint32_t id = 0; id < n; id++) {
		uint64_t t = oldest[id] == UINT64_MAX ? 0 : oldest[id];

		if (stacks[id].oldest_ns != t) {
			stacks[id].oldest_ns = t;
			__atomic_store_n(&stacks[id].dirty, 1, __ATOMIC_RELAXED);
		}
	}
}

uint32_t ag_blocks_copy(uint32_t *at, struct lt_msg_block *out, uint32_t max,
			uint64_t *key)
{
	uint32_t k = 0, j = *at;

	*key = ptr_key;
	/* Like ag_scan_oldest, in chunks under the lock; an entry moved
	 * across a chunk border meanwhile may be missed or sent twice, which
	 * leaktop tolerates (a candidate less, or one dropped as a double). */
	while (j < PTR_CAP && k < max) {
		lock();
		for (uint32_t end = j + SCAN_CHUNK; j < end && j < PTR_CAP && k < max; j++) {
			const struct ptr_entry *e = &ptrs[j];

			if (!e->p)
				continue;
			out[k].xaddr = e->p;
			out[k].size = e->size;
			out[k].weight = (int64_t)e->weight;
			out[k].t_us = e->t > ag_t0 ? (int64_t)((e->t - ag_t0) / 1000) : 0;
			out[k].stack_id = e->stack;
			out[k].count = (uint32_t)entry_count(e);
			k++;
		}
		unlock();
	}
	*at = j;
	return k;
}

int ag_blocks_done(uint32_t at)
{
	return at >= PTR_CAP;
}

/* Under the lock: fd's (stack, kind) loses it. */
static void fd_forget(int fd)
{
	uint32_t v = fdtab[fd] - 1;
	struct ag_fdsite *f = &fdsites[(v >> 2) * LT_FD_KINDS_ + (v & 3)];

	bump(&f->live, -1);
	__atomic_fetch_or(&stacks[v >> 2].fd_dirty, 1u << (v & 3), __ATOMIC_RELAXED);
	__atomic_store_n(&fdtab[fd], 0, __ATOMIC_RELAXED);
}

int ag_fd_open(int fd, int kind, const uint64_t *pcs, uint32_t depth)
{
	struct ag_fdsite *f;
	uint32_t id;

	if (fd < 0 || kind < 0 || kind >= LT_FD_KINDS_)
		return 0;
	lock();
	if ((uint32_t)fd >= ag_fd_slots ||
	    (id = stack_find_or_add(pcs, depth, stack_hash(pcs, depth))) == UINT32_MAX) {
		ag_n.fd_lost++;
		unlock();
		return -1;
	}
	if (fdtab[fd])
		fd_forget(fd);
	f = &fdsites[id * LT_FD_KINDS_ + (uint32_t)kind];
	bump(&f->live, 1);
	bump(&f->opened, 1);
	__atomic_fetch_or(&stacks[id].fd_dirty, 1u << kind, __ATOMIC_RELAXED);
	__atomic_store_n(&fdtab[fd], ((id << 2) | (uint32_t)kind) + 1, __ATOMIC_RELAXED);
	unlock();
	return 0;
}

void ag_fd_close(int fd)
{
	/* Most closes are of descriptors we did not see created: one load
	 * answers them without the lock. */
	if (fd < 0 || (uint32_t)fd >= ag_fd_slots ||
	    !__atomic_load_n(&fdtab[fd], __ATOMIC_RELAXED))
		return;
	lock();
	if (fdtab[fd])
		fd_forget(fd);
	unlock();
}

int ag_fd_kind(int fd)
{
	uint32_t v;

	if (fd < 0 || (uint32_t)fd >= ag_fd_slots)
		return -1;
	v = __atomic_load_n(&fdtab[fd], __ATOMIC_RELAXED);
	return v ? (int)((v - 1) & 3) : -1;
}

const struct ag_fdsite *ag_fdsite_get(uint32_t id, int kind)
{
	return &fdsites[id * LT_FD_KINDS_ + (uint32_t)kind];
}

uint32_t ag_stack_count(void)
{
	return __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE);
}

struct ag_stack *ag_stack_get(uint32_t id)
{
	return id < ag_stack_count() ? &stacks[id] : NULL;
}

const uint64_t *ag_stack_pcs(const struct ag_stack *s)
{
	return pc_pool + s->pcs_at;
}
