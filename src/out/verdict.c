#include "lt_verdict.h"

#include <stdlib.h>

#include "lt_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lt_fmt.h"
#include "lt_verdict_int.h"
#include "lt_lost.h"

/* The short names the verdict code was written with. */
#define say lt_verdict_say
#define tag lt_verdict_tag
#define tag_at lt_verdict_tag_at
#define ctx lt_verdict_ctx
#define MAX_LINES LT_VERDICT_MAX_LINES

/* Short strings for one metric, formatted once per verdict. */
struct fmt3 {
	char rate[64], start[64], end[64];
};

void lt_verdict_say(struct ctx *c, enum lt_verdict_kind kind, const char *fmt, ...)
{
	va_list ap;

	c->dropped = c->n >= MAX_LINES;
	if (c->dropped)
		return;
	c->line[c->n] = (struct lt_verdict){.kind = kind, .metric = -1, .unit = -1,
					    .stack = LT_NONE};
	va_start(ap, fmt);
	vsnprintf(c->line[c->n].text, sizeof(c->line[c->n].text), fmt, ap);
	va_end(ap);
	c->n++;
}

/* The line just said, or NULL when it did not fit. */
static struct lt_verdict *last(struct ctx *c)
{
	return c->dropped || !c->n ? NULL : &c->line[c->n - 1];
}

void lt_verdict_tag(struct ctx *c, enum lt_verdict_topic topic, int metric)
{
	struct lt_verdict *v = last(c);

	if (!v)
		return;
	v->topic = topic;
	v->metric = metric;
	if (metric >= 0) {
		v->unit = (int)lt_metric_def(metric)->unit;
		v->rate = c->g[metric].slope;
	}
}

void lt_verdict_tag_at(struct ctx *c, enum lt_verdict_topic topic, int unit,
		       double rate, size_t stack)
{
	struct lt_verdict *v = last(c);

	if (!v)
		return;
	tag(c, topic, -1);
	v->unit = unit;
	v->rate = rate;
	v->stack = stack;
}

const char *lt_verdict_topic_name(enum lt_verdict_topic t)
{
	static const char *const names[LT_VT_COUNT_] = {
		[LT_VT_OTHER] = "other", [LT_VT_SHORT] = "short",
		[LT_VT_MEMORY] = "memory", [LT_VT_FILE_CACHE] = "file_cache",
		[LT_VT_CGROUP] = "cgroup", [LT_VT_HEAP] = "heap",
		[LT_VT_THREADS] = "threads", [LT_VT_GOROUTINES] = "goroutines",
		[LT_VT_FDS] = "fds", [LT_VT_MAPS] = "maps", [LT_VT_NOTE] = "note",
	};

	return (unsigned)t < LT_VT_COUNT_ ? names[t] : "other";
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
	tag(c, LT_VT_MEMORY, id);
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
	else if (aid < 0)
		say(c, LT_VERDICT_WARN,
		    "memory growth is file cache (%s %s, %s -> %s); anonymous "
		    "memory was not measured%s",
		    label, f.rate, f.start, f.end, writes);
	else
		say(c, LT_VERDICT_WARN,
		    "memory growth is file cache (%s %s, %s -> %s), anonymous "
		    "memory is %s: not a heap leak%s",
		    label, f.rate, f.start, f.end,
		    anon_state(c->g[aid].trend), writes);
	tag(c, LT_VT_FILE_CACHE, fid);
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
		tag(c, LT_VT_CGROUP, LT_M_CG_WORKING_SET);
	} else if (growing(c, LT_M_CG_USAGE) &&
		   (growing(c, LT_M_CG_FILE) ||
		    growing(c, LT_M_CG_INACTIVE_FILE))) {
		say(c, LT_VERDICT_INFO,
		    "working set is %s while cgroup usage grows %s: the growth "
		    "is reclaimable inactive file cache",
		    ws->trend == LT_TREND_FLAT ? "flat" : "not growing",
		    fmt3(c, LT_M_CG_USAGE).rate);
		tag(c, LT_VT_CGROUP, LT_M_CG_USAGE);
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
	tag(c, LT_VT_MEMORY, -1);
}

/* Memory the program maps but has not written yet is not resident: a Go
 * heap growing by large buffers that are mostly untouched, or malloc'd
 * blocks nobody fills, grow VmData long before RSS.  "memory is flat"
 * would be wrong then: the address space is what grows. */
static void vm_data_grows(struct ctx *c, int aid)
{
	struct fmt3 f = fmt3(c, LT_M_VM_DATA);
	char thr[128] = "";

	if (growing(c, LT_M_THREADS))
		snprintf(thr, sizeof(thr), "; threads grow %s too, and each maps "
			 "its stack", fmt3(c, LT_M_THREADS).rate);
	say(c, LT_VERDICT_WARN,
	    "VmData grows %s (%s -> %s) while resident anonymous memory is %s: "
	    "the program maps memory it has not written yet (untouched "
	    "buffers, a Go heap), which becomes RSS when used%s",
	    f.rate, f.start, f.end, aid >= 0 ? anon_state(c->g[aid].trend) :
	    "not measured", thr);
	tag(c, LT_VT_MEMORY, LT_M_VM_DATA);
}

/* Address space is where a heap, thread or goroutine leak shows first
 * when its memory is not yet touched: once such a leak is named, the
 * VmData line states it again and must not count twice. */
static void vm_data_derived(struct ctx *c)
{
	int named = 0;

	for (size_t i = 0; i < c->n; i++)
		named |= c->line[i].kind == LT_VERDICT_WARN && !c->line[i].derived &&
			 (c->line[i].topic == LT_VT_HEAP || c->line[i].topic == LT_VT_THREADS ||
			  c->line[i].topic == LT_VT_GOROUTINES);
	for (size_t i = 0; named && i < c->n; i++)
		if (c->line[i].topic == LT_VT_MEMORY && c->line[i].metric == LT_M_VM_DATA)
			c->line[i].derived = 1;
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
		tag(c, LT_VT_CGROUP, LT_M_CG_ANON);
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
		tag(c, LT_VT_CGROUP, LT_M_CG_USAGE);
		loud = 1;
	}
	if (!growing(c, aid) && growing(c, LT_M_VM_DATA)) {
		vm_data_grows(c, aid);
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
		tag(c, LT_VT_MEMORY, LT_M_SWAP);
		loud = 1;
	}
	if (growing(c, LT_M_RSS_SHMEM)) {
		struct fmt3 f = fmt3(c, LT_M_RSS_SHMEM);

		say(c, LT_VERDICT_WARN,
		    "shared memory grows %s (RSS shmem %s -> %s)", f.rate,
		    f.start, f.end);
		tag(c, LT_VT_MEMORY, LT_M_RSS_SHMEM);
		loud = 1;
	}
	if (!loud)
		memory_quiet(c, aid, fid);
}

/* The descriptor site of fd kind that grows fastest, described into buf;
 * its stack, or LT_NONE when none grows. */
static size_t fd_site(const lt_model *m, int kind, char *buf, size_t len)
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
		return LT_NONE;
	lt_stacktab_describe_alloc(lt_model_stacks_c(m), lt_hsites_get(h, best)->stack,
				   buf, len);
	return lt_hsites_get(h, best)->stack;
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
		tag(c, LT_VT_THREADS, LT_M_THREADS);
	}
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		size_t st = LT_NONE;

		if (!growing(c, fds[i].id))
			continue;
		f = fmt3(c, fds[i].id);
		if (fds[i].kind >= 0)
			st = fd_site(m, fds[i].kind, where, sizeof(where));
		if (st != LT_NONE)
			say(c, LT_VERDICT_WARN, "%s %s (%s -> %s) - created by %s",
			    fds[i].name, f.rate, f.start, f.end, where);
		else
			say(c, LT_VERDICT_WARN, "%s %s (%s -> %s)", fds[i].name, f.rate,
			    f.start, f.end);
		tag(c, LT_VT_FDS, fds[i].id);
		if (last(c))
			last(c)->stack = st;
		any = 1;
	}
	if (!any && growing(c, LT_M_FDS)) {
		f = fmt3(c, LT_M_FDS);
		say(c, LT_VERDICT_WARN, "descriptors %s (%s -> %s)", f.rate,
		    f.start, f.end);
		tag(c, LT_VT_FDS, LT_M_FDS);
	}
	if (growing(c, LT_M_MAPS)) {
		f = fmt3(c, LT_M_MAPS);
		say(c, LT_VERDICT_WARN, "mappings %s (%s -> %s)", f.rate,
		    f.start, f.end);
		tag(c, LT_VT_MAPS, LT_M_MAPS);
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

		if (g->end >= (double)me->fd_limit - 2) {
			say(c, LT_VERDICT_WARN,
			    "descriptors at RLIMIT_NOFILE (%.0f of %lld): new sockets and files fail with EMFILE",
			    g->end, (long long)me->fd_limit);
			tag(c, LT_VT_FDS, -1);
		} else if (g->trend == LT_TREND_GROWING && g->slope > 0) {
			say(c, LT_VERDICT_WARN, "descriptors reach RLIMIT_NOFILE (%lld) in %s at the current rate",
			    (long long)me->fd_limit,
			    lt_fmt_duration(((double)me->fd_limit - g->end) / g->slope, when, sizeof(when)));
			/* The descriptor lines above state this growth. */
			tag(c, LT_VT_FDS, LT_M_FDS);
			if (last(c))
				last(c)->derived = 1;
		}
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
		tag(c, LT_VT_CGROUP, left <= 0 ? -1 : LT_M_CG_USAGE);
	}
}

static void sources(struct ctx *c, const lt_model *m)
{
	const struct lt_source *s = lt_model_source_find(m, "cgroup");

	if (!s || s->available)
		return;
	say(c, LT_VERDICT_INFO,
	    "cgroup memory unavailable: %s; file cache judged from RSS "
	    "file only",
	    s->reason ? s->reason : "reason unknown");
	tag(c, LT_VT_NOTE, -1);
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
	double heap_slope = 0, rest = 0;
	size_t more = 0;
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
		if (shown == 3) {
			rest += r->net_rate;
			more++;
			continue;
		}
		lt_fmt_rate(r->net_rate, LT_UNIT_BYTES, rate, sizeof(rate));
		lt_fmt_bytes(r->live, live, sizeof(live));
		lt_diag_label(m, dopt, r, where, sizeof(where));
		row_evidence(r, ev, sizeof(ev));
		say(c, LT_VERDICT_WARN, "heap site %s: %s live in %s (%s)", rate,
		    live, where, ev);
		tag_at(c, LT_VT_HEAP, LT_UNIT_BYTES, r->net_rate,
		       lt_hsites_get(h, r->site)->stack);
		shown++;
	}
	if (more) {
		char rate[48];

		/* Named or not, every growing row is a finding of its own. */
		lt_fmt_rate(rest, LT_UNIT_BYTES, rate, sizeof(rate));
		say(c, LT_VERDICT_WARN, "%zu more heap rows grow, %s in all", more, rate);
		tag_at(c, LT_VT_HEAP, LT_UNIT_BYTES, rest, LT_NONE);
	}
	if (growing(c, aid) && c->g[aid].slope > 0 && heap_slope > 0) {
		double share = heap_slope / c->g[aid].slope * 100;
		char rate[48];

		lt_fmt_rate(c->g[aid].slope, LT_UNIT_BYTES, rate, sizeof(rate));
		if (share >= 50) {
			say(c, LT_VERDICT_INFO,
			    "growing heap sites account for ~%.0f%% of the %s %s growth",
			    share > 100 ? 100 : share, lt_metric_def(aid)->title, rate);
			/* The memory line then states the same leak again. */
			for (size_t i = 0; i < c->n; i++)
				if (c->line[i].metric == aid && c->line[i].topic == LT_VT_MEMORY)
					c->line[i].derived = 1;
		} else
			say(c, LT_VERDICT_INFO,
			    "heap sites explain only ~%.0f%% of the %s %s growth: "
			    "the rest is not malloc'd through the GOT (mmap, another "
			    "allocator, fragmentation)",
			    share, lt_metric_def(aid)->title, rate);
		tag(c, LT_VT_HEAP, -1);
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
		tag(c, LT_VT_HEAP, -1);
	}
	free(rows);
}

/* Proof before trends: blocks two reachability scans agree nothing
 * points to, or why the scans cannot prove it. */
static void reachability(struct ctx *c, const lt_model *m,
			 const struct lt_diag_opts *dopt)
{
	struct lt_lost_line l[8];
	size_t n = lt_lost_verdicts(m, dopt, l, sizeof(l) / sizeof(l[0]));

	/* A proof has no rate: no --max-growth lets it pass, --ignore FUNC
	 * does. */
	for (size_t i = 0; i < n; i++) {
		say(c, l[i].warn ? LT_VERDICT_WARN : LT_VERDICT_INFO, "%s", l[i].text);
		tag_at(c, LT_VT_HEAP, -1, 0, l[i].stack);
	}
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
	if (a.behind_ms > 0)
		say(c, LT_VERDICT_WARN, "the heap figures end %.1f s before the session does: "
		    "the agent's last report read was that old at the end (leaktop fell "
		    "behind a target changing more sites than it could read, or the "
		    "target was stopped)",
		    (double)a.behind_ms / 1000);
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
		tag(&c, LT_VT_SHORT, -1);
	} else {
		for (int id = 0; id < LT_M_COUNT; id++)
			lt_model_growth(m, id, 0, ticks, &c.g[id]);
		reachability(&c, m, dopt ? dopt : &yours);
		memory(&c);
		counted(&c, m);
		limits(&c, m);
		heap_sites(&c, m, dopt ? dopt : &yours);
		lt_verdict_thread_groups(&c, m);
		lt_verdict_goroutine_groups(&c, m);
		vm_data_derived(&c);
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
