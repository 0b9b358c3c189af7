/* Making a thread held in a ptrace-stop call a function of its own
 * process, and putting it back exactly as it was -- by the thread itself,
 * so that it gets back even when leaktop dies in the middle.
 *
 * The call runs on the thread's own stack, below the red zone, entered
 * like a signal handler: it returns into libc's "mov $15, %rax; syscall"
 * (rt_sigreturn, the code every signal handler returns through) above a
 * signal frame that holds every register, the FPU/SSE/AVX state and the
 * signal mask the thread had.  The kernel's rt_sigreturn puts them all
 * back.  A call that returned to address 0 and was caught by its SIGSEGV
 * killed the target whenever leaktop was killed while the call ran: with
 * no tracer left the SIGSEGV was delivered (issue 13, inject_kill.sh).
 *
 * leaktop follows the call with PTRACE_SYSCALL and sees it end at the
 * entry of that rt_sigreturn (rip and rsp say it is ours), reads back
 * the results the callee wrote into its argument buffers (rax is gone by
 * then: it is not needed) and lets the rt_sigreturn run.  A system call the
 * thread was blocked in is restarted as the kernel would have (rax set back
 * to its number and rip onto the syscall instruction); the call itself
 * runs with orig_rax -1 so that it is not restarted onto the called code. */
#include "lt_ptrace.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#define XSTATE_MAX 16384
#define FP_MAGIC1 0x46505853U     /* sw_reserved of a signal frame's */
#define FP_MAGIC2 0x46505845U     /* xstate, and the word after it */
#define ERESTARTSYS_ 512
#define ERESTARTNOINTR_ 513
#define ERESTARTNOHAND_ 514
#define ERESTART_RESTARTBLOCK_ 516
#define NR_RESTART_SYSCALL 219
#define NR_RT_SIGRETURN 15
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

	/* A few yields first: the call stops at each of its system calls
	 * (PTRACE_SYSCALL), and most stops come within microseconds. */
	for (int i = 0;; i++) {
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
		if (i < 32)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}
}


/* The kernel's struct rt_sigframe on x86_64: the return address, a
 * ucontext (flags, link, sigaltstack, sigcontext, mask) and a siginfo. */
struct sigframe {
	uint64_t pretcode;
	uint64_t uc_flags, uc_link;
	uint64_t ss_sp;
	int32_t ss_flags, ss_pad;
	uint64_t ss_size;
	uint64_t mc[32];              /* struct sigcontext, below */
	uint64_t sigmask;
	unsigned char info[128];
};
_Static_assert(offsetof(struct sigframe, mc) == 8 + 40, "ucontext layout");
_Static_assert(offsetof(struct sigframe, sigmask) == 8 + 296, "ucontext layout");

enum { MC_R8, MC_R9, MC_R10, MC_R11, MC_R12, MC_R13, MC_R14, MC_R15, MC_RDI,
       MC_RSI, MC_RBP, MC_RBX, MC_RDX, MC_RAX, MC_RCX, MC_RSP, MC_RIP,
       MC_EFLAGS, MC_SEGS, MC_ERR, MC_TRAPNO, MC_OLDMASK, MC_CR2, MC_FPSTATE };
#define UC_FP_XSTATE_ 1
#define UC_SIGCONTEXT_SS_ 2
#define UC_STRICT_RESTORE_SS_ 4

/* The thread's blocked signals, from /proc (SigBlk); -1 if unreadable. */
static int read_sigblk(pid_t tgid, pid_t tid, uint64_t *mask)
{
	char path[64], buf[4096], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)tgid, (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nSigBlk:");
	if (!p)
		return -1;
	*mask = strtoull(p + 8, NULL, 16);
	return 0;
}

int lt_ptrace_call_ok(const struct lt_ptrace_stop *st)
{
	struct user_regs_struct r;

	if (!st->stopped || ptrace(PTRACE_GETREGS, st->tid, 0, &r))
		return 0;
	/* Blocked in a call that swapped the signal mask for its duration:
	 * /proc shows that mask, not the one the thread goes back to, and
	 * our frame would make the swap permanent. */
	switch ((long)r.orig_rax) {
	case 130:                       /* rt_sigsuspend */
		return 0;
	case 271:                       /* ppoll: mask in arg 4 */
		return r.r10 == 0;
	case 281: case 441:             /* epoll_pwait, epoll_pwait2: arg 5 */
		return r.r8 == 0;
	case 270: case 333:             /* pselect6, io_pgetevents: arg 6 */
		return r.r9 == 0;
	default:
		return 1;
	}
}

/* The frame that puts the thread back as s has it, the mask included.
 * A system call it was blocked in is restarted as the kernel would when
 * no handler runs: rt_sigreturn sets orig_rax to -1, so it is done here. */
static void fill_frame(struct sigframe *f, const struct saved *s,
		       uint64_t restorer, uint64_t mask, uint64_t fpstate)
{
	const struct user_regs_struct *g = &s->regs;
	long rax = (long)g->rax;
	uint64_t rip = g->rip;

	memset(f, 0, sizeof(*f));
	if ((long)g->orig_rax >= 0) {
		if (rax == -ERESTARTSYS_ || rax == -ERESTARTNOINTR_ ||
		    rax == -ERESTARTNOHAND_) {
			rax = (long)g->orig_rax;
			rip -= 2;
		} else if (rax == -ERESTART_RESTARTBLOCK_) {
			rax = NR_RESTART_SYSCALL;
			rip -= 2;
		}
	}
	f->pretcode = restorer;
	f->uc_flags = UC_FP_XSTATE_ | UC_SIGCONTEXT_SS_ | UC_STRICT_RESTORE_SS_;
	/* An invalid sigaltstack mode: the kernel's restore of it fails
	 * (quietly) and leaves the thread's own alone. */
	f->ss_flags = 0x10;
	f->mc[MC_R8] = g->r8;
	f->mc[MC_R9] = g->r9;
	f->mc[MC_R10] = g->r10;
	f->mc[MC_R11] = g->r11;
	f->mc[MC_R12] = g->r12;
	f->mc[MC_R13] = g->r13;
	f->mc[MC_R14] = g->r14;
	f->mc[MC_R15] = g->r15;
	f->mc[MC_RDI] = g->rdi;
	f->mc[MC_RSI] = g->rsi;
	f->mc[MC_RBP] = g->rbp;
	f->mc[MC_RBX] = g->rbx;
	f->mc[MC_RDX] = g->rdx;
	f->mc[MC_RAX] = (uint64_t)rax;
	f->mc[MC_RCX] = g->rcx;
	f->mc[MC_RSP] = g->rsp;
	f->mc[MC_RIP] = rip;
	f->mc[MC_EFLAGS] = g->eflags;
	f->mc[MC_SEGS] = (g->cs & 0xffff) | (g->gs & 0xffff) << 16 |
			 (g->fs & 0xffff) << 32 | (g->ss & 0xffff) << 48;
	f->mc[MC_FPSTATE] = fpstate;
	f->sigmask = mask;
}

/* The xstate as a signal frame carries it: sw_reserved says what follows
 * (the kernel fills it in what PTRACE_GETREGSET returns), and a second
 * magic word ends it.  Returns the bytes to write. */
static size_t frame_xstate(struct saved *s)
{
	uint32_t magic1, size;

	if (!s->xlen)
		return 512;             /* fxsave only: restored as such */
	memcpy(&magic1, s->xstate + 464, 4);
	memcpy(&size, s->xstate + 464 + 16, 4);
	if (magic1 != FP_MAGIC1 || size < 576 || size + 4 > sizeof(s->xstate) ||
	    size > s->xlen) {
		uint64_t bv;

		size = (uint32_t)s->xlen;
		if (size + 4 > sizeof(s->xstate))
			return 512;
		memcpy(&bv, s->xstate + 512, 8);
		bv |= 3;
		memcpy(s->xstate + 464, &(uint32_t){FP_MAGIC1}, 4);
		memcpy(s->xstate + 468, &(uint32_t){size + 4}, 4);
		memcpy(s->xstate + 472, &bv, 8);
		memcpy(s->xstate + 480, &size, 4);
	}
	memcpy(s->xstate + size, &(uint32_t){FP_MAGIC2}, 4);
	return size + 4;
}

static int read_back(pid_t tid, uint64_t addr, void *out, size_t len)
{
	struct iovec local = {out, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};

	return process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)len
		       ? 0 : -1;
}

int lt_ptrace_call(struct lt_ptrace_stop *st, pid_t tgid, uint64_t fn,
		   uint64_t restorer, struct lt_ptrace_arg *args, int nargs,
		   int64_t timeout_ns)
{
	static struct saved s; /* big: not on the stack; one call at a time */
	static struct sigframe f;
	struct user_regs_struct r, now;
	int sigs[MAX_SIGS], nsigs = 0, status, rc = -1, ended = 0, crashed = 0;
	uint64_t sp, fp, frame, mask, vals[6] = {0};
	uint64_t where[6] = {0};
	int64_t deadline = lt_ptrace_now_ns() + timeout_ns;
	size_t xs;

	if (!st->stopped || nargs > 6 || !restorer) {
		errno = EINVAL;
		return -1;
	}
	if (save(st->tid, &s) || read_sigblk(tgid, st->tid, &mask))
		return -1;
	r = s.regs;
	/* Below the red zone: the xstate (64-byte aligned, for XRSTOR), the
	 * arguments, then the frame the call returns into. */
	xs = frame_xstate(&s);
	fp = ((r.rsp - 128) - xs) & ~(uint64_t)63;
	if (write_mem(st->tid, fp, s.xstate, xs))
		return -1;
	sp = fp;
	for (int i = 0; i < nargs; i++) {
		vals[i] = args[i].value;
		if (!args[i].data)
			continue;
		sp = (sp - args[i].len) & ~(uint64_t)15;
		if (write_mem(st->tid, sp, args[i].data, args[i].len))
			return -1;
		vals[i] = where[i] = sp;
	}
	/* At entry the stack is 8 off a 16-byte boundary, as after a call:
	 * rsp points at the return address, the frame's first word. */
	frame = ((sp - sizeof(f)) & ~(uint64_t)15) - 8;
	fill_frame(&f, &s, restorer, mask, fp);
	if (write_mem(st->tid, frame, &f, sizeof(f)))
		return -1;
	r.rsp = frame;
	r.rip = fn;
	r.rdi = vals[0];
	r.rsi = vals[1];
	r.rdx = vals[2];
	r.rcx = vals[3];
	r.r8 = vals[4];
	r.r9 = vals[5];
	r.rax = 0;
	r.orig_rax = (uint64_t)-1;
	if (ptrace(PTRACE_SETOPTIONS, st->tid, 0, (void *)PTRACE_O_TRACESYSGOOD) ||
	    ptrace(PTRACE_SETREGS, st->tid, 0, &r))
		return -1;
	/* From here on the thread gets back by itself, with or without us. */
	if (ptrace(PTRACE_SYSCALL, st->tid, 0, 0)) {
		restore(st->tid, &s);
		return -1;
	}
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
		if (sig == (SIGTRAP | 0x80)) {
			if (ptrace(PTRACE_GETREGS, st->tid, 0, &now))
				return -1;
			if (ended) {
				/* The exit of our rt_sigreturn: the thread
				 * is back where it was. */
				rc = now.rip == f.mc[MC_RIP] && now.rsp == s.regs.rsp
					     ? 0 : -1;
				if (rc)
					errno = EFAULT;
				break;
			}
			if (now.orig_rax == NR_RT_SIGRETURN &&
			    now.rip == restorer + 9 && now.rsp == frame + 8) {
				ended = 1;
				for (int i = 0; i < nargs; i++)
					if (args[i].out && where[i])
						read_back(st->tid, where[i],
							  args[i].out, args[i].len);
			}
		} else if ((sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
			    sig == SIGFPE) && status >> 16 == 0 && !ended) {
			/* Crashed inside the call: leave it as if it had
			 * returned; the frame puts the thread back. */
			now = r;
			now.rip = restorer;
			now.rsp = frame + 8;
			if (ptrace(PTRACE_SETREGS, st->tid, 0, &now))
				return -1;
			crashed = 1;
		} else if (status >> 16 == 0 && sig && nsigs < MAX_SIGS) {
			/* Any other signal waits until the thread is back
			 * where it was; a job-control or event stop just
			 * continues. */
			sigs[nsigs++] = sig;
		}
		if (ptrace(PTRACE_SYSCALL, st->tid, 0, 0))
			return -1;
	}
	ptrace(PTRACE_SETOPTIONS, st->tid, 0, 0);
	if (crashed && rc == 0) {
		errno = EFAULT;
		rc = -1;
	}
	for (int i = 0; i < nsigs; i++) {
		if (!st->inject_sig)
			st->inject_sig = sigs[i];
		else
			tgkill(tgid, st->tid, sigs[i]);
	}
	return rc;
}
