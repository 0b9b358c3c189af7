/* Stacks a thread meets again, known without unwinding.
 *
 * A sampled allocation costs an unwind, about 100 ns of libunwind for a
 * stack of 8 frames: at --sample-rate 1 more than the malloc and free it
 * samples.  Most samples of a thread come from a few call paths, met
 * again and again.  The walk from the hook's caller upwards is a function
 * of where it starts (the return address and the stack pointer at the
 * call) and of the stack words it reads: each frame's return address and,
 * for a frame whose CFA is its frame pointer + 16 (one that keeps frame
 * pointers), the slot that frame pointer was saved in (the hook's own
 * frame holds the caller's).  A stack through a signal frame is never
 * learned: the frames below it sit where the saved context's stack
 * pointer says, a word the unwinder reads that these do not include (and
 * unw_get_save_loc cannot tell it from a computed one).  Once a stack has been met twice in a row
 * at one call, those words are learned with a slow libunwind walk that
 * reports where it read them (unw_get_save_loc); a later sample that
 * starts at the same place and finds the same values in the same words
 * has the same stack, and gets its id without any unwind.  (A frame whose
 * CFA comes from a DWARF expression reading the stack, as with stack
 * realignment, reads a word not learned; it is one the same frames at the
 * same stack pointer set alike.)
 *
 * The words are compared nearest first, so each word read is one the
 * unwinder itself would read on the current stack: memory outside the
 * live stack is never touched.  A thread's entries carry the tables'
 * generation, so ids from before a restart are never used.  Threads get
 * their entries from a pool mapped once; a thread that ends gives its
 * block back (a key's destructor), and threads beyond SC_THREADS at once
 * just unwind every time. */
#include "agent.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__x86_64__)
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#define SC_ENTRIES 8       /* calls per thread */
#define SC_SLOTS 48        /* words a learned stack may depend on */
#define SC_THREADS 1024    /* threads given entries (6.6 MiB reserved) */
#define SC_BEFORE 8        /* agent frames above the hook's caller, at most */
#define SC_FAILED UINT32_MAX
/* A slow walk costs a few microseconds, twenty unwinds: a thread walks
 * while its walks stay under one per SC_WALK_PER hits, after its first
 * SC_WALK_FREE. */
#define SC_WALK_FREE 64
#define SC_WALK_PER 8

struct sc_entry {
	uint64_t ret, cfa;      /* the learned call: the hook's caller as it
				   made it */
	uint32_t gen;           /* tables' generation of id; 0: none learned */
	uint32_t id;
	uint32_t nslots;
	uint32_t used;          /* hits, halved when a neighbour is replaced */
	uint32_t cid;           /* the candidate's id + 1; SC_FAILED: it
				   could not be learned; 0: none */
	uint64_t cret, ccfa;    /* the candidate: a call met once here (or
				   twice, and not learned) */
	uint64_t addr[SC_SLOTS], val[SC_SLOTS];
};

struct sc_thread {
	struct sc_entry e[SC_ENTRIES];
	uint64_t reused;        /* hits since this start (the reporter sums) */
	uint32_t hits, walks, turn;
};

static int (*sc_getcontext)(unw_context_t *);
static int (*sc_init_local)(unw_cursor_t *, unw_context_t *);
static int (*sc_step)(unw_cursor_t *);
static int (*sc_get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
static int (*sc_get_save_loc)(unw_cursor_t *, int, unw_save_loc_t *);
static int (*sc_is_signal_frame)(unw_cursor_t *);
static struct sc_thread *pool;
static uint32_t pool_used;      /* blocks ever handed out */
static __thread struct sc_thread *mine;
static __thread int pool_empty;
/* Blocks of threads that ended, for the next threads: indices under a
 * spin lock taken only as threads start and end. */
static uint32_t given_back[SC_THREADS];
static uint32_t ngiven;
static int given_lock;
static pthread_key_t owner_key;

/* The key's destructor, in a thread that ends: its block is cleared and
 * goes back (its reused count stays in the sum).  The thread takes no
 * block again, should a later destructor of its own allocate. */
static void give_back(void *v)
{
	struct sc_thread *t = v;

	mine = NULL;
	pool_empty = 1;
	memset(t->e, 0, sizeof(t->e));
	t->hits = t->walks = t->turn = 0;
	while (__atomic_exchange_n(&given_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	if (ngiven < SC_THREADS)
		given_back[ngiven++] = (uint32_t)(t - pool);
	__atomic_store_n(&given_lock, 0, __ATOMIC_RELEASE);
}

/* A block for this thread, or NULL. */
static struct sc_thread *take_block(struct sc_thread *p)
{
	uint32_t i = UINT32_MAX;

	if (pool_empty)
		return NULL;
	while (__atomic_exchange_n(&given_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	if (ngiven)
		i = given_back[--ngiven];
	__atomic_store_n(&given_lock, 0, __ATOMIC_RELEASE);
	if (i == UINT32_MAX) {
		i = __atomic_fetch_add(&pool_used, 1, __ATOMIC_RELAXED);
		if (i >= SC_THREADS) {
			/* Counted back, so the reporter's sum stays in range. */
			__atomic_store_n(&pool_used, SC_THREADS, __ATOMIC_RELAXED);
			pool_empty = 1;
			return NULL;
		}
	}
	/* Without the key the block would be lost with the thread: use it
	 * all the same. */
	pthread_setspecific(owner_key, &p[i]);
	return mine = &p[i];
}

void ag_sc_init(void *libunwind)
{
	if (pool || !libunwind)
		return;
	sc_getcontext = (int (*)(unw_context_t *))dlsym(libunwind, "_Ux86_64_getcontext");
	sc_init_local = (int (*)(unw_cursor_t *, unw_context_t *))dlsym(libunwind, "_ULx86_64_init_local");
	sc_step = (int (*)(unw_cursor_t *))dlsym(libunwind, "_ULx86_64_step");
	sc_get_reg = (int (*)(unw_cursor_t *, unw_regnum_t, unw_word_t *))dlsym(libunwind, "_ULx86_64_get_reg");
	sc_get_save_loc = (int (*)(unw_cursor_t *, int, unw_save_loc_t *))dlsym(libunwind, "_ULx86_64_get_save_loc");
	sc_is_signal_frame = (int (*)(unw_cursor_t *))dlsym(libunwind, "_ULx86_64_is_signal_frame");
	if (!sc_getcontext || !sc_init_local || !sc_step || !sc_get_reg || !sc_get_save_loc ||
	    !sc_is_signal_frame ||
	    pthread_key_create(&owner_key, give_back))
		return;
	/* Untouched pages cost nothing: a thread's 6.6 KiB come in when it
	 * first learns a stack. */
	void *p = mmap(NULL, SC_THREADS * sizeof(struct sc_thread), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p != MAP_FAILED)
		__atomic_store_n(&pool, (struct sc_thread *)p, __ATOMIC_RELEASE);
}

/* A call may sit in either of two entries (two hashes): two hot calls
 * that share one still both fit. */
static void entries_for(struct sc_thread *t, uint64_t ret, uint64_t cfa,
			struct sc_entry **a, struct sc_entry **b)
{
	uint64_t k = ret ^ (cfa << 7);
	unsigned i = (unsigned)((k * 0x9e3779b97f4a7c15ULL) >> 61),
		 j = (unsigned)((k * 0xc2b2ae3d27d4eb4fULL) >> 61);

	*a = &t->e[i];
	*b = &t->e[j == i ? i ^ 1 : j];
}

static int verify(const struct sc_entry *e, uint64_t ret, uint64_t cfa)
{
	if (!e->gen || e->ret != ret || e->cfa != cfa || e->gen != ag_table_gen())
		return 0;
	for (uint32_t i = 0; i < e->nslots; i++)
		if (*(const volatile uint64_t *)(uintptr_t)e->addr[i] != e->val[i])
			return 0;
	return 1;
}

uint64_t ag_sc_reused(void)
{
	struct sc_thread *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
	uint32_t n = __atomic_load_n(&pool_used, __ATOMIC_RELAXED);
	uint64_t sum = 0;

	for (uint32_t i = 0; p && i < n && i < SC_THREADS; i++)
		sum += __atomic_load_n(&p[i].reused, __ATOMIC_RELAXED);
	return sum;
}

void ag_sc_reset(void)
{
	struct sc_thread *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
	uint32_t n = __atomic_load_n(&pool_used, __ATOMIC_RELAXED);

	for (uint32_t i = 0; p && i < n && i < SC_THREADS; i++)
		__atomic_store_n(&p[i].reused, 0, __ATOMIC_RELAXED);
}

uint32_t ag_sc_find(uint64_t ret, uint64_t cfa)
{
	struct sc_thread *t = mine;
	struct sc_entry *a, *b;

	if (!t)
		return UINT32_MAX;
	entries_for(t, ret, cfa, &a, &b);
	if (!verify(a, ret, cfa)) {
		if (!verify(b, ret, cfa))
			return UINT32_MAX;
		a = b;
	}
	t->hits++;
	__atomic_store_n(&t->reused, t->reused + 1, __ATOMIC_RELAXED);
	a->used++;
	return a->id;
}

/* Adds the word at addr (unless there already); 0, or -1 when full. */
static int add_slot(struct sc_entry *n, uint64_t addr)
{
	for (uint32_t i = 0; i < n->nslots; i++)
		if (n->addr[i] == addr)
			return 0;
	if (n->nslots == SC_SLOTS)
		return -1;
	n->addr[n->nslots] = addr;
	n->val[n->nslots] = *(const volatile uint64_t *)(uintptr_t)addr;
	n->nslots++;
	return 0;
}

/* The slow walk from here to the hook's caller and on for depth frames,
 * each checked against pcs; the learned entry in *n.  0, or -1 when the
 * walk does not find the caller or disagrees with the unwinder. */
static __attribute__((noinline)) int learn(struct sc_entry *n, const uint64_t *pcs,
					    uint32_t depth, int truncated)
{
	unw_context_t uc;
	unw_cursor_t c;
	unw_word_t ip, sp, bp;
	unw_save_loc_t bloc, loc;
	uint32_t k;
	int r;

	if (sc_getcontext(&uc) || sc_init_local(&c, &uc) < 0)
		return -1;
	for (k = 0;; k++) {
		if (k > SC_BEFORE || sc_get_reg(&c, UNW_REG_IP, &ip) ||
		    sc_get_reg(&c, UNW_REG_SP, &sp))
			return -1;
		if (ip == n->ret && sp == n->cfa)
			break;
		if (sc_step(&c) <= 0)
			return -1;
	}
	/* At each frame: its frame pointer and where it was read from; once
	 * stepped out, whether the frame's CFA came from it. */
	for (k = 1;; k++) {
		if (sc_is_signal_frame(&c) != 0 || sc_get_reg(&c, UNW_X86_64_RBP, &bp) ||
		    sc_get_save_loc(&c, UNW_X86_64_RBP, &bloc))
			return -1;
		if (k == depth && truncated)
			return 0;
		r = sc_step(&c);
		if (k == depth) {
			/* The unwinder's stack ended here: so must this
			 * walk, or a deeper frame would go unseen. */
			if (r > 0)
				return -1;
			if (r == 0 && !sc_get_save_loc(&c, UNW_REG_IP, &loc) &&
			    loc.type == UNW_SLT_MEMORY &&
			    (loc.u.addr < n->cfa - 8 || add_slot(n, loc.u.addr)))
				return -1;
			return r < 0 ? -1 : 0;
		}
		if (r <= 0 || sc_get_reg(&c, UNW_REG_IP, &ip) || ip != pcs[k] ||
		    sc_get_reg(&c, UNW_REG_SP, &sp) ||
		    sc_get_save_loc(&c, UNW_REG_IP, &loc) || loc.type != UNW_SLT_MEMORY ||
		    loc.u.addr < n->cfa - 8 || add_slot(n, loc.u.addr))
			return -1;
		if (sp == bp + 16 &&
		    (bloc.type != UNW_SLT_MEMORY || bloc.u.addr < n->cfa - 16 ||
		     add_slot(n, bloc.u.addr)))
			return -1;
	}
}

void ag_sc_learn(uint64_t ret, uint64_t cfa, const uint64_t *pcs, uint32_t depth,
		 int truncated, uint32_t id)
{
	struct sc_thread *t = mine;
	struct sc_entry *a, *b, *e, n;
	struct sc_thread *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);

	if (!p || !depth || pcs[0] != ret)
		return;
	if (!t && !(t = take_block(p)))
		return;
	entries_for(t, ret, cfa, &a, &b);
	/* Learned only once met twice in a row: a stack met once costs no
	 * slow walk; one that failed is not walked again while it stays a
	 * candidate.  What was learned stays until something replaces it. */
	e = a->cid && a->cret == ret && a->ccfa == cfa ? a :
	    b->cid && b->cret == ret && b->ccfa == cfa ? b : NULL;
	if (!e) {
		e = !a->cid ? a : !b->cid ? b : (t->turn ^= 1) ? a : b;
		e->cret = ret;
		e->ccfa = cfa;
		e->cid = id + 1;
		return;
	}
	if (e->cid != id + 1 && e->cid != SC_FAILED) {
		e->cid = id + 1;
		return;
	}
	if (e->cid == SC_FAILED ||
	    (t->walks >= SC_WALK_FREE && t->walks > t->hits / SC_WALK_PER))
		return;
	t->walks++;
	memset(&n, 0, offsetof(struct sc_entry, addr));
	n.ret = ret;
	n.cfa = cfa;
	n.id = id;
	if (learn(&n, pcs, depth, truncated)) {
		e->cid = SC_FAILED;
		return;
	}
	/* Nearest first: see the file's comment. */
	for (uint32_t i = 1; i < n.nslots; i++)
		for (uint32_t j = i; j > 0 && n.addr[j - 1] > n.addr[j]; j--) {
			uint64_t w = n.addr[j], v = n.val[j];

			n.addr[j] = n.addr[j - 1];
			n.val[j] = n.val[j - 1];
			n.addr[j - 1] = w;
			n.val[j - 1] = v;
		}
	n.gen = ag_table_gen();
	e->cid = 0;
	/* Into whichever of the two was used less. */
	e = !a->gen ? a : !b->gen ? b : a->used <= b->used ? a : b;
	a->used /= 2;
	b->used /= 2;
	n.cid = e->cid;
	n.cret = e->cret;
	n.ccfa = e->ccfa;
	memcpy(e, &n, offsetof(struct sc_entry, addr));
	memcpy(e->addr, n.addr, n.nslots * sizeof(n.addr[0]));
	memcpy(e->val, n.val, n.nslots * sizeof(n.val[0]));
}
#else
void ag_sc_init(void *libunwind)
{
	(void)libunwind;
}

uint64_t ag_sc_reused(void)
{
	return 0;
}

void ag_sc_reset(void)
{
}

uint32_t ag_sc_find(uint64_t ret, uint64_t cfa)
{
	(void)ret, (void)cfa;
	return UINT32_MAX;
}

void ag_sc_learn(uint64_t ret, uint64_t cfa, const uint64_t *pcs, uint32_t depth,
		 int truncated, uint32_t id)
{
	(void)ret, (void)cfa, (void)pcs, (void)depth, (void)truncated, (void)id;
}
#endif
