/* Tables of list screens.  Columns are data (struct vcol): each screen
 * has a const array of {title, width, flags, format or draw}, and one
 * function draws any of them. */
#include <stdio.h>
#include <string.h>

#include "lt_fmt.h"
#include "lt_growth.h"
#include "view_int.h"

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

static void col_head(struct lt_vline *l, int cols, const struct vcol *c, size_t n)
{
	vl_puts(l, cols, "  ");
	for (size_t i = 0; i < n; i++) {
		if (c[i].flags & VC_RIGHT)
			vl_rjust(l, cols, c[i].title, c[i].width);
		else
			vl_printf(l, cols, "%-*s", c[i].width, c[i].title);
		vl_puts(l, cols, " ");
	}
	vl_pad(l, cols);
	vl_span(l, 0, cols, LT_ST_COLHEAD);
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

static void table_row(lt_view *v, const lt_model *m, const struct vtime *vt,
		      struct lt_vline *l, int cols, const struct vcol *c,
		      size_t n, const struct vrow *r, int selected)
{
	char buf[256];

	vl_puts(l, cols, selected ? "> " : "  ");
	for (size_t i = 0; i < n; i++) {
		int x = l->cols;

		if (c[i].draw) {
			if (!draw_cell(v, m, vt, l, cols, &c[i], r))
				break;
			continue;
		}
		c[i].fmt(m, r, buf, sizeof(buf));
		if (c[i].width && (int)strlen(buf) > c[i].width)
			buf[c[i].width] = '\0';
		if (c[i].flags & VC_RIGHT)
			vl_rjust(l, cols, buf, c[i].width);
		else
			vl_printf(l, cols, "%-*s", c[i].width, buf);
		vl_puts(l, cols, " ");
		if ((c[i].flags & VC_WARN) && r->trend == LT_TREND_GROWING)
			vl_span(l, x, c[i].width, LT_ST_WARN);
		if ((c[i].flags & VC_MATCH) && v->search[0] && view_match(r->label, v->search))
			vl_span(l, x, c[i].width, LT_ST_MATCH);
	}
	vl_pad(l, cols);
	if (selected)
		vl_span(l, 0, cols, LT_ST_SELECTED);
}

void vtable(lt_view *v, const lt_model *m, const struct vtime *vt,
	    struct lt_vframe *f, int y0, int y1, struct vlist *ls,
	    const struct vcol *c, size_t n)
{
	size_t sel = vlist_sel(ls), h;

	col_head(vf_line(f, y0), f->cols, c, n);
	y0++;
	h = y1 > y0 ? (size_t)(y1 - y0) : 0;
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
			  c, n, &ls->rows[i], i == sel);
}

void vtable_since(lt_view *v, const struct vtime *vt, struct lt_vline *l,
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
