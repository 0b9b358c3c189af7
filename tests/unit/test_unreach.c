/* Reachability scans in the model (lt_unreach), in the session file, and
 * for readers: the verdicts ("definitely lost: ... from client_new
 * (client.c:9), none referenced from anywhere in the process"), the
 * report's section and the export's unreachable sample types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_export.h"
#include "lt_lost.h"
#include "lt_report.h"
#include "lt_store.h"
#include "lt_verdict.h"
#include "test_util.h"

#define PROG "/opt/svc/bin/svc"

static size_t frame(lt_stacktab *t, uint64_t pc, const char *fn, const char *file,
		    int line)
{
	struct lt_frame_sym y = {(char *)fn, (char *)file, line};

	return lt_stacktab_frame_add(t, pc, PROG, "abcd", pc - 0x400000, &y, 1);
}

/* A quiet session of 6 ticks with three heap sites: client_new's struct
 * (client.c:9), its buffer (client.c:10), and cache_put (cache.c:30).
 * Their stacks are *client, *buffer and *cache. */
static lt_model *session(size_t *client, size_t *buffer, size_t *cache)
{
	static const struct tu_series s[] = {{LT_M_RSS_ANON, 40 << 20, 0, 0, 0}};
	lt_model *m = tu_build_model(7, 6, s, 1);
	lt_stacktab *t = lt_model_stacks(m);
	lt_hsites *h = lt_model_hsites(m);
	size_t f_main = frame(t, 0x401000, "main", "main.c", 20);
	size_t a[] = {frame(t, 0x402000, "client_new", "client.c", 9), f_main};
	size_t b[] = {frame(t, 0x402040, "client_new", "client.c", 10), f_main};
	size_t c[] = {frame(t, 0x403000, "cache_put", "cache.c", 30), f_main};
	struct lt_hval v = {.live_bytes = 1 << 20, .live_count = 100, .alloc_bytes = 1 << 20,
			    .alloc_count = 100, .samples = 100};

	*client = lt_stacktab_stack_intern(t, a, 2);
	*buffer = lt_stacktab_stack_intern(t, b, 2);
	*cache = lt_stacktab_stack_intern(t, c, 2);
	lt_hsites_set_rate(h, 1);
	for (int k = 0; k < 6; k++) {
		lt_hsites_begin(h, k);
		v.live_bytes += 1000;
		lt_hsites_set(h, *client, &v);
		lt_hsites_set(h, *buffer, &v);
		lt_hsites_set(h, *cache, &v);
		lt_hsites_end(h);
	}
	return m;
}

/* Two scans: the first proves nothing yet, the second the clients. */
static void add_scans(lt_model *m, size_t client, size_t buffer)
{
	struct lt_unreach_scan s1 = {.t = 2, .took_ns = 30000000, .bytes_read = 50 << 20,
				     .heap_bytes = 20 << 20, .max_pause_ns = 2000000,
				     .threads = 3, .candidates = 4000, .unreachable = 3000,
				     .proof = 1};
	struct lt_unreach_scan s2 = s1;
	struct lt_unreach_site sites[] = {
		{.stack = buffer, .indirect_bytes = 4 << 20, .indirect_count = 1024,
		 .samples = 1024, .scans = 2},
		{.stack = client, .direct_bytes = 4300000, .direct_count = 1024,
		 .samples = 1024, .scans = 2},
	};

	lt_unreach_add(lt_model_unreach(m), &s1, NULL, 0);
	s2.t = 4;
	s2.proven = 2048;
	lt_unreach_add(lt_model_unreach(m), &s2, sites, 2);
}

static void test_model(void **state)
{
	lt_unreach *u = lt_unreach_new();
	char reason[] = "another allocator is mapped (libjemalloc.so.2)";
	struct lt_unreach_scan sc = {.t = 1, .reason = reason};
	struct lt_unreach_site s[] = {{.stack = 9, .direct_bytes = 10, .direct_count = 1, .scans = 2},
				      {.stack = 3, .indirect_bytes = 5, .indirect_count = 2, .scans = 3,
				       .weak = 1}};
	struct lt_unreach_site tot;
	const struct lt_unreach_site *p;
	(void)state;

	assert_int_equal(lt_unreach_count(u), 0);
	assert_null(lt_unreach_latest(u, 9));
	assert_int_equal(lt_unreach_at(u, 100), -1);
	lt_unreach_add(u, &sc, NULL, 0);
	reason[0] = 'X'; /* copied */
	assert_string_equal(lt_unreach_get(u, 0)->reason, "another allocator is mapped (libjemalloc.so.2)");
	sc.t = 3;
	sc.reason = NULL;
	sc.proof = 1;
	lt_unreach_add(u, &sc, s, 2);
	assert_int_equal(lt_unreach_count(u), 2);
	assert_null(lt_unreach_get(u, 1)->reason);
	/* Only scans that could prove count as the proof of a moment. */
	assert_int_equal(lt_unreach_at(u, 0.5), -1);
	assert_int_equal(lt_unreach_at(u, 2.9), -1);
	assert_int_equal(lt_unreach_at(u, 3), 1);
	assert_int_equal(lt_unreach_last_proof(u), 1);
	assert_null(lt_unreach_find(u, 0, 9));
	p = lt_unreach_latest(u, 9);
	assert_non_null(p);
	assert_int_equal(p->direct_bytes, 10);
	assert_int_equal(lt_unreach_latest(u, 3)->indirect_count, 2);
	assert_null(lt_unreach_latest(u, 4));
	assert_int_equal(lt_unreach_total(u, &tot), 2);
	assert_int_equal(tot.direct_count + tot.indirect_count, 3);
	assert_int_equal(tot.scans, 3);
	assert_int_equal(tot.weak, 1);
	/* A later scan that cannot prove leaves the proof as it was. */
	sc.t = 5;
	sc.proof = 0;
	lt_unreach_add(u, &sc, NULL, 0);
	assert_int_equal(lt_unreach_last_proof(u), 1);
	assert_int_equal(lt_unreach_latest(u, 9)->direct_bytes, 10);
	assert_int_equal(lt_unreach_at(u, 6), 1);
	assert_int_equal(lt_unreach_total(u, &tot), 2);
	lt_unreach_free(u);
	lt_unreach_free(NULL);
}

/* Index of the verdict containing text, or -1. */
static int find(const struct lt_verdict *v, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(v[i].text, text))
			return (int)i;
	return -1;
}

static void test_verdicts(void **state)
{
	size_t client, buffer, cache, n;
	lt_model *m = session(&client, &buffer, &cache);
	struct lt_verdict v[32];
	struct lt_lost_line l[8];
	char reason[] = "another allocator is mapped (libjemalloc.so.2)";
	struct lt_unreach_scan no = {.t = 5, .reason = reason};
	int i;
	(void)state;

	assert_int_equal(lt_lost_verdicts(m, NULL, l, 8), 0); /* no scan: nothing */
	add_scans(m, client, buffer);
	n = lt_lost_verdicts(m, NULL, l, 8);
	assert_int_equal(n, 2);
	/* One row per function, named by the line of its direct loss. */
	assert_true(l[0].warn);
	assert_string_equal(l[0].text, "definitely lost: 4.1 MiB in 1,024 blocks from client_new "
			    "(client.c:9), none referenced from anywhere in the process "
			    "(2 scans agree)");
	assert_string_equal(l[1].text, "indirectly lost: 4 MiB in 1,024 blocks from client_new "
			    "(client.c:9), referenced only from lost blocks (2 scans agree)");
	/* A normal verdict, a warning, before the trends. */
	n = lt_verdict_compute(m, v, 32);
	i = find(v, n, "definitely lost: 4.1 MiB in 1,024 blocks from client_new");
	assert_int_equal(i, 0);
	assert_int_equal(v[i].kind, LT_VERDICT_WARN);
	assert_int_equal(find(v, n, "cache_put (cache.c:30), none"), -1);
	/* A later scan that cannot prove takes nothing back, and says why. */
	lt_unreach_add(lt_model_unreach(m), &no, NULL, 0);
	n = lt_lost_verdicts(m, NULL, l, 8);
	assert_int_equal(n, 3);
	assert_non_null(strstr(l[0].text, "definitely lost: 4.1 MiB in 1,024 blocks"));
	assert_false(l[2].warn);
	assert_string_equal(l[2].text, "reachability: the last scan (at 5s) cannot prove: another "
			    "allocator is mapped (libjemalloc.so.2); the proof is the scan's at 4s");
	lt_model_free(m);
	/* No scan ever could: trends only, and why. */
	m = session(&client, &buffer, &cache);
	lt_unreach_add(lt_model_unreach(m), &no, NULL, 0);
	n = lt_lost_verdicts(m, NULL, l, 8);
	assert_int_equal(n, 1);
	assert_false(l[0].warn);
	assert_string_equal(l[0].text, "reachability: cannot prove: another allocator is mapped "
			    "(libjemalloc.so.2); growth trends only");
	n = lt_verdict_compute(m, v, 32);
	assert_int_equal(find(v, n, "definitely lost"), -1);
	i = find(v, n, "reachability: cannot prove");
	assert_true(i >= 0);
	assert_int_equal(v[i].kind, LT_VERDICT_INFO);
	lt_model_free(m);
}

static char *text_of(lt_model *m, int report, const struct lt_export_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	lt_err err = {0};

	assert_non_null(f);
	if (report)
		assert_int_equal(lt_report_write(m, f, &err), 0);
	else
		assert_int_equal(lt_export_folded(m, o, f, &err), 0);
	fclose(f);
	return buf;
}

static void test_report_and_export(void **state)
{
	size_t client, buffer, cache;
	lt_model *m = session(&client, &buffer, &cache);
	struct lt_export_opts o = {.type = LT_EXPORT_HEAP, .sample = LT_SAMPLE_UNREACH_SPACE,
				   .to = 5};
	char *r;
	(void)state;

	add_scans(m, client, buffer);
	r = text_of(m, 1, NULL);
	assert_non_null(strstr(r, "\nReachability scans (sampled blocks nothing in the process points to;\n"));
	assert_non_null(strstr(r, "  2 scans, 2 of them able to prove; the last at 4.0s:\n"
			       "    4,000 sampled blocks judged in 30 ms, 50 MiB read (heap 20 MiB), "
			       "longest pause 2.0 ms\n    proof\n"));
	assert_non_null(strstr(r, "! definitely lost: 4.1 MiB in 1,024 blocks from client_new"));
	free(r);
	assert_int_equal(lt_export_sample_parse("unreachable_space"), LT_SAMPLE_UNREACH_SPACE);
	assert_int_equal(lt_export_sample_parse("unreachable_objects"), LT_SAMPLE_UNREACH_OBJECTS);
	assert_true(lt_export_sample_bytes(LT_SAMPLE_UNREACH_SPACE));
	assert_false(lt_export_sample_bytes(LT_SAMPLE_UNREACH_OBJECTS));
	r = text_of(m, 0, &o);
	assert_string_equal(r, "main;client_new 4300000\nmain;client_new 4194304\n");
	free(r);
	/* Before the first scan that proved: nothing. */
	o.to = 3;
	o.sample = LT_SAMPLE_UNREACH_OBJECTS;
	r = text_of(m, 0, &o);
	assert_string_equal(r, "");
	free(r);
	/* From 3 s to the end: the change. */
	o.delta = 1;
	o.from = 3;
	o.to = 5;
	r = text_of(m, 0, &o);
	assert_string_equal(r, "main;client_new 1024\nmain;client_new 1024\n");
	free(r);
	lt_model_free(m);
}

static void test_store_round_trip(void **state)
{
	char dir[] = "/tmp/lt_unreach.XXXXXX", path[64], cmd[700];
	size_t client, buffer, cache;
	lt_model *m = session(&client, &buffer, &cache), *l;
	const struct lt_unreach *u;
	const struct lt_unreach_site *s;
	lt_err err = {0};
	lt_store *st;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/u.lt", dir);
	add_scans(m, client, buffer);
	st = lt_store_create(path, 0, &err);
	assert_non_null(st);
	assert_int_equal(lt_store_write_meta(st, m, &err), 0);
	assert_int_equal(lt_store_commit_tick(st, m, &err), 0);
	assert_int_equal(lt_store_finish(st, 1, "duration", &err), 0);
	assert_int_equal(lt_store_load(path, &l, &err), 0);
	u = lt_model_unreach_c(l);
	assert_int_equal(lt_unreach_count(u), 2);
	assert_int_equal(lt_unreach_get(u, 0)->proof, 1);
	assert_true(lt_unreach_get(u, 1)->t == 4);
	assert_int_equal(lt_unreach_get(u, 1)->took_ns, 30000000);
	assert_int_equal(lt_unreach_get(u, 1)->bytes_read, 50 << 20);
	assert_int_equal(lt_unreach_get(u, 1)->max_pause_ns, 2000000);
	assert_int_equal(lt_unreach_get(u, 1)->proven, 2048);
	assert_int_equal(lt_unreach_sites(u, 0, &s), 0);
	assert_int_equal(lt_unreach_sites(u, 1, &s), 2);
	assert_int_equal(lt_unreach_latest(u, client)->direct_count, 1024);
	assert_int_equal(lt_unreach_latest(u, buffer)->indirect_bytes, 4 << 20);
	assert_int_equal(lt_unreach_latest(u, buffer)->scans, 2);
	lt_model_free(l);
	/* A file from before the tables existed loads, without scans. */
	snprintf(cmd, sizeof(cmd), "sqlite3 %s 'DROP TABLE reach_site; DROP TABLE reach_scan'", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(lt_store_load(path, &l, &err), 0);
	assert_int_equal(lt_unreach_count(lt_model_unreach_c(l)), 0);
	lt_model_free(l);
	/* A site of a stack the file does not have is refused. */
	snprintf(cmd, sizeof(cmd), "sqlite3 %s \"CREATE TABLE reach_scan (id INTEGER PRIMARY KEY, "
		 "tick_id, t, took_ns, bytes_read, heap_bytes, max_pause_ns, threads, candidates, "
		 "unreachable, proven, proof, weak, reason); CREATE TABLE reach_site (scan_id, stack_id, "
		 "direct_bytes, direct_count, indirect_bytes, indirect_count, samples, scans, weak); "
		 "INSERT INTO reach_scan VALUES (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, NULL); "
		 "INSERT INTO reach_site VALUES (1, 999, 1, 1, 0, 0, 1, 2, 0)\"", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(lt_store_load(path, &l, &err), -1);
	assert_non_null(strstr(err.msg, "reachability scan of an unknown stack"));
	unlink(path);
	rmdir(dir);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_report_and_export),
		cmocka_unit_test(test_store_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
