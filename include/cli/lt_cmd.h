/* Subcommands.  Each takes argv starting at the subcommand's name, prints
 * its own errors as one "leaktop: ..." line on stderr, and returns the
 * process exit status (an enum lt_exit value). */
#ifndef LT_CMD_H
#define LT_CMD_H

#include <stdint.h>
#include <sys/types.h>

#include "lt_session.h"

int lt_cmd_record(int argc, char **argv);
int lt_cmd_report(int argc, char **argv);
int lt_cmd_export(int argc, char **argv);
int lt_cmd_demo(int argc, char **argv);
int lt_cmd_run(int argc, char **argv);

/* The options of record, shared by run (run != 0: no -p, no -o required,
 * parsing stops at the first argument, optind points at it).  Fills *o
 * (argc/argv kept as metadata).  Returns 0, -1 when help was printed, or
 * an exit status after printing the error. */
int lt_cmd_record_args(int argc, char **argv, const char *help, int run,
		       struct lt_session_opts *o);

/* The "leaktop: recording PID (exe) to FILE ..." line and, on further
 * lines, the sources that could not start and why. */
void lt_cmd_print_sources(lt_session *s, const char *what,
			  const struct lt_session_opts *o);

/* Parses a process id as typed: decimal digits only, 1 to 2^30 - 1.
 * Returns 0, or -1 with *pid unchanged. */
int lt_cmd_parse_pid(const char *s, pid_t *pid);

/* --sample-rate: bytes with an optional binary unit (K, KB, KiB, M, G;
 * any case), 1 byte to 1 GiB.  --max-depth: 1 to LT_AGENT_MAX_DEPTH.
 * Return 0, or print the error and return LT_EXIT_USAGE. */
int lt_cmd_parse_rate(const char *s, uint64_t *bytes);
int lt_cmd_parse_depth(const char *s, unsigned *depth);

/* The default session file: leaktop-PID-YYYYmmdd-HHMMSS.db in the current
 * directory (64 bytes are enough). */
void lt_cmd_default_output(pid_t pid, char *buf, size_t len);

/* Prints "leaktop: <msg>" on stderr and returns code. */
int lt_cmd_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
