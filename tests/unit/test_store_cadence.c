/* Which heap_value rows the store writes (doc/schema.md, heap_value): a
 * site whose counters churn within the range already written gets a row
 * at most every LT_STORE_HEAP_MAX_AGE (5 s: 5 ticks of 1 s here), growth
 * and new lows at once, what still waits at the session's end; a failed
 * tick decides again from the state the file has; Go sites get a row at
 * every change; a trimmed copy still reads each site's value at its first
 * tick.
 *
 * Tick k is taken at t = k s and, unless one failed, is tick id k + 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_model.h"
#include "lt_store.h"
#include "test_util.h"

static char dir[] = "/tmp/lt-cadence-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define NSTACKS 8
enum { ALLOC, FREE, FD };

/* A recording in progress. */
struct rec {
	lt_model *m;
	lt_store *st;
	size_t stack[NSTACKS];
	char path[128];
	int k;          /* ticks taken so far */
};

static lt_hsites *fam(struct rec *r, int f)
{
	return f == ALLOC ? lt_model_hsites(r->m) :
	       f == FREE ? lt_model_fsites(r->m) : lt_model_fdsites(r->m);
}

static void rec_open(struct rec *r, const char *name)
{
	lt_err err = {0, ""};

	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s/%s", dir, name);
	r->m = lt_model_new();
	for (int i = 0; i < NSTACKS; i++) {
		struct lt_frame_sym y = {(char *)"fn", (char *)"a.c", 10 + i};
		size_t f = lt_stacktab_frame_add(lt_model_stacks(r->m), 0x1000 + (uint64_t)i,
						 "/bin/a", NULL, 0x1000 + (uint64_t)i, &y, 1);

		r->stack[i] = lt_stacktab_stack_intern(lt_model_stacks(r->m), &f, 1);
	}
	lt_model_meta(r->m)->start_ns = INT64_C(1700000000000000000);
	lt_model_meta(r->m)->interval = 1;
	lt_hsites_set_rate(lt_model_hsites(r->m), 524288);
	r->st = lt_store_create(r->path, 0, &err);
	assert_non_null(r->st);
	assert_int_equal(lt_store_write_meta(r->st, r->m, &err), 0);
}

/* Opens tick r->k (every family takes a heap sample at it). */
static void tick_begin(struct rec *r)
{
	struct lt_sample s = {0};

	s.t = r->k;
	s.wall_ns = INT64_C(1700000000000000000) + (int64_t)r->k * 1000000000;
	lt_model_add_sample(r->m, &s);
	for (int f = 0; f < 3; f++)
		lt_hsites_begin(fam(r, f), r->k);
}

static size_t set(struct rec *r, int f, int stack, int64_t live, int64_t count,
		  int64_t alloc)
{
	struct lt_hval v = {.live_bytes = live, .live_count = count,
			    .alloc_bytes = alloc, .alloc_count = alloc / 100};

	return lt_hsites_set(fam(r, f), r->stack[stack], &v);
}

/* Closes the tick and commits it: the store's return. */
static int tick_end(struct rec *r)
{
	lt_err err = {0, ""};

	for (int f = 0; f < 3; f++)
		lt_hsites_end(fam(r, f));
	r->k++;
	return lt_store_commit_tick(r->st, r->m, &err);
}

static void rec_finish(struct rec *r)
{
	lt_err err = {0, ""};

	assert_int_equal(lt_store_finish(r->st, INT64_C(1700000099000000000),
					 "duration", &err), 0);
	r->st = NULL;
}

static sqlite3 *open_db(const char *path)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

/* The tick ids of the rows of the site of stack (heap_site kind) as
 * "1 2 7", and the live_bytes of the last one in *last. */
static const char *rows(const char *path, struct rec *r, int stack, int kind,
			int64_t *last)
{
	static char buf[512];
	sqlite3 *db = open_db(path);
	sqlite3_stmt *s;
	size_t n = 0;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT v.tick_id, v.live_bytes FROM heap_value v "
					    "JOIN heap_site h ON h.id = v.site_id "
					    "WHERE h.stack_id = ? AND h.kind = ? ORDER BY v.tick_id",
					    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, (int64_t)r->stack[stack] + 1);
	sqlite3_bind_int(s, 2, kind);
	while (sqlite3_step(s) == SQLITE_ROW) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%lld", n ? " " : "",
				      (long long)sqlite3_column_int64(s, 0));
		if (last)
			*last = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return buf;
}

/* A site churning within the range of its first two rows is written at
 * most every 5 s; one whose row waits is written when due even if it
 * does not change then; the end writes what waits. */
static void test_churn_waits(void **state)
{
	struct rec r;
	int64_t last;
	lt_model *back;
	struct lt_hval v;
	(void)state;

	rec_open(&r, "churn.lt");
	for (int k = 0; k < 19; k++) {
		int64_t a = k == 0 ? 1000 : k == 1 ? 2000 : 1000 + 100 * ((k * 7) % 10);

		tick_begin(&r);
		set(&r, ALLOC, 0, a, a / 100, 1000 * (k + 1));
		if (k < 3) {
			int64_t b = k == 0 ? 500 : k == 1 ? 900 : 700;

			set(&r, ALLOC, 1, b, b / 100, 900);
		}
		assert_int_equal(tick_end(&r), 0);
	}
	rec_finish(&r);
	/* Rows at 0 s (first), 1 s (a new high), then every 5 s, and the
	 * last tick's at the end. */
	assert_string_equal(rows(r.path, &r, 0, 0, &last), "1 2 7 12 17 19");
	assert_int_equal(last, 1000 + 100 * ((18 * 7) % 10));
	/* Changed at 2 s, due at 7 s without changing again. */
	assert_string_equal(rows(r.path, &r, 1, 0, &last), "1 2 7");
	assert_int_equal(last, 700);
	/* A reader carries forward: at 9 s the value written at 6 s. */
	back = tu_load_ok(r.path);
	lt_hsites_value(lt_model_hsites_c(back), 0, 9, &v);
	assert_int_equal(v.live_bytes, 1000 + 100 * ((6 * 7) % 10));
	lt_hsites_value(lt_model_hsites_c(back), 0, 18, &v);
	assert_int_equal(v.live_bytes, 1000 + 100 * ((18 * 7) % 10));
	assert_int_equal(v.alloc_bytes, 19000);
	lt_model_free(back);
	lt_model_free(r.m);
}

/* A row waiting when the heap stops taking samples (its source gone)
 * is still written when due, by the session's clock. */
static void test_due_after_heap_stops(void **state)
{
	struct rec r;
	int64_t last;
	(void)state;

	rec_open(&r, "stopped.lt");
	for (int k = 0; k < 10; k++) {
		static const int64_t a[] = {1000, 2000, 1500, 1700};

		if (k < 4) {
			tick_begin(&r);
			set(&r, ALLOC, 0, a[k], a[k] / 100, 100 * k);
			assert_int_equal(tick_end(&r), 0);
		} else {
			struct lt_sample s = {.t = k, .wall_ns = INT64_C(1700000000000000000) +
							     (int64_t)k * 1000000000};
			lt_err err = {0, ""};

			lt_model_add_sample(r.m, &s);
			r.k++;
			assert_int_equal(lt_store_commit_tick(r.st, r.m, &err), 0);
		}
	}
	rec_finish(&r);
	assert_string_equal(rows(r.path, &r, 0, 0, &last), "1 2 7");
	assert_int_equal(last, 1700);
	lt_model_free(r.m);
}

/* Growth is written at every tick, a new low (bytes or count) at once,
 * a new high of the count alone too. */
static void test_growth_and_lows(void **state)
{
	struct rec r;
	int64_t last;
	(void)state;

	rec_open(&r, "growth.lt");
	for (int k = 0; k < 12; k++) {
		static const int64_t after[] = {500, 3000, 0, 2000};
		int64_t c = k < 6 ? 1000 * (k + 1) : k < 10 ? after[k - 6] : 2000;
		int64_t d = k == 0 ? 1000 : k == 1 ? 2000 : 1500;
		int64_t dn = k == 0 ? 1 : k == 1 ? 2 : k == 2 ? 3 : 2;

		tick_begin(&r);
		set(&r, ALLOC, 2, c, c / 100, 50000 + k);
		set(&r, ALLOC, 3, d, dn, 4000);
		assert_int_equal(tick_end(&r), 0);
	}
	rec_finish(&r);
	/* Growing 0..5 s, a new low at 6 s, within the range at 7 s (waits),
	 * 0 at 8 s (a new low), 2000 from 9 s: waits and is written at the
	 * end (11 s), before it is due. */
	assert_string_equal(rows(r.path, &r, 2, 0, &last), "1 2 3 4 5 6 7 9 12");
	assert_int_equal(last, 2000);
	/* Bytes within the range but a new high count at 2 s; the count
	 * back in range at 3 s waits until 7 s (5 s after 2 s). */
	assert_string_equal(rows(r.path, &r, 3, 0, &last), "1 2 3 8");
	lt_model_free(r.m);
}

/* Counters of sites of every family, churning; true for each site and
 * tick k of the file as read back: its value is the recording's at some
 * k2 <= k less than 5 s before, the same at the last tick when finished. */
static void churn_all(struct rec *r, int ticks)
{
	uint32_t x = 12345;

	for (int k = 0; k < ticks; k++) {
		tick_begin(r);
		for (int i = 0; i < 3; i++) {
			x = x * 1103515245u + 12345u;
			set(r, ALLOC, i, 1000 + (x >> 16) % 1000, 10 + (x >> 20) % 5, 10000 * (k + 1));
		}
		/* The free flow: cumulative bytes freed, nothing live. */
		set(r, FREE, 4, 0, 0, 4096 * (k + 1));
		/* Sockets: 3 to 5 open. */
		lt_hsites_set_kind(fam(r, FD), set(r, FD, 5, 0, 3 + (k * 5) % 3, k + 3), 1);
		assert_int_equal(tick_end(r), 0);
	}
}

static void check_within_age(const lt_model *m, const lt_model *back, int finished)
{
	for (int f = 0; f < 3; f++) {
		const lt_hsites *a = f == ALLOC ? lt_model_hsites_c(m) :
			f == FREE ? lt_model_fsites_c(m) : lt_model_fdsites_c(m);
		const lt_hsites *b = f == ALLOC ? lt_model_hsites_c(back) :
			f == FREE ? lt_model_fsites_c(back) : lt_model_fdsites_c(back);
		size_t ns = lt_hsites_sample_count(a);

		assert_int_equal(lt_hsites_count(b), lt_hsites_count(a));
		assert_int_equal(lt_hsites_sample_count(b), ns);
		for (size_t i = 0; i < lt_hsites_count(a); i++)
			for (size_t k = 0; k < ns; k++) {
				struct lt_hval va, vb;
				int found = 0;

				lt_hsites_value(b, i, k, &vb);
				for (size_t k2 = k + 1; k2-- > 0 && !found &&
				     lt_hsites_sample(a, k)->t - lt_hsites_sample(a, k2)->t < 5;) {
					lt_hsites_value(a, i, k2, &va);
					found = !memcmp(&va, &vb, sizeof(va));
				}
				if (!found)
					fail_msg("family %d site %zu: the value read at %zu s "
						 "is none of the last 5 s", f, i, k);
				lt_hsites_value(a, i, k, &va);
				if (finished && k == ns - 1)
					assert_memory_equal(&va, &vb, sizeof(va));
			}
	}
}

/* Allocation, free-flow and descriptor sites all wait; finish writes the
 * last counters of each, close (like a kill) leaves what was committed. */
static void test_every_family_and_the_end(void **state)
{
	struct rec r, c;
	lt_model *back;
	(void)state;

	rec_open(&r, "families.lt");
	churn_all(&r, 23);
	rec_finish(&r);
	back = tu_load_ok(r.path);
	check_within_age(r.m, back, 1);
	lt_model_free(back);
	/* The free site: its first row, then every 5 s, the end's. */
	assert_string_equal(rows(r.path, &r, 4, 1, NULL), "1 6 11 16 21 23");
	/* The socket site: 3 then 5 open at 0 and 1 s (its range), then
	 * within it: every 5 s, the end's. */
	assert_string_equal(rows(r.path, &r, 5, 17, NULL), "1 2 7 12 17 22 23");
	lt_model_free(r.m);

	rec_open(&c, "closed.lt");
	churn_all(&c, 23);
	lt_store_close(c.st);
	back = tu_load_ok(c.path);
	check_within_age(c.m, back, 0);
	lt_model_free(back);
	assert_string_equal(rows(c.path, &c, 4, 1, NULL), "1 6 11 16 21");
	lt_model_free(c.m);
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db = open_db(path);

	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* A tick that fails after some of its rows were written is decided again
 * from what the file holds: a new high written by the failed tick only is
 * no high, a row due then is still due, a new site is still new. */
static void test_failed_tick_retried(void **state)
{
	struct rec r;
	int64_t last;
	char sql[256];
	lt_model *back;
	struct lt_hval v;
	(void)state;

	rec_open(&r, "retry.lt");
	for (int k = 0; k < 7; k++) {
		tick_begin(&r);
		if (k < 2)
			set(&r, ALLOC, 0, 1000 * (k + 1), 10 * (k + 1), 5000);
		if (k < 4) {
			static const int64_t b[] = {1000, 1500, 2000, 1800};

			set(&r, ALLOC, 1, b[k], b[k] / 100, 6000);
		}
		assert_int_equal(tick_end(&r), 0);
	}
	/* At 7 s: site 0 a new high, site 1 due, site 2 new; the file refuses
	 * site 1's row, after the others were written in the same tick. */
	snprintf(sql, sizeof(sql), "CREATE TRIGGER refuse BEFORE INSERT ON heap_value "
		 "WHEN NEW.site_id = (SELECT id FROM heap_site WHERE stack_id = %zu) "
		 "BEGIN SELECT RAISE(ABORT, 'refused'); END", r.stack[1] + 1);
	exec_sql(r.path, sql);
	tick_begin(&r);
	set(&r, ALLOC, 0, 2500, 25, 7000);
	set(&r, ALLOC, 2, 100, 1, 100);
	assert_int_equal(tick_end(&r), -1);
	exec_sql(r.path, "DROP TRIGGER refuse");
	/* At 8 s, tick id 8: site 0 above the range written (2000) though
	 * below the 2500 never committed. */
	tick_begin(&r);
	set(&r, ALLOC, 0, 2200, 22, 8000);
	assert_int_equal(tick_end(&r), 0);
	/* At 9 s, tick id 9: within the range: waits, written at the end. */
	tick_begin(&r);
	set(&r, ALLOC, 0, 2100, 21, 9000);
	assert_int_equal(tick_end(&r), 0);
	rec_finish(&r);
	assert_string_equal(rows(r.path, &r, 0, 0, &last), "1 2 8 9");
	assert_int_equal(last, 2100);
	assert_string_equal(rows(r.path, &r, 1, 0, &last), "1 2 3 8");
	assert_int_equal(last, 1800);
	assert_string_equal(rows(r.path, &r, 2, 0, &last), "8");
	assert_int_equal(last, 100);
	back = tu_load_ok(r.path);
	assert_int_equal(lt_model_tick_count(back), 9);
	assert_int_equal(lt_hsites_count(lt_model_hsites_c(back)), 3);
	lt_hsites_value(lt_model_hsites_c(back), 0, 7, &v);
	assert_int_equal(v.alloc_bytes, 8000);
	lt_model_free(back);
	lt_model_free(r.m);
}

/* Go sites are judged GC by GC: a row at every change, where an
 * allocation site with the same counters waits. */
static void test_go_sites_every_change(void **state)
{
	struct rec r;
	(void)state;

	rec_open(&r, "go.lt");
	for (int k = 0; k < 12; k++) {
		int64_t a = k == 0 ? 1000 : k == 1 ? 2000 : 1000 + 100 * ((k * 7) % 10);

		tick_begin(&r);
		lt_hsites_set_kind(lt_model_hsites(r.m), set(&r, ALLOC, 6, a, a / 100, 1000 * k),
				   LT_HSITE_GO);
		set(&r, ALLOC, 7, a, a / 100, 1000 * k);
		assert_int_equal(tick_end(&r), 0);
	}
	rec_finish(&r);
	assert_string_equal(rows(r.path, &r, 6, 2, NULL), "1 2 3 4 5 6 7 8 9 10 11 12");
	assert_string_equal(rows(r.path, &r, 7, 0, NULL), "1 2 7 12");
	lt_model_free(r.m);
}

/* export --from/--to: each site's value at the first kept tick is the one
 * the original reads there, though its row is older. */
static void test_trimmed_copy(void **state)
{
	struct rec r;
	char dst[160];
	struct lt_store_copy_opts o = {.trim = 1, .from = 8, .to = 15, .range = "t=8s to t=15s",
				       .copy_of = "families on box", .copy_ns = 1};
	lt_err err = {0, ""};
	lt_model *orig, *part;
	int fd;
	(void)state;

	rec_open(&r, "whole.lt");
	churn_all(&r, 23);
	rec_finish(&r);
	snprintf(dst, sizeof(dst), "%s/part.lt", dir);
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lt_store_copy(r.path, dst, &o, &err), 0);
	orig = tu_load_ok(r.path);
	part = tu_load_ok(dst);
	assert_int_equal(lt_model_tick_count(part), 8);
	for (int f = 0; f < 3; f++) {
		const lt_hsites *a = f == ALLOC ? lt_model_hsites_c(orig) :
			f == FREE ? lt_model_fsites_c(orig) : lt_model_fdsites_c(orig);
		const lt_hsites *b = f == ALLOC ? lt_model_hsites_c(part) :
			f == FREE ? lt_model_fsites_c(part) : lt_model_fdsites_c(part);

		assert_int_equal(lt_hsites_count(b), lt_hsites_count(a));
		for (size_t i = 0; i < lt_hsites_count(a); i++)
			for (size_t k = 0; k < 8; k++) {
				struct lt_hval va, vb;

				lt_hsites_value(a, i, k + 8, &va);
				lt_hsites_value(b, i, k, &vb);
				assert_memory_equal(&va, &vb, sizeof(va));
			}
	}
	lt_model_free(orig);
	lt_model_free(part);
	lt_model_free(r.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_churn_waits),
		cmocka_unit_test(test_due_after_heap_stops),
		cmocka_unit_test(test_growth_and_lows),
		cmocka_unit_test(test_every_family_and_the_end),
		cmocka_unit_test(test_failed_tick_retried),
		cmocka_unit_test(test_go_sites_every_change),
		cmocka_unit_test(test_trimmed_copy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
