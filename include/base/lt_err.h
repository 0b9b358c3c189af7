/* Error reporting and allocation helpers shared by every module.
 *
 * Fallible functions return 0 on success and -1 on failure, and fill an
 * optional lt_err (callers may pass NULL).  The code is one of the documented
 * exit codes, so the command that finally prints the message also knows which
 * status to exit with. */
#ifndef LT_ERR_H
#define LT_ERR_H

#include <stddef.h>

/* Exit codes, documented in doc/leaktop.1 and --help. */
enum lt_exit {
	LT_EXIT_OK = 0,     /* success; also: target exited during record */
	LT_EXIT_ERROR = 1,  /* runtime failure (I/O, SQLite, out of resources) */
	LT_EXIT_USAGE = 2,  /* bad command line: option, duration, interval */
	LT_EXIT_TARGET = 3, /* target unusable: no such pid, kernel thread,
			       zombie, permission denied */
	LT_EXIT_FILE = 4,   /* session file: exists, not writable, symlink,
			       missing, corrupt, truncated, newer schema */
	/* leaktop check, where 1 means "something grows": */
	LT_EXIT_CHECK_ERROR = 5, /* a runtime failure (1 elsewhere), or a
				    session too short to judge */
	LT_EXIT_CHECK_CMD = 6,   /* CMD failed by itself; nothing grows */
};

typedef struct lt_err {
	int code;       /* an enum lt_exit value */
	char msg[512];  /* one line, no trailing newline */
} lt_err;

/* Fills err (if not NULL) with code and a printf-formatted message.
 * This function can't fail; long messages are truncated. */
void lt_err_set(lt_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Allocation that never returns NULL: on out-of-memory it runs the hook set
 * with lt_oom_hook (the UI restores the terminal there), prints a message and
 * aborts. */
void *lt_xmalloc(size_t n);
void *lt_xcalloc(size_t n, size_t size);
void *lt_xrealloc(void *p, size_t n);
char *lt_xstrdup(const char *s);
void lt_oom_hook(void (*fn)(void));

#endif
