/* Diagnosis (lt_diag): a warm service simulated through the agent's byte
 * sampling — a leak through an xmalloc wrapper in a shared library, a full
 * bounded cache that evicts as it inserts, a temporary buffer per request,
 * a leak inside a library reached through nine stacks — over many seeds.
 * The leak must rank first as one row in the "your code" view and the
 * cache must never be called growing; too few samples read "collecting". */
#include <string.h>

#include "lt_diag.h"
#include "test_util.h"

#define KiB 1024.0
#define MiB (1024.0 * 1024.0)
#define RATE 524288.0

static uint64_t rng;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

/* Frames: each name lives in one module. */
static size_t frame(lt_model *m, const char *fn, const char *module, int line)
{
	static uint64_t pc = 0x1000;
	struct lt_frame_sym y = {(char *)fn, (char *)"svc.c", line};

	pc += 0x40;
	return lt_stacktab_frame_add(lt_model_stacks(m), pc, module, NULL, pc, &y, 1);
}

static size_t stack(lt_model *m, const size_t *f, size_t n)
{
	return lt_stacktab_stack_intern(lt_model_stacks(m), f, n);
}

/* One simulated flow: blocks of size bytes at bps bytes/s, sampled like
 * the agent samples them, adding to v's weighted counters. */
static void flow(struct lt_hval *v, double bps, double size, int live, int sample_only)
{
	double p = 1 - exp(-size / RATE), w = size / p;
	int n = (int)(bps / size + 0.5);

	for (int i = 0; i < n; i++) {
		if (uniform() >= p)
			continue;
		v->samples++;
		v->alloc_bytes += (int64_t)w;
		v->alloc_count += (int64_t)(w / size + 0.5);
		if (live && !sample_only) {
			v->live_bytes += (int64_t)w;
			v->live_count++;
		}
	}
}

struct svc {
	lt_model *m;
	size_t leak[3], cache, tmp, sql[9];        /* allocation stacks */
	size_t f_cache, f_tmp, f_sql;              /* free stacks */
	struct lt_hval v_leak[3], v_cache, v_tmp, v_sql[9];
	struct lt_hval f_cachev, f_tmpv, f_sqlv;
};

static void build(struct svc *s, int with_sql)
{
	const char *prog = "/usr/bin/svc", *lib = "/usr/lib/libsvc.so";

	/* libsvc.so is installed in /usr/lib: a library, not "your code". */
	size_t main_f = frame(s->m, "main", prog, 90);
	size_t serve = frame(s->m, "serve_request", prog, 60);
	size_t xm = frame(s->m, "xmalloc", lib, 11);
	size_t put = frame(s->m, "cache_put", prog, 30);
	size_t evict = frame(s->m, "lru_evict", prog, 20);
	size_t sqlite = frame(s->m, "sqlite3_prepare_v2", "/usr/lib/libsqlite3.so.0", 1);

	for (int i = 0; i < 3; i++) {
		/* client_new allocates on three lines: three return addresses
		 * in one function. */
		size_t cn = frame(s->m, "client_new", prog, 10 + i);
		size_t f[] = {xm, cn, serve, main_f};

		s->leak[i] = stack(s->m, f, 4);
	}
	{
		size_t f[] = {put, serve, main_f};
		size_t tmp = frame(s->m, "serve_request", prog, 62);
		size_t g[] = {tmp, main_f};
		size_t e[] = {evict, put, serve, main_f};
		size_t t2[] = {frame(s->m, "serve_request", prog, 70), main_f};

		s->cache = stack(s->m, f, 3);
		s->tmp = stack(s->m, g, 2);
		s->f_cache = stack(s->m, e, 4);
		s->f_tmp = stack(s->m, t2, 2);
	}
	for (int i = 0; with_sql && i < 9; i++) {
		size_t inner = frame(s->m, "sqlite3MallocZero", "/usr/lib/libsqlite3.so.0", 100 + i);
		size_t f[] = {inner, sqlite, serve, main_f};

		s->sql[i] = stack(s->m, f, 4);
	}
	{
		size_t fr = frame(s->m, "sqlite3_finalize", "/usr/lib/libsqlite3.so.0", 200);
		size_t f[] = {fr, serve, main_f};

		s->f_sql = stack(s->m, f, 3);
	}
}

/* A 12 s session of one tick a second on a service whose cache is full. */
static void run_session(struct svc *s, double leak_bps, int with_sql)
{
	lt_hsites *h = lt_model_hsites(s->m), *fh = lt_model_fsites(s->m);

	lt_hsites_set_rate(h, (uint64_t)RATE);
	lt_hsites_set_rate(fh, (uint64_t)RATE);
	for (int k = 0; k <= 12; k++) {
		lt_hsites_begin(h, k);
		lt_hsites_begin(fh, k);
		if (k > 0) {
			for (int i = 0; i < 3; i++)
				flow(&s->v_leak[i], leak_bps / 3, 2 * KiB, 1, 0);
			/* The cache inserts 4 MiB/s of 16 KiB entries and evicts
			 * as much: its new samples stay live for the whole
			 * session (entries live 4 s... or 40 s: either way the
			 * flow balances). */
			flow(&s->v_cache, 4 * MiB, 16 * KiB, 1, 0);
			flow(&s->f_cachev, 4 * MiB, 16 * KiB, 0, 0);
			flow(&s->v_tmp, 20 * MiB, 64 * KiB, 0, 0);
			flow(&s->f_tmpv, 20 * MiB, 64 * KiB, 0, 0);
			if (with_sql) {
				for (int i = 0; i < 9; i++)
					flow(&s->v_sql[i], leak_bps / 9, 1 * KiB, 1, 0);
				/* sqlite frees what it allocates per statement too:
				 * balanced churn inside the library. */
				for (int i = 0; i < 9; i++)
					flow(&s->v_sql[i], 1 * MiB / 9, 1 * KiB, 0, 0);
				flow(&s->f_sqlv, 1 * MiB, 1 * KiB, 0, 0);
			}
		}
		for (int i = 0; i < 3; i++)
			lt_hsites_set(h, s->leak[i], &s->v_leak[i]);
		lt_hsites_set(h, s->cache, &s->v_cache);
		lt_hsites_set(h, s->tmp, &s->v_tmp);
		for (int i = 0; with_sql && i < 9; i++)
			lt_hsites_set(h, s->sql[i], &s->v_sql[i]);
		lt_hsites_set(fh, s->f_cache, &s->f_cachev);
		lt_hsites_set(fh, s->f_tmp, &s->f_tmpv);
		if (with_sql)
			lt_hsites_set(fh, s->f_sql, &s->f_sqlv);
		lt_hsites_end(h);
		lt_hsites_end(fh);
	}
}

static size_t find_row(const struct lt_diag_row *r, size_t n, const char *fn)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].function && !strcmp(r[i].function, fn))
			return i;
	return (size_t)-1;
}

static void test_warm_service(void **state)
{
	int hits = 0;
	(void)state;

	for (int seed = 1; seed <= 40; seed++) {
		struct svc s;
		struct lt_diag_opts o = {.view = LT_DIAG_YOURS};
		struct lt_diag_row *r;
		size_t n, c;
		char buf[256];

		memset(&s, 0, sizeof(s));
		rng = 0x9e3779b97f4a7c15ULL * (uint64_t)seed;
		s.m = lt_model_new();
		build(&s, 0);
		run_session(&s, 1 * MiB, 0);
		n = lt_diag_rows(s.m, &o, 0, 13, &r);
		/* One row for client_new (its three lines merge, xmalloc is
		 * a wrapper), one for the cache, one for serve_request. */
		assert_int_equal(n, 3);
		c = find_row(r, n, "cache_put");
		assert_int_not_equal(c, (size_t)-1);
		if (r[c].claim == LT_CLAIM_GROWING)
			fail_msg("seed %d: the full cache is called growing (net %.0f B/s)",
				 seed, r[c].net_rate);
		if (r[0].function && !strcmp(r[0].function, "client_new") &&
		    r[0].claim == LT_CLAIM_GROWING)
			hits++;
		assert_int_equal(r[find_row(r, n, "client_new")].nsites, 3);
		lt_diag_label(s.m, &o, &r[find_row(r, n, "client_new")], buf, sizeof(buf));
		/* Named by the caller of the wrapper, not "xmalloc". */
		assert_true(!strncmp(buf, "client_new (svc.c:1", 19));
		assert_non_null(strstr(buf, "(3 stacks)"));
		free(r);
		lt_model_free(s.m);
	}
	/* 1 MiB/s of 2 KiB blocks at 512 KiB: about 24 samples in 12 s. */
	if (hits < 39)
		fail_msg("the leak ranked first and growing in %d of 40 seeds", hits);
}

static void test_leak_inside_library(void **state)
{
	struct svc s;
	struct lt_diag_opts o = {.view = LT_DIAG_YOURS};
	struct lt_diag_row *r, *rows_ok;
	size_t n, q;
	char buf[256];
	(void)state;

	memset(&s, 0, sizeof(s));
	rng = 77;
	s.m = lt_model_new();
	build(&s, 1);
	run_session(&s, 0, 1);
	/* Without the leak, sqlite's balanced churn under serve_request is
	 * one row that must not be claimed growing. */
	n = lt_diag_rows(s.m, &o, 0, 13, &rows_ok);
	q = find_row(rows_ok, n, "serve_request");
	assert_int_not_equal(q, (size_t)-1);
	if (rows_ok[q].claim == LT_CLAIM_GROWING)
		fail_msg("balanced sqlite churn claimed growing (net %.0f B/s)", rows_ok[q].net_rate);
	free(rows_ok);
	lt_model_free(s.m);

	memset(&s, 0, sizeof(s));
	rng = 78;
	s.m = lt_model_new();
	build(&s, 1);
	lt_hsites_set_rate(lt_model_hsites(s.m), (uint64_t)RATE);
	run_session(&s, 2 * MiB, 1);
	n = lt_diag_rows(s.m, &o, 0, 13, &r);
	/* The nine library stacks are one row, named by the program's
	 * function that called into the library. */
	q = find_row(r, n, "sqlite3_prepare_v2");
	assert_int_equal(q, (size_t)-1);
	q = find_row(r, n, "serve_request");
	assert_int_not_equal(q, (size_t)-1);
	assert_true(r[q].nsites >= 9);
	lt_diag_label(s.m, &o, &r[q], buf, sizeof(buf));
	if (!strstr(buf, "serve_request (svc.c:60) -> sqlite3_prepare_v2 (libsqlite3.so.0, "))
		fail_msg("label: %s", buf);
	free(r);

	/* By call site, the same session has a row per stack. */
	o.view = LT_DIAG_SITE;
	n = lt_diag_rows(s.m, &o, 0, 13, &r);
	assert_true(n >= 9 + 3 + 2);
	free(r);
	/* By function, cumulative: main carries everything. */
	o.view = LT_DIAG_FUNC;
	n = lt_diag_rows(s.m, &o, 0, 13, &r);
	q = find_row(r, n, "main");
	assert_int_not_equal(q, (size_t)-1);
	assert_true(r[q].nsites == lt_hsites_count(lt_model_hsites_c(s.m)));
	free(r);
	lt_model_free(s.m);
}

static void test_collecting_and_wrappers(void **state)
{
	lt_model *m = lt_model_new();
	lt_hsites *h = lt_model_hsites(m), *fh = lt_model_fsites(m);
	struct lt_diag_opts o = {.view = LT_DIAG_YOURS};
	const char *extra[] = {"my_alloc"};
	struct lt_diag_row *r;
	size_t a = frame(m, "my_alloc", "/usr/bin/svc", 5);
	size_t b = frame(m, "handler", "/usr/bin/svc", 9);
	size_t f[] = {a, b}, s = stack(m, f, 2);
	struct lt_hval one = {.live_bytes = 524288, .live_count = 1,
			      .alloc_bytes = 524288, .alloc_count = 1, .samples = 1,
			      .oldest_ms = 1000};
	size_t n;
	(void)state;

	lt_hsites_set_rate(h, (uint64_t)RATE);
	for (int k = 0; k <= 10; k++) {
		lt_hsites_begin(h, k);
		lt_hsites_begin(fh, k);
		if (k >= 1)
			lt_hsites_set(h, s, &one);
		lt_hsites_end(h);
		lt_hsites_end(fh);
	}
	n = lt_diag_rows(m, &o, 0, 11, &r);
	assert_int_equal(n, 1);
	/* One sample is no trend. */
	assert_int_equal(r[0].claim, LT_CLAIM_COLLECTING);
	assert_string_equal(r[0].function, "my_alloc");
	assert_true(fabs(r[0].oldest_age - 9.0) < 1e-9);
	free(r);
	/* Named a wrapper, the row is its caller's. */
	o.wrappers = extra;
	o.nwrappers = 1;
	n = lt_diag_rows(m, &o, 0, 11, &r);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].function, "handler");
	free(r);
	assert_true(lt_diag_is_wrapper(NULL, "xmalloc"));
	assert_true(lt_diag_is_wrapper(NULL, "operator new(unsigned long)"));
	assert_false(lt_diag_is_wrapper(NULL, "client_new"));
	lt_model_free(m);
}

/* A Go frame: function, file, line, in the executable. */
static size_t goframe(lt_model *m, const char *fn, const char *file, int line)
{
	static uint64_t pc = 0x900000;
	struct lt_frame_sym y = {(char *)fn, (char *)file, line};

	pc += 0x40;
	return lt_stacktab_frame_add(lt_model_stacks(m), pc, "/usr/bin/gosvc", NULL, pc, &y, 1);
}

/* Go heap profile sites (LT_HSITE_GO): figures move only at GCs.  A
 * client kept per request, allocated in bufio (the Go toolchain's own
 * source: a library), is main.newClient's row, growing GC by GC though
 * the window ends ticks after the last GC; a cache that replaces entries
 * is not growing; the same leak with one GC in the window, or with too
 * few samples, is collecting, not steady.  A C site with the same few
 * samples keeps the old answer, steady. */
static void test_go_rows(void **state)
{
	lt_model *m = lt_model_new();
	lt_hsites *h = lt_model_hsites(m);
	struct lt_diag_opts o = {.view = LT_DIAG_YOURS};
	struct lt_diag_row *r;
	size_t nc = goframe(m, "main.newClient", "/src/svc/main.go", 44);
	size_t br = goframe(m, "bufio.NewReaderSize", "/usr/lib/go-1.19/src/bufio/bufio.go", 57);
	size_t put = goframe(m, "main.(*cache).put", "/src/svc/main.go", 70);
	size_t thin = goframe(m, "main.thin", "/src/svc/main.go", 80);
	size_t cthin = frame(m, "c_thin", "/usr/bin/svc", 5);
	size_t f1[] = {br, nc}, s_leak = stack(m, f1, 2), s_cache = stack(m, &put, 1);
	size_t s_thin = stack(m, &thin, 1), s_cthin = stack(m, &cthin, 1), n;
	int seen = 0;
	(void)state;

	lt_hsites_set_rate(h, (uint64_t)RATE);
	for (int k = 0; k < 16; k++) {
		int gc = k % 4 == 1 && k < 12, g = (k < 12 ? k : 11) / 4 + 1;
		struct lt_hval leak = {.live_bytes = g * 6 * (int64_t)RATE, .live_count = 6 * g,
				       .alloc_bytes = g * 6 * (int64_t)RATE, .alloc_count = 6 * g,
				       .samples = 6 * g};
		struct lt_hval cache = {.live_bytes = 4 * (int64_t)RATE, .live_count = 4,
					.alloc_bytes = (4 + 6 * g) * (int64_t)RATE,
					.alloc_count = 4 + 6 * g, .samples = 4 + 6 * g,
					.free_bytes = 6 * g * (int64_t)RATE, .free_count = 6 * g,
					.samples_freed = 6 * g};
		struct lt_hval few = {.live_bytes = g * 2 * (int64_t)RATE, .live_count = 2 * g,
				      .alloc_bytes = g * 2 * (int64_t)RATE, .alloc_count = 2 * g,
				      .samples = 2 * g};

		lt_hsites_begin(h, k);
		if (gc) {
			lt_hsites_set_kind(h, lt_hsites_set(h, s_leak, &leak), LT_HSITE_GO);
			lt_hsites_set_kind(h, lt_hsites_set(h, s_cache, &cache), LT_HSITE_GO);
			lt_hsites_set_kind(h, lt_hsites_set(h, s_thin, &few), LT_HSITE_GO);
		}
		if (k % 4 == 1 && k < 12)
			lt_hsites_set(h, s_cthin, &few);
		lt_hsites_end(h);
	}
	n = lt_diag_rows(m, &o, 0, 16, &r);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(r[i].function, "main.newClient")) {
			assert_int_equal(r[i].claim, LT_CLAIM_GROWING);
			seen |= 1;
		} else if (!strcmp(r[i].function, "main.(*cache).put")) {
			assert_int_not_equal(r[i].claim, LT_CLAIM_GROWING);
			seen |= 2;
		} else if (!strcmp(r[i].function, "main.thin")) {
			assert_int_equal(r[i].claim, LT_CLAIM_COLLECTING);
			seen |= 4;
		} else {
			assert_string_equal(r[i].function, "c_thin");
			assert_int_equal(r[i].claim, LT_CLAIM_STEADY);
			seen |= 8;
		}
	}
	assert_int_equal(seen, 15);
	free(r);
	/* Ticks 4..8: one GC (tick 5) in the window: nothing to judge. */
	n = lt_diag_rows(m, &o, 4, 9, &r);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].function, "main.newClient"))
			assert_int_equal(r[i].claim, LT_CLAIM_COLLECTING);
	free(r);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warm_service),
		cmocka_unit_test(test_leak_inside_library),
		cmocka_unit_test(test_collecting_and_wrappers),
		cmocka_unit_test(test_go_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
