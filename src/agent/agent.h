/* Internals of the heap agent (liblt-agent.so), shared by its files.
 *
 * The agent runs inside the target: nothing here may allocate through the
 * hooks it installs (tables live in mmap'd memory), take a lock a hooked
 * thread could hold, or leave a hook active once it stops. */
#ifndef LT_AGENT_H
#define LT_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <malloc.h>

#include "lt_agent_proto.h"

#define AG_HIDDEN __attribute__((visibility("hidden")))

/* The real allocator, as the agent's own GOT resolved it (libc, or an
 * allocator preloaded before the agent). */
struct ag_real {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*reallocarray)(void *, size_t, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	void *(*dlopen)(const char *, int);
	int (*dlclose)(void *);
};

extern struct ag_real ag_real AG_HIDDEN;

/* 1 while sampling.  The hooks' path does not read it: their slow path
 * does, and passes through when 0. */
extern volatile int ag_active AG_HIDDEN;

/* A variable the slow path writes gets a cache line of its own (the
 * alignment rounds its size up to 64 bytes too): the hooks of every
 * thread read ag_real, ag_filter, ag_ff_mode and the countdowns' base on
 * each call, and a line they share with a counter would move between the
 * cores at each sample of any thread. */
#define AG_LINE __attribute__((aligned(64)))

/* Threads inside the sampling slow path, counted in stripes of a line
 * each, a thread always in the same one: stopping waits until every
 * stripe is 0, so tables can be reset safely before a restart, and two
 * threads sampling at once seldom write the same line. */
#define AG_STRIPES 16
struct ag_stripe {
	int n;
} AG_LINE;
extern struct ag_stripe ag_inflight[AG_STRIPES] AG_HIDDEN;

/* A thread's state on the hooks' path, in one thread-local struct: its
 * fields are reached through one GOT entry (the initial-exec TLS offset)
 * instead of one each. */
struct ag_thread {
	int guard;                /* inside the agent: hooks pass through */
	uint32_t gen, fgen;       /* start the countdowns were drawn in */
	uint32_t cost_turn;       /* samples, for timing one in COST_EVERY */
	int64_t countdown;        /* bytes until the next sample */
	int64_t fcountdown;       /* usable bytes freed until the next free
				     sample (the free flow) */
};
extern __thread struct ag_thread ag_thr AG_HIDDEN;
#define ag_guard (ag_thr.guard)

/* A thread's stripe, from where its ag_guard lives (every thread's at
 * an address of its own). */
static inline struct ag_stripe *ag_my_stripe(void)
{
	return &ag_inflight[((uintptr_t)&ag_guard * 0x9e3779b97f4a7c15ULL) >> 60];
}

/* Entering and leaving the slow path.  Sequentially consistent: either
 * the stopping thread sees the stripe counted, or this one sees
 * ag_active cleared. */
static inline void ag_enter(void)
{
	__atomic_fetch_add(&ag_my_stripe()->n, 1, __ATOMIC_SEQ_CST);
}

static inline void ag_leave(void)
{
	__atomic_fetch_sub(&ag_my_stripe()->n, 1, __ATOMIC_SEQ_CST);
}

/* 1 while any thread is inside the slow path. */
static inline int ag_inflight_any(void)
{
	for (int i = 0; i < AG_STRIPES; i++)
		if (__atomic_load_n(&ag_inflight[i].n, __ATOMIC_SEQ_CST))
			return 1;
	return 0;
}

struct ag_config {
	char sock[108];
	uint64_t rate;
	unsigned depth;
	int free_flow;           /* sample frees by bytes too (freeflow=0: no) */
};
extern struct ag_config ag_cfg AG_HIDDEN;

/* ---- got.c: interception ---- */
/* Patches every loaded object not patched yet; returns slots patched by
 * this call.  Serialised internally. */
int ag_got_patch_all(void) AG_HIDDEN;
/* Restores every slot it changed (objects dlclose'd since are skipped). */
void ag_got_restore_all(void) AG_HIDDEN;
/* Forgets slots in objects no longer loaded (after a dlclose). */
void ag_got_forget_unloaded(void) AG_HIDDEN;
void ag_got_counts(uint32_t *objects, uint32_t *slots) AG_HIDDEN;
extern uint64_t ag_dlopens AG_HIDDEN;

/* ---- hooks.c: the hook functions and sampling ---- */
void *ag_hook_for(const char *name) AG_HIDDEN; /* NULL: not hooked */
int ag_unwind_init(char *name, size_t len) AG_HIDDEN;
void ag_real_init(void) AG_HIDDEN;
/* A new start: every thread draws a fresh countdown. */
void ag_new_start(void) AG_HIDDEN;
typedef int (*ag_backtrace_fn)(void **, int);
extern ag_backtrace_fn ag_unwind AG_HIDDEN;  /* unw_backtrace or backtrace */

/* Unwinds the calling thread into pcs (LT_AGENT_MAX_DEPTH + 8 entries),
 * cut so that pcs[*from] is ret, the hook's return address: the agent's
 * own frames never reach leaktop.  Returns the depth from *from (>= 1,
 * <= ag_cfg.depth); *truncated is 1 when the stack went on beyond it, 0
 * when it ended there, -1 when the unwinder did not find the hook's
 * caller (the stack is the caller alone).  Always inlined: a frame of its own would be one more
 * for the unwinder on every sample. */
static inline __attribute__((always_inline)) uint32_t
ag_capture(uint64_t *pcs, void *ret, uint32_t *from_out, int *truncated)
{
	void **buf = (void **)pcs;
	int n, from = -1, want = (int)ag_cfg.depth + 4;

	if (want > LT_AGENT_MAX_DEPTH + 8)
		want = LT_AGENT_MAX_DEPTH + 8;
	n = ag_unwind ? ag_unwind(buf, want) : 0;
	*truncated = n == want;
	/* Start at the hook's caller: the frames above it are the agent's.
	 * Without it among the first frames, the caller alone. */
	for (int i = 0; i < n && i < 8; i++)
		if (buf[i] == ret) {
			from = i;
			break;
		}
	if (from < 0) {
		pcs[0] = (uint64_t)(uintptr_t)ret;
		from = 0;
		*from_out = 0;
		*truncated = -1;
		return 1;
	}
	if (n - from > (int)ag_cfg.depth) {
		n = from + (int)ag_cfg.depth;
		*truncated = 1;
	}
	*from_out = (uint32_t)from;
	return (uint32_t)(n - from);
}
/* ---- stackcache.c: stacks a thread meets again, without unwinding ---- */
/* Takes libunwind's cursor functions from its handle; without them (or
 * off x86_64) nothing is ever learned. */
void ag_sc_init(void *libunwind) AG_HIDDEN;
/* The stack id of the call the hook's caller made with return address
 * ret and stack pointer cfa (the hook's CFA), when this thread learned it
 * in this tables' generation; else UINT32_MAX. */
uint32_t ag_sc_find(uint64_t ret, uint64_t cfa) AG_HIDDEN;
/* After a sample of that call unwound to pcs (depth frames, cut short
 * when truncated) with stack id: learns it when met twice in a row. */
void ag_sc_learn(uint64_t ret, uint64_t cfa, const uint64_t *pcs, uint32_t depth,
		 int truncated, uint32_t id) AG_HIDDEN;
/* Samples since the start whose stack was known without an unwind; a new
 * start sets it back to 0 (only while no hook runs). */
uint64_t ag_sc_reused(void) AG_HIDDEN;
void ag_sc_reset(void) AG_HIDDEN;

/* The agent's clock: CLOCK_MONOTONIC in ns, and its value at this start. */
uint64_t ag_now_ns(void) AG_HIDDEN;
extern uint64_t ag_t0 AG_HIDDEN;

/* 1 when the allocator is glibc's own: a block's usable size is then in
 * the size word before it, read inline on every free instead of a call
 * to malloc_usable_size (which also reads the next chunk's header). */
extern int ag_glibc_chunks AG_HIDDEN;

/* How a free counts toward the free flow in this start: not at all
 * (AG_FF_OFF), the size read inline on the hook's path (AG_FF_INLINE,
 * glibc's chunks), or out of line by malloc_usable_size (AG_FF_CALL). */
enum { AG_FF_OFF, AG_FF_INLINE, AG_FF_CALL };
extern int ag_ff_mode AG_HIDDEN;

/* Only when ag_glibc_chunks. */
static inline size_t ag_glibc_usable_size(void *p)
{
	size_t word = ((const size_t *)p)[-1], size = word & ~(size_t)7;

	/* An mmapped chunk (bit 2) has a header of two words, any other
	 * one word of its size (the next chunk's prev_size is the block's
	 * while it is in use), as glibc's musable. */
	return word & 2 ? size - 2 * sizeof(size_t) : size - sizeof(size_t);
}

static inline size_t ag_usable_size(void *p)
{
	return ag_glibc_chunks ? ag_glibc_usable_size(p) : malloc_usable_size(p);
}

/* ---- fdhooks.c: descriptor-creating calls and close ---- */
void *ag_fd_hook_for(const char *name) AG_HIDDEN; /* NULL: not one */
void ag_fd_real_init(void) AG_HIDDEN;

/* ---- tables.c: sampled pointers and stacks ---- */
struct ag_stack {
	uint64_t hash;
	uint32_t depth;
	uint32_t ready;          /* pcs written (release/acquire) */
	uint64_t pcs_at;         /* index into the pc pool */
	int64_t live_bytes, live_count, alloc_bytes, alloc_count;
	int64_t free_bytes, free_count;   /* sampled blocks freed, weighted */
	int64_t samples, samples_freed;   /* raw */
	uint64_t freed_age_ns;            /* ages at free, summed */
	int64_t alloc_ubytes;             /* weighted, in usable bytes */
	int64_t ff_bytes, ff_count, ff_samples; /* free flow (as a free's stack) */
	uint64_t oldest_ns;      /* reporter's: oldest live sample's time as
				    last reported, 0 none */
	uint32_t dirty;          /* changed since the last report */
	uint32_t fd_dirty;       /* bit per enum lt_fd_kind: fd site changed */
};

/* Descriptors of one (stack, kind). */
struct ag_fdsite {
	int64_t live, opened;
};
int ag_tables_init(void) AG_HIDDEN;        /* 0, or -1: mmap failed */
void ag_tables_reset(void) AG_HIDDEN;      /* only while no hook runs */
/* Records a sampled block under stack id (when not UINT32_MAX: an id of
 * this generation) or else the stack pcs, whose id goes to *id_out;
 * returns 0 or -1 (tables full and not grown: dropped, counted in
 * ag_n.dropped and ag_n.dropped_bytes). */
int ag_track(void *p, uint32_t id, const uint64_t *pcs, uint32_t depth,
	     uint64_t weight, size_t size, uint32_t *id_out) AG_HIDDEN;
/* Counts a free sampled by bytes (usable size `size`, weight `weight`)
 * under the stack of the free call; 0, or -1 when the stack table is
 * full. */
int ag_free_flow(uint32_t id, const uint64_t *pcs, uint32_t depth, uint64_t weight,
		 size_t size, uint32_t *id_out) AG_HIDDEN;
/* Bumped by each reset of the tables: stack ids of another generation
 * mean nothing. */
uint32_t ag_table_gen(void) AG_HIDDEN;
/* The counting filter in front of the sampled-pointer table (tables.c),
 * read inline on every free. */
#define AG_FILTER_BITS 14
extern uint8_t *ag_filter AG_HIDDEN;

/* Fibonacci hashing of the address without its alignment bits. */
static inline uint32_t ag_filter_slot(uintptr_t p)
{
	return (uint32_t)(((uint64_t)p >> 4) * 0x9e3779b97f4a7c15ULL >> (64 - AG_FILTER_BITS));
}

/* 0 when p was certainly not sampled. */
static inline int ag_maybe_tracked(const void *p)
{
	return __atomic_load_n(&ag_filter[ag_filter_slot((uintptr_t)p)], __ATOMIC_RELAXED) != 0;
}
/* Forgets p if it was sampled, taking its weight off its stack.  Called
 * only once ag_maybe_tracked(p) said it may be. */
void ag_untrack(void *p) AG_HIDDEN;
/* The reporter's scan of the sampled-pointer table: marks dirty every
 * stack whose oldest live sample changed (oldest_ns). */
void ag_scan_oldest(void) AG_HIDDEN;
/* Copies the sampled blocks from table slot *at on into out[0..max), the
 * addresses left XOR-ed with the table's key (set in *key); advances *at.
 * Returns how many; ag_blocks_done(*at) says the table has been read. */
uint32_t ag_blocks_copy(uint32_t *at, struct lt_msg_block *out, uint32_t max,
			uint64_t *key) AG_HIDDEN;
int ag_blocks_done(uint32_t at) AG_HIDDEN;
/* The one mapping that holds every table, [*lo, *hi). */
void ag_tables_range(uint64_t *lo, uint64_t *hi) AG_HIDDEN;
uint32_t ag_stack_count(void) AG_HIDDEN;
struct ag_stack *ag_stack_get(uint32_t id) AG_HIDDEN;
const uint64_t *ag_stack_pcs(const struct ag_stack *s) AG_HIDDEN;
/* The agent's counts, cost and losses (lt_msg_tick), written under the
 * tables' lock (fd_lost too), read by the reporter without it. */
struct ag_counts {
	uint64_t samples, tracked, dropped, free_hits, lock_waits, dropped_bytes,
		grows, fd_lost;
} AG_LINE;
extern struct ag_counts ag_n AG_HIDDEN;
/* Time in the sampled paths (hooks.c, atomic adds), on a line of its
 * own. */
struct ag_cost {
	uint64_t ns;
} AG_LINE;
extern struct ag_cost ag_sample_cost AG_HIDDEN;
/* Entries of the sampled-block table now (it grows). */
uint32_t ag_ptr_cap(void) AG_HIDDEN;

/* Descriptors (fd sites).  The fd table maps a descriptor number below
 * ag_fd_slots to the (stack, kind) that created it. */
/* Records fd as created by the stack pcs; 0, or -1 when not followed
 * (counted in ag_n.fd_lost).  A descriptor already in the table was closed
 * behind our back (fclose, close_range): its old site loses it first. */
int ag_fd_open(int fd, int kind, const uint64_t *pcs, uint32_t depth) AG_HIDDEN;
/* Forgets fd if it was recorded; descriptors from before the start are
 * not, and are ignored. */
void ag_fd_close(int fd) AG_HIDDEN;
/* The kind recorded for fd, or -1. */
int ag_fd_kind(int fd) AG_HIDDEN;
const struct ag_fdsite *ag_fdsite_get(uint32_t id, int kind) AG_HIDDEN;
extern uint32_t ag_fd_slots AG_HIDDEN;

#endif
