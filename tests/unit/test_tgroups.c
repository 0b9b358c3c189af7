/* Thread groups at scale (issue 13): a thread the sampler has not reached
 * is in no group and makes its sample partial; partial samples never make
 * a trend, so 3,000 steady threads reached over two samples do not read
 * as a group "growing" from 1,474 to 3,000. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_collect.h"
#include "lt_model.h"
#include "lt_report.h"
#include "lt_store.h"
#include "lt_verdict.h"

#define STEADY 3000

/* The sampler's first rounds reached ramp[k] of STEADY threads of one
 * stack (fewer than all, over budget), the later ones all of them; with
 * said_unseen the samples say how many they missed. */
static const int64_t ramp[] = {1474, 1700, 1950, 2200, 2450, 2700, 2999};
#define NRAMP 7

static void steady(lt_tgroups *g, int said_unseen, int samples)
{
	for (int k = 0; k < samples; k++) {
		int64_t n = k < NRAMP ? ramp[k] : STEADY;
		struct lt_tsample ts = {.t = 2.0 * k, .sampled = 1500,
					.skipped = STEADY - 1500,
					.unseen = said_unseen ? STEADY - n : 0};

		lt_tgroups_begin(g, &ts);
		for (int64_t i = 0; i < n; i++)
			lt_tgroups_add(g, 7, 'S', "pause", "many");
		lt_tgroups_end(g);
	}
}

static void test_partial_sample_is_no_growth(void **state)
{
	lt_tgroups *g = lt_tgroups_new();
	struct lt_growth gr;
	struct lt_tcoverage cov;
	(void)state;

	steady(g, 1, 10);
	assert_true(lt_tgroups_partial(g, 0));
	assert_true(lt_tgroups_partial(g, 5));
	assert_false(lt_tgroups_partial(g, 6));  /* 1 unseen: noise */
	assert_false(lt_tgroups_partial(g, 7));
	assert_int_equal(lt_tgroups_first_full(g), 6);
	lt_tgroups_growth(g, 0, &gr);
	assert_int_equal(gr.n, 4);             /* samples 0-5 left out */
	assert_int_equal(gr.trend, LT_TREND_FLAT);
	assert_true(gr.end - gr.start < 5);
	lt_tgroups_coverage(g, 0, 9, &cov);
	assert_int_equal(cov.samples, 10);
	assert_int_equal(cov.partial, 6);
	assert_int_equal(cov.max_unseen, STEADY - 1474);
	assert_int_equal(cov.max_members, STEADY);
	assert_int_equal(cov.max_skipped, STEADY - 1500);
	lt_tgroups_free(g);

	/* The control: the same counts with nothing said unseen read as a
	 * rise of hundreds of threads a minute, which is what the report
	 * used to claim. */
	g = lt_tgroups_new();
	steady(g, 0, 10);
	lt_tgroups_growth(g, 0, &gr);
	assert_int_equal(gr.n, 10);
	assert_int_not_equal(gr.trend, LT_TREND_FLAT);
	assert_true(gr.slope * 60 > 100);
	lt_tgroups_free(g);
}

/* A few unseen threads (the noise) keep a sample; a leak seen through
 * partial samples is still a leak over the full ones. */
static void test_noise_and_leak_through_partial(void **state)
{
	lt_tgroups *g = lt_tgroups_new();
	struct lt_growth gr;
	(void)state;

	for (int k = 0; k < 12; k++) {
		struct lt_tsample ts = {.t = k, .unseen = k % 3 == 1 ? 40 : LT_TGROUPS_NOISE};

		lt_tgroups_begin(g, &ts);
		for (int i = 0; i < 10 + 5 * k - (k % 3 == 1 ? 40 : 0); i++)
			lt_tgroups_add(g, 1, 'S', "read", "zk");
		lt_tgroups_end(g);
	}
	assert_false(lt_tgroups_partial(g, 0));  /* 2 unseen: within noise */
	assert_true(lt_tgroups_partial(g, 1));
	lt_tgroups_growth(g, 0, &gr);
	assert_int_equal(gr.n, 8);
	assert_int_equal(gr.trend, LT_TREND_GROWING);
	assert_true(gr.slope > 4.9 && gr.slope < 5.1);
	/* A range of partial samples only: nothing to say. */
	lt_tgroups_growth_range(g, 0, 1, 1, &gr);
	assert_int_equal(gr.n, 0);
	assert_int_equal(gr.trend, LT_TREND_UNKNOWN);
	lt_tgroups_free(g);
}

/* On a loaded machine the sampler passes a thread that does not stop in
 * time and comes back to it a round later: samples within the noise still
 * miss a few members, reached one by one.  They are not growth (3,000
 * steady threads read as "+14/min" when the last 2 were reached); a rise
 * beyond what went unseen still is. */
static void stragglers(lt_tgroups *g, int64_t leak)
{
	static const int64_t unseen[] = {2, 2, 2, 2, 2, 2, 1, 1, 0, 0};

	for (int k = 0; k < 10; k++) {
		struct lt_tsample ts = {.t = 2.0 * k, .unseen = unseen[k]};

		lt_tgroups_begin(g, &ts);
		for (int64_t i = 0; i < STEADY - unseen[k] + leak * k; i++)
			lt_tgroups_add(g, 7, 'S', "pause", "many");
		lt_tgroups_end(g);
	}
}

static void test_stragglers_are_no_growth(void **state)
{
	lt_tgroups *g = lt_tgroups_new();
	struct lt_growth gr;
	(void)state;

	stragglers(g, 0);
	assert_int_equal(lt_tgroups_first_full(g), 0);
	lt_tgroups_growth(g, 0, &gr);
	assert_int_equal(gr.n, 10);
	assert_int_not_equal(gr.trend, LT_TREND_GROWING);
	lt_tgroups_free(g);
	/* One thread more every sample beside them: 9 in 18 s. */
	g = lt_tgroups_new();
	stragglers(g, 1);
	lt_tgroups_growth(g, 0, &gr);
	assert_int_equal(gr.trend, LT_TREND_GROWING);
	lt_tgroups_free(g);
}

/* lt_collect_threads: unreached threads go in no group and are counted
 * unseen; stale threads with a stack keep their group; the agent's own
 * thread is left out of both. */
static void test_collect_unreached(void **state)
{
	lt_model *m = lt_model_new();
	struct lt_thread th[6];
	struct lt_thread_tick tt = {0};
	const lt_tgroups *g = lt_model_tgroups_c(m);
	(void)state;

	memset(th, 0, sizeof(th));
	for (int i = 0; i < 6; i++) {
		th[i].tid = 100 + i;
		th[i].state = 'S';
		th[i].syscall = -1;
		snprintf(th[i].name, sizeof(th[i].name), "w");
	}
	th[0].npcs = 1;                        /* stopped now */
	th[0].pcs[0] = 0x1000;
	th[1].npcs = 1;                        /* stale, stack known */
	th[1].pcs[0] = 0x1000;
	th[1].stale = 1;
	for (int i = 2; i < 6; i++)
		th[i].stale = th[i].unreached = 1;  /* never reached */
	tt.threads = th;
	tt.n = 6;
	tt.sampled = 1;
	tt.skipped = 5;
	tt.unreached = 4;
	lt_collect_threads(m, NULL, &tt, 1.0, 105);
	assert_int_equal(lt_tgroups_sample_count(g), 1);
	assert_int_equal(lt_tgroups_sample(g, 0)->unseen, 3); /* 105 skipped */
	assert_int_equal(lt_tgroups_count(g), 1);
	assert_int_equal(lt_tgroups_value(g, 0, 0), 2);
	assert_true(lt_tgroups_partial(g, 0));
	lt_model_free(m);
}

/* Goroutines: the ones dropped as changing while read are in no group and
 * count as unseen, so a read that dropped many is no drop in a group. */
static void test_collect_goroutines_dropped(void **state)
{
	lt_model *m = lt_model_new();
	const lt_tgroups *g = lt_model_goroutines_c(m);
	struct lt_goroutine go[10];
	static const uint64_t pc[1] = {0x4000};
	struct lt_growth gr;
	(void)state;

	memset(go, 0, sizeof(go));
	for (int i = 0; i < 10; i++) {
		go[i].goid = 10 + i;
		go[i].status = 'W';
		go[i].wait_reason = "chan send";
		go[i].npcs = 1;
		go[i].pcs = pc;
	}
	for (int k = 0; k < 8; k++) {
		/* Every other read drops 6 of the 10. */
		struct lt_goroutine_tick gt = {.g = go, .n = k % 2 ? 4 : 10,
					       .listed = 10, .dropped = k % 2 ? 6 : 0};

		lt_collect_goroutines(m, NULL, &gt, k);
	}
	assert_int_equal(lt_tgroups_sample(g, 1)->unseen, 6);
	assert_true(lt_tgroups_partial(g, 1));
	assert_false(lt_tgroups_partial(g, 2));
	lt_tgroups_growth(g, 0, &gr);
	assert_int_equal(gr.n, 4);
	assert_int_equal(gr.trend, LT_TREND_FLAT);
	lt_model_free(m);
}

/* The model of 3,000 steady threads: no verdict, the report says what was
 * skipped and left out, and unseen survives the session file. */
static void test_report_verdict_and_file(void **state)
{
	char dir[] = "/tmp/lt-tgroups-XXXXXX", path[64], buf[16384];
	lt_model *m = lt_model_new(), *back = NULL;
	lt_err err = {0};
	struct lt_verdict v[32];
	size_t nv;
	lt_store *st;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.db", dir);
	st = lt_store_create(path, 0, &err);
	assert_non_null(st);
	lt_tgroups *g = lt_model_tgroups(m);
	struct lt_frame_sym y = {(char *)"many_threads_park", (char *)"m.c", 29};
	size_t fr = lt_stacktab_frame_add(lt_model_stacks(m), 0x1000, "/bin/m", NULL, 0x10, &y, 1);
	size_t sk = lt_stacktab_stack_intern(lt_model_stacks(m), &fr, 1);
	for (int k = 0; k < 8; k++) {
		struct lt_sample s = {.t = 2.0 * k, .wall_ns = k};
		struct lt_tsample ts = {.t = 2.0 * k, .sampled = 1500, .skipped = 1501,
					.unseen = k ? 0 : 1526};

		lt_sample_set(&s, LT_M_THREADS, STEADY + 1);
		lt_model_add_sample(m, &s);
		lt_tgroups_begin(g, &ts);
		for (int i = 0; i < (k ? STEADY : 1474); i++)
			lt_tgroups_add(g, sk, 'S', "pause", "many");
		lt_tgroups_end(g);
		assert_int_equal(lt_store_commit_tick(st, m, &err), 0);
	}
	assert_int_equal(lt_store_finish(st, 99, "duration", &err), 0);
	assert_int_equal(lt_store_load(path, &back, &err), 0);
	assert_int_equal(lt_tgroups_sample(lt_model_tgroups_c(back), 0)->unseen, 1526);
	assert_int_equal(lt_tgroups_sample(lt_model_tgroups_c(back), 1)->unseen, 0);

	nv = lt_verdict_compute(back, v, 32);
	for (size_t i = 0; i < nv; i++)
		assert_null(strstr(v[i].text, "thread group"));
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	assert_int_equal(lt_report_write(back, f, NULL), 0);
	fclose(f);
	assert_non_null(strstr(buf, "skipped: up to 1501 of 3000 threads per sample"));
	assert_non_null(strstr(buf, "partial: 1 of 8 samples had up to 1526 threads not reached yet"));
	/* start is the first full sample, not the partial 1474 */
	assert_non_null(strstr(buf, "    3000   3000       +0/s  flat"));
	lt_model_free(back);
	lt_model_free(m);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial_sample_is_no_growth),
		cmocka_unit_test(test_noise_and_leak_through_partial),
		cmocka_unit_test(test_stragglers_are_no_growth),
		cmocka_unit_test(test_collect_unreached),
		cmocka_unit_test(test_collect_goroutines_dropped),
		cmocka_unit_test(test_report_verdict_and_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
