/* Goroutine groups for a reader: the report's "Goroutine groups" section
 * and the verdicts about them (seed stories 1 and 2: goroutines piling up
 * in a channel send, a watcher started per tick that never exits). */
#ifndef LT_GOROUTINES_H
#define LT_GOROUTINES_H

#include <stddef.h>
#include <stdio.h>

#include "lt_model.h"

/* "running", "runnable", "in a system call", "waiting", "listed by pprof
 * (no state)" (read from a goroutine profile), or "status X"
 * for a goroutine group's state letter.  Returns a static string or buf. */
const char *lt_goroutines_status_name(char st, char *buf, size_t len);

/* Where a goroutine of stack s is: the first function, inlined ones
 * included, outside the Go runtime and the standard library's blocking
 * plumbing (sync., internal/, time.Sleep): "main.leak (main.go:16)"; for the runtime's own goroutines the
 * innermost frame past runtime.gopark ("runtime.bgsweep (mgcsweep.go:
 * 297)"); "(no stack)" for LT_NONE.  Returns buf. */
char *lt_goroutines_where(const lt_stacktab *t, size_t s, char *buf, size_t len);

/* What a goroutine group is doing: "blocked in chan send", "running",
 * ... into buf.  This function can't fail. */
void lt_goroutines_doing(const struct lt_tgroup *grp, char *buf, size_t len);

/* "waiting 3m12s": how long the longest-waiting goroutine of group i had
 * waited at sample k (lt_tgroups_since).  Returns 1, or 0 with buf ""
 * when that is unknown or the group is empty at k. */
int lt_goroutines_waiting(const lt_tgroups *g, size_t i, size_t k, char *buf,
			  size_t len);

/* Writes the "Goroutine groups" section of m's report to f (nothing when
 * no goroutines were read).  Write errors are left in f's error flag. */
void lt_goroutines_report(const lt_model *m, FILE *f);

#endif
