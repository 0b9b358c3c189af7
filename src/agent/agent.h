/* Internals of the heap agent (liblt-agent.so), shared by its files.
 *
 * The agent runs inside the target: nothing here may allocate through the
 * hooks it installs (tables live in mmap'd memory), take a lock a hooked
 * thread could hold, or leave a hook active once it stops. */
#ifndef LT_AGENT_H
#define LT_AGENT_H

#include <stddef.h>
#include <stdint.h>

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

/* 1 while sampling; hooks pass straight through when 0. */
extern volatile int ag_active AG_HIDDEN;
/* Threads inside the sampling slow path: stopping waits for 0 so tables
 * can be reset safely before a restart. */
extern int ag_inflight AG_HIDDEN;

struct ag_config {
	char sock[108];
	uint64_t rate;
	unsigned depth;
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

/* ---- tables.c: sampled pointers and stacks ---- */
struct ag_stack {
	uint64_t hash;
	uint32_t depth;
	uint32_t ready;          /* pcs written (release/acquire) */
	uint64_t pcs_at;         /* index into the pc pool */
	int64_t live_bytes, live_count, alloc_bytes, alloc_count;
	uint32_t dirty;          /* changed since the last report */
	uint32_t pad;
};
int ag_tables_init(void) AG_HIDDEN;        /* 0, or -1: mmap failed */
void ag_tables_reset(void) AG_HIDDEN;      /* only while no hook runs */
/* Records a sampled block; returns 0 or -1 (table full: dropped). */
int ag_track(void *p, const uint64_t *pcs, uint32_t depth,
	     uint64_t weight, size_t size) AG_HIDDEN;
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
/* Forgets p if it was sampled, taking its weight off its stack. */
void ag_untrack(void *p) AG_HIDDEN;
uint32_t ag_stack_count(void) AG_HIDDEN;
struct ag_stack *ag_stack_get(uint32_t id) AG_HIDDEN;
const uint64_t *ag_stack_pcs(const struct ag_stack *s) AG_HIDDEN;
extern uint64_t ag_samples, ag_tracked, ag_dropped AG_HIDDEN;

#endif
