/* Reachability scans of a live session (lt_scan.h). */
#include "lt_scan.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lt_clock.h"
#include "lt_reach.h"

/* How long the agent may take to send its blocks. */
#define BLOCKS_WAIT_S 5.0
/* How long a tick waits for them: the agent answers at once (its thread
 * wakes on the ask), usually within milliseconds, and the scan can then
 * start in the tick that asked. */
#define BLOCKS_TICK_WAIT_S 0.1

enum { IDLE, WAIT_BLOCKS, RUNNING };

struct lt_scan {
	pid_t pid;
	double interval;
	int no_stop;            /* stop no thread: no registers */
	double next;            /* session time of the next scheduled scan */
	int requested;
	int state;
	double asked_at;        /* CLOCK_MONOTONIC seconds of the ask */
	int no_heap;            /* the scan in flight has no candidates: the
				   heap source is off (heap_reason) */
	int no_heap_done;       /* that one scan was made */
	char heap_reason[200];
	int proofs;             /* scans so far that could prove */
	double prev_start;      /* when the last of them began (CLOCK_MONOTONIC) */
	lt_reach_hist *hist;
	/* The scan in flight. */
	pthread_t th;
	int done;               /* set by its thread (atomic) */
	double t;               /* session time it began */
	struct lt_reach_cand *c;
	struct lt_heap_block *b; /* c[i] is b[i] */
	size_t n;
	struct lt_reach_result r;
	struct lt_reach_range excl[2]; /* the agent's own memory */
	int rc;
	lt_err err;
};

lt_scan *lt_scan_new(pid_t pid, double interval, int no_stop)
{
	lt_scan *sc = lt_xcalloc(1, sizeof(*sc));

	sc->pid = pid;
	sc->no_stop = no_stop;
	sc->interval = interval;
	sc->next = interval;
	sc->hist = lt_reach_hist_new((int64_t)(LT_SCAN_MIN_GAP_S * 1e9));
	return sc;
}

static void clear_job(lt_scan *sc)
{
	lt_reach_result_free(&sc->r);
	free(sc->c);
	free(sc->b);
	sc->c = NULL;
	sc->b = NULL;
	sc->n = 0;
}

/* Waits for the scan thread, if any. */
static void join(lt_scan *sc)
{
	if (sc->state == RUNNING)
		pthread_join(sc->th, NULL);
}

void lt_scan_free(lt_scan *sc)
{
	if (!sc)
		return;
	join(sc);
	clear_job(sc);
	lt_reach_hist_free(sc->hist);
	free(sc);
}

void lt_scan_request(lt_scan *sc)
{
	sc->requested = 1;
}

int lt_scan_busy(const lt_scan *sc)
{
	return sc->state == RUNNING;
}

/* A scan that did not run: recorded as one that cannot prove.  It says
 * nothing of any block, so it leaves the runs of the two-scans rule as
 * they are (see conclude). */
static void record_fail(lt_model *m, double t, const char *why)
{
	struct lt_unreach_scan us = {.t = t, .reason = (char *)why};

	lt_unreach_add(lt_model_unreach(m), &us, NULL, 0);
}

static void *scan_main(void *arg)
{
	lt_scan *sc = arg;

	struct lt_reach_opts o = {.exclude = sc->excl, .nexclude = 2,
				  .no_registers = sc->no_stop};

	sc->rc = lt_reach_scan(sc->pid, sc->c, sc->n, &o, &sc->r, &sc->err);
	__atomic_store_n(&sc->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static int by_addr(const void *a, const void *b)
{
	const struct lt_heap_block *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Starts the scan of the blocks of bs (NULL: none) in its thread. */
static void start(lt_scan *sc, lt_model *m, const struct lt_heapblk *bs, double t)
{
	const struct lt_heap_block *b = bs ? bs->b : NULL;
	size_t k = 0, n = bs ? bs->n : 0;
	sigset_t all, old;
	int rc;

	clear_job(sc);
	/* The agent's tables hold no plain address (it keeps them XOR-ed),
	 * but reading them as roots would cost time while the threads are
	 * stopped: about 60 MiB of mostly untouched pages. */
	for (int i = 0; i < 2; i++)
		sc->excl[i] = (struct lt_reach_range){bs ? bs->agent_mem[i][0] : 0,
						      bs ? bs->agent_mem[i][1] : 0};
	sc->b = lt_xmalloc((n ? n : 1) * sizeof(*sc->b));
	if (n)
		memcpy(sc->b, b, n * sizeof(*b));
	/* One candidate per address: the agent reads its table in chunks,
	 * and a block moved across a chunk border can come twice. */
	qsort(sc->b, n, sizeof(*sc->b), by_addr);
	for (size_t i = 0; i < n; i++)
		if (!k || sc->b[i].addr != sc->b[k - 1].addr)
			sc->b[k++] = sc->b[i];
	sc->n = k;
	sc->c = lt_xmalloc((k ? k : 1) * sizeof(*sc->c));
	for (size_t i = 0; i < k; i++) {
		int64_t alloc_ns = (int64_t)(sc->b[i].alloc_mono * 1e9);

		/* The same sample has the same address and time in every
		 * answer (the agent's clock is mapped once). */
		sc->c[i] = (struct lt_reach_cand){
			.addr = sc->b[i].addr, .size = sc->b[i].size,
			.id = mix(sc->b[i].addr) ^ mix((uint64_t)alloc_ns + 1),
			.alloc_ns = alloc_ns,
		};
	}
	sc->t = t;
	sc->done = 0;
	memset(&sc->err, 0, sizeof(sc->err));
	/* The scan thread takes no stop signal: the session's loop does. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&sc->th, NULL, scan_main, sc);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		char why[120];

		snprintf(why, sizeof(why), "cannot start the scan thread: %s", strerror(rc));
		clear_job(sc);
		sc->state = IDLE;
		record_fail(m, t, why);
		return;
	}
	sc->state = RUNNING;
}

struct agg {
	size_t stack;
	const struct lt_heap_block *b;
	enum lt_reach_proof proof;
	int scans, weak;
};

static int by_stack(const void *a, const void *b)
{
	const struct agg *x = a, *y = b;

	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* The proven blocks, summed per site into s (one per stack); returns how
 * many sites. */
static size_t sum_sites(struct agg *a, size_t na, struct lt_unreach_site *s)
{
	size_t k = 0;

	qsort(a, na, sizeof(*a), by_stack);
	for (size_t i = 0; i < na; i++) {
		struct lt_unreach_site *o;

		if (!k || s[k - 1].stack != a[i].stack)
			s[k++] = (struct lt_unreach_site){.stack = a[i].stack};
		o = &s[k - 1];
		if (a[i].proof == LT_PROOF_DIRECT) {
			o->direct_bytes += a[i].b->weight;
			o->direct_count += a[i].b->count;
		} else {
			o->indirect_bytes += a[i].b->weight;
			o->indirect_count += a[i].b->count;
		}
		o->samples++;
		if (a[i].scans > o->scans)
			o->scans = a[i].scans;
		o->weak |= a[i].weak;
	}
	return k;
}

/* The scan in flight has ended: judge it, and add it to the model. */
static void conclude(lt_scan *sc, lt_model *m,
		     const struct lt_collect_heapmap *map)
{
	struct lt_unreach_scan us = {.t = sc->t, .candidates = sc->n};
	struct lt_reach_judged *j;
	struct lt_unreach_site *s;
	struct agg *a;
	size_t na = 0, ns;
	char why[sizeof(sc->err.msg) + 8];

	pthread_join(sc->th, NULL);
	sc->state = IDLE;
	if (sc->rc < 0) {
		snprintf(why, sizeof(why), "%s", sc->err.msg);
		clear_job(sc);
		record_fail(m, sc->t, why);
		return;
	}
	j = lt_xcalloc(sc->n ? sc->n : 1, sizeof(*j));
	a = lt_xmalloc((sc->n ? sc->n : 1) * sizeof(*a));
	/* A scan that cannot prove (a heap re-walk that failed while the
	 * target churned: about one in 200) is not judged: lt_reach_hist
	 * would end every run, and a proof needs two more scans.  A block
	 * two proof-capable scans found unreachable is proven as surely
	 * with a failed scan between them as without. */
	if (sc->r.proof)
		lt_reach_hist_judge(sc->hist, sc->c, sc->n, &sc->r, j);
	for (size_t i = 0; i < sc->n; i++) {
		enum lt_reach_verdict v = sc->r.proof ? sc->r.items[i].v : LT_REACH_UNKNOWN;
		uint32_t id = sc->b[i].stack_id;

		if (v == LT_REACH_DIRECT || v == LT_REACH_INDIRECT)
			us.unreachable++;
		if (j[i].proof != LT_PROOF_DIRECT && j[i].proof != LT_PROOF_INDIRECT)
			continue;
		us.proven++;
		if (id < map->n && map->stack[id] != LT_NONE)
			a[na++] = (struct agg){map->stack[id], &sc->b[i], j[i].proof,
					       j[i].scans, j[i].weak};
	}
	s = lt_xmalloc((na ? na : 1) * sizeof(*s));
	ns = sum_sites(a, na, s);
	us.took_ns = sc->r.st.t_end_ns - sc->r.st.t_start_ns;
	us.bytes_read = sc->r.st.bytes_read;
	us.heap_bytes = sc->r.st.heap_bytes;
	us.max_pause_ns = sc->r.st.max_stop_ns;
	us.threads = sc->r.st.threads;
	us.proof = sc->r.proof;
	us.weak = sc->r.weak;
	if (sc->no_heap && sc->r.proof) {
		/* The heap can be walked, but nothing was sampled to judge. */
		snprintf(why, sizeof(why), "no sampled blocks to judge (heap: %s)",
			 sc->heap_reason);
		us.proof = 0;
		us.reason = why;
	} else {
		us.reason = sc->r.reason;
	}
	if (us.proof) {
		sc->proofs++;
		sc->prev_start = sc->r.st.t_start_ns / 1e9;
	}
	lt_unreach_add(lt_model_unreach(m), &us, s, ns);
	free(s);
	free(a);
	free(j);
	clear_job(sc);
}

/* Reads the agent's messages until its blocks are in or wait_s passed;
 * 0 when they are, -1 with err when the heap source ended. */
static int wait_blocks(lt_scan *sc, lt_heap *heap, double wait_s)
{
	double until = lt_clock_mono() + wait_s;
	lt_err err = {0};

	while (!lt_heap_blocks(heap)) {
		struct pollfd pfd = {.fd = lt_heap_fd(heap), .events = POLLIN};
		double left = until - lt_clock_mono();

		if (left <= 0)
			return 1;
		poll(&pfd, 1, (int)(left * 1000) + 1);
		if (lt_heap_poll(heap, &err) < 0) {
			snprintf(sc->err.msg, sizeof(sc->err.msg), "%s", err.msg);
			return -1;
		}
	}
	return 0;
}

/* Starts a scan now: asks the agent for its blocks, or, without the heap
 * source, scans once without candidates to learn whether the heap could
 * be walked at all. */
static void begin(lt_scan *sc, lt_heap *heap, const char *heap_reason,
		  lt_model *m, double t)
{
	lt_err err = {0};

	sc->no_heap = !heap;
	if (heap) {
		if (lt_heap_ask_blocks(heap, &err) < 0) {
			record_fail(m, t, err.msg);
			return;
		}
		sc->state = WAIT_BLOCKS;
		sc->asked_at = lt_clock_mono();
		wait_blocks(sc, heap, BLOCKS_TICK_WAIT_S);
		return;
	}
	snprintf(sc->heap_reason, sizeof(sc->heap_reason), "%s",
		 heap_reason ? heap_reason : "off");
	/* Turned off by the user: no heap walk behind their back either. */
	if (sc->no_heap_done || !strncmp(sc->heap_reason, "disabled", 8)) {
		char why[260];

		sc->no_heap_done = 1;
		snprintf(why, sizeof(why), "no sampled blocks to judge (heap: %s)",
			 sc->heap_reason);
		record_fail(m, t, why);
		return;
	}
	sc->no_heap_done = 1;
	start(sc, m, NULL, t);
}

void lt_scan_step(lt_scan *sc, lt_heap *heap, const char *heap_reason,
		  lt_model *m, const struct lt_collect_heapmap *map, double t)
{
	const struct lt_heapblk *bs;
	int asked;

	if (sc->state == RUNNING) {
		if (!__atomic_load_n(&sc->done, __ATOMIC_ACQUIRE))
			return;
		conclude(sc, m, map);
	}
	if (sc->state == WAIT_BLOCKS) {
		if (heap && (bs = lt_heap_blocks(heap)))
			start(sc, m, bs, t);
		else if (!heap || lt_clock_mono() - sc->asked_at > BLOCKS_WAIT_S) {
			sc->state = IDLE;
			record_fail(m, t, heap ? "the heap agent did not send its sampled blocks "
				    "(an agent of an older leaktop?)" : "the heap source ended");
		}
		return;
	}
	asked = sc->requested;
	if (!asked && (sc->interval <= 0 || t < sc->next))
		return;
	sc->requested = 0;
	if (sc->interval > 0)
		while (sc->next <= t)
			sc->next += sc->interval;
	/* Without the heap source one scan says why nothing can be proven;
	 * later ones only when asked. */
	if (!heap && sc->no_heap_done && !asked)
		return;
	begin(sc, heap, heap_reason, m, t);
	if (sc->state == WAIT_BLOCKS && (bs = lt_heap_blocks(heap)))
		start(sc, m, bs, t);
}

/* One scan, waited for: the blocks polled from heap, the scan run. */
static void scan_now(lt_scan *sc, lt_heap *heap, const char *heap_reason,
		     lt_model *m, const struct lt_collect_heapmap *map, double t0)
{
	begin(sc, heap, heap_reason, m, lt_clock_mono() - t0);
	if (sc->state == WAIT_BLOCKS) {
		int rc = wait_blocks(sc, heap, BLOCKS_WAIT_S);

		sc->state = IDLE;
		if (rc) {
			record_fail(m, lt_clock_mono() - t0, rc < 0 ? sc->err.msg :
				    "the heap agent did not send its sampled blocks");
			return;
		}
		start(sc, m, lt_heap_blocks(heap), lt_clock_mono() - t0);
	}
	if (sc->state == RUNNING)
		conclude(sc, m, map);
}

void lt_scan_finish(lt_scan *sc, lt_heap *heap, const char *heap_reason,
		    lt_model *m, const struct lt_collect_heapmap *map, double t0)
{
	int had;

	if (sc->state == RUNNING)
		conclude(sc, m, map);
	sc->state = IDLE;
	if (!heap && sc->no_heap_done)
		return;
	had = sc->proofs;
	scan_now(sc, heap, heap_reason, m, map, t0);
	/* One scan proves nothing by itself: a second one, some time after
	 * it, when no earlier scan could prove. */
	if (had || sc->proofs == had || !heap)
		return;
	for (double left; (left = sc->prev_start + LT_SCAN_MIN_GAP_S + 0.05 - lt_clock_mono()) > 0;) {
		struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};

		nanosleep(&ts, NULL);
	}
	scan_now(sc, heap, heap_reason, m, map, t0);
}
