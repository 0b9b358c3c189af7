/* Subcommands.  Each takes argv starting at the subcommand's name, prints
 * its own errors as one "leaktop: ..." line on stderr, and returns the
 * process exit status (an enum lt_exit value). */
#ifndef LT_CMD_H
#define LT_CMD_H

int lt_cmd_record(int argc, char **argv);
int lt_cmd_report(int argc, char **argv);
int lt_cmd_demo(int argc, char **argv);

/* Prints "leaktop: <msg>" on stderr and returns code. */
int lt_cmd_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
