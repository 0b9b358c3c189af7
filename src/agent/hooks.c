/* The hooks and byte sampling.  The fast path of an unsampled allocation is
 * a thread-local subtraction and a branch; a free looks at a bitmap before
 * anything else.  Sampled allocations are unwound locally and counted in
 * the stack table with pprof's unbiased weight s / (1 - exp(-s/R)). */
#include "agent.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct ag_real ag_real;
volatile int ag_active;
struct ag_stripe ag_inflight[AG_STRIPES];
struct ag_config ag_cfg = {"", LT_AGENT_DEFAULT_RATE, LT_AGENT_DEFAULT_DEPTH, 1};

__thread struct ag_thread ag_thr;
#define guard ag_thr.guard
#define countdown ag_thr.countdown
#define fcountdown ag_thr.fcountdown
uint64_t ag_t0;
struct ag_cost ag_sample_cost;
int ag_ff_mode;
static __thread uint64_t rng;
static uint32_t start_gen = 1;
/* A countdown counts down to this start's base, not to 0: the start's
 * number in bits 40 and up, the bytes left below.  So one compare on the
 * hooks' path also catches a countdown drawn in an earlier start, which
 * is lower than any base since.  A draw is at most 2^39 bytes.  After
 * 4M starts of one process the base stays put (a wrap would leave every
 * older countdown above it, never to run out): a countdown carried over
 * then only delays its thread's first sample, as an exponential draw at
 * the same rate would. */
#define CD_BITS 40
#define CD_MAX_START ((1u << 22) - 1)
static int64_t cd_base_ = (int64_t)1 << CD_BITS;
/* Written only while no hook is expected, read by hooks late to leave. */
#define cd_base __atomic_load_n(&cd_base_, __ATOMIC_RELAXED)

ag_backtrace_fn ag_unwind;
#define unwind ag_unwind

int ag_unwind_init(char *name, size_t len)
{
	void *h;

	if (unwind)
		return 0;
	/* libunwind caches unwind info per address and does not allocate
	 * through malloc on the way; libgcc's unwinder is the fallback every
	 * Debian system has. */
	void *warm[4];

	h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (h && (unwind = (ag_backtrace_fn)dlsym(h, "unw_backtrace"))) {
		/* A cache per thread: no lock (and no sigprocmask around
		 * it) shared by the target's threads on the way through the
		 * unwinder.  Measured: a third less time per unwind, and no
		 * more memory (500 unwinding threads, same RSS).  The names
		 * are libunwind's for x86_64; elsewhere the default stays. */
		int (*policy)(void *, int) = (int (*)(void *, int))dlsym(h, "_ULx86_64_set_caching_policy");
		void **space = dlsym(h, "_ULx86_64_local_addr_space");

		if (policy && space)
			policy(*space, 2 /* UNW_CACHE_PER_THREAD */);
		ag_sc_init(h);
		snprintf(name, len, "libunwind");
	} else {
		/* glibc's backtrace() is libgcc_s's _Unwind_Backtrace. */
		h = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
		if (!h || !dlsym(h, "_Unwind_Backtrace"))
			return -1;
		unwind = (ag_backtrace_fn)dlsym(RTLD_DEFAULT, "backtrace");
		if (!unwind)
			return -1;
		snprintf(name, len, "libgcc");
	}
	/* The first unwind sets up caches (and may allocate): do it now,
	 * before any hook is live. */
	unwind(warm, 4);
	return 0;
}

static uint64_t next_random(void)
{
	if (!rng)
		rng = ((uint64_t)syscall(SYS_gettid) << 32) ^
		      (uint64_t)time(NULL) ^ 0x9e3779b97f4a7c15ULL;
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Bytes until the next sample: exponential with mean R, so the number of
 * samples in any stretch of allocation is Poisson, independent of how it
 * was split into calls. */
static int64_t draw(void)
{
	double u = ((double)(next_random() >> 11) + 0.5) / 9007199254740992.0, d;

	if (ag_cfg.rate <= 1)
		return 0;
	d = -log(u) * (double)ag_cfg.rate + 1;
	return d < (double)((int64_t)1 << (CD_BITS - 1)) ? (int64_t)d : (int64_t)1 << (CD_BITS - 1);
}

static uint64_t weight_of(size_t size)
{
	double s = (double)size, r = (double)ag_cfg.rate, x = s / r;

	if (ag_cfg.rate <= 1 || size == 0)
		return size;
	/* Most samples are of blocks far smaller than R: there the series
	 * s/x + s/2 + s*x/12 is the weight to within s*x^3/720, under 1e-15
	 * of R, and it needs no exp(). */
	if (x < 1.0 / 1024)
		return (uint64_t)(r + s / 2 + s * x / 12 + 0.5);
	return (uint64_t)(s / (1.0 - exp(-x)) + 0.5);
}

/* The coarse clock: a read of the vdso's page without the TSC, about a
 * quarter of CLOCK_MONOTONIC's cost, which at --sample-rate 1 is paid on
 * every malloc and free.  Its ticks (1-4 ms) quantize each age, but the
 * difference of two quantized times is unbiased, so sums and means of ages
 * are not. */
uint64_t ag_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The agent's own cost: the sampled paths of one sample in COST_EVERY
 * of each thread are timed, and count COST_EVERY times.  Two clock reads
 * (30 ns each here) on every sample were a tenth of its cost; the
 * estimate stays unbiased, as the timed samples are chosen by count,
 * not by their content. */
#define COST_EVERY 8

static inline uint64_t cost_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The start of a sampled path: 0 when this one is not timed. */
static inline uint64_t cost_begin(void)
{
	return ++ag_thr.cost_turn % COST_EVERY ? 0 : cost_clock();
}

static inline void cost_end(uint64_t t0)
{
	uint64_t t1;

	if (!t0)
		return;
	t1 = cost_clock();
	if (t1 > t0)
		__atomic_fetch_add(&ag_sample_cost.ns, (t1 - t0) * COST_EVERY, __ATOMIC_RELAXED);
}

/* The call a hook was entered by, from the hook's frame (the agent keeps
 * frame pointers): fa[1] the return address, fa + 16 the caller's stack
 * pointer before the call. */
struct call {
	uint64_t ret, cfa;
};

static inline struct call call_of(void *fa)
{
	void *const *f = fa;

	return (struct call){(uint64_t)(uintptr_t)f[1], (uint64_t)(uintptr_t)fa + 16};
}

/* The stack of call c: its id when this thread learned it (no unwind),
 * else 0 with the stack unwound into pcs + *from, *n frames. */
static inline __attribute__((always_inline)) uint32_t
stack_of(struct call c, uint64_t *pcs, uint32_t *from, uint32_t *n, int *truncated)
{
	uint32_t id = ag_sc_find(c.ret, c.cfa);

	if (id == UINT32_MAX)
		*n = ag_capture(pcs, (void *)(uintptr_t)c.ret, from, truncated);
	return id;
}

/* A countdown ran out (*cd <= cd_base) at an allocation or free of
 * size bytes: whether to sample it.  The hooks' path checks nothing else,
 * so this does: inside the agent or while stopped, nothing is sampled
 * and a fresh countdown is drawn.  The first time a thread gets here in a
 * start (*gen), its countdown is drawn afresh from this call on. */
static int due_now(int64_t *cd, uint32_t *gen, size_t size)
{
	if (guard || !ag_active) {
		*cd = cd_base + draw();
		return 0;
	}
	if (*gen != start_gen) {
		*gen = start_gen;
		*cd = cd_base + draw() - (int64_t)size;
		return *cd <= cd_base;
	}
	return 1;
}

/* The slow path, out of line: its 2 KiB frame must not be set up on
 * every malloc.  One function, not two: each frame of the agent's is one
 * more step of every unwind (8 ns here). */
__attribute__((noinline, cold)) static void take_sample(void *p, size_t size, void *fa)
{
	uint64_t pcs[LT_AGENT_MAX_DEPTH + 8];
	uint32_t from = 0, n = 0, id;
	int truncated = -1;

	if (!due_now(&countdown, &ag_thr.gen, size))
		return;
	uint64_t t0 = cost_begin();

	guard = 1;
	countdown = cd_base + draw();
	ag_enter();
	if (ag_active) {
		struct call c = call_of(fa);
		uint32_t known = stack_of(c, pcs, &from, &n, &truncated);

		if (!ag_track(p, known, pcs + from, n, weight_of(size), size, &id) &&
		    known == UINT32_MAX && truncated >= 0)
			ag_sc_learn(c.ret, c.cfa, pcs + from, n, truncated, id);
	}
	ag_leave();
	guard = 0;
	cost_end(t0);
}

/* A free sampled by bytes: the stack of the free call and the block's
 * usable size, whatever the block (one from before the attach too), so
 * that what code allocates can be weighed against what is freed through
 * it.  Out of line like take_sample. */
__attribute__((noinline, cold)) static void take_free_sample(void *p, size_t size, void *fa)
{
	uint64_t pcs[LT_AGENT_MAX_DEPTH + 8];
	uint32_t from = 0, n = 0, id;
	int truncated = -1;

	uint64_t t0 = cost_begin();

	guard = 1;
	fcountdown = cd_base + draw();
	ag_enter();
	if (ag_active) {
		struct call c = call_of(fa);
		uint32_t known = stack_of(c, pcs, &from, &n, &truncated);

		if (!ag_free_flow(known, pcs + from, n, weight_of(size), size, &id) &&
		    known == UINT32_MAX && truncated >= 0)
			ag_sc_learn(c.ret, c.cfa, pcs + from, n, truncated, id);
	}
	ag_leave();
	(void)p;
	guard = 0;
	cost_end(t0);
}

int ag_glibc_chunks;

/* Whether an allocation of size bytes may be one to sample, counted
 * before it is made: the hook of one that is not then jumps to the
 * allocator, whose return goes straight to the caller.  A subtraction
 * and a compare: whether the agent is stopped or the call comes from
 * inside it is asked only once the countdown runs out (due_now), and a
 * countdown of an earlier start has run out by construction (cd_base).
 * Measured, the three checks on every call were a third of the hooks'
 * cost.  A sample of a failed allocation moves to the next one. */
static inline int alloc_due(size_t size)
{
	countdown -= (int64_t)size;
	return __builtin_expect(countdown <= cd_base, 0);
}

/* Whether a free needs more than the jump to the allocator: a free-flow
 * sample maybe due, or a block that may be sampled.  The free flow's
 * countdown is taken here when the size is read inline, else in
 * free_done.  The filter is all zeros while the tables are reset, and
 * free_done checks the rest. */
static inline int free_due(void *p)
{
	if (!p)
		return 0;
	if (ag_ff_mode == AG_FF_INLINE) {
		fcountdown -= (int64_t)ag_glibc_usable_size(p);
		if (__builtin_expect(fcountdown <= cd_base, 0))
			return 1;
	} else if (ag_ff_mode == AG_FF_CALL) {
		return 1;
	}
	return ag_maybe_tracked(p);
}

/* The rest of a due free's hook, out of line so that the others pass
 * with no frame set up. */
__attribute__((noinline, cold)) static void free_done(void *p, void *fa)
{
	if (ag_ff_mode != AG_FF_OFF) {
		size_t u = ag_usable_size(p);

		if (ag_ff_mode == AG_FF_CALL)
			fcountdown -= (int64_t)u;
		if (fcountdown <= cd_base && due_now(&fcountdown, &ag_thr.fgen, u))
			take_free_sample(p, u, fa);
	}
	if (guard || !ag_active || !ag_maybe_tracked(p))
		return;
	guard = 1;
	ag_untrack(p);
	guard = 0;
}

/* The rest of a due allocation's hook, out of line.  A failed one leaves
 * the countdown at the base, so the next allocation is the sample: left
 * below it, failed allocations of 2^62 bytes could take it past
 * INT64_MIN. */
__attribute__((noinline, cold)) static void alloc_done(void *p, size_t size, void *fa)
{
	if (p)
		take_sample(p, size, fa);
	else if (countdown < cd_base)
		countdown = cd_base;
}

/* The hooks that must look at the result (realloc, the aligned ones)
 * count after the call: a failed allocation takes nothing off. */
static inline void note_alloc(void *p, size_t size, void *fa)
{
	if (p && alloc_due(size))
		take_sample(p, size, fa);
}

static inline void note_free(void *p, void *fa)
{
	if (free_due(p))
		free_done(p, fa);
}

void ag_new_start(void)
{
	/* Between a stop and the hooks' return: only a thread late to
	 * leave a hook reads cd_base now. */
	start_gen++;
	__atomic_store_n(&cd_base_, (int64_t)(start_gen < CD_MAX_START ? start_gen : CD_MAX_START)
			 << CD_BITS, __ATOMIC_RELAXED);
}

/* Every hook passes its frame address down (see call_of). */
#define FA __builtin_frame_address(0)

static void *hk_malloc(size_t n)
{
	void *p;

	if (!alloc_due(n))
		return ag_real.malloc(n);
	p = ag_real.malloc(n);
	alloc_done(p, n, FA);
	return p;
}

static void hk_free(void *p)
{
	if (free_due(p))
		free_done(p, FA);
	ag_real.free(p);
}

static void *hk_calloc(size_t n, size_t m)
{
	void *p;

	if (!alloc_due(n * m))
		return ag_real.calloc(n, m);
	p = ag_real.calloc(n, m);
	alloc_done(p, n * m, FA);
	return p;
}

static void *hk_realloc(void *old, size_t n)
{
	void *p;

	note_free(old, FA);
	p = ag_real.realloc(old, n);
	note_alloc(p, n, FA);
	return p;
}

static void *hk_reallocarray(void *old, size_t n, size_t m)
{
	void *p;

	if (m && n > SIZE_MAX / m) {
		errno = ENOMEM;
		return NULL;
	}
	note_free(old, FA);
	p = ag_real.reallocarray(old, n, m);
	note_alloc(p, n * m, FA);
	return p;
}

static int hk_posix_memalign(void **out, size_t align, size_t n)
{
	int rc = ag_real.posix_memalign(out, align, n);

	if (rc == 0)
		note_alloc(*out, n, FA);
	return rc;
}

static void *hk_aligned_alloc(size_t align, size_t n)
{
	void *p = ag_real.aligned_alloc(align, n);

	note_alloc(p, n, FA);
	return p;
}

static void *hk_memalign(size_t align, size_t n)
{
	void *p = ag_real.memalign(align, n);

	note_alloc(p, n, FA);
	return p;
}

static void *hk_valloc(size_t n)
{
	void *p = ag_real.valloc(n);

	note_alloc(p, n, FA);
	return p;
}

static void *hk_pvalloc(size_t n)
{
	void *p = ag_real.pvalloc(n);

	note_alloc(p, n, FA);
	return p;
}

static void *hk_dlopen(const char *file, int mode)
{
	void *h = ag_real.dlopen(file, mode);

	/* Objects loaded now (and their dependencies) get hooked too. */
	if (h && ag_active && ag_got_patch_all() > 0)
		__atomic_fetch_add(&ag_dlopens, 1, __ATOMIC_RELAXED);
	return h;
}

static int hk_dlclose(void *h)
{
	int rc = ag_real.dlclose(h);

	/* Restoring a slot of an unloaded object would write into memory
	 * that may belong to something else now. */
	ag_got_forget_unloaded();
	return rc;
}

static const struct {
	const char *name;
	void *hook;
} hooks[] = {
	{"malloc", (void *)hk_malloc},
	{"free", (void *)hk_free},
	{"calloc", (void *)hk_calloc},
	{"realloc", (void *)hk_realloc},
	{"reallocarray", (void *)hk_reallocarray},
	{"posix_memalign", (void *)hk_posix_memalign},
	{"aligned_alloc", (void *)hk_aligned_alloc},
	{"memalign", (void *)hk_memalign},
	{"valloc", (void *)hk_valloc},
	{"pvalloc", (void *)hk_pvalloc},
	{"dlopen", (void *)hk_dlopen},
	{"dlclose", (void *)hk_dlclose},
};

void *ag_hook_for(const char *name)
{
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (!strcmp(hooks[i].name, name))
			return hooks[i].hook;
	return ag_fd_hook_for(name);
}

/* Whether malloc and malloc_usable_size are libc's (not jemalloc's, not
 * libc_malloc_debug's, not a sanitizer's). */
static int allocator_is_glibc(void)
{
	Dl_info a, b;
	const char *f;

	if (!dladdr((void *)ag_real.malloc, &a) || !a.dli_fname ||
	    !dladdr((void *)malloc_usable_size, &b) || !b.dli_fname ||
	    strcmp(a.dli_fname, b.dli_fname))
		return 0;
	f = strrchr(a.dli_fname, '/');
	f = f ? f + 1 : a.dli_fname;
	return !strncmp(f, "libc.so", 7);
}

/* The agent's own references resolve through its own (never patched)
 * GOT to the allocator the target really uses. */
void ag_real_init(void)
{
	ag_real.malloc = malloc;
	ag_real.free = free;
	ag_real.calloc = calloc;
	ag_real.realloc = realloc;
	ag_real.reallocarray = reallocarray;
	ag_real.posix_memalign = posix_memalign;
	ag_real.aligned_alloc = aligned_alloc;
	ag_real.memalign = memalign;
	ag_real.valloc = valloc;
	ag_real.pvalloc = pvalloc;
	ag_real.dlopen = dlopen;
	ag_real.dlclose = dlclose;
	ag_fd_real_init();
#if defined(__x86_64__)
	ag_glibc_chunks = allocator_is_glibc();
#endif
}
