/* The heap collector: leaktop's end of the agent socket.
 *
 * It listens on a unix socket the target can reach (under the target's
 * root, /proc/PID/root/tmp/...), gets the agent in (ptrace injection, or
 * the agent is already preloaded by `leaktop run`), accepts only a peer
 * whose SO_PEERCRED pid is the target, and reads the agent's reports
 * without blocking.  Once per tick it hands over a plain batch: the sites
 * whose counters changed, with the PCs of stacks not handed over before.
 * A corrupt message ends the heap source with an error; it never crashes
 * leaktop. */
#ifndef LT_HEAP_H
#define LT_HEAP_H

#include <stdint.h>
#include <sys/types.h>

#include "lt_err.h"
#include "lt_heapblk.h"
#include "lt_symbols.h"
#include "lt_unwind.h"

struct lt_heap_opts {
	pid_t pid;              /* the target (thread group leader) */
	uint64_t sample_rate;   /* bytes; 1 = every allocation */
	unsigned max_depth;     /* frames per stack */
	int no_free_flow;       /* the agent samples allocations only */
	const char *agent_path; /* liblt-agent.so; NULL: next to leaktop */
	double timeout_s;       /* for the agent's first message */
	/* The session's unwinder and symbolizer of pid, lent to the
	 * injector for its safe-point check so that attaching does not
	 * load the target's modules again; used only during
	 * lt_heap_attach, never freed by it.  NULL: the injector opens
	 * its own for the duration of the attach. */
	lt_unwind *unwind;
	lt_symbols *sym;
};

typedef struct lt_heap lt_heap;

/* A stack the agent announced since the last batch. */
struct lt_heap_stack {
	uint32_t id;            /* the agent's stack id */
	const uint64_t *pcs;    /* innermost first, all return addresses (the
				   agent's own frames are cut) */
	uint32_t depth;         /* entries of pcs, >= 1 */
};

/* One allocation call site (one agent stack) whose counters changed.
 * Byte and count figures are the agent's weighted estimates; samples are
 * raw counts of sampled blocks.  Nothing is negative. */
struct lt_heap_site {
	uint32_t id;            /* the agent's stack id */
	int64_t live_bytes, live_count;
	int64_t alloc_bytes, alloc_count;   /* cumulative */
	int64_t alloc_ubytes;   /* alloc_bytes in usable bytes (0: unknown) */
	int64_t free_bytes, free_count;     /* cumulative, sampled blocks freed */
	uint32_t samples;       /* sampled allocations, cumulative */
	uint32_t samples_freed; /* of them freed, cumulative */
	double freed_age_sum;   /* seconds: ages at free of samples_freed, summed */
	double oldest_live_mono; /* CLOCK_MONOTONIC seconds at which the oldest
				   live sample was allocated (the agent's clock
				   mapped once onto ours, so the value moves
				   only when that sample is freed); 0 when none
				   is live */
};

/* Frees sampled by bytes, whatever the block (allocated before the attach
 * too), by the stack of the free call: the free flow that allocation flow
 * is weighed against. */
struct lt_heap_freesite {
	uint32_t id;            /* the agent's stack id of the free call */
	int64_t bytes, count;   /* weighted, cumulative */
	int64_t samples;        /* raw sampled frees, cumulative */
};

/* One call site that creates file descriptors (socket, open, pipe, ...;
 * every call is counted, not sampled), handed over when it changed.  The
 * same stack id may also be a heap site.  Descriptors that existed before
 * the attach are in no site, and their close changes nothing. */
struct lt_heap_fdsite {
	uint32_t id;            /* the agent's stack id */
	int kind;               /* enum lt_fd_kind (lt_agent_proto.h), 0 ..
				   LT_HEAP_FD_KINDS - 1: see lt_heap_fd_kind */
	int64_t live, opened;   /* open now; created since the attach */
};

/* Kinds of fd sites, for stages that do not include the agent's
 * protocol: 0 file, 1 socket, 2 pipe, 3 anon (eventfd, timerfd, epoll,
 * signalfd, inotify, memfd). */
#define LT_HEAP_FD_KINDS 4
/* "file", "socket", "pipe", "anon"; "?" for any other value.  Static
 * strings; this function can't fail. */
const char *lt_heap_fd_kind(int kind);

/* The agent's own cost and losses, from its last report (all 0 before
 * one; an agent older than these counters sends cpu_ns 0).  Cumulative
 * since the agent's start, except the CPU times. */
struct lt_heap_cost {
	uint64_t reports;       /* agent reports received so far */
	uint64_t sample_ns;     /* ns spent in sampled allocations and frees */
	uint64_t free_hits;     /* frees that passed the filter (a lookup) */
	uint64_t lock_waits;    /* slow-path lock acquisitions that waited */
	uint64_t dropped_bytes; /* weighted bytes of the dropped samples */
	uint64_t cpu_ns;        /* the target's CPU time since it began */
	uint64_t agent_cpu_ns;  /* the agent's reporting thread's CPU time */
	uint64_t ptr_cap;       /* entries of the agent's sampled-block table */
	uint64_t grows;         /* times the agent grew a table */
	uint64_t reused;        /* samples whose stack needed no unwind */
};

/* What the heap source has for one tick. */
/* A report read this late means leaktop is not keeping up with the agent
 * (a target changing more sites per report than it can read), or the
 * target is stopped: what the agent reported since is not in the batch
 * yet. */
#define LT_HEAP_BEHIND_S 1.0

struct lt_heap_batch {
	const struct lt_heap_stack *stacks;  /* new since the last batch */
	size_t nstacks;
	const struct lt_heap_site *sites;
	size_t n;
	const struct lt_heap_fdsite *fds;
	size_t nfds;
	const struct lt_heap_freesite *frees;
	size_t nfrees;
	uint64_t sample_rate;   /* from the agent's hello; 0 before it */
	int maps_changed;       /* the target dlopen'd: symbolizers must
				   re-read its modules before these PCs */
	/* From the agent's last report (0 before one): */
	uint64_t samples;       /* sampled allocations so far */
	uint64_t tracked;       /* sampled blocks live now */
	uint64_t dropped;       /* samples lost because its tables were full */
	double report_time;     /* seconds on the agent's clock (since its
				   start) of that report */
	double behind;          /* how old that report was at this take, in
				   seconds, when over LT_HEAP_BEHIND_S; else
				   0 (reports come every 0.2 s) */
	uint64_t fd_lost;       /* descriptors not followed (number over the
				   agent's fd table, or its tables full) */
	struct lt_heap_cost cost;
	size_t deferred;        /* new stacks left for a later batch (and
				   the counters of their sites with them):
				   lt_heap_take_some's cut */
	size_t deferred_sites;  /* changed sites left for a later batch */
};

/* Creates the socket and injects the agent into o->pid (with o->unwind and
 * o->sym when given), then waits up to o->timeout_s for its hello.  Returns NULL with err (the reason the heap
 * source is unavailable, code LT_EXIT_TARGET) on failure; the target is
 * left as it was. */
lt_heap *lt_heap_attach(const struct lt_heap_opts *o, lt_err *err);

/* For `leaktop run`: creates the socket only and fills env with the
 * LD_PRELOAD and LEAKTOP_AGENT values the child must get (malloc'd strings
 * "NAME=value", the caller frees them).  lt_heap_accept then waits for the
 * child's agent. */
lt_heap *lt_heap_listen(const struct lt_heap_opts *o, char **preload_env,
			char **config_env, lt_err *err);
/* Waits up to timeout_s for the agent of pid (the child) to connect and
 * say hello.  Returns 0, or -1 with err (LT_EXIT_TARGET for a timeout);
 * h stays valid either way and must be detached. */
int lt_heap_accept(lt_heap *h, pid_t pid, double timeout_s, lt_err *err);

/* A descriptor to poll for input: the agent's connection, or before (and
 * after) it the listening socket. */
int lt_heap_fd(const lt_heap *h);

/* Reads what the agent sent, without blocking.  Returns 0, or -1 when the
 * heap source ended (agent error, corrupt message, connection lost); err
 * says why, and the collector is then inert. */
int lt_heap_poll(lt_heap *h, lt_err *err);

/* Hands over what changed since the last call.  b's arrays belong to h
 * and stay valid until the next lt_heap_take, lt_heap_poll or
 * lt_heap_detach.  This function can't fail. */
void lt_heap_take(lt_heap *h, struct lt_heap_batch *b);
/* The same with at most max_stacks new stacks and max_sites changed
 * sites: the rest (and the counters of sites whose stack waits) wait for
 * a later call, first in line then (b->deferred, b->deferred_sites say
 * how many), so that a burst is spread over several ticks instead of
 * stalling one.  This function can't fail. */
void lt_heap_take_some(lt_heap *h, struct lt_heap_batch *b, size_t max_stacks,
		       size_t max_sites);

/* What the agent said in its hello ("libunwind", ...), or NULL. */
const char *lt_heap_unwinder(const lt_heap *h);
/* The agent's sample rate in bytes, from its hello (0 before). */
uint64_t lt_heap_rate(const lt_heap *h);
/* Connections refused so far: peers that were not the target, and any
 * connection after the agent's. */
unsigned lt_heap_rejected(const lt_heap *h);
/* The agent's own footprint in the target, from its hello (-1 before):
 * its reporting thread and its socket, which the session should not count
 * as the target's threads and descriptors. */
pid_t lt_heap_agent_tid(const lt_heap *h);
int lt_heap_agent_fd(const lt_heap *h);

/* Asks the agent for every sampled block live now (for a reachability
 * scan); the answer arrives through lt_heap_poll.  Forgets the answer to
 * an earlier ask.  Returns 0, or -1 with err when the agent is not
 * connected or the request cannot be sent. */
int lt_heap_ask_blocks(lt_heap *h, lt_err *err);

/* The answer to the last ask once whole (valid until the next ask, or
 * lt_heap_detach), NULL before.  Blocks of stacks not yet announced are
 * left out.  This function can't fail. */
const struct lt_heapblk *lt_heap_blocks(const lt_heap *h);

/* Asks the agent to restore every GOT slot and stop, waits (up to about a
 * second) for its goodbye, closes and frees h.  NULL-safe. */
void lt_heap_detach(lt_heap *h);

#endif
