/* What a session file says is checked on load (issue 13): a file edited to
 * hold impossible values (negative sizes and counts, INT64 extremes, text
 * where numbers belong, ticks out of order or repeated) is refused with a
 * message naming table, row and column, never loaded and printed as data.
 * A sound file, and one written before a column was added, still loads.
 * A session with no tick says it holds no data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_model.h"
#include "lt_report.h"
#include "lt_store.h"

static char dir[] = "/tmp/lt-check-XXXXXX";
static char good[64], bad[64];

/* A session of 6 ticks: series, one heap site, a thread group. */
static void write_good(void)
{
	lt_err err = {0};
	lt_store *st = lt_store_create(good, 0, &err);
	lt_model *m = lt_model_new();
	struct lt_frame_sym y = {(char *)"leaky", (char *)"a.c", 3};
	lt_stacktab *t = lt_model_stacks(m);
	size_t fr, sk;

	assert_non_null(st);
	lt_model_meta(m)->pid = 77;
	lt_model_meta(m)->interval = 1;
	lt_model_meta(m)->start_ns = INT64_C(1700000000000000000);
	assert_int_equal(lt_store_write_meta(st, m, &err), 0);
	fr = lt_stacktab_frame_add(t, 0x1000, "/bin/a", NULL, 0x10, &y, 1);
	sk = lt_stacktab_stack_intern(t, &fr, 1);
	for (int k = 0; k < 6; k++) {
		struct lt_sample s = {.t = k, .wall_ns = INT64_C(1700000000000000000) + k};
		struct lt_hval v = {.live_bytes = 1000 * (k + 1), .live_count = k + 1,
				    .alloc_bytes = 1000 * (k + 1), .alloc_count = k + 1};
		struct lt_tsample ts = {.t = k, .sampled = 3};

		lt_sample_set(&s, LT_M_RSS_ANON, 4096 * (k + 1));
		lt_sample_set(&s, LT_M_THREADS, 4);
		lt_model_add_sample(m, &s);
		lt_hsites_begin(lt_model_hsites(m), k);
		lt_hsites_set(lt_model_hsites(m), sk, &v);
		lt_hsites_end(lt_model_hsites(m));
		lt_tgroups_begin(lt_model_tgroups(m), &ts);
		for (int i = 0; i < 3; i++)
			lt_tgroups_add(lt_model_tgroups(m), sk, 'S', "read", "w");
		lt_tgroups_end(lt_model_tgroups(m));
		assert_int_equal(lt_store_commit_tick(st, m, &err), 0);
	}
	assert_int_equal(lt_store_finish(st, INT64_C(1700000006000000000), "duration", &err), 0);
	lt_model_free(m);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(good, sizeof(good), "%s/good.db", dir);
	snprintf(bad, sizeof(bad), "%s/bad.db", dir);
	write_good();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(good);
	unlink(bad);
	rmdir(dir);
	return 0;
}

/* bad = good with sql applied. */
static void craft(const char *sql)
{
	char cmd[256];
	sqlite3 *db;
	char *msg = NULL;

	snprintf(cmd, sizeof(cmd), "cp %s %s", good, bad);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sqlite3_open(bad, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static void test_sound_file_loads(void **state)
{
	lt_model *m = NULL;
	lt_err err = {0};
	(void)state;

	if (lt_store_load(good, &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(lt_model_tick_count(m), 6);
	assert_null(lt_report_no_data(m, err.msg, sizeof(err.msg)));
	lt_model_free(m);
}

struct bad_case {
	const char *sql, *msg;
};

static const struct bad_case cases[] = {
	{"UPDATE heap_value SET live_bytes = -9223372036854775808 WHERE tick_id = 3",
	 "table heap_value, row (site_id 1, tick_id 3): live_bytes is -9223372036854775808, below 0"},
	{"UPDATE heap_value SET live_count = 9223372036854775807 WHERE tick_id = 2",
	 "table heap_value, row (site_id 1, tick_id 2): live_count is 9223372036854775807, above 9007199254740992"},
	{"UPDATE heap_value SET alloc_bytes = 'lots' WHERE tick_id = 4",
	 "table heap_value, row (site_id 1, tick_id 4): alloc_bytes is 'lots', not a whole number"},
	{"UPDATE metric_value SET value = -8 WHERE tick_id = 2",
	 "table metric_value, row (metric_id "},
	{"UPDATE metric_value SET value = 2.5 WHERE tick_id = 2",
	 ", tick_id 2): value is '2.5', not a whole number"},
	{"UPDATE thread_count SET count = -7",
	 "table thread_count, row (group_id 1, tick_id 1): count is -7, below 0"},
	{"UPDATE thread_sample SET sampled = 'x' || char(27) || '[2J' WHERE tick_id = 5",
	 "table thread_sample, row (tick_id 5): sampled is 'x?[2J', not a whole number"},
	{"UPDATE tick SET t = 1e300 WHERE id = 4",
	 "table tick, row (id 4): t is 1.0e+300, not a time in seconds"},
	{"UPDATE tick SET t = 'soon' WHERE id = 4",
	 "table tick, row (id 4): t is 'soon', not a time in seconds"},
	{"UPDATE tick SET t = 2.0 WHERE id = 4",         /* the same as tick 3 */
	 "table tick, row (id 4): t is 2.0, not after the tick before (2.0)"},
	{"UPDATE tick SET t = 0.5 WHERE id = 5",
	 "table tick, row (id 5): t is 0.5, not after the tick before (3.0)"},
	{"UPDATE tick SET wall_ns = -1 WHERE id = 2",
	 "table tick, row (id 2): wall_ns is -1, below 0"},
	{"UPDATE meta SET value = '-5' WHERE key = 'start_ns'",
	 "table meta, row (key start_ns): value '-5' is not a time since the epoch"},
	{"UPDATE meta SET value = '99999999999999999999' WHERE key = 'end_ns'",
	 "table meta, row (key end_ns): value '99999999999999999999' is not a time since the epoch"},
	{"UPDATE meta SET value = '1e300' WHERE key = 'interval'",
	 "table meta, row (key interval): value '1e300' is not an interval in seconds"},
	{"UPDATE thread_group SET state = 'sleeping'",
	 "table thread_group, row (id 1): state is 'sleeping', not one letter"},
	{"UPDATE stack SET depth = -1",
	 "table stack, row (id 1): depth is -1, below 0"},
};

static void test_impossible_values_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lt_model *m = (lt_model *)1;
		lt_err err = {0};

		craft(cases[i].sql);
		if (lt_store_load(bad, &m, &err) == 0)
			fail_msg("loaded after: %s", cases[i].sql);
		assert_null(m);
		assert_int_equal(err.code, LT_EXIT_FILE);
		if (!strstr(err.msg, "holds an impossible value, refused") ||
		    !strstr(err.msg, cases[i].msg))
			fail_msg("after %s\n  got:  %s\n  want: %s", cases[i].sql,
				 err.msg, cases[i].msg);
	}
}

/* Legal values at the edges, and a file from before thread_sample.unseen
 * and with NULL metric values (a series that stopped), load. */
static void test_edges_and_older_files_load(void **state)
{
	lt_model *m = NULL;
	lt_err err = {0};
	(void)state;

	craft("UPDATE heap_value SET live_bytes = 9007199254740992 WHERE tick_id = 6;"
	      "UPDATE metric_value SET value = NULL WHERE tick_id = 6;"
	      "UPDATE heap_value SET alloc_count = '12' WHERE tick_id = 1;"
	      "ALTER TABLE thread_sample DROP COLUMN unseen;");
	if (lt_store_load(bad, &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(lt_tgroups_sample_count(lt_model_tgroups_c(m)), 6);
	assert_int_equal(lt_tgroups_sample(lt_model_tgroups_c(m), 0)->unseen, 0);
	lt_model_free(m);
}

/* A session killed in its first 0.14 s: the schema and nothing else. */
static void test_no_data(void **state)
{
	lt_model *m = NULL;
	lt_err err = {0};
	char why[256];
	(void)state;

	craft("DELETE FROM heap_value; DELETE FROM heap_site; DELETE FROM thread_count;"
	      "DELETE FROM thread_sample; DELETE FROM metric_value; DELETE FROM tick;"
	      "DELETE FROM meta WHERE key != 'format'; DELETE FROM source;");
	if (lt_store_load(bad, &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_non_null(lt_report_no_data(m, why, sizeof(why)));
	assert_string_equal(why, "holds no data: killed or failed before its first tick "
			    "(or only just started)");
	lt_model_meta(m)->pid = 77;
	lt_report_no_data(m, why, sizeof(why));
	assert_string_equal(why, "holds no data: no tick of pid 77 (killed before its "
			    "first tick, or still starting)");
	lt_model_set_str(m, &lt_model_meta(m)->end_reason, "target exited\n\x1b[2J");
	lt_report_no_data(m, why, sizeof(why));
	assert_string_equal(why, "holds no data: ended (target exited??[2J) before its first tick");
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sound_file_loads),
		cmocka_unit_test(test_impossible_values_refused),
		cmocka_unit_test(test_edges_and_older_files_load),
		cmocka_unit_test(test_no_data),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
