/* leaktop check's gate over the verdict list: what each verdict is about
 * (topic, metric, rate, stack) and how the gate judges it — thresholds by
 * unit, --ignore by a frame's function (names and patterns), cgroup and
 * page cache not counted, derived lines not counted twice, a session too
 * short to judge. */
#include <string.h>

#include "lt_gate.h"
#include "test_util.h"

#define MiB (1024.0 * 1024.0)
#define MAXV 32

static struct lt_verdict v[MAXV];
static const struct lt_gate_opts none = {0};

static lt_model *build(size_t ticks, const struct tu_series *s, size_t ns)
{
	return tu_build_model(0x2545f4914f6cdd1dULL, ticks, s, ns);
}

/* Index of the first verdict containing text, or -1. */
static int find(size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(v[i].text, text))
			return (int)i;
	return -1;
}

static void test_counts_and_thresholds(void **state)
{
	const struct tu_series s[] = {
		{LT_M_RSS_ANON, 40 * MiB, 0, 0, 0},
		{LT_M_THREADS, 3, 1, 0, 0},
		{LT_M_FD_SOCKET, 4, 4, 0, 0},
		{LT_M_FDS, 22, 4, 0, 0},
	};
	lt_model *m = build(51, s, 4);
	size_t n = lt_verdict_compute(m, v, MAXV);
	int so = find(n, "sockets +4/s"), th = find(n, "threads +1/s");
	struct lt_gate_opts o = {0};
	(void)state;

	assert_true(so >= 0 && th >= 0);
	assert_int_equal(v[so].topic, LT_VT_FDS);
	assert_int_equal(v[so].metric, LT_M_FD_SOCKET);
	assert_int_equal(v[so].unit, LT_UNIT_COUNT);
	assert_true(v[so].rate > 3.8 && v[so].rate < 4.2);
	assert_int_equal(v[th].topic, LT_VT_THREADS);
	assert_int_equal(lt_gate_judge(m, &v[so], &none, NULL), LT_GATE_FAIL);
	/* A count threshold above the rate passes it, one below does not;
	 * a bytes threshold says nothing about counts. */
	o.max_count_rate = 5;
	assert_int_equal(lt_gate_judge(m, &v[so], &o, NULL), LT_GATE_BELOW);
	assert_int_equal(lt_gate_judge(m, &v[th], &o, NULL), LT_GATE_BELOW);
	o.max_count_rate = 3;
	assert_int_equal(lt_gate_judge(m, &v[so], &o, NULL), LT_GATE_FAIL);
	assert_int_equal(lt_gate_judge(m, &v[th], &o, NULL), LT_GATE_BELOW);
	o = (struct lt_gate_opts){.max_bytes_rate = 1e12};
	assert_int_equal(lt_gate_judge(m, &v[so], &o, NULL), LT_GATE_FAIL);
	/* The "memory is flat" line is information. */
	assert_int_equal(lt_gate_judge(m, &v[find(n, "memory is flat")], &none, NULL),
			 LT_GATE_INFO);
	/* A limit reached at the rate the sockets line states is derived
	 * from it. */
	lt_model_meta(m)->fd_limit = 1024;
	n = lt_verdict_compute(m, v, MAXV);
	assert_true(find(n, "reach RLIMIT_NOFILE") >= 0);
	assert_int_equal(lt_gate_judge(m, &v[find(n, "reach RLIMIT_NOFILE")], &none, NULL),
			 LT_GATE_DERIVED);
	lt_model_free(m);
}

static void test_memory_and_scope(void **state)
{
	const struct tu_series leak[] = {
		{LT_M_RSS_ANON, 40 * MiB, 2 * MiB, 0, 0},
		{LT_M_CG_ANON, 60 * MiB, 2 * MiB, 0, 0},
		{LT_M_CG_USAGE, 100 * MiB, 2 * MiB, 0, 0},
		{LT_M_CG_WORKING_SET, 100 * MiB, 2 * MiB, 0, 0},
	};
	const struct tu_series cache[] = {
		{LT_M_RSS_ANON, 40 * MiB, 0, 0, 0},
		{LT_M_CG_ANON, 40 * MiB, 0, 0, 0},
		{LT_M_CG_FILE, 100 * MiB, 1 * MiB, 0, 0},
		{LT_M_CG_USAGE, 140 * MiB, 1 * MiB, 0, 0},
	};
	lt_model *m = build(61, leak, 4);
	size_t n = lt_verdict_compute(m, v, MAXV);
	int an = find(n, "anonymous memory grows"), ws = find(n, "working set grows");
	struct lt_gate_opts o = {.max_bytes_rate = 4 * MiB};
	(void)state;

	assert_true(an >= 0 && ws >= 0);
	assert_int_equal(v[an].topic, LT_VT_MEMORY);
	assert_int_equal(v[an].metric, LT_M_RSS_ANON);
	assert_int_equal(v[an].unit, LT_UNIT_BYTES);
	assert_false(v[an].derived);  /* no heap rows explain it */
	assert_int_equal(lt_gate_judge(m, &v[an], &none, NULL), LT_GATE_FAIL);
	assert_int_equal(lt_gate_judge(m, &v[an], &o, NULL), LT_GATE_BELOW);
	o.max_bytes_rate = 1 * MiB;
	assert_int_equal(lt_gate_judge(m, &v[an], &o, NULL), LT_GATE_FAIL);
	/* The cgroup holds other processes: shown, not counted. */
	assert_int_equal(v[ws].topic, LT_VT_CGROUP);
	assert_int_equal(lt_gate_judge(m, &v[ws], &none, NULL), LT_GATE_SCOPE);
	lt_model_free(m);

	/* Story 3: page cache is not the process leaking. */
	m = build(61, cache, 4);
	n = lt_verdict_compute(m, v, MAXV);
	an = find(n, "memory growth is file cache");
	assert_true(an >= 0);
	assert_int_equal(v[an].topic, LT_VT_FILE_CACHE);
	assert_int_equal(lt_gate_judge(m, &v[an], &none, NULL), LT_GATE_SCOPE);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(lt_gate_judge(m, &v[i], &none, NULL), LT_GATE_FAIL);
	lt_model_free(m);
}

static void test_short(void **state)
{
	const struct tu_series s[] = {{LT_M_RSS_ANON, 40 * MiB, 2 * MiB, 0, 0}};
	lt_model *m = build(2, s, 1);
	size_t n = lt_verdict_compute(m, v, MAXV);
	(void)state;

	assert_int_equal(n, 1);
	assert_int_equal(v[0].topic, LT_VT_SHORT);
	assert_int_equal(lt_gate_judge(m, &v[0], &none, NULL), LT_GATE_SHORT);
	lt_model_free(m);
}

/* A stack main > serve > leak_fn > operator[] > malloc. */
static size_t add_stack(lt_model *m)
{
	static const char *const fns[] = {"malloc", "std::vector<int>::operator[]",
					  "leak_fn", "serve", "main"};
	lt_stacktab *t = lt_model_stacks(m);
	size_t f[5];

	for (size_t i = 0; i < 5; i++) {
		struct lt_frame_sym y = {.function = (char *)fns[i], .file = "a.c",
					 .line = (int)i + 1};

		f[i] = lt_stacktab_frame_add(t, 0x1000 + i * 16, "/bin/a", NULL, i * 16, &y, 1);
	}
	return lt_stacktab_stack_intern(t, f, 5);
}

static void test_ignore(void **state)
{
	lt_model *m = lt_model_new();
	size_t s = add_stack(m);
	struct lt_verdict x = {.kind = LT_VERDICT_WARN, .topic = LT_VT_HEAP, .metric = -1,
			       .unit = LT_UNIT_BYTES, .rate = 1e6, .stack = s};
	const char *one[] = {"leak_fn"}, *pat[] = {"nothing", "leak_*"},
		   *cxx[] = {"std::vector<int>::operator[]"}, *other[] = {"serve_x", "lea"};
	struct lt_gate_opts o = {.ignore = one, .nignore = 1};
	const char *matched = NULL;
	(void)state;

	assert_int_equal(lt_gate_judge(m, &x, &none, NULL), LT_GATE_FAIL);
	assert_int_equal(lt_gate_judge(m, &x, &o, &matched), LT_GATE_IGNORED);
	assert_string_equal(matched, "leak_fn");
	o = (struct lt_gate_opts){.ignore = pat, .nignore = 2};
	assert_int_equal(lt_gate_judge(m, &x, &o, &matched), LT_GATE_IGNORED);
	assert_string_equal(matched, "leak_*");
	/* Brackets in a C++ name are the name, not a set. */
	o = (struct lt_gate_opts){.ignore = cxx, .nignore = 1};
	assert_int_equal(lt_gate_judge(m, &x, &o, NULL), LT_GATE_IGNORED);
	/* Whole names only: a prefix is not a match. */
	o = (struct lt_gate_opts){.ignore = other, .nignore = 2};
	assert_int_equal(lt_gate_judge(m, &x, &o, NULL), LT_GATE_FAIL);
	/* Without a stack there is nothing to ignore it by. */
	o = (struct lt_gate_opts){.ignore = one, .nignore = 1};
	x.stack = LT_NONE;
	assert_int_equal(lt_gate_judge(m, &x, &o, NULL), LT_GATE_FAIL);
	/* A derived line, and one without a rate whatever the threshold. */
	x.derived = 1;
	assert_int_equal(lt_gate_judge(m, &x, &none, NULL), LT_GATE_DERIVED);
	x = (struct lt_verdict){.kind = LT_VERDICT_WARN, .metric = -1, .unit = -1,
				.stack = LT_NONE};
	o = (struct lt_gate_opts){.max_bytes_rate = 1e12, .max_count_rate = 1e12};
	assert_int_equal(lt_gate_judge(m, &x, &o, NULL), LT_GATE_FAIL);
	assert_string_equal(lt_verdict_topic_name(x.topic), "other");
	/* A warning about the data, not the process, is never a failure. */
	x.topic = LT_VT_NOTE;
	assert_int_equal(lt_gate_judge(m, &x, &none, NULL), LT_GATE_NOTE);
	assert_string_equal(lt_verdict_topic_name(x.topic), "note");
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_thresholds),
		cmocka_unit_test(test_memory_and_scope),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_ignore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
