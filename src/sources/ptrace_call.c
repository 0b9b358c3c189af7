/* Making a thread held in a ptrace-stop call a function of its own
 * process, and putting it back exactly as it was.
 *
 * The call runs on the thread's own stack, below the red zone, and
 * "returns" to address 0: the SIGSEGV that follows is caught in its
 * signal-delivery-stop and never delivered.  Every register, the FPU/SSE/AVX
 * state included, is saved first and restored after, and orig_rax is set to
 * -1 for the call so that a system call the thread was blocked in is not
 * restarted onto the called code; restoring the saved orig_rax then lets the
 * kernel restart that call as if nothing had happened. */
#include "lt_ptrace.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#define XSTATE_MAX 16384
#define MAX_SIGS 8

struct saved {
	struct user_regs_struct regs;
	unsigned char xstate[XSTATE_MAX];
	size_t xlen;
};

static int write_mem(pid_t tid, uint64_t addr, const void *data, size_t len)
{
	struct iovec local = {(void *)data, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};

	/* process_vm_writev ignores page protection, like the debugger's
	 * writes do not: the stack is writable anyway. */
	return process_vm_writev(tid, &local, 1, &remote, 1, 0) ==
	       (ssize_t)len ? 0 : -1;
}

static int save(pid_t tid, struct saved *s)
{
	struct iovec v = {s->xstate, sizeof(s->xstate)};

	if (ptrace(PTRACE_GETREGS, tid, 0, &s->regs))
		return -1;
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &v)) {
		/* No XSAVE: the legacy FPU/SSE area is all there is. */
		v.iov_len = sizeof(struct user_fpregs_struct);
		if (ptrace(PTRACE_GETFPREGS, tid, 0, s->xstate))
			return -1;
		s->xlen = 0;
		return 0;
	}
	s->xlen = v.iov_len;
	return 0;
}

static int restore(pid_t tid, const struct saved *s)
{
	struct iovec v = {(void *)s->xstate, s->xlen};
	int rc = 0;

	if (s->xlen) {
		if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_X86_XSTATE, &v))
			rc = -1;
	} else if (ptrace(PTRACE_SETFPREGS, tid, 0, (void *)s->xstate)) {
		rc = -1;
	}
	if (ptrace(PTRACE_SETREGS, tid, 0, (void *)&s->regs))
		rc = -1;
	return rc;
}

/* Waits for tid's next stop up to deadline; 0 with *status, -1 on timeout
 * or when it is gone (errno ETIMEDOUT or ESRCH). */
static int wait_stop(pid_t tid, int64_t deadline, int *status)
{
	struct timespec nap = {0, 200000};

	for (;;) {
		pid_t r = waitpid(tid, status, __WALL | WNOHANG);

		if (r == tid) {
			if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
				errno = ESRCH;
				return -1;
			}
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (lt_ptrace_now_ns() > deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&nap, NULL);
	}
}

int lt_ptrace_call(struct lt_ptrace_stop *st, pid_t tgid, uint64_t fn,
		   const struct lt_ptrace_arg *args, int nargs,
		   int64_t timeout_ns, uint64_t *ret)
{
	static struct saved s; /* big: not on the stack; one call at a time */
	struct user_regs_struct r;
	int sigs[MAX_SIGS], nsigs = 0, status, rc = -1;
	uint64_t sp, vals[6] = {0};
	int64_t deadline = lt_ptrace_now_ns() + timeout_ns;

	if (!st->stopped || nargs > 6) {
		errno = EINVAL;
		return -1;
	}
	if (save(st->tid, &s))
		return -1;
	r = s.regs;
	sp = (r.rsp - 128) & ~(uint64_t)15;   /* below the red zone */
	for (int i = 0; i < nargs; i++) {
		vals[i] = args[i].value;
		if (!args[i].data)
			continue;
		sp = (sp - args[i].len) & ~(uint64_t)15;
		if (write_mem(st->tid, sp, args[i].data, args[i].len))
			return -1;
		vals[i] = sp;
	}
	/* At entry the stack is 8 off a 16-byte boundary, as after a call. */
	sp = (sp & ~(uint64_t)15) - 8;
	if (write_mem(st->tid, sp, &(uint64_t){0}, 8))
		return -1;
	r.rsp = sp;
	r.rip = fn;
	r.rdi = vals[0];
	r.rsi = vals[1];
	r.rdx = vals[2];
	r.rcx = vals[3];
	r.r8 = vals[4];
	r.r9 = vals[5];
	r.rax = 0;
	r.orig_rax = (uint64_t)-1;
	if (ptrace(PTRACE_SETREGS, st->tid, 0, &r))
		return -1;
	if (ptrace(PTRACE_CONT, st->tid, 0, 0))
		goto put_back;
	for (;;) {
		int sig;

		if (wait_stop(st->tid, deadline, &status)) {
			if (errno == ESRCH) {
				st->stopped = st->seized = 0;
				return -1;
			}
			/* Still inside the call: there is no safe way to
			 * take it back, so keep waiting for its return (a
			 * call that never returns is a deadlock the target
			 * would have had anyway). */
			if (wait_stop(st->tid, lt_ptrace_now_ns() + 30000000000LL,
				      &status))
				return -1;
		}
		sig = WIFSTOPPED(status) ? WSTOPSIG(status) : 0;
		if (sig == SIGSEGV && status >> 16 == 0) {
			struct user_regs_struct now;

			if (ptrace(PTRACE_GETREGS, st->tid, 0, &now))
				goto put_back;
			if (now.rip == 0) {
				*ret = now.rax;
				rc = 0;
				break;
			}
			errno = EFAULT; /* crashed inside the call */
			break;
		}
		/* Any other signal waits until the thread is back where it
		 * was; a job-control or event stop just continues. */
		if (status >> 16 == 0 && sig && nsigs < MAX_SIGS)
			sigs[nsigs++] = sig;
		if (ptrace(PTRACE_CONT, st->tid, 0, 0))
			break;
	}
put_back:
	if (restore(st->tid, &s))
		rc = -1;
	for (int i = 0; i < nsigs; i++) {
		if (!st->inject_sig)
			st->inject_sig = sigs[i];
		else
			tgkill(tgid, st->tid, sigs[i]);
	}
	return rc;
}
