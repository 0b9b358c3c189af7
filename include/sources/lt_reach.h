/* Proof, not trend: which sampled blocks of a live process nothing points
 * to any more.  A conservative reachability scan read from outside, like a
 * mark phase of a conservative garbage collector (Boehm) or valgrind's leak
 * check, over a glibc heap:
 *
 *   roots   every readable mapping that is writable or anonymous and not
 *           malloc's (data, bss, anonymous maps, TLS, thread stacks from
 *           each thread's stack pointer less the 128-byte red zone to the
 *           end of its mapping), and each thread's general registers;
 *   blocks  every in-use glibc chunk (lt_glibc_heap), free-list and tcache
 *           chunks included;
 *   edges   every 8-byte aligned word that points into a block's user area,
 *           interior pointers included; marked transitively.
 *
 Threads are stopped with lt_ptrace, by default all of them while the
 * registers, stacks and other roots are read (a snapshot of the roots, the
 * pause measured and capped); heap blocks are read while the process runs
 * (see enum lt_reach_stop).  A pointer that moves between heap blocks while
 * we read can be missed, and a block allocated during the scan is not
 * known: one scan proves nothing by itself.  lt_reach_hist applies the rule that does:
 * unreachable in two scans some seconds apart, allocated before the first
 * began.
 *
 * Nothing is written into the target.  When its heap cannot be walked
 * (another allocator, a static binary, a corrupt chunk header, no [heap]),
 * the scan says "cannot prove" with the reason instead of guessing. */
#ifndef LT_REACH_H
#define LT_REACH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_err.h"

/* A block to judge: one the agent sampled. */
struct lt_reach_cand {
	uint64_t addr;     /* user address malloc returned */
	uint64_t size;     /* bytes asked for (informative) */
	uint64_t id;       /* the caller's, stable across scans */
	int64_t alloc_ns;  /* CLOCK_MONOTONIC ns of its allocation */
};

enum lt_reach_verdict {
	LT_REACH_REACHABLE,
	LT_REACH_DIRECT,    /* unreachable, and nothing points to it; of a
			       cycle of unreachable blocks nothing else
			       points to, the lowest one (valgrind's
			       "definitely lost") */
	LT_REACH_INDIRECT,  /* unreachable, pointed to only from unreachable
			       blocks ("indirectly lost"); owner says from
			       which direct one */
	LT_REACH_NOT_FOUND, /* no in-use chunk starts there: freed since,
			       or not glibc's */
	LT_REACH_UNKNOWN,   /* this scan cannot prove anything */
};

/* How long threads stay stopped.  A pointer moving between two places
 * the scan reads at different times can be missed; only what is read while
 * every thread is stopped is a snapshot. */
enum lt_reach_stop {
	LT_REACH_STOP_ROOTS, /* default: every thread stays stopped while the
				registers, stacks and other roots are read
				(usually a few ms: data, bss, stacks, TLS,
				anonymous maps); heap blocks are read while
				the process runs */
	LT_REACH_STOP_EACH,  /* one thread at a time, just for its registers
				and stack; everything else read running
				(the result is weak) */
	LT_REACH_STOP_WORLD, /* every thread stopped for the whole scan,
				heap walk included (pause = scan time) */
};

/* A range of the target's addresses, [lo, hi). */
struct lt_reach_range {
	uint64_t lo, hi;
};

struct lt_reach_opts {
	int no_registers;        /* 1: stop no thread; registers unknown */
	enum lt_reach_stop stop;
	int64_t stop_timeout_ns; /* per thread; 0: 20 ms */
	int64_t max_pause_ns;    /* ROOTS, WORLD: let every thread go after
				    this long and read the rest running
				    (the result is then weak); 0: 250 ms
				    for ROOTS, none for WORLD; < 0: none */
	/* Memory that is no root: the agent's own tables, which hold the
	 * address of every sampled block (they would keep every candidate
	 * reachable).  May be NULL. */
	const struct lt_reach_range *exclude;
	size_t nexclude;
};

struct lt_reach_stats {
	int64_t t_start_ns, t_end_ns;  /* CLOCK_MONOTONIC */
	uint64_t bytes_read;           /* from the target, in all */
	uint64_t root_bytes;           /* roots scanned, stacks included */
	uint64_t block_bytes;          /* block contents scanned */
	uint64_t unreadable_bytes;     /* roots or blocks that could not be
					  read (unmapped meanwhile) */
	uint64_t heap_bytes;           /* heaps walked */
	uint64_t chunks;               /* chunk headers read */
	uint64_t blocks;               /* in-use chunks */
	uint64_t blocks_reachable;
	uint64_t hole_pointers;        /* reachable words pointing into chunks
					  that were free when walked */
	uint64_t new_blocks;           /* of them, into blocks allocated
					  since (followed) */
	int arena_heaps;               /* non-main arena heaps */
	int mmapped;                   /* mmapped chunks among the candidates */
	int threads;                   /* threads listed */
	int threads_regs;              /* of them, registers and stack read */
	int64_t max_stop_ns;           /* longest pause of one thread */
	int64_t total_stop_ns;         /* sum of every thread's pause */
	int held_all;                  /* 1: the threads were all stopped
					  together (ROOTS, WORLD) */
	const char *via;               /* "process_vm_readv" or "/proc/PID/mem" */
};

struct lt_reach_item {
	uint64_t id;
	enum lt_reach_verdict v;
	uint64_t owner;        /* INDIRECT: user address of the direct block
				  owning it (may be unsampled); else 0 */
};

struct lt_reach_result {
	int proof;             /* 0: cannot prove; every verdict UNKNOWN */
	int weak;              /* 1: some thread's registers were not read
				  (ptrace unavailable, or it did not stop),
				  the roots were read while the process ran
				  (STOP_EACH), or the pause cap let the
				  threads go before they were read */
	char reason[256];      /* why proof is 0, or why weak; else "" */
	struct lt_reach_stats st;
	struct lt_reach_item *items; /* one per candidate, in their order */
	size_t n;
};

/* Scans process pid for the candidates c[0..n) (opts may be NULL).  The
 * work runs in a helper thread that blocks every signal (see lt_ptrace.h:
 * threads it could not stop are let go when it ends).  A thread has one
 * tracer: do not run it while lt_threads samples the same process, and
 * let no other thread of the caller wait for "any child" meanwhile.  Takes
 * about a second per GiB of heap (doc/reach.md) and memory of about 17
 * bytes per chunk.  Fills *r (free with lt_reach_result_free): returns 0
 * also when the heap cannot be walked (then r->proof is 0 with the
 * reason).  Returns -1 with err when the process cannot be read at all
 * (gone, no permission), *r then zeroed. */
int lt_reach_scan(pid_t pid, const struct lt_reach_cand *c, size_t n,
		  const struct lt_reach_opts *opts, struct lt_reach_result *r,
		  lt_err *err);

/* Frees what r holds and zeroes it.  NULL-safe. */
void lt_reach_result_free(struct lt_reach_result *r);

/* A short name for v ("reachable", "direct", ...).  Can't fail. */
const char *lt_reach_verdict_name(enum lt_reach_verdict v);

/* ---- two scans agree ---------------------------------------------------- */

/* Per candidate, what the scans so far prove. */
enum lt_reach_proof {
	LT_PROOF_NONE,     /* reachable, not found, or nothing provable */
	LT_PROOF_PENDING,  /* unreachable, not yet confirmed */
	LT_PROOF_DIRECT,   /* proven unreachable, direct in the last scan */
	LT_PROOF_INDIRECT, /* proven unreachable, indirect in the last scan */
};

struct lt_reach_judged {
	enum lt_reach_proof proof;
	int weak;          /* a scan of its run lacked some registers */
	int scans;         /* unreachable in this many scans in a row */
};

typedef struct lt_reach_hist lt_reach_hist;

/* Keeps, by candidate id, the runs of scans that found it unreachable.
 * min_gap_ns: how far apart the first and the last scan of a run must
 * have started.  Free with lt_reach_hist_free.  Can't fail. */
lt_reach_hist *lt_reach_hist_new(int64_t min_gap_ns);

/* NULL-safe. */
void lt_reach_hist_free(lt_reach_hist *h);

/* Judges scan r of the candidates c[0..n) (the ones given to
 * lt_reach_scan, same order) into out[0..n): a candidate is proven
 * unreachable only if every scan since one that started at least
 * min_gap_ns before r found it unreachable at the same address, and it
 * was allocated before that first scan began.  A scan that cannot prove
 * (r->proof 0) ends every run.  Then remembers r.  Can't fail. */
void lt_reach_hist_judge(lt_reach_hist *h, const struct lt_reach_cand *c,
			 size_t n, const struct lt_reach_result *r,
			 struct lt_reach_judged *out);

#endif
