/* The header above every screen, and the Memory and Help screens. */
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
	for (int s = 0; s < LT_SCR_COUNT; s++) {
		int x = l->cols;

		vl_printf(l, cols, " %c %s ", view_screen(s)->hotkey, view_screen(s)->name);
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

int view_header(lt_view *v, const lt_model *m, const struct vtime *vt,
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
	/* The limits a leak runs into; the report says when. */
	if (meta->fd_limit > 0)
		vl_printf(l, f->cols, "  fd limit %lld", (long long)meta->fd_limit);
	if (meta->mem_limit > 0) {
		char lim[32];

		lt_fmt_bytes((double)meta->mem_limit, lim, sizeof(lim));
		vl_printf(l, f->cols, "  mem limit %s", lim);
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

/* --- Memory ------------------------------------------------------------- */

static struct vlist *mlist(const lt_view *v)
{
	return v->scr[LT_SCR_MEMORY];
}

static void memory_rows(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	struct vlist *l = mlist(v);

	l->n = 0;
	for (int id = 0; id < LT_M_COUNT && vt->n; id++) {
		const struct lt_metric_def *d = lt_metric_def(id);
		const struct lt_sample *cur = lt_model_tick(m, vt->cur);
		const struct lt_sample *base = lt_model_tick(m, vt->base);
		struct lt_growth g;
		struct vrow *r;

		lt_model_growth(m, id, vt->base, vt->cur + 1, &g);
		if (!g.n)
			continue;  /* never measured in this window */
		r = vlist_add(l);
		r->id = (uint64_t)id + 1;
		r->unit = d->unit;
		r->now = lt_sample_has(cur, id) ? (double)cur->v[id] : g.end;
		r->delta = r->now - (lt_sample_has(base, id) ? (double)base->v[id] : g.start);
		r->slope = g.slope;
		r->trend = g.trend;
		r->rel = g.slope / fmax(fabs(g.start), 1);
		snprintf(r->label, sizeof(r->label), "%s", d->title);
	}
	/* series, growth, change: vlist_sort's keys 0, 1, 3 */
	vlist_sort(l, l->sort == 0 ? 0 : l->sort == 1 ? 1 : 3);
}

/* The history sparkline of a metric, to the end of the line. */
static void c_history(lt_view *v, const lt_model *m, const struct vtime *vt,
		      struct lt_vline *l, int maxcol, const struct vrow *r,
		      int width)
{
	vl_spark_metric(l, maxcol, v->ascii, m, (int)r->id - 1, vt->base,
			vt->cur, width);
}

static const struct vcol memory_cols[] = {
	{"SERIES", 22, VC_MATCH, vc_label, NULL},
	{"NOW", 10, VC_RIGHT, vc_now, NULL},
	{"CHANGE", 11, VC_RIGHT, vc_delta, NULL},
	{"RATE", 13, VC_RIGHT | VC_WARN, vc_rate, NULL},
	{"TREND", 10, 0, vc_trend, NULL},
	{"HISTORY", 0, 0, NULL, c_history},
};

static void memory_draw(lt_view *v, const lt_model *m, const struct vtime *vt,
			struct lt_vframe *f, int y0, int y1)
{
	struct lt_verdict vd[16];
	size_t nv = lt_verdict_compute(m, vd, sizeof(vd) / sizeof(vd[0]));
	int room = (y1 - y0) / 3, shown = (int)nv < room ? (int)nv : room;

	vtable_since(v, vt, vf_line(f, y0), f->cols, "Memory and descriptors");
	if (!vt->n) {
		vl_puts(vf_line(f, y0 + 1), f->cols, "no ticks recorded yet");
		return;
	}
	vtable(v, m, vt, f, y0 + 1, y1 - shown - (shown ? 1 : 0), mlist(v),
	       memory_cols, sizeof(memory_cols) / sizeof(memory_cols[0]));
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

static int memory_key(lt_view *v, const lt_model *m, const struct vtime *vt,
		      int key)
{
	(void)m;
	(void)vt;
	return vlist_key(v, mlist(v), key);
}

static void memory_find(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	(void)m;
	(void)vt;
	if (mlist(v)->n)
		vlist_find(v, mlist(v));
}

static const char *const memory_sorts[] = {"series", "growth", "change", NULL};

const struct screen screen_memory = {
	.name = "Memory",
	.hotkey = '4',
	.sorts = memory_sorts,
	.init = vlist_init,
	.fini = vlist_fini,
	.list = mlist,
	.rows = memory_rows,
	.draw = memory_draw,
	.key = memory_key,
	.find = memory_find,
};

/* --- Help ---------------------------------------------------------------- */

static void help_draw(lt_view *v, const lt_model *m, const struct vtime *vt,
		      struct lt_vframe *f, int y0, int y1)
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
		"  s                     cycle the sort order (Sites: lost = bytes that",
		"                        reachability scans proved unreachable)",
		"  u                     live: a reachability scan now (else every",
		"                        --scan-interval)",
		"  v                     Sites: rows by your code, by function (cumulative),",
		"                        or by call site",
		"  /  n                  search (highlights matches), next match",
		"  b  B                  mark a baseline at the time cursor / clear it",
		"  [  ]                  move the time cursor one tick back / forward",
		"  <  >                  move the baseline one tick back / forward",
		"  space                 pause the display (sampling goes on)",
		"  q                     quit (a live session is finished and detached)",
		"  ?                     this help",
	};

	(void)v;
	(void)m;
	(void)vt;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && y0 + (int)i < y1; i++)
		vl_puts(vf_line(f, y0 + (int)i), f->cols, keys[i]);
	vl_span(vf_line(f, y0), 0, 4, LT_ST_TITLE);
}

/* Esc and Backspace leave the help for Memory. */
static int help_key(lt_view *v, const lt_model *m, const struct vtime *vt,
		    int key)
{
	(void)m;
	(void)vt;
	if (key != LT_KEY_ESC && key != LT_KEY_BACKSPACE)
		return 0;
	lt_view_set_screen(v, LT_SCR_MEMORY);
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

const struct screen screen_help = {
	.name = "Help",
	.hotkey = '5',
	.draw = help_draw,
	.key = help_key,
};
