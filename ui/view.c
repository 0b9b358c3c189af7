/* The view model: user state, keys, and the rows of the list screens.
 *
 * Like htop's main loop, key handling returns flags and never draws; rows
 * are recomputed from the model on every key and frame, and the selection is
 * kept as a row id, so it follows its row when the ranking changes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lt_err.h"
#include "lt_growth.h"
#include "lt_metric.h"
#include "view_int.h"

#define MIN_ROWS 10
#define MIN_COLS 40

lt_view *lt_view_new(const struct lt_view_opts *o)
{
	lt_view *v = lt_xcalloc(1, sizeof(*v));

	v->live = o->live;
	v->ascii = o->ascii;
	v->output = o->output ? lt_xstrdup(o->output) : NULL;
	v->cursor_t = NAN;
	v->base_t = NAN;
	/* Memory until heap sites exist (see lt_view_render). */
	v->screen = LT_SCR_MEMORY;
	v->body_rows = 10;
	return v;
}

void lt_view_free(lt_view *v)
{
	if (!v)
		return;
	free(v->output);
	free(v->zoom);
	free(v->fsel);
	free(v->rows);
	sites_free(v);
	flame_free(&v->fl);
	for (int y = 0; y < v->frame.lines_cap; y++) {
		free(v->frame.lines[y].text);
		free(v->frame.lines[y].spans);
	}
	free(v->frame.lines);
	free(v);
}

enum lt_view_screen lt_view_screen(const lt_view *v)
{
	return (enum lt_view_screen)v->screen;
}

void lt_view_set_screen(lt_view *v, enum lt_view_screen s)
{
	if ((int)s >= 0 && s < LT_SCR_COUNT) {
		v->screen = s;
		v->detail = 0;
		v->touched = 1;
	}
}

int lt_view_paused(const lt_view *v)
{
	return v->paused;
}

uint64_t lt_view_selected(const lt_view *v, enum lt_view_screen s)
{
	return (int)s >= 0 && s < LT_SCR_COUNT ? v->list[s].sel : 0;
}

void lt_view_message(lt_view *v, const char *msg)
{
	snprintf(v->msg, sizeof(v->msg), "%s", msg ? msg : "");
}

void lt_view_ended(lt_view *v, const char *why)
{
	snprintf(v->ended, sizeof(v->ended), "%s", why ? why : "ended");
}

/* --- time ---------------------------------------------------------------- */

/* The last tick at or before t (0 if none). */
static size_t tick_at(const lt_model *m, double t)
{
	size_t lo = 0, hi = lt_model_tick_count(m);

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (lt_model_tick(m, mid)->t <= t + 1e-9)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The last thread sample taken by tick t: samples are taken just after
 * their tick, so half an interval of slack. */
static size_t tsample_at(const lt_tgroups *g, double t, double slack)
{
	size_t n = lt_tgroups_sample_count(g), k = 0;

	for (size_t i = 0; i < n; i++)
		if (lt_tgroups_sample(g, i)->t <= t + slack)
			k = i;
	return k;
}

void view_time(const lt_view *v, const lt_model *m, struct vtime *vt)
{
	const lt_tgroups *g = lt_model_tgroups_c(m);
	double slack = lt_model_meta_c(m)->interval / 2;

	memset(vt, 0, sizeof(*vt));
	vt->n = lt_model_tick_count(m);
	if (!vt->n)
		return;
	vt->cur = isnan(v->cursor_t) ? vt->n - 1 : tick_at(m, v->cursor_t);
	vt->has_base = !isnan(v->base_t);
	vt->base = vt->has_base ? tick_at(m, v->base_t) : 0;
	if (vt->base > vt->cur)
		vt->base = vt->cur;
	vt->t = lt_model_tick(m, vt->cur)->t;
	{
		/* Heap samples are taken with their tick: the last one by
		 * the cursor's (and the baseline's) tick. */
		const lt_hsites *h = lt_model_hsites_c(m);
		size_t nh = lt_hsites_sample_count(h);
		double tb = lt_model_tick(m, vt->base)->t;

		for (size_t k = 0; k < nh; k++) {
			double tk = lt_hsites_sample(h, k)->t;

			if (tk <= vt->t + slack) {
				vt->hcur = k;
				vt->nh = nh;
			}
			if (vt->has_base && tk <= tb + slack)
				vt->hbase = k;
		}
		if (vt->hbase > vt->hcur)
			vt->hbase = vt->hcur;
	}
	vt->nk = lt_tgroups_sample_count(g);
	if (vt->nk) {
		vt->kcur = tsample_at(g, vt->t, slack);
		vt->kbase = vt->has_base ?
			tsample_at(g, lt_model_tick(m, vt->base)->t, slack) : 0;
		if (vt->kbase > vt->kcur)
			vt->kbase = vt->kcur;
	}
}

/* --- rows of the list screens -------------------------------------------- */

static struct vrow *add_row(lt_view *v)
{
	if (v->nrows == v->rcap) {
		v->rcap = v->rcap ? v->rcap * 2 : 64;
		v->rows = lt_xrealloc(v->rows, v->rcap * sizeof(*v->rows));
	}
	memset(&v->rows[v->nrows], 0, sizeof(v->rows[0]));
	return &v->rows[v->nrows++];
}

static void memory_rows(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	for (int id = 0; id < LT_M_COUNT && vt->n; id++) {
		const struct lt_metric_def *d = lt_metric_def(id);
		const struct lt_sample *cur = lt_model_tick(m, vt->cur);
		const struct lt_sample *base = lt_model_tick(m, vt->base);
		struct lt_growth g;
		struct vrow *r;

		lt_model_growth(m, id, vt->base, vt->cur + 1, &g);
		if (!g.n)
			continue;  /* never measured in this window */
		r = add_row(v);
		r->id = (uint64_t)id + 1;
		r->unit = d->unit;
		r->now = lt_sample_has(cur, id) ? (double)cur->v[id] : g.end;
		r->delta = r->now - (lt_sample_has(base, id) ? (double)base->v[id] : g.start);
		r->slope = g.slope;
		r->trend = g.trend;
		r->rel = g.slope / fmax(fabs(g.start), 1);
		snprintf(r->label, sizeof(r->label), "%s", d->title);
	}
}

/* A thread group's count over thread samples [kb, kc]. */
static void group_growth(const lt_tgroups *g, size_t i, size_t kb, size_t kc,
			 struct lt_growth *out)
{
	size_t n = kc - kb + 1;
	double *t = lt_xmalloc(n * sizeof(double));
	double *val = lt_xmalloc(n * sizeof(double));

	for (size_t k = 0; k < n; k++) {
		t[k] = lt_tgroups_sample(g, kb + k)->t;
		val[k] = (double)lt_tgroups_value(g, i, kb + k);
	}
	lt_growth_fit(t, val, n, 2, out);
	free(t);
	free(val);
}

static void thread_rows(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	const lt_tgroups *g = lt_model_tgroups_c(m);
	const lt_stacktab *st = lt_model_stacks_c(m);
	size_t n = lt_tgroups_count(g);

	if (!vt->nk)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct lt_tgroup *gr = lt_tgroups_get(g, i);
		struct lt_growth gw;
		struct vrow *r;
		char where[128];

		if (gr->first > vt->kcur)
			continue;  /* appears after the cursor */
		group_growth(g, i, vt->kbase, vt->kcur, &gw);
		r = add_row(v);
		r->id = (uint64_t)i + 1;
		r->unit = LT_UNIT_COUNT;
		r->now = (double)lt_tgroups_value(g, i, vt->kcur);
		r->delta = r->now - (double)lt_tgroups_value(g, i, vt->kbase);
		r->slope = gw.slope;
		r->trend = gw.trend;
		lt_stacktab_describe(st, gr->stack, where, sizeof(where));
		snprintf(r->label, sizeof(r->label), "%s %s", where,
			 gr->syscall ? gr->syscall : "");
	}
}

static const char *const sort_names[LT_SCR_COUNT][4] = {
	[LT_SCR_SITES] = {"growth", "live", "allocs/s", "change"},
	[LT_SCR_MEMORY] = {"series", "growth", "change"},
	[LT_SCR_THREADS] = {"rank", "count", "change"},
};

int view_sort_count(int screen)
{
	int n = 0;

	while (n < 4 && sort_names[screen][n])
		n++;
	return n;
}

const char *view_sort_name(const lt_view *v)
{
	return view_sort_count(v->screen) ?
		sort_names[v->screen][v->list[v->screen].sort] : NULL;
}

static int cmp_num(double a, double b)
{
	return a < b ? 1 : a > b ? -1 : 0;   /* descending */
}

/* arg: the sort key, an int (see view_rows). */
static int row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct vrow *a = pa, *b = pb;
	int c = 0;

	switch (*(const int *)arg) {
	case 1: /* memory growth: relative slope; threads rank */
		c = cmp_num(a->trend == LT_TREND_GROWING, b->trend == LT_TREND_GROWING);
		if (!c)
			c = cmp_num(a->rel ? a->rel : a->slope, b->rel ? b->rel : b->slope);
		if (!c)
			c = cmp_num(a->now, b->now);
		break;
	case 2: /* count */
		c = cmp_num(a->now, b->now);
		break;
	case 3: /* change since the baseline */
		c = cmp_num(fabs(a->delta), fabs(b->delta));
		break;
	default:
		break;
	}
	return c ? c : a->id < b->id ? -1 : a->id > b->id;
}

void view_rows(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	int sort = v->list[v->screen].sort, key;

	v->nrows = 0;
	if (v->screen == LT_SCR_MEMORY) {
		memory_rows(v, m, vt);
		key = sort == 0 ? 0 : sort == 1 ? 1 : 3;
	} else if (v->screen == LT_SCR_THREADS) {
		thread_rows(v, m, vt);
		key = sort == 0 ? 1 : sort == 1 ? 2 : 3;
	} else if (v->screen == LT_SCR_SITES) {
		site_rows(v, m, vt);   /* ranked already */
		return;
	} else {
		return;
	}
	if (v->nrows > 1)
		qsort_r(v->rows, v->nrows, sizeof(*v->rows), row_cmp, &key);
}

size_t view_sel_index(lt_view *v)
{
	struct listst *ls = &v->list[v->screen];

	if (!v->nrows)
		return 0;
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].id == ls->sel) {
			ls->sel_pos = i;
			return i;
		}
	/* The row went away (or nothing was selected): stay at its place. */
	if (ls->sel_pos >= v->nrows)
		ls->sel_pos = v->nrows - 1;
	ls->sel = v->rows[ls->sel_pos].id;
	return ls->sel_pos;
}

int view_match(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return 0;
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return 0;
}

/* --- keys ---------------------------------------------------------------- */

static void select_pos(lt_view *v, long pos)
{
	struct listst *ls = &v->list[v->screen];

	if (!v->nrows)
		return;
	if (pos < 0)
		pos = 0;
	if ((size_t)pos >= v->nrows)
		pos = (long)v->nrows - 1;
	ls->sel = v->rows[pos].id;
	ls->sel_pos = (size_t)pos;
}

static int search_next(lt_view *v)
{
	size_t at = view_sel_index(v);

	for (size_t k = 1; k <= v->nrows; k++) {
		size_t i = (at + k) % v->nrows;

		if (view_match(v->rows[i].label, v->search)) {
			select_pos(v, (long)i);
			return 1;
		}
	}
	snprintf(v->msg, sizeof(v->msg), "not found: %s", v->search);
	return 0;
}

static int list_key(lt_view *v, int key)
{
	long at = (long)view_sel_index(v), page = v->body_rows > 2 ? v->body_rows - 1 : 1;

	if (v->detail) {
		switch (key) {
		case LT_KEY_ENTER: case LT_KEY_BACKSPACE: case LT_KEY_ESC: case 'h':
		case LT_KEY_LEFT:
			v->detail = 0;
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		case LT_KEY_DOWN: case 'j':
			v->detail_top++;
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		case LT_KEY_UP: case 'k':
			if (v->detail_top)
				v->detail_top--;
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		}
		return 0;
	}
	switch (key) {
	case LT_KEY_UP: case 'k': select_pos(v, at - 1); break;
	case LT_KEY_DOWN: case 'j': select_pos(v, at + 1); break;
	case LT_KEY_PGUP: select_pos(v, at - page); break;
	case LT_KEY_PGDN: select_pos(v, at + page); break;
	case LT_KEY_HOME: case 'g': select_pos(v, 0); break;
	case LT_KEY_END: case 'G': select_pos(v, (long)v->nrows - 1); break;
	case LT_KEY_ENTER:
		if (v->screen != LT_SCR_THREADS || !v->nrows)
			return 0;
		select_pos(v, at);
		v->detail = 1;
		v->detail_top = 0;
		break;
	case 'n':
		if (!v->search[0])
			return 0;
		search_next(v);
		break;
	default:
		return 0;
	}
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

/* Typing a search: printable keys edit, Enter runs it, Esc cancels. */
static int prompt_key(lt_view *v, const lt_model *m, int key)
{
	size_t n = strlen(v->query);

	if (key == LT_KEY_ESC) {
		v->prompt = 0;
	} else if (key == LT_KEY_BACKSPACE) {
		if (n)
			v->query[n - 1] = '\0';
	} else if (key == LT_KEY_ENTER) {
		v->prompt = 0;
		snprintf(v->search, sizeof(v->search), "%s", v->query);
		if (v->screen == LT_SCR_FLAME)
			flame_key(v, m, 'n');
		else if (v->nrows)
			search_next(v);
	} else if (key >= 0x20 && key < 0x7f && n + 1 < sizeof(v->query)) {
		v->query[n] = (char)key;
		v->query[n + 1] = '\0';
	}
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

/* Time cursor and baseline, as session times of ticks. */
static int time_key(lt_view *v, const lt_model *m, const struct vtime *vt,
		    int key)
{
	size_t i;

	if (!vt->n)
		return LT_VIEW_HANDLED;
	switch (key) {
	case '[':
		i = vt->cur ? vt->cur - 1 : 0;
		v->cursor_t = lt_model_tick(m, i)->t;
		v->paused = v->live;
		break;
	case ']':
		i = vt->cur + 1;
		if (i >= vt->n - 1 && v->live) {
			v->cursor_t = NAN;  /* back to following the session */
			v->paused = 0;
		} else {
			v->cursor_t = lt_model_tick(m, i < vt->n ? i : vt->n - 1)->t;
		}
		break;
	case '<': case '>':
		i = vt->has_base ? vt->base : vt->cur;
		if (key == '<' && i)
			i--;
		else if (key == '>' && i < vt->cur)
			i++;
		v->base_t = lt_model_tick(m, i)->t;
		break;
	case 'b':
		v->base_t = vt->t;
		snprintf(v->msg, sizeof(v->msg), "baseline marked at t=%.1fs: changes are since then", vt->t);
		break;
	case 'B':
		v->base_t = NAN;
		snprintf(v->msg, sizeof(v->msg), "baseline cleared: changes are since the start");
		break;
	}
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

static int normalize(int key)
{
	switch (key) {
	case '\n': case '\r': return LT_KEY_ENTER;
	case 127: case 8: return LT_KEY_BACKSPACE;
	case 27: return LT_KEY_ESC;
	default: return key;
	}
}

int lt_view_key(lt_view *v, const lt_model *m, int key)
{
	struct vtime vt;
	int r;

	key = normalize(key);
	v->msg[0] = '\0';
	v->touched = 1;
	if (v->prompt)
		return prompt_key(v, m, key);
	view_time(v, m, &vt);
	view_rows(v, m, &vt);
	switch (key) {
	case 'q': case 'Q':
		return LT_VIEW_HANDLED | LT_VIEW_QUIT;
	case '\t':
		lt_view_set_screen(v, (enum lt_view_screen)((v->screen + 1) % LT_SCR_COUNT));
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case LT_KEY_BTAB:
		lt_view_set_screen(v, (enum lt_view_screen)((v->screen + LT_SCR_COUNT - 1) % LT_SCR_COUNT));
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case '1': case '2': case '3': case '4': case '5':
		lt_view_set_screen(v, (enum lt_view_screen)(key - '1'));
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case '?':
		lt_view_set_screen(v, LT_SCR_HELP);
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case '/':
		v->prompt = 1;
		v->query[0] = '\0';
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case 's':
		if (!view_sort_count(v->screen))
			return LT_VIEW_HANDLED;
		v->list[v->screen].sort = (v->list[v->screen].sort + 1) % view_sort_count(v->screen);
		snprintf(v->msg, sizeof(v->msg), "sorted by %s", view_sort_name(v));
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case ' ':
		if (!v->live) {
			snprintf(v->msg, sizeof(v->msg), "a recorded session: [ and ] move the time cursor");
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		}
		v->paused = !v->paused;
		v->cursor_t = v->paused && vt.n ? vt.t : NAN;
		snprintf(v->msg, sizeof(v->msg), v->paused ?
			 "paused: sampling goes on; space resumes" : "resumed");
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case '[': case ']': case '<': case '>': case 'b': case 'B':
		return time_key(v, m, &vt, key);
	}
	if (v->screen == LT_SCR_FLAME) {
		r = flame_key(v, m, key);
		if (r)
			return r;
	}
	if (v->screen == LT_SCR_SITES) {
		r = sites_key(v, m, key);
		if (r)
			return r;
	}
	if (v->screen == LT_SCR_MEMORY || v->screen == LT_SCR_THREADS ||
	    v->screen == LT_SCR_SITES)
		return list_key(v, key);
	if (v->screen == LT_SCR_HELP && (key == LT_KEY_ESC || key == LT_KEY_BACKSPACE)) {
		lt_view_set_screen(v, LT_SCR_MEMORY);
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	}
	return 0;
}

/* --- frame --------------------------------------------------------------- */

static void status_line(lt_view *v, struct lt_vframe *f)
{
	struct lt_vline *l = vf_line(f, f->rows - 1);

	if (v->prompt)
		vl_printf(l, f->cols, "search: %s_   (Enter finds, Esc cancels)", v->query);
	else if (v->msg[0])
		vl_puts(l, f->cols, v->msg);
	else if (v->screen == LT_SCR_FLAME && l->cols)
		;  /* the flame screen wrote the selected node here */
	else
		vl_printf(l, f->cols, "q quit  ? help  Tab/1-5 screens  s sort%s%s  / search  b baseline  [ ] time",
			  view_sort_name(v) ? ": " : "", view_sort_name(v) ? view_sort_name(v) : "");
	vl_pad(l, f->cols);
	vl_span(l, 0, f->cols, LT_ST_STATUS);
}

const struct lt_vframe *lt_view_render(lt_view *v, const lt_model *m,
				       int rows, int cols)
{
	struct lt_vframe *f = &v->frame;
	struct vtime vt;
	int y0;

	vf_reset(f, rows, cols);
	if (rows < MIN_ROWS || cols < MIN_COLS) {
		if (rows > 0)
			vl_printf(vf_line(f, 0), cols, "terminal too small (%dx%d): leaktop needs %dx%d; q quits",
				  cols, rows, MIN_COLS, MIN_ROWS);
		return f;
	}
	/* Heap sites are what a user came for: show them as soon as there
	 * are any, unless a key already chose a screen. */
	if (!v->touched && lt_hsites_count(lt_model_hsites_c(m)))
		v->screen = LT_SCR_SITES;
	view_time(v, m, &vt);
	view_rows(v, m, &vt);
	y0 = screen_header(v, m, &vt, f);
	v->body_rows = rows - 1 - y0;
	switch (v->screen) {
	case LT_SCR_MEMORY: screen_memory(v, m, &vt, f, y0, rows - 1); break;
	case LT_SCR_THREADS: screen_threads(v, m, &vt, f, y0, rows - 1); break;
	case LT_SCR_FLAME: screen_flame(v, m, &vt, f, y0, rows - 1); break;
	case LT_SCR_SITES: screen_sites(v, m, &vt, f, y0, rows - 1); break;
	default: screen_help(v, f, y0, rows - 1); break;
	}
	status_line(v, f);
	return f;
}
