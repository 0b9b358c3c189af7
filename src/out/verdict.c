#include "lt_verdict.h"

#include <stdlib.h>

#include "lt_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lt_fmt.h"
#include "lt_goroutines.h"

/* More than any session produces; lines beyond it are dropped. */
#define MAX_LINES 32

struct ctx {
	struct lt_growth g[LT_M_COUNT];
	struct lt_verdict line[MAX_LINES];
	size_t n;
};

/* Short strings for one metric, formatted once per verdict. */
struct fmt3 {
	char rate[64], start[64], end[64];
};

static void say(struct ctx *c, enum lt_verdict_kind kind, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

static void say(struct ctx *c, enum lt_verdict_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (c->n >= MAX_LINES)
		return;
	c->line[c->n].kind = kind;
	va_start(ap, fmt);
	vsnprintf(c->line[c->n].text, sizeof(c->line[c->n].text), fmt, ap);
	va_end(ap);
	c->n++;
}

static int measured(const struct ctx *c, int id)
{
	return id >= 0 && c->g[id].n >= 3;
}

static int growing(const struct ctx *c, int id)
{
	return measured(c, id) && c->g[id].trend == LT_TREND_GROWING;
}

static struct fmt3 fmt3(const struct ctx *c, int id)
{
	const struct lt_growth *g = &c->g[id];
	int unit = lt_metric_def(id)->unit;
	struct fmt3 f;

	lt_fmt_rate(g->slope, unit, f.rate, sizeof(f.rate));
	lt_fmt_value(g->start, unit, f.start, sizeof(f.start));
	lt_fmt_value(g->end, unit, f.end, sizeof(f.end));
	return f;
}

/* The process's own anonymous memory when measured, else its cgroup's. */
static int anon_id(const struct ctx *c)
{
	if (measured(c, LT_M_RSS_ANON))
		return LT_M_RSS_ANON;
	return measured(c, LT_M_CG_ANON) ? LT_M_CG_ANON : -1;
}

/* The cgroup's page cache counts what the process wrote even after it
 * closed the files; RSS file only what it still maps. */
static int file_id(const struct ctx *c)
{
	if (measured(c, LT_M_CG_FILE))
		return LT_M_CG_FILE;
	return measured(c, LT_M_RSS_FILE) ? LT_M_RSS_FILE : -1;
}

static void anon_grows(struct ctx *c, int id)
{
	struct fmt3 f = fmt3(c, id), h;
	char heap[128] = "", cg[96] = "";

	if (growing(c, LT_M_HEAP_MAP)) {
		h = fmt3(c, LT_M_HEAP_MAP);
		snprintf(heap, sizeof(heap), "; the malloc [heap] grows %s",
			 h.rate);
	} else if (measured(c, LT_M_HEAP_MAP)) {
		snprintf(heap, sizeof(heap),
			 "; the brk [heap] does not grow (mmap'd blocks or "
			 "thread arenas)");
	}
	if (id == LT_M_RSS_ANON && growing(c, LT_M_CG_ANON))
		snprintf(cg, sizeof(cg), "; cgroup anon grows %s too",
			 fmt3(c, LT_M_CG_ANON).rate);
	say(c, LT_VERDICT_WARN,
	    "anonymous memory grows %s (%s %s -> %s): heap or another "
	    "anonymous mapping is leaking%s%s",
	    f.rate, lt_metric_def(id)->title, f.start, f.end, heap, cg);
}

static const char *anon_state(enum lt_trend t)
{
	switch (t) {
	case LT_TREND_FLAT:
		return "flat";
	case LT_TREND_STEADY:
		return "steady";
	case LT_TREND_TEMPORARY:
		return "back where it started";
	case LT_TREND_FREED:
		return "shrinking";
	default:
		return "not growing";
	}
}

static void file_grows(struct ctx *c, int fid, int aid)
{
	const char *label = fid == LT_M_CG_FILE ? "cgroup file" : "RSS file";
	struct fmt3 f = fmt3(c, fid);
	char writes[128] = "";
	int wid = growing(c, LT_M_WRITE_BYTES) ? LT_M_WRITE_BYTES
		: growing(c, LT_M_WCHAR)       ? LT_M_WCHAR
					       : -1;

	if (wid >= 0)
		snprintf(writes, sizeof(writes), "; the process writes %s (%s)",
			 fmt3(c, wid).rate,
			 wid == LT_M_WRITE_BYTES ? "to storage, write_bytes"
						 : "write syscalls, wchar");
	if (growing(c, aid))
		say(c, LT_VERDICT_WARN,
		    "file cache grows too (%s %s, %s -> %s)%s", label, f.rate,
		    f.start, f.end, writes);
	else if (aid >= 0)
		say(c, LT_VERDICT_WARN,
		    "memory growth is file cache (%s %s, %s -> %s), anonymous "
		    "memory is %s: not a heap leak%s",
		    label, f.rate, f.start, f.end,
		    anon_state(c->g[aid].trend), writes);
	else
		say(c, LT_VERDICT_WARN,
		    "memory growth is file cache (%s %s, %s -> %s); anonymous "
		    "memory was not measured%s",
		    label, f.rate, f.start, f.end, writes);
}

static void working_set(struct ctx *c)
{
	const struct lt_growth *ws = &c->g[LT_M_CG_WORKING_SET];
	struct fmt3 f;

	if (!measured(c, LT_M_CG_WORKING_SET))
		return;
	if (growing(c, LT_M_CG_WORKING_SET)) {
		f = fmt3(c, LT_M_CG_WORKING_SET);
		say(c, LT_VERDICT_WARN,
		    "cgroup working set grows %s (%s -> %s): that is what the "
		    "kubelet evicts on",
		    f.rate, f.start, f.end);
	} else if (growing(c, LT_M_CG_USAGE) &&
		   (growing(c, LT_M_CG_FILE) ||
		    growing(c, LT_M_CG_INACTIVE_FILE))) {
		say(c, LT_VERDICT_INFO,
		    "working set is %s while cgroup usage grows %s: the growth "
		    "is reclaimable inactive file cache",
		    ws->trend == LT_TREND_FLAT ? "flat" : "not growing",
		    fmt3(c, LT_M_CG_USAGE).rate);
	}
}

/* Nothing grows: say what memory did instead, so silence is not mistaken
 * for "not measured". */
static void memory_quiet(struct ctx *c, int aid, int fid)
{
	int ws = measured(c, LT_M_CG_WORKING_SET);
	const char *what;
	char peak[64];
	struct fmt3 f;

	if (aid < 0)
		return;
	f = fmt3(c, aid);
	switch (c->g[aid].trend) {
	case LT_TREND_STEADY:
		say(c, LT_VERDICT_INFO,
		    "anonymous memory rose then levelled off at %s (a cache or "
		    "working set, not a leak)",
		    f.end);
		break;
	case LT_TREND_TEMPORARY:
		lt_fmt_bytes(c->g[aid].max, peak, sizeof(peak));
		say(c, LT_VERDICT_INFO,
		    "anonymous memory rose to %s and fell back to %s: "
		    "temporary, not a leak",
		    peak, f.end);
		break;
	case LT_TREND_FREED:
		say(c, LT_VERDICT_INFO,
		    "anonymous memory shrank (%s -> %s); nothing grows",
		    f.start, f.end);
		break;
	default:
		if (fid >= 0 && ws)
			what = "anonymous memory, file cache and working "
			       "set show";
		else if (fid >= 0)
			what = "anonymous memory and file cache show";
		else if (ws)
			what = "anonymous memory and working set show";
		else
			what = "anonymous memory shows";
		say(c, LT_VERDICT_INFO, "memory is flat: %s no growth", what);
		break;
	}
}

static void memory(struct ctx *c)
{
	int aid = anon_id(c), fid = file_id(c);
	int loud = 0;

	if (growing(c, aid)) {
		anon_grows(c, aid);
		loud = 1;
	} else if (aid == LT_M_RSS_ANON && growing(c, LT_M_CG_ANON)) {
		struct fmt3 f = fmt3(c, LT_M_CG_ANON);

		say(c, LT_VERDICT_WARN,
		    "cgroup anon grows %s (%s -> %s) while this process's "
		    "anonymous memory does not: another process in the cgroup "
		    "is growing",
		    f.rate, f.start, f.end);
		loud = 1;
	}
	if (growing(c, fid)) {
		file_grows(c, fid, aid);
		loud = 1;
	}
	if (!loud && growing(c, LT_M_CG_USAGE) &&
	    !growing(c, LT_M_CG_WORKING_SET)) {
		struct fmt3 f = fmt3(c, LT_M_CG_USAGE);

		say(c, LT_VERDICT_WARN,
		    "cgroup usage grows %s (%s -> %s) though neither anonymous "
		    "memory nor file cache does: kernel memory (socket "
		    "buffers, slab) or another process",
		    f.rate, f.start, f.end);
		loud = 1;
	}
	loud |= growing(c, LT_M_CG_WORKING_SET);
	working_set(c);
	if (growing(c, LT_M_SWAP)) {
		struct fmt3 f = fmt3(c, LT_M_SWAP);

		say(c, LT_VERDICT_WARN,
		    "swap grows %s (%s -> %s): memory is pushed out to swap, "
		    "so RSS understates the growth",
		    f.rate, f.start, f.end);
		loud = 1;
	}
	if (growing(c, LT_M_RSS_SHMEM)) {
		struct fmt3 f = fmt3(c, LT_M_RSS_SHMEM);

		say(c, LT_VERDICT_WARN,
		    "shared memory grows %s (RSS shmem %s -> %s)", f.rate,
		    f.start, f.end);
		loud = 1;
	}
	if (!loud)
		memory_quiet(c, aid, fid);
}

/* The descriptor site of fd kind that grows fastest, described into buf;
 * 0 when none grows. */
static int fd_site(const lt_model *m, int kind, char *buf, size_t len)
{
	const lt_hsites *h = lt_model_fdsites_c(m);
	size_t ns = lt_hsites_sample_count(h), best = LT_NONE;
	double slope = 0;

	for (size_t i = 0; i < lt_hsites_count(h); i++) {
		struct lt_growth g;

		if (lt_hsites_get(h, i)->kind != kind)
			continue;
		lt_hsites_count_growth(h, i, 0, ns, &g);
		if (g.trend == LT_TREND_GROWING && g.slope > slope) {
			slope = g.slope;
			best = i;
		}
	}
	if (best == LT_NONE)
		return 0;
	lt_stacktab_describe_alloc(lt_model_stacks_c(m), lt_hsites_get(h, best)->stack,
				   buf, len);
	return 1;
}

static void counted(struct ctx *c, const lt_model *m)
{
	/* Names fixed here rather than taken from the metric titles: scripts
	 * and tests match these words. */
	static const struct {
		int id;
		const char *name;
		int kind;       /* enum lt_fd_kind of the agent's fd sites */
	} fds[] = {
		{LT_M_FD_FILE, "regular files", 0},
		{LT_M_FD_SOCKET, "sockets", 1},
		{LT_M_FD_PIPE, "pipes", 2},
		{LT_M_FD_ANON, "anon_inode fds", 3},
		{LT_M_FD_OTHER, "other fds", -1},
	};
	char where[200];
	struct fmt3 f;
	int any = 0;

	if (growing(c, LT_M_THREADS)) {
		f = fmt3(c, LT_M_THREADS);
		say(c, LT_VERDICT_WARN, "threads %s (%s -> %s)", f.rate,
		    f.start, f.end);
	}
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (!growing(c, fds[i].id))
			continue;
		f = fmt3(c, fds[i].id);
		if (fds[i].kind >= 0 && fd_site(m, fds[i].kind, where, sizeof(where)))
			say(c, LT_VERDICT_WARN, "%s %s (%s -> %s) - created by %s",
			    fds[i].name, f.rate, f.start, f.end, where);
		else
			say(c, LT_VERDICT_WARN, "%s %s (%s -> %s)", fds[i].name, f.rate,
			    f.start, f.end);
		any = 1;
	}
	if (!any && growing(c, LT_M_FDS)) {
		f = fmt3(c, LT_M_FDS);
		say(c, LT_VERDICT_WARN, "descriptors %s (%s -> %s)", f.rate,
		    f.start, f.end);
	}
	if (growing(c, LT_M_MAPS)) {
		f = fmt3(c, LT_M_MAPS);
		say(c, LT_VERDICT_WARN, "mappings %s (%s -> %s)", f.rate,
		    f.start, f.end);
	}
}

/* A growing series that has a limit: when it gets there at the current
 * rate, or that it is there already (descriptors at RLIMIT_NOFILE stop
 * growing: opens fail with EMFILE, which a flat series hides). */
static void limits(struct ctx *c, const lt_model *m)
{
	const struct lt_meta *me = lt_model_meta_c(m);
	char when[32], lim[32];

	if (me->fd_limit > 0 && measured(c, LT_M_FDS)) {
		const struct lt_growth *g = &c->g[LT_M_FDS];

		if (g->end >= (double)me->fd_limit - 2)
			say(c, LT_VERDICT_WARN,
			    "descriptors at RLIMIT_NOFILE (%.0f of %lld): new sockets and files fail with EMFILE",
			    g->end, (long long)me->fd_limit);
		else if (g->trend == LT_TREND_GROWING && g->slope > 0)
			say(c, LT_VERDICT_WARN, "descriptors reach RLIMIT_NOFILE (%lld) in %s at the current rate",
			    (long long)me->fd_limit,
			    lt_fmt_duration(((double)me->fd_limit - g->end) / g->slope, when, sizeof(when)));
	}
	if (me->mem_limit > 0 && growing(c, LT_M_CG_USAGE) && c->g[LT_M_CG_USAGE].slope > 0) {
		const struct lt_growth *g = &c->g[LT_M_CG_USAGE];
		double left = (double)me->mem_limit - g->end;

		lt_fmt_bytes((double)me->mem_limit, lim, sizeof(lim));
		if (left <= 0)
			say(c, LT_VERDICT_WARN, "cgroup memory at its limit (%s)", lim);
		else
			say(c, LT_VERDICT_WARN, "cgroup memory reaches its limit (%s) in %s at the current rate",
			    lim, lt_fmt_duration(left / g->slope, when, sizeof(when)));
	}
}

static void sources(struct ctx *c, const lt_model *m)
{
	const struct lt_source *s = lt_model_source_find(m, "cgroup");

	if (s && !s->available)
		say(c, LT_VERDICT_INFO,
		    "cgroup memory unavailable: %s; file cache judged from RSS "
		    "file only",
		    s->reason ? s->reason : "reason unknown");
}

/* Ranks groups g (growing first, fastest first) into fresh arrays and
 * sums their members at the last sample; 0 when there are too few samples
 * to judge (nothing allocated then). */
static size_t rank_groups(const lt_tgroups *g, size_t **order, struct lt_growth **gr,
			  int64_t *total)
{
	size_t n = lt_tgroups_count(g), ns = lt_tgroups_sample_count(g);

	*total = 0;
	if (ns < 3 || !n)
		return 0;
	*order = lt_xmalloc(n * sizeof(**order));
	*gr = lt_xmalloc(n * sizeof(**gr));
	lt_tgroups_rank(g, *order, *gr);
	for (size_t i = 0; i < n; i++)
		*total += lt_tgroups_value(g, i, ns - 1);
	return ns;
}

/* Seed stories 1 and 2: name where the growing threads are stuck, not
 * only that their number grows.  At most three groups, fastest first. */
static void thread_groups(struct ctx *c, const lt_model *m)
{
	const lt_tgroups *g = lt_model_tgroups_c(m);
	size_t n = lt_tgroups_count(g), ns, *order, shown = 0;
	struct lt_growth *gr;
	int64_t total;

	if (!(ns = rank_groups(g, &order, &gr, &total)))
		return;
	for (size_t r = 0; r < n && shown < 3; r++) {
		size_t i = order[r];
		const struct lt_tgroup *grp = lt_tgroups_get(g, i);
		char rate[48], where[300], sbuf[16];

		if (gr[i].trend != LT_TREND_GROWING)
			break;
		lt_fmt_rate(gr[i].slope, LT_UNIT_COUNT, rate, sizeof(rate));
		lt_stacktab_describe(lt_model_stacks_c(m), grp->stack, where, sizeof(where));
		say(c, LT_VERDICT_WARN,
		    "thread group %s: %lld of %lld threads %s%s%s%s - %s",
		    rate, (long long)lt_tgroups_value(g, i, ns - 1), (long long)total,
		    lt_tgroups_state_name(grp->state, sbuf, sizeof(sbuf)),
		    grp->syscall ? " in " : "", grp->syscall ? grp->syscall : "",
		    grp->syscall ? "()" : "", where);
		shown++;
	}
	free(order);
	free(gr);
}

/* "0 of 24 samples freed, oldest 11s". */
static void row_evidence(const struct lt_diag_row *r, char *buf, size_t len)
{
	char age[32];

	if (!r->samples_total) {
		/* An agent that does not count its samples. */
		snprintf(buf, len, "%s", "no sample counts");
		return;
	}
	if (r->oldest_age >= 0) {
		lt_fmt_duration(r->oldest_age, age, sizeof(age));
		snprintf(buf, len, "%lld of %lld samples freed, oldest %s",
			 (long long)r->freed_total, (long long)r->samples_total, age);
	} else {
		snprintf(buf, len, "%lld of %lld samples freed",
			 (long long)r->freed_total, (long long)r->samples_total);
	}
}

int lt_verdict_top_leak(const lt_model *m, const struct lt_diag_opts *dopt,
			size_t from, size_t to, char *buf, size_t len)
{
	struct lt_diag_row *rows;
	size_t n = lt_diag_rows(m, dopt, from, to, &rows);
	int found = lt_verdict_leak_line(m, dopt, rows, n, buf, len);

	free(rows);
	return found;
}

int lt_verdict_leak_line(const lt_model *m, const struct lt_diag_opts *dopt,
			 const struct lt_diag_row *rows, size_t n, char *buf,
			 size_t len)
{
	int collecting = 0, found = 0;

	for (size_t k = 0; k < n; k++)
		collecting |= rows[k].claim == LT_CLAIM_COLLECTING;
	if (n && rows[0].claim == LT_CLAIM_GROWING) {
		char where[300], rate[48], lo[48], ev[96];

		lt_diag_label(m, dopt, &rows[0], where, sizeof(where));
		lt_fmt_rate(rows[0].net_rate, LT_UNIT_BYTES, rate, sizeof(rate));
		lt_fmt_rate(rows[0].net_rate - rows[0].net_lo, LT_UNIT_BYTES, lo, sizeof(lo));
		row_evidence(&rows[0], ev, sizeof(ev));
		snprintf(buf, len, "leak: %s %s (+-%s), %s", where, rate,
			 lo[0] == '+' ? lo + 1 : lo, ev);
		found = 1;
	} else if (n && rows[0].claim == LT_CLAIM_COLLECTING &&
		   rows[0].samples > rows[0].samples_freed) {
		char where[300];

		lt_diag_label(m, dopt, &rows[0], where, sizeof(where));
		snprintf(buf, len, "collecting: %s keeps %lld of %lld sampled blocks; too few yet to tell a leak from a cache",
			 where, (long long)(rows[0].samples - rows[0].samples_freed),
			 (long long)rows[0].samples);
	} else if (!n) {
		snprintf(buf, len, "no heap sites yet");
	} else {
		snprintf(buf, len, collecting ? "no heap row grows (some still collecting samples)" :
			 "no heap row grows");
	}
	return found;
}

/* Seed story 4: name the growing rows (one per leak in the "your code"
 * view), and say whether they account for the process's anonymous memory
 * growth (if not, the growth is elsewhere: mmap, another allocator,
 * fragmentation). */
static void heap_sites(struct ctx *c, const lt_model *m,
		       const struct lt_diag_opts *dopt)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h), nr, shown = 0;
	struct lt_diag_row *rows;
	double heap_slope = 0;
	int aid = anon_id(c);

	if (ns < 3 || !n)
		return;
	nr = lt_diag_rows(m, dopt, 0, ns, &rows);
	for (size_t k = 0; k < nr; k++) {
		const struct lt_diag_row *r = &rows[k];
		char rate[48], live[32], where[300], ev[96];

		if (r->claim != LT_CLAIM_GROWING)
			break;
		heap_slope += r->net_rate;
		if (shown == 3)
			continue;
		lt_fmt_rate(r->net_rate, LT_UNIT_BYTES, rate, sizeof(rate));
		lt_fmt_bytes(r->live, live, sizeof(live));
		lt_diag_label(m, dopt, r, where, sizeof(where));
		row_evidence(r, ev, sizeof(ev));
		say(c, LT_VERDICT_WARN, "heap site %s: %s live in %s (%s)", rate,
		    live, where, ev);
		shown++;
	}
	if (growing(c, aid) && c->g[aid].slope > 0 && heap_slope > 0) {
		double share = heap_slope / c->g[aid].slope * 100;
		char rate[48];

		lt_fmt_rate(c->g[aid].slope, LT_UNIT_BYTES, rate, sizeof(rate));
		if (share >= 50)
			say(c, LT_VERDICT_INFO,
			    "growing heap sites account for ~%.0f%% of the %s %s growth",
			    share > 100 ? 100 : share, lt_metric_def(aid)->title, rate);
		else
			say(c, LT_VERDICT_INFO,
			    "heap sites explain only ~%.0f%% of the %s %s growth: "
			    "the rest is not malloc'd through the GOT (mmap, another "
			    "allocator, fragmentation)",
			    share, lt_metric_def(aid)->title, rate);
	} else if (!shown) {
		size_t collecting = 0;

		for (size_t k = 0; k < nr; k++)
			collecting += rows[k].claim == LT_CLAIM_COLLECTING;
		if (nr && rows[0].claim == LT_CLAIM_COLLECTING &&
		    rows[0].samples > rows[0].samples_freed) {
			char where[300];

			lt_diag_label(m, dopt, &rows[0], where, sizeof(where));
			say(c, LT_VERDICT_INFO,
			    "heap: %s keeps %lld of its %lld sampled blocks, too few yet to tell a leak from a cache (record longer)",
			    where, (long long)(rows[0].samples - rows[0].samples_freed),
			    (long long)rows[0].samples);
		} else if (collecting) {
			say(c, LT_VERDICT_INFO, "no heap call site keeps growing (%zu sites; %zu rows still collecting samples)",
			    n, collecting);
		} else {
			say(c, LT_VERDICT_INFO, "no heap call site keeps growing (%zu sites)", n);
		}
	}
	free(rows);
}

/* Seed stories 1 and 2 in a Go program: goroutine groups that keep
 * growing, fastest first (at most three), else one line saying none
 * does. */
static void goroutine_groups(struct ctx *c, const lt_model *m)
{
	const lt_tgroups *g = lt_model_goroutines_c(m);
	size_t n = lt_tgroups_count(g), ns, *order, k = 0;
	struct lt_growth *gr;
	int64_t total;

	if (!(ns = rank_groups(g, &order, &gr, &total)))
		return;
	for (size_t r = 0; r < n && k < 3 && gr[order[r]].trend == LT_TREND_GROWING; r++, k++) {
		size_t i = order[r];
		const struct lt_tgroup *grp = lt_tgroups_get(g, i);
		char rate[48], where[200], what[96];

		lt_fmt_rate(gr[i].slope, LT_UNIT_COUNT, rate, sizeof(rate));
		lt_goroutines_where(lt_model_stacks_c(m), grp->stack, where, sizeof(where));
		lt_goroutines_doing(grp, what, sizeof(what));
		say(c, LT_VERDICT_WARN, "goroutines %s: %lld of %lld %s - %s%s%s", rate,
		    (long long)lt_tgroups_value(g, i, ns - 1), (long long)total,
		    what, where, grp->nnames ? ", created by " : "",
		    grp->nnames ? grp->names[0] : "");
	}
	if (!k)
		say(c, LT_VERDICT_INFO, "%lld goroutines, no group of them keeps growing (%zu groups)",
		    (long long)total, n);
	free(order);
	free(gr);
}

int lt_verdict_heap_loss(const lt_model *m, char *buf, size_t len)
{
	struct lt_agent_summary a;
	char b[32];

	lt_model_agent_summary(m, 0, &a);
	if (!a.have || a.dropped <= 0)
		return 0;
	snprintf(buf, len, "%lld heap samples dropped (the agent's tables were full): "
		 "live bytes understated by up to %s", (long long)a.dropped,
		 lt_fmt_bytes((double)a.dropped_bytes, b, sizeof(b)));
	return 1;
}

/* Data lost or deferred on the way: said, never silent. */
static void losses(struct ctx *c, const lt_model *m)
{
	struct lt_agent_summary a;
	char line[200];

	if (lt_verdict_heap_loss(m, line, sizeof(line)))
		say(c, LT_VERDICT_WARN, "%s", line);
	lt_model_agent_summary(m, 0, &a);
	if (a.unrecorded)
		say(c, LT_VERDICT_WARN, "%lld new heap stacks or site updates were still waiting "
		    "to be written when the session ended: the last heap figures lack them",
		    (long long)a.unrecorded);
	else if (a.cut_ticks)
		say(c, LT_VERDICT_INFO, "%zu ticks were cut short to keep the recorder on time: "
		    "up to %lld new heap stacks and site updates waited for later ticks",
		    a.cut_ticks, (long long)a.max_deferred);
}

size_t lt_verdict_compute(const lt_model *m, struct lt_verdict *out,
			  size_t max)
{
	return lt_verdict_compute_with(m, NULL, out, max);
}

size_t lt_verdict_compute_with(const lt_model *m, const struct lt_diag_opts *dopt,
			       struct lt_verdict *out, size_t max)
{
	static const struct lt_diag_opts yours = {.view = LT_DIAG_YOURS};
	struct ctx c;
	size_t ticks = lt_model_tick_count(m), n = 0;

	memset(&c, 0, sizeof(c));
	if (ticks < 3) {
		say(&c, LT_VERDICT_INFO,
		    "session too short to judge growth (%zu ticks)", ticks);
	} else {
		for (int id = 0; id < LT_M_COUNT; id++)
			lt_model_growth(m, id, 0, ticks, &c.g[id]);
		memory(&c);
		counted(&c, m);
		limits(&c, m);
		heap_sites(&c, m, dopt ? dopt : &yours);
		thread_groups(&c, m);
		goroutine_groups(&c, m);
		sources(&c, m);
	}
	losses(&c, m);
	/* Warnings first; within each kind, the order they were found. */
	for (int pass = 0; pass < 2; pass++) {
		enum lt_verdict_kind want = pass ? LT_VERDICT_INFO
						 : LT_VERDICT_WARN;

		for (size_t i = 0; i < c.n && n < max; i++)
			if (c.line[i].kind == want)
				out[n++] = c.line[i];
	}
	return n;
}
