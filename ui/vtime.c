/* The view's time window: the time cursor and the baseline as session
 * times, the tick and sample ranges they select, and the keys that move
 * them.  Session times rather than indexes, so the window stays put when
 * the model drops old ticks. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "view_int.h"

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

/* Heap samples are taken with their tick: the last one by the cursor's
 * (and the baseline's) tick. */
static void heap_window(const lt_model *m, double slack, struct vtime *vt)
{
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
	heap_window(m, slack, vt);
	vt->nk = lt_tgroups_sample_count(g);
	if (vt->nk) {
		vt->kcur = tsample_at(g, vt->t, slack);
		vt->kbase = vt->has_base ?
			tsample_at(g, lt_model_tick(m, vt->base)->t, slack) : 0;
		if (vt->kbase > vt->kcur)
			vt->kbase = vt->kcur;
	}
}

/* Space: a live view stops following the session (sampling goes on). */
static int pause_key(lt_view *v, const struct vtime *vt)
{
	if (!v->live) {
		view_msg(v, "a recorded session: [ and ] move the time cursor");
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	}
	v->paused = !v->paused;
	v->cursor_t = v->paused && vt->n ? vt->t : NAN;
	view_msg(v, v->paused ? "paused: sampling goes on; space resumes" : "resumed");
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

int vtime_key(lt_view *v, const lt_model *m, const struct vtime *vt, int key)
{
	size_t i;

	if (key == ' ')
		return pause_key(v, vt);
	switch (key) {
	case '[': case ']': case '<': case '>': case 'b': case 'B':
		break;
	default:
		return 0;
	}
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
		view_msg(v, "baseline marked at t=%.1fs: changes are since then", vt->t);
		break;
	case 'B':
		v->base_t = NAN;
		view_msg(v, "baseline cleared: changes are since the start");
		break;
	}
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}
