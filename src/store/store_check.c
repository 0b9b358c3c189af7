/* What a session file says, checked before it is loaded (part of the
 * store; lt_store_int.h).  A session file is input like any other: it may
 * be damaged, hand-edited or crafted.  SQLite keeps its pages sound
 * (quick_check), not its values: a column declared INTEGER holds whatever
 * was put in it, text or 1e300 included, and a negative size or an INT64
 * extreme would be printed as data ("-8388608 TiB live", "-7 threads").
 * Every number a reader shows is checked here against what a recording
 * can have written; the first impossible one refuses the file, naming
 * table, row and column. */
#include "lt_store_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Limits of what a recording writes.  Sizes and event counts stay below
 * 2^53 (8 PiB; exact as a double, which the model computes in); threads
 * below the kernel's PID_MAX_LIMIT; times below a year. */
#define BIG (INT64_C(1) << 53)
#define THREADS 4194304
#define GOROUTINES (INT64_C(1) << 32)
#define NS_YEAR INT64_C(31622400000000000)

/* One column to check: values must be integers in [lo, hi] (NULL allowed
 * when nullable).  A table's columns are consecutive: one scan each. */
struct col {
	const char *table, *key, *column;
	int64_t lo, hi;
	int nullable;
};

/* key: the SQL naming a row for the reader. */
#define TICK "'id ' || id"
#define MV "'metric_id ' || metric_id || ', tick_id ' || tick_id"
#define HV "'site_id ' || site_id || ', tick_id ' || tick_id"
#define GC "'group_id ' || group_id || ', tick_id ' || tick_id"
#define TS "'tick_id ' || tick_id"

static const struct col cols[] = {
	{"tick", TICK, "wall_ns", 0, INT64_MAX, 0},
	{"metric_value", MV, "value", 0, BIG, 1},
	{"stack", TICK, "depth", 0, 1024, 0},
	{"stack_frame", "'stack_id ' || stack_id || ', pos ' || pos", "pos", 0, 1023, 0},
	{"heap_site", TICK, "first_tick", 1, INT64_MAX, 0},
	{"heap_site", TICK, "kind", 0, 31, 0},
	{"heap_value", HV, "live_bytes", 0, BIG, 0},
	{"heap_value", HV, "live_count", 0, BIG, 0},
	{"heap_value", HV, "alloc_bytes", 0, BIG, 0},
	{"heap_value", HV, "alloc_count", 0, BIG, 0},
	{"heap_value", HV, "free_bytes", 0, BIG, 0},
	{"heap_value", HV, "free_count", 0, BIG, 0},
	{"heap_value", HV, "samples", 0, BIG, 0},
	{"heap_value", HV, "samples_freed", 0, BIG, 0},
	{"heap_value", HV, "age_sum_ms", 0, BIG, 0},
	{"heap_value", HV, "oldest_ms", 0, BIG, 0},
	{"heap_value", HV, "alloc_ubytes", 0, BIG, 0},
	{"thread_count", GC, "count", 0, THREADS, 0},
	{"thread_sample", TS, "sampled", 0, THREADS, 0},
	{"thread_sample", TS, "skipped", 0, THREADS, 0},
	{"thread_sample", TS, "unseen", 0, THREADS, 1},
	{"thread_sample", TS, "max_stop_ns", 0, NS_YEAR, 0},
	{"thread_sample", TS, "total_stop_ns", 0, NS_YEAR, 0},
	{"goroutine_count", GC, "count", 0, GOROUTINES, 0},
	{"goroutine_sample", TS, "goroutines", 0, GOROUTINES, 0},
	{"goroutine_sample", TS, "dropped", 0, GOROUTINES, 0},
	{"goroutine_sample", TS, "read_ns", 0, NS_YEAR, 0},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

/* Rows breaking a rule that spans rows or is not a plain range: the query
 * returns (row, what) of the first offender. */
struct rule {
	const char *table, *sql;
};

static const struct rule rules[] = {
	/* Seconds since the start: a number, from 0 to a year, strictly
	 * after the tick before (ticks are taken at least 10 ms apart, on the
	 * monotonic clock).  The wall clock may step back (NTP): an end_ns
	 * before start_ns is possible and the report then uses the ticks. */
	{"tick", "SELECT 'id ' || id, 't is ' || quote(t) || ', not a time in seconds' "
		 "FROM tick WHERE typeof(t) NOT IN ('integer', 'real') "
		 "OR t < 0 OR t > 31622400 LIMIT 1"},
	{"tick", "SELECT 'id ' || id, 't is ' || t || ', not after the tick before (' || p || ')' "
		 "FROM (SELECT id, t, lag(t) OVER (ORDER BY id) AS p FROM tick) "
		 "WHERE p IS NOT NULL AND t <= p LIMIT 1"},
	{"thread_group", "SELECT 'id ' || id, 'state is ' || quote(state) || ', not one letter' "
			 "FROM thread_group WHERE typeof(state) != 'text' OR length(state) != 1 LIMIT 1"},
	{"meta", "SELECT 'key ' || key, 'value ' || quote(value) || ' is not an interval in seconds' "
		 "FROM meta WHERE key = 'interval' AND (CAST(value AS REAL) <= 0 "
		 "OR CAST(value AS REAL) > 86400) LIMIT 1"},
	{"meta", "SELECT 'key ' || key, 'value ' || quote(value) || ' is not a time since the epoch' "
		 "FROM meta WHERE key IN ('start_ns', 'end_ns') AND (CAST(value AS INTEGER) < 0 "
		 "OR length(value) > 19) LIMIT 1"},
};

/* Whether table (and column, unless NULL) exist: files written before a
 * table or column was added lack them. */
static int exists(sqlite3 *db, const char *table, const char *column)
{
	char sql[256], buf[8];

	if (column)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM pragma_table_info('%s') "
			 "WHERE name = '%s'", table, column);
	else
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master "
			 "WHERE type = 'table' AND name = '%s'", table);
	return lt_store_query_text(db, sql, buf, sizeof(buf)) == SQLITE_OK &&
	       strcmp(buf, "0") != 0;
}

/* Copies at most n - 1 bytes of s into buf, control and non-ASCII bytes
 * as '?': the text is the file's, and ends on a terminal. */
static void clean(char *buf, size_t n, const unsigned char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < n; s++)
		buf[i++] = *s >= 0x20 && *s < 0x7f ? (char)*s : '?';
	buf[i] = '\0';
}

static void refuse(const char *path, const char *table, const unsigned char *row,
		   const char *what, lt_err *err)
{
	char r[64];

	clean(r, sizeof(r), row);
	lt_err_set(err, LT_EXIT_FILE, "%s holds an impossible value, refused: "
		   "table %s, row (%s): %s", path, table, r, what);
}

/* Runs a rule (its query returns row, what); a row refuses the file.
 * Returns 0 when no row, 1 when refused, -1 when SQLite fails. */
static int offender(sqlite3 *db, const struct rule *ru, const char *path,
		    lt_err *err)
{
	sqlite3_stmt *s;
	char what[128];
	int rc;

	if (sqlite3_prepare_v2(db, ru->sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		clean(what, sizeof(what), sqlite3_column_text(s, 1));
		refuse(path, ru->table, sqlite3_column_text(s, 0), what, err);
		rc = 1;
	} else {
		rc = rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(s);
	return rc;
}

/* What is wrong with column k of row s (the check failed on it), in what;
 * 0 if nothing. */
static int judge(sqlite3_stmt *s, int k, const struct col *c, char *what,
		 size_t n)
{
	int type = sqlite3_column_type(s, k);
	int64_t v = sqlite3_column_int64(s, k);
	char text[48];

	if (type == SQLITE_NULL && c->nullable)
		return 0;
	if (type != SQLITE_INTEGER) {
		clean(text, sizeof(text), sqlite3_column_text(s, k));
		snprintf(what, n, "%s is %s'%s', not a whole number", c->column,
			 type == SQLITE_NULL ? "NULL " : "", type == SQLITE_NULL ? "" : text);
		return 1;
	}
	if (v < c->lo || v > c->hi) {
		snprintf(what, n, "%s is %lld, %s %lld", c->column, (long long)v,
			 v < c->lo ? "below" : "above",
			 (long long)(v < c->lo ? c->lo : c->hi));
		return 1;
	}
	return 0;
}

/* Checks the columns cols[from, to) of one table in one scan.  Returns 0,
 * 1 when refused, -1 when SQLite fails. */
static int check_table(sqlite3 *db, size_t from, size_t to, const char *path,
		       lt_err *err)
{
	const struct col *c0 = &cols[from];
	const struct col *use[NCOLS];
	char sel[4096], where[3072], what[160];
	size_t n = 0, ls, lw = 0;
	sqlite3_stmt *s;
	int rc;

	if (!exists(db, c0->table, NULL))
		return 0;
	ls = (size_t)snprintf(sel, sizeof(sel), "SELECT %s", c0->key);
	for (size_t i = from; i < to; i++) {
		const struct col *c = &cols[i];

		if (!exists(db, c->table, c->column))
			continue;
		use[n++] = c;
		ls += (size_t)snprintf(sel + ls, sizeof(sel) - ls, ", %s", c->column);
		lw += (size_t)snprintf(where + lw, sizeof(where) - lw,
			"%s(%s%s%s(typeof(%s) != 'integer' OR %s < %lld OR %s > %lld))",
			lw ? " OR " : "", c->nullable ? "typeof(" : "",
			c->nullable ? c->column : "",
			c->nullable ? ") != 'null' AND " : "", c->column, c->column,
			(long long)c->lo, c->column, (long long)c->hi);
	}
	if (!n)
		return 0;
	/* The table above fits; a cut query would fail to prepare anyway. */
	if (lw >= sizeof(where) || ls >= sizeof(sel) ||
	    (size_t)snprintf(sel + ls, sizeof(sel) - ls, " FROM %s WHERE %s LIMIT 1",
			     c0->table, where) >= sizeof(sel) - ls)
		return -1;
	if (sqlite3_prepare_v2(db, sel, -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		for (size_t k = 0; k < n; k++)
			if (judge(s, (int)k + 1, use[k], what, sizeof(what)))
				break;
		refuse(path, c0->table, sqlite3_column_text(s, 0), what, err);
		rc = 1;
	} else {
		rc = rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(s);
	return rc;
}

int lt_store_check(sqlite3 *db, const char *path, lt_err *err)
{
	int rc = 0;

	for (size_t i = 0, j; i < NCOLS && !rc; i = j) {
		for (j = i + 1; j < NCOLS && !strcmp(cols[j].table, cols[i].table); j++)
			;
		rc = check_table(db, i, j, path, err);
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && !rc; i++)
		if (exists(db, rules[i].table, NULL))
			rc = offender(db, &rules[i], path, err);
	if (rc < 0)
		lt_err_set(err, LT_EXIT_FILE, "cannot read %s: %s", path,
			   sqlite3_errmsg(db));
	return rc ? -1 : 0;
}
