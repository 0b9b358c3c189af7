/* Raw call stacks of a live process's threads, with libdw.
 *
 * Only this module and lt_symbols include libdw.  It captures program
 * counters only; names are looked up later by lt_symbols, after the thread
 * runs again.  The caller stops each thread itself (lt_ptrace): libdw is
 * told so (dwfl_linux_proc_attach with assume_ptrace_stopped) and never
 * attaches, stops or detaches anything. */
#ifndef LT_UNWIND_H
#define LT_UNWIND_H

#include <stdint.h>
#include <sys/types.h>

#include "lt_err.h"

typedef struct lt_unwind lt_unwind;

/* An unwinder for process pid: reads its modules from /proc/PID/maps and
 * loads their unwind tables (.eh_frame) now, so that no thread has to be
 * held stopped while files are read.  Module files are opened through
 * /proc/PID/root, so a target in another mount namespace unwinds with its
 * own libraries.  On error returns NULL with LT_EXIT_TARGET (no such
 * process) or LT_EXIT_ERROR and libdw's message. */
lt_unwind *lt_unwind_new(pid_t pid, lt_err *err);
void lt_unwind_free(lt_unwind *u); /* NULL-safe */

/* Re-reads the modules if /proc/PID/maps changed since the last call (a
 * dlopen or dlclose), so that new code unwinds.  Returns 1 when it did, 0
 * when nothing changed, -1 with LT_EXIT_TARGET when the process is gone
 * (the old modules are kept). */
int lt_unwind_refresh(lt_unwind *u, lt_err *err);

/* Unwinds thread tid of the process, which the calling thread must hold in
 * a ptrace-stop, into pcs[0..max): pcs[0] is where the thread is, the rest
 * are return addresses, outward.  Bit i of *activations (if not NULL; max
 * <= 64) is set when pcs[i] is not a return address and must not be
 * adjusted by one before a line lookup: frame 0, and a frame interrupted by
 * a signal.  Returns the number of pcs, 0 when not even the first could be
 * read.  Never resumes or detaches tid. */
int lt_unwind_capture(lt_unwind *u, pid_t tid, uint64_t *pcs,
		      uint64_t *activations, int max);

/* libdw's message for the last capture that ended with an error other than
 * the natural end of the stack ("" if none).  Owned by u; for debugging. */
const char *lt_unwind_last_error(const lt_unwind *u);

#endif
