/* Lines of a program's source file around a line, read through the
 * target's root: what the source view shows, and what a recording keeps
 * of the files its stacks name (lt_srctext).  The file is named by the
 * target's debug information, so it is read bounded (size, line length)
 * and its bytes are shown, not trusted: control characters become '?'. */
#ifndef LT_SRCFILE_H
#define LT_SRCFILE_H

#include <sys/types.h>

#include "lt_err.h"

#define LT_SRCFILE_MAX_LINE 400  /* bytes kept of one line */

struct lt_source_lines {
	char *path;      /* the file read, or named (malloc'd) */
	int first;       /* line number of text[0] */
	int n;           /* lines in text */
	char **text;     /* malloc'd, each NUL-terminated */
	int kept;        /* 1: the lines the session kept (lt_source_read),
			    not the file's */
	mode_t mode;     /* the file's mode and owner (0 when kept): who */
	uid_t uid;       /* may read it, for those who keep its lines */
};

/* Reads lines [line - context, line + context] of file.  A relative file
 * is looked up under the target's working directory when pid > 0, then
 * under ours; an absolute one under /proc/PID/root first (the target's
 * mount namespace), then as is.  Only a regular file is read.  Returns 0,
 * or -1 with a message saying which file could not be read
 * (LT_EXIT_ERROR); out is then empty. */
int lt_srcfile_read(const char *file, pid_t pid, int line, int context,
		    struct lt_source_lines *out, lt_err *err);
void lt_srcfile_free(struct lt_source_lines *s); /* zeroes it; NULL-safe */

#endif
