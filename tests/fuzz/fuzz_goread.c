/* Fuzzes the Go reader's parsing of a Go program's memory (src/sources/
 * goread.c: runtime.allgs, each runtime.g, its stack by frame pointers;
 * goheap.c: the runtime.mbuckets list): the memory of a running program
 * is hostile input.
 *
 * The memory is a fake image like tests/unit/test_goread.c's: runtime
 * globals (writable), string bytes (read-only), a data region with four
 * goroutines, their stacks and two heap profile buckets, and a code range.
 * The input patches it: 12 bytes each, a 32-bit selector (low 30 bits: an
 * offset into glob | rodata | data, top 2 bits: width 1, 2, 4 or 8 bytes)
 * and the 8-byte value.  The reader then samples twice and the heap
 * profile is read twice; what they return must keep their promises: at
 * most LT_GOROUTINE_MAX_FRAMES PCs, each in executable memory, known
 * status letters, no more goroutines than allgs lists. */
#include <errno.h>
#include <stdlib.h>

#include "fuzz.h"
#include "lt_goheap.h"
#include "lt_goread.h"

#define DATA 0xc000000000ull
#define DATA_LEN 0x20000
#define GLOB 0x600000ull
#define RODATA 0x500000ull
#define CODE_LO 0x400000ull
#define CODE_HI 0x480000ull
#define GSIZE 128

/* One buffer: glob, rodata, data; patch offsets index it. */
static unsigned char mem[0x1000 + 0x1000 + DATA_LEN];
static unsigned char base[sizeof(mem)];

static unsigned char *at(uint64_t addr, size_t len)
{
	if (addr >= GLOB && addr + len <= GLOB + 0x1000 && addr + len > addr)
		return mem + (addr - GLOB);
	if (addr >= RODATA && addr + len <= RODATA + 0x1000 && addr + len > addr)
		return mem + 0x1000 + (addr - RODATA);
	if (addr >= DATA && addr + len <= DATA + DATA_LEN && addr + len > addr)
		return mem + 0x2000 + (addr - DATA);
	return NULL;
}

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	unsigned char *p = at(addr, len);

	(void)ctx;
	if (!p) {
		errno = EFAULT;
		return -1;
	}
	memcpy(buf, p, len);
	return 0;
}

static int fake_maps(void *ctx, struct lt_gorange **data, size_t *ndata,
		     struct lt_gorange **code, size_t *ncode)
{
	(void)ctx;
	*data = malloc(2 * sizeof(**data));
	*code = malloc(sizeof(**code));
	(*data)[0] = (struct lt_gorange){GLOB, GLOB + 0x1000};
	(*data)[1] = (struct lt_gorange){DATA, DATA + DATA_LEN};
	(*code)[0] = (struct lt_gorange){CODE_LO, CODE_HI};
	*ndata = 2;
	*ncode = 1;
	return 0;
}

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return 10000000000;
}

static void put64(uint64_t addr, uint64_t v)
{
	memcpy(at(addr, 8), &v, 8);
}

static void put_string(uint64_t hdr, uint64_t bytes, const char *s)
{
	memcpy(at(bytes, strlen(s)), s, strlen(s));
	put64(hdr, bytes);
	put64(hdr + 8, strlen(s));
}

/* The layout of test_goread.c. */
static struct lt_golayout layout(void)
{
	struct lt_golayout l = {0};

	l.allgs = GLOB;
	l.build_version = GLOB + 0x100;
	l.wr_strings = GLOB + 0x200;
	l.wr_count = 3;
	l.g_size = GSIZE;
	l.stack_lo = (struct lt_gofield){0, 8};
	l.stack_hi = (struct lt_gofield){8, 8};
	l.sched_sp = (struct lt_gofield){16, 8};
	l.sched_pc = (struct lt_gofield){24, 8};
	l.sched_bp = (struct lt_gofield){32, 8};
	l.status = (struct lt_gofield){40, 4};
	l.goid = (struct lt_gofield){48, 8};
	l.waitsince = (struct lt_gofield){56, 8};
	l.waitreason = (struct lt_gofield){64, 1};
	l.gopc = (struct lt_gofield){72, 8};
	l.startpc = (struct lt_gofield){80, 8};
	l.syscallpc = (struct lt_gofield){88, 8};
	l.st_idle = 0;
	l.st_runnable = 1;
	l.st_running = 2;
	l.st_syscall = 3;
	l.st_waiting = 4;
	l.st_dead = 6;
	l.st_copystack = 8;
	l.st_preempted = 9;
	l.st_scan = 0x1000;
	l.mbuckets = GLOB + 0x300;
	l.mem_profile_rate = GLOB + 0x308;
	l.bucket_size = 48;
	l.memrecord_size = 128;
	l.b_allnext = (struct lt_gofield){8, 8};
	l.b_typ = (struct lt_gofield){16, 8};
	l.b_nstk = (struct lt_gofield){40, 8};
	l.mr_allocs = (struct lt_gofield){0, 8};
	l.mr_frees = (struct lt_gofield){8, 8};
	l.mr_alloc_bytes = (struct lt_gofield){16, 8};
	l.mr_free_bytes = (struct lt_gofield){24, 8};
	l.bt_mem = 1;
	l.wr_names[2] = strdup("select");
	return l;
}

static void make_g(int i, uint32_t status, int64_t goid)
{
	uint64_t g = DATA + (uint64_t)i * GSIZE, lo = DATA + 0x8000 + (uint64_t)i * 0x1000;
	uint64_t hi = lo + 0x1000, sp = hi - 0x100, bp = sp + 0x20;

	put64(g + 0, lo);
	put64(g + 8, hi);
	put64(g + 16, sp);
	put64(g + 24, 0x400500);
	put64(g + 32, bp);
	memcpy(at(g + 40, 4), &status, 4);
	put64(g + 48, (uint64_t)goid);
	put64(g + 56, 4000000000);
	*at(g + 64, 1) = 1;
	put64(g + 72, 0x403000);
	put64(g + 80, 0x402000);
	put64(g + 88, 0x401800);
	put64(bp, bp + 0x40);
	put64(bp + 8, 0x401000);
	put64(bp + 0x40, 0);
	put64(bp + 0x48, 0x402010);
}

static void make_bucket(uint64_t b, uint64_t next, uint64_t nstk)
{
	put64(b + 8, next);
	put64(b + 16, 1);
	put64(b + 40, nstk);
	for (uint64_t i = 0; i < nstk; i++)
		put64(b + 48 + 8 * i, 0x401000 + 0x10 * i);
	put64(b + 48 + 8 * nstk, 4);
	put64(b + 48 + 8 * nstk + 8, 1);
	put64(b + 48 + 8 * nstk + 16, 409600);
	put64(b + 48 + 8 * nstk + 24, 102400);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint32_t st[4] = {4, 2, 3, 1};   /* waiting, running, syscall, runnable */
	uint64_t arr = DATA + 0x7000, a = DATA + 0x10000;

	(void)argc;
	(void)argv;
	put_string(GLOB + 0x100, RODATA, "go1.19.8");
	put_string(GLOB + 0x210, RODATA + 0x20, "chan send");
	put_string(GLOB + 0x220, RODATA + 0x40, "select");
	for (int i = 0; i < 4; i++) {
		make_g(i, st[i], i + 1);
		put64(arr + 8 * (uint64_t)i, DATA + (uint64_t)i * GSIZE);
	}
	put64(GLOB, arr);
	put64(GLOB + 8, 4);
	put64(GLOB + 16, 4);
	put64(GLOB + 0x308, 524288);
	make_bucket(a, a + 0x400, 2);
	make_bucket(a + 0x400, 0, 3);
	put64(GLOB + 0x300, a);
	memcpy(base, mem, sizeof(mem));
	return 0;
}

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_tick(const struct lt_goroutine_tick *t)
{
	check(t->n <= t->listed);
	for (size_t i = 0; i < t->n; i++) {
		const struct lt_goroutine *g = &t->g[i];

		check(g->status == LT_GO_RUNNING || g->status == LT_GO_RUNNABLE ||
		      g->status == LT_GO_SYSCALL || g->status == LT_GO_WAITING);
		check(g->npcs >= 0 && g->npcs <= LT_GOROUTINE_MAX_FRAMES);
		for (int k = 0; k < g->npcs; k++)
			check(g->pcs[k] >= CODE_LO && g->pcs[k] < CODE_HI);
		if (g->wait_reason)
			check(strlen(g->wait_reason) < 4096);
	}
}

static void check_heap(const struct lt_heap_batch *b)
{
	for (size_t i = 0; i < b->nstacks; i++) {
		check(b->stacks[i].depth >= 1);
		for (uint32_t k = 0; k < b->stacks[i].depth; k++)
			check(b->stacks[i].pcs[k] >= CODE_LO && b->stacks[i].pcs[k] < CODE_HI);
	}
	for (size_t i = 0; i < b->n; i++)
		check(b->sites[i].live_bytes >= 0 || b->sites[i].live_count <= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	struct lt_golayout l = layout();
	struct lt_gomem gm = {NULL, fake_read, fake_maps, fake_now, NULL, NULL};
	struct lt_goroutine_tick t;
	struct lt_heap_batch hb;
	lt_goread *r;
	lt_goheap *h;

	memcpy(mem, base, sizeof(mem));
	while (in.n) {
		uint32_t sel = fz_u32(&in);
		uint64_t v = fz_u64(&in);
		size_t width = (size_t)1 << (sel >> 30), off = (sel & 0x3fffffff) % sizeof(mem);

		if (off + width > sizeof(mem))
			off = sizeof(mem) - width;
		memcpy(mem + off, &v, width);
	}
	r = lt_goread_new_mem(&l, 0, &gm, NULL);
	if (!r)
		return 0;
	for (int k = 0; k < 2; k++)
		if (lt_goread_sample(r, &t, NULL) == 0)
			check_tick(&t);
	h = lt_goheap_new(r, NULL);
	for (int k = 0; h && k < 2; k++)
		if (lt_goheap_sample(h, &hb, NULL) == 0)
			check_heap(&hb);
	lt_goheap_free(h);
	lt_goread_free(r);
	return 0;
}
