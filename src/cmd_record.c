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
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lt_cmd.h"
#include "lt_duration.h"
#include "lt_model.h"
#include "lt_procfs.h"
#include "lt_store.h"

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
	"  -h, --help             show this help\n"
	"\n"
	"DUR is a number with a unit: 500ms, 10s, 5m, 1h30m, 2d; a plain\n"
	"number is seconds.\n";

struct record_opts {
	pid_t pid;
	const char *output;
	double duration;   /* seconds; 0 = until stopped */
	double interval;
	int force;
};

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

static int64_t wall_ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v <= 0 || v > 0x3fffffff)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct record_opts *o)
{
	static const struct option opts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
		{"duration", required_argument, NULL, 'd'},
		{"interval", required_argument, NULL, 'i'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	lt_err err = {0};
	int c;

	*o = (struct record_opts){.interval = 1.0};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:o:d:i:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_pid(optarg, &o->pid) < 0)
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
		case 'h':
			fputs(usage, stdout);
			return -1;
		case ':':
			return lt_cmd_fail(LT_EXIT_USAGE, "record: option '%s' needs a value", argv[optind - 1]);
		default:
			return lt_cmd_fail(LT_EXIT_USAGE, "record: unknown option '%s' (see leaktop record --help)",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return lt_cmd_fail(LT_EXIT_USAGE, "record: unexpected argument '%s'", argv[optind]);
	if (!o->pid)
		return lt_cmd_fail(LT_EXIT_USAGE, "record: -p PID is required (see leaktop record --help)");
	if (!o->output)
		return lt_cmd_fail(LT_EXIT_USAGE, "record: -o FILE is required (see leaktop record --help)");
	return 0;
}

static char *join_args(int argc, char **argv)
{
	size_t n = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = lt_xmalloc(n);
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Session metadata that does not change during the recording. */
static void fill_meta(lt_model *m, pid_t pid, const lt_procfs *pf,
		      const struct record_opts *o, int argc, char **argv)
{
	struct lt_meta *meta = lt_model_meta(m);
	struct lt_target_info ti = {0};
	struct utsname u;
	char *opts = join_args(argc, argv);

	meta->pid = pid;
	meta->interval = o->interval;
	if (lt_procfs_target_info(pid, &ti, NULL) == 0) {
		lt_model_set_str(m, &meta->cmdline, ti.cmdline);
		lt_model_set_str(m, &meta->exe, ti.exe);
		lt_model_set_str(m, &meta->build_id, ti.build_id);
		lt_procfs_target_info_free(&ti);
	}
	if (uname(&u) == 0) {
		char kernel[sizeof(u.release) + sizeof(u.version) + sizeof(u.machine) + 3];

		snprintf(kernel, sizeof(kernel), "%s %s %s", u.release, u.version, u.machine);
		lt_model_set_str(m, &meta->host, u.nodename);
		lt_model_set_str(m, &meta->kernel, kernel);
	}
	lt_model_set_str(m, &meta->version, LT_VERSION);
	lt_model_set_str(m, &meta->options, opts);
	lt_model_set_str(m, &meta->cgroup, lt_procfs_cgroup(pf));
	free(opts);
	lt_model_set_source(m, "procfs", 1, NULL);
	lt_model_set_source(m, "cgroup", lt_procfs_cgroup(pf) != NULL,
			    lt_procfs_cgroup_reason(pf));
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

struct loop_result {
	const char *reason;     /* static string, or err.msg-based */
	char buf[600];
	int status;
	size_t ticks;
};

static void record_loop(lt_model *m, lt_store *st, lt_procfs *pf, int pidfd,
			const struct record_opts *o, const sigset_t *mask,
			struct loop_result *res)
{
	double start = mono_now();
	lt_err err = {0};

	for (unsigned long k = 0;; k++) {
		struct lt_sample s = {0};
		double deadline;

		s.t = mono_now() - start;
		s.wall_ns = wall_ns_now();
		if (lt_procfs_sample(pf, &s, &err) < 0) {
			if (err.code == LT_EXIT_TARGET) {
				res->reason = "target exited";
				return;
			}
			snprintf(res->buf, sizeof(res->buf), "error: %s", err.msg);
			res->reason = res->buf;
			res->status = LT_EXIT_ERROR;
			return;
		}
		lt_model_add_sample(m, &s);
		if (lt_store_commit_tick(st, m, &err) < 0) {
			snprintf(res->buf, sizeof(res->buf), "error: %s", err.msg);
			res->reason = res->buf;
			res->status = err.code ? err.code : LT_EXIT_ERROR;
			return;
		}
		res->ticks++;
		/* Ticks stay on a fixed grid: a slow sample skips ticks rather
		 * than drifting the rest of the session. */
		deadline = start + (double)(k + 1) * o->interval;
		while (deadline <= mono_now()) {
			k++;
			deadline = start + (double)(k + 1) * o->interval;
		}
		if (o->duration > 0 && deadline - start > o->duration + 1e-6) {
			res->reason = "duration";
			return;
		}
		if (wait_tick(deadline, pidfd, mask)) {
			res->reason = "target exited";
			return;
		}
		if (stop_signal) {
			res->reason = signal_reason(stop_signal);
			return;
		}
	}
}

int lt_cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct loop_result res = {0};
	lt_model *m = NULL;
	lt_store *st = NULL;
	lt_procfs *pf = NULL;
	lt_err err = {0};
	sigset_t wait_mask;
	pid_t tgid;
	int rc, pidfd = -1, status = LT_EXIT_OK;

	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? LT_EXIT_OK : rc;
	/* Signals are blocked before the file exists, so a Ctrl-C during set-up
	 * still ends in a finished, readable session. */
	setup_signals(&wait_mask);
	if (lt_procfs_check(o.pid, &tgid, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	pf = lt_procfs_new(tgid, &err);
	if (!pf)
		return lt_cmd_fail(err.code, "%s", err.msg);
	st = lt_store_create(o.output, o.force, &err);
	if (!st) {
		lt_procfs_free(pf);
		return lt_cmd_fail(err.code, "%s", err.msg);
	}
	m = lt_model_new();
	lt_model_set_retention(m, 4096);
	fill_meta(m, tgid, pf, &o, argc, argv);
	lt_model_meta(m)->start_ns = wall_ns_now();
	if (lt_store_write_meta(st, m, &err) < 0) {
		lt_store_close(st);
		status = lt_cmd_fail(err.code, "%s", err.msg);
		goto out;
	}
	pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	fprintf(stderr, "leaktop: recording %d (%s) to %s every %gs%s\n", (int)tgid,
		lt_model_meta(m)->exe ? lt_model_meta(m)->exe : "?", o.output,
		o.interval, o.duration > 0 ? "" : " until stopped (Ctrl-C)");

	record_loop(m, st, pf, pidfd, &o, &wait_mask, &res);
	status = res.status;
	if (lt_store_finish(st, wall_ns_now(), res.reason, &err) < 0) {
		status = lt_cmd_fail(err.code ? err.code : LT_EXIT_ERROR, "%s", err.msg);
		goto out;
	}
	if (status != LT_EXIT_OK)
		lt_cmd_fail(status, "recording stopped by an %s", res.reason);
	fprintf(stderr, "leaktop: recording ended (%s): %zu ticks in %s\n",
		res.reason, res.ticks, o.output);
out:
	if (pidfd >= 0)
		close(pidfd);
	lt_procfs_free(pf);
	lt_model_free(m);
	return status;
}
