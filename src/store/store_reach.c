/* Reachability scans in the session file (part of the store; see
 * doc/schema.md): the model's lt_unreach in reach_scan and reach_site.
 * Files written before these tables existed load with no scans. */
#include "lt_store_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const sql[2] = {
	"INSERT OR REPLACE INTO reach_scan (id, tick_id, t, took_ns, bytes_read, heap_bytes, "
	"max_pause_ns, threads, candidates, unreachable, proven, proof, weak, reason) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"INSERT OR REPLACE INTO reach_site (scan_id, stack_id, direct_bytes, direct_count, "
	"indirect_bytes, indirect_count, samples, scans, weak) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
};

static int write_scan(sqlite3 *db, struct lt_store_reach *c, const lt_unreach *u,
		      size_t k, int64_t tick_id, const char *path, lt_err *err)
{
	const struct lt_unreach_scan *sc = lt_unreach_get(u, k);
	const struct lt_unreach_site *s;
	size_t n = lt_unreach_sites(u, k, &s);
	sqlite3_stmt *q = c->stmt[0];
	int64_t v[] = {(int64_t)k + 1, tick_id};
	int64_t w[] = {sc->took_ns, (int64_t)sc->bytes_read, (int64_t)sc->heap_bytes,
		       sc->max_pause_ns, sc->threads, (int64_t)sc->candidates,
		       (int64_t)sc->unreachable, (int64_t)sc->proven, sc->proof, sc->weak};

	sqlite3_bind_int64(q, 1, v[0]);
	sqlite3_bind_int64(q, 2, v[1]);
	sqlite3_bind_double(q, 3, sc->t);
	for (int i = 0; i < 10; i++)
		sqlite3_bind_int64(q, 4 + i, w[i]);
	if (sc->reason)
		sqlite3_bind_text(q, 14, sc->reason, -1, SQLITE_STATIC);
	if (lt_store_step(db, q, path, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int64_t x[] = {(int64_t)k + 1, (int64_t)s[i].stack + 1, s[i].direct_bytes,
			       s[i].direct_count, s[i].indirect_bytes, s[i].indirect_count,
			       s[i].samples, s[i].scans, s[i].weak};

		q = c->stmt[1];
		for (int j = 0; j < 9; j++)
			sqlite3_bind_int64(q, 1 + j, x[j]);
		if (lt_store_step(db, q, path, err) < 0)
			return -1;
	}
	return 0;
}

int lt_store_reach_write(sqlite3 *db, struct lt_store_reach *c,
			 const lt_model *m, int64_t tick_id, const char *path,
			 lt_err *err)
{
	const lt_unreach *u = lt_model_unreach_c(m);

	if (lt_unreach_count(u) == c->scans)
		return 0;
	for (int i = 0; i < 2; i++)
		if (!c->stmt[i] &&
		    sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &c->stmt[i], NULL) != SQLITE_OK)
			return lt_store_write_fail(db, path, err);
	for (size_t k = c->scans; k < lt_unreach_count(u); k++)
		if (write_scan(db, c, u, k, tick_id, path, err) < 0)
			return -1;
	return 0;
}

void lt_store_reach_commit(struct lt_store_reach *c, const lt_model *m)
{
	c->scans = lt_unreach_count(lt_model_unreach_c(m));
}

void lt_store_reach_free(struct lt_store_reach *c)
{
	for (int i = 0; i < 2; i++)
		sqlite3_finalize(c->stmt[i]);
	memset(c, 0, sizeof(*c));
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                  */

static int load_fail(sqlite3 *db, const char *path, const char *why, lt_err *err)
{
	lt_err_set(err, LT_EXIT_FILE, "%s: %s", path, why ? why : sqlite3_errmsg(db));
	return -1;
}

/* The sites of scan id (rows of q from where it stands) into *s. */
static int load_sites(sqlite3_stmt *q, int *rc, int64_t id, size_t nstacks,
		      struct lt_unreach_site **s, size_t *n, size_t *cap)
{
	*n = 0;
	for (; *rc == SQLITE_ROW && sqlite3_column_int64(q, 0) <= id; *rc = sqlite3_step(q)) {
		int64_t stack = sqlite3_column_int64(q, 1);

		if (sqlite3_column_int64(q, 0) < id)
			continue;
		if (stack < 1 || (size_t)stack > nstacks)
			return -1;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*s = lt_xrealloc(*s, *cap * sizeof(**s));
		}
		(*s)[(*n)++] = (struct lt_unreach_site){
			.stack = (size_t)stack - 1,
			.direct_bytes = sqlite3_column_int64(q, 2),
			.direct_count = sqlite3_column_int64(q, 3),
			.indirect_bytes = sqlite3_column_int64(q, 4),
			.indirect_count = sqlite3_column_int64(q, 5),
			.samples = sqlite3_column_int64(q, 6),
			.scans = sqlite3_column_int(q, 7),
			.weak = sqlite3_column_int(q, 8),
		};
	}
	return 0;
}

int lt_store_reach_load(sqlite3 *db, lt_model *m, const char *path,
			lt_err *err)
{
	size_t nstacks = lt_stacktab_stack_count(lt_model_stacks_c(m)), n = 0, cap = 0;
	struct lt_unreach_site *s = NULL;
	sqlite3_stmt *q = NULL, *r = NULL;
	int rc = SQLITE_ERROR, rr, ok = 1;
	char have[8];

	if (lt_store_query_text(db, "SELECT count(*) FROM sqlite_master WHERE "
				"name = 'reach_scan'", have, sizeof(have)) != SQLITE_OK)
		return load_fail(db, path, NULL, err);
	if (strcmp(have, "1") != 0)
		return 0;               /* written before scans were recorded */
	if (sqlite3_prepare_v2(db, "SELECT id, t, took_ns, bytes_read, heap_bytes, max_pause_ns, "
			       "threads, candidates, unreachable, proven, proof, weak, reason "
			       "FROM reach_scan ORDER BY id", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT scan_id, stack_id, direct_bytes, direct_count, "
			       "indirect_bytes, indirect_count, samples, scans, weak "
			       "FROM reach_site ORDER BY scan_id", -1, &r, NULL) != SQLITE_OK)
		goto out;
	rr = sqlite3_step(r);
	while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct lt_unreach_scan sc = {
			.t = sqlite3_column_double(q, 1),
			.took_ns = sqlite3_column_int64(q, 2),
			.bytes_read = (uint64_t)sqlite3_column_int64(q, 3),
			.heap_bytes = (uint64_t)sqlite3_column_int64(q, 4),
			.max_pause_ns = sqlite3_column_int64(q, 5),
			.threads = sqlite3_column_int(q, 6),
			.candidates = (uint64_t)sqlite3_column_int64(q, 7),
			.unreachable = (uint64_t)sqlite3_column_int64(q, 8),
			.proven = (uint64_t)sqlite3_column_int64(q, 9),
			.proof = sqlite3_column_int(q, 10),
			.weak = sqlite3_column_int(q, 11),
			.reason = (char *)sqlite3_column_text(q, 12),
		};

		if (load_sites(r, &rr, sqlite3_column_int64(q, 0), nstacks, &s, &n, &cap) < 0)
			ok = 0;
		else
			lt_unreach_add(lt_model_unreach(m), &sc, s, n);
	}
out:
	sqlite3_finalize(q);
	sqlite3_finalize(r);
	free(s);
	if (!ok)
		return load_fail(db, path, "reachability scan of an unknown stack", err);
	return rc == SQLITE_DONE ? 0 : load_fail(db, path, NULL, err);
}
