/* leaktop run -- CMD ARGS: starts CMD with the heap agent preloaded
 * (LD_PRELOAD, no ptrace) and records it until it exits.
 *
 * Like time(1) and strace(1), leaktop stays until CMD is gone and exits
 * with CMD's status.  SIGINT, SIGTERM and SIGHUP are passed on to CMD, and
 * the recording goes on until CMD reacts by exiting: a signal a process
 * sends to leaktop is forwarded, while one from the terminal already
 * reached CMD (same process group) and is not sent twice.  With a terminal
 * the live view runs; CMD then gets its own process group and its output
 * goes to FILE.out, so it cannot scribble over the screen. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lt_clock.h"
#include "lt_cmd.h"
#include "lt_driver.h"
#include "lt_heap.h"
#include "lt_opts.h"
#include "lt_session.h"
#include "lt_stop.h"
#include "lt_term.h"
#include "lt_ui.h"

/* How long the child's agent may take to say hello. */
#define ACCEPT_TIMEOUT_S 5.0

static const char usage[] =
	"usage: leaktop run [-o FILE] [OPTIONS] -- CMD [ARGS...]\n"
	"\n"
	"Start CMD with the heap agent preloaded (LD_PRELOAD; no ptrace needed)\n"
	"and record it until it exits: heap call sites from its first\n"
	"allocation, with procfs, cgroup and threads as `leaktop record` does.\n"
	"With a terminal the live view runs (CMD's output then goes to FILE.out);\n"
	"without one it records quietly.  SIGINT, SIGTERM and SIGHUP are passed\n"
	"on to CMD and the recording goes on until it exits.  leaktop exits with\n"
	"CMD's status: 128+N when signal N killed it, 127 when it cannot be\n"
	"found, 126 when it cannot be executed.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE      session file (default leaktop-PID-DATE-TIME.db\n"
	"                         in the current directory)\n"
	"  -f, --force            replace FILE if it exists (never a symlink)\n"
	"  -d, --duration DUR     stop recording after DUR (CMD keeps running;\n"
	"                         leaktop still waits for it)\n"
	"  -i, --interval DUR     time between ticks (default 1s, 10ms to 1h)\n"
	"  -T, --threads-interval DUR  time between thread samples (default 5s)\n"
	"      --no-threads       never stop CMD's threads\n"
	"      --sample-rate BYTES  heap: one sample per BYTES allocated, on average\n"
	"                         (default 512K; 1 = every allocation)\n"
	"      --max-depth N      heap: frames per allocating stack (default 64)\n"
	"      --no-heap          do not preload the heap agent\n"
	LT_CMD_HELP_SESSION_A
	"      --scan-at-end      one last reachability scan (two when needed for a\n"
	"                         proof) before the recording ends\n"
	LT_CMD_HELP_SESSION_B
	"  -h, --help             show this help\n";

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	case SIGKILL: return "SIGKILL";
	case SIGSEGV: return "SIGSEGV";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGPIPE: return "SIGPIPE";
	default: return NULL;
	}
}

struct child {
	pid_t pid;
	int own_group;  /* in its own process group: forward every signal */
	int done;       /* reaped; status valid */
	int status;
};

/* Reaps the child if it has exited.  Only between ticks: while the thread
 * sampler runs, its helper thread waits for the child's ptrace stops. */
static int reap(struct child *c)
{
	if (!c->done && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->done = 1;
	return c->done;
}

/* Passes a stop signal on to the child: one a process sent to leaktop,
 * or any when the child has its own process group (the terminal's
 * reached only leaktop then).  The recording goes on until the child
 * exits: a driver hook. */
static int forward(void *ctx, int sig, int from_process)
{
	struct child *c = ctx;

	if (c->done || (!from_process && !c->own_group))
		return 0;
	kill(c->pid, sig);
	fprintf(stderr, "leaktop: %s passed on to %d; recording until it exits\n",
		sig_name(sig), (int)c->pid);
	return 0;
}

/* Reaps the child after each wait, so that the tick finds it gone. */
static void reap_hook(void *ctx)
{
	reap(ctx);
}

/* The session file: as given, or leaktop-PID-STAMP.db. */
static void output_name(const char *given, pid_t pid, const char *stamp,
			char *buf, size_t len)
{
	if (given)
		snprintf(buf, len, "%s", given);
	else
		snprintf(buf, len, "leaktop-%d-%s.db", (int)pid, stamp);
}

/* In the child: the signals as they were, the environment, and for the
 * live view (output != NULL: the session file's name) a process group and
 * output of its own, in OUTPUT.out.  Writes errno to errfd if exec
 * fails. */
static void exec_child(char **cmd, char *const env[2], const char *output,
		       int errfd)
{
	char log[4300];
	int e;

	lt_stop_reset();
	for (int i = 0; i < 2; i++)
		if (env[i])
			putenv(env[i]);
	if (output) {
		int in, out;

		snprintf(log, sizeof(log), "%s.out", output);
		in = open("/dev/null", O_RDONLY);
		out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);

		setpgid(0, 0);
		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0) {
			e = errno;
			(void)!write(errfd, &e, sizeof(e));
			_exit(127);
		}
	}
	execvp(cmd[0], cmd);
	e = errno;
	(void)!write(errfd, &e, sizeof(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* Starts cmd.  Returns 0, or the exit status (127/126) after saying why
 * it could not be executed. */
static int start(struct child *c, char **cmd, char *const env[2], int tui,
		 const char *given, const char *stamp)
{
	char output[4200];
	int pfd[2], e = 0;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return lt_cmd_fail(LT_EXIT_ERROR, "pipe: %s", strerror(errno));
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0)
		return lt_cmd_fail(LT_EXIT_ERROR, "fork: %s", strerror(errno));
	if (c->pid == 0) {
		output_name(given, getpid(), stamp, output, sizeof(output));
		exec_child(cmd, env, tui ? output : NULL, pfd[1]);
	}
	c->own_group = tui;
	close(pfd[1]);
	/* EOF: the exec went through (the pipe closed with it). */
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(c->pid, NULL, 0);
		return lt_cmd_fail(e == ENOENT ? 127 : 126, "cannot run %s: %s",
				   cmd[0], strerror(e));
	}
	return 0;
}

/* Waits for the child's agent, as long as the child lives. */
static lt_heap *accept_agent(lt_heap *h, struct child *c, char *why,
			     size_t len)
{
	double deadline = lt_clock_mono() + ACCEPT_TIMEOUT_S;
	lt_err err = {0};

	for (;;) {
		if (lt_heap_accept(h, c->pid, 0.1, &err) == 0)
			return h;
		if (err.code != LT_EXIT_TARGET || lt_clock_mono() >= deadline || reap(c))
			break;
	}
	if (err.code == LT_EXIT_TARGET)
		snprintf(why, len, "the preloaded heap agent did not connect within %gs (%s)",
			 ACCEPT_TIMEOUT_S, c->done ? "the command exited" : "a static binary, or one that drops LD_PRELOAD?");
	else
		snprintf(why, len, "%s", err.msg);
	lt_heap_detach(h);
	return NULL;
}

/* Records headless until the session ends (the child exited, duration,
 * an error); stop signals are passed on to the child. */
static void record(lt_session *s, struct child *c, struct lt_end *end)
{
	struct lt_driver_hooks h = {.ctx = c, .on_signal = forward,
				    .on_wake = reap_hook};

	lt_driver_run(s, 0, &h, end);
}

struct live_ctx {
	lt_session *s;
	struct child *c;
};

static const lt_model *live_model(void *ctx)
{
	return lt_session_model(((struct live_ctx *)ctx)->s);
}

static double live_deadline(void *ctx)
{
	return lt_session_next_deadline(((struct live_ctx *)ctx)->s);
}

static int live_data_fd(void *ctx)
{
	return lt_session_data_fd(((struct live_ctx *)ctx)->s);
}

static void live_pump(void *ctx)
{
	lt_session_pump(((struct live_ctx *)ctx)->s);
}

static int live_tick(void *ctx, struct lt_end *end)
{
	struct live_ctx *l = ctx;

	reap(l->c);
	return lt_driver_tick(l->s, end);
}

static void live_scan(void *ctx)
{
	lt_session_scan(((struct live_ctx *)ctx)->s);
}

/* The live view over the session; then, if the child still runs, the
 * headless recording until it exits. */
static void live(lt_session *s, struct child *c, struct lt_end *end)
{
	struct live_ctx l = {s, c};
	struct lt_ui_source src = {.ctx = &l, .model = live_model,
				   .deadline = live_deadline, .tick = live_tick,
				   .scan = live_scan, .data_fd = live_data_fd,
				   .pump = live_pump, .pidfd = lt_session_pidfd(s)};
	struct lt_ui_opts uo = {.output = lt_session_output(s)};
	lt_err err = {0};
	int sig, from_process;

	if (lt_ui_run(&uo, &src, end, &err) < 0) {
		record(s, c, end);
		return;
	}
	if (lt_session_end(s)->kind != LT_END_NONE || end->kind == LT_END_ERROR || reap(c))
		return;
	/* The view ended, the child did not: a stop signal is passed on,
	 * and either way the recording goes on until the child exits. */
	sig = lt_stop_caught(&from_process);
	if (end->kind == LT_END_SIGNAL && sig) {
		forward(c, sig, from_process);
		lt_stop_clear();
	} else {
		fprintf(stderr, "leaktop: %d still runs; recording until it exits (Ctrl-C passes SIGINT on)\n",
			(int)c->pid);
	}
	record(s, c, end);
}

/* Reports how the child ended and turns it into leaktop's status. */
static int child_status(struct child *c, const char *name)
{
	const char *sn;

	while (!c->done) {
		if (waitpid(c->pid, &c->status, 0) == c->pid)
			c->done = 1;
		else if (errno != EINTR)
			return LT_EXIT_ERROR;
	}
	if (WIFSIGNALED(c->status)) {
		sn = sig_name(WTERMSIG(c->status));
		if (sn)
			fprintf(stderr, "leaktop: %s killed by %s\n", name, sn);
		else
			fprintf(stderr, "leaktop: %s killed by signal %d\n", name, WTERMSIG(c->status));
		return 128 + WTERMSIG(c->status);
	}
	fprintf(stderr, "leaktop: %s exited with status %d\n", name, WEXITSTATUS(c->status));
	return WEXITSTATUS(c->status);
}

/* check: when the duration ended the recording of a command that still
 * runs, the command is ended too (a server under test never exits by
 * itself): SIGTERM, then SIGKILL after STOP_GRACE_S. */
#define STOP_GRACE_S 5.0

static void stop_child(struct child *c, const char *name)
{
	double deadline = lt_clock_mono() + STOP_GRACE_S;

	if (reap(c))
		return;
	fprintf(stderr, "leaktop: duration reached; sending SIGTERM to %s (%d)\n", name,
		(int)c->pid);
	kill(c->pid, SIGTERM);
	while (!reap(c) && lt_clock_mono() < deadline) {
		struct timespec ts = {0, 50 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	if (!reap(c)) {
		fprintf(stderr, "leaktop: %s did not exit within %gs; sending SIGKILL\n", name,
			STOP_GRACE_S);
		kill(c->pid, SIGKILL);
	}
}

int lt_cmd_run_cmd(struct lt_opts *o, char **cmd, int check,
		   struct lt_run_result *r)
{
	struct lt_session_opts *so = &o->session;
	struct lt_heap_opts ho = {0};
	struct lt_end end;
	struct child c = {0};
	char stamp[32] = "0", why[600] = "";
	char *env[2] = {NULL, NULL};
	time_t now = time(NULL);
	struct tm tm;
	lt_heap *h = NULL;
	lt_session *s;
	lt_err err = {0};
	int rc, tui = !check && lt_term_usable(NULL, 0);

	memset(r, 0, sizeof(*r));
	lt_stop_setup();
	if (!so->no_heap) {
		ho = (struct lt_heap_opts){.sample_rate = so->sample_rate,
					   .max_depth = so->max_depth,
					   .no_free_flow = so->no_free_flow,
					   .agent_path = so->agent_path};
		h = lt_heap_listen(&ho, &env[0], &env[1], &err);
		if (!h)
			snprintf(why, sizeof(why), "%s", err.msg);
	}
	if (localtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	rc = start(&c, cmd, env, tui, so->output, stamp);
	free(env[0]);
	free(env[1]);
	if (rc) {
		lt_heap_detach(h);
		r->cmd_status = rc;
		return rc;
	}
	r->cmd_ran = 1;
	if (h)
		h = accept_agent(h, &c, why, sizeof(why));
	output_name(so->output, c.pid, stamp, r->output, sizeof(r->output));
	so->output = r->output;
	so->pid = c.pid;
	so->heap = h;
	so->heap_reason = h || so->no_heap ? NULL : why;
	s = lt_session_open(so, &err);
	if (!s) {
		/* A file that cannot be created is the error whatever CMD did. */
		if (err.code != LT_EXIT_FILE && reap(&c)) {
			fprintf(stderr, "leaktop: %s exited before the recording started\n", cmd[0]);
			r->cmd_status = child_status(&c, cmd[0]);
			return check ? LT_EXIT_TARGET : r->cmd_status;
		}
		lt_cmd_fail(err.code, "%s", err.msg);
		kill(c.pid, SIGTERM);
		r->cmd_status = child_status(&c, cmd[0]);
		return err.code;
	}
	lt_cmd_print_sources(s, "recording", so);
	if (tui)
		live(s, &c, &end);
	else
		record(s, &c, &end);
	r->early = so->duration > 0 && end.kind == LT_END_TARGET_EXITED;
	r->session_status = tui ? lt_cmd_finish_ui(s, "recording", &end)
				 : lt_cmd_finish(s, "recording", &end);
	if (check && end.kind == LT_END_DURATION && !reap(&c)) {
		stop_child(&c, cmd[0]);
		r->stopped = 1;
	}
	r->cmd_status = child_status(&c, cmd[0]);
	return r->session_status;
}

int lt_cmd_run(int argc, char **argv)
{
	struct lt_opts o;
	struct lt_run_result r;
	lt_err err = {0};
	int status;

	if (lt_opts_parse(LT_OPTS_RUN, argc, argv, &o, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (o.help) {
		fputs(usage, stdout);
		return LT_EXIT_OK;
	}
	status = lt_cmd_run_cmd(&o, argv + o.arg, 0, &r);
	return status != LT_EXIT_OK || !r.cmd_ran ? status : r.cmd_status;
}
