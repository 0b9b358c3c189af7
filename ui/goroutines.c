/* The Goroutines screen: a Go program's goroutine groups (goroutines of
 * one stack, status and wait reason) ranked over the view's window, like
 * the Threads screen and with its keys, and one group's creators, wait and
 * stack.  Its state is just its list (struct vlist).
 *
 * Goroutines are read on their own clock (every tick unless reads take
 * long), so the window's goroutine samples are found here by session time
 * (vgo_window), as vtime.c finds thread samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "lt_goroutines.h"
#include "lt_growth.h"
#include "view_int.h"

static struct vlist *glist(const lt_view *v)
{
	return v->scr[LT_SCR_GOROUTINES];
}

int vgo_window(const lt_model *m, const struct vtime *vt, size_t *cur,
	       size_t *base)
{
	const lt_tgroups *g = lt_model_goroutines_c(m);
	size_t n = lt_tgroups_sample_count(g);
	double slack = lt_model_meta_c(m)->interval / 2, tb;

	*cur = *base = 0;
	if (!n || !vt->n)
		return 0;
	tb = lt_model_tick(m, vt->base)->t;
	for (size_t k = 0; k < n; k++) {
		double t = lt_tgroups_sample(g, k)->t;

		if (t <= vt->t + slack)
			*cur = k;
		if (vt->has_base && t <= tb + slack)
			*base = k;
	}
	if (*base > *cur)
		*base = *cur;
	return 1;
}

/* A group's count over goroutine samples [kb, kc]. */
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

static void go_rows(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	const lt_tgroups *g = lt_model_goroutines_c(m);
	const lt_stacktab *st = lt_model_stacks_c(m);
	struct vlist *l = glist(v);
	size_t kc, kb;

	l->n = 0;
	if (!vgo_window(m, vt, &kc, &kb))
		return;
	for (size_t i = 0; i < lt_tgroups_count(g); i++) {
		const struct lt_tgroup *gr = lt_tgroups_get(g, i);
		struct lt_growth gw;
		struct vrow *r;
		char where[128], doing[64];

		if (gr->first > kc)
			continue;  /* appears after the cursor */
		group_growth(g, i, kb, kc, &gw);
		r = vlist_add(l);
		r->id = (uint64_t)i + 1;
		r->unit = LT_UNIT_COUNT;
		r->now = (double)lt_tgroups_value(g, i, kc);
		r->delta = r->now - (double)lt_tgroups_value(g, i, kb);
		r->slope = gw.slope;
		r->trend = gw.trend;
		r->ref = kc;        /* the sample its wait is read at */
		lt_goroutines_where(st, gr->stack, where, sizeof(where));
		lt_goroutines_doing(gr, doing, sizeof(doing));
		snprintf(r->label, sizeof(r->label), "%.90s %.30s %.36s", where, doing,
			 gr->nnames ? gr->names[0] : "");
	}
	/* rank, count, change: vlist_sort's keys 1, 2, 3 */
	vlist_sort(l, l->sort + 1);
}

/* --- columns ------------------------------------------------------------- */

static const struct lt_tgroup *row_group(const lt_model *m, const struct vrow *r)
{
	return lt_tgroups_get(lt_model_goroutines_c(m), (size_t)r->id - 1);
}

/* The wait reason of a parked group ("chan send"), else its status. */
static void c_state(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	const struct lt_tgroup *g = row_group(m, r);
	char tmp[16];

	if (g->state == 'W' && g->syscall)
		snprintf(b, n, "%s", g->syscall);
	else
		snprintf(b, n, "%s", lt_goroutines_status_name(g->state, tmp, sizeof(tmp)));
}

/* "3m12s": the row's longest wait at the cursor (r->ref: its sample). */
static void c_wait(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	char w[48];

	if (lt_goroutines_waiting(lt_model_goroutines_c(m), (size_t)r->id - 1,
				  r->ref, w, sizeof(w)))
		snprintf(b, n, "%s", w + strlen("waiting "));
	else
		snprintf(b, n, "-");
}

static void c_where(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	const struct lt_tgroup *g = row_group(m, r);
	char where[160];

	lt_goroutines_where(lt_model_stacks_c(m), g->stack, where, sizeof(where));
	if (g->nnames)
		snprintf(b, n, "%s <- go %s", where, g->names[0]);
	else
		snprintf(b, n, "%s", where);
}

static const struct vcol go_cols[] = {
	{"COUNT", 7, VC_RIGHT, vc_now, NULL, .sort = 2},
	{"CHANGE", 7, VC_RIGHT, vc_delta, NULL, .prio = 1, .sort = 3},
	{"GROWTH", 11, VC_RIGHT | VC_WARN | VC_RATE, vc_rate, NULL, .sort = 1},
	{"TREND", 9, 0, vc_trend, NULL, .prio = 3},
	{"WAITS ON / STATE", 20, 0, c_state, NULL, .prio = 2},
	{"WAITING", 8, VC_RIGHT, c_wait, NULL, .prio = 1},
	{"WHERE <- CREATED BY", 0, VC_MATCH, c_where, NULL, .min = 30},
};

/* --- drawing ------------------------------------------------------------- */

static void go_detail(lt_view *v, const lt_model *m, struct lt_vframe *f,
		      int y0, int y1)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	const struct vrow *r = vlist_sel_row(glist(v));
	const struct lt_tgroup *g = row_group(m, r);
	char doing[64], wait[48];
	int y = y0;
	size_t skip = glist(v)->detail_top;
	struct lt_vline *l = vf_line(f, y++);

	lt_goroutines_doing(g, doing, sizeof(doing));
	lt_goroutines_waiting(lt_model_goroutines_c(m), (size_t)r->id - 1, r->ref,
			      wait, sizeof(wait));
	vl_printf(l, f->cols, "Goroutine group: %.0f goroutines %s%s%s   (Enter/Esc closes)",
		  r->now, doing, wait[0] ? ", the oldest " : "", wait);
	vl_span(l, 0, l->cols, LT_ST_TITLE);
	l = vf_line(f, y++);
	vl_puts(l, f->cols, "created by:");
	for (size_t i = 0; i < g->nnames; i++)
		vl_printf(l, f->cols, "%s %s", i ? "," : "", g->names[i]);
	if (!g->nnames)
		vl_puts(l, f->cols, " (the runtime, or not recorded)");
	vl_puts(vf_line(f, y++), f->cols, "stack, innermost first:");
	if (g->stack == LT_NONE) {
		vl_puts(vf_line(f, y), f->cols,
			g->state == 'R' ? "  (running: no saved stack)" : "  (no stack)");
		return;
	}
	vstack_lines(f, y, y1, st, g->stack, skip);
}

static void go_draw(lt_view *v, const lt_model *m, const struct vtime *vt,
		    struct lt_vframe *f, int y0, int y1)
{
	const struct lt_source *src = lt_model_source_find(m, "goroutines");
	struct vlist *ls = glist(v);
	struct lt_vline *l = vf_line(f, y0);
	size_t kc, kb;

	vtable_since(v, vt, l, f->cols, "Goroutine groups");
	if (vgo_window(m, vt, &kc, &kb)) {
		const struct lt_tsample *s = lt_tgroups_sample(lt_model_goroutines_c(m), kc);

		vl_printf(l, f->cols, "  (%lld goroutines, read in %.1fms, not stopped)",
			  (long long)s->sampled, s->max_stop_ns / 1e6);
	}
	if (!ls->n) {
		l = vf_line(f, y0 + 2);
		if (src && !src->available)
			vl_printf(l, f->cols, "goroutines unavailable: %s",
				  src->reason ? src->reason : "no reason recorded");
		else if (!src)
			vl_puts(l, f->cols, "no goroutines: not a Go program");
		else
			vl_puts(l, f->cols, "no goroutine groups at this time");
		vl_span(l, 0, l->cols, LT_ST_DIM);
		ls->detail = 0;
		return;
	}
	if (ls->detail) {
		go_detail(v, m, f, y0 + 1, y1);
		return;
	}
	vtable(v, m, vt, f, y0 + 1, y1, ls, go_cols,
	       sizeof(go_cols) / sizeof(go_cols[0]));
}

/* --- keys ---------------------------------------------------------------- */

/* The group's stack: Enter, Esc, Backspace and Left close it, Up and Down
 * scroll it (as on the Threads screen). */
static int go_key(lt_view *v, const lt_model *m, const struct vtime *vt, int key)
{
	(void)m;
	(void)vt;
	return vlist_detail_key(v, glist(v), key);
}

static void go_find(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	(void)m;
	(void)vt;
	if (glist(v)->n)
		vlist_find(v, glist(v));
}

static struct vlist *go_list(const lt_view *v)
{
	return glist(v);
}

static const char *const go_sorts[] = {"rank", "count", "change", NULL};

const struct screen screen_goroutines = {
	.name = "Goroutines",
	.hotkey = '6',
	.sorts = go_sorts,
	.init = vlist_init,
	.fini = vlist_fini,
	.list = go_list,
	.rows = go_rows,
	.draw = go_draw,
	.key = go_key,
	.find = go_find,
};
