/* Stopping one thread at a time with PTRACE_SEIZE + PTRACE_INTERRUPT.
 *
 * Wait statuses under PTRACE_SEIZE (ptrace(2), "Group-stop" and
 * "PTRACE_EVENT_STOP"): our interrupt is reported as PTRACE_EVENT_STOP with
 * SIGTRAP; a job-control stop as PTRACE_EVENT_STOP with the stop signal; a
 * signal about to be delivered as a plain stop with that signal (event 0),
 * which must be handed back at detach or the target loses it.  Every one of
 * them is a ptrace-stop in which registers and memory can be read, so we
 * take whichever comes first. */
#include "lt_ptrace.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

/* Yields before the first sleep: a thread blocked in a syscall stops within
 * microseconds once it gets a CPU, and on a small machine it may be waiting
 * for ours. */
#define SPIN_YIELDS 16
#define SLEEP_MIN_NS 20000
#define SLEEP_MAX_NS 1000000

int64_t lt_ptrace_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU;
}

/* Decodes one waitpid result for st.  r is waitpid's return value. */
static enum lt_ptrace_result decode(struct lt_ptrace_stop *st, pid_t r,
				    int status)
{
	if (r == 0)
		return LT_PTRACE_PENDING;
	if (r < 0) {
		/* ECHILD: no longer our tracee, so it is gone (reaped or
		 * released by an exec of another thread). */
		st->errno_ = errno;
		st->seized = 0;
		return errno == ECHILD ? LT_PTRACE_GONE : LT_PTRACE_ERROR;
	}
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		st->seized = 0;
		return LT_PTRACE_GONE;
	}
	if (!WIFSTOPPED(status))
		return LT_PTRACE_PENDING; /* WIFCONTINUED: not a stop */
	int sig = WSTOPSIG(status);
	int event = (int)((unsigned)status >> 16);

	st->stopped = 1;
	if (event == PTRACE_EVENT_STOP) {
		if (is_stop_signal(sig))
			st->group_stop = 1;
	} else if (event == 0) {
		st->inject_sig = sig;
	}
	/* Other events need options we never set; the thread is stopped all
	 * the same, and detaching resumes it. */
	return LT_PTRACE_STOPPED;
}

static enum lt_ptrace_result wait_once(struct lt_ptrace_stop *st)
{
	int status = 0;
	pid_t r;

	do
		r = waitpid(st->tid, &status, __WALL | WNOHANG);
	while (r < 0 && errno == EINTR);
	return decode(st, r, status);
}

enum lt_ptrace_result lt_ptrace_stop(pid_t tid, int64_t timeout_ns,
				     struct lt_ptrace_stop *st)
{
	enum lt_ptrace_result res;
	long sleep_ns = SLEEP_MIN_NS;

	memset(st, 0, sizeof(*st));
	st->tid = tid;
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
		st->errno_ = errno;
		if (errno == ESRCH)
			return LT_PTRACE_GONE;
		return errno == EPERM ? LT_PTRACE_DENIED : LT_PTRACE_ERROR;
	}
	st->seized = 1;
	st->t_interrupt = lt_ptrace_now_ns();
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0) {
		/* Only fails when the thread is already dying; collect it if
		 * it is done, otherwise it stays pending for the caller. */
		st->errno_ = errno;
		res = wait_once(st);
		return res == LT_PTRACE_STOPPED || res == LT_PTRACE_GONE
			       ? res : LT_PTRACE_PENDING;
	}
	for (int i = 0;; i++) {
		res = wait_once(st);
		if (res != LT_PTRACE_PENDING)
			return res;
		if (lt_ptrace_now_ns() - st->t_interrupt >= timeout_ns)
			return LT_PTRACE_PENDING;
		if (i < SPIN_YIELDS) {
			sched_yield();
		} else {
			struct timespec ts = {0, sleep_ns};

			nanosleep(&ts, NULL);
			if (sleep_ns < SLEEP_MAX_NS)
				sleep_ns *= 2;
		}
	}
}

enum lt_ptrace_result lt_ptrace_poll(struct lt_ptrace_stop *st)
{
	if (!st->seized)
		return LT_PTRACE_GONE;
	if (st->stopped)
		return LT_PTRACE_STOPPED;
	return wait_once(st);
}

int lt_ptrace_detach(struct lt_ptrace_stop *st)
{
	int rc = 0;

	if (!st->stopped)
		return 0;
	if (ptrace(PTRACE_DETACH, st->tid, NULL,
		   (void *)(long)st->inject_sig) != 0) {
		/* ESRCH on a stopped tracee: SIGKILL woke it and it is dying.
		 * Reap it if it is done; if not, it is released when this
		 * thread exits. */
		st->errno_ = errno;
		(void)wait_once(st);
		rc = -1;
	} else {
		st->seized = 0;
	}
	st->stopped = 0;
	st->t_detach = lt_ptrace_now_ns();
	return rc;
}

int lt_ptrace_regs(const struct lt_ptrace_stop *st, uint64_t *words,
		   size_t max)
{
	struct user_regs_struct regs;
	struct iovec iov = {&regs, sizeof(regs)};
	size_t n;

	_Static_assert(sizeof(regs) == LT_PTRACE_NREGS * sizeof(uint64_t),
		       "user_regs_struct is 27 words on x86_64");
	_Static_assert(offsetof(struct user_regs_struct, rsp) ==
			       LT_PTRACE_REG_SP * sizeof(uint64_t),
		       "rsp index");
	if (!st->stopped) {
		errno = ESRCH;
		return -1;
	}
	if (ptrace(PTRACE_GETREGSET, st->tid, (void *)NT_PRSTATUS, &iov) != 0)
		return -1;
	n = iov.iov_len / sizeof(uint64_t);
	if (n > max)
		n = max;
	memcpy(words, &regs, n * sizeof(uint64_t));
	return (int)n;
}

struct probe {
	pid_t tid;
	int err;
};

static void *probe_main(void *arg)
{
	struct probe *p = arg;

	/* Returning ends this thread, and with it our tracing of tid. */
	p->err = ptrace(PTRACE_SEIZE, p->tid, NULL, NULL) == 0 ? 0 : errno;
	return NULL;
}

int lt_ptrace_probe(pid_t tid)
{
	struct probe p = {tid, 0};
	sigset_t all, old;
	pthread_t th;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&th, NULL, probe_main, &p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return rc;
	pthread_join(th, NULL);
	return p.err;
}
