/* The Sites screen: heap call sites ranked over the view's window, a
 * site's stack, and the source around one of its frames.
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

/* The ranking of the last window, reused until the heap samples, the
 * window or the sort change (100,000 sites rank in tens of ms; a redraw
 * must not pay that). */
struct ranking {
	size_t *order;
	struct lt_growth *growth;   /* by site index */
	size_t count, ns, from, to;
	int sort;
};

/* The source around a stack line's frame (detail 2). */
struct source {
	char *path;         /* the file shown, as resolved */
	int line;
	char **text;        /* the lines around line */
	int first, n;
	char err[600];
};

/* Detail views: 1 the stack (detail_top is the selected line), 2 the
 * source around that line's frame. */
struct sites_state {
	struct vlist l;
	struct ranking rk;
	struct source src;
};

static struct sites_state *sites_st(const lt_view *v)
{
	return v->scr[LT_SCR_SITES];
}

/* The sort orders: their names (the key s cycles) and the rankings. */
static const char *const site_sorts[] = {"growth", "live", "allocs/s", "change", NULL};
static const enum lt_hsort sorts[] = {
	LT_HSORT_GROWTH, LT_HSORT_LIVE, LT_HSORT_ALLOCS, LT_HSORT_DELTA,
};
_Static_assert(sizeof(sorts) / sizeof(sorts[0]) + 1 ==
	       sizeof(site_sorts) / sizeof(site_sorts[0]), "a name per sort");

static void source_clear(struct source *src)
{
	for (int i = 0; i < src->n; i++)
		free(src->text[i]);
	free(src->text);
	free(src->path);
	src->text = NULL;
	src->path = NULL;
	src->n = 0;
}

static void *sites_init(void)
{
	return lt_xcalloc(1, sizeof(struct sites_state));
}

static void sites_fini(void *st)
{
	struct sites_state *s = st;

	if (!s)
		return;
	vlist_free(&s->l);
	free(s->rk.order);
	free(s->rk.growth);
	source_clear(&s->src);
	free(s);
}

static void rank(struct ranking *rk, const lt_hsites *h, size_t from,
		 size_t to, int sort)
{
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h);

	if (rk->order && rk->count == n && rk->ns == ns && rk->from == from &&
	    rk->to == to && rk->sort == sort)
		return;
	free(rk->order);
	free(rk->growth);
	rk->order = lt_xmalloc((n ? n : 1) * sizeof(size_t));
	rk->growth = lt_xmalloc((n ? n : 1) * sizeof(struct lt_growth));
	lt_hsites_rank(h, sorts[sort], from, to, rk->order, rk->growth);
	rk->count = n;
	rk->ns = ns;
	rk->from = from;
	rk->to = to;
	rk->sort = sort;
}

/* The row of heap site i over the window. */
static void site_row(struct vrow *row, const lt_model *m, const struct vtime *vt,
		     size_t i, const struct lt_growth *g)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	struct lt_hval a, b;

	lt_hsites_value(h, i, vt->hcur, &b);
	lt_hsites_value(h, i, vt->hbase, &a);
	row->id = (uint64_t)i + 1;
	row->unit = LT_UNIT_BYTES;
	row->now = (double)b.live_bytes;
	row->delta = (double)(b.live_bytes - (vt->has_base ? a.live_bytes : 0));
	row->slope = g->slope;
	row->trend = g->trend;
	row->rel = lt_hsites_alloc_rate(h, i, vt->hbase, vt->hcur + 1);
	lt_stacktab_describe_alloc(lt_model_stacks_c(m), lt_hsites_get(h, i)->stack,
				   row->label, sizeof(row->label));
}

/* The top SITE_ROWS sites of the ranking, as they rank. */
static void site_rows(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	struct sites_state *s = sites_st(v);
	int sort = s->l.sort;

	s->l.n = 0;
	if (!vt->nh || !lt_hsites_count(h))
		return;
	if (sort < 0 || sort >= (int)(sizeof(sorts) / sizeof(sorts[0])))
		sort = 0;
	rank(&s->rk, h, vt->hbase, vt->hcur + 1, sort);
	for (size_t r = 0; r < s->rk.count && s->l.n < SITE_ROWS; r++) {
		size_t i = s->rk.order[r];

		if (lt_hsites_get(h, i)->first > vt->hcur)
			continue;  /* seen only after the cursor */
		site_row(vlist_add(&s->l), m, vt, i, &s->rk.growth[i]);
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
	const struct vrow *r = vlist_sel_row(&sites_st(v)->l);

	return r ? (size_t)r->id - 1 : LT_NONE;
}

static void open_source(lt_view *v, const lt_model *m)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	size_t site = selected_site(v), frame = LT_NONE, sym = 0;
	const struct lt_frame_sym *y;
	struct lt_source_lines sl;
	lt_err err = {0, ""};

	struct sites_state *s = sites_st(v);

	if (site == LT_NONE)
		return;
	stack_lines(st, lt_hsites_get(lt_model_hsites_c(m), site)->stack,
		    s->l.detail_top, &frame, &sym);
	if (frame == LT_NONE)
		return;
	source_clear(&s->src);
	y = &lt_stacktab_frame(st, frame)->syms[sym];
	s->l.detail = 2;
	s->src.line = y->line;
	s->src.err[0] = '\0';
	if (lt_source_read(y->file, v->live ? lt_model_meta_c(m)->pid : 0, y->line,
			   SRC_CONTEXT, &sl, &err) < 0) {
		snprintf(s->src.err, sizeof(s->src.err), "%s", err.msg);
		return;
	}
	s->src.path = sl.path;
	s->src.text = sl.text;
	s->src.first = sl.first;
	s->src.n = sl.n;
}

/* --- keys ---------------------------------------------------------------- */

static int sites_key(lt_view *v, const lt_model *m, const struct vtime *vt,
		     int key)
{
	struct vlist *l = &sites_st(v)->l;
	size_t site = selected_site(v), n;

	(void)vt;
	if (site == LT_NONE)
		l->detail = 0;  /* its row went away under the time cursor */
	if (!l->detail) {
		if (key != LT_KEY_ENTER)
			return vlist_key(v, l, key);
		if (site == LT_NONE)
			return 0;
		l->detail = 1;
		l->detail_top = 0;
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	}
	n = stack_lines(lt_model_stacks_c(m),
			lt_hsites_get(lt_model_hsites_c(m), site)->stack, (size_t)-1,
			&(size_t){0}, &(size_t){0});
	switch (key) {
	case LT_KEY_ENTER:
		if (l->detail == 1) {
			open_source(v, m);
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		}
		/* Enter closes the source like Esc */
		__attribute__((fallthrough));
	case LT_KEY_BACKSPACE: case LT_KEY_ESC: case 'h': case LT_KEY_LEFT:
		l->detail--;
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case LT_KEY_DOWN: case 'j':
		if (l->detail == 1 && l->detail_top + 1 < n)
			l->detail_top++;
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case LT_KEY_UP: case 'k':
		if (l->detail == 1 && l->detail_top)
			l->detail_top--;
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	}
	return LT_VIEW_HANDLED;
}

static void sites_find(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	(void)m;
	(void)vt;
	if (sites_st(v)->l.n)
		vlist_find(v, &sites_st(v)->l);
}

/* --- drawing ------------------------------------------------------------- */

static void source_view(const struct source *src, struct lt_vframe *f,
			int y0, int y1)
{
	struct lt_vline *l = vf_line(f, y0++);

	if (!src->path) {
		vl_printf(l, f->cols, "source unavailable: %s   (Esc goes back)",
			  src->err[0] ? src->err : "unknown file");
		vl_span(l, 0, l->cols, LT_ST_DIM);
		return;
	}
	vl_printf(l, f->cols, "%s:%d   (Esc goes back)", src->path, src->line);
	vl_span(l, 0, l->cols, LT_ST_TITLE);
	for (int i = 0; i < src->n && y0 < y1; i++) {
		int no = src->first + i;

		l = vf_line(f, y0++);
		vl_printf(l, f->cols, "%c%6d  %s", no == src->line ? '>' : ' ', no,
			  src->text[i]);
		if (no == src->line)
			vl_span(l, 0, f->cols, LT_ST_SELECTED);
	}
}

/* One line of the stack: the function, its file and line, its module. */
static void stack_line(const lt_stacktab *st, size_t fr, size_t k,
		       struct lt_vline *l, int cols, int selected)
{
	const struct lt_frame *fp = lt_stacktab_frame(st, fr);
	const struct lt_frame_sym *y = &fp->syms[k];
	const char *mod, *file;

	mod = fp->module ? strrchr(fp->module, '/') : NULL;
	mod = mod ? mod + 1 : fp->module ? fp->module : "?";
	file = y->file ? strrchr(y->file, '/') : NULL;
	file = file ? file + 1 : y->file;
	if (y->function && file && y->line > 0)
		vl_printf(l, cols, "%c %s%s  %s:%d  (%s)", selected ? '>' : ' ',
			  k + 1 < fp->nsyms ? "[inlined] " : "", y->function, file,
			  y->line, mod);
	else
		vl_printf(l, cols, "%c %s  (%s)", selected ? '>' : ' ',
			  y->function ? y->function : "??", mod);
	if (selected)
		vl_span(l, 0, cols, LT_ST_SELECTED);
}

static void site_detail(lt_view *v, const lt_model *m, struct lt_vframe *f,
			int y0, int y1)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	const lt_hsites *h = lt_model_hsites_c(m);
	struct vlist *ls = &sites_st(v)->l;
	size_t site = selected_site(v), n, top = 0;
	const struct vrow *r;
	struct lt_vline *l;
	char live[32];

	if (site == LT_NONE) {
		ls->detail = 0;
		return;
	}
	if (ls->detail == 2) {
		source_view(&sites_st(v)->src, f, y0, y1);
		return;
	}
	r = vlist_sel_row(ls);
	lt_fmt_bytes(r->now, live, sizeof(live));
	l = vf_line(f, y0++);
	vl_printf(l, f->cols, "Heap site: %s live, %s   (Enter: source of the frame, Esc: back)",
		  live, lt_growth_trend_name((enum lt_trend)r->trend));
	vl_span(l, 0, l->cols, LT_ST_TITLE);
	n = stack_lines(st, lt_hsites_get(h, site)->stack, (size_t)-1,
			&(size_t){0}, &(size_t){0});
	if (ls->detail_top >= n)
		ls->detail_top = n ? n - 1 : 0;
	if (ls->detail_top >= (size_t)(y1 - y0))
		top = ls->detail_top - (size_t)(y1 - y0) + 1;
	for (size_t i = top; i < n && y0 < y1; i++) {
		size_t fr = LT_NONE, k = 0;

		stack_lines(st, lt_hsites_get(h, site)->stack, i, &fr, &k);
		stack_line(st, fr, k, vf_line(f, y0++), f->cols, i == ls->detail_top);
	}
}

static void c_allocs(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	snprintf(b, n, "%.1f", r->rel);
}

/* The site's live bytes over the window. */
static void c_history(lt_view *v, const lt_model *m, const struct vtime *vt,
		      struct lt_vline *l, int maxcol, const struct vrow *r,
		      int width)
{
	vl_spark_site(l, maxcol, v->ascii, m, (size_t)r->id - 1, vt->hbase,
		      vt->hcur, width);
}

static const struct vcol site_cols[] = {
	{"GROWTH/s", 11, VC_RIGHT | VC_WARN, vc_rate, NULL},
	{"LIVE", 9, VC_RIGHT, vc_now, NULL},
	{"CHANGE", 10, VC_RIGHT, vc_delta, NULL},
	{"ALLOCS/s", 9, VC_RIGHT, c_allocs, NULL},
	{"TREND", 9, 0, vc_trend, NULL},
	{"HISTORY", 12, 0, NULL, c_history},
	{"WHERE", 0, VC_MATCH, vc_label, NULL},
};

static void sites_draw(lt_view *v, const lt_model *m, const struct vtime *vt,
		       struct lt_vframe *f, int y0, int y1)
{
	const struct lt_source *src = lt_model_source_find(m, "heap");
	const lt_hsites *h = lt_model_hsites_c(m);
	struct vlist *ls = &sites_st(v)->l;
	struct lt_vline *l;

	vtable_since(v, vt, vf_line(f, y0), f->cols, "Heap call sites");
	if (!ls->n) {
		l = vf_line(f, y0 + 2);
		if (src && !src->available)
			vl_printf(l, f->cols, "heap call sites unavailable: %s",
				  src->reason ? src->reason : "no reason recorded");
		else if (!src)
			vl_puts(l, f->cols, "no heap call sites in this session (recorded without the heap agent)");
		else
			vl_puts(l, f->cols, "no heap call sites yet: waiting for the agent's first samples");
		vl_span(l, 0, l->cols, LT_ST_DIM);
		ls->detail = 0;
		return;
	}
	if (ls->detail) {
		site_detail(v, m, f, y0 + 1, y1);
		return;
	}
	if (lt_hsites_count(h) > ls->n && y1 - y0 > 3) {
		l = vf_line(f, y1 - 1);
		vl_printf(l, f->cols, "  ... %zu more sites below the top %zu",
			  lt_hsites_count(h) - ls->n, ls->n);
		vl_span(l, 0, l->cols, LT_ST_DIM);
		y1--;
	}
	vtable(v, m, vt, f, y0 + 1, y1, ls, site_cols,
	       sizeof(site_cols) / sizeof(site_cols[0]));
}

static struct vlist *sites_list(const lt_view *v)
{
	return &sites_st(v)->l;
}

const struct screen screen_sites = {
	.name = "Sites",
	.hotkey = '1',
	.sorts = site_sorts,
	.init = sites_init,
	.fini = sites_fini,
	.list = sites_list,
	.rows = site_rows,
	.draw = sites_draw,
	.key = sites_key,
	.find = sites_find,
};
