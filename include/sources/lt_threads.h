/* The thread sampler: where every thread of the target is, once per thread
 * tick.
 *
 * Per tick it lists /proc/PID/task, reads each thread's name, state and
 * blocking syscall, then stops the threads one at a time (lt_ptrace:
 * PTRACE_SEIZE + PTRACE_INTERRUPT), records their raw program counters
 * (lt_unwind) and lets each run again before the next is stopped.  Names
 * are resolved later, with lt_symbols, after the threads run again.
 *
 * What it does to the target: each sampled thread is held stopped for
 * tens of microseconds (median 30-40 us, p99 about 150 us with 2,000 and
 * 5,000 threads on a 2-CPU VM; stop_ns says exactly: it runs from the
 * interrupt to the detach, so it includes any wait of the thread for a CPU
 * to stop on).  A thread blocked in a system call is interrupted and the
 * call restarted by the kernel, except the few calls Linux ends with EINTR
 * after any stop (epoll_wait, sigtimedwait, ...; see signal(7),
 * "Interruption of system calls ... by stop signals"), which well-written
 * programs retry.  Threads already stopped (state T or t), zombies, and
 * threads in uninterruptible sleep (D, which would not stop promptly) are
 * never stopped.  A signal arriving while a thread is held is delivered
 * when it resumes; a job-control stop is kept.  If leaktop dies, even by
 * SIGKILL, the kernel resumes every thread it held.
 *
 * Cost per tick: reading every thread's stat file (20-40 us a thread,
 * not bounded: every thread is counted every tick) plus the stopping,
 * bounded by budget_s, about 50-90 us a thread including its syscall file
 * and the unwind.  2,000 threads fit in the default 0.2 s budget.
 *
 * The stopping runs in a short-lived helper thread of the caller, one per
 * tick: ptrace ties tracees to the thread that seized them, and the exit
 * of that thread is the one way to let go of a thread that was
 * interrupted but did not stop in time.  Between ticks no thread of the
 * target is traced by leaktop, so another ptrace user (the heap agent's
 * injector) may run between two lt_threads_sample calls.  While a sample
 * runs, no thread of the caller may wait for "any child" (waitpid(-1), a
 * SIGCHLD handler that reaps): it would take the tracees' events. */
#ifndef LT_THREADS_H
#define LT_THREADS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_err.h"
#include "lt_unwind.h"

#define LT_THREAD_MAX_FRAMES 64

struct lt_thread {
	pid_t tid;
	char name[17];    /* comm, control characters replaced by '?' */
	char state;       /* state letter of /proc/PID/task/TID/stat */
	long syscall;     /* the syscall it blocks in (/proc/.../syscall);
			     -1 if running, not in a syscall, or unknown */
	int npcs;         /* 0 = no stack (not captured yet, stopped or
			     zombie thread, or unwinding failed) */
	int stale;        /* 1: not stopped this tick (over budget, or busy:
			     uninterruptible sleep, traced by another
			     tracer, too slow to stop); pcs are the last ones
			     captured, npcs 0 if never */
	int unreached;    /* 1: stale with no stack because the sampler has
			     not got to it since it appeared (over budget,
			     or it would not stop in time): where it is is
			     unknown, so it belongs to no group yet */
	uint64_t pcs[LT_THREAD_MAX_FRAMES]; /* pcs[0] where it is (an
			     activation); the rest return addresses */
	uint64_t activations; /* bit i: pcs[i] is an activation, not a return
			     address (bit 0, and frames interrupted by a
			     signal): pass it to lt_symbols_resolve */
	int64_t stop_ns;  /* time held stopped this tick, 0 if not stopped */
};

struct lt_thread_tick {
	const struct lt_thread *threads; /* sorted by tid; owned by the
					    sampler, valid until the next
					    sample or free */
	size_t n;         /* threads in the array: listed - vanished */
	size_t listed;    /* tids found in /proc/PID/task */
	size_t sampled;   /* stopped and unwound this tick */
	size_t skipped;   /* could have been stopped but were not: over
			     budget, or busy (see stale) */
	size_t unreached; /* of those, the ones with no stack at all yet
			     (see struct lt_thread.unreached) */
	size_t vanished;  /* exited between listing and sampling */
	int64_t max_stop_ns, total_stop_ns; /* over the threads stopped */
	int64_t elapsed_ns; /* wall time of the whole tick */
	int maps_changed; /* the target's modules changed since the last tick
			     (dlopen): call lt_symbols_refresh before
			     resolving these pcs */
};

typedef struct lt_threads lt_threads;

struct lt_threads_opts {
	int max_depth;        /* frames per stack, 1..64; <= 0: 64 */
	double budget_s;      /* wall time per tick for stopping threads;
				 <= 0: 0.2 s.  At least one thread is
				 stopped per tick; the rest wait for the next
				 tick, which starts where this one ended */
	double stop_timeout_s; /* how long to wait for one thread to stop
				  before giving up on it for this tick;
				  <= 0: 5 ms */
	lt_unwind *unwind;    /* the caller's unwinder of pid, borrowed
				 (the sampler refreshes it each tick and
				 never frees it); NULL: the sampler opens its
				 own */
};

/* A sampler of process pid (a thread-group leader), or NULL.  o may be
 * NULL for the defaults.  Refuses with LT_EXIT_TARGET and the reason when
 * the process cannot be traced: it is gone; it is already traced
 * (TracerPid: a debugger, strace, another leaktop); ptrace is disabled
 * (kernel.yama.ptrace_scope = 3); or permission is denied (another user,
 * no CAP_SYS_PTRACE, yama scope 1 or 2).  It finds that out without
 * stopping any thread.  LT_EXIT_ERROR for other failures (libdw). */
lt_threads *lt_threads_new(pid_t pid, const struct lt_threads_opts *o,
			   lt_err *err);

/* Takes one thread tick into *out (see struct lt_thread_tick; out->threads
 * stays owned by t).  Threads that appear or exit meanwhile are normal:
 * they are counted, not errors.  Returns 0, or -1 with LT_EXIT_TARGET when
 * the process has exited (or only its zombie is left), LT_EXIT_ERROR when
 * the helper thread cannot be started; *out is then empty.  Every thread
 * it stopped runs again when it returns, whatever happened. */
int lt_threads_sample(lt_threads *t, struct lt_thread_tick *out, lt_err *err);

void lt_threads_free(lt_threads *t); /* NULL-safe */

#endif
