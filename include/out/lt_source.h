/* Lines of a program's source file around a line, for the UI's
 * `pprof list`-like view of a stack frame: from the file when it can be
 * read (lt_srcfile.h), else from the lines the session kept
 * (lt_srctext.h), so a copy of a session shows its sources on a machine
 * without them. */
#ifndef LT_SOURCE_H
#define LT_SOURCE_H

#include <sys/types.h>

#include "lt_err.h"
#include "lt_model.h"
#include "lt_srcfile.h"

/* Reads lines [line - context, line + context] of file like
 * lt_srcfile_read; when that fails, takes the lines m kept of file around
 * line (out->kept is then 1).
 * Returns 0, or -1 with the file's error (LT_EXIT_ERROR) when neither has
 * them; out is then empty. */
int lt_source_read(const lt_model *m, const char *file, pid_t pid, int line,
		   int context, struct lt_source_lines *out, lt_err *err);
void lt_source_free(struct lt_source_lines *s); /* zeroes it; NULL-safe */

#endif
