/* The view at 80x24 and with the keys people know (issue 15): columns
 * dropped by priority so WHERE keeps 30 columns, one rate unit per column
 * in its title, the sorted column marked, short forms instead of cut
 * labels, Help that scrolls, the too-small message; F1/F3/F6/F10, ? and
 * Esc going back, PgUp/PgDn/Home/End and g on a 10-minute session, and
 * the mouse (lt_view_mouse). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lt_metric.h"
#include "lt_model.h"
#include "lt_view.h"

#define MiB (1024 * 1024)
#define TICKS 600   /* a 10-minute session, one tick a second */

static int64_t start_ns;   /* 12:00:00 local time today */

static size_t frame(lt_stacktab *t, uint64_t pc, const char *fn,
		    const char *file, int line)
{
	struct lt_frame_sym y = {(char *)fn, (char *)file, line};

	return lt_stacktab_frame_add(t, pc, "/usr/bin/svc", NULL, pc, &y, 1);
}

/* RSS anon +1 MiB/min, descriptors +1 a minute; heap: a leak in a function
 * with a long name, a steady cache, and scratch churn. */
static lt_model *make(void)
{
	lt_model *m = lt_model_new();
	struct lt_meta *meta = lt_model_meta(m);
	lt_stacktab *t = lt_model_stacks(m);
	lt_hsites *h = lt_model_hsites(m);
	time_t now = time(NULL);
	struct tm tm;
	size_t s[3], mn;

	localtime_r(&now, &tm);
	tm.tm_hour = 12;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	start_ns = (int64_t)mktime(&tm) * 1000000000LL;
	meta->pid = 77;
	meta->interval = 1;
	meta->start_ns = start_ns;
	lt_model_set_str(m, &meta->exe, "/usr/bin/svc");
	lt_model_set_source(m, "procfs", 1, NULL);
	lt_model_set_source(m, "heap", 1, NULL);
	mn = frame(t, 0x9000, "main", "main.c", 3);
	s[0] = lt_stacktab_stack_intern(t, (size_t[]){
		frame(t, 0x1000, "handle_client_request_and_leak", "/src/server/handlers/request.c", 120), mn}, 2);
	s[1] = lt_stacktab_stack_intern(t, (size_t[]){
		frame(t, 0x2000, "cache_put", "cache.c", 40), mn}, 2);
	s[2] = lt_stacktab_stack_intern(t, (size_t[]){
		frame(t, 0x3000, "scratch", "scratch.c", 7), mn}, 2);
	lt_hsites_set_rate(h, 4096);
	for (int k = 0; k < TICKS; k++) {
		struct lt_sample smp = {.t = k, .wall_ns = start_ns + (int64_t)k * 1000000000LL};
		struct lt_hval leak = {.live_bytes = (int64_t)k * 64 * 1024, .live_count = k * 16,
				       .alloc_bytes = (int64_t)k * 64 * 1024, .alloc_count = k * 16};
		int64_t c = k < 30 ? (int64_t)k * 100 * 1024 : 3000 * 1024;
		struct lt_hval cache = {.live_bytes = c, .live_count = c / 4096,
					.alloc_bytes = c, .alloc_count = c / 4096};
		struct lt_hval tmp = {.alloc_bytes = (int64_t)k * MiB, .alloc_count = k * 1000};

		lt_sample_set(&smp, LT_M_RSS_ANON, 50LL * MiB + (int64_t)k * MiB / 60);
		lt_sample_set(&smp, LT_M_FDS, 10 + k / 60);
		lt_sample_set(&smp, LT_M_WRITE_BYTES, (int64_t)k * 4096);
		lt_model_add_sample(m, &smp);
		lt_hsites_begin(h, k);
		lt_hsites_set(h, s[0], &leak);
		lt_hsites_set(h, s[1], &cache);
		lt_hsites_set(h, s[2], &tmp);
		lt_hsites_end(h);
	}
	return m;
}

static lt_view *view(void)
{
	struct lt_view_opts o = {.live = 0, .ascii = 1, .output = NULL};

	return lt_view_new(&o);
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

static const char *status(const struct lt_vframe *f)
{
	return f->lines[f->rows - 1].text;
}

/* Sites at 80x24: WHERE gets 30+ columns and the leak's name whole; the
 * history goes first; the growth column says its unit once, in its
 * title, and is marked as the sort; at 200 columns every column is back. */
static void test_sites_at_80x24(void **state)
{
	lt_model *m = make();
	lt_view *v = view();
	const struct lt_vframe *f;
	int head, x;
	(void)state;

	f = lt_view_render(v, m, 24, 80);
	head = find(f, "WHERE");
	if (head < 0)
		lt_vframe_print(f, stderr);
	assert_true(head > 0);
	x = (int)(strstr(f->lines[head].text, "WHERE") - f->lines[head].text);
	assert_true(80 - x >= 30);
	assert_null(strstr(f->lines[head].text, "HISTORY"));
	assert_non_null(strstr(f->lines[head].text, "MiB/min*"));
	assert_true(find(f, "> ") > head);
	assert_non_null(strstr(f->lines[find(f, "> ")].text, "handle_client_request_and_leak"));
	/* the cells are plain numbers: the unit is in the title */
	for (int y = head + 1; y < f->rows - 1; y++)
		assert_null(strstr(f->lines[y].text, "/min"));
	/* sorted by allocs/s: that column stays even at 80 */
	keys(v, m, "ss");
	f = lt_view_render(v, m, 24, 80);
	assert_non_null(strstr(f->lines[find(f, "WHERE")].text, "ALLOCS/s*"));
	keys(v, m, "ss");
	f = lt_view_render(v, m, 60, 200);
	head = find(f, "WHERE");
	assert_non_null(strstr(f->lines[head].text, "HISTORY"));
	assert_non_null(strstr(f->lines[head].text, "FREED"));
	assert_non_null(strstr(f->lines[find(f, "> ")].text, "request.c:120"));
	lt_view_free(v);
	lt_model_free(m);
}

/* Memory: one period for the RATE column, in its title; labels fit. */
static void test_memory_units_and_labels(void **state)
{
	lt_model *m = make();
	lt_view *v = view();
	const struct lt_vframe *f;
	int head;
	(void)state;

	lt_view_set_screen(v, LT_SCR_MEMORY);
	f = lt_view_render(v, m, 40, 80);
	head = find(f, "SERIES*");
	assert_true(head > 0);
	assert_non_null(strstr(f->lines[head].text, "RATE/min"));
	assert_true(find(f, "bytes written (storage)") > head);
	/* RSS anon and descriptors both grow 1 a minute: RATE/min reads
	 * "+1 MiB" and "+1" */
	assert_non_null(strstr(f->lines[find(f, "RSS anon")].text, " +1 MiB "));
	assert_non_null(strstr(f->lines[find(f, "  descriptors ")].text, " +1 "));   /* RSS anon, per minute */
	lt_view_free(v);
	lt_model_free(m);
}

/* Below 60x16: one clear message, wrapped to fit; 60x16 draws. */
static void test_too_small(void **state)
{
	lt_model *m = make();
	lt_view *v = view();
	const struct lt_vframe *f;
	(void)state;

	f = lt_view_render(v, m, 10, 40);
	assert_int_equal(find(f, "terminal too small (need 60x16,"), 0);
	assert_true(find(f, "40x10") >= 0);
	for (int y = 0; y < f->rows; y++)
		assert_true(f->lines[y].cols <= 40);
	/* degenerate sizes draw what fits and end */
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 4; c++) {
			f = lt_view_render(v, m, r, c);
			for (int y = 0; y < f->rows; y++)
				assert_true(f->lines[y].cols <= c);
		}
	f = lt_view_render(v, m, 16, 60);
	assert_int_equal(find(f, "terminal too small"), -1);
	assert_true(find(f, "handle_client_request") > 0);
	lt_view_free(v);
	lt_model_free(m);
}

/* Help at 80x24 scrolls to its last line and back; F1 and ? toggle it;
 * Esc goes back to the screen before it, not always Memory. */
static void test_help_scrolls_and_toggles(void **state)
{
	lt_model *m = make();
	lt_view *v = view();
	const struct lt_vframe *f;
	(void)state;

	lt_view_render(v, m, 24, 80);
	keys(v, m, "2");
	lt_view_key(v, m, LT_KEY_F1);
	assert_int_equal(lt_view_screen(v), LT_SCR_HELP);
	f = lt_view_render(v, m, 24, 80);
	assert_true(find(f, "Screens") > 0);
	assert_int_equal(find(f, "narrow terminals"), -1);
	assert_true(find(f, "-- lines 1-") > 0);
	for (int i = 0; i < 40; i++)
		lt_view_key(v, m, LT_KEY_DOWN);
	f = lt_view_render(v, m, 24, 80);
	assert_true(find(f, "narrow terminals") > 0);
	assert_true(find(f, "so that WHERE keeps 30") > 0);
	lt_view_key(v, m, LT_KEY_HOME);
	f = lt_view_render(v, m, 24, 80);
	assert_true(find(f, "Screens") > 0);
	lt_view_key(v, m, LT_KEY_F1);
	assert_int_equal(lt_view_screen(v), LT_SCR_THREADS);
	keys(v, m, "?");
	assert_int_equal(lt_view_screen(v), LT_SCR_HELP);
	lt_view_key(v, m, LT_KEY_ESC);
	assert_int_equal(lt_view_screen(v), LT_SCR_THREADS);
	/* Esc on a list goes back a screen, and says when there is none */
	keys(v, m, "3");
	lt_view_key(v, m, LT_KEY_ESC);   /* Flame: nothing zoomed, so back */
	assert_int_equal(lt_view_screen(v), LT_SCR_THREADS);
	lt_view_key(v, m, LT_KEY_ESC);
	assert_int_equal(lt_view_screen(v), LT_SCR_SITES);
	lt_view_key(v, m, LT_KEY_ESC);
	assert_int_equal(lt_view_screen(v), LT_SCR_SITES);
	f = lt_view_render(v, m, 24, 80);
	assert_non_null(strstr(status(f), "no previous screen"));
	assert_int_equal(lt_view_key(v, m, LT_KEY_F10) & LT_VIEW_QUIT, LT_VIEW_QUIT);
	lt_view_free(v);
	lt_model_free(m);
}

/* F3 searches, F6 sorts. */
static void test_function_keys(void **state)
{
	lt_model *m = make();
	lt_view *v = view();
	const struct lt_vframe *f;
	(void)state;

	lt_view_render(v, m, 24, 80);
	lt_view_key(v, m, LT_KEY_F6);
	f = lt_view_render(v, m, 24, 80);
	assert_non_null(strstr(status(f), "sorted by live"));
	lt_view_key(v, m, LT_KEY_F3);
	f = lt_view_render(v, m, 24, 80);
	assert_non_null(strstr(status(f), "search: _"));
	keys(v, m, "scratch\n");
	f = lt_view_render(v, m, 24, 80);
	assert_non_null(strstr(f->lines[find(f, "> ")].text, "scratch"));
	lt_view_free(v);
	lt_model_free(m);
}

static double cursor(const lt_view *v, const lt_model *m)
{
	const struct lt_vframe *f = lt_view_render((lt_view *)v, m, 24, 80);
	const char *p = strstr(f->lines[0].text, "replay t=");
	int h = 0, mi = 0, s = 0;

	assert_non_null(p);
	p += strlen("replay t=");
	if (sscanf(p, "%dm%ds", &mi, &s) == 2)
		return mi * 60 + s;
	if (sscanf(p, "%dh%dm%ds", &h, &mi, &s) == 3)
		return h * 3600 + mi * 60 + s;
	return atof(p);
}

/* A 10-minute session: PgUp/PgDn step a minute (ten presses end to end),
 * Home and End go to its ends, g takes times since the start, before the
 * end, and on the clock. */
static void test_time_keys(void **state)
{
	lt_model *m = make();
	lt_view *v = view();
	const struct lt_vframe *f;
	(void)state;

	lt_view_render(v, m, 24, 80);
	lt_view_key(v, m, LT_KEY_HOME);
	assert_true(cursor(v, m) == 0);
	lt_view_key(v, m, LT_KEY_PGDN);
	assert_true(cursor(v, m) == 60);
	f = lt_view_render(v, m, 24, 80);
	assert_non_null(strstr(status(f), "PgUp/PgDn step 1m"));
	for (int i = 0; i < 12; i++)
		lt_view_key(v, m, LT_KEY_PGDN);
	assert_true(cursor(v, m) == TICKS - 1);
	lt_view_key(v, m, LT_KEY_PGUP);
	assert_true(cursor(v, m) == TICKS - 1 - 60);
	lt_view_key(v, m, LT_KEY_END);
	assert_true(cursor(v, m) == TICKS - 1);
	keys(v, m, "g5m\n");
	assert_true(cursor(v, m) == 300);
	keys(v, m, "g-30s\n");
	assert_true(cursor(v, m) == TICKS - 1 - 30);
	keys(v, m, "g12:03:10\n");
	assert_true(cursor(v, m) == 190);
	keys(v, m, "g12:07\n");
	assert_true(cursor(v, m) == 420);
	keys(v, m, "g1h\n");   /* past the end: the last tick */
	assert_true(cursor(v, m) == TICKS - 1);
	keys(v, m, "g5x\n");
	f = lt_view_render(v, m, 24, 80);
	assert_non_null(strstr(status(f), "invalid time"));
	keys(v, m, "g25:00\n");
	f = lt_view_render(v, m, 24, 80);
	assert_non_null(strstr(status(f), "not a clock time"));
	/* [ and ] stay one tick */
	keys(v, m, "g5m\n[");
	assert_true(cursor(v, m) == 299);
	lt_view_free(v);
	lt_model_free(m);
}

/* Mouse: a tab switches, a click selects its row, the wheel scrolls;
 * clicks on nothing do nothing. */
static void test_mouse(void **state)
{
	lt_model *m = make();
	lt_view *v = view();
	const struct lt_vframe *f;
	int tabs, head;
	uint64_t first;
	(void)state;

	f = lt_view_render(v, m, 24, 80);
	tabs = find(f, " 1 Sites ");
	assert_true(tabs > 0);
	assert_true(lt_view_mouse(v, m, LT_MOUSE_CLICK, tabs,
		    (int)(strstr(f->lines[tabs].text, "4 Memory") - f->lines[tabs].text)) &
		    LT_VIEW_REDRAW);
	assert_int_equal(lt_view_screen(v), LT_SCR_MEMORY);
	f = lt_view_render(v, m, 24, 80);
	head = find(f, "SERIES");
	first = lt_view_selected(v, LT_SCR_MEMORY);
	assert_true(lt_view_mouse(v, m, LT_MOUSE_CLICK, head + 2, 10) & LT_VIEW_REDRAW);
	assert_true(lt_view_selected(v, LT_SCR_MEMORY) != first);
	f = lt_view_render(v, m, 24, 80);
	assert_int_equal(find(f, "> "), head + 2);
	lt_view_mouse(v, m, LT_MOUSE_WHEEL_UP, head + 1, 10);
	f = lt_view_render(v, m, 24, 80);
	assert_int_equal(find(f, "> "), head + 1);
	assert_int_equal(lt_view_mouse(v, m, LT_MOUSE_CLICK, 0, 5), 0);
	/* after a key, until the next frame, the old layout is not used */
	lt_view_key(v, m, LT_KEY_DOWN);
	assert_int_equal(lt_view_mouse(v, m, LT_MOUSE_CLICK, head + 1, 10), 0);
	f = lt_view_render(v, m, 24, 80);
	assert_true(lt_view_mouse(v, m, LT_MOUSE_CLICK, head + 1, 10) & LT_VIEW_REDRAW);
	assert_int_equal(lt_view_mouse(v, m, LT_MOUSE_CLICK, tabs, 79), 0);
	/* a click on a flame box selects it (the status line names it) */
	lt_view_set_screen(v, LT_SCR_FLAME);
	f = lt_view_render(v, m, 24, 80);
	{
		int y = find(f, "handle_client");
		int x = (int)(strstr(f->lines[y].text, "handle_client") - f->lines[y].text);

		assert_true(y > 0);
		assert_null(strstr(status(f), "handle_client"));
		assert_true(lt_view_mouse(v, m, LT_MOUSE_CLICK, y, x) & LT_VIEW_REDRAW);
		f = lt_view_render(v, m, 24, 80);
		assert_non_null(strstr(status(f), "handle_client_request_and_leak"));
		assert_int_equal(lt_view_mouse(v, m, LT_MOUSE_CLICK, f->rows - 2, 79), 0);
	}
	/* the wheel on Help scrolls it */
	lt_view_set_screen(v, LT_SCR_HELP);
	f = lt_view_render(v, m, 24, 80);
	assert_true(find(f, "-- lines 1-") > 0);
	lt_view_mouse(v, m, LT_MOUSE_WHEEL_DOWN, 10, 10);
	f = lt_view_render(v, m, 24, 80);
	assert_true(find(f, "-- lines 4-") > 0);
	lt_view_free(v);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sites_at_80x24),
		cmocka_unit_test(test_memory_units_and_labels),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_help_scrolls_and_toggles),
		cmocka_unit_test(test_function_keys),
		cmocka_unit_test(test_time_keys),
		cmocka_unit_test(test_mouse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
