/* The header and the list screens: Memory, Threads, Sites and Help.
 *
 * Columns are data: each table is a const array of {title, width, format},
 * and one function draws any of them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "lt_fmt.h"
#include "lt_metric.h"
#include "lt_verdict.h"
#include "view_int.h"

/* --- header -------------------------------------------------------------- */

struct hcell {
	const char *title;
	int id;       /* metric, or -1: the heap estimate (issue 3) */
};

static const struct hcell hcells[] = {
	{"anon", LT_M_RSS_ANON},  {"file", LT_M_RSS_FILE},
	{"heap", -1},             {"threads", LT_M_THREADS},
	{"fds", LT_M_FDS},        {"cg wset", LT_M_CG_WORKING_SET},
	{"cg cache", LT_M_CG_FILE},
};

/* The heap estimate: all sites' live bytes at the cursor, its growth over
 * the window and a sparkline. */
static void heap_cell(lt_view *v, const lt_model *m, const struct vtime *vt,
		      struct lt_vline *l, int end)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	size_t n = vt->nh ? vt->hcur - vt->hbase + 1 : 0, spark;
	double *t, *val;
	struct lt_growth g;
	char sval[32], rate[32];

	if (!n) {
		vl_rjust(l, end, "n/a", 9);
		vl_span(l, l->cols - 3, 3, LT_ST_DIM);
		return;
	}
	t = lt_xmalloc(n * sizeof(double));
	val = lt_xmalloc(n * sizeof(double));
	for (size_t k = 0; k < n; k++) {
		t[k] = lt_hsites_sample(h, vt->hbase + k)->t;
		val[k] = (double)lt_hsites_sample(h, vt->hbase + k)->total.live_bytes;
	}
	lt_growth_fit(t, val, n, lt_hsites_noise(h), &g);
	free(t);
	free(val);
	lt_fmt_value(g.end, LT_UNIT_BYTES, sval, sizeof(sval));
	lt_fmt_rate(g.slope, LT_UNIT_BYTES, rate, sizeof(rate));
	vl_rjust(l, end, sval, 9);
	vl_puts(l, end, " ");
	vl_rjust(l, end, rate, 12);
	if (g.trend == LT_TREND_GROWING)
		vl_span(l, l->cols - 12, 12, LT_ST_WARN);
	spark = (size_t)(end - l->cols - 1 > 16 ? 16 : end - l->cols - 1);
	if (end - l->cols - 1 >= 3) {
		vl_puts(l, end, " ");
		vl_spark_site(l, end, v->ascii, m, LT_NONE, vt->hbase, vt->hcur, (int)spark);
	}
}

static void header_cell(lt_view *v, const lt_model *m, const struct vtime *vt,
			struct lt_vline *l, const struct hcell *c, int x, int w)
{
	char val[32], rate[32];
	struct lt_growth g = {0};
	int end = x + w - 1, spark;

	vl_pad(l, x);
	vl_printf(l, end, "%-8s", c->title);
	if (c->id < 0) {
		heap_cell(v, m, vt, l, end);
		return;
	}
	if (c->id >= 0 && vt->n)
		lt_model_growth(m, c->id, vt->base, vt->cur + 1, &g);
	if (!g.n) {
		vl_rjust(l, end, "n/a", 9);
		vl_span(l, l->cols - 3, 3, LT_ST_DIM);
		return;
	}
	lt_fmt_value(g.end, lt_metric_def(c->id)->unit, val, sizeof(val));
	lt_fmt_rate(g.slope, lt_metric_def(c->id)->unit, rate, sizeof(rate));
	vl_rjust(l, end, val, 9);
	vl_puts(l, end, " ");
	vl_rjust(l, end, rate, 12);
	if (g.trend == LT_TREND_GROWING)
		vl_span(l, l->cols - 12, 12, LT_ST_WARN);
	spark = end - l->cols - 1;
	if (spark > 16)
		spark = 16;
	if (spark >= 3) {
		vl_puts(l, end, " ");
		vl_spark_metric(l, end, v->ascii, m, c->id, vt->base, vt->cur, spark);
	}
}

static void sources_line(const lt_model *m, struct lt_vline *l, int cols)
{
	int any = 0;

	vl_puts(l, cols, "unavailable: ");
	for (size_t i = 0; i < lt_model_source_count(m); i++) {
		const struct lt_source *s = lt_model_source(m, i);

		if (s->available)
			continue;
		vl_printf(l, cols, "%s%s (%s)", any ? "; " : "", s->name,
			  s->reason ? s->reason : "no reason recorded");
		any = 1;
	}
	if (!any)
		vl_puts(l, cols, "none");
	vl_span(l, 0, l->cols, LT_ST_DIM);
}

static void tab_bar(lt_view *v, struct lt_vline *l, int cols)
{
	static const char *const names[LT_SCR_COUNT] = {
		"Sites", "Threads", "Flame", "Memory", "Help"};

	for (int s = 0; s < LT_SCR_COUNT; s++) {
		int x = l->cols;

		vl_printf(l, cols, " %d %s ", s + 1, names[s]);
		if (s == v->screen)
			vl_span(l, x, l->cols - x, LT_ST_TAB_ON);
	}
	if (!isnan(v->base_t))
		vl_printf(l, cols, "  baseline t=%.1fs", v->base_t);
	if (v->paused)
		vl_puts(l, cols, "  PAUSED");
	vl_pad(l, cols);
	vl_span(l, 0, cols, LT_ST_TAB);
	/* The current tab's span comes first; drawn after the bar's. */
	for (size_t i = 0; i + 1 < l->nspans; i++)
		if (l->spans[i].style == LT_ST_TAB_ON) {
			struct lt_vspan on = l->spans[i];

			memmove(&l->spans[i], &l->spans[i + 1],
				(l->nspans - i - 1) * sizeof(on));
			l->spans[l->nspans - 1] = on;
			break;
		}
}

int screen_header(lt_view *v, const lt_model *m, const struct vtime *vt,
		  struct lt_vframe *f)
{
	const struct lt_meta *meta = lt_model_meta_c(m);
	const char *exe = meta->exe ? meta->exe : meta->cmdline ? meta->cmdline : "?";
	double end_t = vt->n ? lt_model_tick(m, vt->n - 1)->t : 0;
	char dur[32], at[32];
	struct lt_vline *l = vf_line(f, 0);
	int per = f->cols >= 120 ? 3 : 2, w = f->cols / per, y = 1;
	size_t nc = sizeof(hcells) / sizeof(hcells[0]);

	lt_fmt_duration(end_t, dur, sizeof(dur));
	lt_fmt_duration(vt->t, at, sizeof(at));
	/* The long parts last: a narrow terminal cuts the path, not the time. */
	vl_printf(l, f->cols, "leaktop  pid %d  ", (int)meta->pid);
	if (v->live)
		vl_printf(l, f->cols, "live %s, every %gs%s%s", dur, meta->interval,
			  v->output ? " -> " : "", v->output ? v->output : "");
	else
		vl_printf(l, f->cols, "replay t=%s of %s, every %gs", at, dur, meta->interval);
	if (v->ended[0])
		vl_printf(l, f->cols, " [ended: %s]", v->ended);
	if (lt_hsites_rate(lt_model_hsites_c(m)) > 1) {
		char r[32];

		lt_fmt_bytes((double)lt_hsites_rate(lt_model_hsites_c(m)), r, sizeof(r));
		vl_printf(l, f->cols, "  heap 1 sample/%s", r);
	} else if (lt_hsites_rate(lt_model_hsites_c(m)) == 1) {
		vl_puts(l, f->cols, "  heap: every allocation");
	}
	vl_printf(l, f->cols, "  | %s", exe);
	vl_pad(l, f->cols);
	vl_span(l, 0, f->cols, LT_ST_TITLE);
	for (size_t i = 0; i < nc; i += (size_t)per, y++)
		for (int c = 0; c < per && i + (size_t)c < nc; c++)
			header_cell(v, m, vt, vf_line(f, y), &hcells[i + (size_t)c],
				    c * w, w);
	sources_line(m, vf_line(f, y++), f->cols);
	tab_bar(v, vf_line(f, y++), f->cols);
	return y;
}

/* --- tables -------------------------------------------------------------- */

struct col {
	const char *title;
	int width;      /* 0: takes the rest of the line */
	int right;
	void (*fmt)(const lt_model *m, const struct vrow *r, char *buf, size_t len);
};

static void c_label(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	snprintf(b, n, "%s", r->label);
}

static void c_now(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	lt_fmt_value(r->now, r->unit, b, n);
}

static void c_delta(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	char tmp[48];

	(void)m;
	lt_fmt_value(r->delta, r->unit, tmp, sizeof(tmp));
	snprintf(b, n, "%s%s", r->delta > 0 ? "+" : "", tmp);
}

static void c_rate(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	lt_fmt_rate(r->slope, r->unit, b, n);
}

static void c_trend(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	snprintf(b, n, "%s", lt_growth_trend_name((enum lt_trend)r->trend));
}

static const struct lt_tgroup *row_group(const lt_model *m, const struct vrow *r)
{
	return lt_tgroups_get(lt_model_tgroups_c(m), (size_t)r->id - 1);
}

static void c_state(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	char tmp[32];

	snprintf(b, n, "%s", lt_tgroups_state_name(row_group(m, r)->state, tmp, sizeof(tmp)));
}

static void c_syscall(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	const char *s = row_group(m, r)->syscall;

	snprintf(b, n, "%s", s ? s : "-");
}

static void c_where(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	lt_stacktab_describe(lt_model_stacks_c(m), row_group(m, r)->stack, b, n);
}

static const struct col memory_cols[] = {
	{"SERIES", 22, 0, c_label}, {"NOW", 10, 1, c_now},
	{"CHANGE", 11, 1, c_delta}, {"RATE", 13, 1, c_rate},
	{"TREND", 10, 0, c_trend},  {"HISTORY", 0, 0, NULL},
};

static void c_allocs(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	snprintf(b, n, "%.1f", r->rel);
}

static const struct col site_cols[] = {
	{"GROWTH/s", 11, 1, c_rate}, {"LIVE", 9, 1, c_now},
	{"CHANGE", 10, 1, c_delta},  {"ALLOCS/s", 9, 1, c_allocs},
	{"TREND", 9, 0, c_trend},    {"HISTORY", 12, 0, NULL},
	{"WHERE", 0, 0, c_label},
};

static const struct col thread_cols[] = {
	{"COUNT", 6, 1, c_now},     {"CHANGE", 7, 1, c_delta},
	{"GROWTH", 9, 1, c_rate},   {"TREND", 10, 0, c_trend},
	{"STATE", 10, 0, c_state},  {"SYSCALL", 11, 0, c_syscall},
	{"WHERE", 0, 0, c_where},
};

static void col_head(struct lt_vline *l, int cols, const struct col *c, size_t n)
{
	vl_puts(l, cols, "  ");
	for (size_t i = 0; i < n; i++) {
		if (c[i].right)
			vl_rjust(l, cols, c[i].title, c[i].width);
		else
			vl_printf(l, cols, "%-*s", c[i].width, c[i].title);
		vl_puts(l, cols, " ");
	}
	vl_pad(l, cols);
	vl_span(l, 0, cols, LT_ST_COLHEAD);
}

static void table_row(lt_view *v, const lt_model *m, const struct vtime *vt,
		      struct lt_vline *l, int cols, const struct col *c,
		      size_t n, const struct vrow *r, int selected)
{
	char buf[256];

	vl_puts(l, cols, selected ? "> " : "  ");
	for (size_t i = 0; i < n; i++) {
		int x = l->cols;

		if (!c[i].fmt && v->screen == LT_SCR_SITES) {
			vl_spark_site(l, x + c[i].width, v->ascii, m, (size_t)r->id - 1,
				      vt->hbase, vt->hcur, c[i].width);
			vl_pad(l, x + c[i].width);
			vl_puts(l, cols, " ");
			continue;
		}
		if (!c[i].fmt) {  /* the history sparkline of a metric */
			vl_spark_metric(l, cols, v->ascii, m, (int)r->id - 1,
					vt->base, vt->cur, cols - l->cols);
			break;
		}
		c[i].fmt(m, r, buf, sizeof(buf));
		if (c[i].width && (int)strlen(buf) > c[i].width)
			buf[c[i].width] = '\0';
		if (c[i].right)
			vl_rjust(l, cols, buf, c[i].width);
		else
			vl_printf(l, cols, "%-*s", c[i].width, buf);
		vl_puts(l, cols, " ");
		if (c[i].fmt == c_rate && r->trend == LT_TREND_GROWING)
			vl_span(l, x, c[i].width, LT_ST_WARN);
		if (c[i].fmt == c_label && v->search[0] && view_match(r->label, v->search))
			vl_span(l, x, c[i].width, LT_ST_MATCH);
	}
	vl_pad(l, cols);
	if (selected)
		vl_span(l, 0, cols, LT_ST_SELECTED);
}

/* Draws v->rows as a table in rows [y0, y1), scrolled to the selection. */
static void table(lt_view *v, const lt_model *m, const struct vtime *vt,
		  struct lt_vframe *f, int y0, int y1, const struct col *c,
		  size_t n)
{
	struct listst *ls = &v->list[v->screen];
	size_t sel = view_sel_index(v), h;

	col_head(vf_line(f, y0), f->cols, c, n);
	y0++;
	h = y1 > y0 ? (size_t)(y1 - y0) : 0;
	if (!h)
		return;
	if (sel < ls->top)
		ls->top = sel;
	if (sel >= ls->top + h)
		ls->top = sel - h + 1;
	if (ls->top + h > v->nrows)
		ls->top = v->nrows > h ? v->nrows - h : 0;
	for (size_t i = ls->top; i < v->nrows && i < ls->top + h; i++)
		table_row(v, m, vt, vf_line(f, y0 + (int)(i - ls->top)), f->cols,
			  c, n, &v->rows[i], i == sel);
}

static void since_line(lt_view *v, const struct vtime *vt, struct lt_vline *l,
		       int cols, const char *what)
{
	char at[32];

	lt_fmt_duration(vt->t, at, sizeof(at));
	vl_printf(l, cols, "%s at t=%s; changes since %s", what, at,
		  vt->has_base ? "the baseline" : "the start");
	if (vt->has_base)
		vl_printf(l, cols, " (t=%.1fs)", v->base_t);
	vl_span(l, 0, l->cols, LT_ST_TITLE);
}

/* --- screens ------------------------------------------------------------- */

void screen_memory(lt_view *v, const lt_model *m, const struct vtime *vt,
		   struct lt_vframe *f, int y0, int y1)
{
	struct lt_verdict vd[16];
	size_t nv = lt_verdict_compute(m, vd, sizeof(vd) / sizeof(vd[0]));
	int room = (y1 - y0) / 3, shown = (int)nv < room ? (int)nv : room;

	since_line(v, vt, vf_line(f, y0), f->cols, "Memory and descriptors");
	if (!vt->n) {
		vl_puts(vf_line(f, y0 + 1), f->cols, "no ticks recorded yet");
		return;
	}
	table(v, m, vt, f, y0 + 1, y1 - shown - (shown ? 1 : 0), memory_cols,
	      sizeof(memory_cols) / sizeof(memory_cols[0]));
	if (!shown)
		return;
	vl_puts(vf_line(f, y1 - shown - 1), f->cols, "Verdicts (whole session):");
	vl_span(vf_line(f, y1 - shown - 1), 0, 25, LT_ST_TITLE);
	for (int i = 0; i < shown; i++) {
		struct lt_vline *l = vf_line(f, y1 - shown + i);

		vl_printf(l, f->cols, "%c %s", vd[i].kind == LT_VERDICT_WARN ? '!' : ' ',
			  vd[i].text);
		if (vd[i].kind == LT_VERDICT_WARN)
			vl_span(l, 0, l->cols, LT_ST_WARN);
	}
}

static void thread_detail(lt_view *v, const lt_model *m, struct lt_vframe *f,
			  int y0, int y1)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	const struct vrow *r = &v->rows[view_sel_index(v)];
	const struct lt_tgroup *g = row_group(m, r);
	char state[32], label[256];
	int y = y0;
	size_t skip = v->detail_top;
	struct lt_vline *l = vf_line(f, y++);

	vl_printf(l, f->cols, "Thread group: %.0f threads %s%s%s, first seen at sample %zu   (Enter/Esc closes)",
		  r->now, lt_tgroups_state_name(g->state, state, sizeof(state)),
		  g->syscall ? " in " : "", g->syscall ? g->syscall : "", g->first);
	vl_span(l, 0, l->cols, LT_ST_TITLE);
	l = vf_line(f, y++);
	vl_puts(l, f->cols, "names:");
	for (size_t i = 0; i < g->nnames; i++)
		vl_printf(l, f->cols, " %s", g->names[i]);
	if (!g->nnames)
		vl_puts(l, f->cols, " (none recorded)");
	vl_puts(vf_line(f, y++), f->cols, "stack, innermost first:");
	if (g->stack == LT_NONE) {
		vl_puts(vf_line(f, y), f->cols, "  (not unwound)");
		return;
	}
	for (size_t i = 0; i < lt_stacktab_stack(st, g->stack)->depth && y < y1; i++) {
		size_t fr = lt_stacktab_stack(st, g->stack)->frames[i];
		const struct lt_frame *fp = lt_stacktab_frame(st, fr);

		for (size_t k = 0; k < fp->nsyms && y < y1; k++) {
			if (skip) {
				skip--;
				continue;
			}
			l = vf_line(f, y++);
			if (k == 0) {
				lt_stacktab_frame_label(st, fr, label, sizeof(label));
				vl_printf(l, f->cols, "  #%-3zu %s", i, label);
			} else {
				vl_printf(l, f->cols, "        inlined into %s",
					  fp->syms[k].function ? fp->syms[k].function : "?");
			}
		}
	}
}

void screen_threads(lt_view *v, const lt_model *m, const struct vtime *vt,
		    struct lt_vframe *f, int y0, int y1)
{
	const struct lt_source *src = lt_model_source_find(m, "threads");

	since_line(v, vt, vf_line(f, y0), f->cols, "Thread groups");
	if (!v->nrows) {
		struct lt_vline *l = vf_line(f, y0 + 2);

		if (src && !src->available)
			vl_printf(l, f->cols, "thread stacks unavailable: %s",
				  src->reason ? src->reason : "no reason recorded");
		else if (!vt->nk)
			vl_puts(l, f->cols, "no thread samples in this session (recorded without thread sampling)");
		else
			vl_puts(l, f->cols, "no thread groups at this time");
		vl_span(l, 0, l->cols, LT_ST_DIM);
		v->detail = 0;
		return;
	}
	if (v->detail) {
		thread_detail(v, m, f, y0 + 1, y1);
		return;
	}
	table(v, m, vt, f, y0 + 1, y1, thread_cols,
	      sizeof(thread_cols) / sizeof(thread_cols[0]));
}

void screen_sites(lt_view *v, const lt_model *m, const struct vtime *vt,
		  struct lt_vframe *f, int y0, int y1)
{
	const struct lt_source *src = lt_model_source_find(m, "heap");
	const lt_hsites *h = lt_model_hsites_c(m);
	struct lt_vline *l;

	since_line(v, vt, vf_line(f, y0), f->cols, "Heap call sites");
	if (!v->nrows) {
		l = vf_line(f, y0 + 2);
		if (src && !src->available)
			vl_printf(l, f->cols, "heap call sites unavailable: %s",
				  src->reason ? src->reason : "no reason recorded");
		else if (!src)
			vl_puts(l, f->cols, "no heap call sites in this session (recorded without the heap agent)");
		else
			vl_puts(l, f->cols, "no heap call sites yet: waiting for the agent's first samples");
		vl_span(l, 0, l->cols, LT_ST_DIM);
		v->detail = 0;
		return;
	}
	if (v->detail) {
		site_detail(v, m, f, y0 + 1, y1);
		return;
	}
	if (lt_hsites_count(h) > v->nrows && y1 - y0 > 3) {
		l = vf_line(f, y1 - 1);
		vl_printf(l, f->cols, "  ... %zu more sites below the top %zu", lt_hsites_count(h) - v->nrows,
			  v->nrows);
		vl_span(l, 0, l->cols, LT_ST_DIM);
		y1--;
	}
	table(v, m, vt, f, y0 + 1, y1, site_cols, sizeof(site_cols) / sizeof(site_cols[0]));
}

void screen_help(lt_view *v, struct lt_vframe *f, int y0, int y1)
{
	static const char *const keys[] = {
		"Keys",
		"  Tab, Shift-Tab, 1-5   switch screens: 1 Sites 2 Threads 3 Flame 4 Memory 5 Help",
		"  Up/Down, j/k          move the selection (Flame: to parent / child)",
		"  Left/Right, h/l       Flame: previous / next frame on the same level",
		"  PgUp/PgDn, Home/End   move by a page, to the first / last row",
		"  Enter                 Sites: the site's stack; on a frame, its source;",
		"                        Threads: stack and names of the group;",
		"                        Flame: zoom into the frame",
		"  w                     Flame: width = live heap bytes, heap growth since",
		"                        the baseline, or threads",
		"  Backspace, Esc        close the stack; Flame: zoom out one level",
		"  s                     cycle the sort order",
		"  /  n                  search (highlights matches), next match",
		"  b  B                  mark a baseline at the time cursor / clear it",
		"  [  ]                  move the time cursor one tick back / forward",
		"  <  >                  move the baseline one tick back / forward",
		"  space                 pause the display (sampling goes on)",
		"  q                     quit (a live session is finished and detached)",
		"  ?                     this help",
	};

	(void)v;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && y0 + (int)i < y1; i++)
		vl_puts(vf_line(f, y0 + (int)i), f->cols, keys[i]);
	vl_span(vf_line(f, y0), 0, 4, LT_ST_TITLE);
}
