#include "lt_collect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_syscall.h"

#define MAX_INLINE 8

static size_t frame_of(lt_stacktab *t, lt_symbols *sym, uint64_t pc,
		       int activation)
{
	struct lt_sym out[MAX_INLINE];
	struct lt_frame_sym fs[MAX_INLINE];
	size_t f = lt_stacktab_frame_find(t, pc), n = 0;

	if (f != LT_NONE)
		return f;
	if (sym)
		n = lt_symbols_resolve(sym, pc, activation, out, MAX_INLINE);
	if (n == 0)
		return lt_stacktab_frame_add(t, pc, NULL, NULL, pc, NULL, 0);
	for (size_t i = 0; i < n; i++) {
		fs[i].function = (char *)out[i].function;
		fs[i].file = (char *)out[i].file;
		fs[i].line = out[i].line;
	}
	return lt_stacktab_frame_add(t, pc, out[0].module, out[0].build_id,
				     out[0].module_addr, fs, n);
}

size_t lt_collect_stack(lt_model *m, lt_symbols *sym, const uint64_t *pcs,
			size_t n, uint64_t activations)
{
	lt_stacktab *st = lt_model_stacks(m);
	size_t frames[LT_COLLECT_MAX_FRAMES];

	if (n > LT_COLLECT_MAX_FRAMES)
		n = LT_COLLECT_MAX_FRAMES;
	for (size_t k = 0; k < n; k++)
		frames[k] = frame_of(st, sym, pcs[k],
				     k < 64 && ((activations >> k) & 1));
	return n ? lt_stacktab_stack_intern(st, frames, n) : LT_NONE;
}

void lt_collect_threads(lt_model *m, lt_symbols *sym,
			const struct lt_thread_tick *tt, double t, pid_t skip)
{
	lt_tgroups *g = lt_model_tgroups(m);
	struct lt_tsample ts = {
		.t = t,
		.sampled = (int64_t)tt->sampled,
		.skipped = (int64_t)tt->skipped,
		.max_stop_ns = tt->max_stop_ns,
		.total_stop_ns = tt->total_stop_ns,
	};

	/* Counted below, without the skipped tid. */
	ts.unseen = 0;
	for (size_t i = 0; i < tt->n; i++)
		if (tt->threads[i].unreached && !(skip > 0 && tt->threads[i].tid == skip))
			ts.unseen++;
	lt_tgroups_begin(g, &ts);
	for (size_t i = 0; i < tt->n; i++) {
		const struct lt_thread *th = &tt->threads[i];
		size_t depth = th->npcs > 0 ? (size_t)th->npcs : 0, stack;
		const char *sc = NULL;
		char scbuf[32];

		if (skip > 0 && th->tid == skip)
			continue;
		/* Not reached yet: in no group, rather than in a "no stack"
		 * group it leaves when it is reached. */
		if (th->unreached)
			continue;
		if (depth > LT_THREAD_MAX_FRAMES)
			depth = LT_THREAD_MAX_FRAMES;
		stack = lt_collect_stack(m, sym, th->pcs, depth, th->activations);
		/* A running thread's syscall number is stale by the time it
		 * is read: only a sleeping thread is "in" a syscall. */
		if (th->syscall >= 0 && th->state != 'R') {
			sc = lt_syscall_name(th->syscall);
			if (!sc) {
				snprintf(scbuf, sizeof(scbuf), "syscall_%ld", th->syscall);
				sc = scbuf;
			}
		}
		lt_tgroups_add(g, stack, th->state, sc, th->name);
	}
	lt_tgroups_end(g);
}

void lt_collect_heapmap_free(struct lt_collect_heapmap *map)
{
	free(map->stack);
	map->stack = NULL;
	map->n = 0;
}

static size_t *heapmap_slot(struct lt_collect_heapmap *map, uint32_t id)
{
	if (id >= map->n) {
		size_t n = map->n ? map->n : 64;

		while (n <= id)
			n *= 2;
		map->stack = lt_xrealloc(map->stack, n * sizeof(*map->stack));
		for (size_t i = map->n; i < n; i++)
			map->stack[i] = LT_NONE;
		map->n = n;
	}
	return &map->stack[id];
}

static int64_t nonneg(int64_t v)
{
	return v < 0 ? 0 : v;
}

/* Agent figures into the model's, on the session's clock. */
static struct lt_hval site_value(const struct lt_heap_site *site, double t0)
{
	struct lt_hval v = {0};
	double born;

	v.live_bytes = nonneg(site->live_bytes);
	v.live_count = nonneg(site->live_count);
	v.alloc_bytes = nonneg(site->alloc_bytes);
	v.alloc_count = nonneg(site->alloc_count);
	v.alloc_ubytes = nonneg(site->alloc_ubytes);
	v.free_bytes = nonneg(site->free_bytes);
	v.free_count = nonneg(site->free_count);
	v.samples = site->samples;
	v.samples_freed = site->samples_freed <= site->samples ?
		site->samples_freed : site->samples;
	if (site->freed_age_sum > 0 && site->freed_age_sum < 1e12)
		v.age_sum_ms = (int64_t)(site->freed_age_sum * 1000 + 0.5);
	if (site->oldest_live_mono > 0) {
		born = (site->oldest_live_mono - t0) * 1000;
		/* Whole milliseconds, at least 1: 0 says "none live". */
		v.oldest_ms = born < 1 ? 1 : born > 1e15 ? (int64_t)1e15 : (int64_t)born;
	}
	return v;
}

static int64_t clamp_u64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* The agent's cost and losses, at the ticks where they changed (the CPU
 * times change every tick, so they alone do not count as a change). */
static void collect_agent(lt_model *m, const struct lt_heap_batch *b, double t)
{
	size_t n = lt_model_agent_stat_count(m);
	const struct lt_agent_stat *last = n ? lt_model_agent_stat(m, n - 1) : NULL;
	struct lt_agent_stat a = {
		.t = t,
		.samples = clamp_u64(b->samples),
		.tracked = clamp_u64(b->tracked),
		.dropped = clamp_u64(b->dropped),
		.dropped_bytes = clamp_u64(b->cost.dropped_bytes),
		.sample_ns = clamp_u64(b->cost.sample_ns),
		.free_hits = clamp_u64(b->cost.free_hits),
		.lock_waits = clamp_u64(b->cost.lock_waits),
		.cpu_ns = clamp_u64(b->cost.cpu_ns),
		.agent_cpu_ns = clamp_u64(b->cost.agent_cpu_ns),
		.table_cap = clamp_u64(b->cost.ptr_cap),
		.grows = clamp_u64(b->cost.grows),
		.reused = clamp_u64(b->cost.reused),
		.deferred = clamp_u64(b->deferred + b->deferred_sites),
		/* In whole 100 ms: a row per tick only while it is late. */
		.behind_ms = b->behind > 0 && b->behind < 1e9 ? (int64_t)(b->behind * 10) * 100 : 0,
	};

	if (!b->cost.reports)
		return;
	if (last && last->samples == a.samples && last->tracked == a.tracked &&
	    last->dropped == a.dropped && last->sample_ns == a.sample_ns &&
	    last->free_hits == a.free_hits && last->lock_waits == a.lock_waits &&
	    last->table_cap == a.table_cap && last->grows == a.grows &&
	    last->deferred == a.deferred && last->reused == a.reused &&
	    last->behind_ms == a.behind_ms)
		return;
	lt_model_add_agent_stat(m, &a);
}

void lt_collect_heap(lt_model *m, lt_symbols *sym, struct lt_collect_heapmap *map,
		     const struct lt_heap_batch *b, double t, double t0)
{
	lt_hsites *hs = lt_model_hsites(m), *fs = lt_model_fsites(m);
	lt_hsites *ds = lt_model_fdsites(m);

	if (b->maps_changed && sym)
		lt_symbols_refresh(sym);
	if (b->sample_rate) {
		lt_hsites_set_rate(hs, b->sample_rate);
		lt_hsites_set_rate(fs, b->sample_rate);
	}
	lt_hsites_set_rate(ds, 1);
	/* Every PC is a return address: the agent's own frames are cut, so
	 * even the innermost is malloc's caller. */
	for (size_t i = 0; i < b->nstacks; i++)
		*heapmap_slot(map, b->stacks[i].id) =
			lt_collect_stack(m, sym, b->stacks[i].pcs, b->stacks[i].depth, 0);
	lt_hsites_begin(hs, t);
	for (size_t i = 0; i < b->n; i++) {
		size_t stack = *heapmap_slot(map, b->sites[i].id);
		struct lt_hval v = site_value(&b->sites[i], t0);

		if (stack != LT_NONE)
			lt_hsites_set(hs, stack, &v);
	}
	lt_hsites_end(hs);
	lt_hsites_begin(fs, t);
	for (size_t i = 0; i < b->nfrees; i++) {
		size_t stack = *heapmap_slot(map, b->frees[i].id);
		struct lt_hval v = {0};

		v.alloc_bytes = nonneg(b->frees[i].bytes);
		v.alloc_count = nonneg(b->frees[i].count);
		v.samples = nonneg(b->frees[i].samples);
		if (stack != LT_NONE)
			lt_hsites_set(fs, stack, &v);
	}
	lt_hsites_end(fs);
	lt_hsites_begin(ds, t);
	for (size_t i = 0; i < b->nfds; i++) {
		size_t stack = *heapmap_slot(map, b->fds[i].id), k;
		struct lt_hval v = {0};

		v.live_count = nonneg(b->fds[i].live);
		v.alloc_count = nonneg(b->fds[i].opened);
		if (stack == LT_NONE)
			continue;
		k = lt_hsites_set(ds, stack, &v);
		lt_hsites_set_kind(ds, k, b->fds[i].kind);
	}
	lt_hsites_end(ds);
	collect_agent(m, b, t);
}

void lt_collect_goheap(lt_model *m, lt_symbols *sym, struct lt_collect_heapmap *map,
		       const struct lt_heap_batch *b, double t)
{
	lt_hsites *hs = lt_model_hsites(m);

	/* The agent's rate when it runs: both default to 512 KiB. */
	if (b->sample_rate && !lt_hsites_rate(hs))
		lt_hsites_set_rate(hs, b->sample_rate);
	for (size_t i = 0; i < b->nstacks; i++)
		*heapmap_slot(map, b->stacks[i].id) =
			lt_collect_stack(m, sym, b->stacks[i].pcs, b->stacks[i].depth, 0);
	lt_hsites_reopen(hs, t);
	for (size_t i = 0; i < b->n; i++) {
		size_t stack = *heapmap_slot(map, b->sites[i].id);
		struct lt_hval v = site_value(&b->sites[i], 0);

		/* Step-wise, published per GC cycle (lt_hsites.h). */
		if (stack != LT_NONE)
			lt_hsites_set_kind(hs, lt_hsites_set(hs, stack, &v), LT_HSITE_GO);
	}
	lt_hsites_end(hs);
}

void lt_collect_frames(lt_model *m, const struct lt_pprof_frame *f, size_t n)
{
	lt_stacktab *t = lt_model_stacks(m);

	for (size_t i = 0; i < n; i++) {
		struct lt_frame_sym fs[MAX_INLINE];
		size_t k;

		if (lt_stacktab_frame_find(t, f[i].pc) != LT_NONE)
			continue;
		for (k = 0; k < f[i].nlines && k < MAX_INLINE; k++) {
			fs[k].function = (char *)f[i].lines[k].function;
			fs[k].file = (char *)f[i].lines[k].file;
			fs[k].line = f[i].lines[k].line;
		}
		lt_stacktab_frame_add(t, f[i].pc, f[i].module, NULL, f[i].pc,
				      k ? fs : NULL, k);
	}
}

/* "main.handler (main.go:25)" for the go statement at return address pc. */
static void creator(lt_symbols *sym, uint64_t pc, char *buf, size_t len)
{
	struct lt_sym y[MAX_INLINE];
	size_t n = sym && pc ? lt_symbols_resolve(sym, pc, 0, y, MAX_INLINE) : 0;
	const char *file;

	buf[0] = '\0';
	if (!n || !y[0].function)
		return;
	/* The innermost function is where the go statement is written. */
	file = y[0].file ? strrchr(y[0].file, '/') : NULL;
	file = file ? file + 1 : y[0].file;
	if (file && y[0].line > 0)
		snprintf(buf, len, "%s (%s:%d)", y[0].function, file, y[0].line);
	else
		snprintf(buf, len, "%s", y[0].function);
}

void lt_collect_goroutines(lt_model *m, lt_symbols *sym,
			   const struct lt_goroutine_tick *gt, double t)
{
	lt_tgroups *g = lt_model_goroutines(m);
	struct lt_tsample ts = {
		.t = t,
		.sampled = (int64_t)gt->n,
		.skipped = (int64_t)gt->dropped,
		/* A dropped goroutine is in no group: the sample is short. */
		.unseen = (int64_t)gt->dropped,
		.total_stop_ns = 0,       /* nothing is stopped */
		.max_stop_ns = gt->elapsed_ns,
	};

	size_t ng;
	int64_t *wait;

	lt_tgroups_begin(g, &ts);
	/* Each group's longest wait; groups made in this sample included. */
	ng = lt_tgroups_count(g) + gt->n;
	wait = lt_xmalloc((ng ? ng : 1) * sizeof(int64_t));
	for (size_t i = 0; i < ng; i++)
		wait[i] = -1;
	for (size_t i = 0; i < gt->n; i++) {
		const struct lt_goroutine *go = &gt->g[i];
		size_t depth = go->npcs > 0 ? (size_t)go->npcs : 0, stack, gi;
		char by[256];

		if (depth > LT_GOROUTINE_MAX_FRAMES)
			depth = LT_GOROUTINE_MAX_FRAMES;
		stack = lt_collect_stack(m, sym, go->pcs, depth, go->activations);
		/* The main goroutine was made by the runtime's start-up
		 * (runtime.newproc), which Go's own tracebacks leave out. */
		if (go->goid == 1)
			by[0] = '\0';
		else
			creator(sym, go->gopc, by, sizeof(by));
		gi = lt_tgroups_add(g, stack, go->status, go->wait_reason, by);
		if (gi < ng && go->status == LT_GO_WAITING && go->wait_ns > wait[gi])
			wait[gi] = go->wait_ns;
	}
	/* Kept as when it started, which stays put while it waits. */
	for (size_t i = 0; i < lt_tgroups_count(g) && i < ng; i++)
		if (lt_tgroups_value(g, i, lt_tgroups_sample_count(g) - 1) > 0)
			lt_tgroups_set_since(g, i, lt_tgroups_sample_count(g) - 1,
					     wait[i] >= 0 ? t - (double)wait[i] / 1e9 : NAN);
	free(wait);
	lt_tgroups_end(g);
}
