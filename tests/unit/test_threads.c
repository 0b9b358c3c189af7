/* The thread sampler on real child processes: stacks captured and named,
 * nothing left stopped (also when the sampler is SIGKILLed mid-sample),
 * signals and job-control stops passed through, the time budget rotated,
 * threads that exit mid-sample counted, traced processes refused.
 *
 * Needs ptrace rights over its own children (root, or yama scope <= 1 for
 * the tests where a sibling process traces). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lt_ptrace.h"
#include "lt_symbols.h"
#include "lt_threads.h"

#define MAX_TIDS 512

/* Shared with the child targets. */
struct shm {
	long counter;          /* the child's main thread counts, always */
	long ready;            /* threads started and about to block */
	long sigs;             /* SIGRTMIN deliveries seen */
	long child_ready;
	pid_t tids[MAX_TIDS];  /* watcher tids */
	pid_t vforker;         /* tid of the thread waiting in vfork */
};

static struct shm *shm;
static int pipe_r = -1;
static pid_t kids[8];   /* killed by teardown, also after a failed assert */
static int nkids;

/* fork() for a helper process that must not outlive the test. */
static pid_t fork_kid(void)
{
	pid_t parent = getpid(), pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			_exit(1);
		return 0;
	}
	if (nkids < (int)(sizeof(kids) / sizeof(kids[0])))
		kids[nkids++] = pid;
	return pid;
}

/* pid was reaped: never signal that number again. */
static void forget_kid(pid_t pid)
{
	for (int i = 0; i < nkids; i++)
		if (kids[i] == pid)
			kids[i] = kids[--nkids];
}

static void end_kid(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	forget_kid(pid);
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < nkids; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	nkids = 0;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* ---- child targets ---- */

/* Blocks for good in read() on a pipe nobody writes to. */
__attribute__((noinline)) void watch_loop(int fd)
{
	char buf[8];

	while (read(fd, buf, sizeof(buf)) != 0)
		;
}

static void on_rt(int sig)
{
	(void)sig;
	__atomic_add_fetch(&shm->sigs, 1, __ATOMIC_SEQ_CST);
}

static void *watcher(void *arg)
{
	long i = (long)arg;
	/* Through a volatile pointer, so the compiler cannot specialize it
	 * into watch_loop.constprop or inline it. */
	void (*volatile fn)(int) = watch_loop;

	if (i < MAX_TIDS)
		shm->tids[i] = gettid();
	if (i == 0) /* a hostile name: parentheses, a state letter, a tab */
		prctl(PR_SET_NAME, "x) R (\ty", 0, 0, 0);
	else
		prctl(PR_SET_NAME, "watcher", 0, 0, 0);
	__atomic_add_fetch(&shm->ready, 1, __ATOMIC_SEQ_CST);
	fn(pipe_r);
	return NULL;
}

static volatile long sink;

static void *short_lived(void *arg)
{
	(void)arg;
	for (long i = 0; i < 20000; i++)
		sink += i;
	return NULL;
}

/* Waits in vfork() for good: the child pauses (dying with us), and its
 * parent thread sits in uninterruptible sleep, state D. */
static void *vforker(void *arg)
{
	(void)arg;
	shm->vforker = gettid();
	__atomic_add_fetch(&shm->ready, 1, __ATOMIC_SEQ_CST);
	if (vfork() == 0) {
		syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		syscall(SYS_pause);
		_exit(0);
	}
	return NULL;
}

static void spawn(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&t, &attr, fn, arg) != 0)
		_exit(3);
	pthread_attr_destroy(&attr);
}

enum { CHURN = 1, VFORK = 2 };

/* Forks a child with `watchers` threads in watch_loop (SIGRTMIN handled,
 * every other signal default) and a main thread that counts in
 * shm->counter every millisecond.  With CHURN, the main thread also starts
 * short-lived threads all the time; with VFORK, one more thread waits in
 * vfork.  Returns once all have started. */
static pid_t start_child(long watchers, int flags)
{
	int churn = flags & CHURN;
	int p[2];
	pid_t pid;

	memset(shm, 0, sizeof(*shm));
	assert_int_equal(pipe(p), 0);
	pid = fork_kid();
	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_rt;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGRTMIN, &sa, NULL);
		pipe_r = p[0];
		for (long i = 0; i < watchers; i++)
			spawn(watcher, (void *)i);
		if (flags & VFORK)
			spawn(vforker, NULL);
		while (__atomic_load_n(&shm->ready, __ATOMIC_SEQ_CST) <
		       watchers + !!(flags & VFORK))
			sleep_ms(1);
		shm->child_ready = 1;
		for (long i = 0;; i++) {
			__atomic_add_fetch(&shm->counter, 1, __ATOMIC_SEQ_CST);
			if (churn)
				spawn(short_lived, NULL);
			if (!churn || i % 8 == 0)
				sleep_ms(1);
		}
	}
	close(p[0]);
	/* p[1] stays open in the child, so read() blocks instead of EOF. */
	close(p[1]);
	for (int i = 0; i < 20000 && !__atomic_load_n(&shm->child_ready,
						      __ATOMIC_SEQ_CST); i++)
		sleep_ms(1);
	assert_true(shm->child_ready);
	sleep_ms(20); /* let the watchers get into read() */
	return pid;
}

static void stop_child(pid_t pid)
{
	end_kid(pid);
}

/* How many threads of pid are in state c1 or c2 now. */
static int count_states(pid_t pid, char c1, char c2)
{
	char path[300], buf[512];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		FILE *f;
		char *p;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid,
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && (p[2] == c1 || p[2] == c2))
			n++;
	}
	closedir(d);
	return n;
}

static int stopped_threads(pid_t pid)
{
	return count_states(pid, 't', 'T');
}

/* Whether the child's main thread keeps counting. */
static int child_runs(void)
{
	long before = __atomic_load_n(&shm->counter, __ATOMIC_SEQ_CST);

	for (int i = 0; i < 200; i++) {
		sleep_ms(5);
		if (__atomic_load_n(&shm->counter, __ATOMIC_SEQ_CST) > before + 2)
			return 1;
	}
	return 0;
}

static const struct lt_thread *find_tid(const struct lt_thread_tick *k,
					pid_t tid)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->threads[i].tid == tid)
			return &k->threads[i];
	return NULL;
}

/* Whether the symbolized stack of th has a frame in function fn. */
static int stack_has(lt_symbols *s, const struct lt_thread *th, const char *fn)
{
	for (int i = 0; i < th->npcs; i++) {
		struct lt_sym y[8];
		size_t n = lt_symbols_resolve(s, th->pcs[i],
					      (int)((th->activations >> i) & 1),
					      y, 8);

		for (size_t j = 0; j < n; j++)
			if (y[j].function && strcmp(y[j].function, fn) == 0)
				return 1;
	}
	return 0;
}

/* ---- tests ---- */

/* Waits up to a second for a thread to stop: on a loaded machine a thread
 * may need more than the default 5 ms to get a CPU, and tests that count
 * exactly must not see it skipped for that. */
static const struct lt_threads_opts patient = {.stop_timeout_s = 1.0};

static void test_samples_blocked_threads(void **state)
{
	pid_t pid = start_child(4, 0);
	struct lt_thread_tick k;
	lt_err err = {0};
	lt_threads *t;
	lt_symbols *s;
	(void)state;

	t = lt_threads_new(pid, &patient, &err);
	assert_non_null(t);
	s = lt_symbols_new(pid, &err);
	assert_non_null(s);
	assert_int_equal(lt_threads_sample(t, &k, &err), 0);
	assert_int_equal(k.listed, 5);
	assert_int_equal(k.n, 5);
	assert_int_equal(k.vanished, 0);
	assert_int_equal(k.skipped, 0);
	assert_int_equal(k.sampled, 5);
	/* Typically tens of microseconds; the bound leaves room for a
	 * loaded machine, where a thread may wait for a CPU to stop on. */
	assert_true(k.max_stop_ns > 0);
	assert_true(k.max_stop_ns < 100 * 1000000LL);
	assert_true(k.total_stop_ns >= k.max_stop_ns);
	assert_true(k.elapsed_ns >= k.total_stop_ns);
	for (size_t i = 1; i < k.n; i++)
		assert_true(k.threads[i - 1].tid < k.threads[i].tid);
	assert_int_equal(k.threads[0].tid, pid);
	for (int w = 0; w < 4; w++) {
		const struct lt_thread *th = find_tid(&k, shm->tids[w]);

		assert_non_null(th);
		assert_int_equal(th->state, 'S');
		assert_int_equal(th->syscall, 0); /* read */
		assert_int_equal(th->stale, 0);
		assert_true(th->npcs >= 3);
		assert_true(th->activations & 1);
		assert_true(th->stop_ns > 0 && th->stop_ns <= k.max_stop_ns);
		assert_string_equal(th->name, w == 0 ? "x) R (?y" : "watcher");
		if (!stack_has(s, th, "watch_loop"))
			fail_msg("thread %d: no watch_loop in its stack",
				 (int)th->tid);
	}
	/* Nothing is left stopped, and the target goes on. */
	assert_int_equal(stopped_threads(pid), 0);
	assert_true(child_runs());
	/* The next tick starts over: every thread again, no stale stack. */
	assert_int_equal(lt_threads_sample(t, &k, &err), 0);
	assert_int_equal(k.sampled, 5);
	for (size_t i = 0; i < k.n; i++)
		assert_int_equal(k.threads[i].stale, 0);
	lt_symbols_free(s);
	lt_threads_free(t);
	stop_child(pid);
}

/* A sampler given the caller's unwinder (the session's, shared with the
 * injector) unwinds with it and leaves it open for its owner. */
static void test_borrowed_unwinder(void **state)
{
	pid_t pid = start_child(2, 0);
	struct lt_threads_opts o = patient;
	struct lt_thread_tick k;
	lt_err err = {0};
	lt_threads *t;
	lt_unwind *uw;
	lt_symbols *s;
	(void)state;

	uw = lt_unwind_new(pid, &err);
	assert_non_null(uw);
	s = lt_symbols_new(pid, &err);
	assert_non_null(s);
	o.unwind = uw;
	for (int round = 0; round < 2; round++) {
		t = lt_threads_new(pid, &o, &err);
		assert_non_null(t);
		assert_int_equal(lt_threads_sample(t, &k, &err), 0);
		assert_int_equal(k.sampled, 3);
		assert_non_null(find_tid(&k, shm->tids[1]));
		assert_true(stack_has(s, find_tid(&k, shm->tids[1]),
				      "watch_loop"));
		lt_threads_free(t); /* must not free uw: round 2 uses it */
	}
	assert_int_equal(stopped_threads(pid), 0);
	lt_symbols_free(s);
	lt_unwind_free(uw);
	stop_child(pid);
}

static void test_budget_rotates(void **state)
{
	struct lt_threads_opts o = {.budget_s = 1e-9, .stop_timeout_s = 1.0};
	pid_t pid = start_child(40, 0);
	struct lt_thread_tick k;
	lt_err err = {0};
	pid_t last = 0;
	int seen[64] = {0};
	size_t nseen = 0;
	lt_threads *t;
	(void)state;

	t = lt_threads_new(pid, &o, &err);
	assert_non_null(t);
	/* A budget smaller than one stop: one thread per tick, the next
	 * tick going on with the next tid, round the list. */
	for (int tick = 0; tick < 41; tick++) {
		const struct lt_thread *done = NULL;

		assert_int_equal(lt_threads_sample(t, &k, &err), 0);
		assert_int_equal(k.n, 41);
		assert_int_equal(k.sampled, 1);
		assert_int_equal(k.skipped, 40);
		for (size_t i = 0; i < k.n; i++) {
			if (!k.threads[i].stale) {
				done = &k.threads[i];
				continue;
			}
			assert_int_equal(k.threads[i].stop_ns, 0);
			/* a thread sampled before keeps its stack */
			if (seen[i])
				assert_true(k.threads[i].npcs >= 3);
			else
				assert_int_equal(k.threads[i].npcs, 0);
		}
		assert_non_null(done);
		assert_true(done->npcs >= 3);
		if (tick > 0 && last != k.threads[k.n - 1].tid)
			assert_true(done->tid > last);
		last = done->tid;
		if (!seen[done - k.threads]++)
			nseen++;
	}
	assert_int_equal(nseen, 41);
	assert_int_equal(stopped_threads(pid), 0);
	lt_threads_free(t);
	stop_child(pid);
}

static void test_threads_exiting_midsample(void **state)
{
	pid_t pid = start_child(2, CHURN);
	struct lt_thread_tick k;
	size_t vanished = 0;
	lt_err err = {0};
	lt_threads *t;
	(void)state;

	t = lt_threads_new(pid, NULL, &err);
	assert_non_null(t);
	for (int i = 0; i < 400 && vanished < 3; i++) {
		assert_int_equal(lt_threads_sample(t, &k, &err), 0);
		assert_int_equal(k.n, k.listed - k.vanished);
		assert_true(k.n >= 3);
		vanished += k.vanished;
	}
	assert_true(vanished >= 3);
	assert_int_equal(stopped_threads(pid), 0);
	assert_true(child_runs());
	lt_threads_free(t);
	stop_child(pid);
}

static void test_refuses_traced_process(void **state)
{
	pid_t pid = start_child(1, 0), tracer;
	int sync[2];
	char c;
	lt_err err = {0};
	char want[64];
	(void)state;

	/* Another tracer: a process that holds the main thread seized. */
	assert_int_equal(pipe(sync), 0);
	tracer = fork_kid();
	if (tracer == 0) {
		struct lt_ptrace_stop st;

		prctl(PR_SET_NAME, "other-tracer", 0, 0, 0);
		if (lt_ptrace_stop(pid, 1000000000, &st) != LT_PTRACE_STOPPED)
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	assert_int_equal(read(sync[0], &c, 1), 1);
	assert_null(lt_threads_new(pid, NULL, &err));
	assert_int_equal(err.code, LT_EXIT_TARGET);
	snprintf(want, sizeof(want), "already traced by process %d (other-tracer)",
		 (int)tracer);
	if (!strstr(err.msg, want))
		fail_msg("unexpected message: %s", err.msg);
	/* Its tracer dies: the main thread runs again by itself. */
	end_kid(tracer);
	assert_true(child_runs());
	assert_int_equal(stopped_threads(pid), 0);
	close(sync[0]);
	close(sync[1]);
	stop_child(pid);
}

static void test_job_control_stop_kept(void **state)
{
	pid_t pid = start_child(3, 0), storm;
	struct lt_thread_tick k;
	lt_err err = {0};
	lt_threads *t;
	(void)state;

	t = lt_threads_new(pid, NULL, &err);
	assert_non_null(t);
	/* Stopped before the tick: left alone, still stopped after it. */
	kill(pid, SIGSTOP);
	for (int i = 0; i < 1000 && count_states(pid, 'T', 'T') < 4; i++)
		sleep_ms(1);
	assert_int_equal(count_states(pid, 'T', 'T'), 4);
	assert_int_equal(lt_threads_sample(t, &k, &err), 0);
	assert_int_equal(k.n, 4);
	assert_int_equal(k.sampled, 0);
	assert_int_equal(k.skipped, 0);
	for (size_t i = 0; i < k.n; i++) {
		assert_int_equal(k.threads[i].state, 'T');
		assert_int_equal(k.threads[i].npcs, 0);
	}
	assert_int_equal(count_states(pid, 'T', 'T'), 4);
	assert_false(child_runs());
	kill(pid, SIGCONT);
	assert_true(child_runs());

	/* Stops and continues racing with the sampling: whatever the order,
	 * the last word (SIGSTOP here) wins, and SIGCONT then resumes all. */
	storm = fork_kid();
	if (storm == 0) {
		for (int i = 0; i < 300; i++) {
			kill(pid, SIGSTOP);
			usleep(500 + (unsigned)(i % 7) * 300);
			kill(pid, SIGCONT);
			usleep(500 + (unsigned)(i % 5) * 300);
		}
		kill(pid, SIGSTOP);
		_exit(0);
	}
	for (;;) {
		int st;

		assert_int_equal(lt_threads_sample(t, &k, &err), 0);
		assert_int_equal(k.vanished, 0);
		if (waitpid(storm, &st, WNOHANG) == storm) {
			forget_kid(storm);
			break;
		}
	}
	for (int i = 0; i < 1000 && count_states(pid, 'T', 'T') < 4; i++)
		sleep_ms(1);
	assert_int_equal(lt_threads_sample(t, &k, &err), 0);
	assert_int_equal(count_states(pid, 'T', 'T'), 4);
	assert_false(child_runs());
	kill(pid, SIGCONT);
	assert_true(child_runs());
	sleep_ms(20);
	assert_int_equal(stopped_threads(pid), 0);
	lt_threads_free(t);
	stop_child(pid);
}

static void test_signals_pass_through(void **state)
{
	pid_t pid = start_child(3, 0), sender;
	struct lt_thread_tick k;
	lt_err err = {0};
	lt_threads *t;
	const long nsig = 3000;
	int st;
	(void)state;

	t = lt_threads_new(pid, NULL, &err);
	assert_non_null(t);
	/* Real-time signals queue, so each one sent must be seen once, also
	 * those that arrive while their thread is held stopped. */
	sender = fork_kid();
	if (sender == 0) {
		for (long i = 0; i < nsig; i++) {
			if (tgkill(pid, shm->tids[i % 3], SIGRTMIN) != 0)
				_exit(1);
			if (i % 16 == 15)
				usleep(200);
		}
		_exit(0);
	}
	while (waitpid(sender, &st, WNOHANG) == 0)
		assert_int_equal(lt_threads_sample(t, &k, &err), 0);
	forget_kid(sender);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (int i = 0; i < 2000 && __atomic_load_n(&shm->sigs, __ATOMIC_SEQ_CST) < nsig; i++)
		sleep_ms(1);
	assert_int_equal(__atomic_load_n(&shm->sigs, __ATOMIC_SEQ_CST), nsig);
	assert_int_equal(stopped_threads(pid), 0);
	lt_threads_free(t);
	stop_child(pid);
}

/* The proof: SIGKILL the sampler at random moments while it holds
 * threads of a 200-thread target; none may stay stopped. */
static void test_sigkill_of_sampler(void **state)
{
	pid_t pid = start_child(200, 0);
	unsigned seed = 12345;
	(void)state;

	for (int round = 0; round < 8; round++) {
		int sync[2];
		char c;
		pid_t sampler;

		assert_int_equal(pipe(sync), 0);
		sampler = fork_kid();
		if (sampler == 0) {
			struct lt_thread_tick k;
			lt_threads *t = lt_threads_new(pid, NULL, NULL);

			if (!t || write(sync[1], "x", 1) != 1)
				_exit(2);
			for (;;)
				lt_threads_sample(t, &k, NULL);
		}
		assert_int_equal(read(sync[0], &c, 1), 1);
		seed = seed * 1103515245 + 12345;
		usleep(1000 + (seed >> 8) % 30000);
		end_kid(sampler);
		close(sync[0]);
		close(sync[1]);
		/* The kernel lets go of a dead tracer's threads at once. */
		int stopped = stopped_threads(pid);

		for (int i = 0; i < 100 && stopped; i++) {
			sleep_ms(2);
			stopped = stopped_threads(pid);
		}
		if (stopped)
			fail_msg("round %d: %d threads still stopped", round, stopped);
		assert_true(child_runs());
		assert_int_equal(count_states(pid, 'S', 'R'), 201);
	}
	stop_child(pid);
}

static void test_disk_wait_left_alone(void **state)
{
	pid_t pid = start_child(1, VFORK);
	const struct lt_thread *th;
	struct lt_thread_tick k;
	lt_err err = {0};
	lt_threads *t;
	(void)state;

	for (int i = 0; i < 1000 && count_states(pid, 'D', 'D') < 1; i++)
		sleep_ms(1);
	if (count_states(pid, 'D', 'D') != 1)
		skip(); /* this kernel's vfork wait is not uninterruptible */
	t = lt_threads_new(pid, &patient, &err);
	assert_non_null(t);
	assert_int_equal(lt_threads_sample(t, &k, &err), 0);
	assert_int_equal(k.n, 3);
	th = find_tid(&k, shm->vforker);
	assert_non_null(th);
	/* Not stopped (it would not stop until vfork returns): counted as
	 * skipped, with its blocking syscall but no stack yet. */
	assert_int_equal(th->state, 'D');
	assert_true(th->syscall >= 0);
	assert_int_equal(th->stale, 1);
	assert_int_equal(th->npcs, 0);
	assert_int_equal(th->stop_ns, 0);
	assert_int_equal(k.skipped, 1);
	assert_int_equal(k.sampled, 2);
	assert_int_equal(count_states(pid, 'D', 'D'), 1);
	assert_int_equal(stopped_threads(pid), 0);
	lt_threads_free(t);
	stop_child(pid);
}

static void test_process_gone(void **state)
{
	pid_t pid = start_child(2, 0);
	struct lt_thread_tick k;
	lt_err err = {0};
	lt_threads *t;
	(void)state;

	t = lt_threads_new(pid, NULL, &err);
	assert_non_null(t);
	stop_child(pid);
	assert_int_equal(lt_threads_sample(t, &k, &err), -1);
	assert_int_equal(err.code, LT_EXIT_TARGET);
	assert_int_equal(k.n, 0);
	lt_threads_free(t);
	/* and a pid that is gone from the start */
	memset(&err, 0, sizeof(err));
	assert_null(lt_threads_new(pid, NULL, &err));
	assert_int_equal(err.code, LT_EXIT_TARGET);
}

static int setup(void **state)
{
	(void)state;
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return shm == MAP_FAILED ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_samples_blocked_threads, teardown),
		cmocka_unit_test_teardown(test_borrowed_unwinder, teardown),
		cmocka_unit_test_teardown(test_budget_rotates, teardown),
		cmocka_unit_test_teardown(test_threads_exiting_midsample, teardown),
		cmocka_unit_test_teardown(test_refuses_traced_process, teardown),
		cmocka_unit_test_teardown(test_job_control_stop_kept, teardown),
		cmocka_unit_test_teardown(test_signals_pass_through, teardown),
		cmocka_unit_test_teardown(test_sigkill_of_sampler, teardown),
		cmocka_unit_test_teardown(test_disk_wait_left_alone, teardown),
		cmocka_unit_test_teardown(test_process_gone, teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
