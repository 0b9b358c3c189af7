/* Heap call sites in the session file (part of the store; see lt_store.h
 * and doc/schema.md): heap_site once per site, heap_value only at the ticks
 * where a site's counters changed, and meta 'heap_sample_rate'. */
#include "lt_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(sqlite3 *db, const char *path, lt_err *err)
{
	lt_err_set(err, LT_EXIT_ERROR, "cannot write %s: %s", path,
		   sqlite3_errmsg(db));
	return -1;
}

static int prepare_once(sqlite3 *db, sqlite3_stmt **s, const char *sql)
{
	if (*s)
		return SQLITE_OK;
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL);
}

static int run(sqlite3 *db, sqlite3_stmt *s, const char *path, lt_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : fail(db, path, err);
}

static int write_value(sqlite3 *db, struct lt_store_heap *cur, size_t i,
		       int64_t tick_id, const struct lt_hval *v,
		       const char *path, lt_err *err)
{
	sqlite3_stmt *s = cur->heap_value;

	sqlite3_bind_int64(s, 1, (int64_t)i + 1);
	sqlite3_bind_int64(s, 2, tick_id);
	sqlite3_bind_int64(s, 3, v->live_bytes);
	sqlite3_bind_int64(s, 4, v->live_count);
	sqlite3_bind_int64(s, 5, v->alloc_bytes);
	sqlite3_bind_int64(s, 6, v->alloc_count);
	return run(db, s, path, err);
}

int lt_store_heap_write(sqlite3 *db, struct lt_store_heap *cur,
			const lt_model *m, int64_t tick_id, const char *path,
			lt_err *err)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	size_t ns = lt_hsites_sample_count(h), n = lt_hsites_count(h);

	if (ns == cur->hsamples && n == cur->sites &&
	    lt_hsites_rate(h) == cur->heap_rate)
		return 0;
	if (prepare_once(db, &cur->heap_site,
			 "INSERT INTO heap_site (id, stack_id, first_tick) VALUES (?, ?, ?)") ||
	    prepare_once(db, &cur->heap_value,
			 "INSERT OR REPLACE INTO heap_value (site_id, tick_id, live_bytes, "
			 "live_count, alloc_bytes, alloc_count) VALUES (?, ?, ?, ?, ?, ?)"))
		return fail(db, path, err);
	if (lt_hsites_rate(h) != cur->heap_rate) {
		char sql[128];

		snprintf(sql, sizeof(sql),
			 "INSERT OR REPLACE INTO meta (key, value) VALUES "
			 "('heap_sample_rate', '%llu')",
			 (unsigned long long)lt_hsites_rate(h));
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return fail(db, path, err);
	}
	for (size_t i = cur->sites; i < n; i++) {
		sqlite3_stmt *s = cur->heap_site;

		sqlite3_bind_int64(s, 1, (int64_t)i + 1);
		sqlite3_bind_int64(s, 2, (int64_t)lt_hsites_get(h, i)->stack + 1);
		sqlite3_bind_int64(s, 3, tick_id);
		if (run(db, s, path, err) < 0)
			return -1;
	}
	if (ns == cur->hsamples || ns == 0)
		return 0;
	if (ns == cur->hsamples + 1) {
		/* The usual case: one new sample, its changes listed. */
		const size_t *idx;
		size_t nc = lt_hsites_changed(h, ns - 1, &idx);

		for (size_t c = 0; c < nc; c++) {
			struct lt_hval v;

			lt_hsites_value(h, idx[c], ns - 1, &v);
			if (write_value(db, cur, idx[c], tick_id, &v, path, err))
				return -1;
		}
		return 0;
	}
	/* Several samples since the last commit (one failed): whatever
	 * differs from what the file holds. */
	for (size_t i = 0; i < n; i++) {
		struct lt_hval a = {0, 0, 0, 0}, b;

		if (cur->hsamples && i < cur->sites)
			lt_hsites_value(h, i, cur->hsamples - 1, &a);
		lt_hsites_value(h, i, ns - 1, &b);
		if ((i >= cur->sites || memcmp(&a, &b, sizeof(a))) &&
		    write_value(db, cur, i, tick_id, &b, path, err))
			return -1;
	}
	return 0;
}

void lt_store_heap_commit(struct lt_store_heap *cur, const lt_model *m)
{
	const lt_hsites *h = lt_model_hsites_c(m);

	cur->sites = lt_hsites_count(h);
	cur->hsamples = lt_hsites_sample_count(h);
	cur->heap_rate = lt_hsites_rate(h);
}

void lt_store_heap_free(struct lt_store_heap *cur)
{
	sqlite3_finalize(cur->heap_site);
	sqlite3_finalize(cur->heap_value);
	memset(cur, 0, sizeof(*cur));
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                  */

struct hrow {
	int64_t site, tick;
	struct lt_hval v;
};

static int load_fail(sqlite3 *db, const char *path, lt_err *err)
{
	lt_err_set(err, LT_EXIT_FILE, "%s is corrupt or truncated: %s", path,
		   sqlite3_errmsg(db));
	return -1;
}

static int bad(const char *path, const char *what, lt_err *err)
{
	lt_err_set(err, LT_EXIT_FILE, "%s is corrupt: %s", path, what);
	return -1;
}

/* Heap samples are the ticks from the first heap site's first tick on,
 * one per tick, as the recorder took them. */
int lt_store_heap_load(sqlite3 *db, lt_model *m, const char *path,
		       lt_err *err)
{
	lt_hsites *h = lt_model_hsites(m);
	size_t nstacks = lt_stacktab_stack_count(lt_model_stacks_c(m));
	int64_t *site_stack = NULL, *site_first = NULL, first = INT64_MAX;
	size_t nsites = 0, scap = 0, nrows = 0, rcap = 0, r = 0, next_site = 0;
	struct hrow *rows = NULL;
	sqlite3_stmt *s = NULL;
	char rate[32];
	int rc = -1;

	if (lt_store_query_text(db, "SELECT value FROM meta WHERE key = 'heap_sample_rate'",
				rate, sizeof(rate)) == SQLITE_OK && rate[0])
		lt_hsites_set_rate(h, strtoull(rate, NULL, 10));
	if (sqlite3_prepare_v2(db, "SELECT id, stack_id, first_tick FROM heap_site ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return load_fail(db, path, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0), st = sqlite3_column_int64(s, 1);

		if (id != (int64_t)nsites + 1 || st < 1 || (size_t)st > nstacks) {
			sqlite3_finalize(s);
			rc = bad(path, "heap_site ids or stacks out of range", err);
			goto out;
		}
		if (nsites == scap) {
			scap = scap ? scap * 2 : 256;
			site_stack = lt_xrealloc(site_stack, scap * sizeof(int64_t));
			site_first = lt_xrealloc(site_first, scap * sizeof(int64_t));
		}
		site_stack[nsites] = st - 1;
		site_first[nsites] = sqlite3_column_int64(s, 2);
		if (site_first[nsites] < first)
			first = site_first[nsites];
		nsites++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = load_fail(db, path, err);
		goto out;
	}
	rc = -1;
	if (!nsites) {
		rc = 0;
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT site_id, tick_id, live_bytes, live_count, "
			       "alloc_bytes, alloc_count FROM heap_value ORDER BY tick_id, site_id",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = load_fail(db, path, err);
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct hrow *w;

		if (nrows == rcap) {
			rcap = rcap ? rcap * 2 : 1024;
			rows = lt_xrealloc(rows, rcap * sizeof(*rows));
		}
		w = &rows[nrows++];
		w->site = sqlite3_column_int64(s, 0);
		w->tick = sqlite3_column_int64(s, 1);
		w->v.live_bytes = sqlite3_column_int64(s, 2);
		w->v.live_count = sqlite3_column_int64(s, 3);
		w->v.alloc_bytes = sqlite3_column_int64(s, 4);
		w->v.alloc_count = sqlite3_column_int64(s, 5);
		if (w->site < 1 || (size_t)w->site > nsites) {
			sqlite3_finalize(s);
			rc = bad(path, "heap_value refers to no heap_site", err);
			goto out;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = load_fail(db, path, err);
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT id, t FROM tick WHERE id >= ? ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = load_fail(db, path, err);
		goto out;
	}
	sqlite3_bind_int64(s, 1, first);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t tick = sqlite3_column_int64(s, 0);
		static const struct lt_hval zero;

		lt_hsites_begin(h, sqlite3_column_double(s, 1));
		size_t e = r, q = r;

		while (e < nrows && rows[e].tick <= tick)
			e++;
		/* New sites first, in id order, so indexes equal ids - 1;
		 * this tick's rows are sorted by site id too. */
		while (next_site < nsites && site_first[next_site] <= tick) {
			const struct lt_hval *v = &zero;

			while (q < e && (size_t)rows[q].site < next_site + 1)
				q++;
			if (q < e && (size_t)rows[q].site == next_site + 1)
				v = &rows[q].v;
			if (lt_hsites_set(h, (size_t)site_stack[next_site], v) !=
			    next_site) {
				sqlite3_finalize(s);
				rc = bad(path, "two heap sites with one stack", err);
				goto out;
			}
			next_site++;
		}
		for (; r < e; r++)
			if ((size_t)rows[r].site <= next_site)
				lt_hsites_set(h, (size_t)site_stack[rows[r].site - 1],
					      &rows[r].v);
		lt_hsites_end(h);
	}
	sqlite3_finalize(s);
	rc = rc == SQLITE_DONE ? 0 : load_fail(db, path, err);
out:
	free(site_stack);
	free(site_first);
	free(rows);
	return rc;
}
