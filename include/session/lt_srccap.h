/* Keeps the source lines a session's stacks name: for every frame of a heap
 * site or a thread or goroutine group (every frame in the model's stack
 * table), the lines around its line, read through the target's root like
 * the source view reads them (lt_srcfile), into the model's lt_srctext,
 * which the store persists.  So a copy of the session shows its sources
 * where the files are not.
 *
 * Bounded: at most `budget` bytes of lines in all, LT_SRCTEXT_CONTEXT
 * lines each side of a frame's line, 50 ms of reading per call (the rest
 * at the next), and each file that cannot be read is tried once.  Only
 * files anyone may read, or owned by the target's effective uid, are kept:
 * their names come from the target, and leaktop may run as root. */
#ifndef LT_SRCCAP_H
#define LT_SRCCAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_model.h"

#define LT_SRCCAP_BUDGET (4u << 20)   /* bytes of lines per session */

struct lt_srccap {
	size_t frames;      /* frames of the stack table looked at */
	size_t budget;      /* bytes of lines it may still add */
	uint64_t *seen;     /* hashes of (file, line) tried and of files that
			       could not be read; open addressing, 0 = empty */
	size_t cap, used;
};

/* Starts with budget bytes (0: LT_SRCCAP_BUDGET), less what m keeps
 * already. */
void lt_srccap_init(struct lt_srccap *c, const lt_model *m, size_t budget);
/* Reads the lines of the frames m gained since the last call, through
 * /proc/PID/root when pid > 0, else the files as named (then only
 * world-readable ones); a frame whose line m keeps already is skipped.  Returns the snippets added.  This function
 * can't fail: a file that cannot be read is simply not kept. */
size_t lt_srccap_scan(struct lt_srccap *c, lt_model *m, pid_t pid);
void lt_srccap_free(struct lt_srccap *c); /* zeroes it */

#endif
