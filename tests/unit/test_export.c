/* Exports from a synthetic model: moments, folded stacks (root first,
 * inlined functions expanded, separators sanitized), deltas with negative
 * values, CSV shape, and pprof's gzip framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_export.h"
#include "lt_metric.h"
#include "lt_model.h"

#define T0 1795400000000000000LL   /* 2026-11-23T02:13:20Z */

/* Ten ticks a second apart; site A grows 1000 bytes a tick, site B falls
 * from 5000 to 500; B's frame has an inlined function and a ';' in a
 * (hostile) name. */
static lt_model *make(void)
{
	lt_model *m = lt_model_new();
	lt_stacktab *t = lt_model_stacks(m);
	lt_hsites *h = lt_model_hsites(m);
	struct lt_frame_sym ma = {(char *)"main", (char *)"m.c", 1};
	struct lt_frame_sym la = {(char *)"leak_a", (char *)"a.c", 10};
	struct lt_frame_sym lb[2] = {{(char *)"inl;ined", (char *)"b.h", 3},
				     {(char *)"outer_b", (char *)"b.c", 20}};
	size_t fm = lt_stacktab_frame_add(t, 0x100, "/bin/p", "abcd", 0x100, &ma, 1);
	size_t fa = lt_stacktab_frame_add(t, 0x200, "/bin/p", "abcd", 0x200, &la, 1);
	size_t fb = lt_stacktab_frame_add(t, 0x300, "/lib/libx.so", NULL, 0x300, lb, 2);
	size_t sa = lt_stacktab_stack_intern(t, (size_t[]){fa, fm}, 2);
	size_t sb = lt_stacktab_stack_intern(t, (size_t[]){fb, fm}, 2);

	lt_model_meta(m)->start_ns = T0;
	lt_model_meta(m)->interval = 1;
	lt_hsites_set_rate(h, 1);
	for (int k = 0; k < 10; k++) {
		struct lt_sample s = {.t = k, .wall_ns = T0 + k * 1000000000LL};
		struct lt_hval a = {1000 * (k + 1), k + 1, 1000 * (k + 1), k + 1};
		struct lt_hval b = {k < 5 ? 5000 : 500, 5, 5000, 5};

		lt_sample_set(&s, LT_M_RSS_ANON, 1000000 + k);
		lt_sample_set(&s, LT_M_FDS, 7);
		lt_model_add_sample(m, &s);
		lt_hsites_begin(h, k);
		lt_hsites_set(h, sa, &a);
		lt_hsites_set(h, sb, &b);
		lt_hsites_end(h);
	}
	return m;
}

static char *run(lt_model *m, int (*fn)(const lt_model *, const struct lt_export_opts *, FILE *, lt_err *),
		 const struct lt_export_opts *o, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	lt_err err = {0, ""};

	assert_non_null(f);
	assert_int_equal(fn(m, o, f, &err), 0);
	fclose(f);
	return buf;
}

static void test_moments(void **state)
{
	lt_model *m = make();
	lt_err err = {0, ""};
	size_t k = 99;
	(void)state;

	assert_int_equal(lt_export_moment(m, "3", "--at", &k, &err), 0);
	assert_int_equal(k, 3);
	assert_int_equal(lt_export_moment(m, "4.5s", "--at", &k, &err), 0);
	assert_int_equal(k, 4);    /* the last tick at or before */
	assert_int_equal(lt_export_moment(m, "@1795400007", "--at", &k, &err), 0);
	assert_int_equal(k, 7);
	assert_int_equal(lt_export_moment(m, "2026-11-23T02:13:28Z", "--at", &k, &err), 0);
	assert_int_equal(k, 8);
	assert_int_equal(lt_export_moment(m, "2026-11-23T04:13:22+02:00", "--at", &k, &err), 0);
	assert_int_equal(k, 2);
	assert_int_equal(lt_export_moment(m, "1h", "--at", &k, &err), -1);
	assert_int_equal(err.code, LT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "outside the session"));
	assert_int_equal(lt_export_moment(m, "soon", "--from", &k, &err), -1);
	assert_non_null(strstr(err.msg, "--from"));
	assert_int_equal(lt_export_moment(m, "2026-13-40T99:00:00Z", "--at", &k, &err), -1);
	assert_int_equal(lt_export_sample_parse("alloc_space"), LT_SAMPLE_ALLOC_SPACE);
	assert_int_equal(lt_export_sample_parse("bytes"), -1);
	lt_model_free(m);
}

static void test_folded_root_first_and_inlined(void **state)
{
	lt_model *m = make();
	struct lt_export_opts o = {.type = LT_EXPORT_HEAP, .sample = LT_SAMPLE_INUSE_SPACE, .to = 9};
	size_t len;
	char *out;
	(void)state;

	out = run(m, lt_export_folded, &o, &len);
	assert_string_equal(out, "main;leak_a 10000\nmain;outer_b;inl:ined 500\n");
	free(out);
	/* a delta: the falling site is negative, allowed */
	o.delta = 1;
	o.from = 2;
	out = run(m, lt_export_folded, &o, &len);
	assert_string_equal(out, "main;leak_a 7000\nmain;outer_b;inl:ined -4500\n");
	free(out);
	/* objects instead of bytes */
	o.delta = 0;
	o.sample = LT_SAMPLE_ALLOC_OBJECTS;
	out = run(m, lt_export_folded, &o, &len);
	assert_string_equal(out, "main;leak_a 10\nmain;outer_b;inl:ined 5\n");
	free(out);
	lt_model_free(m);
}

static void test_pprof_is_gzip(void **state)
{
	lt_model *m = make();
	struct lt_export_opts o = {.type = LT_EXPORT_HEAP, .sample = LT_SAMPLE_INUSE_SPACE, .to = 9};
	size_t len;
	char *out;
	(void)state;

	out = run(m, lt_export_pprof, &o, &len);
	assert_true(len > 20);
	assert_int_equal((unsigned char)out[0], 0x1f);
	assert_int_equal((unsigned char)out[1], 0x8b);
	free(out);
	lt_model_free(m);
}

static void test_no_data_is_an_error(void **state)
{
	lt_model *m = lt_model_new();
	struct lt_export_opts o = {.type = LT_EXPORT_THREADS};
	struct lt_sample s = {.t = 0};
	lt_err err = {0, ""};
	FILE *f = fopen("/dev/null", "w");
	(void)state;

	lt_model_add_sample(m, &s);
	assert_int_equal(lt_export_folded(m, &o, f, &err), -1);
	assert_int_equal(err.code, LT_EXIT_FILE);
	assert_non_null(strstr(err.msg, "no thread data"));
	assert_int_equal(lt_export_csv(m, "sites", f, &err), -1);
	assert_int_equal(lt_export_csv(m, "bogus", f, &err), -1);
	assert_int_equal(err.code, LT_EXIT_USAGE);
	fclose(f);
	lt_model_free(m);
}

static void test_csv_memory_and_fds(void **state)
{
	lt_model *m = make();
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	lt_err err = {0, ""};
	(void)state;

	assert_int_equal(lt_export_csv(m, "fds", f, &err), 0);
	fclose(f);
	assert_int_equal(strncmp(buf, "t,wall_ns,fds,fd_file,", 22), 0);
	assert_non_null(strstr(buf, "\n9.000,1795400009000000000,7,"));
	free(buf);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_folded_root_first_and_inlined),
		cmocka_unit_test(test_pprof_is_gzip),
		cmocka_unit_test(test_no_data_is_an_error),
		cmocka_unit_test(test_csv_memory_and_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
