/* The heap agent's cost and losses in the session file (part of the
 * store; see lt_store_int.h and doc/schema.md): one heap_agent row per
 * model row, at the tick it was taken.  Files written before the table
 * existed load with none. */
#include "lt_store_int.h"

#include <stdio.h>
#include <string.h>

#define NCOLS 14

static void cols(const struct lt_agent_stat *a, int64_t *c)
{
	const int64_t v[NCOLS] = {a->samples, a->tracked, a->dropped, a->dropped_bytes,
				  a->sample_ns, a->free_hits, a->lock_waits, a->cpu_ns,
				  a->agent_cpu_ns, a->table_cap, a->grows, a->deferred,
				  a->reused, a->behind_ms};

	memcpy(c, v, sizeof(v));
}

int lt_store_agent_write(sqlite3 *db, struct lt_store_agent *cur,
			 const lt_model *m, int64_t tick_id, const char *path,
			 lt_err *err)
{
	size_t n = lt_model_agent_stat_count(m);

	if (cur->rows == n)
		return 0;
	if (!cur->ins &&
	    sqlite3_prepare_v3(db, "INSERT OR REPLACE INTO heap_agent (tick_id, samples, "
			       "tracked, dropped, dropped_bytes, sample_ns, free_hits, "
			       "lock_waits, cpu_ns, agent_cpu_ns, table_cap, grows, deferred, "
			       "reused, behind_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
			       SQLITE_PREPARE_PERSISTENT, &cur->ins, NULL) != SQLITE_OK)
		return lt_store_write_fail(db, path, err);
	/* Rows of ticks that failed to commit go in with this tick: the
	 * last of them is what holds as of it. */
	for (size_t i = cur->rows; i < n; i++) {
		int64_t c[NCOLS];

		cols(lt_model_agent_stat(m, i), c);
		sqlite3_bind_int64(cur->ins, 1, tick_id);
		for (int k = 0; k < NCOLS; k++)
			sqlite3_bind_int64(cur->ins, 2 + k, c[k]);
		if (lt_store_step(db, cur->ins, path, err) < 0)
			return -1;
	}
	return 0;
}

void lt_store_agent_commit(struct lt_store_agent *cur, const lt_model *m)
{
	cur->rows = lt_model_agent_stat_count(m);
}

void lt_store_agent_free(struct lt_store_agent *cur)
{
	sqlite3_finalize(cur->ins);
	memset(cur, 0, sizeof(*cur));
}

int lt_store_agent_load(sqlite3 *db, lt_model *m, const char *path, lt_err *err)
{
	sqlite3_stmt *s = NULL;
	char have[8], sql[512];
	double last_t = -1;
	int rc, reused, behind;

	if (lt_store_query_text(db, "SELECT count(*) FROM sqlite_master WHERE "
				"name = 'heap_agent'", have, sizeof(have)) != SQLITE_OK)
		goto corrupt;
	if (strcmp(have, "1") != 0)
		return 0;               /* written before the table existed */
	/* reused and behind_ms came later, without a version change: 0
	 * when absent. */
	if (lt_store_query_text(db, "SELECT count(*) FROM pragma_table_info('heap_agent') "
				"WHERE name = 'reused'", have, sizeof(have)) != SQLITE_OK)
		goto corrupt;
	reused = strcmp(have, "1") == 0;
	if (lt_store_query_text(db, "SELECT count(*) FROM pragma_table_info('heap_agent') "
				"WHERE name = 'behind_ms'", have, sizeof(have)) != SQLITE_OK)
		goto corrupt;
	behind = strcmp(have, "1") == 0;
	snprintf(sql, sizeof(sql), "SELECT t.t, a.samples, a.tracked, a.dropped, "
		 "a.dropped_bytes, a.sample_ns, a.free_hits, a.lock_waits, "
		 "a.cpu_ns, a.agent_cpu_ns, a.table_cap, a.grows, a.deferred, %s, %s "
		 "FROM heap_agent a JOIN tick t ON t.id = a.tick_id ORDER BY a.tick_id",
		 reused ? "a.reused" : "0", behind ? "a.behind_ms" : "0");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		goto corrupt;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lt_agent_stat a = {.t = sqlite3_column_double(s, 0)};
		int64_t *f[NCOLS] = {&a.samples, &a.tracked, &a.dropped, &a.dropped_bytes,
				     &a.sample_ns, &a.free_hits, &a.lock_waits, &a.cpu_ns,
				     &a.agent_cpu_ns, &a.table_cap, &a.grows, &a.deferred,
				     &a.reused, &a.behind_ms};

		for (int k = 0; k < NCOLS; k++) {
			if (sqlite3_column_type(s, 1 + k) != SQLITE_INTEGER ||
			    (*f[k] = sqlite3_column_int64(s, 1 + k)) < 0) {
				lt_err_set(err, LT_EXIT_FILE, "%s is corrupt: heap_agent at %.3f s: "
					   "column %s is %s", path, a.t, sqlite3_column_name(s, 1 + k),
					   sqlite3_column_type(s, 1 + k) == SQLITE_INTEGER ?
					   "negative" : "not a whole number");
				sqlite3_finalize(s);
				return -1;
			}
		}
		if (!(a.t > last_t)) {
			lt_err_set(err, LT_EXIT_FILE, "%s is corrupt: heap_agent rows out of "
				   "time order at %.3f s", path, a.t);
			sqlite3_finalize(s);
			return -1;
		}
		last_t = a.t;
		lt_model_add_agent_stat(m, &a);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
corrupt:
	lt_err_set(err, LT_EXIT_FILE, "%s is corrupt or truncated: %s", path,
		   sqlite3_errmsg(db));
	return -1;
}
