/* Glue from sources to the model: turns what a sampler captured (raw PCs,
 * thread states) into the model's frames, stacks and groups.  Symbolizing
 * happens here, after the sampler has let every thread run again. */
#ifndef LT_COLLECT_H
#define LT_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "lt_goread.h"
#include "lt_heap.h"
#include "lt_pprof.h"
#include "lt_model.h"
#include "lt_symbols.h"
#include "lt_threads.h"

/* Frames one stack can have: the longer of the two sources' stacks. */
#define LT_COLLECT_MAX_FRAMES 256

/* Interns the stack of pcs[0..n) (innermost first; n is capped at
 * LT_COLLECT_MAX_FRAMES) in m's stack table, symbolizing PCs not seen
 * before with sym (NULL: bare addresses).  Bit k of activations says pcs[k]
 * is where the code is (the innermost frame of a stopped thread) rather
 * than a return address, which is looked up at pc - 1.  Returns the stack
 * index, LT_NONE for n 0.  This function can't fail. */
size_t lt_collect_stack(lt_model *m, lt_symbols *sym, const uint64_t *pcs,
			size_t n, uint64_t activations);

/* Adds one thread sample taken at t (seconds since the session start) to
 * m's thread groups, symbolizing PCs not seen before with sym (which may be
 * NULL: frames are then kept as bare addresses).  Threads whose stack is
 * stale (not reached this tick) are grouped by their last known stack;
 * threads never reached yet are in no group, counted in the sample's
 * unseen (lt_tgroups: such a sample is left out of the trends).
 * Thread skip (leaktop's own agent thread; 0 none) is left out.  This
 * function can't fail. */
void lt_collect_threads(lt_model *m, lt_symbols *sym,
			const struct lt_thread_tick *tt, double t, pid_t skip);

/* Adds one goroutine sample taken at t to m's goroutine groups
 * (lt_model_goroutines): grouped by stack, status and wait reason, named
 * by the function and line of the go statement that created them.  The
 * sample's max_stop_ns holds the time the read took (nothing is stopped),
 * skipped the goroutines dropped as torn or invalid.  This function can't
 * fail. */
/* Enters frames named by a pprof profile into m's frame table (those it
 * has already are left as they are), so the stacks that follow find them
 * by PC. */
void lt_collect_frames(lt_model *m, const struct lt_pprof_frame *f, size_t n);

void lt_collect_goroutines(lt_model *m, lt_symbols *sym,
			   const struct lt_goroutine_tick *gt, double t);

/* The model's stack of each agent stack id, filled as heap batches name
 * new stacks.  Zero-initialise; lt_collect_heapmap_free releases it. */
struct lt_collect_heapmap {
	size_t *stack;          /* by agent stack id; LT_NONE: not seen */
	size_t n;
};
void lt_collect_heapmap_free(struct lt_collect_heapmap *map);

/* Adds one heap batch taken at t (session seconds; the session started at
 * CLOCK_MONOTONIC second t0) to m's allocation, free-flow and descriptor
 * sites: stacks the batch names for the first time are interned
 * (symbolized with sym, which may be NULL) and remembered in map; sites
 * whose stack was never named are dropped.  This function can't fail. */
void lt_collect_heap(lt_model *m, lt_symbols *sym, struct lt_collect_heapmap *map,
		     const struct lt_heap_batch *b, double t, double t0);

/* A Go heap profile's batch b (runtime.mbuckets or /debug/pprof/heap)
 * into m's heap sites at t, in the same heap sample as the agent's batch
 * of that tick when there is one (a cgo program has both); map is the Go
 * heap's own (its stack ids are not the agent's). */
void lt_collect_goheap(lt_model *m, lt_symbols *sym, struct lt_collect_heapmap *map,
		       const struct lt_heap_batch *b, double t);

#endif
