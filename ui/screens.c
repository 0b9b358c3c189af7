/* The header above every screen, and the Memory screen (Help: help.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "lt_fmt.h"
#include "lt_metric.h"
#include "lt_report.h"
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

/* A header cell's rate, right-aligned in 12 columns, or in what is left
 * of a narrow cell; left out rather than cut ("+2.8 MiB/"). */
static void cell_rate(struct lt_vline *l, int end, const char *rate, int trend)
{
	int n = (int)strlen(rate), w = end - l->cols - 1 < 12 ? end - l->cols - 1 : 12;

	if (w < n)
		return;
	vl_puts(l, end, " ");
	vl_rjust(l, end, rate, w);
	if (trend == LT_TREND_GROWING)
		vl_span(l, l->cols - w, w, LT_ST_WARN);
}

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
	cell_rate(l, end, rate, g.trend);
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
	cell_rate(l, end, rate, g.trend);
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
	/* A copy read elsewhere says where it came from (the report too). */
	if (lt_model_meta_c(m)->copy_of) {
		const struct lt_meta *me = lt_model_meta_c(m);

		vl_printf(l, cols, "   copy of %s%s%s", me->copy_of, me->copy_range ? ", only " : "",
			  me->copy_range ? me->copy_range : "");
	}
	vl_span(l, 0, l->cols, LT_ST_DIM);
}

static int any_unavailable(const lt_model *m)
{
	for (size_t i = 0; i < lt_model_source_count(m); i++)
		if (!lt_model_source(m, i)->available)
			return 1;
	return 0;
}

static void tab_bar(lt_view *v, struct lt_vline *l, int cols)
{
	for (int s = 0; s < LT_SCR_COUNT; s++) {
		int x = l->cols;

		vl_printf(l, cols, " %c %s ", view_screen(s)->hotkey, view_screen(s)->name);
		v->hit.tab_x0[s] = x;
		v->hit.tab_x1[s] = l->cols;
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
	char dur[32], at[32], part[600];
	struct lt_vline *l = vf_line(f, 0);
	int per = f->cols >= 120 ? 3 : 2, w = f->cols / per, y = 1;
	size_t nc = sizeof(hcells) / sizeof(hcells[0]);

	lt_fmt_duration(end_t, dur, sizeof(dur));
	lt_fmt_duration(vt->t, at, sizeof(at));
	/* The long parts last, and each only whole: a narrow terminal loses
	 * the limits and the path, never half a word. */
	vl_printf(l, f->cols, "leaktop  pid %d  ", (int)meta->pid);
	if (v->live)
		vl_printf(l, f->cols, "live %s, every %gs%s%s", dur, meta->interval,
			  v->output ? " -> " : "", v->output ? v->output : "");
	else
		vl_printf(l, f->cols, "replay%s t=%s of %s, every %gs", meta->copy_of ? " (copy)" : "",
			  at, dur, meta->interval);
	if (v->ended[0])
		vl_printf(l, f->cols, " [ended: %s]", v->ended);
	if (lt_hsites_rate(lt_model_hsites_c(m)) > 1) {
		char r[32];

		lt_fmt_bytes((double)lt_hsites_rate(lt_model_hsites_c(m)), r, sizeof(r));
		snprintf(part, sizeof(part), "  heap 1 sample/%s", r);
		vl_whole(l, f->cols, part);
	} else if (lt_hsites_rate(lt_model_hsites_c(m)) == 1) {
		vl_whole(l, f->cols, "  heap: every allocation");
	}
	/* Thread groups at this sample stand on the threads reached. */
	if (vt->nk) {
		const struct lt_tsample *ts = lt_tgroups_sample(lt_model_tgroups_c(m), vt->kcur);

		if (ts->skipped > 0)
			vl_printf(l, f->cols, "  threads skipped %lld", (long long)ts->skipped);
		if (ts->unseen > 0)
			vl_printf(l, f->cols, " (%lld not reached%s)", (long long)ts->unseen,
				  lt_tgroups_partial(lt_model_tgroups_c(m), vt->kcur) ?
				  ", sample left out of trends" : "");
	}
	/* The limits a leak runs into; the report says when. */
	if (meta->fd_limit > 0) {
		snprintf(part, sizeof(part), "  fd limit %lld", (long long)meta->fd_limit);
		vl_whole(l, f->cols, part);
	}
	if (meta->mem_limit > 0) {
		char lim[32];

		lt_fmt_bytes((double)meta->mem_limit, lim, sizeof(lim));
		snprintf(part, sizeof(part), "  mem limit %s", lim);
		vl_whole(l, f->cols, part);
	}
	snprintf(part, sizeof(part), "  | %s", exe);
	if (!vl_whole(l, f->cols, part) && strrchr(exe, '/')) {
		snprintf(part, sizeof(part), "  | %s", strrchr(exe, '/') + 1);
		vl_whole(l, f->cols, part);
	}
	vl_pad(l, f->cols);
	vl_span(l, 0, f->cols, LT_ST_TITLE);
	for (size_t i = 0; i < nc; i += (size_t)per, y++)
		for (int c = 0; c < per && i + (size_t)c < nc; c++)
			/* the row's last cell has no neighbour to keep a gap to */
			header_cell(v, m, vt, vf_line(f, y), &hcells[i + (size_t)c],
				    c * w, c + 1 == per || i + (size_t)c + 1 == nc ?
				    f->cols - c * w + 1 : w);
	/* "unavailable: none" is worth a row only on a tall terminal. */
	if (f->rows >= 30 || any_unavailable(m))
		sources_line(m, vf_line(f, y++), f->cols);
	v->hit.tab_y = y;
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

/* Sorts (memory_sorts): series 0, growth 1, change 2.  SERIES fits the
 * longest title ("bytes written (syscalls)"). */
static const struct vcol memory_cols[] = {
	{"SERIES", 24, VC_MATCH, vc_label, NULL, .sort = 1},
	{"NOW", 10, VC_RIGHT, vc_now, NULL, .prio = 0},
	{"CHANGE", 10, VC_RIGHT, vc_delta, NULL, .prio = 1, .sort = 3},
	{"RATE", 10, VC_RIGHT | VC_WARN | VC_RATE, vc_rate, NULL, .sort = 2},
	{"TREND", 9, 0, vc_trend, NULL, .prio = 2},
	{"HISTORY", 0, 0, NULL, c_history, .min = 0},
};

/* The verdicts, wrapped: they get all the rows they need as long as the
 * table keeps its head and MEM_MIN_ROWS rows (the table scrolls); what
 * does not fit is counted on the last row, and V shows them all. */
#define MEM_MIN_ROWS 4
#define MAX_VERDICTS 16

static size_t verdict_texts(const lt_model *m, char (*text)[300], int *kind)
{
	struct lt_verdict vd[MAX_VERDICTS];
	size_t nv = lt_verdict_compute(m, vd, MAX_VERDICTS);

	for (size_t i = 0; i < nv; i++) {
		snprintf(text[i], 300, "%c %s",
			 vd[i].kind == LT_VERDICT_WARN ? '!' : ' ', vd[i].text);
		kind[i] = vd[i].kind == LT_VERDICT_WARN ? LT_ST_WARN : LT_ST_NORMAL;
	}
	return nv;
}

/* Detail 1 of Memory: every verdict, scrolled by detail_top. */
static void verdicts_view(lt_view *v, const lt_model *m, struct lt_vframe *f,
			  int y0, int y1)
{
	char text[MAX_VERDICTS][300];
	int kind[MAX_VERDICTS], total = 0, at = 0;
	size_t nv = verdict_texts(m, text, kind);
	struct lt_vframe sub = {0};
	struct vlist *l = mlist(v);
	struct lt_vline *t = vf_line(f, y0++);

	vl_puts(t, f->cols, "Verdicts (whole session): Up/Down scroll, Esc goes back");
	vl_span(t, 0, t->cols, LT_ST_TITLE);
	for (size_t i = 0; i < nv; i++)
		total += vf_wrap_rows(f->cols, 2, text[i]);
	if (!total)
		return;
	vf_reset(&sub, total, f->cols);
	for (size_t i = 0; i < nv; i++)
		at += vf_wrap(&sub, at, total, 2, text[i], kind[i]);
	if (l->detail_top + (size_t)(y1 - y0) > (size_t)total)
		l->detail_top = total > y1 - y0 ? (size_t)(total - (y1 - y0)) : 0;
	for (int y = y0; y < y1 && l->detail_top + (size_t)(y - y0) < (size_t)total; y++)
		vl_copy(vf_line(f, y), f->cols, &sub.lines[l->detail_top + (size_t)(y - y0)]);
	vf_free(&sub);
}

static void memory_draw(lt_view *v, const lt_model *m, const struct vtime *vt,
			struct lt_vframe *f, int y0, int y1)
{
	char text[MAX_VERDICTS][300];
	int kind[MAX_VERDICTS], need = 0, room, y;
	size_t nv, i;

	if (mlist(v)->detail) {
		verdicts_view(v, m, f, y0, y1);
		return;
	}
	vtable_since(v, vt, vf_line(f, y0), f->cols, "Memory and descriptors");
	if (!vt->n) {
		char why[256];

		/* A recorded file with no tick holds nothing: say so plainly. */
		if (v->live)
			vl_puts(vf_line(f, y0 + 1), f->cols, "no ticks recorded yet");
		else
			vl_printf(vf_line(f, y0 + 1), f->cols, "this session %s",
				  lt_report_no_data(m, why, sizeof(why)));
		return;
	}
	nv = verdict_texts(m, text, kind);
	for (i = 0; i < nv; i++)
		need += vf_wrap_rows(f->cols, 2, text[i]);
	room = y1 - y0 - 1 - (1 + MEM_MIN_ROWS) - 1;
	room = need < room ? need : room;
	if (room <= 0) {
		vtable(v, m, vt, f, y0 + 1, y1, mlist(v), memory_cols,
		       sizeof(memory_cols) / sizeof(memory_cols[0]));
		return;
	}
	vtable(v, m, vt, f, y0 + 1, y1 - room - 1, mlist(v), memory_cols,
	       sizeof(memory_cols) / sizeof(memory_cols[0]));
	vl_puts(vf_line(f, y1 - room - 1), f->cols, "Verdicts (whole session):");
	vl_span(vf_line(f, y1 - room - 1), 0, 25, LT_ST_TITLE);
	for (i = 0, y = y1 - room; i < nv && y < y1; i++) {
		int rows = vf_wrap_rows(f->cols, 2, text[i]);

		if (y + rows > y1 || (y + rows == y1 && i + 1 < nv)) {
			struct lt_vline *l = vf_line(f, y1 - 1);

			vf_reset_line(l);
			vl_printf(l, f->cols, "  ... %zu more: V shows every verdict", nv - i);
			vl_span(l, 0, l->cols, LT_ST_DIM);
			break;
		}
		y += vf_wrap(f, y, y1, 2, text[i], kind[i]);
	}
}

static int memory_key(lt_view *v, const lt_model *m, const struct vtime *vt,
		      int key)
{
	struct vlist *l = mlist(v);

	(void)m;
	(void)vt;
	if (!l->detail && key != 'V')
		return vlist_key(v, l, key);
	switch (key) {
	case 'V':
		l->detail = !l->detail;
		l->detail_top = 0;
		break;
	case LT_KEY_ESC: case LT_KEY_BACKSPACE: case LT_KEY_ENTER:
		l->detail = 0;
		break;
	case LT_KEY_DOWN: case 'j':
		l->detail_top++;   /* verdicts_view keeps it in range */
		break;
	case LT_KEY_UP: case 'k':
		if (l->detail_top)
			l->detail_top--;
		break;
	default:
		return 0;
	}
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
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
