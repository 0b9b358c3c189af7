/* Holding one thread of another process stopped for a moment, with
 * PTRACE_SEIZE and PTRACE_INTERRUPT (never PTRACE_ATTACH or SIGSTOP: a
 * thread stopped under SEIZE resumes by itself when its tracer dies, and no
 * job-control stop is ever invented).  The only module that includes
 * <sys/ptrace.h>.
 *
 * ptrace binds a tracee to the calling *thread*, not process: every call
 * for one tid must come from the thread that seized it, and when that
 * thread exits the kernel detaches all its tracees, including one that has
 * not stopped yet.  That is the only way to take back a PTRACE_INTERRUPT
 * (PTRACE_DETACH needs a stopped tracee), so callers that may give up on a
 * thread do their stopping in a thread they can end (see lt_threads).
 *
 * While a thread is seized, no other thread of the caller's process may
 * wait for "any child" (waitpid(-1)): it would take the tracee's events. */
#ifndef LT_PTRACE_H
#define LT_PTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum lt_ptrace_result {
	LT_PTRACE_STOPPED,  /* stopped: read it, then lt_ptrace_detach */
	LT_PTRACE_GONE,     /* exited, or no such thread (ESRCH) */
	LT_PTRACE_DENIED,   /* EPERM: traced by another tracer, or no right */
	LT_PTRACE_PENDING,  /* seized and interrupted, not stopped yet */
	LT_PTRACE_ERROR,    /* anything else; errno_ says what */
};

/* One seized thread.  Filled by lt_ptrace_stop. */
struct lt_ptrace_stop {
	pid_t tid;
	int seized;          /* 1 while we are its tracer */
	int stopped;         /* 1 while it sits in a ptrace-stop */
	int inject_sig;      /* a signal it was about to receive when it
				stopped (signal-delivery-stop): re-delivered
				by lt_ptrace_detach; 0 if none */
	int group_stop;      /* it stopped for job control, not for us: it
				stays stopped after lt_ptrace_detach, as it
				would have without us */
	int errno_;          /* errno of the failing call, 0 if none */
	int64_t t_interrupt; /* CLOCK_MONOTONIC ns of PTRACE_INTERRUPT */
	int64_t t_detach;    /* ns after PTRACE_DETACH returned, 0 before */
};

/* Seizes thread tid, interrupts it and waits up to timeout_ns for it to
 * stop (polling: a few yields, then sleeps of growing length up to 1 ms).
 * Any ptrace-stop will do: our interrupt, a signal about to be delivered
 * (remembered in inject_sig) or a job-control stop (group_stop).  Returns
 * STOPPED (st->stopped is 1: read it and call lt_ptrace_detach); PENDING
 * when it has not stopped in time (st->seized stays 1: poll it later with
 * lt_ptrace_poll from this same thread, or end this thread); GONE when it
 * exited (also mid-wait; it is reaped); DENIED or ERROR with st->errno_,
 * leaving nothing seized.  This function can't leave a thread stopped. */
enum lt_ptrace_result lt_ptrace_stop(pid_t tid, int64_t timeout_ns,
				     struct lt_ptrace_stop *st);

/* For a PENDING st: checks without blocking whether it has stopped or
 * exited since.  Returns STOPPED, PENDING, GONE or ERROR as
 * lt_ptrace_stop. */
enum lt_ptrace_result lt_ptrace_poll(struct lt_ptrace_stop *st);

/* Lets a STOPPED thread run again and stops tracing it, re-delivering
 * st->inject_sig.  Sets st->t_detach.  Returns 0, or -1 when the thread
 * had died meanwhile (a SIGKILL of the target wakes traced threads).  A
 * no-op returning 0 when st->stopped is 0. */
int lt_ptrace_detach(struct lt_ptrace_stop *st);

/* Copies the general registers of the STOPPED thread st (x86_64: the 27
 * words of struct user_regs_struct, fs_base and gs_base included; the stack
 * pointer at index LT_PTRACE_REG_SP) into words[0..max) and returns how
 * many were copied, or -1 with errno (ESRCH: it died meanwhile).  Reads
 * only; the thread is left as it was.  ptrace(2) ties st to the calling
 * thread. */
int lt_ptrace_regs(const struct lt_ptrace_stop *st, uint64_t *words,
		   size_t max);

/* Index of the stack pointer in lt_ptrace_regs's words. */
#define LT_PTRACE_REG_SP 19
#define LT_PTRACE_NREGS 27

/* Whether the caller may trace tid, found out without stopping it: a
 * short-lived thread seizes tid and exits, which detaches it again (no
 * interrupt, so tid never notices).  Returns 0 when it may, else the errno
 * of PTRACE_SEIZE (EPERM: traced by another tracer, no permission or yama
 * forbids; ESRCH: no such thread) or of pthread_create. */
int lt_ptrace_probe(pid_t tid);

/* An argument of lt_ptrace_call: value, or when data is not NULL, the
 * address of a copy of data[0..len) placed on the thread's stack; when out
 * is not NULL too, what the callee left there is copied back to out
 * (len bytes) once the call has returned. */
struct lt_ptrace_arg {
	const void *data;
	size_t len;
	uint64_t value;
	void *out;
};

/* Whether the STOPPED thread st may be made to call a function: 0 while it
 * is blocked in a system call that swapped its signal mask for its
 * duration (ppoll, pselect6, epoll_pwait with a mask, rt_sigsuspend ...),
 * whose real mask cannot be read from outside. */
int lt_ptrace_call_ok(const struct lt_ptrace_stop *st);

/* Makes the STOPPED thread st (of process tgid) call the function at fn
 * with up to 6 integer/pointer arguments, on its own stack, and waits up to
 * timeout_ns for it to return (and, once it has started, as long as 30 s
 * more: a call under way cannot be taken back safely).  The call returns
 * into restorer, the address of a "mov $15, %rax; syscall" (rt_sigreturn)
 * in the target, above a signal frame with every register, the
 * FPU/vector state and the signal mask of the thread: the kernel puts the
 * thread back from it, even if leaktop dies during the call.  A system
 * call it was blocked in is restarted; signals that arrived meanwhile are
 * delivered after lt_ptrace_detach.  The function's return value is not
 * kept: results come back through an argument's out.  Returns 0, or -1
 * with errno (ESRCH: the thread died; EFAULT: it crashed inside the call
 * and was put back; ETIMEDOUT).  ptrace(2) ties st to the calling
 * thread. */
int lt_ptrace_call(struct lt_ptrace_stop *st, pid_t tgid, uint64_t fn,
		   uint64_t restorer, struct lt_ptrace_arg *args, int nargs,
		   int64_t timeout_ns);

/* CLOCK_MONOTONIC now in ns.  This function can't fail. */
int64_t lt_ptrace_now_ns(void);

#endif
