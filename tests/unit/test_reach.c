/* The reachability scan (lt_reach) on a live process: every case of
 * tests/targets/reach_cases judged over two scans a second apart, in each
 * stop mode, on fresh targets (new addresses each run); the same without
 * registers (the register case is then lost, and the result says weak); a
 * thread held by a debugger (weak, said why); a static binary, a corrupt
 * chunk header and another allocator refused with a reason; and the "two scans agree" rule on made-up scans.
 *
 * Needs ptrace rights over its own children (root, or yama scope <= 1) and
 * build/targets/reach_cases, static_sleeper and libjemalloc_name.so; run
 * from the repo root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "lt_ptrace.h"
#include "lt_reach.h"

#define TARGET "build/targets/reach_cases"
#define STATIC "build/targets/static_sleeper"
#define JEMALLOC_NAME "build/targets/libjemalloc_name.so"
#define TRACER "build/targets/tracer"
#define MAX_C 256
#define GAP_NS 1000000000LL

struct expect {
	const char *name;
	int want;  /* what the two scans must prove, see below */
	int racy;  /* only reported in modes that read it while the target
		      runs: 1 in STOP_EACH, 2 in STOP_ROOTS too */
};

enum { W_REACH, W_DIRECT, W_INDIRECT, W_CYCLE, W_NOT_LOST };

/* The cases of reach_cases.c and what two scans must prove. */
static const struct expect expects[] = {
	{"dropped", W_DIRECT, 0},     {"dropped_a", W_INDIRECT, 0},
	{"dropped_b", W_INDIRECT, 0}, {"cycle", W_CYCLE, 0},
	{"cache", W_NOT_LOST, 0},     {"list", W_REACH, 0},
	{"register", W_REACH, 0},     {"tls", W_REACH, 0},
	{"mmap", W_REACH, 0},         {"interior", W_REACH, 0},
	{"mover", W_REACH, 1},        {"arena_list", W_REACH, 0},
	{"arena_drop", W_DIRECT, 0},  {"arena_child", W_INDIRECT, 0},
	{"big_kept", W_REACH, 0},     {"big_drop", W_DIRECT, 0},
	{"relay", W_REACH, 1},        {"relay_heap", W_REACH, 2},
	{"epoll", W_REACH, 0},        {"timer", W_REACH, 0},
};

struct target {
	pid_t pid;
	char path[64];
	struct lt_reach_cand c[MAX_C];
	char name[MAX_C][24];
	size_t n;
	struct lt_reach_range table; /* the page like the agent's table */
};

static pid_t kid, tracer_pid;

static void sleep_ns(long long ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static const char *preload; /* LD_PRELOAD for the next spawn, or NULL */

static pid_t spawn3(const char *prog, const char *arg1, const char *arg2,
		    const char *arg3)
{
	pid_t parent = getpid(), pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			_exit(1);
		dup2(fd, 1);
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		execl(prog, prog, arg1, arg2, arg3, (char *)NULL);
		_exit(127);
	}
	kid = pid;
	return pid;
}

static pid_t spawn(const char *prog, const char *arg1, const char *arg2)
{
	return spawn3(prog, arg1, arg2, NULL);
}

static void end_kid(void)
{
	if (kid > 0) {
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
		kid = 0;
	}
}

/* Starts reach_cases (with mode, or NULL) and reads its list of blocks. */
static void start_target_mode(struct target *t, const char *mode)
{
	char line[128];
	int done = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "/tmp/lt-reach-%d.txt", (int)getpid());
	unlink(t->path);
	if (access(TARGET, X_OK) != 0)
		fail_msg("%s missing: make %s", TARGET, TARGET);
	t->pid = spawn3(TARGET, t->path, "120", mode);
	for (int i = 0; i < 1000 && !done; i++) {
		FILE *f = fopen(t->path, "r");

		sleep_ns(10000000);
		if (!f)
			continue;
		t->n = 0;
		while (fgets(line, sizeof(line), f)) {
			unsigned long a, sz;
			char nm[24];

			if (strcmp(line, "end\n") == 0) {
				done = 1;
				break;
			}
			if (sscanf(line, "%23s %lx %lx", nm, &a, &sz) == 3 &&
			    strcmp(nm, "exclude") == 0) {
				t->table = (struct lt_reach_range){a, sz};
				continue;
			}
			if (sscanf(line, "%23s %lx %lu", nm, &a, &sz) != 3 || t->n >= MAX_C)
				continue;
			snprintf(t->name[t->n], sizeof(t->name[0]), "%s", nm);
			t->c[t->n] = (struct lt_reach_cand){a, sz, 1000 + t->n, 0};
			t->n++;
		}
		fclose(f);
	}
	unlink(t->path);
	assert_true(done);
	assert_true(t->n >= 20);
	assert_true(t->table.hi > t->table.lo);
	sleep_ns(100000000); /* "ready": the list is written before that */
}

static void start_target(struct target *t)
{
	start_target_mode(t, NULL);
}

static const struct expect *expect_of(const char *name)
{
	for (size_t i = 0; i < sizeof(expects) / sizeof(*expects); i++)
		if (strcmp(expects[i].name, name) == 0)
			return &expects[i];
	fail_msg("case %s has no expectation", name);
	return NULL;
}

static void print_stats(const char *what, const struct lt_reach_result *r)
{
	const struct lt_reach_stats *st = &r->st;

	printf("# %s: %.1f ms, %llu KiB read (roots %llu KiB, blocks %llu KiB), "
	       "%llu chunks, %llu blocks (%llu reachable), %d arena heaps, "
	       "%d mmapped, threads %d/%d with registers, pause max %.2f ms "
	       "total %.2f ms, %llu pointers into free chunks, %llu new blocks%s%s\n",
	       what, (double)(st->t_end_ns - st->t_start_ns) / 1e6,
	       (unsigned long long)st->bytes_read / 1024,
	       (unsigned long long)st->root_bytes / 1024,
	       (unsigned long long)st->block_bytes / 1024,
	       (unsigned long long)st->chunks, (unsigned long long)st->blocks,
	       (unsigned long long)st->blocks_reachable, st->arena_heaps,
	       st->mmapped, st->threads_regs, st->threads,
	       (double)st->max_stop_ns / 1e6, (double)st->total_stop_ns / 1e6,
	       (unsigned long long)st->hole_pointers, (unsigned long long)st->new_blocks,
	       r->reason[0] ? "; " : "", r->reason);
}

/* Two scans GAP_NS apart in mode stop; checks every case but the ones
 * that mode reads while the target runs (racy >= racy_from): those are
 * only reported, as a pointer that moves meanwhile can be missed. */
static void two_scans(enum lt_reach_stop stop, int racy_from)
{
	struct target t;
	/* A loaded test machine may take a while to stop a thread, or to
	 * read the roots: no pause cap here. */
	struct lt_reach_opts o = {0, stop, 1000000000, -1, NULL, 1};
	struct lt_reach_result r[2];
	struct lt_reach_judged j[MAX_C];
	lt_reach_hist *h = lt_reach_hist_new(GAP_NS / 2);
	lt_err err;
	int cycle_direct = 0, cycle_indirect = 0;

	start_target(&t);
	o.exclude = &t.table;
	for (int s = 0; s < 2; s++) {
		if (s)
			sleep_ns(GAP_NS);
		if (lt_reach_scan(t.pid, t.c, t.n, &o, &r[s], &err) != 0)
			fail_msg("scan: %s", err.msg);
		print_stats(s ? "scan 2" : "scan 1", &r[s]);
		if (!r[s].proof)
			fail_msg("cannot prove: %s", r[s].reason);
		if (r[s].weak != (stop == LT_REACH_STOP_EACH))
			fail_msg("weak %d: %s", r[s].weak, r[s].reason);
		assert_true(r[s].st.arena_heaps >= 1);
		assert_int_equal(r[s].st.mmapped, 2);
		assert_int_equal(r[s].st.threads_regs, r[s].st.threads);
		lt_reach_hist_judge(h, t.c, t.n, &r[s], j);
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct expect *e = expect_of(t.name[i]);
		int want = e->want;
		enum lt_reach_verdict v1 = r[0].items[i].v, v2 = r[1].items[i].v;
		int lost = j[i].proof == LT_PROOF_DIRECT || j[i].proof == LT_PROOF_INDIRECT;

		if (e->racy && e->racy >= racy_from) {
			printf("# %s (read running): %s, %s\n", t.name[i],
			       lt_reach_verdict_name(v1), lt_reach_verdict_name(v2));
			continue;
		}
		switch (want) {
		case W_REACH:
			if (v1 != LT_REACH_REACHABLE || v2 != LT_REACH_REACHABLE || lost)
				fail_msg("%s at 0x%llx: %s, %s; want reachable", t.name[i],
					 (unsigned long long)t.c[i].addr,
					 lt_reach_verdict_name(v1), lt_reach_verdict_name(v2));
			break;
		case W_NOT_LOST:
			if (lost || v1 == LT_REACH_DIRECT || v1 == LT_REACH_INDIRECT)
				fail_msg("%s at 0x%llx: %s, %s; want never unreachable",
					 t.name[i], (unsigned long long)t.c[i].addr,
					 lt_reach_verdict_name(v1), lt_reach_verdict_name(v2));
			break;
		case W_DIRECT:
		case W_INDIRECT: {
			enum lt_reach_proof p = want == W_DIRECT ? LT_PROOF_DIRECT : LT_PROOF_INDIRECT;

			if (j[i].proof != p)
				fail_msg("%s at 0x%llx: %s, %s (proof %d); want %s",
					 t.name[i], (unsigned long long)t.c[i].addr,
					 lt_reach_verdict_name(v1), lt_reach_verdict_name(v2),
					 (int)j[i].proof, want == W_DIRECT ? "direct" : "indirect");
			break;
		}
		case W_CYCLE:
			cycle_direct += j[i].proof == LT_PROOF_DIRECT;
			cycle_indirect += j[i].proof == LT_PROOF_INDIRECT;
			break;
		}
		/* An indirect block's owner is the struct that held it. */
		if (strcmp(t.name[i], "dropped_a") == 0)
			assert_int_equal(r[1].items[i].owner, t.c[0].addr);
	}
	assert_int_equal(cycle_direct, 1);
	assert_int_equal(cycle_indirect, 1);
	for (int s = 0; s < 2; s++)
		lt_reach_result_free(&r[s]);
	lt_reach_hist_free(h);
	end_kid();
}

static void test_stop_roots(void **state)
{
	(void)state;
	for (int run = 0; run < 3; run++)
		two_scans(LT_REACH_STOP_ROOTS, 2);
}

static void test_stop_world(void **state)
{
	(void)state;
	for (int run = 0; run < 2; run++)
		two_scans(LT_REACH_STOP_WORLD, 3);
}

static void test_stop_each(void **state)
{
	(void)state;
	for (int run = 0; run < 2; run++)
		two_scans(LT_REACH_STOP_EACH, 1);
}

/* Without registers the block held only in r13 looks lost, and the result
 * says it is weaker. */
static void test_no_registers(void **state)
{
	struct target t;
	struct lt_reach_opts o = {1, LT_REACH_STOP_ROOTS, 0, 0, NULL, 1};
	struct lt_reach_result r;
	lt_err err;

	(void)state;
	start_target(&t);
	o.exclude = &t.table;
	if (lt_reach_scan(t.pid, t.c, t.n, &o, &r, &err) != 0)
		fail_msg("scan: %s", err.msg);
	print_stats("no registers", &r);
	assert_true(r.proof);
	assert_true(r.weak);
	assert_non_null(strstr(r.reason, "registers"));
	assert_int_equal(r.st.threads_regs, 0);
	assert_int_equal(r.st.max_stop_ns, 0);
	for (size_t i = 0; i < t.n; i++)
		if (strcmp(t.name[i], "register") == 0)
			assert_int_equal(r.items[i].v, LT_REACH_DIRECT);
	lt_reach_result_free(&r);
	end_kid();
}

/* A debugger holds the main thread: its registers cannot be read, the
 * other threads' can; the scan says so and is weak. */
static void test_traced_thread(void **state)
{
	struct target t;
	struct lt_reach_opts o = {0, LT_REACH_STOP_ROOTS, 1000000000, -1, NULL, 0};
	struct lt_reach_result r;
	char pidarg[16];
	lt_err err;

	(void)state;
	if (access(TRACER, X_OK) != 0)
		fail_msg("%s missing: make %s", TRACER, TRACER);
	start_target(&t);
	snprintf(pidarg, sizeof(pidarg), "%d", (int)t.pid);
	tracer_pid = fork();
	assert_true(tracer_pid >= 0);
	if (tracer_pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		dup2(fd, 1);
		execl(TRACER, TRACER, pidarg, "60", (char *)NULL);
		_exit(127);
	}
	sleep_ns(300000000);
	if (lt_reach_scan(t.pid, t.c, t.n, &o, &r, &err) != 0)
		fail_msg("scan: %s", err.msg);
	print_stats("traced", &r);
	assert_true(r.proof);
	assert_true(r.weak);
	assert_non_null(strstr(r.reason, "ptrace not permitted"));
	assert_int_equal(r.st.threads_regs, r.st.threads - 1);
	lt_reach_result_free(&r);
	end_kid();
}

/* Memory that holds every sampled address (the agent's table) keeps all
 * of them reachable unless the scan is told it is no root. */
static void test_agent_table(void **state)
{
	struct target t;
	struct lt_reach_opts o = {0, LT_REACH_STOP_ROOTS, 1000000000, -1, NULL, 0};
	struct lt_reach_result r[2];
	lt_err err;

	(void)state;
	start_target(&t);
	for (int k = 0; k < 2; k++) {
		o.exclude = k ? &t.table : NULL;
		o.nexclude = k ? 1 : 0;
		if (lt_reach_scan(t.pid, t.c, t.n, &o, &r[k], &err) != 0)
			fail_msg("scan: %s", err.msg);
		assert_true(r[k].proof);
	}
	for (size_t i = 0; i < t.n; i++)
		if (strcmp(t.name[i], "dropped") == 0) {
			assert_int_equal(r[0].items[i].v, LT_REACH_REACHABLE);
			assert_int_equal(r[1].items[i].v, LT_REACH_DIRECT);
		}
	lt_reach_result_free(&r[0]);
	lt_reach_result_free(&r[1]);
	end_kid();
}

static void test_static_binary(void **state)
{
	struct lt_reach_cand c = {0x1000, 16, 1, 0};
	struct lt_reach_result r;
	lt_err err;
	pid_t pid;

	(void)state;
	if (access(STATIC, X_OK) != 0)
		fail_msg("%s missing: make %s", STATIC, STATIC);
	pid = spawn(STATIC, "60", NULL);
	sleep_ns(200000000);
	assert_int_equal(lt_reach_scan(pid, &c, 1, NULL, &r, &err), 0);
	assert_false(r.proof);
	assert_non_null(strstr(r.reason, "statically linked"));
	assert_int_equal(r.items[0].v, LT_REACH_UNKNOWN);
	lt_reach_result_free(&r);
	end_kid();
}

/* The heap cannot be walked: say so, and why. */
static void refused(const char *mode, const char *with, const char *why)
{
	struct target t;
	struct lt_reach_result r;
	lt_err err;

	preload = with;
	start_target_mode(&t, mode);
	preload = NULL;
	if (lt_reach_scan(t.pid, t.c, t.n, NULL, &r, &err) != 0)
		fail_msg("scan: %s", err.msg);
	printf("# refused: %s\n", r.reason);
	assert_false(r.proof);
	assert_non_null(strstr(r.reason, why));
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(r.items[i].v, LT_REACH_UNKNOWN);
	lt_reach_result_free(&r);
	end_kid();
}

static void test_corrupt_header(void **state)
{
	(void)state;
	refused("corrupt", NULL, "corrupt chunk header");
}

static void test_other_allocator(void **state)
{
	(void)state;
	if (access(JEMALLOC_NAME, R_OK) != 0)
		fail_msg("%s missing: make %s", JEMALLOC_NAME, JEMALLOC_NAME);
	refused(NULL, JEMALLOC_NAME, "another allocator is mapped (libjemalloc_name.so)");
}

static void test_gone(void **state)
{
	struct lt_reach_result r;
	lt_err err;
	pid_t pid = spawn("/bin/true", NULL, NULL);

	(void)state;
	waitpid(pid, NULL, 0);
	kid = 0;
	assert_int_equal(lt_reach_scan(pid, NULL, 0, NULL, &r, &err), -1);
	assert_int_equal(err.code, LT_EXIT_TARGET);
	assert_null(r.items);
}

/* ---- the rule, on made-up scans ---- */

static void fake(struct lt_reach_result *r, int64_t t, int proof,
		 enum lt_reach_verdict v)
{
	static struct lt_reach_item item;

	memset(r, 0, sizeof(*r));
	r->proof = proof;
	r->st.t_start_ns = t;
	item = (struct lt_reach_item){7, v, 0};
	r->items = &item;
	r->n = 1;
}

static void test_history(void **state)
{
	lt_reach_hist *h = lt_reach_hist_new(GAP_NS);
	struct lt_reach_cand c = {0x5000, 32, 7, 100};
	struct lt_reach_result r;
	struct lt_reach_judged j;

	(void)state;
	/* Unreachable once: pending. */
	fake(&r, 1000, 1, LT_REACH_DIRECT);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_PENDING);
	/* Again, too soon: still pending. */
	fake(&r, 1000 + GAP_NS / 2, 1, LT_REACH_DIRECT);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_PENDING);
	assert_int_equal(j.scans, 2);
	/* Far enough from the first: proven, with the last scan's class. */
	fake(&r, 1000 + GAP_NS, 1, LT_REACH_INDIRECT);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_INDIRECT);
	/* Reachable once: the run ends. */
	fake(&r, 5000 + 2 * GAP_NS, 1, LT_REACH_REACHABLE);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_NONE);
	fake(&r, 5000 + 3 * GAP_NS, 1, LT_REACH_DIRECT);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_PENDING);
	/* A scan that cannot prove ends it too. */
	fake(&r, 5000 + 4 * GAP_NS, 0, LT_REACH_UNKNOWN);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_NONE);
	fake(&r, 5000 + 5 * GAP_NS, 1, LT_REACH_DIRECT);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	fake(&r, 5000 + 6 * GAP_NS, 1, LT_REACH_DIRECT);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_DIRECT);
	/* Allocated after the first scan of the run began: not proven. */
	c.alloc_ns = 5000 + 5 * GAP_NS + 1;
	fake(&r, 5000 + 7 * GAP_NS, 1, LT_REACH_DIRECT);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_PENDING);
	/* Same id at another address: a new run. */
	c.alloc_ns = 0;
	c.addr = 0x6000;
	fake(&r, 5000 + 8 * GAP_NS, 1, LT_REACH_DIRECT);
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_PENDING);
	assert_int_equal(j.scans, 1);
	/* A weak scan in the run makes the proof weak. */
	fake(&r, 5000 + 9 * GAP_NS, 1, LT_REACH_DIRECT);
	r.weak = 1;
	lt_reach_hist_judge(h, &c, 1, &r, &j);
	assert_int_equal(j.proof, LT_PROOF_DIRECT);
	assert_true(j.weak);
	lt_reach_hist_free(h);
}

static int teardown(void **state)
{
	(void)state;
	end_kid();
	if (tracer_pid > 0) {
		kill(tracer_pid, SIGKILL);
		waitpid(tracer_pid, NULL, 0);
		tracer_pid = 0;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history),
		cmocka_unit_test_teardown(test_gone, teardown),
		cmocka_unit_test_teardown(test_static_binary, teardown),
		cmocka_unit_test_teardown(test_corrupt_header, teardown),
		cmocka_unit_test_teardown(test_other_allocator, teardown),
		cmocka_unit_test_teardown(test_stop_roots, teardown),
		cmocka_unit_test_teardown(test_stop_world, teardown),
		cmocka_unit_test_teardown(test_stop_each, teardown),
		cmocka_unit_test_teardown(test_no_registers, teardown),
		cmocka_unit_test_teardown(test_traced_thread, teardown),
		cmocka_unit_test_teardown(test_agent_table, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
