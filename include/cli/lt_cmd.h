/* Subcommands.  Each takes argv starting at the subcommand's name, prints
 * its own errors as one "leaktop: ..." line on stderr, and returns the
 * process exit status (an enum lt_exit value). */
#ifndef LT_CMD_H
#define LT_CMD_H

#include <stddef.h>
#include <sys/types.h>

#include "lt_end.h"
#include "lt_session.h"

int lt_cmd_record(int argc, char **argv);
int lt_cmd_report(int argc, char **argv);
int lt_cmd_export(int argc, char **argv);
int lt_cmd_demo(int argc, char **argv);
int lt_cmd_run(int argc, char **argv);

/* What record, run and live share around their session (recording.c). */

/* The "leaktop: recording PID (exe) to FILE ..." line (what: "recording")
 * and, on further lines, the sources that could not start and why. */
void lt_cmd_print_sources(lt_session *s, const char *what,
			  const struct lt_session_opts *o);

/* Closes s with end as its end reason and says so on stderr: for an
 * error end "leaktop: WHAT stopped by an error: MSG" first, then
 * "leaktop: WHAT ended (REASON): N ticks in FILE".  s is freed.  Returns
 * the exit status: lt_end_status(end), or the code of the failure to
 * finish the file (printed instead of the "ended" line). */
int lt_cmd_finish(lt_session *s, const char *what, const struct lt_end *end);

/* The default session file: leaktop-PID-YYYYmmdd-HHMMSS.db in the current
 * directory (64 bytes are enough). */
void lt_cmd_default_output(pid_t pid, char *buf, size_t len);

/* Prints "leaktop: <msg>" on stderr and returns code (opts.c). */
int lt_cmd_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
