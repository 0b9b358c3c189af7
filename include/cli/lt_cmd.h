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
int lt_cmd_check(int argc, char **argv);

struct lt_opts;

/* What record and check share (cmd_record.c): records o->session (pid
 * and output set) until it ends, headless, and finishes the file; *how
 * (may be NULL) is how it ended.  Returns lt_cmd_finish's status, or the
 * session's open error's code after printing it (*how is then unset). */
int lt_cmd_record_session(struct lt_opts *o, enum lt_end_kind *how);

/* What run and check share (cmd_run.c). */
struct lt_run_result {
	char output[4200];  /* the session file */
	int cmd_ran;        /* CMD was started (else cmd_status says why not) */
	int cmd_status;     /* CMD's exit status, 128+N for signal N, 126/127 */
	int early;          /* CMD exited before --duration was reached */
	int stopped;        /* check ended CMD when the duration was reached */
	int session_status; /* lt_cmd_finish's status */
};

/* Starts cmd with the heap agent preloaded and records it (o->session;
 * output NULL: leaktop-PID-DATE-TIME.db) until it exits, the duration
 * ends or an error; with a terminal and !check the live view runs.  With
 * check, CMD is ended (SIGTERM, then SIGKILL after 5s) when the duration
 * ends it, and never gets the terminal.  Fills *r and returns the status
 * of the recording: 0, the error's code (printed), or when CMD could not
 * be run, 126/127.  A CMD that exits before the recording starts gives
 * its own status (run) or LT_EXIT_TARGET (check). */
int lt_cmd_run_cmd(struct lt_opts *o, char **cmd, int check,
		   struct lt_run_result *r);

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

/* lt_cmd_finish after the terminal UI: then, unless the finish failed
 * or the terminal went away, prints the verdicts (as report does) and
 * "The whole report: leaktop report FILE" on stdout. */
int lt_cmd_finish_ui(lt_session *s, const char *what, const struct lt_end *end);

/* The default session file: leaktop-PID-YYYYmmdd-HHMMSS.db in the current
 * directory (64 bytes are enough). */
void lt_cmd_default_output(pid_t pid, char *buf, size_t len);

/* Prints "leaktop: <msg>" on stderr and returns code (opts.c). */
int lt_cmd_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --help lines of the session options that record, run and the live view
 * share (one text, as opts.c is one table). */
#define LT_CMD_HELP_SESSION_A \
	"      --no-free-flow     heap: sample allocations only, not frees (cheaper;\n" \
	"                         a warm cache can then read as growing)\n" \
	"      --no-sources       keep no source lines in the session file (they are\n" \
	"                         kept by default, for the source view of a copy)\n" \
	"      --scan-interval DUR  time between reachability scans (default 30s;\n" \
	"                         0: none but on request): the heap agent's sampled\n" \
	"                         blocks nothing in the process points to any more,\n" \
	"                         proven by two scans that agree (with --no-threads\n" \
	"                         no thread is stopped: no registers, weaker)\n"
#define LT_CMD_HELP_SESSION_B \
	"      --wrapper NAME     a function of yours that only wraps malloc: heap\n" \
	"                         rows name its callers (repeatable; kept in FILE)\n" \
	"      --pprof URL        a Go program's own net/http/pprof endpoint\n" \
	"                         (http://127.0.0.1:PORT): its goroutine and heap\n" \
	"                         profiles, for a binary built with -s -w\n"

#endif
