/* The thread sampler.  One tick:
 *
 *   1. list /proc/PID/task and read every thread's stat file: name, state
 *      (in the caller's thread);
 *   2. in a helper thread started for this tick, take the threads that may
 *      be stopped one at a time, those never reached yet first, then in
 *      tid order starting after the last one reached the tick before,
 *      until the time budget is spent: read its syscall file, stop it,
 *      unwind it, let it go at once;
 *   3. give threads not reached their last known stack and syscall, marked
 *      stale.
 *
 * The helper thread is what makes every error path safe: a thread that
 * was interrupted but has not stopped cannot be detached (PTRACE_DETACH
 * needs a stopped tracee), but when the helper exits the kernel lets go of
 * all its tracees, stopped or not. */
#include "lt_threads.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_proc.h"
#include "lt_ptrace.h"
#include "lt_unwind.h"

#define DEFAULT_BUDGET_NS 200000000
#define DEFAULT_STOP_TIMEOUT_NS 5000000
#define MAX_PENDING 32   /* threads interrupted but not stopped, per tick */

/* What step 2 may do with a thread, decided from its state in step 1. */
enum plan {
	PLAN_NONE,    /* leave alone, no stack: stopped, traced, zombie */
	PLAN_STOP,    /* stop and unwind if the budget allows */
	PLAN_BUSY,    /* leave alone, keep its last stack: disk wait */
	PLAN_GONE,    /* exited meanwhile: drop it */
	PLAN_DONE,    /* stopped and unwound this tick */
	PLAN_TRIED,   /* its syscall read, but it could not be stopped */
};

struct lt_threads {
	pid_t pid;
	int procfd;               /* /proc/PID: a reused pid never matches */
	int max_depth;
	int64_t budget_ns, stop_timeout_ns;
	lt_unwind *unwind;
	int own_unwind;           /* unwind is ours to free */
	struct lt_thread *cur, *prev; /* this tick's and the last one's */
	size_t ncur, nprev, capcur, capprev;
	unsigned char *plan;      /* per entry of cur */
	pid_t cursor;             /* last tid reached; the next tick starts
				     after it */
};

/* ---- /proc readers ------------------------------------------------------ */

/* TracerPid of /proc/PID/status, 0 if none, -1 if unreadable. */
static long tracer_pid(int procfd)
{
	struct lt_proc_status st;
	char buf[4096];
	ssize_t n = lt_proc_read_buf(procfd, 0, "status", buf, sizeof(buf));

	if (n < 0)
		return -1;
	lt_proc_parse_status(buf, (size_t)n, &st);
	return st.tracer_pid >= 0 && st.tracer_pid <= INT_MAX
		       ? (long)st.tracer_pid : -1;
}

/* kernel.yama.ptrace_scope, -1 without yama. */
static int yama_scope(void)
{
	char buf[16];
	ssize_t n = lt_text_read_at(AT_FDCWD,
				    "/proc/sys/kernel/yama/ptrace_scope", buf,
				    sizeof(buf));
	size_t i = 0;
	int64_t v;

	if (n <= 0 || lt_text_dec(buf, (size_t)n, &i, &v) < 0 || v > 3)
		return -1;
	return (int)v;
}

/* The name of process pid, "" when unreadable. */
static void comm_of(pid_t pid, char *comm, size_t size)
{
	int fd = lt_proc_open(pid);
	ssize_t n = fd >= 0 ? lt_proc_read_buf(fd, 0, "comm", comm, size - 1)
			    : -1;
	size_t len = n > 0 ? (size_t)n : 0;

	if (fd >= 0)
		close(fd);
	comm[len] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	for (char *c = comm; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

/* ---- step 1: list and read ---------------------------------------------- */

static int cmp_tid(const void *a, const void *b)
{
	pid_t x = ((const struct lt_thread *)a)->tid;
	pid_t y = ((const struct lt_thread *)b)->tid;

	return (x > y) - (x < y);
}

static void grow(struct lt_thread **v, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	*cap = need < 64 ? 64 : need * 2;
	*v = lt_xrealloc(*v, *cap * sizeof(**v));
}

/* Lists the tids into t->cur (sorted).  Returns the count, or -1 with errno
 * when the process is gone or unreadable. */
static ssize_t list_tasks(lt_threads *t)
{
	struct lt_proc_tasks it;
	size_t n = 0;
	pid_t tid;

	if (lt_proc_tasks_open(t->procfd, &it) < 0)
		return -1;
	while (lt_proc_tasks_next(&it, &tid)) {
		grow(&t->cur, &t->capcur, n + 1);
		memset(&t->cur[n], 0, sizeof(t->cur[n]));
		t->cur[n].tid = tid;
		t->cur[n].syscall = -1;
		n++;
	}
	lt_proc_tasks_close(&it);
	qsort(t->cur, n, sizeof(*t->cur), cmp_tid);
	return (ssize_t)n;
}

static void read_syscall(lt_threads *t, struct lt_thread *th)
{
	char buf[256];
	ssize_t n = lt_proc_read_buf(t->procfd, th->tid, "syscall", buf,
				     sizeof(buf));

	th->syscall = n > 0 ? lt_proc_parse_syscall(buf, (size_t)n) : -1;
}

/* Fills name and state of th, and the syscall of a thread in disk wait.
 * The syscall of a sleeping thread is read just before it is stopped,
 * inside the time budget: with thousands of threads the reads are half
 * of a tick's cost.  Running threads have none.  Returns -1 when it has
 * exited. */
static int read_thread(lt_threads *t, struct lt_thread *th)
{
	struct lt_proc_stat ps;
	char buf[1024];
	ssize_t n = lt_proc_read_buf(t->procfd, th->tid, "stat", buf,
				     sizeof(buf));
	size_t l;

	if (n <= 0 || lt_proc_parse_stat(buf, (size_t)n, &ps) != 0)
		return -1;
	/* The kernel's names fit (16 bytes); a longer one is cut. */
	l = strnlen(ps.comm, sizeof(th->name) - 1);
	memcpy(th->name, ps.comm, l);
	th->name[l] = '\0';
	th->state = ps.state;
	if (th->state == 'D')
		read_syscall(t, th);
	return 0;
}

static enum plan plan_for(char state)
{
	switch (state) {
	case 'R':
	case 'S':
		return PLAN_STOP;
	case 'D':
		return PLAN_BUSY;
	default: /* T t Z X and letters we do not know */
		return PLAN_NONE;
	}
}

/* The last stack of tid from the previous tick, or NULL. */
static const struct lt_thread *previous(const lt_threads *t, pid_t tid)
{
	struct lt_thread key;

	key.tid = tid;
	return bsearch(&key, t->prev, t->nprev, sizeof(*t->prev), cmp_tid);
}

/* Gives th, not stopped this tick, its last known stack, and its last
 * syscall unless that was read this tick (fresh_syscall). */
static void keep_stale(const lt_threads *t, struct lt_thread *th,
		       int fresh_syscall)
{
	const struct lt_thread *old = previous(t, th->tid);

	th->stale = 1;
	if (old && th->state == 'S' && !fresh_syscall)
		th->syscall = old->syscall;
	if (old && old->npcs > 0) {
		th->npcs = old->npcs;
		th->activations = old->activations;
		memcpy(th->pcs, old->pcs, sizeof(th->pcs[0]) * (size_t)old->npcs);
	}
}

/* ---- step 2: stop, unwind, let go (in the helper thread) ---------------- */

struct pending {
	size_t idx;
	struct lt_ptrace_stop st;
};

struct run {
	lt_threads *t;
	struct lt_thread_tick *tick;
	struct pending pending[MAX_PENDING];
	size_t npending;
};

static void count_stop(struct run *r, struct lt_thread *th,
		       const struct lt_ptrace_stop *st)
{
	int64_t ns = st->t_detach - st->t_interrupt;

	th->stop_ns = ns;
	r->tick->total_stop_ns += ns;
	if (ns > r->tick->max_stop_ns)
		r->tick->max_stop_ns = ns;
}

/* Lets go of pending threads that have stopped since.  They keep their
 * stale stack: unwinding now would only hold them longer. */
static void poll_pending(struct run *r)
{
	for (size_t k = 0; k < r->npending;) {
		struct pending *p = &r->pending[k];
		enum lt_ptrace_result res = lt_ptrace_poll(&p->st);

		if (res == LT_PTRACE_PENDING || res == LT_PTRACE_ERROR) {
			k++;
			continue;
		}
		if (res == LT_PTRACE_STOPPED) {
			if (lt_ptrace_detach(&p->st) != 0)
				r->t->plan[p->idx] = PLAN_GONE;
			count_stop(r, &r->t->cur[p->idx], &p->st);
		} else {
			r->t->plan[p->idx] = PLAN_GONE;
		}
		*p = r->pending[--r->npending];
	}
}

/* Reads the syscall of thread i, stops it, unwinds it and lets it go; sets
 * its plan to DONE, GONE, or TRIED when it could not be stopped. */
static void sample_one(struct run *r, size_t i)
{
	lt_threads *t = r->t;
	struct lt_thread *th = &t->cur[i];
	struct lt_ptrace_stop st;
	char path[32];
	int n = 0;

	if (th->state == 'S')
		read_syscall(t, th);
	t->plan[i] = PLAN_TRIED;
	switch (lt_ptrace_stop(th->tid, t->stop_timeout_ns, &st)) {
	case LT_PTRACE_STOPPED:
		break;
	case LT_PTRACE_GONE:
		t->plan[i] = PLAN_GONE;
		return;
	case LT_PTRACE_PENDING:
		/* Let go when it stops, or when this thread exits. */
		if (r->npending < MAX_PENDING)
			r->pending[r->npending++] = (struct pending){i, st};
		return;
	default: /* traced by someone else since the listing, or worse */
		return;
	}
	/* While it is stopped its tid cannot be reused: make sure it is
	 * still a thread of our process before reading it. */
	snprintf(path, sizeof(path), "task/%d", (int)th->tid);
	if (faccessat(t->procfd, path, F_OK, 0) == 0)
		n = lt_unwind_capture(t->unwind, th->tid, th->pcs,
				      &th->activations, t->max_depth);
	if (lt_ptrace_detach(&st) != 0) {
		/* Killed while stopped. */
		t->plan[i] = PLAN_GONE;
		return;
	}
	th->npcs = n;
	/* An unwind that failed says nothing of where the thread is: it
	 * keeps its last stack, as a thread not reached does, rather than
	 * leaving its group for a "no stack" one for a sample. */
	if (n <= 0)
		keep_stale(t, th, 1);
	count_stop(r, th, &st);
	t->plan[i] = PLAN_DONE;
}

/* Whether no stack of th is known: it is new, or was passed (over
 * budget, or it did not stop in time) every tick since it appeared. */
static int never_reached(const lt_threads *t, const struct lt_thread *th)
{
	const struct lt_thread *old = previous(t, th->tid);

	return !old || old->unreached;
}

static void *stop_phase(void *arg)
{
	struct run *r = arg;
	lt_threads *t = r->t;
	size_t n = t->ncur, start = 0;
	int64_t t0 = lt_ptrace_now_ns();
	int any = 0;

	/* Threads never reached first, with half the budget at most: on a
	 * loaded machine a thread that does not stop within the timeout is
	 * passed, and the rotation alone would come back to it only a whole
	 * round later (30 s with 3,000 threads beside two busy loops), its
	 * samples partial meanwhile.  In the first round these are the
	 * threads the rotation takes next anyway. */
	for (size_t i = 0; i < n; i++) {
		if (t->plan[i] != PLAN_STOP || !never_reached(t, &t->cur[i]))
			continue;
		if (any && lt_ptrace_now_ns() - t0 >= t->budget_ns / 2)
			break;
		any = 1;
		sample_one(r, i);
		if (r->npending)
			poll_pending(r);
	}
	while (start < n && t->cur[start].tid <= t->cursor)
		start++;
	for (size_t k = 0; k < n; k++) {
		size_t i = (start + k) % n;

		if (t->plan[i] != PLAN_STOP)
			continue;
		if (any && lt_ptrace_now_ns() - t0 >= t->budget_ns)
			break;
		any = 1;
		t->cursor = t->cur[i].tid;
		sample_one(r, i);
		if (r->npending)
			poll_pending(r);
	}
	poll_pending(r);
	/* Threads still pending are let go by our exit. */
	return NULL;
}

/* Runs stop_phase in a new thread that blocks every signal (they are the
 * caller's business) and waits for it to end. */
static int run_stop_phase(struct run *r, lt_err *err)
{
	sigset_t all, old;
	pthread_t th;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&th, NULL, stop_phase, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		lt_err_set(err, LT_EXIT_ERROR,
			   "cannot start the thread sampler: %s", strerror(rc));
		return -1;
	}
	pthread_join(th, NULL);
	return 0;
}

/* ---- the tick ----------------------------------------------------------- */

/* Whether the process is gone: no tasks, or only zombies left. */
static int all_zombies(const lt_threads *t)
{
	for (size_t i = 0; i < t->ncur; i++)
		if (t->cur[i].state != 'Z' && t->cur[i].state != 'X')
			return 0;
	return 1;
}

/* Drops the threads that exited and counts the rest into out. */
static void finish(lt_threads *t, struct lt_thread_tick *out)
{
	size_t k = 0;

	for (size_t i = 0; i < t->ncur; i++) {
		switch (t->plan[i]) {
		case PLAN_GONE:
			out->vanished++;
			continue;
		case PLAN_DONE:
			out->sampled++;
			break;
		case PLAN_STOP:
		case PLAN_BUSY:
		case PLAN_TRIED:
			keep_stale(t, &t->cur[i], t->plan[i] == PLAN_TRIED);
			out->skipped++;
			/* A thread in disk wait is known to be there, in D;
			 * one the budget never reached is not known at all. */
			t->cur[i].unreached = t->plan[i] != PLAN_BUSY &&
					      t->cur[i].npcs == 0;
			out->unreached += (size_t)t->cur[i].unreached;
			break;
		default:
			break;
		}
		if (k != i)
			t->cur[k] = t->cur[i];
		k++;
	}
	t->ncur = k;
	out->threads = t->cur;
	out->n = k;
}

int lt_threads_sample(lt_threads *t, struct lt_thread_tick *out, lt_err *err)
{
	int64_t t0 = lt_ptrace_now_ns();
	struct run *r;
	ssize_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	/* Last tick's threads become the source of stale stacks. */
	struct lt_thread *sw = t->prev;
	size_t swcap = t->capprev;

	t->prev = t->cur;
	t->nprev = t->ncur;
	t->capprev = t->capcur;
	t->cur = sw;
	t->capcur = swcap;
	t->ncur = 0;

	rc = lt_unwind_refresh(t->unwind, NULL);
	out->maps_changed = rc > 0;
	n = list_tasks(t);
	if (n < 0)
		goto gone;
	t->ncur = (size_t)n;
	out->listed = (size_t)n;
	t->plan = lt_xrealloc(t->plan, t->ncur ? t->ncur : 1);
	for (size_t i = 0; i < t->ncur; i++)
		t->plan[i] = read_thread(t, &t->cur[i]) != 0
				     ? PLAN_GONE : plan_for(t->cur[i].state);
	if (all_zombies(t))
		goto gone;

	r = lt_xcalloc(1, sizeof(*r));
	r->t = t;
	r->tick = out;
	rc = run_stop_phase(r, err);
	free(r);
	if (rc != 0) {
		t->ncur = 0;
		memset(out, 0, sizeof(*out));
		return -1;
	}
	finish(t, out);
	out->elapsed_ns = lt_ptrace_now_ns() - t0;
	return 0;
gone:
	t->ncur = 0;
	memset(out, 0, sizeof(*out));
	lt_err_set(err, LT_EXIT_TARGET, "process %d exited", (int)t->pid);
	return -1;
}

/* ---- life cycle ---------------------------------------------------------- */

/* Why pid cannot be traced, found without stopping it.  Returns 0 if it
 * can be. */
static int check_traceable(lt_threads *t, lt_err *err)
{
	long tracer = tracer_pid(t->procfd);
	int scope = yama_scope(), e;
	pid_t probe = 0;
	ssize_t n;

	if (scope == 3) {
		lt_err_set(err, LT_EXIT_TARGET,
			   "cannot sample the threads of process %d: ptrace is disabled on this system (kernel.yama.ptrace_scope = 3)",
			   (int)t->pid);
		return -1;
	}
	if (tracer > 0) {
		char comm[32];

		comm_of((pid_t)tracer, comm, sizeof(comm));
		lt_err_set(err, LT_EXIT_TARGET,
			   "cannot sample the threads of process %d: it is already traced by process %ld%s%s%s (a debugger, strace or another leaktop)",
			   (int)t->pid, tracer, comm[0] ? " (" : "", comm,
			   comm[0] ? ")" : "");
		return -1;
	}
	/* Probe a live thread: seizing a zombie leader fails with EPERM. */
	n = list_tasks(t);
	for (ssize_t i = 0; i < n && !probe; i++)
		if (read_thread(t, &t->cur[i]) == 0 &&
		    plan_for(t->cur[i].state) != PLAN_NONE)
			probe = t->cur[i].tid;
	t->ncur = 0;
	if (n < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "process %d exited",
			   (int)t->pid);
		return -1;
	}
	if (!probe)
		return 0; /* all stopped or zombie: nothing to stop anyway */
	e = lt_ptrace_probe(probe);
	if (e == 0 || e == ESRCH)
		return 0;
	lt_err_set(err, e == EPERM ? LT_EXIT_TARGET : LT_EXIT_ERROR,
		   "cannot sample the threads of process %d: ptrace: %s%s",
		   (int)t->pid, strerror(e),
		   e != EPERM ? "" :
		   scope == 1 ? " (kernel.yama.ptrace_scope = 1: only its parent, root or CAP_SYS_PTRACE may trace it)" :
		   scope == 2 ? " (kernel.yama.ptrace_scope = 2: only root or CAP_SYS_PTRACE may trace it)" :
		   " (another user's process needs root or CAP_SYS_PTRACE)");
	return -1;
}

lt_threads *lt_threads_new(pid_t pid, const struct lt_threads_opts *o,
			   lt_err *err)
{
	lt_threads *t = lt_xcalloc(1, sizeof(*t));

	t->procfd = -1;
	t->pid = pid;
	t->max_depth = LT_THREAD_MAX_FRAMES;
	t->budget_ns = DEFAULT_BUDGET_NS;
	t->stop_timeout_ns = DEFAULT_STOP_TIMEOUT_NS;
	if (o && o->max_depth > 0 && o->max_depth < LT_THREAD_MAX_FRAMES)
		t->max_depth = o->max_depth;
	if (o && o->budget_s > 0)
		t->budget_ns = o->budget_s < 3600 ? (int64_t)(o->budget_s * 1e9)
						  : (int64_t)3600e9;
	if (o && o->stop_timeout_s > 0)
		t->stop_timeout_ns = o->stop_timeout_s < 10
					     ? (int64_t)(o->stop_timeout_s * 1e9)
					     : (int64_t)10e9;
	t->procfd = lt_proc_open(pid);
	if (t->procfd < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "no process %d: %s", (int)pid,
			   strerror(errno));
		goto fail;
	}
	if (check_traceable(t, err) != 0)
		goto fail;
	if (o && o->unwind) {
		t->unwind = o->unwind;
	} else {
		t->unwind = lt_unwind_new(pid, err);
		if (!t->unwind)
			goto fail;
		t->own_unwind = 1;
	}
	return t;
fail:
	lt_threads_free(t);
	return NULL;
}

void lt_threads_free(lt_threads *t)
{
	if (!t)
		return;
	if (t->procfd >= 0)
		close(t->procfd);
	if (t->own_unwind)
		lt_unwind_free(t->unwind);
	free(t->cur);
	free(t->prev);
	free(t->plan);
	free(t);
}
