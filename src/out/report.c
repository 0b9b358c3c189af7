#include "lt_report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lt_err.h"
#include "lt_fmt.h"
#include "lt_goroutines.h"
#include "lt_growth.h"
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

static void header(struct out *o, const lt_model *m)
{
	const struct lt_meta *me = lt_model_meta_c(m);
	size_t ticks = lt_model_tick_count(m);
	char a[96], b[64], pid[32];
	double dur = 0;

	if (me->start_ns > 0 && me->end_ns > me->start_ns)
		dur = (double)(me->end_ns - me->start_ns) / 1e9;
	else if (ticks)
		dur = lt_model_tick(m, ticks - 1)->t;

	put(o, "leaktop report\n");
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
	if (!me->end_reason) {
		field(o, "end", "still recording or killed (no end recorded)");
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

static void row(struct out *o, int id, const struct lt_growth *g, int tw)
{
	const struct lt_metric_def *d = lt_metric_def(id);
	char start[48], end[48], change[48], rate[64];
	double delta = g->end - g->start;
	const char *trend = lt_growth_trend_name(g->trend);

	lt_fmt_value(g->start, d->unit, start, sizeof(start));
	lt_fmt_value(g->end, d->unit, end, sizeof(end));
	lt_fmt_value(delta, d->unit, change + 1, sizeof(change) - 1);
	change[0] = '+';
	if (delta <= 0) /* "-1 MiB" and "0" carry no "+" */
		memmove(change, change + 1, strlen(change));
	if (g->n < 2 || g->duration <= 0) {
		snprintf(rate, sizeof(rate), "-");
	} else if (d->kind == LT_KIND_CUMULATIVE) {
		/* A counter's average rate over the session is its
		 * throughput, whatever bursts the fit would weigh. */
		lt_fmt_rate(delta / g->duration, d->unit, rate, sizeof(rate));
		trend = "throughput";
	} else {
		/* Within the noise floor the fitted slope is jitter: printing
		 * "+2 MiB/h" next to "flat" would only raise doubts. */
		lt_fmt_rate(g->trend == LT_TREND_FLAT ? 0 : g->slope, d->unit,
			    rate, sizeof(rate));
	}
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

/* Median and maximum over samples of the longest time one thread stood. */
static void stop_times(const lt_tgroups *g, char *med, char *max, size_t len)
{
	size_t n = lt_tgroups_sample_count(g);
	int64_t *v = lt_xmalloc((n ? n : 1) * sizeof(int64_t));

	for (size_t k = 0; k < n; k++)
		v[k] = lt_tgroups_sample(g, k)->max_stop_ns;
	qsort(v, n, sizeof(*v), cmp_i64);
	snprintf(med, len, "%.0fus", n ? v[n / 2] / 1e3 : 0.0);
	snprintf(max, len, "%.0fus", n ? v[n - 1] / 1e3 : 0.0);
	free(v);
}

static void stack_lines(struct out *o, const lt_stacktab *t, size_t s,
			size_t max)
{
	const struct lt_stack *st = lt_stacktab_stack(t, s);
	char label[512];

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
	int64_t skipped = 0;
	char med[32], max[32];

	if (!ns)
		return;
	order = lt_xmalloc((n ? n : 1) * sizeof(*order));
	gr = lt_xmalloc((n ? n : 1) * sizeof(*gr));
	lt_tgroups_rank(g, order, gr);
	for (size_t k = 0; k < ns; k++)
		skipped += lt_tgroups_sample(g, k)->skipped;
	stop_times(g, med, max, sizeof(med));
	put(o, "\nThreads (%zu samples, %zu groups; longest stop per sample: median %s, max %s; %lld threads skipped):\n",
	    ns, n, med, max, (long long)skipped);
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
		    (long long)lt_tgroups_value(g, i, 0), (long long)lt_tgroups_value(g, i, ns - 1),
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
			stack_lines(o, t, grp->stack, MAX_FRAMES);
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
	const lt_stacktab *t = lt_model_stacks_c(m);
	const struct lt_source *src = lt_model_source_find(m, "heap");
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h), nr, shown = 0;
	size_t ngo = 0;
	struct lt_diag_row *rows;
	char rate[32], total[32];

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
		stack_lines(o, t, lt_hsites_get(h, r->site)->stack, MAX_SITE_FRAMES);
		shown++;
	}
	if (nr > shown)
		put(o, "  ... %zu more rows\n", nr - shown);
	free(rows);
}

#define MAX_FD_SITES 10

/* Descriptor call sites: every descriptor-creating call of the target,
 * counted by the agent, ranked by growth of what is open now. */
static void fd_sites(struct out *o, const lt_model *m)
{
	static const char *const kinds[] = {"file", "socket", "pipe", "anon"};
	const lt_hsites *h = lt_model_fdsites_c(m);
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h);
	size_t *order;
	double *key;
	struct lt_growth *g;

	if (!n || !ns)
		return;
	order = lt_xmalloc(n * sizeof(*order));
	key = lt_xmalloc(n * sizeof(*key));
	g = lt_xmalloc(n * sizeof(*g));
	for (size_t i = 0; i < n; i++) {
		struct lt_hval v;

		lt_hsites_count_growth(h, i, 0, ns, &g[i]);
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
	free(key);
	free(g);
}

static void verdicts(struct out *o, const lt_model *m,
		     const struct lt_diag_opts *dopt)
{
	struct lt_verdict v[MAX_VERDICTS];
	size_t n = lt_verdict_compute_with(m, dopt, v, MAX_VERDICTS);

	put(o, "\nVerdicts:\n");
	for (size_t i = 0; i < n; i++) {
		put(o, "%s", v[i].kind == LT_VERDICT_WARN ? "! " : "  ");
		put_esc(o, v[i].text);
		put(o, "\n");
	}
}

int lt_report_write(const lt_model *m, FILE *out, lt_err *err)
{
	return lt_report_write_with(m, NULL, out, err);
}

int lt_report_write_with(const lt_model *m, const struct lt_diag_opts *dopt,
			 FILE *out, lt_err *err)
{
	static const struct lt_diag_opts yours = {.view = LT_DIAG_YOURS};
	struct out o = {out, 0};

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
	verdicts(&o, m, dopt);
	errno = 0;
	if (!o.err && (fflush(out) != 0 || ferror(out)))
		o.err = errno ? errno : EIO;
	if (o.err) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write the report: %s",
			   strerror(o.err));
		return -1;
	}
	return 0;
}
