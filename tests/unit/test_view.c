/* The view model of the TUI, without a terminal: screens rendered from a
 * synthetic model as text, keys, selection by identity, time cursor,
 * baseline, flame zoom and search, small and odd terminals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_metric.h"
#include "lt_model.h"
#include "lt_view.h"

#define MiB (1024 * 1024)

struct fixture {
	lt_model *m;
	size_t zk, worker;   /* thread groups */
};

static size_t frame(lt_stacktab *t, uint64_t pc, const char *fn,
		    const char *file, int line, const char *module)
{
	struct lt_frame_sym y = {(char *)fn, (char *)file, line};

	return lt_stacktab_frame_add(t, pc, module, NULL, pc, &y, 1);
}

/* Thread sample k: the zk watchers leak one thread per sample (2 + k), four
 * workers stay; extra_workers more workers join (to change the ranking). */
static void thread_sample(struct fixture *fx, double t, int zk, int workers)
{
	lt_tgroups *g = lt_model_tgroups(fx->m);
	struct lt_tsample ts = {.t = t};

	lt_tgroups_begin(g, &ts);
	for (int i = 0; i < zk; i++)
		fx->zk = lt_tgroups_add(g, 0, 'S', "read", "zk-watch");
	for (int i = 0; i < workers; i++)
		fx->worker = lt_tgroups_add(g, 1, 'S', "nanosleep", "worker\x1b[2J");
	lt_tgroups_end(g);
}

/* Ten ticks, one a second: RSS anon +1 MiB/s, RSS file flat, threads as
 * the thread samples say, descriptors flat. */
static struct fixture make(void)
{
	struct fixture fx = {lt_model_new(), 0, 0};
	lt_stacktab *t = lt_model_stacks(fx.m);
	struct lt_meta *meta = lt_model_meta(fx.m);
	const char *libc = "/lib/x86_64-linux-gnu/libc.so.6";
	size_t rd, zk, st, ns, wl, mn;

	meta->pid = 4242;
	meta->interval = 1;
	lt_model_set_str(fx.m, &meta->exe, "/usr/bin/svc");
	lt_model_set_source(fx.m, "procfs", 1, NULL);
	lt_model_set_source(fx.m, "cgroup", 0, "no memory controller");
	lt_model_set_source(fx.m, "threads", 1, NULL);
	rd = frame(t, 0x1000, "read", NULL, 0, libc);
	zk = frame(t, 0x2000, "zk_watch_loop", "watch.c", 88, "/usr/bin/svc");
	st = frame(t, 0x3000, "start_thread", NULL, 0, libc);
	ns = frame(t, 0x4000, "nanosleep", NULL, 0, libc);
	wl = frame(t, 0x5000, "worker_loop", "work.c", 12, "/usr/bin/svc");
	mn = frame(t, 0x6000, "main", "main.c", 3, "/usr/bin/svc");
	(void)mn;
	size_t s0[] = {rd, zk, st}, s1[] = {ns, wl, st};
	assert_int_equal(lt_stacktab_stack_intern(t, s0, 3), 0);
	assert_int_equal(lt_stacktab_stack_intern(t, s1, 3), 1);
	for (int k = 0; k < 10; k++) {
		struct lt_sample s = {.t = k, .wall_ns = 1700000000000000000LL + k * 1000000000LL};

		lt_sample_set(&s, LT_M_RSS_ANON, 50LL * MiB + (int64_t)k * MiB);
		lt_sample_set(&s, LT_M_RSS_FILE, 8LL * MiB);
		lt_sample_set(&s, LT_M_THREADS, 7 + k);
		lt_sample_set(&s, LT_M_FDS, 12);
		lt_model_add_sample(fx.m, &s);
		thread_sample(&fx, k + 0.01, 2 + k, 4);
	}
	return fx;
}

static lt_view *view(int live, int ascii)
{
	struct lt_view_opts o = {.live = live, .ascii = ascii, .output = "out.db"};

	return lt_view_new(&o);
}

/* Row of f containing s, or -1. */
static int find(const struct lt_vframe *f, const char *s)
{
	for (int y = 0; y < f->rows; y++)
		if (strstr(f->lines[y].text, s))
			return y;
	return -1;
}

/* A row of the Sites table (below its column titles) containing s: the
 * top-leak line above the table names the leak too. */
static int find_row(const struct lt_vframe *f, const char *s)
{
	int head = find(f, "WHERE");

	for (int y = head + 1; head >= 0 && y < f->rows; y++)
		if (strstr(f->lines[y].text, s))
			return y;
	return -1;
}

static void keys(lt_view *v, const lt_model *m, const char *k)
{
	for (; *k; k++)
		lt_view_key(v, m, (unsigned char)*k);
}

static void dump(const struct lt_vframe *f)
{
	lt_vframe_print(f, stderr);
}

/* Columns a line takes: UTF-8 continuation bytes take none. */
static int columns(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void test_memory_screen_and_header(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	int y;
	(void)state;

	assert_int_equal(lt_view_screen(v), LT_SCR_MEMORY);
	f = lt_view_render(v, fx.m, 30, 100);
	assert_int_equal(f->rows, 30);
	assert_true(find(f, "pid 4242  replay t=9s of 9s, every 1s  | /usr/bin/svc") == 0);
	assert_true(find(f, "replay t=9s of 9s") == 0);
	/* header cells: anon value and rate, the heap estimate is n/a */
	y = find(f, "anon");
	assert_true(y > 0 && y < 6);
	assert_non_null(strstr(f->lines[y].text, "59 MiB"));
	assert_non_null(strstr(f->lines[y].text, "+1 MiB/s"));
	assert_true(find(f, "heap          n/a") > 0);
	/* unavailable sources, with their reasons */
	assert_true(find(f, "cgroup (no memory controller)") > 0);
	assert_true(find(f, "heap (") < 0);  /* not recorded is not unavailable */
	/* the series table: RSS anon grows, with its change since the start */
	y = find(f, lt_metric_def(LT_M_RSS_ANON)->title);
	assert_true(y > 0);
	assert_non_null(strstr(f->lines[y].text, "+9 MiB"));
	assert_non_null(strstr(f->lines[y].text, "growing"));
	assert_true(find(f, "Verdicts (whole session):") > 0);
	lt_view_free(v);
	lt_model_free(fx.m);
}

static void test_screens_switch_by_number_and_tab(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	(void)state;

	keys(v, fx.m, "1");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_int_equal(lt_view_screen(v), LT_SCR_SITES);
	assert_true(find(f, "no heap call sites in this session (recorded without the heap agent)") >= 0);
	keys(v, fx.m, "\t");
	assert_int_equal(lt_view_screen(v), LT_SCR_THREADS);
	keys(v, fx.m, "\t\t\t");
	assert_int_equal(lt_view_screen(v), LT_SCR_HELP);
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "this help") >= 0);
	lt_view_key(v, fx.m, LT_KEY_END);   /* Help scrolls */
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "mark a baseline") >= 0);
	keys(v, fx.m, "\t");
	assert_int_equal(lt_view_screen(v), LT_SCR_SITES);
	keys(v, fx.m, "?");
	assert_int_equal(lt_view_screen(v), LT_SCR_HELP);
	assert_int_equal(lt_view_key(v, fx.m, 'q') & LT_VIEW_QUIT, LT_VIEW_QUIT);
	assert_int_equal(lt_view_key(v, fx.m, 'x') & LT_VIEW_QUIT, 0);
	lt_view_free(v);
	lt_model_free(fx.m);
}

/* Each screen keeps its own selection and sort; a screen shown again
 * starts on its list, not on the detail it was left in. */
static void test_screens_keep_their_own_state(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	(void)state;

	keys(v, fx.m, "2j\n");   /* Threads: the workers' stack */
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "Thread group: 4 threads") >= 0);
	keys(v, fx.m, "4s");      /* Memory: sorted by growth */
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "sorted by growth") >= 0);
	keys(v, fx.m, "2");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "Thread group:") < 0);
	assert_true(find(f, "s sort: rank") >= 0);
	assert_int_equal(lt_view_selected(v, LT_SCR_THREADS), fx.worker + 1);
	keys(v, fx.m, "4");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "s sort: growth") >= 0);
	assert_int_equal(lt_view_selected(v, LT_SCR_FLAME), 0);
	lt_view_free(v);
	lt_model_free(fx.m);
}

static void test_threads_rank_detail_and_sanitized_names(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	int y;
	(void)state;

	keys(v, fx.m, "2");
	f = lt_view_render(v, fx.m, 30, 100);
	/* the growing group ranks first and is selected */
	y = find(f, "zk_watch_loop (watch.c:88)");
	assert_true(y > 0);
	assert_true(find(f, "worker_loop") == y + 1);
	assert_memory_equal(f->lines[y].text, ">", 1);
	assert_non_null(strstr(f->lines[y].text, "   11 "));
	assert_non_null(strstr(f->lines[y].text, "growing"));
	assert_non_null(strstr(f->lines[y].text, "read"));
	assert_int_equal(lt_view_selected(v, LT_SCR_THREADS), fx.zk + 1);
	/* Enter: the group's stack and names; j moves to the workers first */
	keys(v, fx.m, "j\n");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "Thread group: 4 threads sleeping in nanosleep") >= 0);
	assert_true(find(f, "#1   worker_loop (work.c:12)") >= 0);
	/* a hostile thread name cannot reach the terminal as an escape */
	y = find(f, "names:");
	assert_true(y >= 0);
	assert_non_null(strstr(f->lines[y].text, "worker?[2J"));
	for (y = 0; y < f->rows; y++)
		for (const char *p = f->lines[y].text; *p; p++)
			assert_true((unsigned char)*p >= 0x20);
	keys(v, fx.m, "\x1b");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "Thread group:") < 0);
	lt_view_free(v);
	lt_model_free(fx.m);
}

static void test_selection_follows_identity(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(1, 1);
	const struct lt_vframe *f;
	int y;
	(void)state;

	keys(v, fx.m, "2j");   /* the workers, second in the ranking */
	f = lt_view_render(v, fx.m, 30, 100);
	assert_int_equal(lt_view_selected(v, LT_SCR_THREADS), fx.worker + 1);
	/* workers now grow much faster: they rank first, still selected */
	for (int k = 10; k < 14; k++) {
		struct lt_sample s = {.t = k};

		lt_sample_set(&s, LT_M_THREADS, 30 + 20 * k);
		lt_model_add_sample(fx.m, &s);
		thread_sample(&fx, k + 0.01, 11, 4 + 20 * (k - 9));
	}
	f = lt_view_render(v, fx.m, 30, 100);
	y = find(f, "worker_loop");
	assert_true(y >= 0 && y < find(f, "zk_watch_loop"));
	assert_memory_equal(f->lines[y].text, ">", 1);
	assert_int_equal(lt_view_selected(v, LT_SCR_THREADS), fx.worker + 1);
	lt_view_free(v);
	lt_model_free(fx.m);
}

static void test_time_cursor_and_baseline(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	int y;
	(void)state;

	keys(v, fx.m, "2[[[");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "replay t=6s of 9s") == 0);
	y = find(f, "zk_watch_loop");
	assert_non_null(strstr(f->lines[y].text, "    8 "));   /* 2 + 6 */
	assert_non_null(strstr(f->lines[y].text, "+6 "));     /* since start */
	/* baseline at t=6, cursor back to the end: +3 since the baseline */
	keys(v, fx.m, "b]]]]]");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "replay t=9s of 9s") == 0);
	assert_true(find(f, "baseline t=6.0s") > 0);
	y = find(f, "zk_watch_loop");
	assert_non_null(strstr(f->lines[y].text, "   11 "));
	assert_non_null(strstr(f->lines[y].text, "+3 "));
	/* < moves the baseline back one tick; B clears it */
	keys(v, fx.m, "<");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "baseline t=5.0s") > 0);
	keys(v, fx.m, "4");
	f = lt_view_render(v, fx.m, 30, 100);
	y = find(f, lt_metric_def(LT_M_RSS_ANON)->title);
	assert_non_null(strstr(f->lines[y].text, "+4 MiB"));
	keys(v, fx.m, "B");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "baseline t=") < 0);
	y = find(f, lt_metric_def(LT_M_RSS_ANON)->title);
	assert_non_null(strstr(f->lines[y].text, "+9 MiB"));
	lt_view_free(v);
	lt_model_free(fx.m);
}

static void test_live_pause_keeps_cursor(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(1, 1);
	const struct lt_vframe *f;
	struct lt_sample s = {.t = 10};
	(void)state;

	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "pid 4242  live 9s, every 1s -> out.db  | /usr/bin/svc") == 0);
	keys(v, fx.m, " ");
	assert_true(lt_view_paused(v));
	lt_sample_set(&s, LT_M_RSS_ANON, 100LL * MiB);
	lt_model_add_sample(fx.m, &s);
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "PAUSED") > 0);
	assert_true(find(f, "Memory and descriptors at t=9s") > 0);
	keys(v, fx.m, " ");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "Memory and descriptors at t=10s") > 0);
	lt_view_free(v);
	lt_model_free(fx.m);
}

static void test_flame_zoom_and_search(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	int y;
	(void)state;

	keys(v, fx.m, "3");
	f = lt_view_render(v, fx.m, 30, 100);
	y = find(f, "|all threads");
	assert_true(y > 0);
	assert_true(find(f, "|start_thread") == y + 1);
	/* 11 zk threads of 15 take 11/15 of the width, leftmost */
	assert_true(strstr(f->lines[y + 2].text, "|zk_watch_loop") == f->lines[y + 2].text);
	assert_true(strstr(f->lines[y + 2].text, "|worker_loop") == f->lines[y + 2].text + 73);
	assert_non_null(strstr(f->lines[f->rows - 1].text, "all threads: 15 threads (100%)"));
	/* down to start_thread, down to zk_watch_loop, right to worker_loop */
	keys(v, fx.m, "jjl");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_non_null(strstr(f->lines[f->rows - 1].text, "worker_loop (work.c:12): 4 threads (27%)"));
	/* Enter zooms: worker_loop's box takes the whole width */
	keys(v, fx.m, "\n");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "zoom: start_thread > worker_loop") >= 0);
	assert_true(find(f, "zk_watch_loop") < 0);
	y = find(f, "|worker_loop");
	assert_true(find(f, "|nanosleep") == y + 1);
	/* Backspace zooms out one level */
	keys(v, fx.m, "\x7f");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "zoom: start_thread") >= 0);
	assert_true(find(f, "zk_watch_loop") >= 0);
	keys(v, fx.m, "\x7f");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "zoom:") < 0);
	/* search selects the first match */
	keys(v, fx.m, "/ZK_w\n");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_non_null(strstr(f->lines[f->rows - 1].text, "zk_watch_loop (watch.c:88): 11 threads"));
	keys(v, fx.m, "/nosuch\n");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_non_null(strstr(f->lines[f->rows - 1].text, "not found: nosuch"));
	lt_view_free(v);
	lt_model_free(fx.m);
}

static void test_list_search(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	(void)state;

	keys(v, fx.m, "2/worker\n");
	assert_int_equal(lt_view_selected(v, LT_SCR_THREADS), fx.worker + 1);
	keys(v, fx.m, "/zk\n");
	assert_int_equal(lt_view_selected(v, LT_SCR_THREADS), fx.zk + 1);
	keys(v, fx.m, "\x06");   /* Ctrl-F: a page down, to the last row */
	assert_int_equal(lt_view_selected(v, LT_SCR_THREADS), fx.worker + 1);
	keys(v, fx.m, "n");   /* the search is still "zk" */
	assert_int_equal(lt_view_selected(v, LT_SCR_THREADS), fx.zk + 1);
	lt_view_free(v);
	lt_model_free(fx.m);
}

static void test_sizes_ascii_and_utf8(void **state)
{
	struct fixture fx = make();
	lt_view *a = view(0, 1), *u = view(0, 0);
	const struct lt_vframe *f;
	int utf8_seen = 0;
	(void)state;

	f = lt_view_render(a, fx.m, 5, 20);
	assert_true(find(f, "terminal too small") == 0);
	assert_true(f->lines[0].cols <= 20);
	/* every screen at every size fits its columns; ASCII stays ASCII */
	for (int s = 0; s < LT_SCR_COUNT; s++) {
		lt_view_set_screen(a, (enum lt_view_screen)s);
		lt_view_set_screen(u, (enum lt_view_screen)s);
		for (int cols = 40; cols <= 200; cols += 7) {
			for (int rows = 10; rows <= 60; rows += 25) {
				f = lt_view_render(a, fx.m, rows, cols);
				for (int y = 0; y < rows; y++) {
					assert_true(columns(f->lines[y].text) <= cols);
					for (const char *p = f->lines[y].text; *p; p++)
						assert_true((unsigned char)*p < 0x80);
				}
				f = lt_view_render(u, fx.m, rows, cols);
				for (int y = 0; y < rows; y++) {
					if (columns(f->lines[y].text) > cols)
						dump(f);
					assert_true(columns(f->lines[y].text) <= cols);
					assert_int_equal(columns(f->lines[y].text), f->lines[y].cols);
					utf8_seen |= strstr(f->lines[y].text, "\xe2\x96") != NULL;
					for (size_t i = 0; i < f->lines[y].nspans; i++)
						assert_true(f->lines[y].spans[i].col + f->lines[y].spans[i].width <= cols);
				}
			}
		}
	}
	assert_true(utf8_seen);
	lt_view_free(a);
	lt_view_free(u);
	lt_model_free(fx.m);
}

static void test_empty_model(void **state)
{
	lt_model *m = lt_model_new();
	lt_view *v = view(1, 0);
	const struct lt_vframe *f;
	(void)state;

	f = lt_view_render(v, m, 24, 80);
	assert_true(find(f, "no ticks recorded yet") > 0);
	keys(v, m, "2jk\n[]<>bB s/x\n");
	f = lt_view_render(v, m, 24, 80);
	assert_true(find(f, "no thread samples in this session") > 0);
	keys(v, m, "3jjkkhl\n");
	f = lt_view_render(v, m, 24, 80);
	assert_true(find(f, "no thread stacks to draw") > 0);
	keys(v, m, "\x7f");   /* nothing to zoom out of: back to Threads */
	assert_int_equal(lt_view_screen(v), LT_SCR_THREADS);
	lt_view_free(v);
	lt_model_free(m);
}


/* Heap sites over the fixture's ten ticks: a leak in leak_fn (+1 MiB a
 * tick), a cache that fills by tick 3 and stays, a site that allocates
 * often and frees everything.  leak_fn's source is a real temporary file. */
static char src_path[64];

static void add_sites(struct fixture *fx, size_t extra)
{
	lt_stacktab *t = lt_model_stacks(fx->m);
	lt_hsites *h = lt_model_hsites(fx->m);
	size_t lf, cf, tf, mn, s[3];
	FILE *src;

	snprintf(src_path, sizeof(src_path), "/tmp/lt_view_src_%d.c", (int)getpid());
	src = fopen(src_path, "w");
	assert_non_null(src);
	for (int i = 1; i <= 30; i++)
		fprintf(src, i == 12 ? "\tchar *p = malloc(4096); /* the leak */\n" : "line %d\n", i);
	fclose(src);
	lf = frame(t, 0x10000, "leak_fn", src_path, 12, "/usr/bin/svc");
	cf = frame(t, 0x11000, "cache_put", "/nonexistent/cache.c", 40, "/usr/bin/svc");
	tf = frame(t, 0x12000, "scratch", "scratch.c", 7, "/usr/bin/svc");
	mn = frame(t, 0x13000, "main", "main.c", 3, "/usr/bin/svc");
	s[0] = lt_stacktab_stack_intern(t, (size_t[]){lf, mn}, 2);
	s[1] = lt_stacktab_stack_intern(t, (size_t[]){cf, mn}, 2);
	s[2] = lt_stacktab_stack_intern(t, (size_t[]){tf, mn}, 2);
	lt_model_set_source(fx->m, "heap", 1, "unwinder libunwind");
	lt_hsites_set_rate(h, 4096);
	for (int k = 0; k < 10; k++) {
		struct lt_hval leak = {.live_bytes = (int64_t)k * MiB, .live_count = k * 256, .alloc_bytes = (int64_t)k * MiB, .alloc_count = k * 256};
		int64_t c = k < 3 ? (int64_t)k * 2 * MiB : 6 * MiB;
		struct lt_hval cache = {.live_bytes = c, .live_count = c / 4096, .alloc_bytes = c, .alloc_count = c / 4096};
		struct lt_hval tmp = {.live_bytes = 0, .live_count = 0, .alloc_bytes = (int64_t)k * 100 * MiB, .alloc_count = (int64_t)k * 100000};

		lt_hsites_begin(h, k);
		lt_hsites_set(h, s[0], &leak);
		lt_hsites_set(h, s[1], &cache);
		lt_hsites_set(h, s[2], &tmp);
		for (size_t i = 0; i < extra; i++) {
			struct lt_hval e = {.live_bytes = (int64_t)(i % 977) * 4096, .live_count = 1, .alloc_bytes = 4096, .alloc_count = 1};

			if (k == 0)
				lt_hsites_set(h, 100000 + i, &e);
		}
		lt_hsites_end(h);
	}
}

static void test_sites_rank_sort_and_identity(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	int leak, cache;
	uint64_t sel;
	(void)state;

	add_sites(&fx, 0);
	f = lt_view_render(v, fx.m, 30, 120);
	/* heap sites exist: the view opens on Sites */
	assert_int_equal(lt_view_screen(v), LT_SCR_SITES);
	leak = find_row(f, "leak_fn (");
	cache = find_row(f, "cache_put (");
	if (leak < 0 || cache < 0)
		dump(f);
	assert_true(leak > 0 && cache > leak);
	assert_true(strstr(f->lines[leak].text, "growing") != NULL);
	assert_true(strstr(f->lines[cache].text, "steady") != NULL);
	assert_true(find(f, "heap 1 sample/4 KiB") == 0);
	/* the header's heap estimate: 9 + 6 MiB live at the end */
	assert_true(find(f, "15 MiB") > 0);
	/* s cycles to live, then allocs/s: scratch (100,000/s) comes first */
	keys(v, fx.m, "ss\x02");   /* Ctrl-B: a page up, to the first row */
	f = lt_view_render(v, fx.m, 30, 120);
	assert_true(find_row(f, "scratch (") < find_row(f, "leak_fn ("));
	assert_true(find(f, "sort: allocs/s") > 0 || find(f, "sorted by allocs/s") > 0);
	/* selection follows the row (scratch) when the order changes back */
	sel = lt_view_selected(v, LT_SCR_SITES);
	assert_true(sel != 0);
	keys(v, fx.m, "ss");   /* change, then growth again */
	f = lt_view_render(v, fx.m, 30, 120);
	assert_true(lt_view_selected(v, LT_SCR_SITES) == sel);
	assert_true(find_row(f, "leak_fn (") < find_row(f, "scratch ("));
	assert_true(strncmp(f->lines[find_row(f, "scratch (")].text, ">", 1) == 0);
	lt_view_free(v);
	lt_model_free(fx.m);
	unlink(src_path);
}

static void test_sites_stack_and_source(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	int y;
	(void)state;

	add_sites(&fx, 0);
	lt_view_render(v, fx.m, 30, 100);
	lt_view_key(v, fx.m, 2);   /* Ctrl-B: the first row */
	lt_view_key(v, fx.m, LT_KEY_ENTER);
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "Heap site:") > 0);
	y = find(f, "> leak_fn");
	assert_true(y > 0);
	assert_true(find(f, "  main  main.c:3") > y);
	/* Enter on the frame: the source around line 12, the line marked */
	lt_view_key(v, fx.m, LT_KEY_ENTER);
	f = lt_view_render(v, fx.m, 30, 100);
	y = find(f, "malloc(4096)");
	if (y < 0)
		dump(f);
	assert_true(y > 0);
	assert_true(f->lines[y].text[0] == '>');
	assert_true(find(f, "line 4") > 0 && find(f, "line 20") > 0);
	assert_true(find(f, "line 21") < 0);
	/* Esc back to the stack, then to the list */
	lt_view_key(v, fx.m, LT_KEY_ESC);
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "Heap site:") > 0);
	lt_view_key(v, fx.m, LT_KEY_ESC);
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "CLAIM") > 0);
	/* an unreadable file says so */
	lt_view_key(v, fx.m, LT_KEY_DOWN);
	lt_view_key(v, fx.m, LT_KEY_ENTER);
	lt_view_key(v, fx.m, LT_KEY_ENTER);
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "source unavailable: cannot read /nonexistent/cache.c") > 0);
	lt_view_free(v);
	lt_model_free(fx.m);
	unlink(src_path);
}

/* The flame graph weighs heap stacks by live bytes: leak_fn's 9 MiB and
 * cache_put's 6 MiB split the width 9:6; w switches to growth since the
 * baseline, where the cache (full since tick 3) has no width, and then to
 * threads. */
static void test_flame_heap_bytes(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	const char *at, *line;
	int y;
	(void)state;

	add_sites(&fx, 0);
	keys(v, fx.m, "3");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "width = live bytes") > 0);
	y = find(f, "|leak_fn");
	if (y < 0)
		dump(f);
	assert_true(y > 0);
	line = f->lines[y].text;
	assert_true(strncmp(line, "|leak_fn", 8) == 0);
	at = strstr(line, "|cache_put");
	assert_non_null(at);
	assert_in_range(at - line, 55, 65);
	/* growth since a baseline at tick 5: only the leak grew */
	keys(v, fx.m, "[[[[b]]]]w");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "width = bytes gained since the baseline") > 0);
	assert_true(find(f, "|leak_fn") > 0);
	assert_true(find(f, "|cache_put") < 0);
	keys(v, fx.m, "w");
	f = lt_view_render(v, fx.m, 30, 100);
	assert_true(find(f, "width = threads") > 0);
	assert_true(find(f, "|zk_watch_loop") > 0);
	lt_view_free(v);
	lt_model_free(fx.m);
	unlink(src_path);
}

/* 100,000 sites: the list shows the top ranks and says how many more. */
/* Search on Sites matches any frame of a row's stack, not only its label:
 * no row shows main.c, every stack has it. */
static void test_sites_search_any_frame(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	uint64_t first;
	(void)state;

	add_sites(&fx, 0);
	f = lt_view_render(v, fx.m, 30, 120);
	assert_true(find_row(f, "main.c") < 0);
	lt_view_key(v, fx.m, 2);   /* Ctrl-B: the first row */
	first = lt_view_selected(v, LT_SCR_SITES);
	keys(v, fx.m, "/main.c\n");
	f = lt_view_render(v, fx.m, 30, 120);
	assert_true(find(f, "not found") < 0);
	assert_true(lt_view_selected(v, LT_SCR_SITES) != first);
	keys(v, fx.m, "/no_such_function\n");
	f = lt_view_render(v, fx.m, 30, 120);
	assert_true(find(f, "not found") >= 0);
	lt_view_free(v);
	lt_model_free(fx.m);
	unlink(src_path);
}

static void test_sites_many(void **state)
{
	struct fixture fx = make();
	lt_view *v = view(0, 1);
	const struct lt_vframe *f;
	(void)state;

	add_sites(&fx, 100000);
	f = lt_view_render(v, fx.m, 30, 120);
	assert_true(find(f, "leak_fn (") > 0);
	assert_true(find(f, "more rows below the top 2000") > 0);
	for (int i = 0; i < 5; i++) {
		lt_view_key(v, fx.m, 6);   /* Ctrl-F: a page down */
		f = lt_view_render(v, fx.m, 30, 120);
	}
	assert_true(lt_view_selected(v, LT_SCR_SITES) > 0);
	lt_view_free(v);
	lt_model_free(fx.m);
	unlink(src_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_screen_and_header),
		cmocka_unit_test(test_screens_switch_by_number_and_tab),
		cmocka_unit_test(test_screens_keep_their_own_state),
		cmocka_unit_test(test_threads_rank_detail_and_sanitized_names),
		cmocka_unit_test(test_selection_follows_identity),
		cmocka_unit_test(test_time_cursor_and_baseline),
		cmocka_unit_test(test_live_pause_keeps_cursor),
		cmocka_unit_test(test_flame_zoom_and_search),
		cmocka_unit_test(test_list_search),
		cmocka_unit_test(test_sizes_ascii_and_utf8),
		cmocka_unit_test(test_empty_model),
		cmocka_unit_test(test_sites_rank_sort_and_identity),
		cmocka_unit_test(test_sites_stack_and_source),
		cmocka_unit_test(test_sites_search_any_frame),
		cmocka_unit_test(test_sites_many),
		cmocka_unit_test(test_flame_heap_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
