/* Goroutine groups in the session file (part of the store; see
 * doc/schema.md): the model's second lt_tgroups, in goroutine_group,
 * goroutine_creator, goroutine_count (at the ticks where a count changed)
 * goroutine_sample and goroutine_wait (the start of each group's longest
 * wait, at the ticks where it changed).  Files written before these tables existed load
 * with no goroutine groups. */
#include "lt_store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { S_GROUP, S_CREATOR, S_COUNT, S_SAMPLE, S_WAIT, S_N };
_Static_assert(S_N == sizeof(((struct lt_store_goroutines *)0)->stmt) / sizeof(sqlite3_stmt *),
	       "one prepared statement per kind of row");

static const char *const sql[S_N] = {
	[S_GROUP] = "INSERT INTO goroutine_group (id, stack_id, status, wait_reason) VALUES (?, ?, ?, ?)",
	[S_CREATOR] = "INSERT OR IGNORE INTO goroutine_creator (group_id, name) VALUES (?, ?)",
	[S_COUNT] = "INSERT OR REPLACE INTO goroutine_count (group_id, tick_id, count) VALUES (?, ?, ?)",
	[S_SAMPLE] = "INSERT OR REPLACE INTO goroutine_sample (tick_id, goroutines, dropped, read_ns) VALUES (?, ?, ?, ?)",
	[S_WAIT] = "INSERT OR REPLACE INTO goroutine_wait (group_id, tick_id, since) VALUES (?, ?, ?)",
};

static void reserve(struct lt_store_goroutines *c, size_t n)
{
	if (n <= c->cap)
		return;
	c->names = lt_xrealloc(c->names, n * sizeof(size_t));
	c->last = lt_xrealloc(c->last, n * sizeof(int64_t));
	c->since = lt_xrealloc(c->since, n * sizeof(double));
	for (size_t i = c->cap; i < n; i++) {
		c->names[i] = 0;
		c->last[i] = 0;
		c->since[i] = NAN;
	}
	c->cap = n;
}

static int write_groups(sqlite3 *db, struct lt_store_goroutines *c, const lt_tgroups *g,
			const char *path, lt_err *err)
{
	for (size_t i = 0; i < lt_tgroups_count(g); i++) {
		const struct lt_tgroup *gr = lt_tgroups_get(g, i);
		char st[2] = {gr->state, '\0'};
		sqlite3_stmt *s = c->stmt[S_GROUP];

		if (i >= c->groups) {
			sqlite3_bind_int64(s, 1, (int64_t)i + 1);
			if (gr->stack != LT_NONE)
				sqlite3_bind_int64(s, 2, (int64_t)gr->stack + 1);
			sqlite3_bind_text(s, 3, st, -1, SQLITE_TRANSIENT);
			if (gr->syscall)
				sqlite3_bind_text(s, 4, gr->syscall, -1, SQLITE_STATIC);
			if (lt_store_step(db, s, path, err) < 0)
				return -1;
		}
		for (size_t k = i < c->groups ? c->names[i] : 0; k < gr->nnames; k++) {
			s = c->stmt[S_CREATOR];
			sqlite3_bind_int64(s, 1, (int64_t)i + 1);
			sqlite3_bind_text(s, 2, gr->names[k], -1, SQLITE_STATIC);
			if (lt_store_step(db, s, path, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int same_since(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* The wait starts that changed since they were last persisted. */
static int write_waits(sqlite3 *db, struct lt_store_goroutines *c, const lt_tgroups *g,
		       int64_t tick_id, const char *path, lt_err *err)
{
	size_t ns = lt_tgroups_sample_count(g);

	for (size_t i = 0; ns && i < lt_tgroups_count(g); i++) {
		double t = lt_tgroups_since(g, i, ns - 1);
		sqlite3_stmt *s = c->stmt[S_WAIT];

		if (same_since(t, c->since[i]))
			continue;
		sqlite3_bind_int64(s, 1, (int64_t)i + 1);
		sqlite3_bind_int64(s, 2, tick_id);
		if (isnan(t))
			sqlite3_bind_null(s, 3);
		else
			sqlite3_bind_double(s, 3, t);
		if (lt_store_step(db, s, path, err) < 0)
			return -1;
	}
	return 0;
}

int lt_store_goroutines_write(sqlite3 *db, struct lt_store_goroutines *c,
			      const lt_model *m, int64_t tick_id,
			      const char *path, lt_err *err)
{
	const lt_tgroups *g = lt_model_goroutines_c(m);
	int64_t *last;
	int rc;

	if (lt_tgroups_sample_count(g) == c->samples && lt_tgroups_count(g) == c->groups)
		return 0;
	for (int i = 0; i < S_N; i++)
		if (!c->stmt[i] &&
		    sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &c->stmt[i], NULL) != SQLITE_OK)
			return lt_store_write_fail(db, path, err);
	reserve(c, lt_tgroups_count(g));
	if (write_groups(db, c, g, path, err) < 0 ||
	    write_waits(db, c, g, tick_id, path, err) < 0)
		return -1;
	/* c->last moves only on commit: a failed tick is written again. */
	last = lt_xmalloc((c->cap ? c->cap : 1) * sizeof(int64_t));
	if (c->cap)
		memcpy(last, c->last, c->cap * sizeof(int64_t));
	/* Samples taken since the last commit (at most one per tick) and
	 * the counts that changed; last is a scratch copy of c->last. */
	rc = lt_store_group_counts(db, g, c->samples, last, c->stmt[S_SAMPLE],
				   c->stmt[S_COUNT], 0, tick_id, path, err);
	free(last);
	return rc;
}

void lt_store_goroutines_commit(struct lt_store_goroutines *c,
				const lt_model *m)
{
	const lt_tgroups *g = lt_model_goroutines_c(m);
	size_t ns = lt_tgroups_sample_count(g);

	c->groups = lt_tgroups_count(g);
	reserve(c, c->groups);
	for (size_t i = 0; i < c->groups; i++) {
		c->names[i] = lt_tgroups_get(g, i)->nnames;
		if (ns) {
			c->last[i] = lt_tgroups_value(g, i, ns - 1);
			c->since[i] = lt_tgroups_since(g, i, ns - 1);
		}
	}
	c->samples = ns;
}

void lt_store_goroutines_free(struct lt_store_goroutines *c)
{
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(c->stmt[i]);
	free(c->names);
	free(c->last);
	free(c->since);
	memset(c, 0, sizeof(*c));
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                  */

static int load_fail(sqlite3 *db, const char *path, const char *why, lt_err *err)
{
	lt_err_set(err, LT_EXIT_FILE, "%s: %s", path, why ? why : sqlite3_errmsg(db));
	return -1;
}

static const char *text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static int load_groups(sqlite3 *db, lt_tgroups *g, size_t nstacks,
		       const char *path, lt_err *err)
{
	sqlite3_stmt *s;
	int rc, ok = 1;

	if (sqlite3_prepare_v2(db, "SELECT id, stack_id, status, wait_reason "
			       "FROM goroutine_group ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return load_fail(db, path, NULL, err);
	while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0), sid = sqlite3_column_int64(s, 1);
		size_t stack = LT_NONE;
		const char *st = text(s, 2);

		if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
			if (sid < 1 || (size_t)sid > nstacks)
				ok = 0;
			stack = (size_t)sid - 1;
		}
		ok = ok && id == (int64_t)lt_tgroups_count(g) + 1 &&
		     lt_tgroups_intern(g, stack, st && *st ? st[0] : '?',
				       text(s, 3)) == (size_t)id - 1;
	}
	sqlite3_finalize(s);
	if (!ok)
		return load_fail(db, path, "goroutine groups out of order", err);
	if (rc != SQLITE_DONE ||
	    sqlite3_prepare_v2(db, "SELECT group_id, name FROM goroutine_creator",
			       -1, &s, NULL) != SQLITE_OK)
		return load_fail(db, path, NULL, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		if (id >= 1 && (size_t)id <= lt_tgroups_count(g))
			lt_tgroups_add_name(g, (size_t)id - 1, text(s, 1));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : load_fail(db, path, NULL, err);
}

/* Samples in tick order, each group's count carried forward from the rows
 * where it changed. */
static int load_counts(sqlite3 *db, lt_tgroups *g, const char *path, lt_err *err)
{
	size_t ngroups = lt_tgroups_count(g);
	int64_t *last = lt_xcalloc(ngroups ? ngroups : 1, sizeof(int64_t));
	sqlite3_stmt *s = NULL, *c = NULL;
	int rc = SQLITE_ERROR, rcc;

	if (sqlite3_prepare_v2(db, "SELECT gs.tick_id, t.t, gs.goroutines, gs.dropped, gs.read_ns "
			       "FROM goroutine_sample gs JOIN tick t ON t.id = gs.tick_id "
			       "ORDER BY gs.tick_id", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT group_id, tick_id, count FROM goroutine_count "
			       "ORDER BY tick_id", -1, &c, NULL) != SQLITE_OK)
		goto out;
	rcc = sqlite3_step(c);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t tick = sqlite3_column_int64(s, 0);
		struct lt_tsample ts = {
			.t = sqlite3_column_double(s, 1),
			.sampled = sqlite3_column_int64(s, 2),
			.skipped = sqlite3_column_int64(s, 3),
			.max_stop_ns = sqlite3_column_int64(s, 4),
			.unseen = sqlite3_column_int64(s, 3),
		};
		size_t k = lt_tgroups_sample_count(g);

		lt_tgroups_begin(g, &ts);
		lt_tgroups_end(g);
		for (; rcc == SQLITE_ROW && sqlite3_column_int64(c, 1) <= tick;
		     rcc = sqlite3_step(c)) {
			int64_t id = sqlite3_column_int64(c, 0);

			if (id >= 1 && (size_t)id <= ngroups)
				last[id - 1] = sqlite3_column_int64(c, 2);
		}
		for (size_t i = 0; i < ngroups; i++)
			if (last[i])
				lt_tgroups_set(g, i, k, last[i]);
	}
out:
	sqlite3_finalize(s);
	sqlite3_finalize(c);
	free(last);
	return rc == SQLITE_DONE ? 0 : load_fail(db, path, NULL, err);
}

/* goroutine_wait rows onto the samples of their ticks (a file written
 * before the table existed has no wait times). */
static int load_waits(sqlite3 *db, lt_tgroups *g, const char *path, lt_err *err)
{
	sqlite3_stmt *s = NULL;
	size_t ngroups = lt_tgroups_count(g);
	char have[8];
	int rc;

	if (lt_store_query_text(db, "SELECT count(*) FROM sqlite_master WHERE "
				"name = 'goroutine_wait'", have, sizeof(have)) != SQLITE_OK)
		return load_fail(db, path, NULL, err);
	if (strcmp(have, "1") != 0)
		return 0;
	/* A sample's index is its rank among the goroutine samples. */
	if (sqlite3_prepare_v2(db, "SELECT w.group_id, w.since, (SELECT count(*) FROM "
			       "goroutine_sample gs WHERE gs.tick_id < w.tick_id) "
			       "FROM goroutine_wait w ORDER BY w.tick_id", -1, &s,
			       NULL) != SQLITE_OK)
		return load_fail(db, path, NULL, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0), k = sqlite3_column_int64(s, 2);
		double t = sqlite3_column_type(s, 1) == SQLITE_NULL ? NAN
			   : sqlite3_column_double(s, 1);

		if (id >= 1 && (size_t)id <= ngroups && k >= 0 &&
		    (size_t)k < lt_tgroups_sample_count(g))
			lt_tgroups_set_since(g, (size_t)id - 1, (size_t)k, t);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : load_fail(db, path, NULL, err);
}

int lt_store_goroutines_load(sqlite3 *db, lt_model *m, const char *path,
			     lt_err *err)
{
	lt_tgroups *g = lt_model_goroutines(m);
	char have[8];

	if (lt_store_query_text(db, "SELECT count(*) FROM sqlite_master WHERE "
				"name = 'goroutine_group'", have, sizeof(have)) != SQLITE_OK)
		return load_fail(db, path, NULL, err);
	if (strcmp(have, "1") != 0)
		return 0;               /* written before goroutines were read */
	if (load_groups(db, g, lt_stacktab_stack_count(lt_model_stacks_c(m)),
			path, err) < 0)
		return -1;
	if (load_counts(db, g, path, err) < 0)
		return -1;
	return load_waits(db, g, path, err);
}
