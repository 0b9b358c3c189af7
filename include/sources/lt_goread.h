/* The Go reader: a Go program's goroutines, read from outside.
 *
 * A goroutine is not a thread: the thread sampler sees a Go service's few
 * OS threads, not the thousands of goroutines parked on channels.  The Go
 * runtime keeps every goroutine in runtime.allgs (a []*runtime.g) with its
 * status, wait reason, creation PC and, for one that is not running, the
 * pc/sp/bp it will resume from.  This reader finds them with the binary's
 * DWARF (lt_golayout) and reads them with process_vm_readv while the
 * program runs: no thread is stopped, nothing is written to or loaded into
 * the process.
 *
 * The memory read is the memory of a running program, and hostile input:
 * every pointer must lie in a writable mapping, every length is capped,
 * every status must be one the runtime defines, every stack pointer lies
 * in the goroutine's stack, every frame pointer climbs within it and every
 * return address lies in executable memory.  A goroutine that changes
 * while it is read (status, stack bounds or saved context differ between
 * two reads of its runtime.g) is read once more and then dropped: a
 * goroutine is reported consistent or not at all.
 *
 * Stacks are walked by frame pointer (Go keeps them on amd64) from the
 * saved context (g.sched), capped at LT_GOROUTINE_MAX_FRAMES.  A running
 * goroutine has no saved context: it is reported as running, without a
 * stack.  One in a system call is reported with the PC it entered the
 * call from (g.syscallpc) alone.
 *
 * Cost, all on leaktop's side (go1.19.8 targets on a 2-CPU VM shared with
 * other work, load average 8-12): runtime.g, and then a window of each
 * stack, are read for 256 goroutines per process_vm_readv; 1,000 parked
 * goroutines take 6-13 ms, 10,000 100-140 ms, 100,000 0.7-0.9 s, and
 * leaktop's RSS is 26 MB at 100,000.  At 100,000 the read costs 0.25 s
 * of CPU, 80% of it in the kernel (process_vm_readv); the rest of the
 * wall time is waiting for a CPU on the loaded VM.  The session spaces reads so that
 * they take at most 5% of its time. */
#ifndef LT_GOREAD_H
#define LT_GOREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_err.h"
#include "lt_golayout.h"

#define LT_GOROUTINE_MAX_FRAMES 64

/* Status letters of struct lt_goroutine. */
enum {
	LT_GO_RUNNING = 'R',
	LT_GO_RUNNABLE = 'Q',   /* runnable, or preempted: queued to run */
	LT_GO_SYSCALL = 'Y',
	LT_GO_WAITING = 'W',    /* parked: channel, select, lock, sleep ... */
};

struct lt_goroutine {
	int64_t goid;
	char status;              /* LT_GO_* */
	const char *wait_reason;  /* "chan send", ...: owned by the reader,
				     valid until lt_goread_free; NULL when
				     not waiting or unknown */
	int64_t wait_ns;          /* how long it has waited, at least (the
				     runtime stamps waitsince at the first
				     GC that sees it blocked); -1 unknown */
	uint64_t gopc;            /* PC of the go statement that created
				     it (a return address); 0 unknown */
	uint64_t startpc;         /* entry of its function; 0 unknown */
	int npcs;                 /* 0: no stack (running, or unreadable) */
	uint64_t activations;     /* bit i: pcs[i] is an entry address, not
				     a return address (a goroutine that has
				     not run yet) */
	const uint64_t *pcs;      /* npcs PCs, innermost first, at most
				     LT_GOROUTINE_MAX_FRAMES; owned by the
				     reader like the tick's array */
};

struct lt_goroutine_tick {
	const struct lt_goroutine *g; /* by position in allgs; owned by the
					 reader, valid until the next sample
					 or free */
	size_t n;
	size_t listed;     /* entries of runtime.allgs */
	size_t dead;       /* idle or dead entries (free goroutines), skipped */
	size_t retried;    /* changed while read, read again */
	size_t dropped;    /* invalid, or changed twice: not in g */
	size_t truncated;  /* in g, stack cut by the depth cap or a bad frame */
	int64_t elapsed_ns;
};

typedef struct lt_goread lt_goread;

/* A reader of process pid, or NULL.  Refuses with LT_EXIT_TARGET and the
 * reason when pid is not a Go program, its binary has no usable DWARF, or
 * its memory cannot be read (permission: the same as ptrace's); the
 * process is never stopped. */
lt_goread *lt_goread_new(pid_t pid, lt_err *err);

/* Where a reader reads memory from: the live process, or a test's image. */
struct lt_gorange {
	uint64_t lo, hi;      /* [lo, hi) */
};
struct lt_gomem {
	void *ctx;
	/* Reads len bytes at addr into buf: 0, or -1 with errno (ESRCH:
	 * the process is gone; anything else: that memory is unreadable). */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	/* The writable and the executable mappings, sorted, malloc'd (the
	 * reader frees them): 0, or -1 with errno. */
	int (*maps)(void *ctx, struct lt_gorange **data, size_t *ndata,
		    struct lt_gorange **code, size_t *ncode);
	/* The target's runtime.nanotime() now, or -1 when unknown. */
	int64_t (*now_ns)(void *ctx);
	/* Optional (NULL: read is used): reads block i, lens[i] bytes at
	 * addrs[i], to buf + i * stride, for i < n, and returns how many
	 * leading blocks were read whole (it may stop early, at a block that
	 * fails or at its own limit). */
	size_t (*readv)(void *ctx, const uint64_t *addrs, const size_t *lens,
			size_t n, unsigned char *buf, size_t stride);
	/* Optional: frees ctx.  The reader calls it when it is freed, and
	 * lt_goread_new_mem when it fails. */
	void (*release)(void *ctx);
};

/* A reader over mem with layout l (taken over: the reader frees its
 * strings) and load bias bias.  Reads runtime.buildVersion and the wait
 * reason strings.  Returns NULL with LT_EXIT_TARGET when allgs cannot be
 * read.  For tests and for lt_goread_new. */
lt_goread *lt_goread_new_mem(struct lt_golayout *l, uint64_t bias,
			     const struct lt_gomem *mem, lt_err *err);

/* "go1.19.8", or "unknown" when runtime.buildVersion was unreadable. */
const char *lt_goread_version(const lt_goread *r);

/* Reads every goroutine into *out (out->g stays owned by r).  Returns 0,
 * or -1 with LT_EXIT_TARGET when the process is gone or runtime.allgs
 * itself is unreadable or invalid; *out is then empty. */
int lt_goread_sample(lt_goread *r, struct lt_goroutine_tick *out, lt_err *err);

void lt_goread_free(lt_goread *r); /* NULL-safe */

/* For the other readers of the same process (lt_goheap). */
/* Re-reads the target's mappings, against which every pointer is checked
 * (lt_goread_sample does it first).  0, or -1 with LT_EXIT_TARGET. */
int lt_goread_refresh(lt_goread *r, lt_err *err);
/* 1 when [addr, addr + len) is 8-byte aligned and inside one writable
 * mapping, as of the last refresh; else 0. */
int lt_goread_data(const lt_goread *r, uint64_t addr, uint64_t len);
/* 1 when pc is in an executable mapping, as of the last refresh. */
int lt_goread_code(const lt_goread *r, uint64_t pc);
/* Reads the target's memory: 0, or -1 with errno (ESRCH: gone). */
int lt_goread_mem(lt_goread *r, uint64_t addr, void *buf, size_t len);
/* The layout the reader uses, and the load bias in *bias. */
const struct lt_golayout *lt_goread_layout(const lt_goread *r, uint64_t *bias);

#endif
