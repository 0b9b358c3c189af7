/* The Flame screen: an icicle of stacks, outermost frame on top, each box
 * as wide as what is under it at the time cursor: live heap bytes, heap
 * bytes gained since the baseline, threads, or goroutines (key w cycles).
 *
 * The tree is rebuilt from the model on every frame and key; the zoom root
 * and the selection are kept as frame paths, so both survive new samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "lt_fmt.h"
#include "view_int.h"

/* A node of the flame tree: the frames of stacks, outermost at the top. */
struct fnode {
	size_t frame;       /* lt_stacktab frame, LT_NONE for the root */
	size_t parent, child, next; /* indexes, LT_NONE when absent */
	int depth;
	double weight;
};

struct flame {
	struct fnode *n;
	size_t count, cap;
	int mode;           /* what the tree was built from: enum flame_mode */
};

/* What the flame graph's widths are. */
enum flame_mode {
	FL_AUTO,            /* heap bytes when there are heap sites, else threads */
	FL_HEAP,            /* live heap bytes at the cursor */
	FL_GROWTH,          /* heap bytes gained since the baseline */
	FL_THREADS,         /* threads at the cursor */
	FL_GOROUTINES,      /* goroutines at the cursor (a Go program) */
	FL_COUNT
};

/* The screen's state: the tree of the last frame or key, and the zoom
 * root and selection as frame paths from the root. */
struct flame_state {
	struct flame fl;
	size_t *zoom, *fsel;
	size_t nzoom, nfsel, zcap, scap;
	int fmode;          /* flame weight: enum flame_mode */
	int y0, first_row;  /* where the last frame drew box row first_row */
};

struct box {
	size_t node;
	int row, c0, c1;
};

static struct flame_state *flame_st(lt_view *v)
{
	return v->scr[LT_SCR_FLAME];
}

static void *flame_init(void)
{
	return lt_xcalloc(1, sizeof(struct flame_state));
}

static void flame_fini(void *st)
{
	struct flame_state *s = st;

	if (!s)
		return;
	free(s->fl.n);
	free(s->zoom);
	free(s->fsel);
	free(s);
}

static size_t fl_new(struct flame *fl, size_t frame, size_t parent)
{
	struct fnode *n;

	if (fl->count == fl->cap) {
		fl->cap = fl->cap ? fl->cap * 2 : 64;
		fl->n = lt_xrealloc(fl->n, fl->cap * sizeof(*fl->n));
	}
	n = &fl->n[fl->count];
	*n = (struct fnode){frame, parent, LT_NONE, LT_NONE, 0, 0};
	if (parent != LT_NONE) {
		n->depth = fl->n[parent].depth + 1;
		n->next = fl->n[parent].child;
		fl->n[parent].child = fl->count;
	}
	return fl->count++;
}

/* Two frames are one box when they are the same function of the same
 * module: two call sites in main are one main. */
static int same_box(const lt_stacktab *st, size_t a, size_t b)
{
	const struct lt_frame *fa, *fb;
	const char *na, *nb;

	if (a == b)
		return 1;
	if (a == LT_NONE || b == LT_NONE)
		return 0;
	fa = lt_stacktab_frame(st, a);
	fb = lt_stacktab_frame(st, b);
	na = fa->syms[0].function;
	nb = fb->syms[0].function;
	if (!na || !nb || strcmp(na, nb))
		return 0;
	return (!fa->module && !fb->module) ||
	       (fa->module && fb->module && !strcmp(fa->module, fb->module));
}

static size_t fl_child(struct flame *fl, const lt_stacktab *st, size_t parent,
		       size_t frame)
{
	for (size_t c = fl->n[parent].child; c != LT_NONE; c = fl->n[c].next)
		if (same_box(st, fl->n[c].frame, frame))
			return c;
	return fl_new(fl, frame, parent);
}

static int child_cmp(const void *pa, const void *pb, void *arg)
{
	const struct flame *fl = arg;
	const struct fnode *a = &fl->n[*(const size_t *)pa];
	const struct fnode *b = &fl->n[*(const size_t *)pb];

	if (a->weight != b->weight)
		return a->weight < b->weight ? 1 : -1;
	return a->frame < b->frame ? -1 : a->frame > b->frame;
}

/* Heaviest child first, so the big boxes stay put from frame to frame. */
static void fl_sort(struct flame *fl)
{
	size_t *tmp = lt_xmalloc((fl->count ? fl->count : 1) * sizeof(size_t));

	for (size_t p = 0; p < fl->count; p++) {
		size_t k = 0;

		for (size_t c = fl->n[p].child; c != LT_NONE; c = fl->n[c].next)
			tmp[k++] = c;
		if (k < 2)
			continue;
		qsort_r(tmp, k, sizeof(size_t), child_cmp, fl);
		fl->n[p].child = tmp[0];
		for (size_t i = 0; i < k; i++)
			fl->n[tmp[i]].next = i + 1 < k ? tmp[i + 1] : LT_NONE;
	}
	free(tmp);
}

static void fl_add(struct flame *fl, const lt_stacktab *st, size_t stack,
		   double w)
{
	size_t at = 0;

	fl->n[0].weight += w;
	if (stack == LT_NONE || stack >= lt_stacktab_stack_count(st)) {
		at = fl_child(fl, st, 0, LT_NONE);
		fl->n[at].weight += w;
		return;
	}
	for (size_t d = lt_stacktab_stack(st, stack)->depth; d-- > 0;) {
		at = fl_child(fl, st, at, lt_stacktab_stack(st, stack)->frames[d]);
		fl->n[at].weight += w;
	}
}

/* The flame graph's weight now (resolving FL_AUTO). */
static int flame_mode(const struct flame_state *s, const lt_model *m)
{
	if (s->fmode != FL_AUTO)
		return s->fmode;
	return lt_hsites_count(lt_model_hsites_c(m)) ? FL_HEAP : FL_THREADS;
}

static void fl_build(struct flame *fl, const lt_model *m, const struct vtime *vt,
		     int mode)
{
	const lt_tgroups *g = lt_model_tgroups_c(m);
	const lt_hsites *h = lt_model_hsites_c(m);
	const lt_stacktab *st = lt_model_stacks_c(m);

	fl->count = 0;
	fl->mode = mode;
	fl_new(fl, LT_NONE, LT_NONE);
	if (mode == FL_THREADS || mode == FL_GOROUTINES) {
		size_t kc = vt->kcur, kb, nk = vt->nk;

		if (mode == FL_GOROUTINES) {
			g = lt_model_goroutines_c(m);
			nk = (size_t)vgo_window(m, vt, &kc, &kb);
		}
		for (size_t i = 0; nk && i < lt_tgroups_count(g); i++) {
			double w = (double)lt_tgroups_value(g, i, kc);

			if (w > 0)
				fl_add(fl, st, lt_tgroups_get(g, i)->stack, w);
		}
	} else {
		for (size_t i = 0; vt->nh && i < lt_hsites_count(h); i++) {
			struct lt_hval a, b;
			double w;

			lt_hsites_value(h, i, vt->hcur, &b);
			lt_hsites_value(h, i, vt->hbase, &a);
			w = (double)b.live_bytes;
			if (mode == FL_GROWTH)
				w -= vt->has_base ? (double)a.live_bytes : 0;
			if (w > 0)
				fl_add(fl, st, lt_hsites_get(h, i)->stack, w);
		}
	}
	fl_sort(fl);
}

/* The node at the end of path (frames from the root down), or the deepest
 * node that exists along it; *depth gets how much of the path matched. */
static size_t fl_resolve(const struct flame *fl, const size_t *path, size_t n,
			 size_t *depth)
{
	size_t at = 0, d = 0;

	for (; d < n; d++) {
		size_t c = fl->n[at].child;

		while (c != LT_NONE && fl->n[c].frame != path[d])
			c = fl->n[c].next;
		if (c == LT_NONE)
			break;
		at = c;
	}
	*depth = d;
	return at;
}

static void set_path(const struct flame *fl, size_t node, size_t **path,
		     size_t *n, size_t *cap)
{
	size_t d = (size_t)fl->n[node].depth;

	if (d > *cap) {
		*cap = d;
		*path = lt_xrealloc(*path, d * sizeof(size_t));
	}
	*n = d;
	for (size_t at = node; at != 0; at = fl->n[at].parent)
		(*path)[--d] = fl->n[at].frame;
}

static int is_under(const struct flame *fl, size_t node, size_t root)
{
	for (size_t at = node; at != LT_NONE; at = fl->n[at].parent)
		if (at == root)
			return 1;
	return 0;
}

static void node_name(const lt_model *m, const struct flame *fl, size_t node,
		      char *buf, size_t len)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	size_t fr = fl->n[node].frame;
	const struct lt_frame *f;

	if (node == 0) {
		snprintf(buf, len, fl->mode == FL_THREADS ? "all threads" :
			 fl->mode == FL_GOROUTINES ? "all goroutines" :
			 fl->mode == FL_GROWTH ? "all heap growth" : "all heap");
		return;
	}
	if (fr == LT_NONE || fr >= lt_stacktab_frame_count(st)) {
		snprintf(buf, len, "(no stack)");
		return;
	}
	f = lt_stacktab_frame(st, fr);
	if (f->syms[0].function)
		snprintf(buf, len, "%s", f->syms[0].function);
	else
		lt_stacktab_frame_label(st, fr, buf, len);
}

/* Lays out the subtree of root over cols columns; boxes in row order,
 * left to right within a row.  Returns how many (caller frees *out). */
static size_t layout(const struct flame *fl, size_t root, int cols,
		     struct box **out)
{
	size_t n = 0, cap = 64, head = 0;
	struct box *b = lt_xmalloc(cap * sizeof(*b));
	double *x0 = lt_xcalloc(fl->count, sizeof(double));

	/* Breadth first: row by row, and left to right within each. */
	b[n++] = (struct box){root, 0, 0, cols};
	x0[root] = 0;
	while (head < n) {
		struct box parent = b[head++];
		const struct fnode *p = &fl->n[parent.node];
		double x = x0[parent.node], scale = (double)cols / fl->n[root].weight;

		for (size_t c = p->child; c != LT_NONE; c = fl->n[c].next) {
			double w = fl->n[c].weight * scale;
			int c0 = (int)floor(x + 0.5), c1 = (int)floor(x + w + 0.5);

			x0[c] = x;
			x += w;
			if (c1 - c0 < 1)
				continue;  /* too narrow to see, and so are its children */
			if (n == cap) {
				cap *= 2;
				b = lt_xrealloc(b, cap * sizeof(*b));
			}
			b[n++] = (struct box){c, parent.row + 1, c0, c1};
		}
	}
	free(x0);
	*out = b;
	return n;
}

/* Zoom root and selection for this tree, repairing paths that no longer
 * exist (their threads went away) to the deepest part that does. */
static void resolve_state(lt_view *v, size_t *zoom, size_t *sel)
{
	struct flame_state *s = flame_st(v);
	size_t d;

	*zoom = fl_resolve(&s->fl, s->zoom, s->nzoom, &d);
	s->nzoom = d;
	*sel = fl_resolve(&s->fl, s->fsel, s->nfsel, &d);
	s->nfsel = d;
	if (!is_under(&s->fl, *sel, *zoom)) {
		*sel = *zoom;
		set_path(&s->fl, *sel, &s->fsel, &s->nfsel, &s->scap);
	}
}

static int fl_matches(lt_view *v, const lt_model *m, size_t node)
{
	struct flame_state *s = flame_st(v);
	char name[256];

	if (!v->search[0])
		return 0;
	node_name(m, &s->fl, node, name, sizeof(name));
	return view_match(name, v->search);
}

static void select_node(lt_view *v, size_t node)
{
	struct flame_state *s = flame_st(v);
	set_path(&s->fl, node, &s->fsel, &s->nfsel, &s->scap);
}

/* The next node in depth-first order after from that matches the search. */
static size_t next_match(lt_view *v, const lt_model *m, size_t from)
{
	struct flame_state *s = flame_st(v);
	size_t n = s->fl.count;

	/* Node indexes are creation order: parents before children, which is
	 * depth first enough for stepping through matches. */
	for (size_t k = 1; k <= n; k++) {
		size_t i = (from + k) % n;

		if (fl_matches(v, m, i))
			return i;
	}
	return LT_NONE;
}

static int flame_key(lt_view *v, const lt_model *m, const struct vtime *vt,
		     int key)
{
	struct flame_state *s = flame_st(v);
	size_t zoom, sel, nb, at = 0;
	struct box *b;
	int cols = v->frame.cols > 0 ? v->frame.cols : 80, r = LT_VIEW_HANDLED | LT_VIEW_REDRAW;

	if (key == 'w') {
		s->fmode = flame_mode(s, m) % (FL_COUNT - 1) + 1;
		s->nzoom = 0;
		view_msg(v, "flame width: %s",
			 s->fmode == FL_HEAP ? "live heap bytes" :
			 s->fmode == FL_GROWTH ? "heap bytes gained since the baseline" :
			 s->fmode == FL_THREADS ? "threads" : "goroutines");
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	}
	fl_build(&s->fl, m, vt, flame_mode(s, m));
	resolve_state(v, &zoom, &sel);
	nb = layout(&s->fl, zoom, cols, &b);
	for (size_t i = 0; i < nb; i++)
		if (b[i].node == sel)
			at = i;
	switch (key) {
	case LT_KEY_UP: case 'k':
		if (sel != zoom)
			select_node(v, s->fl.n[sel].parent);
		break;
	case LT_KEY_DOWN: case 'j':
		for (size_t i = 0; i < nb; i++)
			if (b[i].row == b[at].row + 1 && s->fl.n[b[i].node].parent == sel) {
				select_node(v, b[i].node);
				break;
			}
		break;
	case LT_KEY_LEFT: case 'h':
		if (at && b[at - 1].row == b[at].row)
			select_node(v, b[at - 1].node);
		break;
	case LT_KEY_RIGHT: case 'l':
		if (at + 1 < nb && b[at + 1].row == b[at].row)
			select_node(v, b[at + 1].node);
		break;
	case LT_KEY_HOME:
		select_node(v, zoom);
		break;
	case LT_KEY_ENTER:
		set_path(&s->fl, sel, &s->zoom, &s->nzoom, &s->zcap);
		break;
	case LT_KEY_BACKSPACE: case LT_KEY_ESC:
		if (s->nzoom)
			s->nzoom--;
		else
			r = 0;   /* nothing to zoom out of: the view goes back */
		break;
	case 'n': {
		size_t hit = next_match(v, m, sel);

		if (hit == LT_NONE) {
			view_msg(v, "not found: %s", v->search);
		} else {
			if (!is_under(&s->fl, hit, zoom))
				s->nzoom = 0;
			select_node(v, hit);
		}
		break;
	}
	default:
		r = 0;
	}
	free(b);
	return r;
}

static void flame_status(lt_view *v, const lt_model *m, struct lt_vframe *f,
			 size_t sel)
{
	struct flame_state *s = flame_st(v);
	struct lt_vline *l = vf_line(f, f->rows - 1);
	double total = s->fl.n[0].weight;
	char label[256];

	if (sel != 0 && s->fl.n[sel].frame != LT_NONE)
		lt_stacktab_frame_label(lt_model_stacks_c(m), s->fl.n[sel].frame,
					label, sizeof(label));
	else
		node_name(m, &s->fl, sel, label, sizeof(label));
	if (s->fl.mode == FL_THREADS || s->fl.mode == FL_GOROUTINES) {
		vl_printf(l, f->cols, "%s: %.0f %s", label, s->fl.n[sel].weight,
			  s->fl.mode == FL_THREADS ? "threads" : "goroutines");
	} else {
		char b[32];

		lt_fmt_bytes(s->fl.n[sel].weight, b, sizeof(b));
		vl_printf(l, f->cols, "%s: %s", label, b);
	}
	vl_printf(l, f->cols, " (%.0f%%)  Enter zoom  Backspace out  / search  w width",
		  total > 0 ? 100.0 * s->fl.n[sel].weight / total : 0.0);
}

static void draw_box(lt_view *v, const lt_model *m, struct lt_vline *l,
		     int cols, const struct box *bx, int alt, size_t sel)
{
	struct flame_state *s = flame_st(v);
	char name[256];
	int style = alt ? LT_ST_FLAME_B : LT_ST_FLAME_A;

	node_name(m, &s->fl, bx->node, name, sizeof(name));
	vl_pad(l, bx->c0);
	vl_glyph(l, bx->c1, v->ascii, "\xe2\x96\x8f", '|');  /* left 1/8 block */
	vl_puts(l, bx->c1 < cols ? bx->c1 : cols, name);
	vl_pad(l, bx->c1 < cols ? bx->c1 : cols);
	if (fl_matches(v, m, bx->node))
		style = LT_ST_MATCH;
	if (bx->node == sel)
		style = LT_ST_SELECTED;
	vl_span(l, bx->c0, bx->c1 - bx->c0, style);
}

static void flame_draw(lt_view *v, const lt_model *m, const struct vtime *vt,
		       struct lt_vframe *f, int y0, int y1)
{
	struct flame_state *s = flame_st(v);
	size_t zoom, sel, nb;
	struct box *b;
	struct lt_vline *l = vf_line(f, y0);
	int first_row = 0, h = y1 - y0 - 1, alt = 0, last_row = -1;
	char at[32], name[256];

	fl_build(&s->fl, m, vt, flame_mode(s, m));
	lt_fmt_duration(vt->t, at, sizeof(at));
	if (s->fl.mode == FL_THREADS)
		vl_printf(l, f->cols, "Flame: thread stacks at t=%s, width = threads", at);
	else if (s->fl.mode == FL_GOROUTINES)
		vl_printf(l, f->cols, "Flame: goroutine stacks at t=%s, width = goroutines", at);
	else if (s->fl.mode == FL_GROWTH)
		vl_printf(l, f->cols, "Flame: heap stacks at t=%s, width = bytes gained since %s", at,
			  vt->has_base ? "the baseline" : "the start");
	else
		vl_printf(l, f->cols, "Flame: heap stacks at t=%s, width = live bytes", at);
	if (s->nzoom) {
		vl_puts(l, f->cols, "  zoom:");
		for (size_t i = 0; i < s->nzoom && i < 64; i++) {
			size_t d;

			node_name(m, &s->fl, fl_resolve(&s->fl, s->zoom, i + 1, &d), name, sizeof(name));
			vl_printf(l, f->cols, "%s%s", i ? " > " : " ", name);
		}
	}
	vl_span(l, 0, l->cols, LT_ST_TITLE);
	if (s->fl.n[0].weight <= 0) {
		int thr = s->fl.mode == FL_THREADS, gor = s->fl.mode == FL_GOROUTINES;
		const struct lt_source *src = lt_model_source_find(m, thr ? "threads" :
								   gor ? "goroutines" : "heap");

		l = vf_line(f, y0 + 2);
		if (src && !src->available)
			vl_printf(l, f->cols, "no %s to draw: %s", thr ? "thread stacks" :
				  gor ? "goroutines" : "heap bytes",
				  src->reason ? src->reason : "unavailable");
		else if (gor)
			vl_puts(l, f->cols, "no goroutines to draw: not a Go program, or none read by this time");
		else if (thr)
			vl_puts(l, f->cols, "no thread stacks to draw: this session has no thread samples");
		else
			vl_puts(l, f->cols, "no heap bytes to draw at this time");
		vl_span(l, 0, l->cols, LT_ST_DIM);
		vl_puts(vf_line(f, y0 + 3), f->cols, "w switches between live heap bytes, heap growth, threads and goroutines");
		return;
	}
	resolve_state(v, &zoom, &sel);
	nb = layout(&s->fl, zoom, f->cols, &b);
	/* Keep the selection's row on screen. */
	for (size_t i = 0; i < nb; i++)
		if (b[i].node == sel && b[i].row >= h)
			first_row = b[i].row - h + 1;
	s->y0 = y0 + 1;
	s->first_row = first_row;
	for (size_t i = 0; i < nb; i++) {
		int y = b[i].row - first_row;

		if (y < 0 || y >= h)
			continue;
		alt = b[i].row == last_row ? !alt : b[i].row % 2;
		last_row = b[i].row;
		draw_box(v, m, vf_line(f, y0 + 1 + y), f->cols, &b[i], alt, sel);
	}
	free(b);
	if (!v->prompt && !v->msg[0])
		flame_status(v, m, f, sel);
}

/* A click selects the box under it, as drawn by the last frame. */
static int flame_click(lt_view *v, const lt_model *m, const struct vtime *vt,
		       int y, int x)
{
	struct flame_state *s = flame_st(v);
	size_t zoom, sel, nb, hit = LT_NONE;
	struct box *b;
	int row = y - s->y0 + s->first_row;

	if (y < s->y0 || v->frame.cols <= 0)
		return 0;
	fl_build(&s->fl, m, vt, flame_mode(s, m));
	resolve_state(v, &zoom, &sel);
	nb = layout(&s->fl, zoom, v->frame.cols, &b);
	for (size_t i = 0; i < nb; i++)
		if (b[i].row == row && x >= b[i].c0 && x < b[i].c1)
			hit = b[i].node;
	free(b);
	if (hit == LT_NONE)
		return 0;
	select_node(v, hit);
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

/* Enter in the search prompt: the first match after the selection. */
static void flame_find(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	flame_key(v, m, vt, 'n');
}

const struct screen screen_flame = {
	.name = "Flame",
	.hotkey = '3',
	.init = flame_init,
	.fini = flame_fini,
	.draw = flame_draw,
	.key = flame_key,
	.find = flame_find,
	.click = flame_click,
};
