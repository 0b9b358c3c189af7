/* leaktop record -p PID -o FILE: a headless recording.
 *
 * The session driver runs it: the stop signals are blocked except while
 * waiting between ticks, so a signal never interrupts a half-written tick;
 * the current tick is committed, then the session is finished with the
 * signal as its end reason. */
#include <stdio.h>

#include "lt_cmd.h"
#include "lt_driver.h"
#include "lt_opts.h"
#include "lt_session.h"
#include "lt_stop.h"

static const char usage[] =
	"usage: leaktop record -p PID -o FILE [OPTIONS]\n"
	"\n"
	"Sample a running process into a session file until the duration ends,\n"
	"the process exits, or leaktop gets SIGINT, SIGTERM or SIGHUP.  Every\n"
	"tick is committed as it is taken: the file is readable at any moment\n"
	"and after any stop, SIGKILL included.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID          process to sample (a thread id selects its process)\n"
	"  -o, --output FILE      session file to create (SQLite)\n"
	"  -d, --duration DUR     stop after DUR (default: until stopped)\n"
	"  -i, --interval DUR     time between ticks (default 1s, 10ms to 1h)\n"
	"  -f, --force            replace FILE if it exists (never a symlink)\n"
	"  -T, --threads-interval DUR\n"
	"                         time between thread samples (default 5s): each\n"
	"                         thread is stopped briefly, one at a time, to\n"
	"                         read its stack; threads are grouped by stack\n"
	"      --no-threads       do not stop threads; procfs and cgroup only\n"
	"      --sample-rate BYTES  heap: sample one allocation per BYTES allocated,\n"
	"                         on average (default 512K; 1 records every\n"
	"                         allocation, at a much higher cost); 64KiB, 1M...\n"
	"      --max-depth N      heap: frames kept per allocating stack (default\n"
	"                         64, at most 256)\n"
	"      --no-heap          do not load the heap agent into the process\n"
	LT_CMD_HELP_SESSION_A
	"      --scan-at-end      one last reachability scan (two when needed for a\n"
	"                         proof) before the recording ends\n"
	LT_CMD_HELP_SESSION_B
	"  -h, --help             show this help\n"
	"\n"
	"The heap agent is loaded with ptrace (one thread is stopped briefly at a\n"
	"safe point) and removes its hooks when the recording ends, however it\n"
	"ends.  A process it cannot be loaded into (static, Go without cgo, not\n"
	"glibc, traced, stopped, no permission) is recorded without heap sites,\n"
	"with the reason.  A Go program's goroutines and Go heap are read from\n"
	"outside, without stopping it (a cgo program gets the agent too).\n"
	"\n"
	"DUR is a number with a unit: 500ms, 10s, 5m, 1h30m, 2d; a plain\n"
	"number is seconds.\n";

int lt_cmd_record_session(struct lt_opts *o, enum lt_end_kind *how)
{
	struct lt_end end = {0};
	lt_session *s;
	lt_err err = {0};

	/* Signals are blocked before the file exists (and the agent is
	 * loaded), so a Ctrl-C during set-up still ends in a finished,
	 * readable session and a target without hooks. */
	lt_stop_setup();
	s = lt_session_open(&o->session, &err);
	if (!s)
		return lt_cmd_fail(err.code, "%s", err.msg);
	lt_cmd_print_sources(s, "recording", &o->session);
	lt_driver_run(s, 0, NULL, &end);
	if (how)
		*how = end.kind;
	return lt_cmd_finish(s, "recording", &end);
}

int lt_cmd_record(int argc, char **argv)
{
	struct lt_opts o;
	lt_err err = {0};

	if (lt_opts_parse(LT_OPTS_RECORD, argc, argv, &o, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (o.help) {
		fputs(usage, stdout);
		return LT_EXIT_OK;
	}
	return lt_cmd_record_session(&o, NULL);
}
