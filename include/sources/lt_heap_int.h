/* The heap collector's state, shared by heap.c (the socket and the
 * agent's messages) and heap_take.c (the hand-over of what changed, once
 * per tick).  Private to those two files. */
#ifndef LT_HEAP_INT_H
#define LT_HEAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lt_agentmsg.h"
#include "lt_heap.h"
#include "lt_heapblk.h"

struct astack {
	uint64_t *pcs;          /* NULL once handed over, or not announced */
	uint32_t depth;         /* 0: not announced */
	struct lt_heap_site v;  /* latest counters */
	int64_t oldest_us;      /* agent clock of its oldest live sample, -1 */
	int changed;            /* in h->changed */
	struct lt_heap_freesite f; /* latest free-flow counters */
	int ffchanged;          /* in h->ffchanged */
	int fresh;              /* in h->fresh: announced, not handed over */
	unsigned fd_changed;    /* bit per kind: in h->fchanged */
	int64_t fd_live[LT_FD_KINDS_], fd_opened[LT_FD_KINDS_];
};

struct lt_heap {
	struct lt_heap_opts o;
	int lfd, fd;
	char *path;             /* ours, to unlink */
	char *target_path;      /* as the target sees it */
	char *agent;            /* the agent file */
	lt_agentmsg_reader *rd;
	struct lt_agentmsg msg;
	int hello, bye, dead;
	struct lt_msg_hello hi;
	struct astack *st;
	size_t nst;             /* entries of st (max id + 1) */
	size_t announced;       /* STACK messages taken */
	uint32_t *changed;
	size_t nchanged, ccap;
	uint32_t *ffchanged;    /* stacks whose free flow changed */
	size_t nffchanged, ffccap;
	struct lt_heap_freesite *bfrees;
	size_t bffcap;
	uint32_t *fresh;        /* stacks announced since the last batch */
	size_t nfresh, fcap;
	struct lt_heap_site *batch; /* what lt_heap_take handed over last */
	size_t bcap;
	struct lt_heap_stack *bstacks;
	size_t bscap, nbstacks;
	uint32_t *fchanged;     /* fd sites changed: id * LT_FD_KINDS_ + kind */
	size_t nfchanged, fccap;
	struct lt_heap_fdsite *bfds;
	size_t bfcap;
	struct lt_msg_tick last_tick;
	/* The agent's clock (microseconds since its start) on ours, fixed at
	 * its first report so that converted times do not jitter with the
	 * socket's delay. */
	double agent_t0;
	int clock_mapped;
	uint64_t dlopens, ticks;
	int refresh;
	unsigned rejected;
	struct lt_heapblk blk;  /* sampled blocks, when asked */
	char why[400];
};

#endif
