/* Sampled blocks from the agent's BLOCKS messages (lt_heapblk.h). */
#include "lt_heapblk.h"

#include <stdlib.h>
#include <string.h>

/* The agent's clock is CLOCK_MONOTONIC_COARSE: a sample's time may be a
 * tick (up to 4 ms) before the allocation.  Times are pushed this much
 * later, so a block is never taken as older than it is. */
#define COARSE_S 0.010

void lt_heapblk_ask(struct lt_heapblk *k)
{
	k->asked++;
	k->ready = 0;
	k->n = 0;
}

void lt_heapblk_add(struct lt_heapblk *k, const struct lt_agentmsg *m,
		    double t0, int (*known)(void *ctx, uint32_t id), void *ctx)
{
	if (m->blocks.ask != k->asked || k->ready)
		return;
	for (size_t i = 0; i < m->blocks.n; i++) {
		struct lt_msg_block r;

		lt_agentmsg_block(m, i, &r);
		if (!known(ctx, r.stack_id) || k->n >= LT_HEAPBLK_MAX)
			continue;
		if (k->n == k->cap) {
			k->cap = k->cap ? k->cap * 2 : 1024;
			k->b = lt_xrealloc(k->b, k->cap * sizeof(*k->b));
		}
		k->b[k->n++] = (struct lt_heap_block){
			.addr = r.xaddr, .size = r.size, .weight = r.weight,
			.count = r.count, .stack_id = r.stack_id,
			.alloc_mono = t0 + (double)r.t_us / 1e6 + COARSE_S,
		};
	}
	k->agent_mem[0][0] = m->blocks.tables_lo;
	k->agent_mem[0][1] = m->blocks.tables_hi;
	k->agent_mem[1][0] = m->blocks.buf_lo;
	k->agent_mem[1][1] = m->blocks.buf_hi;
	if (m->blocks.last)
		k->ready = 1;
}

void lt_heapblk_free(struct lt_heapblk *k)
{
	free(k->b);
	memset(k, 0, sizeof(*k));
}
