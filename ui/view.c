/* The view model: user state, keys, and the dispatch to the screens.
 *
 * Like htop's main loop, key handling returns flags and never draws.  The
 * screens are a table (struct screen): the view asks the current one for
 * its rows before every key and frame, offers it the keys the view does not
 * take itself, and has it draw the body below the header. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "view_int.h"

#define MIN_ROWS 10
#define MIN_COLS 40

static const struct screen *const screens[LT_SCR_COUNT] = {
	[LT_SCR_SITES] = &screen_sites,
	[LT_SCR_THREADS] = &screen_threads,
	[LT_SCR_FLAME] = &screen_flame,
	[LT_SCR_MEMORY] = &screen_memory,
	[LT_SCR_HELP] = &screen_help,
};

const struct screen *view_screen(int s)
{
	return screens[s];
}

static const struct screen *cur(const lt_view *v)
{
	return screens[v->screen];
}

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
	for (int s = 0; s < LT_SCR_COUNT; s++)
		v->scr[s] = screens[s]->init ? screens[s]->init() : NULL;
	return v;
}

void lt_view_free(lt_view *v)
{
	if (!v)
		return;
	for (int s = 0; s < LT_SCR_COUNT; s++)
		if (screens[s]->fini)
			screens[s]->fini(v->scr[s]);
	free(v->output);
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
		/* A screen shown again starts on its list, not a detail. */
		if (screens[s]->list)
			screens[s]->list(v)->detail = 0;
		v->touched = 1;
	}
}

int lt_view_paused(const lt_view *v)
{
	return v->paused;
}

uint64_t lt_view_selected(const lt_view *v, enum lt_view_screen s)
{
	if ((int)s < 0 || s >= LT_SCR_COUNT || !screens[s]->list)
		return 0;
	return screens[s]->list(v)->sel;
}

void lt_view_message(lt_view *v, const char *msg)
{
	view_msg(v, "%s", msg ? msg : "");
}

void lt_view_ended(lt_view *v, const char *why)
{
	snprintf(v->ended, sizeof(v->ended), "%s", why ? why : "ended");
}

void view_msg(lt_view *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
}

/* --- sorting --------------------------------------------------------------- */

static int sort_count(const lt_view *v)
{
	const char *const *s = cur(v)->sorts;
	int n = 0;

	while (s && s[n])
		n++;
	return n;
}

static const char *sort_name(const lt_view *v)
{
	return sort_count(v) ? cur(v)->sorts[cur(v)->list(v)->sort] : NULL;
}

static int sort_key(lt_view *v)
{
	struct vlist *l;

	if (!sort_count(v) || !cur(v)->list)
		return LT_VIEW_HANDLED;
	l = cur(v)->list(v);
	l->sort = (l->sort + 1) % sort_count(v);
	view_msg(v, "sorted by %s", sort_name(v));
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

/* --- keys ---------------------------------------------------------------- */

/* The window and the current screen's rows, as keys and frames see them. */
static void prepare(lt_view *v, const lt_model *m, struct vtime *vt)
{
	view_time(v, m, vt);
	if (cur(v)->rows)
		cur(v)->rows(v, m, vt);
}

/* Typing a search: printable keys edit, Enter runs it, Esc cancels. */
static int prompt_key(lt_view *v, const lt_model *m, int key)
{
	size_t n = strlen(v->query);
	struct vtime vt;

	if (key == LT_KEY_ESC) {
		v->prompt = 0;
	} else if (key == LT_KEY_BACKSPACE) {
		if (n)
			v->query[n - 1] = '\0';
	} else if (key == LT_KEY_ENTER) {
		v->prompt = 0;
		snprintf(v->search, sizeof(v->search), "%s", v->query);
		prepare(v, m, &vt);
		if (cur(v)->find)
			cur(v)->find(v, m, &vt);
	} else if (key >= 0x20 && key < 0x7f && n + 1 < sizeof(v->query)) {
		v->query[n] = (char)key;
		v->query[n + 1] = '\0';
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

/* Keys that mean the same on every screen; 0 for the others. */
static int view_key(lt_view *v, int key)
{
	int s;

	switch (key) {
	case 'q': case 'Q':
		return LT_VIEW_HANDLED | LT_VIEW_QUIT;
	case '\t':
		s = (v->screen + 1) % LT_SCR_COUNT;
		break;
	case LT_KEY_BTAB:
		s = (v->screen + LT_SCR_COUNT - 1) % LT_SCR_COUNT;
		break;
	case '?':
		s = LT_SCR_HELP;
		break;
	case '/':
		v->prompt = 1;
		v->query[0] = '\0';
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	case 's':
		return sort_key(v);
	case 'u':
		view_msg(v, v->live ? "reachability scan asked: Sites' LOST column shows what "
			 "two scans agree on" : "reachability scans need a live session");
		return LT_VIEW_HANDLED | LT_VIEW_REDRAW | (v->live ? LT_VIEW_SCAN : 0);
	default:
		for (s = 0; s < LT_SCR_COUNT; s++)
			if (key == screens[s]->hotkey)
				break;
		if (s == LT_SCR_COUNT)
			return 0;
	}
	lt_view_set_screen(v, (enum lt_view_screen)s);
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
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
	prepare(v, m, &vt);
	r = view_key(v, key);
	if (!r)
		r = vtime_key(v, m, &vt, key);
	if (!r && cur(v)->key)
		r = cur(v)->key(v, m, &vt, key);
	return r;
}

/* --- frame --------------------------------------------------------------- */

static void status_line(lt_view *v, struct lt_vframe *f)
{
	struct lt_vline *l = vf_line(f, f->rows - 1);
	const char *sort = sort_name(v);

	if (v->prompt)
		vl_printf(l, f->cols, "search: %s_   (Enter finds, Esc cancels)", v->query);
	else if (v->msg[0])
		vl_puts(l, f->cols, v->msg);
	else if (l->cols)
		;  /* the screen wrote its own (Flame: the selected node) */
	else
		vl_printf(l, f->cols, "q quit  ? help  Tab/1-5 screens  s sort%s%s  / search  b baseline  [ ] time",
			  sort ? ": " : "", sort ? sort : "");
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
	prepare(v, m, &vt);
	y0 = view_header(v, m, &vt, f);
	v->body_rows = rows - 1 - y0;
	cur(v)->draw(v, m, &vt, f, y0, rows - 1);
	status_line(v, f);
	return f;
}
