/* reach_cases: a program whose heap holds one of each case the reachability
 * scan (lt_reach) must judge, and says where they are.
 *
 * Usage: reach_cases FILE [MAX_SECONDS [corrupt|notable]]
 *
 * Sets every case up, then writes FILE: one line "CASE ADDR SIZE" per
 * block (ADDR in hex, the address malloc returned), then a line "end";
 * prints "started PID" and "ready" on stdout, and runs until killed (exit
 * 0 on SIGTERM, SIGINT, SIGHUP, or after MAX_SECONDS, default 600).
 *
 * Cases, and the verdict a scan must give:
 *   dropped, dropped_a, dropped_b  a struct owning two buffers, dropped:
 *                    the struct direct, the buffers indirect (owned by it)
 *   cycle            two blocks pointing at each other, dropped: one
 *                    direct, the other indirect
 *   cache            a bounded cache of 64 slots, one replaced every 5 ms
 *                    (a listed block may have been freed since): never
 *                    unreachable
 *   list             a list of 100 nodes from a global: reachable
 *   register         held only in r13 of a busy thread (a tight loop that
 *                    keeps it there): reachable when registers are read
 *   tls              held only in a thread-local variable: reachable
 *   mmap             held only in an mmap'd page: reachable
 *   interior         only a pointer into its middle is kept: reachable
 *   epoll            held only as the data of an epoll registration (the
 *                    kernel keeps it): reachable
 *   timer            held only as the sigev_value of a POSIX timer:
 *                    reachable
 *   mover            a thread moves it between two globals in different
 *                    pages at full speed: reachable
 *   relay            held only by the newest node of a one-node list
 *                    that a thread replaces as fast as it can (a new
 *                    node of another size each time, the old one freed):
 *                    reachable, though the node holding it was allocated
 *                    after the scan walked the heap
 *   relay_heap       the same with the list's head in an old heap block:
 *                    reachable when the scan stops the world; otherwise
 *                    a scan may miss it (read while the process runs)
 *   arena_list       allocated by a second thread (another arena), kept
 *                    from a global: reachable
 *   arena_drop, arena_child  a struct of that thread owning a buffer,
 *                    dropped: direct and indirect
 *   big_kept, big_drop  1 MiB blocks (mmapped chunks): reachable, direct
 *
 * An anonymous page holds the address of every block listed, as the heap
 * agent's table does; it is listed as "exclude LO HI" before "end".  With
 * "notable" there is no such page (and no "exclude" line): under leaktop,
 * whose agent keeps its table XOR-ed, nothing then lists a block in plain.
 *
 * With "corrupt", the size field of one more block of the main arena (never
 * freed, nothing allocated near it afterwards) is overwritten with 0x19 once
 * the list is written: the scan must refuse the heap ("corrupt chunk
 * header") rather than guess.
 *
 * The addresses are kept XOR-ed with a key that makes them non-canonical,
 * so the list itself is no pointer; each case is set up in a function of
 * its own and the stack is scrubbed after it, so no stale copy stays
 * above a stack pointer.
 */
#define _GNU_SOURCE
#include "target.h"

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define MAX_REC 256
#define NCACHE 64

static volatile uintptr_t key = 0xa5a5000000000000ull;

static struct rec {
	const char *name;
	uintptr_t xaddr;  /* address ^ key */
	size_t size;
} recs[MAX_REC];
static volatile int nrecs;
static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int threads_ready;

__attribute__((noinline)) static void record(const char *name, void *p, size_t size)
{
	pthread_mutex_lock(&rec_lock);
	if (nrecs < MAX_REC) {
		recs[nrecs].name = name;
		recs[nrecs].xaddr = (uintptr_t)p ^ key;
		recs[nrecs].size = size;
		nrecs++;
	}
	pthread_mutex_unlock(&rec_lock);
}

/* Overwrites 16 KiB of stack below the caller's frame (threads have 64). */
__attribute__((noinline)) static void scrub(void)
{
	volatile char junk[16384];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 0;
	__asm__ volatile("" ::: "memory");
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	memset(p, 0, n);
	return p;
}

/* ---- main-thread cases ---- */

struct owner {
	char *a, *b;
};

__attribute__((noinline)) static void make_dropped(void)
{
	struct owner *o = xmalloc(sizeof(*o));

	o->a = xmalloc(100);
	o->b = xmalloc(200);
	record("dropped", o, sizeof(*o));
	record("dropped_a", o->a, 100);
	record("dropped_b", o->b, 200);
}

__attribute__((noinline)) static void make_cycle(void)
{
	void **x = xmalloc(48), **y = xmalloc(48);

	x[0] = y;
	y[0] = x;
	record("cycle", x, 48);
	record("cycle", y, 48);
}

struct node {
	struct node *next;
	char pad[40];
};
static struct node *volatile list_head;

__attribute__((noinline)) static void make_list(void)
{
	for (int i = 0; i < 100; i++) {
		struct node *n = xmalloc(sizeof(*n));

		n->next = list_head;
		list_head = n;
		if (i % 25 == 0)
			record("list", n, sizeof(*n));
	}
}

static void **volatile mmap_page;

__attribute__((noinline)) static void make_mmap(void)
{
	void *p = xmalloc(72);

	mmap_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mmap_page == MAP_FAILED)
		abort();
	mmap_page[7] = p;
	record("mmap", p, 72);
}

static char *volatile interior;

__attribute__((noinline)) static void make_interior(void)
{
	char *p = xmalloc(256);

	interior = p + 100;
	record("interior", p, 256);
}

__attribute__((noinline)) static void make_epoll(void)
{
	struct epoll_event ev = {EPOLLIN, {.ptr = xmalloc(72)}};
	int ep = epoll_create1(0), p[2];

	if (ep < 0 || pipe(p) != 0 || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0)
		abort();
	record("epoll", ev.data.ptr, 72);
}

__attribute__((noinline)) static void make_timer(void)
{
	struct sigevent se;
	timer_t t;

	memset(&se, 0, sizeof(se));
	se.sigev_notify = SIGEV_NONE;
	se.sigev_value.sival_ptr = xmalloc(80);
	if (timer_create(CLOCK_MONOTONIC, &se, &t) != 0)
		abort();
	record("timer", se.sigev_value.sival_ptr, 80);
}

static void *volatile big_kept;

__attribute__((noinline)) static void make_big(void)
{
	big_kept = xmalloc(1 << 20);
	record("big_kept", big_kept, 1 << 20);
	record("big_drop", xmalloc(1 << 20), 1 << 20);
}

static void *volatile cache[NCACHE];

__attribute__((noinline)) static void make_cache(void)
{
	for (int i = 0; i < NCACHE; i++)
		cache[i] = xmalloc(64 + i);
	for (int i = 0; i < NCACHE; i += 8)
		record("cache", cache[i], 64 + (size_t)i);
}

static void *cache_thread(void *arg)
{
	unsigned i = 0;

	(void)arg;
	for (;;) {
		unsigned k = (i++ * 7) % NCACHE;

		free(cache[k]);
		cache[k] = xmalloc(64 + k);
		target_sleep_ms(5);
	}
	return NULL;
}

/* ---- thread cases ---- */

/* r13 holds the block; a loop of sched_yield keeps it there (the system
 * call preserves r13).  Only the key-XOR-ed value is ever in memory. */
__attribute__((noinline)) static uintptr_t make_register(void)
{
	void *p = xmalloc(40);

	record("register", p, 40);
	return (uintptr_t)p ^ key;
}

static void *register_thread(void *arg)
{
	uintptr_t x = make_register(), k = key;

	(void)arg;
	scrub();
	__sync_fetch_and_add(&threads_ready, 1);
	__asm__ volatile("mov %0, %%r13\n\t"
			 "xor %1, %%r13\n\t"
			 "xor %0, %0\n\t"
			 "1:\n\t"
			 "mov %2, %%eax\n\t"
			 "syscall\n\t"
			 "jmp 1b\n\t"
			 : "+r"(x)
			 : "r"(k), "i"(SYS_sched_yield)
			 : "r13", "rax", "rcx", "r11", "memory");
	return NULL;
}

static __thread void *volatile tls_slot;

__attribute__((noinline)) static void make_tls(void)
{
	tls_slot = xmalloc(56);
	record("tls", tls_slot, 56);
}

static void *tls_thread(void *arg)
{
	(void)arg;
	make_tls();
	scrub();
	__sync_fetch_and_add(&threads_ready, 1);
	for (;;)
		target_sleep_ms(1000);
	return NULL;
}

/* Two globals pages apart: one in .data, one in .bss. */
static void *volatile mover_a = (void *)1;
static char mover_gap[3 * 4096] __attribute__((used));
static void *volatile mover_b;

__attribute__((noinline)) static void make_mover(void)
{
	void *p = xmalloc(88);

	mover_a = p;
	record("mover", p, 88);
}

static void *mover_thread(void *arg)
{
	(void)arg;
	make_mover();
	scrub();
	__sync_fetch_and_add(&threads_ready, 1);
	for (unsigned long i = 0;; i++) {
		/* Never both empty: copy first, then clear the other. */
		mover_b = mover_a;
		mover_a = NULL;
		mover_a = mover_b;
		mover_b = NULL;
		if ((i & 0xfffff) == 0)
			sched_yield();
	}
	return NULL;
}

struct relay {
	void *anchor;
	char pad[];
};
static struct relay *volatile relay_head;
/* The same, the head kept in an old heap block instead of a global. */
static struct relay *volatile *volatile relay_holder;

__attribute__((noinline)) static void make_relay(void)
{
	struct relay *r = xmalloc(sizeof(*r)), *r2 = xmalloc(sizeof(*r2));

	r->anchor = xmalloc(104);
	record("relay", r->anchor, 104);
	relay_head = r;
	r2->anchor = xmalloc(112);
	record("relay_heap", r2->anchor, 112);
	relay_holder = xmalloc(sizeof(*relay_holder));
	*relay_holder = r2;
}

/* Replaces the node at *slot by a new one of another size, moving the
 * anchor over. */
static void relay_step(struct relay *volatile *slot, uint64_t x)
{
	struct relay *old = *slot, *n;

	n = malloc(sizeof(*n) + 1100 + (size_t)(x % 3000));
	if (!n)
		abort();
	n->anchor = old->anchor;
	*slot = n;
	old->anchor = NULL;
	free(old);
}

static void *relay_thread(void *arg)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)arg;
	make_relay();
	scrub();
	__sync_fetch_and_add(&threads_ready, 1);
	for (unsigned long i = 0;; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		relay_step(&relay_head, x);
		relay_step(relay_holder, x >> 20);
		if ((i & 15) == 0)
			sched_yield();
	}
	return NULL;
}

static struct node *volatile arena_list;

__attribute__((noinline)) static void make_arena(void)
{
	struct owner *o;

	for (int i = 0; i < 50; i++) {
		struct node *n = xmalloc(sizeof(*n));

		n->next = arena_list;
		arena_list = n;
		if (i % 10 == 0)
			record("arena_list", n, sizeof(*n));
	}
	o = xmalloc(sizeof(*o));
	o->a = xmalloc(300);
	record("arena_drop", o, sizeof(*o));
	record("arena_child", o->a, 300);
}

static void *arena_thread(void *arg)
{
	(void)arg;
	make_arena();
	scrub();
	__sync_fetch_and_add(&threads_ready, 1);
	for (;;)
		target_sleep_ms(1000);
	return NULL;
}

/* ---- listing ---- */

/* Like the heap agent's table of sampled blocks: an anonymous page with
 * the plain address of every block listed.  Listed as "exclude LO HI": a
 * scan must be told it is no root, or every block would look kept. */
static void *volatile agent_table;

__attribute__((noinline)) static int write_list(const char *path, int table)
{
	FILE *f = fopen(path, "w");
	uintptr_t *t;

	if (!f)
		return -1;
	if (!table) {
		for (int i = 0; i < nrecs; i++)
			fprintf(f, "%s %lx %zu\n", recs[i].name,
				(unsigned long)(recs[i].xaddr ^ key), recs[i].size);
		fprintf(f, "end\n");
		return fclose(f);
	}
	t = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		abort();
	agent_table = t;
	for (int i = 0; i < nrecs && i < 512; i++)
		t[i] = recs[i].xaddr ^ key;
	for (int i = 0; i < nrecs; i++)
		fprintf(f, "%s %lx %zu\n", recs[i].name,
			(unsigned long)(recs[i].xaddr ^ key), recs[i].size);
	fprintf(f, "exclude %lx %lx\n", (unsigned long)(uintptr_t)t,
		(unsigned long)(uintptr_t)t + 4096);
	fprintf(f, "end\n");
	return fclose(f);
}

int main(int argc, char **argv)
{
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);
	void *(*threads[])(void *) = {register_thread, tls_thread, mover_thread,
				      arena_thread, relay_thread};
	int nthreads = (int)(sizeof(threads) / sizeof(threads[0]));

	int table = !(argc > 3 && strcmp(argv[3], "notable") == 0);

	if (argc < 2 || max_seconds == 0)
		return target_usage("reach_cases FILE [MAX_SECONDS [corrupt|notable]]");
	target_stop_on_signals(max_seconds, NULL);
	target_say_started();
	make_dropped();
	make_cycle();
	make_list();
	make_mmap();
	make_interior();
	make_epoll();
	make_timer();
	make_big();
	make_cache();
	for (int i = 0; i < nthreads; i++)
		if (target_spawn(threads[i], NULL) != 0)
			return 1;
	while (threads_ready < nthreads)
		target_sleep_ms(1);
	if (target_spawn(cache_thread, NULL) != 0)
		return 1;
	if (write_list(argv[1], table) != 0) {
		perror(argv[1]);
		return 1;
	}
	if (argc > 3 && strcmp(argv[3], "corrupt") == 0)
		((size_t *)xmalloc(64))[-1] = 0x19;
	scrub();
	target_say("ready\n");
	for (;;)
		target_sleep_ms(1000);
}
