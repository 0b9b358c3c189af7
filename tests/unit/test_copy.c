/* Sessions to take away: the source lines kept with a session (lt_srctext,
 * source_text) and lt_store_copy: a copy of a session still being
 * written holds every committed tick in one file; a trimmed copy reads
 * like the original over its range, renumbered from 1; the copy's meta
 * says where it came from. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "lt_srccap.h"
#include "lt_srctext.h"
#include "lt_store.h"
#include "test_util.h"

static char dir[64];
static char path[8][128];

static const char *tmp(int i, const char *name)
{
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lt_copy.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct lt_sample sample(int i)
{
	struct lt_sample s;

	memset(&s, 0, sizeof(s));
	s.t = 0.5 * i;
	s.wall_ns = INT64_C(1700000000000000000) + (int64_t)i * 500000000;
	lt_sample_set(&s, LT_M_RSS_ANON, 1000 * (i / 3));  /* stored every 3rd */
	lt_sample_set(&s, LT_M_FDS, 7);                    /* stored once */
	if (i >= 5)
		lt_sample_set(&s, LT_M_THREADS, 5);
	return s;
}

static lt_store *write_session(const char *p, int n)
{
	lt_err err = {0, ""};
	lt_store *st = lt_store_create(p, 0, &err);
	lt_model *m = lt_model_new();

	assert_non_null(st);
	lt_model_meta(m)->pid = 42;
	lt_model_meta(m)->start_ns = INT64_C(1700000000000000000);
	lt_model_meta(m)->interval = 0.5;  /* a recording always has one */
	assert_int_equal(lt_store_write_meta(st, m, &err), 0);
	for (int i = 0; i < n; i++) {
		struct lt_sample s = sample(i);

		assert_int_equal(lt_store_add_tick(st, &s, &err), 0);
	}
	lt_model_free(m);
	return st;
}

/* dst as an empty file, like export creates it. */
static const char *empty(int i, const char *name)
{
	const char *p = tmp(i, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);

	assert_true(fd >= 0);
	close(fd);
	return p;
}

static void exec_sql(const char *p, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_srctext(void **state)
{
	lt_srctext *t = lt_srctext_new();
	char *a[] = {"one", "two", "three", "four", "five"};
	const struct lt_srcsnip *p;
	(void)state;

	assert_int_equal(lt_srctext_add(t, "/src/a.c", 10, 5, a), 1);
	assert_int_equal(lt_srctext_add(t, "/src/a.c", 10, 2, a), 0); /* once */
	assert_int_equal(lt_srctext_add(t, "/src/a.c", 13, 3, a + 2), 1);
	assert_int_equal(lt_srctext_add(t, "/src/a.c", 0, 1, a), 0);
	assert_int_equal(lt_srctext_add(t, NULL, 1, 1, a), 0);
	assert_int_equal(lt_srctext_add(t, "/src/a.c", 1, 0, a), 0);
	assert_int_equal(lt_srctext_count(t), 2);
	assert_int_equal(lt_srctext_bytes(t), 4 + 4 + 6 + 5 + 5 + 6 + 5 + 5);
	/* Line 13 is in both: the one with more lines around it. */
	p = lt_srctext_find(t, "/src/a.c", 13);
	assert_non_null(p);
	assert_int_equal(p->first, 10);
	assert_string_equal(p->lines[3], "four");
	p = lt_srctext_find(t, "/src/a.c", 15);
	assert_int_equal(p->first, 13);
	assert_string_equal(p->lines[2], "five");
	assert_null(lt_srctext_find(t, "/src/a.c", 16));
	assert_null(lt_srctext_find(t, "/src/a.c", 9));
	assert_null(lt_srctext_find(t, "/src/b.c", 12));
	for (int i = 0; i < 3000; i++)  /* the index grows */
		assert_int_equal(lt_srctext_add(t, "/src/c.c", i + 1, 1, a), 1);
	assert_int_equal(lt_srctext_find(t, "/src/c.c", 2999)->first, 2999);
	lt_srctext_free(t);
}

static void test_source_text_round_trip(void **state)
{
	const char *p = tmp(0, "src.db");
	char *lines[] = {"int main(void)", "{", "\tchar *p = malloc(4000);"};
	lt_model *m = lt_model_new(), *back;
	lt_err err = {0, ""};
	struct lt_sample s = sample(0);
	const struct lt_srcsnip *sn;
	lt_store *st = lt_store_create(p, 0, &err);
	(void)state;

	assert_non_null(st);
	lt_model_add_sample(m, &s);
	lt_srctext_add(lt_model_srctext(m), "/src/leak.c", 40, 3, lines);
	assert_int_equal(lt_store_commit_tick(st, m, &err), 0);
	lt_srctext_add(lt_model_srctext(m), "/src/leak.c", 40, 1, lines); /* dup */
	s = sample(1);
	lt_model_add_sample(m, &s);
	assert_int_equal(lt_store_commit_tick(st, m, &err), 0);
	assert_int_equal(lt_store_finish(st, 1, "duration", &err), 0);
	/* A hand-made row out of bounds is skipped; control characters are
	 * shown as '?'. */
	exec_sql(p, "INSERT INTO source_text VALUES ('/src/x.c', 0, 'a'), "
		    "('/src/y.c', 3, 'ok' || char(27) || '[2J' || char(10) || 'b')");
	back = tu_load_ok(p);
	sn = lt_srctext_find(lt_model_srctext_c(back), "/src/leak.c", 42);
	assert_non_null(sn);
	assert_int_equal(sn->first, 40);
	assert_int_equal(sn->n, 3);
	assert_string_equal(sn->lines[2], " char *p = malloc(4000);");
	assert_null(lt_srctext_find(lt_model_srctext_c(back), "/src/x.c", 1));
	sn = lt_srctext_find(lt_model_srctext_c(back), "/src/y.c", 4);
	assert_non_null(sn);
	assert_string_equal(sn->lines[0], "ok?[2J");
	assert_string_equal(sn->lines[1], "b");
	lt_model_free(back);
	/* A file without the table (written before it) loads with none. */
	exec_sql(p, "DROP TABLE source_text");
	back = tu_load_ok(p);
	assert_int_equal(lt_srctext_count(lt_model_srctext_c(back)), 0);
	lt_model_free(back);
	lt_model_free(m);
}

/* A copy taken while the writer is open: one file, every tick. */
static void test_copy_while_written(void **state)
{
	const char *src = tmp(1, "live.db"), *dst = empty(2, "live-copy.db");
	struct lt_store_copy_opts o = {.copy_of = "/srv/live.db on box", .copy_ns = 7};
	lt_store *st = write_session(src, 6);
	lt_err err = {0, ""};
	struct stat sb;
	char side[200];
	lt_model *m;
	(void)state;

	snprintf(side, sizeof(side), "%s-wal", src);
	assert_int_equal(stat(side, &sb), 0);  /* the ticks are in the -wal */
	assert_true(sb.st_size > 0);
	assert_int_equal(lt_store_copy(src, dst, &o, &err), 0);
	lt_store_close(st);
	snprintf(side, sizeof(side), "%s-wal", dst);
	assert_int_not_equal(stat(side, &sb), 0);
	snprintf(side, sizeof(side), "%s-shm", dst);
	assert_int_not_equal(stat(side, &sb), 0);
	m = tu_load_ok(dst);
	assert_int_equal(lt_model_tick_count(m), 6);
	assert_string_equal(lt_model_meta_c(m)->copy_of, "/srv/live.db on box");
	assert_int_equal(lt_model_meta_c(m)->copy_ns, 7);
	assert_null(lt_model_meta_c(m)->copy_range);
	assert_null(lt_model_meta_c(m)->end_reason);
	lt_model_free(m);
}

/* Ticks 4..7 of 0..9: the values carried into tick 4 are there, the
 * ticks are 1..4, and everything reads as the original's from 4 on. */
static void test_copy_trimmed(void **state)
{
	const char *src = tmp(3, "whole.db"), *dst = empty(4, "part.db");
	struct lt_store_copy_opts o = {.trim = 1, .from = 4, .to = 7, .range = "t=2s to t=3.5s",
				       .copy_of = "whole.db on box", .copy_ns = 9};
	lt_err err = {0, ""};
	lt_model *m;
	sqlite3 *db;
	(void)state;

	assert_int_equal(lt_store_finish(write_session(src, 10), 2, "duration", &err), 0);
	assert_int_equal(lt_store_copy(src, dst, &o, &err), 0);
	m = tu_load_ok(dst);
	assert_int_equal(lt_model_tick_count(m), 4);
	for (int i = 0; i < 4; i++) {
		const struct lt_sample *got = lt_model_tick(m, (size_t)i);
		struct lt_sample want = sample(i + 4);

		assert_true(got->t == want.t);
		assert_int_equal(got->have, want.have);
		for (int k = 0; k < LT_M_COUNT; k++)
			if (lt_sample_has(&want, k))
				assert_int_equal(got->v[k], want.v[k]);
	}
	assert_string_equal(lt_model_meta_c(m)->copy_range, "t=2s to t=3.5s");
	assert_string_equal(lt_model_meta_c(m)->end_reason, "duration");
	lt_model_free(m);
	assert_int_equal(sqlite3_open_v2(dst, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	{
		sqlite3_stmt *s;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT min(id), max(id), "
						    "(SELECT min(tick_id) FROM metric_value) FROM tick",
						    -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), 1);
		assert_int_equal(sqlite3_column_int(s, 1), 4);
		assert_int_equal(sqlite3_column_int(s, 2), 1);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	/* An empty range is refused and says so. */
	o.from = 12;
	o.to = 14;
	assert_int_equal(lt_store_copy(src, empty(5, "none.db"), &o, &err), -1);
	assert_int_equal(err.code, LT_EXIT_USAGE);
}

static void write_lines(const char *p, int n, mode_t mode)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	for (int i = 1; i <= n; i++)
		fprintf(f, "line %d\n", i);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

/* The lines around each frame's line, once; a private file only when the
 * target's owner owns it; what cannot be read is left out. */
static void test_srccap(void **state)
{
	const char *pub = tmp(6, "pub.c"), *priv = tmp(7, "priv.c");
	lt_model *m = lt_model_new();
	struct lt_frame_sym y[] = {{"f", (char *)pub, 30}, {"g", (char *)pub, 31},
				   {"h", (char *)priv, 5}, {"i", "/no/such.c", 3}};
	struct lt_srccap c;
	const struct lt_srcsnip *sn;
	(void)state;

	write_lines(pub, 100, 0644);
	write_lines(priv, 10, 0600);
	lt_stacktab_frame_add(lt_model_stacks(m), 0x1000, NULL, NULL, 0x1000, y, 2);
	lt_stacktab_frame_add(lt_model_stacks(m), 0x2000, NULL, NULL, 0x2000, y + 2, 2);
	/* pid 0 (export): world-readable files only. */
	lt_srccap_init(&c, m, 0);
	assert_int_equal(lt_srccap_scan(&c, m, 0), 1);  /* line 31 is in 22..38 */
	sn = lt_srctext_find(lt_model_srctext_c(m), pub, 30);
	assert_non_null(sn);
	assert_int_equal(sn->first, 22);
	assert_int_equal(sn->n, 17);
	assert_string_equal(sn->lines[8], "line 30");
	assert_null(lt_srctext_find(lt_model_srctext_c(m), priv, 5));
	assert_int_equal(lt_srccap_scan(&c, m, 0), 0);  /* nothing new */
	lt_srccap_free(&c);
	/* Recording our own process: we own the private file. */
	lt_srccap_init(&c, m, 0);
	assert_int_equal(lt_srccap_scan(&c, m, getpid()), 1);
	sn = lt_srctext_find(lt_model_srctext_c(m), priv, 5);
	assert_non_null(sn);
	assert_int_equal(sn->first, 1);
	assert_int_equal(sn->n, 10);
	lt_srccap_free(&c);
	/* A budget smaller than a snippet keeps nothing more. */
	lt_srccap_init(&c, m, lt_srctext_bytes(lt_model_srctext_c(m)) + 10);
	y[0].line = 80;
	lt_stacktab_frame_add(lt_model_stacks(m), 0x3000, NULL, NULL, 0x3000, y, 1);
	assert_int_equal(lt_srccap_scan(&c, m, 0), 0);
	lt_srccap_free(&c);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_srctext),
		cmocka_unit_test(test_source_text_round_trip),
		cmocka_unit_test(test_copy_while_written),
		cmocka_unit_test(test_copy_trimmed),
		cmocka_unit_test(test_srccap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
