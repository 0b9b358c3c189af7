/* Inside the reachability scan: the state one scan keeps, shared by
 * reach.c (the driver, threads) and reach_mark.c (roots, marking, classes).
 * Not for other modules: use lt_reach.h. */
#ifndef LT_REACH_INT_H
#define LT_REACH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_glibc_heap.h"
#include "lt_ptrace.h"
#include "lt_reach.h"
#include "lt_tmem.h"

struct lt_reach_thread {
	pid_t tid;
	int have_regs;
	uint64_t regs[LT_PTRACE_NREGS];
	uint64_t stack_lo;      /* where stack was copied from */
	char *stack;            /* copied while it was stopped, or NULL */
	size_t stack_len;
};

/* A hole (chunk free when walked) as re-walked now. */
struct reach_hole {
	int state;                  /* 0 not yet, 1 walked, -1 failed */
	struct lt_gh_chunk *chunks; /* overlapping it now, in order */
	size_t n;
};

/* A root word w pointing into block i, waiting for its check. */
struct reach_pend {
	size_t i;
	uint64_t w;
};

struct lt_reach_state {
	pid_t pid;
	enum lt_reach_stop stop;
	const struct lt_reach_range *exclude; /* no roots (opts) */
	size_t nexclude;
	int64_t stop_timeout_ns;
	int64_t pause_cap_ns;   /* < 0: none */
	struct lt_ptrace_stop *held; /* threads kept stopped (ROOTS, WORLD) */
	size_t nheld, capheld;
	int64_t held_since;     /* when the first of them was stopped */
	char pause_note[120];   /* set when the cap let them go early */
	lt_tmem *mem;
	struct lt_tmem_map *maps;
	size_t nmaps;
	long *cover;            /* per map: thread whose stack copy covers
				   it, -1 none, -2 several (scan it whole) */
	struct lt_glibc_heap heap;
	unsigned char *mark;    /* per block: enum in reach_mark.c */
	uint32_t *owner;        /* per block, while classing */
	size_t *work;           /* the worklist of block indexes */
	size_t nwork, capwork;
	size_t *spare;          /* the other half of work, for rounds */
	size_t capspare;
	size_t *local;          /* blocks marked that buf holds whole */
	size_t nlocal, caplocal;
	uint64_t buf_lo, buf_hi;/* what buf holds while a group is scanned */
	uint64_t nb[2];         /* bytes read below and above a group */
	struct lt_gh_block *newb; /* blocks carved from free chunks since
				     the walk, found through pointers */
	size_t nnew, capnew, newdone;
	uint64_t *newset;       /* their addresses, hashed */
	size_t newset_n, newset_cap;
	struct reach_hole *segwalk; /* per segment, when re-walked whole */
	int validate;           /* check that blocks roots point to are
				   still the chunks walked (roots read
				   after the walk, the process running) */
	struct reach_pend *pend; /* root words waiting for lt_reach_flush */
	size_t npend, cappend;
	uint64_t seg_rewalks;
	uint64_t rewalks;       /* pointers into free or changed chunks */
	uint64_t unresolved;    /* of them, ones whose chunk we could not
				   find: no proof then */
	struct lt_reach_thread *threads;
	size_t nthreads, capthreads;
	char regs_note[128];    /* why registers are missing; "" if none */
	uint64_t root_bytes, block_bytes, unreadable, reachable;
	uint64_t bad[16];       /* root addresses that could not be read */
	size_t nbad;
	int64_t max_stop_ns, total_stop_ns;
	char *buf;              /* batch buffer */
};

/* Adds thread tid (zeroed) and returns it; valid until the next add. */
struct lt_reach_thread *lt_reach_thread_add(struct lt_reach_state *s, pid_t tid);

/* The thread tid, or NULL. */
struct lt_reach_thread *lt_reach_thread_find(struct lt_reach_state *s, pid_t tid);

/* For a thread stopped right now with its registers read: copies its stack
 * from the stack pointer less the red zone to the end of its mapping, when
 * that mapping is a stack (the [stack] or one above a guard page); other
 * mappings are left to the roots, read whole. */
void lt_reach_thread_stack(struct lt_reach_state *s, struct lt_reach_thread *th);

/* Checks, in a few system calls, that the blocks the roots scanned since
 * the last flush point to are still the chunks walked; marks them, or
 * resolves the words into changed ones again (uncertain_ref). */
void lt_reach_flush(struct lt_reach_state *s);

/* Counts [lo, hi) of the roots as unreadable, and remembers lo. */
void lt_reach_unreadable(struct lt_reach_state *s, uint64_t lo, uint64_t hi);

/* Lets every held thread go and counts their pauses.  Can't fail. */
void lt_reach_release(struct lt_reach_state *s);

/* Counts the pause of st (detached) into the stats. */
void lt_reach_count_stop(struct lt_reach_state *s, const struct lt_ptrace_stop *st);

/* Allocates the marks once the heap is walked. */
void lt_reach_alloc_marks(struct lt_reach_state *s);

/* Marks from the threads' registers and copied stacks. */
void lt_reach_scan_threads(struct lt_reach_state *s);

/* Marks from every other root mapping. */
void lt_reach_scan_roots(struct lt_reach_state *s);

/* Scans the blocks allocated since the walk that pointers led to (and
 * those they lead to), until max_bytes of them are read: in ROOTS mode
 * first while the threads are still stopped, as such a block may be freed
 * again a moment later; the rest with the heap. */
void lt_reach_mark_new(struct lt_reach_state *s, uint64_t max_bytes);

/* Marks transitively until the worklist is empty. */
void lt_reach_mark(struct lt_reach_state *s);

/* Classes the unreachable blocks: direct (with the lowest block of each
 * unowned cycle) or indirect with an owner. */
void lt_reach_classify(struct lt_reach_state *s);

/* The verdicts of the candidates c[0..n) into items (id already set). */
void lt_reach_verdicts(struct lt_reach_state *s, const struct lt_reach_cand *c,
		       size_t n, struct lt_reach_item *items);

/* The words the kernel keeps for process pid that may point into its
 * heap: epoll registrations' data, POSIX timers' sigev_value (see
 * reach_kern.c), in a new array (*out, the caller frees it).  Returns the
 * count; 0 when there are none or they cannot be read.  Can't fail. */
size_t lt_reach_kernel_words(pid_t pid, uint64_t **out);

/* Marks from words[0..n) taken as roots (as lt_reach_scan_roots). */
void lt_reach_scan_words(struct lt_reach_state *s, const uint64_t *words, size_t n);

/* Frees what s holds.  */
void lt_reach_state_free(struct lt_reach_state *s);

#endif
