/* The heap agent's sampled blocks, gathered from its BLOCKS messages into
 * one list per ask: the candidates of a reachability scan (lt_reach.h).
 * Part of the heap collector (heap.c feeds it); a plain growing array. */
#ifndef LT_HEAPBLK_H
#define LT_HEAPBLK_H

#include <stddef.h>
#include <stdint.h>

#include "lt_agentmsg.h"

/* Blocks of one answer kept at most: four times what the agent's table
 * can hold (2^18 slots); an agent that sends more is not believed
 * further, its memory use bounded. */
#define LT_HEAPBLK_MAX (1u << 20)

/* One sampled block live when the agent answered. */
struct lt_heap_block {
	uint64_t addr;          /* the address malloc returned */
	uint64_t size;          /* bytes asked for */
	int64_t weight, count;  /* bytes and allocations it stands for */
	double alloc_mono;      /* CLOCK_MONOTONIC seconds of its allocation,
				   never earlier than it was */
	uint32_t stack_id;      /* the agent's stack id */
};

struct lt_heapblk {
	uint32_t asked;         /* asks sent */
	int ready;              /* the answer to the last ask is whole */
	struct lt_heap_block *b;
	size_t n, cap;
	/* The agent's own memory, [lo, hi) twice (its tables, its message
	 * buffer): no root of the target's, left out of a scan. */
	uint64_t agent_mem[2][2];
};

/* Starts a new list: the answer to ask number asked + 1.  Can't fail. */
void lt_heapblk_ask(struct lt_heapblk *k);

/* Adds BLOCKS message m.  t0 is CLOCK_MONOTONIC seconds of the agent's
 * clock zero (its first report mapped onto ours); known(id) tells an
 * announced stack.  Parts of an older ask, blocks of stacks not
 * announced and blocks beyond LT_HEAPBLK_MAX are dropped.  Can't fail. */
void lt_heapblk_add(struct lt_heapblk *k, const struct lt_agentmsg *m,
		    double t0, int (*known)(void *ctx, uint32_t id), void *ctx);

void lt_heapblk_free(struct lt_heapblk *k);  /* zeroes it */

#endif
