/* The Sites screen's data and keys: heap call sites ranked over the view's
 * window, a site's stack, and the source around one of its frames.
 *
 * Ranking 100,000 sites costs a growth fit each, so the ranking is cached
 * and redone only when a heap sample arrived or the window or sort changed;
 * only the top SITE_ROWS become rows (the status line says how many more
 * there are). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "lt_fmt.h"
#include "lt_source.h"
#include "view_int.h"

#define SITE_ROWS 2000
#define SRC_CONTEXT 8

static const enum lt_hsort sorts[] = {
	LT_HSORT_GROWTH, LT_HSORT_LIVE, LT_HSORT_ALLOCS, LT_HSORT_DELTA,
};

static void source_clear(lt_view *v)
{
	for (int i = 0; i < v->src_n; i++)
		free(v->src_text[i]);
	free(v->src_text);
	free(v->src_path);
	v->src_text = NULL;
	v->src_path = NULL;
	v->src_n = 0;
}

void sites_free(lt_view *v)
{
	free(v->sorder);
	free(v->sgrowth);
	v->sorder = NULL;
	v->sgrowth = NULL;
	v->scount = 0;
	source_clear(v);
}

static void rank(lt_view *v, const lt_hsites *h, size_t from, size_t to, int sort)
{
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h);

	if (v->sorder && v->scount == n && v->sns == ns && v->sfrom == from &&
	    v->sto == to && v->ssort == sort)
		return;
	free(v->sorder);
	free(v->sgrowth);
	v->sorder = lt_xmalloc((n ? n : 1) * sizeof(size_t));
	v->sgrowth = lt_xmalloc((n ? n : 1) * sizeof(struct lt_growth));
	lt_hsites_rank(h, sorts[sort], from, to, v->sorder, v->sgrowth);
	v->scount = n;
	v->sns = ns;
	v->sfrom = from;
	v->sto = to;
	v->ssort = sort;
}

void site_rows(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	const lt_stacktab *st = lt_model_stacks_c(m);
	int sort = v->list[LT_SCR_SITES].sort;

	if (!vt->nh || !lt_hsites_count(h))
		return;
	if (sort < 0 || sort >= (int)(sizeof(sorts) / sizeof(sorts[0])))
		sort = 0;
	rank(v, h, vt->hbase, vt->hcur + 1, sort);
	for (size_t r = 0; r < v->scount && v->nrows < SITE_ROWS; r++) {
		size_t i = v->sorder[r];
		struct lt_hval a, b;
		struct vrow *row;

		if (lt_hsites_get(h, i)->first > vt->hcur)
			continue;  /* seen only after the cursor */
		if (v->nrows == v->rcap) {
			v->rcap = v->rcap ? v->rcap * 2 : 64;
			v->rows = lt_xrealloc(v->rows, v->rcap * sizeof(*v->rows));
		}
		row = &v->rows[v->nrows++];
		memset(row, 0, sizeof(*row));
		lt_hsites_value(h, i, vt->hcur, &b);
		lt_hsites_value(h, i, vt->hbase, &a);
		row->id = (uint64_t)i + 1;
		row->unit = LT_UNIT_BYTES;
		row->now = (double)b.live_bytes;
		row->delta = (double)(b.live_bytes - (vt->has_base ? a.live_bytes : 0));
		row->slope = v->sgrowth[i].slope;
		row->trend = v->sgrowth[i].trend;
		row->rel = lt_hsites_alloc_rate(h, i, vt->hbase, vt->hcur + 1);
		lt_stacktab_describe_alloc(st, lt_hsites_get(h, i)->stack, row->label,
					   sizeof(row->label));
	}
}

void vl_spark_site(struct lt_vline *l, int maxcol, int ascii,
		   const lt_model *m, size_t i, size_t kb, size_t kc, int width)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	size_t n = kc >= kb ? kc - kb + 1 : 0, step;
	double vals[256];
	int have[256];
	size_t k = 0;

	if (!n || width <= 0)
		return;
	/* One point per column at most: the newest always last. */
	step = n > 256 ? (n + 255) / 256 : 1;
	for (size_t s = kb; s <= kc && k < 256; s += step, k++) {
		struct lt_hval v;

		if (i == LT_NONE) {
			vals[k] = (double)lt_hsites_sample(h, s)->total.live_bytes;
		} else {
			lt_hsites_value(h, i, s, &v);
			vals[k] = (double)v.live_bytes;
		}
		have[k] = 1;
	}
	vl_spark_values(l, maxcol, ascii, vals, have, k, width);
}

/* The stack's lines as the detail view lists them: one per function, the
 * inlined ones first within a frame.  Returns how many; fills frame/sym of
 * line `want` when it exists. */
static size_t stack_lines(const lt_stacktab *st, size_t s, size_t want,
			  size_t *frame, size_t *sym)
{
	const struct lt_stack *sk = lt_stacktab_stack(st, s);
	size_t n = 0;

	for (size_t i = 0; sk && i < sk->depth; i++) {
		const struct lt_frame *f = lt_stacktab_frame(st, sk->frames[i]);

		for (size_t k = 0; k < f->nsyms; k++, n++)
			if (n == want) {
				*frame = sk->frames[i];
				*sym = k;
			}
	}
	return n;
}

static size_t selected_site(lt_view *v)
{
	return v->nrows ? (size_t)v->rows[view_sel_index(v)].id - 1 : LT_NONE;
}

static void open_source(lt_view *v, const lt_model *m)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	size_t site = selected_site(v), frame = LT_NONE, sym = 0;
	const struct lt_frame_sym *y;
	struct lt_source_lines sl;
	lt_err err = {0, ""};

	if (site == LT_NONE)
		return;
	stack_lines(st, lt_hsites_get(lt_model_hsites_c(m), site)->stack,
		    v->detail_top, &frame, &sym);
	if (frame == LT_NONE)
		return;
	source_clear(v);
	y = &lt_stacktab_frame(st, frame)->syms[sym];
	v->detail = 2;
	v->src_line = y->line;
	v->src_err[0] = '\0';
	if (lt_source_read(y->file, v->live ? lt_model_meta_c(m)->pid : 0, y->line,
			   SRC_CONTEXT, &sl, &err) < 0) {
		snprintf(v->src_err, sizeof(v->src_err), "%s", err.msg);
		return;
	}
	v->src_path = sl.path;
	v->src_text = sl.text;
	v->src_first = sl.first;
	v->src_n = sl.n;
}

int sites_key(lt_view *v, const lt_model *m, int key)
{
	size_t site = selected_site(v), n;

	if (!v->detail) {
		if (key != LT_KEY_ENTER || site == LT_NONE)
			return 0;
		v->detail = 1;
		v->detail_top = 0;
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	}
	n = stack_lines(lt_model_stacks_c(m),
			lt_hsites_get(lt_model_hsites_c(m), site)->stack, (size_t)-1,
			&(size_t){0}, &(size_t){0});
	switch (key) {
	case LT_KEY_ENTER:
		if (v->detail == 1) {
			open_source(v, m);
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		}
		/* Enter closes the source like Esc */
		__attribute__((fallthrough));
	case LT_KEY_BACKSPACE: case LT_KEY_ESC: case 'h': case LT_KEY_LEFT:
		v->detail--;
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case LT_KEY_DOWN: case 'j':
		if (v->detail == 1 && v->detail_top + 1 < n)
			v->detail_top++;
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case LT_KEY_UP: case 'k':
		if (v->detail == 1 && v->detail_top)
			v->detail_top--;
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	}
	return LT_VIEW_HANDLED;
}

static void source_view(lt_view *v, struct lt_vframe *f, int y0, int y1)
{
	struct lt_vline *l = vf_line(f, y0++);

	if (!v->src_path) {
		vl_printf(l, f->cols, "source unavailable: %s   (Esc goes back)",
			  v->src_err[0] ? v->src_err : "unknown file");
		vl_span(l, 0, l->cols, LT_ST_DIM);
		return;
	}
	vl_printf(l, f->cols, "%s:%d   (Esc goes back)", v->src_path, v->src_line);
	vl_span(l, 0, l->cols, LT_ST_TITLE);
	for (int i = 0; i < v->src_n && y0 < y1; i++) {
		int no = v->src_first + i;

		l = vf_line(f, y0++);
		vl_printf(l, f->cols, "%c%6d  %s", no == v->src_line ? '>' : ' ', no,
			  v->src_text[i]);
		if (no == v->src_line)
			vl_span(l, 0, f->cols, LT_ST_SELECTED);
	}
}

void site_detail(lt_view *v, const lt_model *m, struct lt_vframe *f,
		 int y0, int y1)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	const lt_hsites *h = lt_model_hsites_c(m);
	size_t site = selected_site(v), n, top = 0;
	const struct vrow *r;
	struct lt_vline *l;
	char live[32];

	if (site == LT_NONE) {
		v->detail = 0;
		return;
	}
	if (v->detail == 2) {
		source_view(v, f, y0, y1);
		return;
	}
	r = &v->rows[view_sel_index(v)];
	lt_fmt_bytes(r->now, live, sizeof(live));
	l = vf_line(f, y0++);
	vl_printf(l, f->cols, "Heap site: %s live, %s   (Enter: source of the frame, Esc: back)",
		  live, lt_growth_trend_name((enum lt_trend)r->trend));
	vl_span(l, 0, l->cols, LT_ST_TITLE);
	n = stack_lines(st, lt_hsites_get(h, site)->stack, (size_t)-1,
			&(size_t){0}, &(size_t){0});
	if (v->detail_top >= n)
		v->detail_top = n ? n - 1 : 0;
	if (v->detail_top >= (size_t)(y1 - y0))
		top = v->detail_top - (size_t)(y1 - y0) + 1;
	for (size_t i = top; i < n && y0 < y1; i++) {
		size_t fr = LT_NONE, k = 0;
		const struct lt_frame *fp;
		const struct lt_frame_sym *y;
		const char *mod, *file;

		stack_lines(st, lt_hsites_get(h, site)->stack, i, &fr, &k);
		fp = lt_stacktab_frame(st, fr);
		y = &fp->syms[k];
		mod = fp->module ? strrchr(fp->module, '/') : NULL;
		mod = mod ? mod + 1 : fp->module ? fp->module : "?";
		file = y->file ? strrchr(y->file, '/') : NULL;
		file = file ? file + 1 : y->file;
		l = vf_line(f, y0++);
		if (y->function && file && y->line > 0)
			vl_printf(l, f->cols, "%c %s%s  %s:%d  (%s)", i == v->detail_top ? '>' : ' ',
				  k + 1 < fp->nsyms ? "[inlined] " : "", y->function, file,
				  y->line, mod);
		else
			vl_printf(l, f->cols, "%c %s  (%s)", i == v->detail_top ? '>' : ' ',
				  y->function ? y->function : "??", mod);
		if (i == v->detail_top)
			vl_span(l, 0, f->cols, LT_ST_SELECTED);
	}
}
