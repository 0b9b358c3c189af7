/* The rows of list screens and their selection.
 *
 * Like htop, rows are rebuilt from the model on every key and frame and
 * the selection is kept as a row id, so it follows its row when the ranking
 * changes under it; only when the row goes away does it fall back to the
 * position it had. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lt_err.h"
#include "lt_growth.h"
#include "view_int.h"

void vlist_free(struct vlist *l)
{
	free(l->rows);
	memset(l, 0, sizeof(*l));
}

struct vrow *vlist_add(struct vlist *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->rows = lt_xrealloc(l->rows, l->cap * sizeof(*l->rows));
	}
	memset(&l->rows[l->n], 0, sizeof(l->rows[0]));
	return &l->rows[l->n++];
}

static int cmp_num(double a, double b)
{
	return a < b ? 1 : a > b ? -1 : 0;   /* descending */
}

/* arg: the sort key, an int (see vlist_sort). */
static int row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct vrow *a = pa, *b = pb;
	int c = 0;

	switch (*(const int *)arg) {
	case 1: /* growing first, then relative slope (absolute if no base) */
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

void vlist_sort(struct vlist *l, int key)
{
	if (l->n > 1)
		qsort_r(l->rows, l->n, sizeof(*l->rows), row_cmp, &key);
}

size_t vlist_sel(struct vlist *l)
{
	if (!l->n)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->rows[i].id == l->sel) {
			l->sel_pos = i;
			return i;
		}
	/* The row went away (or nothing was selected): stay at its place. */
	if (l->sel_pos >= l->n)
		l->sel_pos = l->n - 1;
	l->sel = l->rows[l->sel_pos].id;
	return l->sel_pos;
}

const struct vrow *vlist_sel_row(struct vlist *l)
{
	return l->n ? &l->rows[vlist_sel(l)] : NULL;
}

void vlist_select(struct vlist *l, long pos)
{
	if (!l->n)
		return;
	if (pos < 0)
		pos = 0;
	if ((size_t)pos >= l->n)
		pos = (long)l->n - 1;
	l->sel = l->rows[pos].id;
	l->sel_pos = (size_t)pos;
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

void vlist_find(lt_view *v, struct vlist *l)
{
	size_t at = vlist_sel(l);

	for (size_t k = 1; k <= l->n; k++) {
		size_t i = (at + k) % l->n;

		if (view_match(l->rows[i].label, v->search)) {
			vlist_select(l, (long)i);
			return;
		}
	}
	view_msg(v, "not found: %s", v->search);
}

int vlist_key(lt_view *v, struct vlist *l, int key)
{
	long at = (long)vlist_sel(l), page = v->body_rows > 2 ? v->body_rows - 1 : 1;

	switch (key) {
	case LT_KEY_UP: case 'k': vlist_select(l, at - 1); break;
	case LT_KEY_DOWN: case 'j': vlist_select(l, at + 1); break;
	/* PgUp/PgDn and Home/End move the time cursor (vtime.c); a page
	 * of the list is Ctrl-B / Ctrl-F as in less and vi, or Ctrl-U /
	 * Ctrl-D where tmux takes Ctrl-B for itself. */
	case 2: case 21: vlist_select(l, at - page); break;
	case 6: case 4: vlist_select(l, at + page); break;
	case 'n':
		if (!v->search[0])
			return 0;
		vlist_find(v, l);
		break;
	default:
		return 0;
	}
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

void *vlist_init(void)
{
	return lt_xcalloc(1, sizeof(struct vlist));
}

void vlist_fini(void *st)
{
	if (st)
		vlist_free(st);
	free(st);
}

int vlist_detail_key(lt_view *v, struct vlist *l, int key)
{
	if (l->detail) {
		switch (key) {
		case LT_KEY_ENTER: case LT_KEY_BACKSPACE: case LT_KEY_ESC: case 'h':
		case LT_KEY_LEFT:
			l->detail = 0;
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		case LT_KEY_DOWN: case 'j':
			l->detail_top++;
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		case LT_KEY_UP: case 'k':
			if (l->detail_top)
				l->detail_top--;
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		}
		return 0;
	}
	if (key != LT_KEY_ENTER)
		return vlist_key(v, l, key);
	if (!l->n)
		return 0;
	vlist_select(l, (long)vlist_sel(l));
	l->detail = 1;
	l->detail_top = 0;
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

void vstack_lines(struct lt_vframe *f, int y, int y1, const lt_stacktab *st,
		  size_t stack, size_t skip)
{
	const struct lt_stack *sk = lt_stacktab_stack(st, stack);
	char label[512];

	for (size_t i = 0; i < sk->depth && y < y1; i++) {
		size_t fr = sk->frames[i];
		const struct lt_frame *fp = lt_stacktab_frame(st, fr);

		for (size_t k = 0; k < fp->nsyms && y < y1; k++) {
			struct lt_vline *l;

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
