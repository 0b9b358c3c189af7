/* The Help screen: every key, in a scrolling list that wraps to the
 * terminal's width, so that every line can be reached at 80x24.  Its
 * entries are data: {keys, what they do}; a NULL keys starts a section. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "view_int.h"

#define KEY_W 22    /* the keys' column */

struct help_entry {
	const char *keys;   /* NULL: text is a section title */
	const char *text;
};

static const struct help_entry help[] = {
	{NULL, "Screens"},
	{"1-6, Tab, Shift-Tab", "switch screens: 1 Sites, 2 Threads, 3 Flame, 4 Memory, 5 Help, 6 Goroutines (a Go program's goroutine groups; Tab skips it for other programs); a click on a tab does too"},
	{"F1, ?", "this help; pressed again, it goes back"},
	{"Esc, Backspace", "back: close a stack or a source, zoom out the flame graph, then the previous screen"},
	{"F10, q", "quit (a live session is finished and detached)"},
	{NULL, "Lists"},
	{"Up/Down, j/k", "move the selection (Flame: to the parent / the widest child); the mouse wheel scrolls, a click selects a row or a flame box"},
	{"Ctrl-B/F, Ctrl-U/D", "a page up / down (Ctrl-U/D where tmux takes Ctrl-B)"},
	{"Left/Right, h/l", "Flame: the previous / next frame on the same level"},
	{"Enter", "Sites: the row's stack, and on a frame its source; Threads: the group's stack and thread names; Goroutines: the group's stack and the go statements that created it; Flame: zoom into the frame"},
	{"F6, s", "cycle the sort order; the sorted column's title is marked (Sites: lost = bytes reachability scans proved unreachable)"},
	{"u", "live: a reachability scan now (else one every --scan-interval)"},
	{"v", "Sites: rows by your code, by function (cumulative, like pprof top -cum), or by call site"},
	{"w", "Flame: width = live heap bytes, heap growth since the baseline, threads, or goroutines"},
	{"F3, /   n", "search (matches are highlighted); the next match"},
	{NULL, "Time"},
	{"PgUp/PgDn", "move the time cursor back / forward by a step that grows with the session (about a tenth of it)"},
	{"[  ]", "move the time cursor one tick back / forward"},
	{"Home/End", "the first tick / the newest (a live view follows the session again)"},
	{"g", "go to a time: 5m or 1h02m since the start, -30s before the end, 12:03:10 on the clock"},
	{"b  B", "mark a baseline at the time cursor (changes are since it) / clear it"},
	{"<  >", "move the baseline one tick back / forward"},
	{"space", "pause the live display (sampling and recording go on)"},
	{NULL, "Columns"},
	{"GROWTH, RATE", "one unit for the whole column, in its title: MiB/min is MiB per minute; RATE/s is per second in each row's unit"},
	{"narrow terminals", "HISTORY goes first, then ALLOCS/s, FREED, OLDEST, CHANGE, so that WHERE keeps 30 columns; a wider terminal shows them"},
};

struct help_state {
	int top;        /* the first line shown */
	int total;      /* lines at the last frame's width */
	int page;       /* lines shown at the last frame */
};

static struct help_state *help_st(const lt_view *v)
{
	return v->scr[LT_SCR_HELP];
}

static void *help_init(void)
{
	return lt_xcalloc(1, sizeof(struct help_state));
}

static void help_fini(void *st)
{
	free(st);
}

static int entry_rows(const struct help_entry *e, int cols)
{
	return e->keys ? vf_wrap_rows(cols - KEY_W, 0, e->text) : 1;
}

/* Entry e's rows from its row `from`, into f's rows [y, y1). */
static void entry_draw(const struct help_entry *e, struct lt_vframe *f,
		       int from, int y, int y1)
{
	struct lt_vframe sub;
	int rows = entry_rows(e, f->cols);

	if (!e->keys) {
		vl_puts(vf_line(f, y), f->cols, e->text);
		vl_span(vf_line(f, y), 0, (int)strlen(e->text), LT_ST_TITLE);
		return;
	}
	/* The text wraps in its own column: draw it into a scratch frame. */
	memset(&sub, 0, sizeof(sub));
	vf_reset(&sub, rows, f->cols - KEY_W);
	vf_wrap(&sub, 0, rows, 0, e->text, LT_ST_NORMAL);
	for (int r = from; r < rows && y < y1; r++, y++) {
		struct lt_vline *l = vf_line(f, y);

		if (r == 0)
			vl_printf(l, f->cols, "  %s", e->keys);
		vl_pad(l, KEY_W);
		vl_copy(l, f->cols, &sub.lines[r]);
	}
	vf_free(&sub);
}

static void help_draw(lt_view *v, const lt_model *m, const struct vtime *vt,
		      struct lt_vframe *f, int y0, int y1)
{
	struct help_state *s = help_st(v);
	size_t n = sizeof(help) / sizeof(help[0]);
	int total = 0, page = y1 - y0, line = 0, y = y0;

	(void)m;
	(void)vt;
	for (size_t i = 0; i < n; i++)
		total += entry_rows(&help[i], f->cols);
	if (total > page)
		page--;     /* the last row says where the page is */
	if (page < 1)
		return;
	if (s->top > total - page)
		s->top = total - page;
	if (s->top < 0)
		s->top = 0;
	s->total = total;
	s->page = page;
	for (size_t i = 0; i < n && y < y0 + page; i++) {
		int rows = entry_rows(&help[i], f->cols);

		if (line + rows > s->top) {
			int from = s->top > line ? s->top - line : 0;

			entry_draw(&help[i], f, from, y, y0 + page);
			y += rows - from;
		}
		line += rows;
	}
	if (total > page) {
		struct lt_vline *l = vf_line(f, y1 - 1);

		vl_printf(l, f->cols, "-- lines %d-%d of %d: Up/Down, PgUp/PgDn, Home/End scroll; Esc goes back --",
			  s->top + 1, s->top + page, total);
		vl_span(l, 0, l->cols, LT_ST_DIM);
	}
}

/* Help takes its keys before the time cursor does (view.c): here PgUp
 * and Home scroll the text. */
static int help_key(lt_view *v, const lt_model *m, const struct vtime *vt,
		    int key)
{
	struct help_state *s = help_st(v);
	int page = s->page > 1 ? s->page - 1 : 1;

	(void)m;
	(void)vt;
	switch (key) {
	case LT_KEY_UP: case 'k': s->top--; break;
	case LT_KEY_DOWN: case 'j': s->top++; break;
	case LT_KEY_PGUP: case 2: case 21: s->top -= page; break;  /* Ctrl-B, U */
	case LT_KEY_PGDN: case 6: case 4: s->top += page; break;   /* Ctrl-F, D */
	case LT_KEY_HOME: s->top = 0; break;
	case LT_KEY_END: s->top = s->total; break;
	case LT_KEY_ESC: case LT_KEY_BACKSPACE:
		view_back(v);
		break;
	default:
		return 0;
	}
	if (s->top > s->total - s->page)
		s->top = s->total - s->page;
	if (s->top < 0)
		s->top = 0;
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

const struct screen screen_help = {
	.name = "Help",
	.hotkey = '5',
	.init = help_init,
	.fini = help_fini,
	.draw = help_draw,
	.key = help_key,
};
