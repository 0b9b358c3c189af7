/* sqlite_leak: a leak that sits inside libsqlite3, under the program's own
 * serve_request().
 *
 * Usage: sqlite_leak [REQ_PER_SEC [MAX_SECONDS]]
 *
 * Serves REQ_PER_SEC (default 200) requests a second against an in-memory
 * database.  Each request prepares a statement, steps it and
 *   - LEAKS: in serve_request(), keeps the statement (never finalized), so
 *     what sqlite3_prepare_v2 allocated inside libsqlite3 (through many of
 *     its internal stacks) stays live;
 *   - must NOT be flagged: in lookup(), prepares, steps and finalizes a
 *     second statement (churn inside the same library).
 * The heap rows of the leak must read as one: serve_request ->
 * sqlite3_prepare_v2 (libsqlite3...).
 * Prints "started PID", then "served N" every second.  Exits 0 on SIGTERM,
 * SIGINT or SIGHUP, and after MAX_SECONDS (default 600).
 */
#include "target.h"

#include <sqlite3.h>

static sqlite3 *db;
static volatile long sink;

__attribute__((noinline)) static void lookup(long id)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT v FROM kv WHERE k = ?1", -1, &st, NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_int64(st, 1, id % 64);
	while (sqlite3_step(st) == SQLITE_ROW)
		sink += sqlite3_column_bytes(st, 0);
	sqlite3_finalize(st);
}

__attribute__((noinline)) static void serve_request(long id)
{
	sqlite3_stmt *st;

	/* A statement text per request, as code that builds SQL does. */
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT k, v, length(v) + %ld FROM kv WHERE k > ?1 ORDER BY k LIMIT 3", id);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_int64(st, 1, id % 32);
	if (sqlite3_step(st) == SQLITE_ROW)
		sink += sqlite3_column_int64(st, 0);
	/* The statement is dropped: nothing finalizes it. */
	lookup(id);
}

int main(int argc, char **argv)
{
	long rate = target_arg_long(argc, argv, 1, 200);
	unsigned max = target_arg_seconds(argc, argv, 2, 600);
	struct target_pace pace;
	long served = 0, steps = 10;

	if (rate < 10 || rate > 100000 || !max)
		return target_usage("sqlite_leak [REQ_PER_SEC [MAX_SECONDS]]");
	target_stop_on_signals(max, NULL);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT);"
			 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 63) "
			 "INSERT INTO kv SELECT i, printf('value %d', i) FROM n;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return 1;
	target_say_started();
	target_pace_start(&pace, steps);
	for (;;) {
		for (long i = 0; i < rate / steps; i++)
			serve_request(served++);
		if (served % rate < rate / steps)
			target_say("served %ld\n", served);
		target_pace_wait(&pace);
	}
}
