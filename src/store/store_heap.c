/* Heap call sites in the session file (part of the store; see lt_store.h
 * and doc/schema.md): heap_site once per site, heap_value only at ticks
 * where a site's counters changed (by the row policy below), and meta
 * 'heap_sample_rate'. */
#include "lt_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int prepare_once(sqlite3 *db, sqlite3_stmt **s, const char *sql)
{
	if (*s)
		return SQLITE_OK;
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL);
}

/* The three families of sites, in heap_site's kind column. */
enum { FAM_ALLOC, FAM_FREE, FAM_FD, FAM_COUNT };
#define KIND_FD_BASE 16
#define KIND_GO 2          /* an allocation site of the Go heap profile */

static const lt_hsites *family(const lt_model *m, int f)
{
	return f == FAM_ALLOC ? lt_model_hsites_c(m) :
	       f == FAM_FREE ? lt_model_fsites_c(m) : lt_model_fdsites_c(m);
}

static int write_value(sqlite3 *db, struct lt_store_heap *cur, int64_t id,
		       int64_t tick_id, const struct lt_hval *v,
		       const char *path, lt_err *err)
{
	sqlite3_stmt *s = cur->heap_value;
	const int64_t col[] = {v->live_bytes, v->live_count, v->alloc_bytes,
			       v->alloc_count, v->free_bytes, v->free_count,
			       v->samples, v->samples_freed, v->age_sum_ms,
			       v->oldest_ms, v->alloc_ubytes};

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, tick_id);
	for (int c = 0; c < (int)(sizeof(col) / sizeof(col[0])); c++)
		sqlite3_bind_int64(s, 3 + c, col[c]);
	return lt_store_step(db, s, path, err);
}

/* Which rows heap_value gets (doc/schema.md).  A site whose counters
 * changed since its last row is written at once when it has no row yet,
 * or when its live_bytes or live_count leaves the range of the values
 * written for it so far (a new high: growth, at full resolution; a new
 * low: the site emptying); otherwise its row waits, at most
 * LT_STORE_HEAP_MAX_AGE seconds after its last one, and the end of the
 * session writes what still waits (lt_store_heap_flush).
 *
 * Why: 200 sites whose blocks churn change their sampled counters at
 * nearly every tick, within a range they keep; one row each per tick was
 * ~90 % of a session file (27 MiB/hour at the default 1 s interval).
 * What a reader judges stays: growth and emptying are written as they
 * happen, a value read at any tick is less than the maximum age old, and
 * a finished file ends on every site's last counters.  The age is in
 * seconds, not ticks: a user replaying a file reads it against the clock,
 * and a shorter --interval then costs no more rows per hour.  Go sites
 * are written at every change: each is a GC cycle's published state, and
 * their growth is judged cycle by cycle.
 *
 * A write only decides (cur->act); lt_store_heap_commit applies the
 * decisions, so a tick that fails is decided again from the same state. */
enum { LT_HACT_WROTE, LT_HACT_WAIT, LT_HACT_SAME };

static void decided(struct lt_store_heap *cur, int f, size_t i, int what)
{
	if (cur->nact == cur->acap) {
		cur->acap = cur->acap ? 2 * cur->acap : 256;
		cur->act = lt_xrealloc(cur->act, cur->acap * sizeof(*cur->act));
	}
	cur->act[cur->nact++] = (struct lt_store_hact){i, f, what};
}

/* Half a tick: tick times wander by milliseconds around their grid, and
 * a row due after 5 ticks must not wait for a sixth. */
static double age_slack(const lt_model *m)
{
	double iv = lt_model_meta_c(m)->interval;

	return iv > 0 ? iv / 2 : 0;
}

/* The time of the tick being written (the model's last): rows age by the
 * session clock, also while the heap takes no samples (its source gone). */
static double tick_t(const lt_model *m)
{
	size_t n = lt_model_tick_count(m);

	return n ? lt_model_tick(m, n - 1)->t : 0;
}

/* Site i of family f, whose value at the family's last sample (ns - 1)
 * may differ from its row: written now, or left waiting. */
static int judge(sqlite3 *db, struct lt_store_heap *cur, int f,
		 const lt_model *m, size_t i, int64_t tick_id, const char *path,
		 lt_err *err)
{
	struct lt_store_family *fam = &cur->fam[f];
	const lt_hsites *h = family(m, f);
	size_t ns = lt_hsites_sample_count(h);
	struct lt_store_hrow *r = &fam->rows[i];
	struct lt_hval v, w;
	int now;

	if (r->seen == cur->pass)
		return 0;
	r->seen = cur->pass;
	lt_hsites_value(h, i, ns - 1, &v);
	if (f == FAM_ALLOC && lt_hsites_get(h, i)->kind == LT_HSITE_GO)
		return write_value(db, cur, fam->ids[i], tick_id, &v, path, err);
	if (r->has_row) {
		lt_hsites_value(h, i, r->k, &w);
		if (!memcmp(&v, &w, sizeof(v))) {
			/* Back to what its row says: nothing waits. */
			if (r->pending)
				decided(cur, f, i, LT_HACT_SAME);
			return 0;
		}
	}
	now = !r->has_row ||
	      v.live_bytes > r->hi[0] || v.live_bytes < r->lo[0] ||
	      v.live_count > r->hi[1] || v.live_count < r->lo[1] ||
	      tick_t(m) - r->t + age_slack(m) >= LT_STORE_HEAP_MAX_AGE;
	if (!now) {
		decided(cur, f, i, LT_HACT_WAIT);
		return 0;
	}
	decided(cur, f, i, LT_HACT_WROTE);
	return write_value(db, cur, fam->ids[i], tick_id, &v, path, err);
}

/* New sites of family f get the next heap_site ids.  The ids are kept in
 * cur only: lt_store_heap_commit makes them count, and a failed tick is
 * written again with the same ids. */
static int write_family(sqlite3 *db, struct lt_store_heap *cur, int f,
			const lt_model *m, int64_t tick_id, const char *path,
			lt_err *err)
{
	struct lt_store_family *fam = &cur->fam[f];
	const lt_hsites *h = family(m, f);
	size_t ns = lt_hsites_sample_count(h), n = lt_hsites_count(h);
	int64_t id = cur->next_site_id;

	if (n > fam->cap) {
		size_t cap = n > 2 * fam->cap ? n : 2 * fam->cap;

		fam->ids = lt_xrealloc(fam->ids, cap * sizeof(*fam->ids));
		fam->rows = lt_xrealloc(fam->rows, cap * sizeof(*fam->rows));
		/* Sites beyond those committed have no row and wait for
		 * nothing; a failed write leaves them so. */
		memset(fam->rows + fam->cap, 0, (cap - fam->cap) * sizeof(*fam->rows));
		fam->cap = cap;
	}
	for (size_t i = fam->sites; i < n; i++) {
		sqlite3_stmt *s = cur->heap_site;
		const struct lt_hsite *site = lt_hsites_get(h, i);

		fam->ids[i] = ++id;
		sqlite3_bind_int64(s, 1, fam->ids[i]);
		sqlite3_bind_int64(s, 2, (int64_t)site->stack + 1);
		sqlite3_bind_int64(s, 3, tick_id);
		sqlite3_bind_int64(s, 4, f == FAM_ALLOC ?
				   (site->kind == LT_HSITE_GO ? KIND_GO : 0) :
				   f == FAM_FREE ? 1 : KIND_FD_BASE + site->kind);
		if (lt_store_step(db, s, path, err) < 0)
			return -1;
	}
	if (ns == 0)
		return 0;
	if (ns == fam->samples) {
		/* No new sample: only rows waiting may be due. */
	} else if (ns == fam->samples + 1) {
		/* The usual case: one new sample, its changes listed. */
		const size_t *idx;
		size_t nc = lt_hsites_changed(h, ns - 1, &idx);

		for (size_t c = 0; c < nc; c++)
			if (judge(db, cur, f, m, idx[c], tick_id, path, err))
				return -1;
	} else {
		/* Several samples since the last commit (one failed): whatever
		 * differs from the last sample committed. */
		for (size_t i = 0; i < n; i++) {
			struct lt_hval a = {0}, b;

			if (fam->samples && i < fam->sites)
				lt_hsites_value(h, i, fam->samples - 1, &a);
			lt_hsites_value(h, i, ns - 1, &b);
			if ((i >= fam->sites || memcmp(&a, &b, sizeof(a))) &&
			    judge(db, cur, f, m, i, tick_id, path, err))
				return -1;
		}
	}
	/* And the sites whose rows wait, changed now or not: one may be due. */
	for (size_t p = 0; p < fam->npend; p++)
		if (judge(db, cur, f, m, fam->pend[p], tick_id, path, err))
			return -1;
	return 0;
}

static int new_sites(const struct lt_store_heap *cur, const lt_model *m)
{
	int64_t n = 0;

	for (int f = 0; f < FAM_COUNT; f++)
		n += (int64_t)(lt_hsites_count(family(m, f)) - cur->fam[f].sites);
	return n > 0;
}

int lt_store_heap_write(sqlite3 *db, struct lt_store_heap *cur,
			const lt_model *m, int64_t tick_id, const char *path,
			lt_err *err)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	int64_t next = cur->next_site_id;
	int same = !new_sites(cur, m) && lt_hsites_rate(h) == cur->heap_rate;

	cur->nact = 0;
	for (int f = 0; same && f < FAM_COUNT; f++)
		same = lt_hsites_sample_count(family(m, f)) == cur->fam[f].samples &&
		       !cur->fam[f].npend;
	if (same)
		return 0;
	if (prepare_once(db, &cur->heap_site,
			 "INSERT OR REPLACE INTO heap_site (id, stack_id, first_tick, kind) "
			 "VALUES (?, ?, ?, ?)") ||
	    prepare_once(db, &cur->heap_value,
			 "INSERT OR REPLACE INTO heap_value (site_id, tick_id, live_bytes, "
			 "live_count, alloc_bytes, alloc_count, free_bytes, free_count, "
			 "samples, samples_freed, age_sum_ms, oldest_ms, alloc_ubytes) "
			 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
		return lt_store_write_fail(db, path, err);
	if (++cur->pass == 0)
		cur->pass = 1; /* 0 is every new site's `seen` */
	if (lt_hsites_rate(h) != cur->heap_rate) {
		char sql[128];

		snprintf(sql, sizeof(sql),
			 "INSERT OR REPLACE INTO meta (key, value) VALUES "
			 "('heap_sample_rate', '%llu')",
			 (unsigned long long)lt_hsites_rate(h));
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return lt_store_write_fail(db, path, err);
	}
	for (int f = 0; f < FAM_COUNT; f++) {
		int rc = write_family(db, cur, f, m, tick_id, path, err);

		/* Ids handed out go on from where this family's ended. */
		cur->next_site_id += (int64_t)(lt_hsites_count(family(m, f)) -
					       cur->fam[f].sites);
		if (rc < 0) {
			cur->next_site_id = next;
			return -1;
		}
	}
	/* Committed or not, the ids stay as handed out only if the tick
	 * commits: lt_store_heap_commit keeps them, a retry starts again. */
	cur->pending_site_id = cur->next_site_id;
	cur->next_site_id = next;
	return 0;
}

/* The decisions of the tick just committed become what the file holds. */
static void apply(struct lt_store_heap *cur, const lt_model *m)
{
	for (size_t a = 0; a < cur->nact; a++) {
		const struct lt_store_hact *x = &cur->act[a];
		struct lt_store_family *fam = &cur->fam[x->fam];
		const lt_hsites *h = family(m, x->fam);
		size_t ns = lt_hsites_sample_count(h);
		struct lt_store_hrow *r = &fam->rows[x->site];
		struct lt_hval v;

		lt_hsites_value(h, x->site, ns - 1, &v);
		if (x->what == LT_HACT_WROTE) {
			const int64_t live[2] = {v.live_bytes, v.live_count};

			for (int c = 0; c < 2; c++) {
				if (!r->has_row || live[c] < r->lo[c])
					r->lo[c] = live[c];
				if (!r->has_row || live[c] > r->hi[c])
					r->hi[c] = live[c];
			}
			r->has_row = 1;
			r->k = ns - 1;
			r->t = tick_t(m);
			r->pending = 0;
		} else if (x->what == LT_HACT_WAIT) {
			if (!r->pending) {
				if (fam->npend == fam->pcap) {
					fam->pcap = fam->pcap ? 2 * fam->pcap : 64;
					fam->pend = lt_xrealloc(fam->pend, fam->pcap * sizeof(*fam->pend));
				}
				fam->pend[fam->npend++] = x->site;
			}
			r->pending = 1;
			r->val = v;
		} else {
			r->pending = 0;
		}
	}
	cur->nact = 0;
	for (int f = 0; f < FAM_COUNT; f++) {
		struct lt_store_family *fam = &cur->fam[f];
		size_t k = 0;

		for (size_t p = 0; p < fam->npend; p++)
			if (fam->rows[fam->pend[p]].pending)
				fam->pend[k++] = fam->pend[p];
		fam->npend = k;
	}
}

void lt_store_heap_commit(struct lt_store_heap *cur, const lt_model *m)
{
	apply(cur, m);
	for (int f = 0; f < FAM_COUNT; f++) {
		cur->fam[f].sites = lt_hsites_count(family(m, f));
		cur->fam[f].samples = lt_hsites_sample_count(family(m, f));
	}
	if (cur->pending_site_id > cur->next_site_id)
		cur->next_site_id = cur->pending_site_id;
	cur->heap_rate = lt_hsites_rate(lt_model_hsites_c(m));
}

int lt_store_heap_flush(sqlite3 *db, struct lt_store_heap *cur,
			int64_t tick_id, const char *path, lt_err *err)
{
	if (!cur->heap_value)
		return 0; /* no value was ever written: none waits */
	for (int f = 0; f < FAM_COUNT; f++) {
		const struct lt_store_family *fam = &cur->fam[f];

		for (size_t p = 0; p < fam->npend; p++) {
			if (write_value(db, cur, fam->ids[fam->pend[p]], tick_id,
					&fam->rows[fam->pend[p]].val, path, err))
				return -1;
		}
	}
	return 0;
}

void lt_store_heap_free(struct lt_store_heap *cur)
{
	sqlite3_finalize(cur->heap_site);
	sqlite3_finalize(cur->heap_value);
	for (int f = 0; f < FAM_COUNT; f++) {
		free(cur->fam[f].ids);
		free(cur->fam[f].rows);
		free(cur->fam[f].pend);
	}
	free(cur->act);
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
 * one per tick, as the recorder took them; every family gets each. */
int lt_store_heap_load(sqlite3 *db, lt_model *m, const char *path,
		       lt_err *err)
{
	lt_hsites *fams[FAM_COUNT] = {lt_model_hsites(m), lt_model_fsites(m),
				      lt_model_fdsites(m)};
	size_t nstacks = lt_stacktab_stack_count(lt_model_stacks_c(m));
	struct lsite {
		int64_t stack, first;
		int fam, kind;
		size_t index;   /* in its family */
	} *site = NULL;
	int64_t first = INT64_MAX;
	size_t nsites = 0, scap = 0, nrows = 0, rcap = 0, r = 0, next_site = 0;
	size_t count[FAM_COUNT] = {0};
	struct hrow *rows = NULL;
	sqlite3_stmt *s = NULL;
	char rate[32], ver[16];
	int rc = -1, v2;

	if (lt_store_query_text(db, "PRAGMA user_version", ver, sizeof(ver)) != SQLITE_OK)
		return load_fail(db, path, err);
	v2 = atoi(ver) >= 2;
	if (lt_store_query_text(db, "SELECT value FROM meta WHERE key = 'heap_sample_rate'",
				rate, sizeof(rate)) == SQLITE_OK && rate[0]) {
		lt_hsites_set_rate(fams[FAM_ALLOC], strtoull(rate, NULL, 10));
		lt_hsites_set_rate(fams[FAM_FREE], strtoull(rate, NULL, 10));
	}
	lt_hsites_set_rate(fams[FAM_FD], 1);
	if (sqlite3_prepare_v2(db, v2 ? "SELECT id, stack_id, first_tick, kind FROM heap_site ORDER BY id" :
			       "SELECT id, stack_id, first_tick, 0 FROM heap_site ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return load_fail(db, path, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0), st = sqlite3_column_int64(s, 1);
		int64_t kind = sqlite3_column_int64(s, 3);
		struct lsite *x;

		if (id != (int64_t)nsites + 1 || st < 1 || (size_t)st > nstacks ||
		    (kind != 0 && kind != 1 && kind != KIND_GO &&
		     (kind < KIND_FD_BASE || kind >= KIND_FD_BASE + 16))) {
			sqlite3_finalize(s);
			rc = bad(path, "heap_site ids, stacks or kinds out of range", err);
			goto out;
		}
		if (nsites == scap) {
			scap = scap ? scap * 2 : 256;
			site = lt_xrealloc(site, scap * sizeof(*site));
		}
		x = &site[nsites++];
		x->stack = st - 1;
		x->first = sqlite3_column_int64(s, 2);
		x->fam = kind == 0 || kind == KIND_GO ? FAM_ALLOC : kind == 1 ? FAM_FREE : FAM_FD;
		x->kind = x->fam == FAM_FD ? (int)(kind - KIND_FD_BASE) :
			kind == KIND_GO ? LT_HSITE_GO : 0;
		x->index = count[x->fam]++;
		if (x->first < first)
			first = x->first;
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
	if (sqlite3_prepare_v2(db, v2 ? "SELECT site_id, tick_id, live_bytes, live_count, "
			       "alloc_bytes, alloc_count, free_bytes, free_count, samples, "
			       "samples_freed, age_sum_ms, oldest_ms, alloc_ubytes FROM heap_value "
			       "ORDER BY tick_id, site_id" :
			       "SELECT site_id, tick_id, live_bytes, live_count, "
			       "alloc_bytes, alloc_count, 0, 0, 0, 0, 0, 0, 0 FROM heap_value "
			       "ORDER BY tick_id, site_id",
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
		w->v.free_bytes = sqlite3_column_int64(s, 6);
		w->v.free_count = sqlite3_column_int64(s, 7);
		w->v.samples = sqlite3_column_int64(s, 8);
		w->v.samples_freed = sqlite3_column_int64(s, 9);
		w->v.age_sum_ms = sqlite3_column_int64(s, 10);
		w->v.oldest_ms = sqlite3_column_int64(s, 11);
		w->v.alloc_ubytes = sqlite3_column_int64(s, 12);
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
		size_t e = r, q = r;

		for (int f = 0; f < FAM_COUNT; f++)
			lt_hsites_begin(fams[f], sqlite3_column_double(s, 1));
		while (e < nrows && rows[e].tick <= tick)
			e++;
		/* New sites first, in id order, so each family's indexes are
		 * its sites in id order; this tick's rows are sorted by site
		 * id too. */
		while (next_site < nsites && site[next_site].first <= tick) {
			const struct lt_hval *v = &zero;
			struct lsite *x = &site[next_site];
			size_t k;

			while (q < e && (size_t)rows[q].site < next_site + 1)
				q++;
			if (q < e && (size_t)rows[q].site == next_site + 1)
				v = &rows[q].v;
			k = lt_hsites_set(fams[x->fam], (size_t)x->stack, v);
			if (k != x->index) {
				sqlite3_finalize(s);
				rc = bad(path, "two heap sites with one stack", err);
				goto out;
			}
			lt_hsites_set_kind(fams[x->fam], k, x->kind);
			next_site++;
		}
		for (; r < e; r++)
			if ((size_t)rows[r].site <= next_site) {
				struct lsite *x = &site[rows[r].site - 1];

				lt_hsites_set(fams[x->fam], (size_t)x->stack, &rows[r].v);
			}
		for (int f = 0; f < FAM_COUNT; f++)
			lt_hsites_end(fams[f]);
	}
	sqlite3_finalize(s);
	rc = rc == SQLITE_DONE ? 0 : load_fail(db, path, err);
out:
	free(site);
	free(rows);
	return rc;
}
