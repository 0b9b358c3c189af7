#include "lt_report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lt_err.h"
#include "lt_fmt.h"
#include "lt_goroutines.h"
#include "lt_growth.h"
#include "lt_lost.h"
#include "lt_verdict.h"

#define MAX_VERDICTS 32

/* A FILE that remembers its first failure, so the report is written with
 * plain calls and checked once at the end. */
struct out {
	FILE *f;
	int err; /* errno of the first failure, 0 while all is well */
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (o->err)
		return;
	errno = 0;
	va_start(ap, fmt);
	rc = vfprintf(o->f, fmt, ap);
	va_end(ap);
	if (rc < 0)
		o->err = errno ? errno : EIO;
}

/* Strings from the session file came from the target (command line, exe)
 * or from a file anyone may have edited: the report stays plain ASCII and
 * one field per line whatever they hold. */
static void put_esc(struct out *o, const char *s)
{
	char run[256];
	size_t n = 0;

	if (!s) {
		put(o, "unknown");
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (n + 5 > sizeof(run)) {
			put(o, "%.*s", (int)n, run);
			n = 0;
		}
		if (c == '\\') {
			run[n++] = '\\';
			run[n++] = '\\';
		} else if (c < 0x20 || c >= 0x7f) {
			n += (size_t)snprintf(run + n, sizeof(run) - n,
					      "\\x%02x", c);
		} else {
			run[n++] = (char)c;
		}
	}
	put(o, "%.*s", (int)n, run);
}

static void field(struct out *o, const char *label, const char *value)
{
	put(o, "  %-10s ", label);
	put_esc(o, value);
	put(o, "\n");
}

/* Local time as ISO 8601 with its UTC offset: 2024-05-01T14:03:07+02:00. */
static void iso_time(int64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	long off;
	size_t n;

	if (ns <= 0 || !localtime_r(&s, &tm) ||
	    (n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		snprintf(buf, len, "unknown");
		return;
	}
	off = tm.tm_gmtoff / 60;
	snprintf(buf + n, len - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
		 (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
}

const char *lt_report_no_data(const lt_model *m, char *buf, size_t len)
{
	const struct lt_meta *me = lt_model_meta_c(m);

	if (lt_model_tick_count(m))
		return NULL;
	if (me->end_reason) {
		char why[96];
		size_t i = 0;

		/* The file's words, printable only. */
		for (const char *c = me->end_reason; *c && i + 1 < sizeof(why); c++)
			why[i++] = (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f ? *c : '?';
		why[i] = '\0';
		snprintf(buf, len, "holds no data: ended (%s) before its first tick", why);
	} else if (me->pid <= 0) {
		snprintf(buf, len, "holds no data: killed or failed before its first tick "
			 "(or only just started)");
	} else {
		snprintf(buf, len, "holds no data: no tick of pid %d (killed before its first "
			 "tick, or still starting)", (int)me->pid);
	}
	return buf;
}

/* The free flow's raw samples at the end: the agent's sampled frees. */
static int64_t ff_samples(const lt_model *m)
{
	const lt_hsites *f = lt_model_fsites_c(m);
	size_t n = lt_hsites_sample_count(f);

	return n ? lt_hsites_sample(f, n - 1)->total.samples : 0;
}

/* What the heap agent cost the target, and what was lost or cut. */
static void agent_lines(struct out *o, const lt_model *m)
{
	struct lt_agent_summary a;
	char line[200], b[32], reuse[64] = "";

	lt_model_agent_summary(m, ff_samples(m), &a);
	if (!a.have)
		return;
	/* Said only when some were: 0 is also what a file from before the
	 * figure, or an agent without libunwind, holds. */
	if (a.reused_share > 0)
		snprintf(reuse, sizeof(reuse), "; %.0f%% of the stacks known without an unwind",
			 100 * a.reused_share);
	if (a.have_cost)
		put(o, "  %-10s %.0f samples/s, %.0f ns per sample (wall time, frees' samples "
		    "too): %.2f%% of the target's CPU time (+%.2f%% in the agent's thread); "
		    "%lld frees looked up, %lld lock waits%s\n", "heap agent", a.samples_per_s,
		    a.ns_per_sample, 100 * a.cpu_share, 100 * a.agent_share,
		    (long long)a.free_hits, (long long)a.lock_waits, reuse);
	else
		put(o, "  %-10s %lld samples (an agent that does not report its cost)\n",
		    "heap agent", (long long)a.samples);
	if (lt_verdict_heap_loss(m, line, sizeof(line)))
		field(o, "data loss", line);
	else if (a.grows)
		put(o, "  %-10s none: the agent grew its tables %lld times (%s of block table)\n",
		    "data loss", (long long)a.grows,
		    lt_fmt_bytes((double)a.table_cap * 32, b, sizeof(b)));
	if (a.cut_ticks)
		put(o, "  %-10s %zu ticks cut short to stay on time (up to %lld new stacks and "
		    "site updates waited for later ticks)\n", "recorder", a.cut_ticks,
		    (long long)a.max_deferred);
	if (a.unrecorded)
		put(o, "  %-10s %lld new stacks or site updates were still waiting when it "
		    "ended: they are not in the file\n", "recorder", (long long)a.unrecorded);
}

static void header(struct out *o, const lt_model *m)
{
	const struct lt_meta *me = lt_model_meta_c(m);
	size_t ticks = lt_model_tick_count(m);
	char a[96], b[64], pid[32];
	double dur = 0;

	if (me->copy_range && ticks)  /* a part: its own span */
		dur = lt_model_tick(m, ticks - 1)->t - lt_model_tick(m, 0)->t;
	else if (me->start_ns > 0 && me->end_ns > me->start_ns)
		dur = (double)(me->end_ns - me->start_ns) / 1e9;
	else if (ticks)
		dur = lt_model_tick(m, ticks - 1)->t;

	put(o, "leaktop report\n");
	if (me->copy_of) {
		/* Read anywhere: say where it came from first. */
		put(o, "  %-10s of ", "copy");
		put_esc(o, me->copy_of);
		iso_time(me->copy_ns, a, sizeof(a));
		put(o, ", taken %s", a);
		if (me->copy_range) {
			put(o, "; only ");
			put_esc(o, me->copy_range);
		}
		put(o, "\n");
	}
	snprintf(pid, sizeof(pid), "pid %ld", (long)me->pid);
	field(o, "target", me->pid > 0 ? pid : NULL);
	field(o, "command", me->cmdline);
	field(o, "exe", me->exe);
	field(o, "build-id", me->build_id);
	field(o, "host", me->host);
	field(o, "kernel", me->kernel);
	field(o, "leaktop", me->version);
	field(o, "options", me->options);
	field(o, "cgroup", me->cgroup);
	if (me->fd_limit > 0 || me->mem_limit > 0) {
		put(o, "  %-10s ", "limits");
		if (me->fd_limit > 0)
			put(o, "%lld descriptors (RLIMIT_NOFILE)%s", (long long)me->fd_limit,
			    me->mem_limit > 0 ? ", " : "");
		if (me->mem_limit > 0)
			put(o, "%s memory (cgroup)", lt_fmt_bytes((double)me->mem_limit, b, sizeof(b)));
		put(o, "\n");
	}
	iso_time(me->start_ns, a, sizeof(a));
	field(o, "started", a);
	put(o, "  %-10s %s (%zu ticks", "duration",
	    lt_fmt_duration(dur, a, sizeof(a)), ticks);
	if (me->interval > 0)
		put(o, ", every %s",
		    lt_fmt_duration(me->interval, b, sizeof(b)));
	put(o, ")\n");
	agent_lines(o, m);
	if (!me->end_reason) {
		field(o, "end", me->copy_of ? "none yet: copied while it was being recorded, "
		      "or from a killed recording" : "still recording or killed (no end recorded)");
		return;
	}
	put(o, "  %-10s ", "end");
	put_esc(o, me->end_reason);
	if (me->end_ns > 0) {
		iso_time(me->end_ns, a, sizeof(a));
		put(o, " (%s)", a);
	}
	put(o, "\n");
}

static void sources(struct out *o, const lt_model *m)
{
	size_t n = lt_model_source_count(m);

	put(o, "\nSources:\n");
	if (!n)
		put(o, "  (none recorded)\n");
	for (size_t i = 0; i < n; i++) {
		const struct lt_source *s = lt_model_source(m, i);
		size_t len = strlen(s->name);

		put(o, "  ");
		put_esc(o, s->name);
		put(o, "%*s", len < 10 ? (int)(11 - len) : 1, "");
		if (s->available) {
			put(o, "available\n");
			continue;
		}
		put(o, "unavailable: ");
		put_esc(o, s->reason ? s->reason : "reason unknown");
		put(o, "\n");
	}
}

enum group { G_MEMORY, G_CGROUP, G_FDS, G_TASKS, G_IO, G_OTHER, G_COUNT };

static const char *const group_key[G_COUNT] = {
	[G_MEMORY] = "memory", [G_CGROUP] = "cgroup", [G_FDS] = "descriptors",
	[G_TASKS] = "tasks", [G_IO] = "io", [G_OTHER] = "other",
};

static const char *const group_title[G_COUNT] = {
	[G_MEMORY] = "memory",
	[G_CGROUP] = "cgroup",
	[G_FDS] = "descriptors",
	[G_TASKS] = "threads and mappings",
	[G_IO] = "I/O (counters: change = amount written, rate = throughput)",
	[G_OTHER] = "other",
};

static enum group group_of(int id)
{
	switch (id) {
	case LT_M_RSS_ANON: case LT_M_RSS_FILE: case LT_M_RSS_SHMEM:
	case LT_M_VM_DATA: case LT_M_PSS: case LT_M_SWAP: case LT_M_HEAP_MAP:
		return G_MEMORY;
	case LT_M_CG_USAGE: case LT_M_CG_ANON: case LT_M_CG_FILE:
	case LT_M_CG_ACTIVE_FILE: case LT_M_CG_INACTIVE_FILE:
	case LT_M_CG_WORKING_SET:
		return G_CGROUP;
	case LT_M_FDS: case LT_M_FD_FILE: case LT_M_FD_SOCKET:
	case LT_M_FD_PIPE: case LT_M_FD_ANON: case LT_M_FD_OTHER:
		return G_FDS;
	case LT_M_THREADS: case LT_M_MAPS:
		return G_TASKS;
	case LT_M_WRITE_BYTES: case LT_M_WCHAR:
		return G_IO;
	default:
		return G_OTHER;
	}
}

const char *lt_report_series_group(int id)
{
	return group_key[group_of(id)];
}

double lt_report_series_rate(int id, const struct lt_growth *g,
			     const char **trend)
{
	const struct lt_metric_def *d = lt_metric_def(id);

	*trend = lt_growth_trend_name(g->trend);
	if (g->n < 2 || g->duration <= 0)
		return NAN;
	/* A counter's average rate over the session is its throughput,
	 * whatever bursts the fit would weigh. */
	if (d->kind == LT_KIND_CUMULATIVE) {
		*trend = "throughput";
		return (g->end - g->start) / g->duration;
	}
	/* Within the noise floor the fitted slope is jitter: printing
	 * "+2 MiB/h" next to "flat" would only raise doubts. */
	return g->trend == LT_TREND_FLAT ? 0 : g->slope;
}

static void row(struct out *o, int id, const struct lt_growth *g, int tw)
{
	const struct lt_metric_def *d = lt_metric_def(id);
	char start[48], end[48], change[48], rate[64];
	double delta = g->end - g->start;
	const char *trend;
	double r = lt_report_series_rate(id, g, &trend);

	lt_fmt_value(g->start, d->unit, start, sizeof(start));
	lt_fmt_value(g->end, d->unit, end, sizeof(end));
	lt_fmt_value(delta, d->unit, change + 1, sizeof(change) - 1);
	change[0] = '+';
	if (delta <= 0) /* "-1 MiB" and "0" carry no "+" */
		memmove(change, change + 1, strlen(change));
	if (isnan(r))
		snprintf(rate, sizeof(rate), "-");
	else
		lt_fmt_rate(r, d->unit, rate, sizeof(rate));
	put(o, "  %-*s %10s %10s %10s %14s  %s\n", tw, d->title, start, end,
	    change, rate, trend);
}

static void series(struct out *o, const lt_model *m)
{
	struct lt_growth g[LT_M_COUNT];
	size_t ticks = lt_model_tick_count(m);
	int tw = 6, any = 0;

	for (int id = 0; id < LT_M_COUNT; id++) {
		lt_model_growth(m, id, 0, ticks, &g[id]);
		if (g[id].n && (int)strlen(lt_metric_def(id)->title) > tw)
			tw = (int)strlen(lt_metric_def(id)->title);
	}
	put(o, "\nSeries:\n  %-*s %10s %10s %10s %14s  %s\n", tw, "", "start",
	    "end", "change", "rate", "trend");
	for (int grp = 0; grp < G_COUNT; grp++) {
		int shown = 0;

		for (int id = 0; id < LT_M_COUNT; id++) {
			if ((int)group_of(id) != grp || !g[id].n)
				continue;
			if (!shown++)
				put(o, "%s\n", group_title[grp]);
			row(o, id, &g[id], tw);
			any = 1;
		}
	}
	if (!any)
		put(o, "  (no series measured)\n");
}

#define MAX_GROUPS 20  /* thread groups shown with their stacks */
#define MAX_FRAMES 12  /* frames shown per group stack */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void lt_report_stop_times(const lt_tgroups *g, int64_t *med_ns,
			  int64_t *max_ns)
{
	size_t n = lt_tgroups_sample_count(g);
	int64_t *v = lt_xmalloc((n ? n : 1) * sizeof(int64_t));

	for (size_t k = 0; k < n; k++)
		v[k] = lt_tgroups_sample(g, k)->max_stop_ns;
	qsort(v, n, sizeof(*v), cmp_i64);
	*med_ns = n ? v[n / 2] : 0;
	*max_ns = n ? v[n - 1] : 0;
	free(v);
}

/* Median and maximum over samples of the longest time one thread stood. */
static void stop_times(const lt_tgroups *g, char *med, char *max, size_t len)
{
	int64_t a, b;

	lt_report_stop_times(g, &a, &b);
	snprintf(med, len, "%.0fus", a / 1e3);
	snprintf(max, len, "%.0fus", b / 1e3);
}

/* The source line of file:line as the session kept it, shown under the
 * first frame of a stack that has one: the line that allocates, from a
 * copy read anywhere.  Returns 1 when shown. */
static int kept_line(struct out *o, const lt_srctext *src, const char *file, int line)
{
	const struct lt_srcsnip *p = file && line > 0 ? lt_srctext_find(src, file, line) : NULL;
	const char *text;

	if (!p)
		return 0;
	text = p->lines[line - p->first];
	while (*text == ' ' || *text == '\t')
		text++;
	if (!*text)
		return 0;
	put(o, "          %6d| ", line);
	put_esc(o, text);
	put(o, "\n");
	return 1;
}

static void stack_lines(struct out *o, const lt_model *m, size_t s, size_t max)
{
	const lt_stacktab *t = lt_model_stacks_c(m);
	const struct lt_stack *st = lt_stacktab_stack(t, s);
	char label[512];
	int shown = 0;

	for (size_t i = 0; i < st->depth && i < max; i++) {
		const struct lt_frame *f = lt_stacktab_frame(t, st->frames[i]);

		/* Inlined functions first, then the one they were inlined
		 * into, as pprof and eu-stack show them. */
		for (size_t k = 0; k < f->nsyms; k++) {
			struct lt_frame_sym y = f->syms[k];
			const char *mod = f->module ? strrchr(f->module, '/') : NULL;

			mod = mod ? mod + 1 : f->module;
			if (y.function && y.file && y.line > 0)
				snprintf(label, sizeof(label), "%s %s:%d (%s)%s", y.function,
					 y.file, y.line, mod ? mod : "?",
					 k + 1 < f->nsyms ? " [inlined]" : "");
			else
				lt_stacktab_frame_label(t, st->frames[i], label, sizeof(label));
			put(o, "      #%-2zu ", i);
			put_esc(o, label);
			put(o, "\n");
			if (!shown)
				shown = kept_line(o, lt_model_srctext_c(m), y.file, y.line);
		}
	}
	if (st->depth > max)
		put(o, "      ... %zu more frames\n", st->depth - max);
}

static void threads(struct out *o, const lt_model *m)
{
	const lt_tgroups *g = lt_model_tgroups_c(m);
	const lt_stacktab *t = lt_model_stacks_c(m);
	size_t n = lt_tgroups_count(g), ns = lt_tgroups_sample_count(g);
	size_t *order;
	struct lt_growth *gr;
	struct lt_tcoverage cov;
	size_t k0;
	char med[32], max[32];

	if (!ns)
		return;
	order = lt_xmalloc((n ? n : 1) * sizeof(*order));
	gr = lt_xmalloc((n ? n : 1) * sizeof(*gr));
	lt_tgroups_rank(g, order, gr);
	lt_tgroups_coverage(g, 0, ns - 1, &cov);
	stop_times(g, med, max, sizeof(med));
	put(o, "\nThreads (%zu samples, %zu groups; longest stop per sample: median %s, max %s):\n",
	    ns, n, med, max);
	put(o, "  skipped: up to %lld of %lld threads per sample (not stopped: over the time budget or busy; they keep their last stack)\n",
	    (long long)cov.max_skipped, (long long)cov.max_members);
	if (cov.partial)
		put(o, "  partial: %zu of %zu samples had up to %lld threads not reached yet (in no group); trends leave those samples out\n",
		    cov.partial, ns, (long long)cov.max_unseen);
	/* "start" is where the trend starts: the first full sample. */
	k0 = lt_tgroups_first_full(g);
	if (k0 >= ns)
		k0 = 0;
	put(o, "  %6s %6s %10s  %-10s %-18s %s\n", "start", "end", "rate", "trend", "state", "where");
	for (size_t r = 0; r < n && r < MAX_GROUPS; r++) {
		size_t i = order[r];
		const struct lt_tgroup *grp = lt_tgroups_get(g, i);
		char rate[48], where[512], sbuf[16], state[64];

		lt_fmt_rate(gr[i].trend == LT_TREND_FLAT ? 0 : gr[i].slope, LT_UNIT_COUNT, rate, sizeof(rate));
		snprintf(state, sizeof(state), "%s%s%s%s",
			 lt_tgroups_state_name(grp->state, sbuf, sizeof(sbuf)),
			 grp->syscall ? " in " : "", grp->syscall ? grp->syscall : "",
			 grp->syscall ? "()" : "");
		lt_stacktab_describe(t, grp->stack, where, sizeof(where));
		put(o, "  %6lld %6lld %10s  %-10s %-18s ",
		    (long long)lt_tgroups_value(g, i, k0), (long long)lt_tgroups_value(g, i, ns - 1),
		    rate, lt_growth_trend_name(gr[i].trend), state);
		put_esc(o, where);
		put(o, "\n");
		if (grp->nnames) {
			put(o, "      names:");
			for (size_t k = 0; k < grp->nnames; k++) {
				put(o, " ");
				put_esc(o, grp->names[k]);
			}
			put(o, "\n");
		}
		if (grp->stack != LT_NONE)
			stack_lines(o, m, grp->stack, MAX_FRAMES);
	}
	if (n > MAX_GROUPS)
		put(o, "  ... %zu more groups\n", n - MAX_GROUPS);
	free(order);
	free(gr);
}

#define MAX_SITES 10        /* heap sites shown with their stacks ... */
#define MAX_GROWING 20      /* ... or more while they are growing */
#define MAX_SITE_FRAMES 32

/* "0/24" sampled blocks freed, "11s" the oldest live one. */
static void evidence(const struct lt_diag_row *r, char *freed, size_t flen,
		     char *oldest, size_t olen)
{
	snprintf(freed, flen, "%lld/%lld", (long long)r->freed_total,
		 (long long)r->samples_total);
	if (r->oldest_age >= 0)
		lt_fmt_duration(r->oldest_age, oldest, olen);
	else
		snprintf(oldest, olen, "-");
}

/* Seed story 4: one row per leak in the "your code" view by default, each
 * with the whole stack of its largest site, library frames included, so a
 * leak inside a library leads to its caller.  The claim weighs allocation
 * against the free flow through the same code (lt_diag.h). */
static void heap_sites(struct out *o, const lt_model *m,
		       const struct lt_diag_opts *dopt)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	const struct lt_source *src = lt_model_source_find(m, "heap");
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h), nr, shown = 0;
	size_t ngo = 0;
	struct lt_diag_row *rows;
	char rate[32], total[32], loss[200];

	if (!ns) {
		put(o, "\nHeap call sites: not recorded");
		if (src && !src->available && src->reason) {
			put(o, " (");
			put_esc(o, src->reason);
			put(o, ")");
		}
		put(o, "\n");
		return;
	}
	nr = lt_diag_rows(m, dopt, 0, ns, &rows);
	if (lt_hsites_rate(h) <= 1)
		snprintf(rate, sizeof(rate), "every allocation");
	else
		lt_fmt_bytes((double)lt_hsites_rate(h), rate, sizeof(rate));
	lt_fmt_bytes((double)lt_hsites_sample(h, ns - 1)->total.live_bytes,
		     total, sizeof(total));
	put(o, "\nHeap call sites (%zu sites, by %s: %zu rows; sampled every %s on average; %s live at the end, estimated):\n",
	    n, lt_diag_view_name(dopt->view), nr, rate, total);
	for (size_t i = 0; i < n; i++)
		if (lt_hsites_get(h, i)->kind == LT_HSITE_GO)
			ngo++;
	if (ngo < n)
		put(o, "  Blocks allocated before the attach are not seen; a claim weighs what a\n"
		    "  row allocates against what is freed through the same code%s.\n",
		    lt_hsites_count(lt_model_fsites_c(m)) ? "" :
		    " (this session has no free flow: frees of older blocks are unseen)");
	if (ngo)
		put(o, "  %s Go heap profile: counts since the program started, as of its last GC\n"
		    "  (the runtime knows a free when a GC sweeps it); judged GC by GC: a site\n"
		    "  is collecting until a few GCs have run.\n", ngo < n ? "Sites of the" : "The");
	if (lt_verdict_heap_loss(m, loss, sizeof(loss))) {
		put(o, "  DATA LOST: ");
		put_esc(o, loss);
		put(o, "\n");
	}
	if (src && !src->available && src->reason) {
		put(o, "  heap source ended: ");
		put_esc(o, src->reason);
		put(o, "\n");
	}
	put(o, "  %10s %12s %10s %-10s %9s %7s %s\n", "live", "net/s", "allocs/s",
	    "claim", "freed", "oldest", "where");
	for (size_t k = 0; k < nr; k++) {
		const struct lt_diag_row *r = &rows[k];
		char live[32], slope[48], where[600], freed[48], oldest[32];

		if (shown >= MAX_GROWING ||
		    (shown >= MAX_SITES && r->claim != LT_CLAIM_GROWING))
			break;
		lt_fmt_bytes(r->live, live, sizeof(live));
		lt_fmt_rate(r->net_rate, LT_UNIT_BYTES, slope, sizeof(slope));
		evidence(r, freed, sizeof(freed), oldest, sizeof(oldest));
		lt_diag_label(m, dopt, r, where, sizeof(where));
		put(o, "  %10s %12s %10.1f %-10s %9s %7s ", live, slope,
		    r->allocs_per_s, lt_diag_claim_name(r->claim), freed, oldest);
		put_esc(o, where);
		put(o, "\n");
		stack_lines(o, m, lt_hsites_get(h, r->site)->stack, MAX_SITE_FRAMES);
		shown++;
	}
	if (nr > shown)
		put(o, "  ... %zu more rows\n", nr - shown);
	free(rows);
}

#define MAX_FD_SITES 10

void lt_report_fd_rank(const lt_model *m, size_t *order, struct lt_growth *g)
{
	const lt_hsites *h = lt_model_fdsites_c(m);
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h);
	double *key;

	if (!n)
		return;
	key = lt_xmalloc(n * sizeof(*key));
	for (size_t i = 0; i < n; i++) {
		struct lt_hval v = {0};

		lt_hsites_count_growth(h, i, 0, ns, &g[i]);
		if (ns)
			lt_hsites_value(h, i, ns - 1, &v);
		order[i] = i;
		key[i] = (g[i].trend == LT_TREND_GROWING ? 1e12 + g[i].slope * 1e6 : 0) +
			 (double)v.live_count;
	}
	/* Few sites: a plain insertion sort keeps the order stable. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && key[order[j]] > key[order[j - 1]]; j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	free(key);
}

/* Descriptor call sites: every descriptor-creating call of the target,
 * counted by the agent, ranked by growth of what is open now. */
static void fd_sites(struct out *o, const lt_model *m)
{
	static const char *const kinds[] = {"file", "socket", "pipe", "anon"};
	const lt_hsites *h = lt_model_fdsites_c(m);
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h);
	size_t *order;
	struct lt_growth *g;

	if (!n || !ns)
		return;
	order = lt_xmalloc(n * sizeof(*order));
	g = lt_xmalloc(n * sizeof(*g));
	lt_report_fd_rank(m, order, g);
	put(o, "\nDescriptor call sites (%zu; every call counted):\n", n);
	put(o, "  %6s %8s %8s %12s %-10s %s\n", "kind", "open", "created", "growth",
	    "trend", "where");
	for (size_t r = 0; r < n && r < MAX_FD_SITES; r++) {
		size_t i = order[r];
		const struct lt_hsite *site = lt_hsites_get(h, i);
		struct lt_hval v;
		char rate[48], where[600];

		lt_hsites_value(h, i, ns - 1, &v);
		lt_fmt_rate(g[i].trend == LT_TREND_GROWING ? g[i].slope : 0,
			    LT_UNIT_COUNT, rate, sizeof(rate));
		lt_stacktab_describe_alloc(lt_model_stacks_c(m), site->stack, where,
					   sizeof(where));
		put(o, "  %6s %8lld %8lld %12s %-10s ",
		    site->kind >= 0 && site->kind < 4 ? kinds[site->kind] : "?",
		    (long long)v.live_count, (long long)v.alloc_count, rate,
		    lt_growth_trend_name(g[i].trend));
		put_esc(o, where);
		put(o, "\n");
	}
	if (n > MAX_FD_SITES)
		put(o, "  ... %zu more sites\n", n - MAX_FD_SITES);
	free(order);
	free(g);
}

static void verdicts(struct out *o, const struct lt_verdict *v, size_t n,
		     const char *const *notes)
{
	put(o, "\nVerdicts:\n");
	for (size_t i = 0; i < n; i++) {
		put(o, "%s", v[i].kind == LT_VERDICT_WARN ? "! " : "  ");
		if (notes && notes[i] && *notes[i]) {
			put(o, "[");
			put_esc(o, notes[i]);
			put(o, "] ");
		}
		put_esc(o, v[i].text);
		put(o, "\n");
	}
}

/* The first write error of o (or of out) into err. */
static int finish(struct out *o, lt_err *err)
{
	errno = 0;
	if (!o->err && (fflush(o->f) != 0 || ferror(o->f)))
		o->err = errno ? errno : EIO;
	if (o->err) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write the report: %s",
			   strerror(o->err));
		return -1;
	}
	return 0;
}

int lt_report_verdicts(const struct lt_verdict *v, size_t n,
		       const char *const *notes, FILE *out, lt_err *err)
{
	struct out o = {out, 0};

	verdicts(&o, v, n, notes);
	return finish(&o, err);
}

int lt_report_write(const lt_model *m, FILE *out, lt_err *err)
{
	return lt_report_write_with(m, NULL, out, err);
}

int lt_report_write_with(const lt_model *m, const struct lt_diag_opts *dopt,
			 FILE *out, lt_err *err)
{
	static const struct lt_diag_opts yours = {.view = LT_DIAG_YOURS};
	struct lt_verdict v[MAX_VERDICTS];
	struct out o = {out, 0};
	size_t nv;

	if (!dopt)
		dopt = &yours;
	header(&o, m);
	sources(&o, m);
	series(&o, m);
	heap_sites(&o, m, dopt);
	fd_sites(&o, m);
	threads(&o, m);
	if (!o.err)
		lt_goroutines_report(m, out);
	if (!o.err)
		lt_lost_report(m, out);
	nv = lt_verdict_compute_with(m, dopt, v, MAX_VERDICTS);
	verdicts(&o, v, nv, NULL);
	return finish(&o, err);
}
