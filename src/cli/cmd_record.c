/* leaktop record -p PID -o FILE: the headless recording loop.
 *
 * One thread.  The stop signals are blocked except while waiting between
 * ticks (ppoll), so a signal never interrupts a half-written tick: the
 * current tick is committed, then the session is finished with the signal
 * as its end reason. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lt_cmd.h"
#include "lt_duration.h"
#include "lt_session.h"

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
	"  -h, --help             show this help\n"
	"\n"
	"The heap agent is loaded with ptrace (one thread is stopped briefly at a\n"
	"safe point) and removes its hooks when the recording ends, however it\n"
	"ends.  A process it cannot be loaded into (static, Go, not glibc, traced,\n"
	"stopped, no permission) is recorded without heap sites, with the reason.\n"
	"\n"
	"DUR is a number with a unit: 500ms, 10s, 5m, 1h30m, 2d; a plain\n"
	"number is seconds.\n";

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum { OPT_NO_THREADS = 256, OPT_RATE, OPT_DEPTH, OPT_NO_HEAP };

int lt_cmd_record_args(int argc, char **argv, const char *help, int run,
		       struct lt_session_opts *o)
{
	static const struct option opts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
		{"duration", required_argument, NULL, 'd'},
		{"interval", required_argument, NULL, 'i'},
		{"force", no_argument, NULL, 'f'},
		{"threads-interval", required_argument, NULL, 'T'},
		{"no-threads", no_argument, NULL, OPT_NO_THREADS},
		{"sample-rate", required_argument, NULL, OPT_RATE},
		{"max-depth", required_argument, NULL, OPT_DEPTH},
		{"no-heap", no_argument, NULL, OPT_NO_HEAP},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = run ? "run" : "record";
	lt_err err = {0};
	int c;

	*o = (struct lt_session_opts){.interval = 1.0, .threads_interval = 5.0,
				      .argc = argc, .argv = argv};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, run ? "+:o:d:i:T:fh" : "+:p:o:d:i:T:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (run)
				return lt_cmd_fail(LT_EXIT_USAGE, "run: --pid does not go with run: it starts its own process");
			if (lt_cmd_parse_pid(optarg, &o->pid) < 0)
				return lt_cmd_fail(LT_EXIT_USAGE, "invalid pid '%s'", optarg);
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'd':
			if (lt_duration_parse(optarg, "duration", &o->duration, &err) < 0)
				return lt_cmd_fail(err.code, "%s", err.msg);
			if (o->duration <= 0)
				return lt_cmd_fail(LT_EXIT_USAGE, "invalid duration '%s': must be more than 0", optarg);
			break;
		case 'i':
			if (lt_duration_parse(optarg, "interval", &o->interval, &err) < 0)
				return lt_cmd_fail(err.code, "%s", err.msg);
			if (o->interval < 0.01 || o->interval > 3600)
				return lt_cmd_fail(LT_EXIT_USAGE, "invalid interval '%s': must be between 10ms and 1h", optarg);
			break;
		case 'f':
			o->force = 1;
			break;
		case 'T':
			if (lt_duration_parse(optarg, "threads interval", &o->threads_interval, &err) < 0)
				return lt_cmd_fail(err.code, "%s", err.msg);
			if (o->threads_interval < 0.01 || o->threads_interval > 86400)
				return lt_cmd_fail(LT_EXIT_USAGE, "invalid threads interval '%s': must be between 10ms and 1d", optarg);
			break;
		case OPT_NO_THREADS:
			o->no_threads = 1;
			break;
		case OPT_RATE:
			if (lt_cmd_parse_rate(optarg, &o->sample_rate))
				return LT_EXIT_USAGE;
			break;
		case OPT_DEPTH:
			if (lt_cmd_parse_depth(optarg, &o->max_depth))
				return LT_EXIT_USAGE;
			break;
		case OPT_NO_HEAP:
			o->no_heap = 1;
			break;
		case 'h':
			fputs(help, stdout);
			return -1;
		case ':':
			return lt_cmd_fail(LT_EXIT_USAGE, "%s: option '%s' needs a value", cmd, argv[optind - 1]);
		default:
			return lt_cmd_fail(LT_EXIT_USAGE, "%s: unknown option '%s' (see leaktop %s --help)",
					   cmd, argv[optind - 1], cmd);
		}
	}
	if (run)
		return 0;
	if (optind < argc)
		return lt_cmd_fail(LT_EXIT_USAGE, "record: unexpected argument '%s'", argv[optind]);
	if (!o->pid)
		return lt_cmd_fail(LT_EXIT_USAGE, "record: -p PID is required (see leaktop record --help)");
	if (!o->output)
		return lt_cmd_fail(LT_EXIT_USAGE, "record: -o FILE is required (see leaktop record --help)");
	return 0;
}

/* Blocks the stop signals (they are let through only inside ppoll) and
 * installs their handler.  SIGPIPE is ignored: a closed stdout must not
 * kill a recording. */
static void setup_signals(sigset_t *wait_mask)
{
	struct sigaction sa = {0};
	sigset_t block;

	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	sigdelset(wait_mask, SIGINT);
	sigdelset(wait_mask, SIGTERM);
	sigdelset(wait_mask, SIGHUP);
}

/* Waits until the monotonic time deadline, a stop signal, or the target's
 * exit (pidfd readable).  Returns 1 if the target exited. */
static int wait_tick(double deadline, int pidfd, const sigset_t *mask)
{
	for (;;) {
		double left = deadline - mono_now();
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		struct timespec ts;
		int rc;

		if (stop_signal || left <= 0)
			return 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		rc = ppoll(&pfd, pidfd >= 0 ? 1 : 0, &ts, mask);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return 0;
	}
}

static const char *signal_reason(int sig)
{
	switch (sig) {
	case SIGINT: return "signal SIGINT";
	case SIGTERM: return "signal SIGTERM";
	case SIGHUP: return "signal SIGHUP";
	default: return "signal";
	}
}

void lt_cmd_print_sources(lt_session *s, const char *what,
			  const struct lt_session_opts *o)
{
	const lt_model *m = lt_session_model(s);
	const struct lt_meta *mt = lt_model_meta_c(m);
	const struct lt_source *th = lt_model_source_find(m, "threads");
	const struct lt_source *hp = lt_model_source_find(m, "heap");

	fprintf(stderr, "leaktop: %s %d (%s) to %s every %gs%s\n", what, (int)mt->pid,
		mt->exe ? mt->exe : "?", lt_session_output(s), o->interval,
		o->duration > 0 ? "" : " until stopped (Ctrl-C)");
	if (hp && hp->available)
		fprintf(stderr, "leaktop: heap sites: %s\n", hp->reason ? hp->reason : "on");
	else if (hp && !o->no_heap)
		fprintf(stderr, "leaktop: heap sites unavailable: %s\n", hp->reason);
	if (th && !th->available && !o->no_threads)
		fprintf(stderr, "leaktop: threads unavailable: %s\n", th->reason);
}

int lt_cmd_record(int argc, char **argv)
{
	struct lt_session_opts o;
	lt_session *s;
	lt_err err = {0};
	sigset_t wait_mask;
	const char *reason = NULL;
	char buf[600];
	int rc, status = LT_EXIT_OK;

	rc = lt_cmd_record_args(argc, argv, usage, 0, &o);
	if (rc != 0)
		return rc < 0 ? LT_EXIT_OK : rc;
	/* Signals are blocked before the file exists (and the agent is
	 * loaded), so a Ctrl-C during set-up still ends in a finished,
	 * readable session and a target without hooks. */
	setup_signals(&wait_mask);
	s = lt_session_open(&o, &err);
	if (!s)
		return lt_cmd_fail(err.code, "%s", err.msg);
	lt_cmd_print_sources(s, "recording", &o);
	while (!reason) {
		rc = lt_session_tick(s, &err);
		if (rc < 0) {
			snprintf(buf, sizeof(buf), "error: %s", err.msg);
			reason = buf;
			status = err.code ? err.code : LT_EXIT_ERROR;
			break;
		}
		if (rc > 0) {
			reason = lt_session_end_reason(s);
			break;
		}
		/* A target that exits is seen at the next tick, taken at once. */
		if (!wait_tick(lt_session_next_deadline(s), lt_session_pidfd(s), &wait_mask) && stop_signal)
			reason = signal_reason(stop_signal);
	}
	{
		size_t ticks = lt_session_ticks(s);

		if (lt_session_close(s, reason, &err) < 0)
			return lt_cmd_fail(err.code ? err.code : LT_EXIT_ERROR, "%s", err.msg);
		if (status != LT_EXIT_OK)
			lt_cmd_fail(status, "recording stopped by an %s", reason);
		fprintf(stderr, "leaktop: recording ended (%s): %zu ticks in %s\n",
			reason, ticks, o.output);
	}
	return status;
}
