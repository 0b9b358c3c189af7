/* Lines of a program's source file around a line, for the UI's
 * `pprof list`-like view of a stack frame.  The file is named by the
 * target's debug information, so it is read bounded (size, line length)
 * and its bytes are shown, not trusted: control characters become '?'. */
#ifndef LT_SOURCE_H
#define LT_SOURCE_H

#include <sys/types.h>

#include "lt_err.h"

struct lt_source_lines {
	char *path;      /* the file read (malloc'd) */
	int first;       /* line number of text[0] */
	int n;           /* lines in text */
	char **text;     /* malloc'd, each NUL-terminated */
};

/* Reads lines [line - context, line + context] of file.  A relative file
 * is looked up under the target's working directory when pid > 0, then
 * under ours; an absolute one under /proc/PID/root first (the target's
 * mount namespace), then as is.  Returns 0, or -1 with a message saying
 * which file could not be read (LT_EXIT_ERROR). */
int lt_source_read(const char *file, pid_t pid, int line, int context,
		   struct lt_source_lines *out, lt_err *err);
void lt_source_free(struct lt_source_lines *s); /* zeroes it; NULL-safe */

#endif
