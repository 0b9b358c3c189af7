/* The Goroutines screen and the flame graph by goroutines, without a
 * terminal: a synthetic Go program whose handler leaks goroutines blocked
 * in a channel send (10 more each second, the oldest waiting since t=-30)
 * beside a steady pool of 8 workers; and a program that is not Go. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "lt_metric.h"
#include "lt_model.h"
#include "lt_view.h"

static size_t frame(lt_stacktab *t, uint64_t pc, const char *fn,
		    const char *file, int line)
{
	struct lt_frame_sym y = {(char *)fn, (char *)file, line};

	return lt_stacktab_frame_add(t, pc, "/srv/svc", NULL, pc, &y, 1);
}

/* Ten ticks and goroutine reads, one a second. */
static lt_model *make(int go)
{
	lt_model *m = lt_model_new();
	lt_stacktab *t = lt_model_stacks(m);
	lt_tgroups *g = lt_model_goroutines(m);
	struct lt_meta *meta = lt_model_meta(m);
	size_t park, send, task, exit_, recv, work;

	meta->pid = 77;
	meta->interval = 1;
	lt_model_set_source(m, "procfs", 1, NULL);
	if (go)
		lt_model_set_source(m, "goroutines", 1, "go1.19.8, read without stopping it");
	park = frame(t, 0x1000, "runtime.gopark", "proc.go", 363);
	send = frame(t, 0x2000, "runtime.chansend1", "chan.go", 145);
	task = frame(t, 0x3000, "main.longRunningTask", "leak.go", 30);
	exit_ = frame(t, 0x4000, "runtime.goexit", "asm_amd64.s", 1594);
	recv = frame(t, 0x5000, "runtime.chanrecv1", "chan.go", 442);
	work = frame(t, 0x6000, "main.worker", "pool.go", 12);
	size_t s0[] = {park, send, task, exit_}, s1[] = {park, recv, work, exit_};
	assert_int_equal(lt_stacktab_stack_intern(t, s0, 4), 0);
	assert_int_equal(lt_stacktab_stack_intern(t, s1, 4), 1);
	for (int k = 0; k < 10; k++) {
		struct lt_sample s = {.t = k, .wall_ns = 1700000000000000000LL + k * 1000000000LL};
		struct lt_tsample ts = {.t = k + 0.01, .sampled = 8 + 10 * (k + 1),
					.max_stop_ns = 1500000};
		size_t leak = 0;

		lt_sample_set(&s, LT_M_RSS_ANON, 50LL << 20);
		lt_model_add_sample(m, &s);
		if (!go)
			continue;
		lt_tgroups_begin(g, &ts);
		for (int i = 0; i < 10 * (k + 1); i++)
			leak = lt_tgroups_add(g, 0, 'W', "chan send", "main.handler (leak.go:36)");
		for (int i = 0; i < 8; i++)
			lt_tgroups_add(g, 1, 'W', "chan receive", "main.main (pool.go:40)");
		/* The same oldest goroutine, read with some jitter: one change. */
		lt_tgroups_set_since(g, leak, (size_t)k, -30.0 + 0.1 * (k % 3));
		lt_tgroups_end(g);
	}
	return m;
}

static int find(const struct lt_vframe *f, const char *s)
{
	for (int y = 0; y < f->rows; y++)
		if (strstr(f->lines[y].text, s))
			return y;
	return -1;
}

static void keys(lt_view *v, const lt_model *m, const char *k)
{
	for (; *k; k++)
		lt_view_key(v, m, (unsigned char)*k);
}

static lt_view *view(void)
{
	struct lt_view_opts o = {.live = 0, .ascii = 1, .output = NULL};

	return lt_view_new(&o);
}

static void test_since_changes_only(void **state)
{
	lt_model *m = make(1);
	const lt_tgroups *g = lt_model_goroutines_c(m);
	(void)state;

	/* Jitter under a second keeps the first value. */
	for (size_t k = 0; k < 10; k++)
		assert_true(lt_tgroups_since(g, 0, k) == -30.0);
	assert_true(isnan(lt_tgroups_since(g, 1, 9)));
	lt_model_free(m);
}

static void test_goroutines_screen(void **state)
{
	lt_model *m = make(1);
	lt_view *v = view();
	const struct lt_vframe *f;
	int leak, pool;
	(void)state;

	keys(v, m, "6");
	assert_int_equal(lt_view_screen(v), LT_SCR_GOROUTINES);
	f = lt_view_render(v, m, 40, 160);
	assert_true(find(f, "6 Goroutines") >= 0);
	assert_true(find(f, "Goroutine groups at t=9s") >= 0);
	assert_true(find(f, "(108 goroutines, read in 1.5ms, not stopped)") >= 0);
	leak = find(f, "main.longRunningTask (leak.go:30) <- go main.handler (leak.go:36)");
	pool = find(f, "main.worker (pool.go:12) <- go main.main (pool.go:40)");
	assert_true(leak >= 0 && pool > leak);  /* the growing group first */
	assert_non_null(strstr(f->lines[leak].text, "chan send"));
	assert_non_null(strstr(f->lines[leak].text, "growing"));
	/* the rate's unit is in the column's title, the cell a number */
	assert_true(find(f, "GROWTH/s") >= 0);
	assert_non_null(strstr(f->lines[leak].text, " +10 "));
	/* waited from t=-30 to the read at t=9.01 */
	assert_non_null(strstr(f->lines[leak].text, " 39s "));
	assert_non_null(strstr(f->lines[pool].text, "chan receive"));
	assert_null(strstr(f->lines[pool].text, "growing"));
	assert_non_null(strstr(f->lines[pool].text, " - "));
	assert_int_equal(lt_view_selected(v, LT_SCR_GOROUTINES), 1);

	/* The time cursor: four ticks back, 60 goroutines, waiting 35s. */
	keys(v, m, "[[[[");
	f = lt_view_render(v, m, 40, 160);
	leak = find(f, "main.longRunningTask");
	assert_true(leak >= 0);
	assert_non_null(strstr(f->lines[leak].text, "     60 "));
	assert_non_null(strstr(f->lines[leak].text, " 35s "));

	/* Search selects the pool; Enter opens its creators and stack. */
	keys(v, m, "/worker\n");
	assert_int_equal(lt_view_selected(v, LT_SCR_GOROUTINES), 2);
	keys(v, m, "\n");
	f = lt_view_render(v, m, 40, 160);
	assert_true(find(f, "Goroutine group: 8 goroutines blocked in chan receive") >= 0);
	assert_true(find(f, "created by: main.main (pool.go:40)") >= 0);
	assert_true(find(f, "#2   main.worker (pool.go:12)") >= 0);
	keys(v, m, "\x1b");
	f = lt_view_render(v, m, 40, 160);
	assert_true(find(f, "WHERE <- CREATED BY") >= 0);
	lt_view_free(v);
	lt_model_free(m);
}

static void test_flame_by_goroutines(void **state)
{
	lt_model *m = make(1);
	lt_view *v = view();
	const struct lt_vframe *f = NULL;
	int i;
	(void)state;

	keys(v, m, "3");
	for (i = 0; i < 5; i++) {
		f = lt_view_render(v, m, 30, 100);
		if (find(f, "width = goroutines") >= 0)
			break;
		keys(v, m, "w");
	}
	assert_true(i < 5);
	keys(v, m, "k");  /* clears the message: the status shows the root */
	f = lt_view_render(v, m, 30, 200);
	assert_true(find(f, "all goroutines") >= 0);
	assert_true(find(f, "main.longRunningTask") >= 0);
	assert_true(find(f, "main.worker") >= 0);
	assert_true(find(f, "all goroutines: 108 goroutines (100%)") >= 0);
	lt_view_free(v);
	lt_model_free(m);
}

/* Tab visits Goroutines for a Go program only; 6 shows it anyway. */
static void test_tab(void **state)
{
	lt_model *go = make(1), *c = make(0);
	lt_view *v = view();
	(void)state;

	keys(v, go, "5\t");
	assert_int_equal(lt_view_screen(v), LT_SCR_GOROUTINES);
	keys(v, go, "\t");
	assert_int_equal(lt_view_screen(v), LT_SCR_SITES);
	lt_view_key(v, go, LT_KEY_BTAB);
	assert_int_equal(lt_view_screen(v), LT_SCR_GOROUTINES);
	keys(v, c, "5\t");
	assert_int_equal(lt_view_screen(v), LT_SCR_SITES);
	lt_view_key(v, c, LT_KEY_BTAB);
	assert_int_equal(lt_view_screen(v), LT_SCR_HELP);
	keys(v, c, "6");
	assert_int_equal(lt_view_screen(v), LT_SCR_GOROUTINES);
	lt_view_free(v);
	lt_model_free(go);
	lt_model_free(c);
}

static void test_not_go(void **state)
{
	lt_model *m = make(0);
	lt_view *v = view();
	const struct lt_vframe *f;
	(void)state;

	keys(v, m, "6");
	f = lt_view_render(v, m, 30, 100);
	assert_true(find(f, "no goroutines: not a Go program") >= 0);
	keys(v, m, "\n");  /* nothing to open */
	f = lt_view_render(v, m, 30, 100);
	assert_true(find(f, "no goroutines: not a Go program") >= 0);
	lt_model_set_source(m, "goroutines", 0, "no DWARF in /srv/svc (built with -ldflags=-s -w?)");
	f = lt_view_render(v, m, 30, 100);
	assert_true(find(f, "goroutines unavailable: no DWARF") >= 0);
	lt_view_free(v);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_since_changes_only),
		cmocka_unit_test(test_goroutines_screen),
		cmocka_unit_test(test_flame_by_goroutines),
		cmocka_unit_test(test_tab),
		cmocka_unit_test(test_not_go),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
