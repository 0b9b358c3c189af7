/* leaktop report FILE --json (lt_report_json.h; keys in doc/json.md).
 *
 * It reads what the text report reads, through the same calls (the
 * diagnosis's rows, the report's rates and rankings, the verdict list),
 * so the two cannot disagree; it only leaves nothing out. */
#include "lt_report_json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lt_goroutines.h"
#include "lt_growth.h"
#include "lt_report.h"
#include "lt_verdict.h"

/* Bumped only when a key changes meaning or goes away; new keys do not. */
#define FORMAT_VERSION 1
#define MAX_VERDICTS 32
#define MAX_DEPTH 16

/* A writer that puts the commas: each level remembers whether it has a
 * member yet. */
struct js {
	FILE *f;
	int depth;
	int any[MAX_DEPTH];
};

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when s does not
 * start one: overlong forms, surrogates and code points past U+10FFFF
 * are not valid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;   /* the NUL that ends s stops here too */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void lt_report_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	while (*p) {
		size_t n = utf8_len(p);

		if (!n) {
			fputs("\\ufffd", out);
			p++;
		} else if (*p == '"' || *p == '\\') {
			putc('\\', out);
			putc(*p++, out);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
	putc('"', out);
}

static void sep(struct js *j)
{
	if (j->any[j->depth])
		putc(',', j->f);
	j->any[j->depth] = 1;
}

/* "key": (a member of the object being written). */
static void key(struct js *j, const char *k)
{
	sep(j);
	fprintf(j->f, "\"%s\":", k);
}

static void open_(struct js *j, const char *k, char c)
{
	if (k)
		key(j, k);
	else
		sep(j);
	putc(c, j->f);
	if (j->depth + 1 < MAX_DEPTH)
		j->any[++j->depth] = 0;
}

static void obj(struct js *j, const char *k) { open_(j, k, '{'); }
static void arr(struct js *j, const char *k) { open_(j, k, '['); }

static void close_(struct js *j, char c)
{
	putc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

static void str(struct js *j, const char *k, const char *v)
{
	if (k)
		key(j, k);
	else
		sep(j);
	lt_report_json_string(j->f, v);
}

static void num(struct js *j, const char *k, double v)
{
	key(j, k);
	if (isfinite(v))
		fprintf(j->f, "%.15g", v);
	else
		fputs("null", j->f);
}

static void inum(struct js *j, const char *k, long long v)
{
	key(j, k);
	fprintf(j->f, "%lld", v);
}

static void boolean(struct js *j, const char *k, int v)
{
	key(j, k);
	fputs(v ? "true" : "false", j->f);
}

static void null(struct js *j, const char *k)
{
	key(j, k);
	fputs("null", j->f);
}

/* "stack": every frame of stack s, inlined functions first as the text
 * report lists them; null for LT_NONE. */
static void stack(struct js *j, const lt_model *m, size_t s)
{
	const lt_stacktab *t = lt_model_stacks_c(m);
	const struct lt_stack *st = s == LT_NONE ? NULL : lt_stacktab_stack(t, s);
	char pc[32];

	if (!st) {
		null(j, "stack");
		return;
	}
	arr(j, "stack");
	for (size_t i = 0; i < st->depth; i++) {
		const struct lt_frame *f = lt_stacktab_frame(t, st->frames[i]);

		for (size_t k = 0; f && k < f->nsyms; k++) {
			obj(j, NULL);
			str(j, "function", f->syms[k].function);
			str(j, "file", f->syms[k].file);
			if (f->syms[k].line > 0)
				inum(j, "line", f->syms[k].line);
			else
				null(j, "line");
			str(j, "module", f->module);
			snprintf(pc, sizeof(pc), "0x%llx", (unsigned long long)f->pc);
			str(j, "pc", pc);
			boolean(j, "inlined", k + 1 < f->nsyms);
			close_(j, '}');
		}
	}
	close_(j, ']');
}

static void meta(struct js *j, const lt_model *m)
{
	const struct lt_meta *me = lt_model_meta_c(m);
	size_t ticks = lt_model_tick_count(m);
	double dur = 0;

	if (me->start_ns > 0 && me->end_ns > me->start_ns)
		dur = (double)(me->end_ns - me->start_ns) / 1e9;
	else if (ticks)
		dur = lt_model_tick(m, ticks - 1)->t;
	obj(j, "meta");
	if (me->pid > 0)
		inum(j, "pid", me->pid);
	else
		null(j, "pid");
	str(j, "command", me->cmdline);
	str(j, "exe", me->exe);
	str(j, "build_id", me->build_id);
	str(j, "host", me->host);
	str(j, "kernel", me->kernel);
	str(j, "leaktop", me->version);
	str(j, "options", me->options);
	str(j, "cgroup", me->cgroup);
	str(j, "wrappers", me->wrappers);
	inum(j, "fd_limit", me->fd_limit);
	inum(j, "mem_limit", me->mem_limit);
	inum(j, "start_ns", me->start_ns);
	inum(j, "end_ns", me->end_ns);
	num(j, "duration_s", dur);
	inum(j, "ticks", (long long)ticks);
	num(j, "interval_s", me->interval);
	str(j, "end_reason", me->end_reason);
	close_(j, '}');
}

static void sources(struct js *j, const lt_model *m)
{
	arr(j, "sources");
	for (size_t i = 0; i < lt_model_source_count(m); i++) {
		const struct lt_source *s = lt_model_source(m, i);

		obj(j, NULL);
		str(j, "name", s->name);
		boolean(j, "available", s->available);
		str(j, "reason", s->reason);
		close_(j, '}');
	}
	close_(j, ']');
}

static const char *unit_name(int unit)
{
	return unit == LT_UNIT_BYTES ? "bytes" : unit == LT_UNIT_COUNT ? "count" : NULL;
}

static void series(struct js *j, const lt_model *m)
{
	size_t ticks = lt_model_tick_count(m);

	arr(j, "series");
	for (int id = 0; id < LT_M_COUNT; id++) {
		const struct lt_metric_def *d = lt_metric_def(id);
		struct lt_growth g;
		const char *trend;
		double rate;

		lt_model_growth(m, id, 0, ticks, &g);
		if (!g.n)
			continue;
		rate = lt_report_series_rate(id, &g, &trend);
		obj(j, NULL);
		str(j, "key", d->key);
		str(j, "title", d->title);
		str(j, "group", lt_report_series_group(id));
		str(j, "unit", unit_name(d->unit));
		str(j, "kind", d->kind == LT_KIND_CUMULATIVE ? "cumulative" : "level");
		inum(j, "samples", (long long)g.n);
		num(j, "start", g.start);
		num(j, "end", g.end);
		num(j, "change", g.end - g.start);
		num(j, "min", g.min);
		num(j, "max", g.max);
		num(j, "rate", rate);
		str(j, "trend", trend);
		close_(j, '}');
	}
	close_(j, ']');
}

static void heap(struct js *j, const lt_model *m, const struct lt_diag_opts *dopt)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	const struct lt_source *src = lt_model_source_find(m, "heap");
	size_t ns = lt_hsites_sample_count(h), nr;
	struct lt_diag_row *rows;
	char label[600];

	if (!ns) {
		null(j, "heap");
		return;
	}
	nr = lt_diag_rows(m, dopt, 0, ns, &rows);
	obj(j, "heap");
	str(j, "view", lt_diag_view_name(dopt->view));
	inum(j, "sites", (long long)lt_hsites_count(h));
	inum(j, "samples", (long long)ns);
	inum(j, "sample_rate", (long long)lt_hsites_rate(h));
	num(j, "live_bytes", (double)lt_hsites_sample(h, ns - 1)->total.live_bytes);
	boolean(j, "free_flow", lt_hsites_count(lt_model_fsites_c(m)) > 0);
	str(j, "ended", src && !src->available ? src->reason : NULL);
	arr(j, "rows");
	for (size_t k = 0; k < nr; k++) {
		const struct lt_diag_row *r = &rows[k];

		obj(j, NULL);
		str(j, "function", r->function);
		str(j, "where", lt_diag_label(m, dopt, r, label, sizeof(label)));
		str(j, "claim", lt_diag_claim_name(r->claim));
		num(j, "live", r->live);
		num(j, "net_rate", r->net_rate);
		num(j, "net_lo", r->net_lo);
		num(j, "net_hi", r->net_hi);
		num(j, "alloc_rate", r->alloc_rate);
		num(j, "free_rate", r->free_rate);
		num(j, "allocs_per_s", r->allocs_per_s);
		inum(j, "samples_total", r->samples_total);
		inum(j, "freed_total", r->freed_total);
		num(j, "oldest_age_s", r->oldest_age >= 0 ? r->oldest_age : NAN);
		inum(j, "sites", (long long)r->nsites);
		boolean(j, "via_library", r->via_library);
		stack(j, m, lt_hsites_get(h, r->site)->stack);
		close_(j, '}');
	}
	close_(j, ']');
	close_(j, '}');
	free(rows);
}

static void fd_sites(struct js *j, const lt_model *m)
{
	static const char *const kinds[] = {"file", "socket", "pipe", "anon"};
	const lt_hsites *h = lt_model_fdsites_c(m);
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h), *order;
	struct lt_growth *g;
	char where[600];

	arr(j, "fd_sites");
	if (!n || !ns) {
		close_(j, ']');
		return;
	}
	order = lt_xmalloc(n * sizeof(*order));
	g = lt_xmalloc(n * sizeof(*g));
	lt_report_fd_rank(m, order, g);
	for (size_t r = 0; r < n; r++) {
		size_t i = order[r];
		const struct lt_hsite *site = lt_hsites_get(h, i);
		struct lt_hval v;

		lt_hsites_value(h, i, ns - 1, &v);
		obj(j, NULL);
		str(j, "kind", site->kind >= 0 && site->kind < 4 ? kinds[site->kind] : NULL);
		inum(j, "open", v.live_count);
		inum(j, "created", v.alloc_count);
		num(j, "rate", g[i].trend == LT_TREND_GROWING ? g[i].slope : 0);
		str(j, "trend", lt_growth_trend_name(g[i].trend));
		lt_stacktab_describe_alloc(lt_model_stacks_c(m), site->stack, where, sizeof(where));
		str(j, "where", where);
		stack(j, m, site->stack);
		close_(j, '}');
	}
	close_(j, ']');
	free(order);
	free(g);
}

/* Thread groups (goroutines: 0) or goroutine groups (1), ranked as the
 * text report ranks them. */
static void groups(struct js *j, const lt_model *m, int go)
{
	const lt_tgroups *g = go ? lt_model_goroutines_c(m) : lt_model_tgroups_c(m);
	size_t n = lt_tgroups_count(g), ns = lt_tgroups_sample_count(g), *order;
	struct lt_growth *gr;
	int64_t skipped = 0, med, max;
	char buf[512], sbuf[16];

	if (!ns) {
		null(j, go ? "goroutines" : "threads");
		return;
	}
	order = lt_xmalloc((n ? n : 1) * sizeof(*order));
	gr = lt_xmalloc((n ? n : 1) * sizeof(*gr));
	lt_tgroups_rank(g, order, gr);
	obj(j, go ? "goroutines" : "threads");
	inum(j, "samples", (long long)ns);
	if (!go) {
		for (size_t k = 0; k < ns; k++)
			skipped += lt_tgroups_sample(g, k)->skipped;
		lt_report_stop_times(g, &med, &max);
		num(j, "stop_median_us", med / 1e3);
		num(j, "stop_max_us", max / 1e3);
		inum(j, "skipped", skipped);
	}
	arr(j, "groups");
	for (size_t r = 0; r < n; r++) {
		size_t i = order[r];
		const struct lt_tgroup *grp = lt_tgroups_get(g, i);

		obj(j, NULL);
		inum(j, "start", lt_tgroups_value(g, i, 0));
		inum(j, "end", lt_tgroups_value(g, i, ns - 1));
		num(j, "rate", gr[i].trend == LT_TREND_FLAT ? 0 : gr[i].slope);
		str(j, "trend", lt_growth_trend_name(gr[i].trend));
		if (go) {
			str(j, "state", lt_goroutines_status_name(grp->state, sbuf, sizeof(sbuf)));
			lt_goroutines_doing(grp, buf, sizeof(buf));
			str(j, "doing", buf);
			str(j, "where", lt_goroutines_where(lt_model_stacks_c(m), grp->stack, buf, sizeof(buf)));
		} else {
			str(j, "state", lt_tgroups_state_name(grp->state, sbuf, sizeof(sbuf)));
			str(j, "syscall", grp->syscall);
			str(j, "where", lt_stacktab_describe(lt_model_stacks_c(m), grp->stack, buf, sizeof(buf)));
		}
		arr(j, go ? "created_by" : "names");
		for (size_t k = 0; k < grp->nnames; k++)
			str(j, NULL, grp->names[k]);
		close_(j, ']');
		stack(j, m, grp->stack);
		close_(j, '}');
	}
	close_(j, ']');
	close_(j, '}');
	free(order);
	free(gr);
}

static void verdicts(struct js *j, const lt_model *m, const struct lt_diag_opts *dopt)
{
	struct lt_verdict v[MAX_VERDICTS];
	size_t n = lt_verdict_compute_with(m, dopt, v, MAX_VERDICTS);

	arr(j, "verdicts");
	for (size_t i = 0; i < n; i++) {
		obj(j, NULL);
		str(j, "kind", v[i].kind == LT_VERDICT_WARN ? "warn" : "info");
		str(j, "topic", lt_verdict_topic_name(v[i].topic));
		str(j, "text", v[i].text);
		str(j, "metric", v[i].metric >= 0 ? lt_metric_def(v[i].metric)->key : NULL);
		str(j, "unit", unit_name(v[i].unit));
		num(j, "rate", v[i].unit >= 0 ? v[i].rate : NAN);
		boolean(j, "derived", v[i].derived);
		stack(j, m, v[i].stack);
		close_(j, '}');
	}
	close_(j, ']');
}

int lt_report_json_write(const lt_model *m, const struct lt_diag_opts *dopt,
			 FILE *out, lt_err *err)
{
	static const struct lt_diag_opts yours = {.view = LT_DIAG_YOURS};
	struct js j = {.f = out};

	if (!dopt)
		dopt = &yours;
	putc('{', out);
	str(&j, "format", "leaktop-report");
	inum(&j, "format_version", FORMAT_VERSION);
	meta(&j, m);
	sources(&j, m);
	series(&j, m);
	heap(&j, m, dopt);
	fd_sites(&j, m);
	groups(&j, m, 0);
	groups(&j, m, 1);
	verdicts(&j, m, dopt);
	fputs("}\n", out);
	errno = 0;
	if (fflush(out) != 0 || ferror(out)) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write the report: %s",
			   strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}
