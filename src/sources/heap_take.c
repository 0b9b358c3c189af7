/* The heap collector's hand-over (lt_heap_take): once per tick, the
 * stacks the agent announced, the sites, free sites and descriptor sites
 * whose counters changed, and the agent's last report, as one batch the
 * session symbolizes and gives to the model.  Within a budget: what does
 * not fit waits, first in line, for the next tick. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lt_clock.h"
#include "lt_err.h"
#include "lt_heap_int.h"

/* The fd sites that changed, into h->bfds; returns how many. */
static size_t take_fds(lt_heap *h)
{
	size_t n = h->nfchanged;

	if (n > h->bfcap) {
		h->bfcap = n > 2 * h->bfcap ? n : 2 * h->bfcap;
		h->bfds = lt_xrealloc(h->bfds, h->bfcap * sizeof(*h->bfds));
	}
	size_t k = 0, kept = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t id = h->fchanged[i] / LT_FD_KINDS_;
		int kind = (int)(h->fchanged[i] % LT_FD_KINDS_);
		struct astack *a = &h->st[id];

		/* A stack not handed over yet: its counters wait with it. */
		if (a->fresh) {
			h->fchanged[kept++] = h->fchanged[i];
			continue;
		}
		h->bfds[k++] = (struct lt_heap_fdsite){id, kind, a->fd_live[kind],
						       a->fd_opened[kind]};
		a->fd_changed &= ~(1u << kind);
	}
	h->nfchanged = kept;
	return k;
}

void lt_heap_take(lt_heap *h, struct lt_heap_batch *b)
{
	lt_heap_take_some(h, b, SIZE_MAX, SIZE_MAX);
}

void lt_heap_take_some(lt_heap *h, struct lt_heap_batch *b, size_t max_stacks,
		       size_t max_sites)
{
	size_t nfds, nfrees, nsites = 0, kept = 0, give;

	/* The PCs handed over last time are the consumer's no longer. */
	for (size_t i = 0; i < h->nbstacks; i++) {
		struct astack *a = &h->st[h->bstacks[i].id];

		free(a->pcs);
		a->pcs = NULL;
	}
	give = h->nfresh < max_stacks ? h->nfresh : max_stacks;
	if (give > h->bscap) {
		h->bscap = give > 2 * h->bscap ? give : 2 * h->bscap;
		h->bstacks = lt_xrealloc(h->bstacks, h->bscap * sizeof(*h->bstacks));
	}
	for (size_t i = 0; i < give; i++) {
		struct astack *a = &h->st[h->fresh[i]];

		h->bstacks[i] = (struct lt_heap_stack){h->fresh[i], a->pcs, a->depth};
		a->fresh = 0;
	}
	h->nbstacks = give;
	/* The rest wait for the next batch, in the order they came. */
	memmove(h->fresh, h->fresh + give, (h->nfresh - give) * sizeof(*h->fresh));
	h->nfresh -= give;
	if (h->nchanged > h->bcap) {
		h->bcap = h->nchanged > 2 * h->bcap ? h->nchanged : 2 * h->bcap;
		h->batch = lt_xrealloc(h->batch, h->bcap * sizeof(*h->batch));
	}
	for (size_t i = 0; i < h->nchanged; i++) {
		struct astack *a = &h->st[h->changed[i]];

		/* Over the budget, or its stack not handed over yet: kept,
		 * first in line for the next batch (its latest counters go
		 * then; nothing is lost, it is late). */
		if (a->fresh || nsites >= max_sites) {
			h->changed[kept++] = h->changed[i];
			continue;
		}
		h->batch[nsites] = a->v;
		h->batch[nsites].id = h->changed[i];
		h->batch[nsites].oldest_live_mono = a->oldest_us < 0 || !h->clock_mapped ? 0 :
			h->agent_t0 + (double)a->oldest_us / 1e6;
		nsites++;
		a->changed = 0;
	}
	h->nchanged = kept;
	nfds = take_fds(h);
	if (h->nffchanged > h->bffcap) {
		h->bffcap = h->nffchanged > 2 * h->bffcap ? h->nffchanged : 2 * h->bffcap;
		h->bfrees = lt_xrealloc(h->bfrees, h->bffcap * sizeof(*h->bfrees));
	}
	nfrees = 0;
	kept = 0;
	for (size_t i = 0; i < h->nffchanged; i++) {
		struct astack *a = &h->st[h->ffchanged[i]];

		if (a->fresh) {
			h->ffchanged[kept++] = h->ffchanged[i];
			continue;
		}
		h->bfrees[nfrees] = a->f;
		h->bfrees[nfrees++].id = h->ffchanged[i];
		a->ffchanged = 0;
	}
	h->nffchanged = kept;
	*b = (struct lt_heap_batch){
		.stacks = h->bstacks, .nstacks = h->nbstacks,
		.sites = h->batch, .n = nsites,
		.fds = h->bfds, .nfds = nfds,
		.frees = h->bfrees, .nfrees = nfrees,
		.sample_rate = h->hello ? h->hi.sample_rate : 0,
		.maps_changed = h->refresh,
		.samples = h->last_tick.samples,
		.tracked = h->last_tick.tracked,
		.dropped = h->last_tick.dropped,
		.report_time = (double)h->last_tick.now_us / 1e6,
		.fd_lost = h->last_tick.fd_lost,
		.cost = {
			.reports = h->ticks,
			.sample_ns = h->last_tick.sample_ns,
			.free_hits = h->last_tick.free_hits,
			.lock_waits = h->last_tick.lock_waits,
			.dropped_bytes = h->last_tick.dropped_bytes,
			.cpu_ns = h->last_tick.cpu_ns,
			.agent_cpu_ns = h->last_tick.agent_cpu_ns,
			.ptr_cap = h->last_tick.ptr_cap,
			.grows = h->last_tick.grows,
			.reused = h->last_tick.reused,
		},
		.deferred = h->nfresh,
		.deferred_sites = h->nchanged,
	};
	/* Not once the agent is gone: the figures end there, and the
	 * session says why. */
	if (h->clock_mapped && h->ticks && !h->dead && !h->bye) {
		double late = lt_clock_mono() - h->agent_t0 - b->report_time;

		b->behind = late > LT_HEAP_BEHIND_S ? late : 0;
	}
	h->refresh = 0;
}
