/* Tables of list screens.  Columns are data (struct vcol): each screen
 * has a const array of {title, width, flags, format or draw, priority,
 * sort}, and one function lays out and draws any of them.
 *
 * Layout, like htop's narrow-terminal behaviour but by priority: the
 * flexible column (width 0, usually WHERE) keeps at least its min
 * columns; to make room, the column of the highest priority number goes
 * first (a history sparkline before evidence, evidence before the
 * numbers), never a priority-0 column nor the one the list is sorted by. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lt_fmt.h"
#include "lt_growth.h"
#include "lt_metric.h"
#include "view_int.h"

#define MAX_COLS 32

void vc_label(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	snprintf(b, n, "%s", r->label);
}

void vc_now(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	lt_fmt_value(r->now, r->unit, b, n);
}

void vc_delta(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	char tmp[48];

	(void)m;
	lt_fmt_value(r->delta, r->unit, tmp, sizeof(tmp));
	snprintf(b, n, "%s%s", r->delta > 0 ? "+" : "", tmp);
}

void vc_rate(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	lt_fmt_rate(r->slope, r->unit, b, n);
}

void vc_trend(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	(void)m;
	snprintf(b, n, "%s", lt_growth_trend_name((enum lt_trend)r->trend));
}

/* --- rates in one unit per column ------------------------------------------ */

/* A rate column's unit: one period for every row (and one byte unit when
 * every row is bytes), chosen from its largest rate as lt_fmt_rate would
 * choose for it, so that "+46.4" and "+0.3" compare at a glance and no
 * cell carries a unit that a narrow column would cut ("+3.6 MiB/mi"). */
struct vrate {
	double mul;         /* per second -> the column's unit */
	int bytes;          /* every row is bytes: cells are plain numbers */
	char title[24];     /* "MiB/min", or "RATE/min" */
};

static void vrate_choose(const struct vlist *ls, const char *title, struct vrate *u)
{
	static const struct {
		const char *name;
		double seconds;
	} periods[] = {{"s", 1}, {"min", 60}, {"h", 3600}};
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double top = 0, one;
	int bytes = ls->n > 0;
	size_t p = 0, k = 0;

	size_t votes[3] = {0, 0, 0};

	for (size_t i = 0; i < ls->n; i++) {
		double a = fabs(ls->rows[i].slope);
		size_t q = 0;

		if (ls->rows[i].unit != LT_UNIT_BYTES)
			bytes = 0;
		if (!isfinite(a) || a == 0)
			continue;
		top = fmax(top, a);
		/* the period lt_fmt_rate would give this row alone */
		one = ls->rows[i].unit == LT_UNIT_BYTES ? 1023.5 * 1024 : 0.95;
		while (q + 1 < 3 && a * periods[q].seconds < one)
			q++;
		votes[q]++;
	}
	if (bytes) {
		/* one unit: the largest rate reads at least 1 of it */
		while (top > 0 && p + 1 < 3 && top * periods[p].seconds < 1023.5 * 1024)
			p++;
	} else {
		/* bytes and counts: the period most rows would have on their
		 * own (the shorter on a tie) */
		for (size_t q = 1; q < 3; q++)
			if (votes[q] > votes[p])
				p = q;
	}
	u->mul = periods[p].seconds;
	u->bytes = bytes;
	if (!bytes) {
		snprintf(u->title, sizeof(u->title), "%s/%s", title, periods[p].name);
		return;
	}
	for (double a = top * u->mul; a >= 1023.5 && k + 1 < sizeof(units) / sizeof(units[0]); a /= 1024)
		k++;
	u->mul /= pow(1024, (double)k);
	snprintf(u->title, sizeof(u->title), "%s/%s", units[k], periods[p].name);
}

static void vrate_cell(const struct vrate *u, const struct vrow *r, char *b, size_t n)
{
	double v = r->slope * u->mul;
	char num[48];

	if (!isfinite(v)) {
		snprintf(b, n, "?");
		return;
	}
	if (u->bytes || r->unit != LT_UNIT_BYTES)
		lt_fmt_value(v, LT_UNIT_COUNT, num, sizeof(num));
	else
		lt_fmt_bytes(v, num, sizeof(num));
	snprintf(b, n, "%s%s", v > 0 && strcmp(num, "0") ? "+" : "", num);
}

/* --- labels that fit ------------------------------------------------------- */

void vtext_fit(char *s, int width)
{
	size_t w = width > 0 ? (size_t)width : 0, n = strlen(s);
	char *p;

	/* The short form first: "f (file.c:12) (3 stacks)" loses its
	 * parenthesized details from the end, "bytes written (storage)"
	 * would too, but only while a word is left. */
	while (n > w && n && s[n - 1] == ')' && (p = strrchr(s, '(')) &&
	       p > s + 1 && p[-1] == ' ' && (size_t)(p - 1 - s) >= 1) {
		n = (size_t)(p - 1 - s);
		s[n] = '\0';
	}
	if (n <= w)
		return;
	/* Then a cut at the last space that leaves room for the mark. */
	if (w >= 2) {
		s[w - 1] = '\0';
		p = strrchr(s, ' ');
		if (p && p - s >= (long)w / 2)
			*p = '\0';
		n = strlen(s);
		s[n] = '~';  /* says the text goes on */
		s[n + 1] = '\0';
	} else {
		s[w] = '\0';
	}
}

/* --- layout ---------------------------------------------------------------- */

/* Which columns are shown at cols terminal columns, the flexible column
 * wanting want columns (at least its min); returns the width it gets (0
 * without one). */
static int vcol_layout(const struct vcol *c, size_t n, int cols, int sort,
		       int want, unsigned char *keep)
{
	int fixed = 2, flex = -1, room;

	for (size_t i = 0; i < n; i++) {
		keep[i] = 1;
		if (c[i].width)
			fixed += c[i].width + 1;
		else
			flex = (int)i;
	}
	for (;;) {
		int drop = -1;

		int need, least = 1;

		room = cols - fixed;
		need = flex >= 0 ? c[flex].min : 0;
		if (room >= need && flex >= 0 && room < want) {
			least = VC_PRIO_SPARE;   /* only spare columns go for want */
			need = want;
		}
		if (room >= need)
			break;
		for (size_t i = 0; i < n; i++)
			if (keep[i] && c[i].width && c[i].prio >= least &&
			    c[i].sort != sort + 1 &&
			    (drop < 0 || c[i].prio >= c[drop].prio))
				drop = (int)i;
		if (drop < 0)
			break;
		keep[drop] = 0;
		fixed -= c[drop].width + 1;
	}
	return flex >= 0 && room > 0 ? room : 0;
}

static void col_title(lt_view *v, struct lt_vline *l, int cols,
		      const struct vcol *c, const char *title, int marked)
{
	int w = c->width ? c->width : cols - l->cols;
	int tw = (int)strlen(title) + (marked ? 1 : 0), x = l->cols;
	/* a title never runs into the next column */
	int end = x + w - (marked ? 1 : 0) < cols ? x + w - (marked ? 1 : 0) : cols;

	if ((c->flags & VC_RIGHT) && tw < w)
		vl_pad(l, l->cols + w - tw < cols ? l->cols + w - tw : cols);
	vl_puts(l, end, title);
	if (marked) {
		/* the sorted column: a mark and its own style */
		vl_glyph(l, cols, v->ascii, "\xe2\x96\xbc", '*');
		vl_span(l, x, w, LT_ST_TAB_ON);
	}
	if (c->width) {
		vl_pad(l, x + w < cols ? x + w : cols);
		vl_puts(l, cols, " ");
	}
}

static void col_head(lt_view *v, struct lt_vline *l, int cols,
		     const struct vcol *c, size_t n, const unsigned char *keep,
		     const struct vrate *rates, int sort)
{
	vl_puts(l, cols, "  ");
	vl_span(l, 0, cols, LT_ST_COLHEAD);
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			col_title(v, l, cols, &c[i],
				  c[i].flags & VC_RATE ? rates[i].title : c[i].title,
				  c[i].sort && c[i].sort == sort + 1);
	vl_pad(l, cols);
}

/* A drawn cell (a sparkline): the rest of the line when its width is 0. */
static int draw_cell(lt_view *v, const lt_model *m, const struct vtime *vt,
		     struct lt_vline *l, int cols, const struct vcol *c,
		     const struct vrow *r)
{
	int x = l->cols, end;

	if (!c->width) {
		c->draw(v, m, vt, l, cols, r, cols - x);
		return 0;
	}
	/* Never past the terminal's edge, where curses would wrap. */
	end = x + c->width < cols ? x + c->width : cols;
	c->draw(v, m, vt, l, end, r, c->width);
	vl_pad(l, end);
	vl_puts(l, cols, " ");
	return 1;
}

struct table {
	const struct vcol *c;
	size_t n;
	const unsigned char *keep;
	const struct vrate *rates;
	int flex;               /* the flexible column's width */
};

static void table_row(lt_view *v, const lt_model *m, const struct vtime *vt,
		      struct lt_vline *l, int cols, const struct table *t,
		      const struct vrow *r, int selected)
{
	char buf[256];

	vl_puts(l, cols, selected ? "> " : "  ");
	for (size_t i = 0; i < t->n; i++) {
		const struct vcol *c = &t->c[i];
		int x = l->cols, w = c->width ? c->width : t->flex;

		if (!t->keep[i])
			continue;
		if (c->draw) {
			if (!draw_cell(v, m, vt, l, cols, c, r))
				break;
			continue;
		}
		if (c->flags & VC_RATE)
			vrate_cell(&t->rates[i], r, buf, sizeof(buf));
		else
			c->fmt(m, r, buf, sizeof(buf));
		if ((int)strlen(buf) > w) {
			if (c->flags & VC_RIGHT)
				buf[w > 0 ? w : 0] = '\0';
			else
				vtext_fit(buf, w);
		}
		if (c->flags & VC_RIGHT)
			vl_rjust(l, cols, buf, w);
		else
			vl_printf(l, cols, "%-*s", w, buf);
		vl_puts(l, cols, " ");
		if ((c->flags & VC_WARN) && r->trend == LT_TREND_GROWING)
			vl_span(l, x, w, LT_ST_WARN);
		if ((c->flags & VC_MATCH) && v->search[0] && view_match(r->label, v->search))
			vl_span(l, x, w, LT_ST_MATCH);
	}
	vl_pad(l, cols);
	if (selected)
		vl_span(l, 0, cols, LT_ST_SELECTED);
}

/* The flexible column's widest text over the list's first rows, up to
 * FLEX_WANT_MAX: "leak_fn (file.c:46)" whole is worth more than a
 * sparkline, but a 200-character C++ name must not push out every
 * number. */
#define FLEX_WANT_MAX 60
#define FLEX_WANT_ROWS 200

static int flex_want(const lt_model *m, const struct vlist *ls,
		     const struct vcol *c, size_t n)
{
	char buf[256];
	int want = 0;

	for (size_t i = 0; i < n; i++) {
		if (c[i].width || !c[i].fmt)
			continue;
		for (size_t r = 0; r < ls->n && r < FLEX_WANT_ROWS && want < FLEX_WANT_MAX; r++) {
			c[i].fmt(m, &ls->rows[r], buf, sizeof(buf));
			if ((int)strlen(buf) > want)
				want = (int)strlen(buf);
		}
	}
	return want < FLEX_WANT_MAX ? want : FLEX_WANT_MAX;
}

void vtable(lt_view *v, const lt_model *m, const struct vtime *vt,
	    struct lt_vframe *f, int y0, int y1, struct vlist *ls,
	    const struct vcol *c, size_t n)
{
	unsigned char keep[MAX_COLS];
	struct vrate rates[MAX_COLS];
	struct table t = {c, n < MAX_COLS ? n : MAX_COLS, keep, rates, 0};
	size_t sel = vlist_sel(ls), h;

	t.flex = vcol_layout(c, t.n, f->cols, ls->sort, flex_want(m, ls, c, t.n), keep);
	for (size_t i = 0; i < t.n; i++)
		if (c[i].flags & VC_RATE)
			vrate_choose(ls, c[i].title, &rates[i]);
	col_head(v, vf_line(f, y0), f->cols, c, t.n, keep, rates, ls->sort);
	y0++;
	h = y1 > y0 ? (size_t)(y1 - y0) : 0;
	/* Where the rows are, for the mouse. */
	v->hit.list = ls;
	v->hit.y0 = y0;
	v->hit.y1 = y0 + (int)h;
	if (!h)
		return;
	if (sel < ls->top)
		ls->top = sel;
	if (sel >= ls->top + h)
		ls->top = sel - h + 1;
	if (ls->top + h > ls->n)
		ls->top = ls->n > h ? ls->n - h : 0;
	for (size_t i = ls->top; i < ls->n && i < ls->top + h; i++)
		table_row(v, m, vt, vf_line(f, y0 + (int)(i - ls->top)), f->cols,
			  &t, &ls->rows[i], i == sel);
}

void vtable_since(lt_view *v, const struct vtime *vt, struct lt_vline *l,
		  int cols, const char *what)
{
	char at[32], part[64];

	lt_fmt_duration(vt->t, at, sizeof(at));
	vl_printf(l, cols, "%s at t=%s", what, at);
	/* what changes are counted from: whole, or on a wider terminal */
	if (vt->has_base)
		snprintf(part, sizeof(part), "; changes since the baseline (t=%.1fs)", v->base_t);
	else
		snprintf(part, sizeof(part), "; changes since the start");
	if (!vl_whole(l, cols, part))
		vl_whole(l, cols, vt->has_base ? "; since the baseline" : "");
	vl_span(l, 0, l->cols, LT_ST_TITLE);
}
