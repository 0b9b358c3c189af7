/* Verdicts over whole sessions built in memory: a minute of 1 s ticks (each
 * up to 0.1 s late) with page-sized jitter, shaped like the incidents in
 * /work/shared/seeds.md — a heap leak, the page cache that cost days
 * (story 3), a bounded cache, and descriptor and thread leaks. */
#include <string.h>

#include "lt_verdict.h"
#include "test_util.h"

#define KiB 1024.0
#define MiB (1024.0 * 1024.0)
#define GiB (1024.0 * MiB)
#define MAXV 32

/* Sessions are struct tu_series lists {id, start, per_s, until, jitter}
 * made into models by build(). */
static lt_model *build(size_t ticks, const struct tu_series *s, size_t ns)
{
	return tu_build_model(0x2545f4914f6cdd1dULL, ticks, s, ns);
}

static struct lt_verdict v[MAXV];

static size_t compute(lt_model *m)
{
	size_t n = lt_verdict_compute(m, v, MAXV);

	/* Every line is plain printable ASCII: the report prints them. */
	for (size_t i = 0; i < n; i++)
		for (const char *p = v[i].text; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
	lt_model_free(m);
	return n;
}

/* Index of the first verdict starting with text, or -1. */
static int starts(size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i].text, text, strlen(text)) == 0)
			return (int)i;
	return -1;
}

/* Index of the first verdict containing text, or -1. */
static int find(size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(v[i].text, text))
			return (int)i;
	return -1;
}

#define J 300 * KiB /* memory jitter */

/* Everything a quiet process and its cgroup report, nothing growing. */
static const struct tu_series quiet[] = {
	{LT_M_RSS_ANON, 40 * MiB, 0, 0, J},
	{LT_M_RSS_FILE, 8 * MiB, 0, 0, 100 * KiB},
	{LT_M_HEAP_MAP, 20 * MiB, 0, 0, 0},
	{LT_M_SWAP, 0, 0, 0, 0},
	{LT_M_THREADS, 12, 0, 0, 0},
	{LT_M_MAPS, 180, 0, 0, 2},
	{LT_M_FDS, 30, 0, 0, 1},
	{LT_M_FD_SOCKET, 10, 0, 0, 1},
	{LT_M_CG_USAGE, 145 * MiB, 0, 0, J},
	{LT_M_CG_ANON, 45 * MiB, 0, 0, J},
	{LT_M_CG_FILE, 100 * MiB, 0, 0, J},
	{LT_M_CG_WORKING_SET, 85 * MiB, 0, 0, J},
	{LT_M_WRITE_BYTES, 1 * GiB, 0, 0, 0},
};

#define NQ (sizeof(quiet) / sizeof(quiet[0]))

/* The quiet process with some series replaced. */
static lt_model *quiet_but(const struct tu_series *change, size_t nc,
			   size_t ticks)
{
	struct tu_series s[NQ + 16];
	size_t n = NQ;

	memcpy(s, quiet, sizeof(quiet));
	for (size_t i = 0; i < nc; i++) {
		size_t k = 0;

		while (k < n && s[k].id != change[i].id)
			k++;
		s[k] = change[i];
		if (k == n)
			n++;
	}
	return build(ticks, s, n);
}

static void test_all_flat(void **state)
{
	size_t n;
	(void)state;

	n = compute(quiet_but(NULL, 0, 60));
	assert_int_equal(n, 1);
	assert_int_equal(v[0].kind, LT_VERDICT_INFO);
	assert_string_equal(v[0].text, "memory is flat: anonymous memory, "
					"file cache and working set show no "
					"growth");
}

static void test_anon_leak(void **state)
{
	const struct tu_series leak[] = {
		{LT_M_RSS_ANON, 40 * MiB, 2 * MiB, 0, J},
		{LT_M_HEAP_MAP, 30 * MiB, 2 * MiB, 0, 0},
		{LT_M_CG_ANON, 45 * MiB, 2 * MiB, 0, J},
		{LT_M_CG_USAGE, 145 * MiB, 2 * MiB, 0, J},
		{LT_M_CG_WORKING_SET, 85 * MiB, 2 * MiB, 0, J},
	};
	size_t n;
	(void)state;

	n = compute(quiet_but(leak, 5, 60));
	assert_true(n >= 2);
	assert_int_equal(v[0].kind, LT_VERDICT_WARN);
	assert_non_null(strstr(v[0].text, "anonymous memory grows +2 MiB/s "
					  "(RSS anon "));
	assert_non_null(strstr(v[0].text, "MiB -> 1"));  /* ~160 MiB */
	assert_non_null(strstr(v[0].text, "heap or another anonymous mapping"));
	assert_non_null(strstr(v[0].text, "the malloc [heap] grows +2 MiB/s"));
	assert_non_null(strstr(v[0].text, "cgroup anon grows +2 MiB/s too"));
	assert_true(find(n, "kubelet") > 0);
	assert_int_equal(find(n, "not a heap leak"), -1);
	assert_int_equal(starts(n, "memory is flat"), -1);
	assert_int_equal(find(n, "file cache"), -1);
}

static void test_anon_leak_outside_brk_heap(void **state)
{
	const struct tu_series leak[] = {
		{LT_M_RSS_ANON, 40 * MiB, 0.75 * MiB, 0, J},
	};
	size_t n;
	(void)state;

	/* glibc serves large blocks with mmap: [heap] stays put. */
	n = compute(quiet_but(leak, 1, 60));
	assert_true(n >= 1);
	/* 0.75 MiB/s, estimated through the jitter */
	assert_non_null(strstr(v[0].text, "anonymous memory grows +4"));
	assert_non_null(strstr(v[0].text, " MiB/min (RSS anon 40"));
	assert_non_null(strstr(v[0].text, "[heap] does not grow"));
	/* The cgroup saw no anon growth: not claimed. */
	assert_null(strstr(v[0].text, "cgroup anon"));
}

/* Seed story 3: RSS flat, the library writes logs, cgroup cache grows. */
static void test_page_cache_not_heap(void **state)
{
	const struct tu_series cache[] = {
		{LT_M_CG_FILE, 100 * MiB, 1.6 * MiB, 0, J},
		{LT_M_CG_INACTIVE_FILE, 60 * MiB, 1.6 * MiB, 0, J},
		{LT_M_CG_ACTIVE_FILE, 40 * MiB, 0, 0, J},
		{LT_M_CG_USAGE, 145 * MiB, 1.6 * MiB, 0, J},
		{LT_M_WRITE_BYTES, 1 * GiB, 1.6 * MiB, 0, 0},
		{LT_M_WCHAR, 2 * GiB, 1.7 * MiB, 0, 0},
	};
	size_t n;
	int ws;
	(void)state;

	n = compute(quiet_but(cache, 6, 60));
	assert_true(n >= 2);
	assert_int_equal(v[0].kind, LT_VERDICT_WARN);
	assert_non_null(strstr(v[0].text, "memory growth is file cache "
					  "(cgroup file +1.6 MiB/s"));
	assert_non_null(strstr(v[0].text, "anonymous memory is flat: "
					  "not a heap leak"));
	assert_non_null(strstr(v[0].text, "the process writes +1.6 MiB/s "
					  "(to storage, write_bytes)"));
	ws = find(n, "working set is flat");
	assert_true(ws > 0);
	assert_int_equal(v[ws].kind, LT_VERDICT_INFO);
	assert_non_null(strstr(v[ws].text, "reclaimable inactive file cache"));
	assert_int_equal(find(n, "anonymous memory grows"), -1);
	assert_int_equal(starts(n, "memory is flat"), -1);
	assert_int_equal(find(n, "kubelet"), -1);
}

static void test_page_cache_in_working_set(void **state)
{
	/* Files read again and again: active file cache, which the working
	 * set (and the kubelet) counts. */
	const struct tu_series cache[] = {
		{LT_M_CG_FILE, 100 * MiB, 0.75 * MiB, 0, J},
		{LT_M_CG_ACTIVE_FILE, 40 * MiB, 0.75 * MiB, 0, J},
		{LT_M_CG_USAGE, 145 * MiB, 0.75 * MiB, 0, J},
		{LT_M_CG_WORKING_SET, 85 * MiB, 0.75 * MiB, 0, J},
	};
	size_t n;
	int ws;
	(void)state;

	n = compute(quiet_but(cache, 4, 60));
	assert_int_equal(find(n, "memory growth is file cache"), 0);
	assert_int_equal(find(n, "the process writes"), -1); /* it did not */
	ws = starts(n, "cgroup working set grows +4");
	assert_true(ws > 0);
	assert_int_equal(v[ws].kind, LT_VERDICT_WARN);
	assert_non_null(strstr(v[ws].text, "kubelet evicts on"));
	assert_int_equal(find(n, "working set is flat"), -1);
}

static void test_no_cgroup(void **state)
{
	const struct tu_series s[] = {
		{LT_M_RSS_ANON, 40 * MiB, 0, 0, J},
		{LT_M_RSS_FILE, 8 * MiB, 0.75 * MiB, 0, J},
		{LT_M_WCHAR, 5 * MiB, 3 * MiB, 0, 0},
	};
	lt_model *m = build(60, s, 3);
	size_t n;
	(void)state;

	lt_model_set_source(m, "procfs", 1, NULL);
	lt_model_set_source(m, "cgroup", 0, "no memory controller");
	n = compute(m);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].kind, LT_VERDICT_WARN);
	assert_non_null(strstr(v[0].text, "memory growth is file cache "
					  "(RSS file +4"));
	assert_non_null(strstr(v[0].text, "not a heap leak"));
	assert_non_null(strstr(v[0].text, "writes +3 MiB/s (write syscalls"));
	assert_int_equal(v[1].kind, LT_VERDICT_INFO);
	assert_string_equal(v[1].text, "cgroup memory unavailable: no memory "
				       "controller; file cache judged from "
				       "RSS file only");
}

static void test_bounded_cache_steady(void **state)
{
	/* Fills 50 MiB during the first 40% of the minute, then holds. */
	const struct tu_series s[] = {
		{LT_M_RSS_ANON, 40 * MiB, 50 * MiB / 24, 24, J},
		{LT_M_CG_ANON, 45 * MiB, 50 * MiB / 24, 24, J},
		{LT_M_CG_USAGE, 145 * MiB, 50 * MiB / 24, 24, J},
		{LT_M_CG_WORKING_SET, 85 * MiB, 50 * MiB / 24, 24, J},
	};
	size_t n;
	(void)state;

	n = compute(quiet_but(s, 4, 60));
	assert_int_equal(n, 1);
	assert_int_equal(v[0].kind, LT_VERDICT_INFO);
	/* 40 MiB + 50 MiB, give or take the jitter */
	assert_non_null(strstr(v[0].text, "anonymous memory rose then levelled "
					  "off at "));
	assert_non_null(strstr(v[0].text, " MiB (a cache or working set"));
	assert_non_null(strstr(v[0].text, "not a leak"));
}

static void test_threads_and_descriptors(void **state)
{
	const struct tu_series s[] = {
		{LT_M_THREADS, 3, 1, 0, 0},
		{LT_M_FD_SOCKET, 4, 4, 0, 0},
		{LT_M_FD_FILE, 10, 0.5, 0, 0},
		{LT_M_FD_PIPE, 2, 0.2, 0, 0},
		{LT_M_FD_ANON, 6, 0, 0, 0},
		{LT_M_FDS, 22, 4.7, 0, 0},
		{LT_M_MAPS, 180, 2, 0, 0},
	};
	size_t n;
	int th, so, fi, pi;
	(void)state;

	n = compute(quiet_but(s, 7, 51));
	th = find(n, "threads +1/s (3 -> 53)");
	so = find(n, "sockets +4/s (4 -> 204)");
	fi = find(n, "regular files +30/min (10 -> 35)");
	pi = find(n, "/min (2 -> 12)"); /* +0.2/s, integer counts */
	assert_int_equal(pi, starts(n, "pipes +12"));
	assert_true(th >= 0 && so > th && fi >= 0 && pi >= 0);
	assert_int_equal(v[so].kind, LT_VERDICT_WARN);
	assert_true(find(n, "mappings +2/s (180 -> 280)") >= 0);
	assert_int_equal(find(n, "anon_inode"), -1);
	/* The types explain it: no separate total line. */
	assert_int_equal(find(n, "descriptors +"), -1);
	/* Memory itself is quiet, and said so after the warnings. */
	assert_int_equal(starts(n, "memory is flat"), (int)n - 1);
}

static void test_descriptor_total_only(void **state)
{
	/* Each type creeps by less than the noise floor; together they grow
	 * 12 over the minute. */
	const struct tu_series s[] = {
		{LT_M_FDS, 30, 0.2, 0, 0},
		{LT_M_FD_SOCKET, 10, 0.05, 0, 0},
		{LT_M_FD_FILE, 10, 0.05, 0, 0},
		{LT_M_FD_PIPE, 6, 0.05, 0, 0},
		{LT_M_FD_OTHER, 4, 0.05, 0, 0},
	};
	size_t n;
	(void)state;

	n = compute(quiet_but(s, 5, 60));
	assert_true(find(n, "descriptors +12/min (30 -> 42)") >= 0);
	assert_int_equal(find(n, "sockets +"), -1);
	assert_int_equal(find(n, "regular files +"), -1);
}

static void test_other_process_and_swap(void **state)
{
	const struct tu_series s[] = {
		{LT_M_CG_ANON, 45 * MiB, 0.75 * MiB, 0, J},
		{LT_M_CG_USAGE, 145 * MiB, 0.75 * MiB, 0, J},
		{LT_M_CG_WORKING_SET, 85 * MiB, 0.75 * MiB, 0, J},
		{LT_M_SWAP, 0, 100 * KiB, 0, 0},
	};
	size_t n;
	(void)state;

	n = compute(quiet_but(s, 4, 60));
	assert_int_equal(starts(n, "cgroup anon grows +4"), 0);
	assert_non_null(strstr(v[0].text, "another process in the cgroup"));
	assert_true(find(n, "swap grows +5.9 MiB/min") > 0);
	assert_true(find(n, "kubelet") > 0);
	assert_int_equal(find(n, "anonymous memory grows"), -1);
	assert_int_equal(starts(n, "memory is flat"), -1);
}

static void test_cgroup_usage_unexplained(void **state)
{
	/* Socket buffers or slab: charged to the cgroup, in neither anon
	 * nor file. */
	const struct tu_series s[] = {
		{LT_M_CG_USAGE, 145 * MiB, 0.75 * MiB, 0, J},
	};
	size_t n;
	(void)state;

	n = compute(quiet_but(s, 1, 60));
	assert_int_equal(n, 1);
	assert_int_equal(v[0].kind, LT_VERDICT_WARN);
	assert_int_equal(starts(n, "cgroup usage grows +4"), 0);
	assert_non_null(strstr(v[0].text, "kernel memory"));
	assert_int_equal(find(n, "inactive file cache"), -1);
}

static void test_too_short(void **state)
{
	const struct tu_series s[] = {{LT_M_RSS_ANON, 40 * MiB, 50 * MiB, 0, 0}};
	size_t n;
	(void)state;

	n = compute(build(2, s, 1));
	assert_int_equal(n, 1);
	assert_int_equal(v[0].kind, LT_VERDICT_INFO);
	assert_string_equal(v[0].text,
			    "session too short to judge growth (2 ticks)");
	n = compute(lt_model_new());
	assert_int_equal(n, 1);
	assert_string_equal(v[0].text,
			    "session too short to judge growth (0 ticks)");
}

/* A Go heap of mostly untouched 100 kB buffers: VmData grows 500 KiB/s
 * while RSS anon stays within its jitter.  Memory is not "flat". */
static void test_vm_data_untouched(void **state)
{
	const struct tu_series grow[] = {
		{LT_M_VM_DATA, 60 * MiB, 500 * KiB, 0, 0},
	};
	const struct tu_series still[] = {
		{LT_M_VM_DATA, 60 * MiB, 0, 0, 64 * KiB},
	};
	size_t n;
	int i;
	(void)state;

	n = compute(quiet_but(grow, 1, 60));
	i = starts(n, "VmData grows +29.3 MiB/min (60 MiB -> 88.8 MiB)");
	assert_true(i >= 0);
	assert_int_equal(v[i].kind, LT_VERDICT_WARN);
	assert_non_null(strstr(v[i].text, "while resident anonymous memory is flat"));
	assert_int_equal(starts(n, "memory is flat"), -1);
	n = compute(quiet_but(still, 1, 60));
	assert_int_equal(find(n, "VmData"), -1);
	assert_int_equal(starts(n, "memory is flat"), 0);
}

static void test_order_and_max(void **state)
{
	const struct tu_series s[] = {
		{LT_M_RSS_ANON, 40 * MiB, 2 * MiB, 0, J},
		{LT_M_THREADS, 3, 1, 0, 0},
	};
	lt_model *m = build(40, s, 2);
	struct lt_verdict one[1], all[MAXV];
	size_t n;
	(void)state;

	lt_model_set_source(m, "cgroup", 0, "cgroup v1 without memory");
	n = lt_verdict_compute(m, all, MAXV);
	assert_int_equal(n, 3);
	/* Warnings first, the context note last. */
	assert_non_null(strstr(all[0].text, "anonymous memory grows"));
	assert_non_null(strstr(all[1].text, "threads +"));
	assert_int_equal(all[2].kind, LT_VERDICT_INFO);
	assert_non_null(strstr(all[2].text, "cgroup memory unavailable"));
	/* max keeps the most important. */
	assert_int_equal(lt_verdict_compute(m, one, 1), 1);
	assert_string_equal(one[0].text, all[0].text);
	assert_int_equal(lt_verdict_compute(m, NULL, 0), 0);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_flat),
		cmocka_unit_test(test_anon_leak),
		cmocka_unit_test(test_anon_leak_outside_brk_heap),
		cmocka_unit_test(test_page_cache_not_heap),
		cmocka_unit_test(test_page_cache_in_working_set),
		cmocka_unit_test(test_no_cgroup),
		cmocka_unit_test(test_bounded_cache_steady),
		cmocka_unit_test(test_threads_and_descriptors),
		cmocka_unit_test(test_descriptor_total_only),
		cmocka_unit_test(test_other_process_and_swap),
		cmocka_unit_test(test_cgroup_usage_unexplained),
		cmocka_unit_test(test_too_short),
		cmocka_unit_test(test_vm_data_untouched),
		cmocka_unit_test(test_order_and_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
