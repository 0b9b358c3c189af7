/* Interned frames and stacks, thread groups, and their round trip through
 * the session file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_model.h"
#include "lt_report.h"
#include "lt_store.h"
#include "lt_verdict.h"

static size_t frame(lt_stacktab *t, uint64_t pc, const char *fn,
		    const char *module)
{
	struct lt_frame_sym y = {(char *)fn, (char *)"w.c", (int)(pc & 0xff)};

	return lt_stacktab_frame_add(t, pc, module, "abcd", pc - 0x1000, &y, fn ? 1 : 0);
}

static void test_frames_and_stacks_intern(void **state)
{
	lt_stacktab *t = lt_stacktab_new();
	size_t a, b, c, s1, s2, s3;
	(void)state;

	a = frame(t, 0x1010, "read", "/lib/x86_64-linux-gnu/libc.so.6");
	b = frame(t, 0x2020, "zk_watch_loop", "/usr/bin/svc");
	c = frame(t, 0x3030, "start_thread", "/lib/x86_64-linux-gnu/libc.so.6");
	assert_int_equal(frame(t, 0x2020, "other", NULL), b); /* pc known */
	assert_int_equal(lt_stacktab_frame_find(t, 0x3030), c);
	assert_int_equal(lt_stacktab_frame_find(t, 0x9999), LT_NONE);
	size_t f1[] = {a, b, c}, f2[] = {a, b, c}, f3[] = {b, c};
	s1 = lt_stacktab_stack_intern(t, f1, 3);
	s2 = lt_stacktab_stack_intern(t, f2, 3);
	s3 = lt_stacktab_stack_intern(t, f3, 2);
	assert_int_equal(s1, s2);
	assert_int_not_equal(s1, s3);
	assert_int_equal(lt_stacktab_stack_count(t), 2);
	/* the who of a blocked thread is the caller of read(), not read() */
	assert_int_equal(lt_stacktab_top_frame(t, s1), b);
	/* unknown symbols survive as one empty entry */
	size_t u = frame(t, 0x4040, NULL, NULL);
	assert_int_equal(lt_stacktab_frame(t, u)->nsyms, 1);
	assert_null(lt_stacktab_frame(t, u)->syms[0].function);
	lt_stacktab_free(t);
}

static void test_many_frames_rehash(void **state)
{
	lt_stacktab *t = lt_stacktab_new();
	(void)state;

	for (uint64_t pc = 0; pc < 20000; pc++)
		assert_int_equal(frame(t, 0x400000 + pc * 16, "f", "/m"), pc);
	for (uint64_t pc = 0; pc < 20000; pc += 7)
		assert_int_equal(lt_stacktab_frame_find(t, 0x400000 + pc * 16), pc);
	lt_stacktab_free(t);
}

static void test_tgroups_counts_and_growth(void **state)
{
	lt_tgroups *g = lt_tgroups_new();
	struct lt_growth gr;
	(void)state;

	/* a watcher group grows by 5 per sample; a pool of 4 stays */
	for (int k = 0; k < 10; k++) {
		struct lt_tsample s = {.t = k, .sampled = 4 + 5 * k};

		lt_tgroups_begin(g, &s);
		for (int i = 0; i < 4; i++)
			lt_tgroups_add(g, 0, 'S', "futex", "worker");
		for (int i = 0; i < 5 * k; i++)
			lt_tgroups_add(g, 1, 'S', "read", i % 2 ? "zk-a" : "zk-b");
		lt_tgroups_end(g);
	}
	assert_int_equal(lt_tgroups_count(g), 2);
	assert_int_equal(lt_tgroups_value(g, 0, 9), 4);
	assert_int_equal(lt_tgroups_value(g, 1, 9), 45);
	assert_int_equal(lt_tgroups_value(g, 1, 0), 0); /* before first seen */
	assert_int_equal(lt_tgroups_get(g, 1)->nnames, 2);
	lt_tgroups_growth(g, 1, &gr);
	assert_int_equal(gr.trend, LT_TREND_GROWING);
	assert_true(gr.slope > 4.9 && gr.slope < 5.1);
	lt_tgroups_growth(g, 0, &gr);
	assert_int_equal(gr.trend, LT_TREND_FLAT);
	/* a group that empties counts 0, it does not vanish */
	struct lt_tsample s = {.t = 10};
	lt_tgroups_begin(g, &s);
	lt_tgroups_add(g, 0, 'S', "futex", "worker");
	lt_tgroups_end(g);
	assert_int_equal(lt_tgroups_value(g, 1, 10), 0);
	assert_int_equal(lt_tgroups_value(g, 0, 10), 1);
	lt_tgroups_free(g);
}

/* Builds a model with thread groups over a few ticks, commits each tick,
 * loads the file back and compares. */
static void test_store_round_trip(void **state)
{
	char dir[] = "/tmp/lt-stacks-XXXXXX", path[64];
	lt_model *m = lt_model_new(), *back = NULL;
	lt_err err = {0};
	lt_store *st;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.db", dir);
	st = lt_store_create(path, 0, &err);
	assert_non_null(st);
	lt_stacktab *t = lt_model_stacks(m);
	lt_tgroups *g = lt_model_tgroups(m);
	for (int k = 0; k < 6; k++) {
		struct lt_sample s = {.t = k, .wall_ns = k};

		lt_sample_set(&s, LT_M_THREADS, 5 + k);
		lt_model_add_sample(m, &s);
		if (k % 2 == 0) { /* threads sampled every other tick */
			struct lt_frame_sym in[2] = {{(char *)"inlined_fn", (char *)"a.h", 7},
						     {(char *)"zk_watch_loop", (char *)"w.c", 88}};
			size_t fr[2];
			struct lt_tsample ts = {.t = k, .sampled = 5 + k, .max_stop_ns = 1000 * k};

			fr[0] = frame(t, 0x1010, "read", "/lib/libc.so.6");
			fr[1] = lt_stacktab_frame_add(t, 0x2020 + (uint64_t)k, "/usr/bin/svc", NULL, 0x20, in, 2);
			size_t sk = lt_stacktab_stack_intern(t, fr, 2);
			lt_tgroups_begin(g, &ts);
			for (int i = 0; i < 2 + k; i++)
				lt_tgroups_add(g, sk, 'S', "read", "zk");
			lt_tgroups_add(g, LT_NONE, 'R', NULL, "main");
			lt_tgroups_end(g);
		}
		assert_int_equal(lt_store_commit_tick(st, m, &err), 0);
	}
	assert_int_equal(lt_store_finish(st, 99, "duration", &err), 0);
	assert_int_equal(lt_store_load(path, &back, &err), 0);

	const lt_stacktab *bt = lt_model_stacks_c(back);
	const lt_tgroups *bg = lt_model_tgroups_c(back);
	assert_int_equal(lt_stacktab_frame_count(bt), lt_stacktab_frame_count(t));
	assert_int_equal(lt_stacktab_stack_count(bt), lt_stacktab_stack_count(t));
	size_t f = lt_stacktab_frame_find(bt, 0x2024);
	assert_int_not_equal(f, LT_NONE);
	const struct lt_frame *fp = lt_stacktab_frame(bt, f);
	assert_int_equal(fp->nsyms, 2);
	assert_string_equal(fp->syms[0].function, "inlined_fn"); /* innermost first */
	assert_string_equal(fp->syms[1].function, "zk_watch_loop");
	assert_int_equal(fp->syms[1].line, 88);
	assert_string_equal(fp->module, "/usr/bin/svc");
	assert_int_equal(lt_tgroups_sample_count(bg), 3);
	assert_int_equal(lt_tgroups_count(bg), lt_tgroups_count(g));
	for (size_t i = 0; i < lt_tgroups_count(g); i++)
		for (size_t k = 0; k < 3; k++)
			assert_int_equal(lt_tgroups_value(bg, i, k), lt_tgroups_value(g, i, k));
	assert_true(lt_tgroups_sample(bg, 2)->t == 4);
	assert_int_equal(lt_tgroups_sample(bg, 2)->max_stop_ns, 4000);
	assert_string_equal(lt_tgroups_get(bg, 0)->names[0], "zk");
	lt_model_free(back);
	lt_model_free(m);
	unlink(path);
	rmdir(dir);
}

/* A watcher thread group growing by 5 per sample among a steady pool:
 * the verdict names where the growing threads are stuck, and the report's
 * threads section ranks that group first with its stack. */
static void test_report_names_stuck_function(void **state)
{
	lt_model *m = lt_model_new();
	lt_stacktab *t = lt_model_stacks(m);
	lt_tgroups *g = lt_model_tgroups(m);
	struct lt_frame_sym rd = {(char *)"read", NULL, 0};
	struct lt_frame_sym zk = {(char *)"zk_watch_loop", (char *)"/src/watch.c", 88};
	struct lt_frame_sym st = {(char *)"start_thread", NULL, 0};
	struct lt_frame_sym cv = {(char *)"pthread_cond_wait", NULL, 0};
	struct lt_frame_sym wk = {(char *)"worker_main", (char *)"/src/pool.c", 12};
	size_t w[3], p[3];
	struct lt_verdict v[32];
	char buf[16384];
	FILE *f;
	(void)state;

	w[0] = lt_stacktab_frame_add(t, 0x10, "/lib/libc.so.6", NULL, 0x10, &rd, 1);
	w[1] = lt_stacktab_frame_add(t, 0x20, "/usr/bin/svc", NULL, 0x20, &zk, 1);
	w[2] = lt_stacktab_frame_add(t, 0x30, "/lib/libc.so.6", NULL, 0x30, &st, 1);
	p[0] = lt_stacktab_frame_add(t, 0x40, "/lib/libc.so.6", NULL, 0x40, &cv, 1);
	p[1] = lt_stacktab_frame_add(t, 0x50, "/usr/bin/svc", NULL, 0x50, &wk, 1);
	p[2] = w[2];
	size_t sw = lt_stacktab_stack_intern(t, w, 3), sp = lt_stacktab_stack_intern(t, p, 3);
	for (int k = 0; k < 12; k++) {
		struct lt_sample s = {.t = k};
		struct lt_tsample ts = {.t = k, .max_stop_ns = 20000 + k};

		lt_sample_set(&s, LT_M_THREADS, 5 + 5 * k);
		lt_model_add_sample(m, &s);
		lt_tgroups_begin(g, &ts);
		for (int i = 0; i < 4; i++)
			lt_tgroups_add(g, sp, 'S', "futex", "pool");
		for (int i = 0; i < 5 * k; i++)
			lt_tgroups_add(g, sw, 'S', "read", "zk-watch");
		lt_tgroups_end(g);
	}
	/* The line the session kept of watch.c, shown under its frame (the
	 * first of the stack with one). */
	char *kept[] = {"\twhile (running) {", "\t\tn = read(fd, buf, sizeof(buf));", "\x1b[2J"};
	lt_srctext_add(lt_model_srctext(m), "/src/watch.c", 87, 3, kept);
	size_t n = lt_verdict_compute(m, v, 32), found = 0;
	for (size_t i = 0; i < n; i++)
		if (strstr(v[i].text, "thread group +5/s: 55 of 59 threads sleeping in read() - zk_watch_loop (watch.c:88)")) {
			assert_int_equal(v[i].kind, LT_VERDICT_WARN);
			found++;
		}
	assert_int_equal(found, 1);
	for (size_t i = 0; i < n; i++) /* the steady pool is not flagged */
		assert_null(strstr(v[i].text, "worker_main"));

	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	assert_int_equal(lt_report_write(m, f, NULL), 0);
	fclose(f);
	char *sec = strstr(buf, "\nThreads (12 samples, 2 groups");
	assert_non_null(sec);
	char *first = strstr(sec, "zk_watch_loop (watch.c:88)");
	char *second = strstr(sec, "worker_main (pool.c:12)");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second); /* growing group ranked first */
	assert_non_null(strstr(sec, "names: zk-watch"));
	assert_non_null(strstr(sec, "#1  zk_watch_loop /src/watch.c:88 (svc)\n"
				"              88| n = read(fd, buf, sizeof(buf));\n      #2 "));
	assert_non_null(strstr(sec, "median 20us, max 20us"));
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_and_stacks_intern),
		cmocka_unit_test(test_many_frames_rehash),
		cmocka_unit_test(test_tgroups_counts_and_growth),
		cmocka_unit_test(test_store_round_trip),
		cmocka_unit_test(test_report_names_stuck_function),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
