/* Subcommands.  Each takes argv starting at the subcommand's name, prints
 * its own errors as one "leaktop: ..." line on stderr, and returns the
 * process exit status (an enum lt_exit value). */
#ifndef LT_CMD_H
#define LT_CMD_H

#include <sys/types.h>

int lt_cmd_record(int argc, char **argv);
int lt_cmd_report(int argc, char **argv);
int lt_cmd_demo(int argc, char **argv);

/* Parses a process id as typed: decimal digits only, 1 to 2^30 - 1.
 * Returns 0, or -1 with *pid unchanged. */
int lt_cmd_parse_pid(const char *s, pid_t *pid);

/* Prints "leaktop: <msg>" on stderr and returns code. */
int lt_cmd_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
