/* The view's time window: the time cursor and the baseline as session
 * times, the tick and sample ranges they select, and the keys that move
 * them.  Session times rather than indexes, so the window stays put when
 * the model drops old ticks. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lt_duration.h"
#include "lt_err.h"
#include "lt_fmt.h"
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

/* PgUp/PgDn: about a tenth of the session, rounded to a step a human
 * reads (10s, 1m, 5m...), and never less than a tick: a 10-minute session
 * is ten presses end to end, not 600. */
static double time_step(const lt_model *m, const struct vtime *vt)
{
	static const double nice[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
		900, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400};
	double len = lt_model_tick(m, vt->n - 1)->t - lt_model_tick(m, 0)->t;
	double tick = lt_model_meta_c(m)->interval, want = len / 10, step = nice[0];

	/* the nearest on a log scale: 599 s gives 1m, not 30s */
	for (size_t i = 0; i < sizeof(nice) / sizeof(nice[0]); i++)
		if (want > 0 && fabs(log(nice[i] / want)) < fabs(log(step / want)))
			step = nice[i];
	return step > tick ? step : tick;
}

/* Puts the cursor on tick i (the newest: a live view follows again). */
static void cursor_to(lt_view *v, const lt_model *m, const struct vtime *vt,
		      size_t i)
{
	char at[32];

	if (i >= vt->n - 1 && v->live) {
		v->cursor_t = NAN;
		v->paused = 0;
	} else {
		v->cursor_t = lt_model_tick(m, i < vt->n ? i : vt->n - 1)->t;
		v->paused = v->live;
	}
	lt_fmt_duration(lt_model_tick(m, i < vt->n ? i : vt->n - 1)->t, at, sizeof(at));
	view_msg(v, "time cursor at t=%s%s", at,
		 isnan(v->cursor_t) ? " (following the session)" : "");
}

/* The first tick at or after t (the last one if none). */
static size_t tick_from(const lt_model *m, double t)
{
	size_t i = tick_at(m, t), n = lt_model_tick_count(m);

	if (lt_model_tick(m, i)->t < t - 1e-9 && i + 1 < n)
		i++;
	return i;
}

static int page_key(lt_view *v, const lt_model *m, const struct vtime *vt,
		    int key)
{
	double step = time_step(m, vt);
	char st[32];

	switch (key) {
	case LT_KEY_PGUP:
		cursor_to(v, m, vt, tick_at(m, vt->t - step));
		break;
	case LT_KEY_PGDN:
		cursor_to(v, m, vt, tick_from(m, vt->t + step));
		break;
	case LT_KEY_HOME:
		cursor_to(v, m, vt, 0);
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	default:
		cursor_to(v, m, vt, vt->n - 1);
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	}
	lt_fmt_duration(step, st, sizeof(st));
	snprintf(v->msg + strlen(v->msg), sizeof(v->msg) - strlen(v->msg),
		 "; PgUp/PgDn step %s", st);
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

int vtime_key(lt_view *v, const lt_model *m, const struct vtime *vt, int key)
{
	size_t i;

	if (key == ' ')
		return pause_key(v, vt);
	switch (key) {
	case '[': case ']': case '<': case '>': case 'b': case 'B':
	case LT_KEY_PGUP: case LT_KEY_PGDN: case LT_KEY_HOME: case LT_KEY_END:
		break;
	default:
		return 0;
	}
	if (!vt->n)
		return LT_VIEW_HANDLED;
	switch (key) {
	case LT_KEY_PGUP: case LT_KEY_PGDN: case LT_KEY_HOME: case LT_KEY_END:
		return page_key(v, m, vt, key);
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

/* A clock time "HH:MM[:SS]" as session seconds: the moment of that time
 * of day at or after the session's start day (the next day when it is
 * before the start), located by the ticks' wall clocks.  -1: not one. */
static int clock_time(const lt_model *m, const char *text, double *t)
{
	const struct lt_meta *meta = lt_model_meta_c(m);
	int h, mi, sec = 0, used = 0;
	int64_t start_ns = meta->start_ns ? meta->start_ns : lt_model_tick(m, 0)->wall_ns;
	time_t start = (time_t)(start_ns / 1000000000), want;
	struct tm tm;
	size_t n = lt_model_tick_count(m);

	if ((sscanf(text, "%d:%d:%d%n", &h, &mi, &sec, &used) != 3 || text[used]) &&
	    (sec = 0, used = 0, sscanf(text, "%d:%d%n", &h, &mi, &used) != 2 || text[used]))
		return -1;
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60 || !start_ns)
		return -1;
	localtime_r(&start, &tm);
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	want = mktime(&tm);
	if (want + 1 < start)
		want += 86400;
	/* The ticks' own wall clocks: the session's clock may have been
	 * suspended or stepped. */
	for (size_t i = 0; i < n; i++) {
		const struct lt_sample *s = lt_model_tick(m, i);

		if (s->wall_ns && s->wall_ns / 1000000000 >= (int64_t)want) {
			*t = s->t;
			return 0;
		}
	}
	*t = (double)(want - start);
	return 0;
}

void vtime_goto(lt_view *v, const lt_model *m, const char *text)
{
	struct vtime vt;
	double t, last;
	lt_err err = {0, ""};

	view_time(v, m, &vt);
	if (!vt.n) {
		view_msg(v, "no ticks yet");
		return;
	}
	last = lt_model_tick(m, vt.n - 1)->t;
	if (strchr(text, ':')) {
		if (clock_time(m, text, &t) < 0) {
			view_msg(v, "not a clock time: %s (HH:MM or HH:MM:SS)", text);
			return;
		}
	} else if (lt_duration_parse(text + (text[0] == '-'), "time", &t, &err) < 0) {
		view_msg(v, "%s", err.msg);
		return;
	} else if (text[0] == '-') {
		t = last - t;
	}
	cursor_to(v, m, &vt, tick_from(m, t));
}
