/* Where a Go program keeps its goroutines, from the binary's own DWARF.
 *
 * The Go reader (lt_goread) needs the addresses of a few runtime globals
 * and the offsets of a few fields of runtime.g.  They change between Go
 * releases, so they are looked up by name in the executable's DWARF with
 * libdw, never taken from a table keyed by Go version.  This module and
 * lt_symbols, lt_unwind and lt_elf are the ones that include libdw; what
 * it returns is plain data.  The file is untrusted: sizes and offsets are
 * checked to lie inside runtime.g before they are returned. */
#ifndef LT_GOLAYOUT_H
#define LT_GOLAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "lt_err.h"

#define LT_GO_WAITREASONS 256   /* runtime.waitReason is a uint8 */

/* One field of runtime.g: byte offset from the start of the struct and
 * size in bytes.  size 0: the field was not found. */
struct lt_gofield {
	size_t off;
	size_t size;
};

struct lt_golayout {
	/* Link-time addresses (ELF virtual addresses; add the load bias of
	 * a position-independent executable).  0: not found. */
	uint64_t allgs;          /* runtime.allgs, a []*runtime.g */
	uint64_t build_version;  /* runtime.buildVersion, a string */
	uint64_t wr_strings;     /* runtime.waitReasonStrings, [N]string */
	size_t wr_count;         /* N */
	uint64_t mbuckets;       /* runtime.mbuckets, *runtime.bucket */

	size_t g_size;           /* byte size of runtime.g */
	struct lt_gofield goid, status, waitreason, waitsince, gopc, startpc,
		sched_pc, sched_sp, sched_bp, stack_lo, stack_hi, syscallpc;

	/* The runtime's status constants (runtime._Gidle ...), -1 when the
	 * DWARF does not have them. */
	int64_t st_idle, st_runnable, st_running, st_syscall, st_waiting,
		st_dead, st_copystack, st_preempted, st_scan;

	/* Names made from the runtime.waitReason* constants ("ChanSend" ->
	 * "chan send"), by value; NULL when none.  Only a fallback for
	 * runtime.waitReasonStrings.  Owned by the layout. */
	char *wr_names[LT_GO_WAITREASONS];

	/* The heap profile (runtime.mbuckets, a list of *runtime.bucket
	 * linked by allnext; after each bucket its [nstk]uintptr stack,
	 * then a runtime.memRecord).  bucket_size 0: not found. */
	uint64_t mem_profile_rate;  /* runtime.MemProfileRate, an int */
	size_t bucket_size, memrecord_size;
	struct lt_gofield b_allnext, b_typ, b_nstk;
	struct lt_gofield mr_allocs, mr_frees, mr_alloc_bytes, mr_free_bytes;
				    /* memRecord.active.*: the published
				       counts, as of a GC's mark */
	int64_t bt_mem;             /* runtime.memProfile (bucketType), -1 */
	/* The unpublished cycles: memRecord.future[3] at mr_future (0: not
	 * found), each mr_cycle_size bytes laid out like memRecord.active
	 * at mr_active; runtime.mProfCycle, a uint32 holding the cycle
	 * number << 1 | flushed (Go 1.19's mProfCycleHolder). */
	size_t mr_active, mr_future, mr_cycle_size;
	uint64_t mprof_cycle;

	int pie;                 /* ET_DYN: addresses move by a load bias */
	uint64_t entry;          /* e_entry: AT_ENTRY minus it is the bias */
	uint64_t load_vaddr;     /* p_vaddr of the PT_LOAD at file offset 0,
				    page aligned */
};

/* Reads the layout from the ELF file open at fd (what names it in
 * messages; fd is not closed).  Returns 0, or -1 with LT_EXIT_TARGET and
 * the reason when the file has no DWARF (a binary stripped with -s -w),
 * is not a Go program, or lacks runtime.allgs or a field of runtime.g the
 * reader needs (goid, atomicstatus, sched.pc/sp/bp, stack.lo/hi) or the
 * status constants; out is then zeroed.  Fields only reported (wait
 * reason, waitsince, gopc, startpc, syscallpc, the wait reason tables)
 * may be missing. */
int lt_golayout_read(int fd, const char *what, struct lt_golayout *out,
		     lt_err *err);

/* Frees the strings of l and zeroes it.  NULL-safe. */
void lt_golayout_free(struct lt_golayout *l);

#endif
