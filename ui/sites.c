/* The Sites screen: heap rows diagnosed over the view's window (lt_diag.h)
 * in one of three views (key v: your code, function, call site), the top
 * leak said in one line above them, a row's stack, and the source around
 * one of its frames.
 *
 * Diagnosing 100,000 sites costs a growth fit each, so the rows are cached
 * and redone only when a heap sample arrived or the window, view or sort
 * changed; only the top SITE_ROWS become rows (the status line says how
 * many more there are). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_diag.h"
#include "lt_err.h"
#include "lt_fmt.h"
#include "lt_lost.h"
#include "lt_source.h"
#include "lt_verdict.h"
#include "view_int.h"

#define SITE_ROWS 2000
#define SRC_CONTEXT 8

/* The ranking of the last window, reused until the heap samples, the
 * window or the sort change (100,000 sites rank in tens of ms; a redraw
 * must not pay that). */
struct ranking {
	struct lt_diag_row *rows;
	double *lost;               /* per row: bytes proven unreachable */
	size_t nrows;
	size_t scans;               /* reachability scans ranked with */
	size_t count, ns, from, to;
	int sort, view;
	char leak[256];             /* the line above the rows */
	int leak_found;
};

/* The source around a stack line's frame (detail 2). */
struct source {
	char *path;         /* the file shown, as resolved */
	int line;
	char **text;        /* the lines around line */
	int first, n;
	int kept;           /* the session's copy of the lines */
	char err[600];
};

/* Detail views: 1 the stack (detail_top is the selected line), 2 the
 * source around that line's frame. */
struct sites_state {
	struct vlist l;
	struct ranking rk;
	struct source src;
	int view;                   /* enum lt_diag_view */
};

static struct sites_state *sites_st(const lt_view *v)
{
	return v->scr[LT_SCR_SITES];
}

/* The sort orders: their names (the key s cycles) and the rankings. */
static const char *const site_sorts[] = {"growth", "live", "allocs/s", "change", "lost", NULL};
enum { SORT_GROWTH, SORT_LIVE, SORT_ALLOCS, SORT_DELTA, SORT_LOST, SORT_COUNT };
_Static_assert(SORT_COUNT + 1 == sizeof(site_sorts) / sizeof(site_sorts[0]),
	       "a name per sort");

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
	free(s->rk.rows);
	free(s->rk.lost);
	source_clear(&s->src);
	free(s);
}

static double sort_key(const struct lt_diag_row *r, int sort)
{
	switch (sort) {
	case SORT_LIVE: return r->live;
	case SORT_ALLOCS: return r->allocs_per_s;
	case SORT_DELTA: return r->delta;
	default: return 0;
	}
}

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct lt_diag_row *a = pa, *b = pb;
	int sort = *(const int *)arg;
	double ka = sort_key(a, sort), kb = sort_key(b, sort);

	if (ka != kb)
		return ka < kb ? 1 : -1;
	return a->site < b->site ? -1 : a->site > b->site;
}

/* Whether row r holds the sites of lost row x: its stack in the SITE
 * view (or a row without a function), its function in YOURS, any frame's
 * function in FUNC (cumulative). */
static int row_holds(const lt_model *m, int view, const struct lt_diag_row *r,
		     const struct lt_lost_row *x)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	const struct lt_stack *k;

	if (view == LT_DIAG_SITE || !r->function)
		return lt_hsites_get(lt_model_hsites_c(m), r->site)->stack == x->v.stack;
	if (view == LT_DIAG_YOURS)
		return x->function && !strcmp(x->function, r->function);
	k = lt_stacktab_stack(st, x->v.stack);
	for (size_t d = 0; k && d < k->depth; d++) {
		const struct lt_frame *f = lt_stacktab_frame(st, k->frames[d]);

		for (size_t y = 0; y < f->nsyms; y++)
			if (f->syms[y].function && !strcmp(f->syms[y].function, r->function))
				return 1;
	}
	return 0;
}

static int cmp_lost(const void *pa, const void *pb, void *arg)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const double *lost = arg;

	if (lost[a] != lost[b])
		return lost[a] < lost[b] ? 1 : -1;
	return a < b ? -1 : a > b;
}

/* rk->lost of every row from the last reachability scan (-1: none could
 * prove), and the rows by it for the "lost" sort. */
static void rank_lost(struct ranking *rk, const lt_model *m, int view, int sort)
{
	const lt_unreach *u = lt_model_unreach_c(m);
	size_t ns = lt_unreach_count(u), nl = 0;
	struct lt_lost_row *lr = NULL;
	long kp = lt_unreach_last_proof(u);
	int proof = kp >= 0;

	rk->lost = lt_xrealloc(rk->lost, (rk->nrows ? rk->nrows : 1) * sizeof(double));
	/* Per site in the SITE view: each lost row one stack. */
	if (proof) {
		struct lt_diag_opts o = {.view = view == LT_DIAG_SITE ? LT_DIAG_SITE :
					 LT_DIAG_YOURS};

		nl = view == LT_DIAG_SITE ? 0 : lt_lost_rows(m, &o, &lr);
		if (view == LT_DIAG_SITE || view == LT_DIAG_FUNC) {
			const struct lt_unreach_site *s;
			size_t n = lt_unreach_sites(u, (size_t)kp, &s);

			free(lr);
			lr = lt_xcalloc(n ? n : 1, sizeof(*lr));
			for (nl = 0; nl < n; nl++)
				lr[nl].v = s[nl];
		}
	}
	for (size_t i = 0; i < rk->nrows; i++) {
		rk->lost[i] = proof ? 0 : -1;
		for (size_t k = 0; k < nl; k++)
			if (row_holds(m, view, &rk->rows[i], &lr[k]))
				rk->lost[i] += (double)(lr[k].v.direct_bytes + lr[k].v.indirect_bytes);
	}
	free(lr);
	if (sort == SORT_LOST && rk->nrows > 1) {
		/* By lost; ties keep the growth ranking. */
		size_t *ix = lt_xmalloc(rk->nrows * sizeof(*ix));
		struct lt_diag_row *rows = lt_xmalloc(rk->nrows * sizeof(*rows));
		double *lost = lt_xmalloc(rk->nrows * sizeof(*lost));

		for (size_t i = 0; i < rk->nrows; i++)
			ix[i] = i;
		qsort_r(ix, rk->nrows, sizeof(*ix), cmp_lost, rk->lost);
		for (size_t i = 0; i < rk->nrows; i++) {
			rows[i] = rk->rows[ix[i]];
			lost[i] = rk->lost[ix[i]];
		}
		free(rk->rows);
		free(rk->lost);
		free(ix);
		rk->rows = rows;
		rk->lost = lost;
	}
	rk->scans = ns;
}

static void rank(struct ranking *rk, const lt_model *m, size_t from,
		 size_t to, int sort, int view)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	size_t n = lt_hsites_count(h), ns = lt_hsites_sample_count(h);
	struct lt_diag_opts o = {.view = (enum lt_diag_view)view};

	if (rk->rows && rk->count == n && rk->ns == ns && rk->from == from &&
	    rk->to == to && rk->sort == sort && rk->view == view &&
	    rk->scans == lt_unreach_count(lt_model_unreach_c(m)))
		return;
	free(rk->rows);
	rk->nrows = lt_diag_rows(m, &o, from, to, &rk->rows);
	/* The leak line speaks of the your-code view, whatever is listed. */
	if (view == LT_DIAG_YOURS) {
		rk->leak_found = lt_verdict_leak_line(m, &o, rk->rows, rk->nrows,
						      rk->leak, sizeof(rk->leak));
	} else {
		struct lt_diag_opts y = {.view = LT_DIAG_YOURS};

		rk->leak_found = lt_verdict_top_leak(m, &y, from, to, rk->leak,
						     sizeof(rk->leak));
	}
	if (sort != SORT_GROWTH && sort != SORT_LOST && rk->nrows)
		qsort_r(rk->rows, rk->nrows, sizeof(*rk->rows), cmp_rows, &sort);
	rank_lost(rk, m, view, sort);
	rk->count = n;
	rk->ns = ns;
	rk->from = from;
	rk->to = to;
	rk->sort = sort;
	rk->view = view;
}

/* A row's id must follow it across rankings: a site is its index, a
 * function its name (hashed; the top bit keeps the two apart). */
static uint64_t row_id(const struct lt_diag_row *r)
{
	uint64_t h = 1469598103934665603ULL;

	if (!r->function)
		return (uint64_t)r->site + 1;
	for (const char *p = r->function; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h | (1ULL << 63);
}

static const int claim_trend[] = {
	[LT_CLAIM_COLLECTING] = LT_TREND_UNKNOWN,
	[LT_CLAIM_STEADY] = LT_TREND_STEADY,
	[LT_CLAIM_GROWING] = LT_TREND_GROWING,
	[LT_CLAIM_SHRINKING] = LT_TREND_FREED,
};

/* The table row of diagnosed row r, lost bytes proven unreachable. */
static void site_row(struct vrow *row, const lt_model *m, int view,
		     const struct lt_diag_row *r, double lost)
{
	struct lt_diag_opts o = {.view = (enum lt_diag_view)view};

	row->id = row_id(r);
	row->ref = r->site;
	row->unit = LT_UNIT_BYTES;
	row->now = r->live;
	row->delta = r->delta;
	row->slope = r->claim == LT_CLAIM_GROWING ? r->net_rate : 0;
	row->claim = r->claim;
	row->trend = claim_trend[r->claim];
	row->rel = r->allocs_per_s;
	row->lost = lost;
	snprintf(row->freed, sizeof(row->freed), "%lld/%lld",
		 (long long)r->freed_total, (long long)r->samples_total);
	if (r->oldest_age >= 0)
		lt_fmt_duration(r->oldest_age, row->oldest, sizeof(row->oldest));
	else
		snprintf(row->oldest, sizeof(row->oldest), "-");
	lt_diag_label(m, &o, r, row->label, sizeof(row->label));
}

/* The top SITE_ROWS rows of the ranking, as they rank. */
static void site_rows(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	struct sites_state *s = sites_st(v);
	int sort = s->l.sort;

	s->l.n = 0;
	if (!vt->nh || !lt_hsites_count(h))
		return;
	if (sort < 0 || sort >= SORT_COUNT)
		sort = 0;
	rank(&s->rk, m, vt->hbase, vt->hcur + 1, sort, s->view);
	for (size_t r = 0; r < s->rk.nrows && s->l.n < SITE_ROWS; r++) {
		const struct lt_diag_row *d = &s->rk.rows[r];

		if (lt_hsites_get(h, d->site)->first > vt->hcur)
			continue;  /* seen only after the cursor */
		site_row(vlist_add(&s->l), m, s->view, d, s->rk.lost[r]);
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

	return r ? r->ref : LT_NONE;
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
	if (lt_source_read(m, y->file, v->live ? lt_model_meta_c(m)->pid : 0, y->line,
			   SRC_CONTEXT, &sl, &err) < 0) {
		snprintf(s->src.err, sizeof(s->src.err), "%s", err.msg);
		return;
	}
	s->src.path = sl.path;
	s->src.text = sl.text;
	s->src.first = sl.first;
	s->src.n = sl.n;
	s->src.kept = sl.kept;
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
		if (key == 'v') {
			struct sites_state *s = sites_st(v);

			s->view = (s->view + 1) % LT_DIAG_VIEW_COUNT_;
			l->sel = 0;
			l->top = 0;
			view_msg(v, "Sites by %s", lt_diag_view_name((enum lt_diag_view)s->view));
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		}
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

/* Whether any frame of stack s (any inlined function, file or module)
 * matches the search: a leak is found by a function deep in its stack,
 * not only by the text the row shows. */
static int stack_matches(const lt_stacktab *st, size_t s, const char *q)
{
	const struct lt_stack *k = lt_stacktab_stack(st, s);

	for (size_t d = 0; k && d < k->depth; d++) {
		const struct lt_frame *f = lt_stacktab_frame(st, k->frames[d]);

		if (f->module && view_match(f->module, q))
			return 1;
		for (size_t y = 0; y < f->nsyms; y++)
			if ((f->syms[y].function && view_match(f->syms[y].function, q)) ||
			    (f->syms[y].file && view_match(f->syms[y].file, q)))
				return 1;
	}
	return 0;
}

static void sites_find(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	struct vlist *l = &sites_st(v)->l;
	const lt_hsites *h = lt_model_hsites_c(m);
	size_t at = vlist_sel(l);

	(void)vt;
	for (size_t k = 1; k <= l->n; k++) {
		size_t i = (at + k) % l->n;
		const struct lt_hsite *site = lt_hsites_get(h, l->rows[i].ref);

		if (view_match(l->rows[i].label, v->search) ||
		    (site && stack_matches(lt_model_stacks_c(m), site->stack, v->search))) {
			vlist_select(l, (long)i);
			return;
		}
	}
	view_msg(v, "not found: %s", v->search);
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
	vl_printf(l, f->cols, "%s:%d%s   (Esc goes back)", src->path, src->line,
		  src->kept ? " (kept in the session)" : "");
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

static void c_claim(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	snprintf(b, n, "%s", lt_diag_claim_name((enum lt_diag_claim)r->claim));
}

static void c_freed(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	snprintf(b, n, "%s", r->freed);
}

static void c_lost(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	if (r->lost > 0)
		lt_fmt_bytes(r->lost, b, n);
	else
		snprintf(b, n, "%s", r->lost < 0 ? "" : "-");
}

static void c_oldest(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	snprintf(b, n, "%s", r->oldest);
}

/* The site's live bytes over the window. */
static void c_history(lt_view *v, const lt_model *m, const struct vtime *vt,
		      struct lt_vline *l, int maxcol, const struct vrow *r,
		      int width)
{
	vl_spark_site(l, maxcol, v->ascii, m, r->ref, vt->hbase, vt->hcur, width);
}

/* Narrow terminals drop columns by prio (see struct vcol) so that WHERE
 * keeps 30 columns: at 80 the history, allocs/s, freed and oldest go. */
static const struct vcol site_cols[] = {
	{"GROWTH", 8, VC_RIGHT | VC_WARN | VC_RATE, vc_rate, NULL, .sort = 1 + SORT_GROWTH},
	{"LIVE", 9, VC_RIGHT, vc_now, NULL, .sort = 1 + SORT_LIVE},
	{"CHANGE", 10, VC_RIGHT, vc_delta, NULL, .prio = 1, .sort = 1 + SORT_DELTA},
	{"ALLOCS/s", 9, VC_RIGHT, c_allocs, NULL, .prio = 4, .sort = 1 + SORT_ALLOCS},
	{"LOST", 9, VC_RIGHT, c_lost, NULL, .prio = 1, .sort = 1 + SORT_LOST},
	{"CLAIM", 10, 0, c_claim, NULL, .prio = 0},
	{"FREED", 9, VC_RIGHT, c_freed, NULL, .prio = 3},
	{"OLDEST", 7, VC_RIGHT, c_oldest, NULL, .prio = 2},
	{"HISTORY", 12, 0, NULL, c_history, .prio = 5},
	{"WHERE", 0, VC_MATCH, vc_label, NULL, .min = 30},
};

/* The last reachability scan in a few words: why it cannot prove, or
 * what it proved. */
static const char *scan_note(const lt_model *m, char *buf, size_t len)
{
	const lt_unreach *u = lt_model_unreach_c(m);
	size_t ns = lt_unreach_count(u);
	const struct lt_unreach_scan *sc;
	struct lt_unreach_site tot;
	char b[32];

	if (!ns)
		return "blocks allocated before the attach are not seen";
	sc = lt_unreach_get(u, ns - 1);
	if (lt_unreach_last_proof(u) < 0)
		return lt_lost_state(sc, buf, len);
	lt_unreach_total(u, &tot);
	snprintf(buf, len, "reachability: %zu scan%s, %s proven lost", ns, ns == 1 ? "" : "s",
		 lt_fmt_bytes((double)(tot.direct_bytes + tot.indirect_bytes), b, sizeof(b)));
	return buf;
}

static void sites_draw(lt_view *v, const lt_model *m, const struct vtime *vt,
		       struct lt_vframe *f, int y0, int y1)
{
	const struct lt_source *src = lt_model_source_find(m, "heap");
	struct vlist *ls = &sites_st(v)->l;
	struct vcol cols[sizeof(site_cols) / sizeof(site_cols[0])];
	char note[200];
	int scans = lt_unreach_count(lt_model_unreach_c(m)) > 0;
	struct lt_vline *l;
	size_t nc = 0;

	/* LOST only once a reachability scan ran: WHERE keeps its width. */
	for (size_t i = 0; i < sizeof(site_cols) / sizeof(site_cols[0]); i++)
		if (scans || site_cols[i].fmt != c_lost)
			cols[nc++] = site_cols[i];

	{
		char what[96];

		snprintf(what, sizeof(what), "Heap by %s (v: view)",
			 lt_diag_view_name((enum lt_diag_view)sites_st(v)->view));
		vtable_since(v, vt, vf_line(f, y0), f->cols, what);
	}
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
	if (sites_st(v)->rk.nrows > ls->n && y1 - y0 > 3) {
		l = vf_line(f, y1 - 1);
		vl_printf(l, f->cols, "  ... %zu more rows below the top %zu",
			  sites_st(v)->rk.nrows - ls->n, ls->n);
		vl_span(l, 0, l->cols, LT_ST_DIM);
		y1--;
	}
	/* The one line a user looks at first: the top leak, or why none,
	 * and what the reachability scans can say; wrapped on two lines when
	 * the terminal is narrow. */
	{
		char line[600];

		snprintf(line, sizeof(line), "%s%s   (%s)",
			 sites_st(v)->rk.leak_found ? "! " : "  ", sites_st(v)->rk.leak,
			 scan_note(m, note, sizeof(note)));
		/* The note only where it fits whole. */
		if (vf_wrap_rows(f->cols, 2, line) > 2)
			snprintf(line, sizeof(line), "%s%s",
				 sites_st(v)->rk.leak_found ? "! " : "  ", sites_st(v)->rk.leak);
		y0 += vf_wrap(f, y0 + 1, y0 + 3, 2, line,
			      sites_st(v)->rk.leak_found ? LT_ST_WARN : LT_ST_DIM);
	}
	vtable(v, m, vt, f, y0 + 1, y1, ls, cols, nc);
}

static struct vlist *sites_list(const lt_view *v)
{
	return &sites_st(v)->l;
}

/* By lost only once a reachability scan ran: before, every row ties. */
static int sites_sort_ok(const lt_model *m, int k)
{
	return k != SORT_LOST || lt_unreach_count(lt_model_unreach_c(m)) > 0;
}

const struct screen screen_sites = {
	.name = "Sites",
	.hotkey = '1',
	.sorts = site_sorts,
	.sort_ok = sites_sort_ok,
	.init = sites_init,
	.fini = sites_fini,
	.list = sites_list,
	.rows = site_rows,
	.draw = sites_draw,
	.key = sites_key,
	.find = sites_find,
};
