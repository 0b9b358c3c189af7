/* The Go reader's validation, on a fake memory image: a made-up runtime.g
 * layout, an allgs slice and goroutines that are valid, running, dead,
 * outside the heap, with a stack pointer outside their stack, with a
 * frame pointer that goes backwards, changing while read (once: retried;
 * always: dropped), in a system call; wait reason names from the enum's
 * constants only for a known Go release; and the heap profile's buckets
 * (lt_goheap): valid, too deep, outside code, inconsistent, in a loop.  A
 * real Go program is read by tests/integration/go_goroutines.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lt_goheap.h"
#include "lt_goread.h"

#define DATA 0xc000000000ull   /* the "heap": goroutines and stacks */
#define DATA_LEN 0x20000
#define GLOB 0x600000ull       /* runtime globals (writable) */
#define RODATA 0x500000ull     /* string bytes (read-only) */
#define CODE_LO 0x400000ull
#define CODE_HI 0x480000ull
#define GSIZE 128

struct image {
	unsigned char data[DATA_LEN], glob[0x1000], rodata[0x1000];
	int gone;              /* reads fail with ESRCH */
	uint64_t flip_g;       /* reads of this g see goid changed ... */
	int flip_reads;        /* ... on these read numbers (bit n: nth read) */
	int reads_of_flip;
};

static struct image img;

static unsigned char *at(uint64_t addr, size_t len)
{
	if (addr >= DATA && addr + len <= DATA + DATA_LEN)
		return img.data + (addr - DATA);
	if (addr >= GLOB && addr + len <= GLOB + sizeof(img.glob))
		return img.glob + (addr - GLOB);
	if (addr >= RODATA && addr + len <= RODATA + sizeof(img.rodata))
		return img.rodata + (addr - RODATA);
	return NULL;
}

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	unsigned char *p = at(addr, len);

	(void)ctx;
	if (img.gone) {
		errno = ESRCH;
		return -1;
	}
	if (!p) {
		errno = EFAULT;
		return -1;
	}
	memcpy(buf, p, len);
	if (addr == img.flip_g && len >= 56 &&
	    ((img.flip_reads >> img.reads_of_flip++) & 1))
		((unsigned char *)buf)[48] ^= 0x40;   /* goid */
	return 0;
}

/* Like process_vm_readv with one iovec per block, but at most 3 blocks
 * per call, so the reader's loop over partial reads is used too. */
static size_t fake_readv(void *ctx, const uint64_t *addrs, const size_t *lens,
			 size_t n, unsigned char *buf, size_t stride)
{
	size_t k = 0;

	while (k < n && k < 3 && fake_read(ctx, addrs[k], buf + k * stride, lens[k]) == 0)
		k++;
	return k;
}

static int fake_maps(void *ctx, struct lt_gorange **data, size_t *ndata,
		     struct lt_gorange **code, size_t *ncode)
{
	(void)ctx;
	*data = malloc(2 * sizeof(**data));
	*code = malloc(sizeof(**code));
	(*data)[0] = (struct lt_gorange){GLOB, GLOB + sizeof(img.glob)};
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
	/* The heap profile: runtime.bucket {next, allnext, typ, hash, size,
	 * nstk}, then the stack, then memRecord {active {allocs, frees,
	 * alloc_bytes, free_bytes}, future[3]}. */
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
	return l;
}

/* Goroutine i lives at DATA + i * GSIZE, its stack at
 * DATA + 0x8000 + i * 0x1000 (4 KiB). */
static uint64_t g_at(int i)
{
	return DATA + (uint64_t)i * GSIZE;
}

static uint64_t stack_of(int i)
{
	return DATA + 0x8000 + (uint64_t)i * 0x1000;
}

static void make_g(int i, uint32_t status, int64_t goid)
{
	uint64_t g = g_at(i), lo = stack_of(i), hi = lo + 0x1000;
	uint64_t sp = hi - 0x100, bp = sp + 0x20;

	put64(g + 0, lo);
	put64(g + 8, hi);
	put64(g + 16, sp);
	put64(g + 24, 0x400500);          /* in gopark */
	put64(g + 32, bp);
	memcpy(at(g + 40, 4), &status, 4);
	put64(g + 48, (uint64_t)goid);
	put64(g + 56, 4000000000);        /* waitsince */
	*at(g + 64, 1) = 1;               /* "chan send" */
	put64(g + 72, 0x403000);          /* gopc */
	put64(g + 80, 0x402000);          /* startpc */
	/* Two frame records: bp -> bp2 -> 0. */
	put64(bp, bp + 0x40);
	put64(bp + 8, 0x401000);
	put64(bp + 0x40, 0);
	put64(bp + 0x48, 0x402010);
}

static void set_allgs(int n)
{
	uint64_t arr = DATA + 0x7000;

	for (int i = 0; i < n; i++)
		put64(arr + 8 * (uint64_t)i, g_at(i));
	put64(GLOB, arr);
	put64(GLOB + 8, (uint64_t)n);
	put64(GLOB + 16, (uint64_t)n);
}

static lt_goread *reader(void)
{
	struct lt_golayout l = layout();
	struct lt_gomem mem = {NULL, fake_read, fake_maps, fake_now, fake_readv, NULL};
	lt_err err = {0};
	lt_goread *r = lt_goread_new_mem(&l, 0, &mem, &err);

	if (!r)
		fail_msg("%s", err.msg);
	return r;
}

static int setup(void **state)
{
	(void)state;
	memset(&img, 0, sizeof(img));
	put_string(GLOB + 0x100, RODATA, "go1.19.8");
	put_string(GLOB + 0x210, RODATA + 0x20, "chan send");
	put_string(GLOB + 0x220, RODATA + 0x40, "select");
	return 0;
}

static void test_valid(void **state)
{
	struct lt_goroutine_tick t;
	lt_goread *r;

	(void)state;
	make_g(0, 4, 7);
	set_allgs(1);
	r = reader();
	assert_string_equal(lt_goread_version(r), "go1.19.8");
	assert_int_equal(lt_goread_sample(r, &t, NULL), 0);
	assert_int_equal(t.listed, 1);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.g[0].goid, 7);
	assert_int_equal(t.g[0].status, LT_GO_WAITING);
	assert_string_equal(t.g[0].wait_reason, "chan send");
	assert_int_equal(t.g[0].wait_ns, 6000000000);
	assert_int_equal(t.g[0].gopc, 0x403000);
	assert_int_equal(t.g[0].npcs, 3);
	assert_int_equal(t.g[0].pcs[0], 0x400500);
	assert_int_equal(t.g[0].pcs[1], 0x401000);
	assert_int_equal(t.g[0].pcs[2], 0x402010);
	assert_int_equal(t.truncated, 0);
	lt_goread_free(r);
}

/* Running, dead, outside the heap, bad stack pointer, backwards frame
 * pointer, bad status, a return address outside code, system call. */
static void test_hostile(void **state)
{
	struct lt_goroutine_tick t;
	uint64_t arr = DATA + 0x7000;
	lt_goread *r;

	(void)state;
	make_g(0, 2, 1);                      /* running */
	make_g(1, 6, 2);                      /* dead */
	make_g(2, 4, 3);
	make_g(3, 4, 4);
	put64(g_at(3) + 16, stack_of(3) + 0x2000);   /* sp above hi */
	make_g(4, 4, 5);
	put64(stack_of(4) + 0xf20, stack_of(4) + 0xe00); /* bp goes back */
	make_g(5, 77, 6);                     /* not a status */
	make_g(6, 1, 7);                      /* runnable ... */
	put64(stack_of(6) + 0xf28, 0x900000); /* ... returns outside code */
	make_g(7, 3, 8);                      /* syscall */
	put64(g_at(7) + 88, 0x404000);
	make_g(8, 4 | 0x1000, 9);             /* being scanned by the GC */
	set_allgs(9);
	put64(arr + 16, 0x700000);            /* g 2: not in the heap */
	r = reader();
	assert_int_equal(lt_goread_sample(r, &t, NULL), 0);
	assert_int_equal(t.listed, 9);
	assert_int_equal(t.dead, 1);
	assert_int_equal(t.dropped, 4);       /* 2, 3, 5, 8 */
	assert_int_equal(t.n, 4);             /* 0, 4, 6, 7 */
	assert_int_equal(t.g[0].status, LT_GO_RUNNING);
	assert_int_equal(t.g[0].npcs, 0);
	assert_null(t.g[0].wait_reason);
	assert_int_equal(t.g[1].goid, 5);
	assert_int_equal(t.g[1].npcs, 2);     /* cut at the bad link */
	assert_int_equal(t.g[2].goid, 7);
	assert_int_equal(t.g[2].status, LT_GO_RUNNABLE);
	assert_int_equal(t.g[2].npcs, 1);
	assert_int_equal(t.g[3].status, LT_GO_SYSCALL);
	assert_int_equal(t.g[3].npcs, 1);
	assert_int_equal(t.g[3].pcs[0], 0x404000);
	assert_int_equal(t.truncated, 2);
	lt_goread_free(r);
}

/* A goroutine that changes between the two reads of its runtime.g: read
 * again, and dropped when it changes again. */
static void test_torn(void **state)
{
	struct lt_goroutine_tick t;
	lt_goread *r;

	(void)state;
	make_g(0, 4, 1);
	make_g(1, 4, 2);
	set_allgs(2);
	r = reader();
	img.flip_g = g_at(1);
	img.flip_reads = 1 << 1;              /* the check read of the 1st try */
	assert_int_equal(lt_goread_sample(r, &t, NULL), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.retried, 1);
	assert_int_equal(t.dropped, 0);
	img.reads_of_flip = 0;
	img.flip_reads = (1 << 1) | (1 << 3); /* both tries */
	assert_int_equal(lt_goread_sample(r, &t, NULL), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.retried, 1);
	assert_int_equal(t.dropped, 1);
	lt_goread_free(r);
}

/* An invalid slice header, and a process that is gone. */
static void test_allgs(void **state)
{
	struct lt_goroutine_tick t;
	lt_err err = {0};
	lt_goread *r;

	(void)state;
	make_g(0, 4, 1);
	set_allgs(1);
	r = reader();
	put64(GLOB + 8, 5);                   /* len > cap */
	assert_int_equal(lt_goread_sample(r, &t, &err), -1);
	assert_int_equal(err.code, LT_EXIT_TARGET);
	assert_int_equal(t.n, 0);
	put64(GLOB + 8, 1);
	put64(GLOB, 0x700000);                /* array outside the heap */
	assert_int_equal(lt_goread_sample(r, &t, &err), -1);
	set_allgs(1);
	img.gone = 1;
	assert_int_equal(lt_goread_sample(r, &t, &err), -1);
	assert_int_equal(err.code, LT_EXIT_TARGET);
	lt_goread_free(r);
}

/* Without runtime.waitReasonStrings, the names made from the enum's
 * constants, but only for a Go release that has the enum. */
static void test_wait_names(void **state)
{
	const char *versions[] = {"go1.19.8", "devel +abc"};

	(void)state;
	for (int v = 0; v < 2; v++) {
		struct lt_golayout l = layout();
		struct lt_gomem mem = {NULL, fake_read, fake_maps, fake_now, fake_readv, NULL};
		struct lt_goroutine_tick t;
		lt_goread *r;

		put_string(GLOB + 0x100, RODATA + 0x80, versions[v]);
		l.wr_strings = 0;
		l.wr_count = 0;
		l.wr_names[1] = strdup("chan send (from const)");
		make_g(0, 4, 1);
		set_allgs(1);
		r = lt_goread_new_mem(&l, 0, &mem, NULL);
		assert_non_null(r);
		assert_int_equal(lt_goread_sample(r, &t, NULL), 0);
		assert_int_equal(t.n, 1);
		if (v == 0)
			assert_string_equal(t.g[0].wait_reason, "chan send (from const)");
		else
			assert_null(t.g[0].wait_reason);
		lt_goread_free(r);
	}
}

/* A bucket at addr claiming nstk PCs (the first two from pcs) and
 * active counters c. */
static void make_bucket(uint64_t b, uint64_t next, uint64_t nstk,
			const uint64_t *pcs, const int64_t c[4])
{
	put64(b + 8, next);
	put64(b + 16, 1);               /* memProfile */
	put64(b + 40, nstk);
	for (uint64_t i = 0; i < nstk && i < 2; i++)
		put64(b + 48 + 8 * i, pcs[i]);
	for (int i = 0; i < 4; i++)
		put64(b + 48 + 8 * nstk + 8 * (uint64_t)i, (uint64_t)c[i]);
}

static void test_heap_buckets(void **state)
{
	const uint64_t pcs[] = {0x401000, 0x402000}, bad_pcs[] = {0x401000, 0x900000};
	const int64_t good[4] = {2, 1, 204800, 102400}, torn[4] = {1, 3, 100, 300};
	uint64_t a = DATA + 0x10000, b = a + 0x400, c = a + 0x800, d = a + 0xc00,
		 e = a + 0x1000;
	struct lt_heap_batch hb;
	uint32_t id_a;
	lt_goheap *h;
	lt_goread *r;

	(void)state;
	make_g(0, 4, 1);
	set_allgs(1);
	put64(GLOB + 0x308, 524288);              /* MemProfileRate */
	make_bucket(a, b, 2, pcs, good);          /* valid */
	make_bucket(b, c, 5000, pcs, good);       /* too deep: skipped */
	make_bucket(c, d, 2, bad_pcs, good);      /* a PC outside code */
	make_bucket(d, e, 2, pcs, torn);          /* frees > allocs */
	make_bucket(e, e, 2, pcs, good);          /* loops on itself */
	put64(GLOB + 0x300, a);
	r = reader();
	h = lt_goheap_new(r, NULL);
	assert_non_null(h);
	assert_int_equal(lt_goheap_rate(h), 524288);
	assert_int_equal(lt_goheap_sample(h, &hb, NULL), 0);
	assert_int_equal(hb.nstacks, 2);          /* a and e */
	assert_int_equal(hb.n, 2);
	assert_int_equal(hb.stacks[0].depth, 2);
	assert_int_equal(hb.stacks[0].pcs[1], 0x402000);
	assert_int_equal(hb.sample_rate, 524288);
	id_a = hb.stacks[0].id;
	/* pprof's weighting: 1 / (1 - exp(-102400 / 524288)) = 5.637 */
	assert_int_equal(hb.sites[0].live_count, 6);
	assert_in_range(hb.sites[0].live_bytes, 576000, 578000);
	assert_in_range(hb.sites[0].alloc_bytes, 1152000, 1156000);
	/* Nothing changed: nothing to say. */
	assert_int_equal(lt_goheap_sample(h, &hb, NULL), 0);
	assert_int_equal(hb.nstacks, 0);
	assert_int_equal(hb.n, 0);
	put64(a + 48 + 16, 3);                    /* a: one more alloc */
	put64(a + 48 + 16 + 16, 307200);
	assert_int_equal(lt_goheap_sample(h, &hb, NULL), 0);
	assert_int_equal(hb.nstacks, 0);
	assert_int_equal(hb.n, 1);
	assert_int_equal(hb.sites[0].id, id_a);
	img.gone = 1;
	assert_int_equal(lt_goheap_sample(h, &hb, NULL), -1);
	assert_int_equal(hb.n, 0);
	lt_goheap_free(h);
	lt_goread_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_valid, setup),
		cmocka_unit_test_setup(test_hostile, setup),
		cmocka_unit_test_setup(test_torn, setup),
		cmocka_unit_test_setup(test_allgs, setup),
		cmocka_unit_test_setup(test_wait_names, setup),
		cmocka_unit_test_setup(test_heap_buckets, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
