/* A Go program's own heap profile, read from outside: runtime.mbuckets,
 * what its /debug/pprof/heap would serve, as heap sites.
 *
 * The Go runtime samples its allocations (one per runtime.MemProfileRate
 * bytes on average, 512 KiB by default) and keeps, per allocation stack, a
 * bucket with the counts and bytes allocated and freed, published at the
 * end of each GC cycle.  This reader walks that list through the Go
 * reader's memory access (lt_goread: nothing is stopped or written),
 * validating every bucket pointer, stack length, PC and counter, and hands
 * the session the same plain batch the heap agent does
 * (struct lt_heap_batch), with the counts weighted as pprof weights them.
 * Figures are as of the mark of the target's last GC: the published
 * counts (memRecord.active, one GC behind after an ordinary GC) plus the
 * cycle the runtime has counted but not yet published (goheap.c,
 * cycle_slot); allocations since are left for the next GC.  A program
 * that never runs a GC shows none. */
#ifndef LT_GOHEAP_H
#define LT_GOHEAP_H

#include "lt_err.h"
#include "lt_goread.h"
#include "lt_heap.h"

typedef struct lt_goheap lt_goheap;

/* A heap profile reader over r (which must outlive it), or NULL with
 * LT_EXIT_TARGET when the binary's DWARF lacks runtime.mbuckets or the
 * bucket structs. */
lt_goheap *lt_goheap_new(lt_goread *r, lt_err *err);

/* Reads the buckets into *out: stacks new since the last call, and every
 * bucket whose counters changed (ids are the reader's own, stable for the
 * session).  Arrays are owned by h until the next call.  A bucket that is
 * invalid or changes while read is left out this time.  Returns 0, or -1
 * with LT_EXIT_TARGET when the process is gone (out is then empty). */
int lt_goheap_sample(lt_goheap *h, struct lt_heap_batch *out, lt_err *err);

/* Sampling rate read from runtime.MemProfileRate (bytes; 0 unknown). */
uint64_t lt_goheap_rate(const lt_goheap *h);

void lt_goheap_free(lt_goheap *h); /* NULL-safe */

#endif
