/* The Threads screen: thread groups (threads of one stack, state and
 * syscall) ranked over the view's window, and one group's names and stack.
 * Its state is just its list (struct vlist). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "lt_growth.h"
#include "view_int.h"

static struct vlist *tlist(const lt_view *v)
{
	return v->scr[LT_SCR_THREADS];
}

static void thread_rows(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	const lt_tgroups *g = lt_model_tgroups_c(m);
	const lt_stacktab *st = lt_model_stacks_c(m);
	struct vlist *l = tlist(v);
	size_t n = lt_tgroups_count(g);

	l->n = 0;
	for (size_t i = 0; vt->nk && i < n; i++) {
		const struct lt_tgroup *gr = lt_tgroups_get(g, i);
		struct lt_growth gw;
		struct vrow *r;
		char where[128];

		if (gr->first > vt->kcur)
			continue;  /* appears after the cursor */
		lt_tgroups_growth_range(g, i, vt->kbase, vt->kcur, &gw);
		r = vlist_add(l);
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
	/* rank, count, change: vlist_sort's keys 1, 2, 3 */
	vlist_sort(l, l->sort + 1);
}

/* --- columns ------------------------------------------------------------- */

static const struct lt_tgroup *row_group(const lt_model *m, const struct vrow *r)
{
	return lt_tgroups_get(lt_model_tgroups_c(m), (size_t)r->id - 1);
}

static void c_state(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	char tmp[32];

	snprintf(b, n, "%s", lt_tgroups_state_name(row_group(m, r)->state, tmp, sizeof(tmp)));
}

/* The short form of a long syscall name is its last words, not a cut:
 * "clock_nanosleep" is "nanosleep", "io_uring_enter" "uring_enter". */
#define SYSCALL_W 12

static void c_syscall(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	const char *s = row_group(m, r)->syscall, *u;

	while (s && strlen(s) > SYSCALL_W && (u = strchr(s, '_')) && u[1])
		s = u + 1;
	snprintf(b, n, "%s", s ? s : "-");
}

static void c_where(const lt_model *m, const struct vrow *r, char *b, size_t n)
{
	lt_stacktab_describe(lt_model_stacks_c(m), row_group(m, r)->stack, b, n);
}

/* Sorts (thread_sorts): rank 0, count 1, change 2.  At 80 columns the
 * trend and state go so that WHERE keeps 30. */
static const struct vcol thread_cols[] = {
	{"COUNT", 6, VC_RIGHT, vc_now, NULL, .sort = 2},
	{"CHANGE", 7, VC_RIGHT, vc_delta, NULL, .prio = 1, .sort = 3},
	{"GROWTH", 11, VC_RIGHT | VC_WARN | VC_RATE, vc_rate, NULL, .sort = 1},
	{"TREND", 10, 0, vc_trend, NULL, .prio = 3},
	{"STATE", 10, 0, c_state, NULL, .prio = 2},
	{"SYSCALL", SYSCALL_W, 0, c_syscall, NULL, .prio = 1},
	{"WHERE", 0, 0, c_where, NULL, .min = 30},
};

/* --- drawing ------------------------------------------------------------- */

static void thread_detail(lt_view *v, const lt_model *m, struct lt_vframe *f,
			  int y0, int y1)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	const struct vrow *r = vlist_sel_row(tlist(v));
	const struct lt_tgroup *g = row_group(m, r);
	char state[32];
	int y = y0;
	size_t skip = tlist(v)->detail_top;
	struct lt_vline *l = vf_line(f, y++);

	vl_printf(l, f->cols, "Thread group: %.0f threads %s%s%s, first seen at sample %zu   (Enter/Esc closes)",
		  r->now, lt_tgroups_state_name(g->state, state, sizeof(state)),
		  g->syscall ? " in " : "", g->syscall ? g->syscall : "", g->first);
	vl_span(l, 0, l->cols, LT_ST_TITLE);
	l = vf_line(f, y++);
	vl_puts(l, f->cols, "names:");
	for (size_t i = 0; i < g->nnames; i++)
		vl_printf(l, f->cols, " %s", g->names[i]);
	if (!g->nnames)
		vl_puts(l, f->cols, " (none recorded)");
	vl_puts(vf_line(f, y++), f->cols, "stack, innermost first:");
	if (g->stack == LT_NONE) {
		vl_puts(vf_line(f, y), f->cols, "  (not unwound)");
		return;
	}
	vstack_lines(f, y, y1, st, g->stack, skip);
}

static void threads_draw(lt_view *v, const lt_model *m, const struct vtime *vt,
			 struct lt_vframe *f, int y0, int y1)
{
	const struct lt_source *src = lt_model_source_find(m, "threads");
	struct vlist *ls = tlist(v);

	vtable_since(v, vt, vf_line(f, y0), f->cols, "Thread groups");
	if (!ls->n) {
		struct lt_vline *l = vf_line(f, y0 + 2);

		if (src && !src->available)
			vl_printf(l, f->cols, "thread stacks unavailable: %s",
				  src->reason ? src->reason : "no reason recorded");
		else if (!vt->nk)
			vl_puts(l, f->cols, "no thread samples in this session (recorded without thread sampling)");
		else
			vl_puts(l, f->cols, "no thread groups at this time");
		vl_span(l, 0, l->cols, LT_ST_DIM);
		ls->detail = 0;
		return;
	}
	if (ls->detail) {
		thread_detail(v, m, f, y0 + 1, y1);
		return;
	}
	vtable(v, m, vt, f, y0 + 1, y1, ls, thread_cols,
	       sizeof(thread_cols) / sizeof(thread_cols[0]));
}

/* --- keys ---------------------------------------------------------------- */

/* The group's stack: Enter, Esc, Backspace and Left close it, Up and Down
 * scroll it. */
static int threads_key(lt_view *v, const lt_model *m, const struct vtime *vt,
		       int key)
{
	(void)m;
	(void)vt;
	return vlist_detail_key(v, tlist(v), key);
}

static void threads_find(lt_view *v, const lt_model *m, const struct vtime *vt)
{
	(void)m;
	(void)vt;
	if (tlist(v)->n)
		vlist_find(v, tlist(v));
}

static struct vlist *threads_list(const lt_view *v)
{
	return tlist(v);
}

static const char *const thread_sorts[] = {"rank", "count", "change", NULL};

const struct screen screen_threads = {
	.name = "Threads",
	.hotkey = '2',
	.sorts = thread_sorts,
	.init = vlist_init,
	.fini = vlist_fini,
	.list = threads_list,
	.rows = thread_rows,
	.draw = threads_draw,
	.key = threads_key,
	.find = threads_find,
};
