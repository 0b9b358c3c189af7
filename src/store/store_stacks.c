/* Frames, stacks and thread groups in the session file (part of the store;
 * see lt_store.h and doc/schema.md). */
#include "lt_store_int.h"

#include <stdlib.h>
#include <string.h>

enum {
	W_MODULE, W_FRAME, W_SYM, W_STACK, W_STACK_FRAME, W_GROUP, W_NAME,
	W_COUNT_ROW, W_SAMPLE, W_N
};

static const char *const write_sql[W_N] = {
	[W_MODULE] = "INSERT INTO module (id, path, build_id) VALUES (?, ?, ?)",
	[W_FRAME] = "INSERT INTO frame (id, module_id, addr, pc) VALUES (?, ?, ?, ?)",
	[W_SYM] = "INSERT INTO frame_symbol (frame_id, depth, function, file, line) "
		  "VALUES (?, ?, ?, ?, ?)",
	[W_STACK] = "INSERT INTO stack (id, hash, depth) VALUES (?, ?, ?)",
	[W_STACK_FRAME] = "INSERT INTO stack_frame (stack_id, pos, frame_id) VALUES (?, ?, ?)",
	[W_GROUP] = "INSERT INTO thread_group (id, stack_id, state, syscall) VALUES (?, ?, ?, ?)",
	[W_NAME] = "INSERT OR IGNORE INTO thread_name (group_id, name) VALUES (?, ?)",
	[W_COUNT_ROW] = "INSERT OR REPLACE INTO thread_count (group_id, tick_id, count) VALUES (?, ?, ?)",
	[W_SAMPLE] = "INSERT OR REPLACE INTO thread_sample (tick_id, sampled, skipped, max_stop_ns, total_stop_ns, unseen) "
		     "VALUES (?, ?, ?, ?, ?, ?)",
};

int lt_store_write_fail(sqlite3 *db, const char *path, lt_err *err)
{
	lt_err_set(err, LT_EXIT_ERROR, "cannot write %s: %s", path,
		   sqlite3_errmsg(db));
	return -1;
}

int lt_store_step(sqlite3 *db, sqlite3_stmt *s, const char *path, lt_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : lt_store_write_fail(db, path, err);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static int prepare(sqlite3 *db, struct lt_store_stacks *cur, const char *path,
		   lt_err *err)
{
	if (cur->stmt)
		return 0;
	cur->stmt = lt_xcalloc(W_N, sizeof(*cur->stmt));
	for (int i = 0; i < W_N; i++)
		if (sqlite3_prepare_v3(db, write_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &cur->stmt[i], NULL) != SQLITE_OK)
			return lt_store_write_fail(db, path, err);
	return 0;
}

/* Module id for path (0 = none), inserting a new module row. */
static int module_id(sqlite3 *db, struct lt_store_stacks *cur,
		     const struct lt_frame *f, const char *path, int64_t *id,
		     lt_err *err)
{
	sqlite3_stmt *s = cur->stmt[W_MODULE];

	*id = 0;
	if (!f->module)
		return 0;
	for (size_t i = 0; i < cur->nmodules; i++)
		if (!strcmp(cur->modules[i], f->module)) {
			*id = (int64_t)i + 1;
			return 0;
		}
	sqlite3_bind_int64(s, 1, (int64_t)cur->nmodules + 1);
	bind_text(s, 2, f->module);
	bind_text(s, 3, f->build_id);
	if (lt_store_step(db, s, path, err) < 0)
		return -1;
	/* Kept even if the transaction later fails: the next attempt then
	 * fails on the duplicate id instead of silently renumbering. */
	cur->modules = lt_xrealloc(cur->modules, (cur->nmodules + 1) * sizeof(char *));
	cur->modules[cur->nmodules++] = lt_xstrdup(f->module);
	*id = (int64_t)cur->nmodules;
	return 0;
}

static int write_frames(sqlite3 *db, struct lt_store_stacks *cur,
			const lt_stacktab *t, const char *path, lt_err *err)
{
	for (size_t i = cur->frames; i < lt_stacktab_frame_count(t); i++) {
		const struct lt_frame *f = lt_stacktab_frame(t, i);
		sqlite3_stmt *s = cur->stmt[W_FRAME];
		int64_t mod;

		if (module_id(db, cur, f, path, &mod, err) < 0)
			return -1;
		sqlite3_bind_int64(s, 1, (int64_t)i + 1);
		if (mod)
			sqlite3_bind_int64(s, 2, mod);
		sqlite3_bind_int64(s, 3, (int64_t)f->module_addr);
		sqlite3_bind_int64(s, 4, (int64_t)f->pc);
		if (lt_store_step(db, s, path, err) < 0)
			return -1;
		/* The file keeps the outermost function at depth 0. */
		for (size_t k = 0; k < f->nsyms; k++) {
			const struct lt_frame_sym *y = &f->syms[f->nsyms - 1 - k];

			if (!y->function && !y->file)
				continue;
			s = cur->stmt[W_SYM];
			sqlite3_bind_int64(s, 1, (int64_t)i + 1);
			sqlite3_bind_int64(s, 2, (int64_t)k);
			bind_text(s, 3, y->function);
			bind_text(s, 4, y->file);
			if (y->line > 0)
				sqlite3_bind_int(s, 5, y->line);
			if (lt_store_step(db, s, path, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int write_stacks(sqlite3 *db, struct lt_store_stacks *cur,
			const lt_stacktab *t, const char *path, lt_err *err)
{
	for (size_t i = cur->stacks; i < lt_stacktab_stack_count(t); i++) {
		const struct lt_stack *st = lt_stacktab_stack(t, i);
		sqlite3_stmt *s = cur->stmt[W_STACK];

		sqlite3_bind_int64(s, 1, (int64_t)i + 1);
		sqlite3_bind_int64(s, 2, (int64_t)st->hash);
		sqlite3_bind_int64(s, 3, (int64_t)st->depth);
		if (lt_store_step(db, s, path, err) < 0)
			return -1;
		s = cur->stmt[W_STACK_FRAME];
		for (size_t k = 0; k < st->depth; k++) {
			sqlite3_bind_int64(s, 1, (int64_t)i + 1);
			sqlite3_bind_int64(s, 2, (int64_t)k);
			sqlite3_bind_int64(s, 3, (int64_t)st->frames[k] + 1);
			if (lt_store_step(db, s, path, err) < 0)
				return -1;
		}
	}
	return 0;
}

static void reserve_groups(struct lt_store_stacks *cur, size_t n)
{
	if (n <= cur->cap)
		return;
	cur->group_names = lt_xrealloc(cur->group_names, n * sizeof(size_t));
	cur->group_last = lt_xrealloc(cur->group_last, n * sizeof(int64_t));
	for (size_t i = cur->cap; i < n; i++) {
		cur->group_names[i] = 0;
		cur->group_last[i] = 0;
	}
	cur->cap = n;
}

static int write_groups(sqlite3 *db, struct lt_store_stacks *cur,
			const lt_tgroups *g, const char *path, lt_err *err)
{
	size_t n = lt_tgroups_count(g);

	reserve_groups(cur, n);
	for (size_t i = 0; i < n; i++) {
		const struct lt_tgroup *gr = lt_tgroups_get(g, i);
		char state[2] = {gr->state, '\0'};
		sqlite3_stmt *s;

		if (i >= cur->groups) {
			s = cur->stmt[W_GROUP];
			sqlite3_bind_int64(s, 1, (int64_t)i + 1);
			if (gr->stack != LT_NONE)
				sqlite3_bind_int64(s, 2, (int64_t)gr->stack + 1);
			bind_text(s, 3, state);
			bind_text(s, 4, gr->syscall);
			if (lt_store_step(db, s, path, err) < 0)
				return -1;
		}
		for (size_t k = cur->group_names[i]; k < gr->nnames; k++) {
			s = cur->stmt[W_NAME];
			sqlite3_bind_int64(s, 1, (int64_t)i + 1);
			bind_text(s, 2, gr->names[k]);
			if (lt_store_step(db, s, path, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* Counts of the samples taken since the last commit; all of them belong
 * to this tick (a tick holds at most one thread sample). */
int lt_store_group_counts(sqlite3 *db, const lt_tgroups *g, size_t from,
			  int64_t *last, sqlite3_stmt *sample, sqlite3_stmt *count,
			  int with_total, int64_t tick_id, const char *path,
			  lt_err *err)
{
	for (size_t k = from; k < lt_tgroups_sample_count(g); k++) {
		const struct lt_tsample *ts = lt_tgroups_sample(g, k);

		sqlite3_bind_int64(sample, 1, tick_id);
		sqlite3_bind_int64(sample, 2, ts->sampled);
		sqlite3_bind_int64(sample, 3, ts->skipped);
		sqlite3_bind_int64(sample, 4, ts->max_stop_ns);
		if (with_total) {
			sqlite3_bind_int64(sample, 5, ts->total_stop_ns);
			sqlite3_bind_int64(sample, 6, ts->unseen);
		}
		if (lt_store_step(db, sample, path, err) < 0)
			return -1;
		for (size_t i = 0; i < lt_tgroups_count(g); i++) {
			int64_t v = lt_tgroups_value(g, i, k);

			if (v == last[i])
				continue;
			last[i] = v;
			sqlite3_bind_int64(count, 1, (int64_t)i + 1);
			sqlite3_bind_int64(count, 2, tick_id);
			sqlite3_bind_int64(count, 3, v);
			if (lt_store_step(db, count, path, err) < 0)
				return -1;
		}
	}
	return 0;
}

int lt_store_stacks_write(sqlite3 *db, struct lt_store_stacks *cur,
			  const lt_model *m, int64_t tick_id, const char *path,
			  lt_err *err)
{
	const lt_stacktab *t = lt_model_stacks_c(m);
	const lt_tgroups *g = lt_model_tgroups_c(m);

	if (prepare(db, cur, path, err) < 0 ||
	    write_frames(db, cur, t, path, err) < 0 ||
	    write_stacks(db, cur, t, path, err) < 0 ||
	    write_groups(db, cur, g, path, err) < 0)
		return -1;
	/* Counts compare against cur->group_last, updated only on commit, so a
	 * failed tick is written again in full by the next one. */
	{
		int64_t *saved = lt_xmalloc((cur->cap ? cur->cap : 1) * sizeof(int64_t));
		int rc;

		if (cur->cap)
			memcpy(saved, cur->group_last, cur->cap * sizeof(int64_t));
		rc = lt_store_group_counts(db, g, cur->samples, cur->group_last,
					   cur->stmt[W_SAMPLE], cur->stmt[W_COUNT_ROW], 1,
					   tick_id, path, err);
		if (cur->cap)
			memcpy(cur->group_last, saved, cur->cap * sizeof(int64_t));
		free(saved);
		return rc;
	}
}

void lt_store_stacks_commit(struct lt_store_stacks *cur, const lt_model *m)
{
	const lt_tgroups *g = lt_model_tgroups_c(m);
	size_t ns = lt_tgroups_sample_count(g);

	cur->frames = lt_stacktab_frame_count(lt_model_stacks_c(m));
	cur->stacks = lt_stacktab_stack_count(lt_model_stacks_c(m));
	cur->groups = lt_tgroups_count(g);
	reserve_groups(cur, cur->groups);
	for (size_t i = 0; i < cur->groups; i++) {
		cur->group_names[i] = lt_tgroups_get(g, i)->nnames;
		if (ns)
			cur->group_last[i] = lt_tgroups_value(g, i, ns - 1);
	}
	cur->samples = ns;
}

void lt_store_stacks_free(struct lt_store_stacks *cur)
{
	if (cur->stmt)
		for (int i = 0; i < W_N; i++)
			sqlite3_finalize(cur->stmt[i]);
	free(cur->stmt);
	for (size_t i = 0; i < cur->nmodules; i++)
		free(cur->modules[i]);
	free(cur->modules);
	free(cur->group_names);
	free(cur->group_last);
	memset(cur, 0, sizeof(*cur));
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                  */

static int load_fail(sqlite3 *db, const char *path, lt_err *err)
{
	lt_err_set(err, LT_EXIT_FILE, "%s is corrupt or truncated: %s", path,
		   sqlite3_errmsg(db));
	return -1;
}

static int bad(const char *path, const char *what, lt_err *err)
{
	lt_err_set(err, LT_EXIT_FILE, "%s is corrupt or truncated: %s", path,
		   what);
	return -1;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Rows must come with ids 1, 2, 3 ... so that id - 1 is the model's index;
 * anything else is a damaged or foreign file. */
static int load_frames(sqlite3 *db, lt_stacktab *t, const char *path,
		       lt_err *err)
{
	sqlite3_stmt *s, *y;
	int rc;

	if (sqlite3_prepare_v2(db,
		"SELECT f.id, m.path, m.build_id, f.addr, f.pc FROM frame f "
		"LEFT JOIN module m ON m.id = f.module_id ORDER BY f.id", -1, &s, NULL) != SQLITE_OK)
		return load_fail(db, path, err);
	if (sqlite3_prepare_v2(db,
		"SELECT function, file, line FROM frame_symbol WHERE frame_id = ? "
		"ORDER BY depth DESC", -1, &y, NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		return load_fail(db, path, err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lt_frame_sym syms[16];
		size_t n = 0;
		int64_t id = sqlite3_column_int64(s, 0);
		uint64_t pc = (uint64_t)sqlite3_column_int64(s, 4);

		if (id != (int64_t)lt_stacktab_frame_count(t) + 1 ||
		    lt_stacktab_frame_find(t, pc) != LT_NONE) {
			rc = -2;
			break;
		}
		sqlite3_bind_int64(y, 1, id);
		/* Column text lives only until the next step: copy. */
		while (sqlite3_step(y) == SQLITE_ROW && n < 16) {
			const char *fn = col_text(y, 0), *file = col_text(y, 1);

			syms[n].function = fn ? lt_xstrdup(fn) : NULL;
			syms[n].file = file ? lt_xstrdup(file) : NULL;
			syms[n].line = sqlite3_column_int(y, 2);
			n++;
		}
		lt_stacktab_frame_add(t, pc, col_text(s, 1), col_text(s, 2),
				      (uint64_t)sqlite3_column_int64(s, 3), syms, n);
		for (size_t k = 0; k < n; k++) {
			free(syms[k].function);
			free(syms[k].file);
		}
		sqlite3_reset(y);
	}
	sqlite3_finalize(y);
	sqlite3_finalize(s);
	if (rc == -2)
		return bad(path, "frames out of order", err);
	return rc == SQLITE_DONE ? 0 : load_fail(db, path, err);
}

static int load_stacks(sqlite3 *db, lt_stacktab *t, const char *path,
		       lt_err *err)
{
	size_t nframes = lt_stacktab_frame_count(t), depth = 0, cap = 64;
	size_t *frames = lt_xmalloc(cap * sizeof(size_t));
	int64_t cur = 0;
	sqlite3_stmt *s;
	int rc, ok = 1;

	if (sqlite3_prepare_v2(db,
		"SELECT s.id, sf.frame_id FROM stack s LEFT JOIN stack_frame sf "
		"ON sf.stack_id = s.id ORDER BY s.id, sf.pos", -1, &s, NULL) != SQLITE_OK) {
		free(frames);
		return load_fail(db, path, err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		if (id != cur) {
			if (cur && lt_stacktab_stack_intern(t, frames, depth) != (size_t)cur - 1)
				ok = 0;
			cur = id;
			depth = 0;
		}
		if (sqlite3_column_type(s, 1) == SQLITE_NULL)
			continue;
		int64_t f = sqlite3_column_int64(s, 1);
		if (f < 1 || (size_t)f > nframes) {
			ok = 0;
			break;
		}
		if (depth == cap)
			frames = lt_xrealloc(frames, (cap *= 2) * sizeof(size_t));
		frames[depth++] = (size_t)f - 1;
	}
	if (ok && rc == SQLITE_DONE && cur &&
	    lt_stacktab_stack_intern(t, frames, depth) != (size_t)cur - 1)
		ok = 0;
	sqlite3_finalize(s);
	free(frames);
	if (!ok)
		return bad(path, "stacks refer to missing frames", err);
	return rc == SQLITE_DONE ? 0 : load_fail(db, path, err);
}

static int load_groups(sqlite3 *db, lt_model *m, const char *path, lt_err *err)
{
	lt_tgroups *g = lt_model_tgroups(m);
	size_t nstacks = lt_stacktab_stack_count(lt_model_stacks_c(m));
	sqlite3_stmt *s;
	int rc, ok = 1;

	if (sqlite3_prepare_v2(db, "SELECT id, stack_id, state, syscall FROM thread_group ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return load_fail(db, path, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		size_t stack = LT_NONE;
		const char *state = col_text(s, 2);

		if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
			int64_t sid = sqlite3_column_int64(s, 1);

			if (sid < 1 || (size_t)sid > nstacks) {
				ok = 0;
				break;
			}
			stack = (size_t)sid - 1;
		}
		if (id != (int64_t)lt_tgroups_count(g) + 1 ||
		    lt_tgroups_intern(g, stack, state && *state ? state[0] : '?',
				      col_text(s, 3)) != (size_t)id - 1) {
			ok = 0;
			break;
		}
	}
	sqlite3_finalize(s);
	if (!ok)
		return bad(path, "thread groups out of order", err);
	if (rc != SQLITE_DONE)
		return load_fail(db, path, err);
	if (sqlite3_prepare_v2(db, "SELECT group_id, name FROM thread_name", -1, &s, NULL) != SQLITE_OK)
		return load_fail(db, path, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		if (id >= 1 && (size_t)id <= lt_tgroups_count(g))
			lt_tgroups_add_name(g, (size_t)id - 1, col_text(s, 1));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : load_fail(db, path, err);
}

/* Samples in tick order, then each group's counts carried forward from the
 * rows where they changed. */
static int load_counts(sqlite3 *db, lt_model *m, const char *path, lt_err *err)
{
	lt_tgroups *g = lt_model_tgroups(m);
	size_t ns = 0, cap = 64, ngroups = lt_tgroups_count(g);
	int64_t *ticks = lt_xmalloc(cap * sizeof(int64_t));
	int64_t *last = lt_xcalloc(ngroups ? ngroups : 1, sizeof(int64_t));
	sqlite3_stmt *s;
	char have[8];
	int rc;

	/* unseen came later: older files have no such column (0). */
	if (lt_store_query_text(db, "SELECT count(*) FROM pragma_table_info('thread_sample') "
				"WHERE name = 'unseen'", have, sizeof(have)) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, strcmp(have, "0") ?
		"SELECT ts.tick_id, t.t, ts.sampled, ts.skipped, ts.max_stop_ns, ts.total_stop_ns, "
		"ts.unseen FROM thread_sample ts JOIN tick t ON t.id = ts.tick_id ORDER BY ts.tick_id" :
		"SELECT ts.tick_id, t.t, ts.sampled, ts.skipped, ts.max_stop_ns, ts.total_stop_ns, "
		"0 FROM thread_sample ts JOIN tick t ON t.id = ts.tick_id ORDER BY ts.tick_id",
		-1, &s, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lt_tsample ts = {
			.t = sqlite3_column_double(s, 1),
			.sampled = sqlite3_column_int64(s, 2),
			.skipped = sqlite3_column_int64(s, 3),
			.max_stop_ns = sqlite3_column_int64(s, 4),
			.total_stop_ns = sqlite3_column_int64(s, 5),
			.unseen = sqlite3_column_int64(s, 6),
		};
		if (ns == cap)
			ticks = lt_xrealloc(ticks, (cap *= 2) * sizeof(int64_t));
		ticks[ns++] = sqlite3_column_int64(s, 0);
		lt_tgroups_begin(g, &ts);
		lt_tgroups_end(g);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	if (sqlite3_prepare_v2(db, "SELECT group_id, tick_id, count FROM thread_count ORDER BY tick_id",
			       -1, &s, NULL) != SQLITE_OK)
		goto fail;
	/* Walk samples and change rows together, both in tick order. */
	size_t k = 0;
	rc = sqlite3_step(s);
	for (; k < ns; k++) {
		while (rc == SQLITE_ROW && sqlite3_column_int64(s, 1) <= ticks[k]) {
			int64_t id = sqlite3_column_int64(s, 0);

			if (id >= 1 && (size_t)id <= ngroups)
				last[id - 1] = sqlite3_column_int64(s, 2);
			rc = sqlite3_step(s);
		}
		for (size_t i = 0; i < ngroups; i++)
			if (last[i] || lt_tgroups_value(g, i, k))
				lt_tgroups_set(g, i, k, last[i]);
	}
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	free(ticks);
	free(last);
	return 0;
fail:
	free(ticks);
	free(last);
	return load_fail(db, path, err);
}

int lt_store_stacks_load(sqlite3 *db, lt_model *m, const char *path,
			 lt_err *err)
{
	lt_stacktab *t = lt_model_stacks(m);

	if (load_frames(db, t, path, err) < 0 ||
	    load_stacks(db, t, path, err) < 0 ||
	    load_groups(db, m, path, err) < 0 ||
	    load_counts(db, m, path, err) < 0)
		return -1;
	return 0;
}
