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

/* Below this the header and a list with a 30-column WHERE do not fit. */
#define MIN_ROWS 16
#define MIN_COLS 60

static const struct screen *const screens[LT_SCR_COUNT] = {
	[LT_SCR_SITES] = &screen_sites,
	[LT_SCR_THREADS] = &screen_threads,
	[LT_SCR_FLAME] = &screen_flame,
	[LT_SCR_MEMORY] = &screen_memory,
	[LT_SCR_HELP] = &screen_help,
	[LT_SCR_GOROUTINES] = &screen_goroutines,
};
_Static_assert(LT_SCR_COUNT <= 8, "the back stack of struct lt_view");

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

/* What the last frame put where no longer holds (a key changed the
 * screen): mouse events wait for the next frame. */
static void hit_stale(lt_view *v)
{
	v->hit.list = NULL;
	v->hit.tab_y = -1;
}

static void show(lt_view *v, int s)
{
	hit_stale(v);
	v->screen = s;
	/* A screen shown again starts on its list, not a detail. */
	if (screens[s]->list)
		screens[s]->list(v)->detail = 0;
	v->touched = 1;
}

void lt_view_set_screen(lt_view *v, enum lt_view_screen s)
{
	const size_t cap = sizeof(v->back) / sizeof(v->back[0]);

	if ((int)s < 0 || s >= LT_SCR_COUNT)
		return;
	if ((int)s != v->screen) {
		if ((size_t)v->nback == cap) {
			memmove(v->back, v->back + 1, (cap - 1) * sizeof(v->back[0]));
			v->nback--;
		}
		v->back[v->nback++] = v->screen;
	}
	show(v, s);
}

void view_back(lt_view *v)
{
	if (!v->nback) {
		view_msg(v, "no previous screen (q quits)");
		return;
	}
	show(v, v->back[--v->nback]);
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

static int sort_key(lt_view *v, const lt_model *m)
{
	struct vlist *l;
	int n = sort_count(v);

	if (!n || !cur(v)->list)
		return LT_VIEW_HANDLED;
	l = cur(v)->list(v);
	for (int i = 0; i < n; i++) {
		l->sort = (l->sort + 1) % n;
		if (!cur(v)->sort_ok || cur(v)->sort_ok(m, l->sort))
			break;
	}
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

/* Typing a search or a time: printable keys edit, Enter runs it, Esc
 * cancels. */
static int prompt_key(lt_view *v, const lt_model *m, int key)
{
	size_t n = strlen(v->query);
	struct vtime vt;
	int kind = v->prompt;

	if (key == LT_KEY_ESC) {
		v->prompt = PROMPT_NONE;
	} else if (key == LT_KEY_BACKSPACE) {
		if (n)
			v->query[n - 1] = '\0';
	} else if (key == LT_KEY_ENTER) {
		v->prompt = PROMPT_NONE;
		if (kind == PROMPT_TIME) {
			vtime_goto(v, m, v->query);
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		}
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

/* Tab passes over the Goroutines screen of a program that is not Go. */
static int tab_to(const lt_model *m, int s, int step)
{
	s = (s + step + LT_SCR_COUNT) % LT_SCR_COUNT;
	if (s == LT_SCR_GOROUTINES && !lt_model_source_find(m, "goroutines"))
		s = (s + step + LT_SCR_COUNT) % LT_SCR_COUNT;
	return s;
}

/* htop's function keys, as the keys they stand for (not in a prompt). */
static int fkey(int key)
{
	switch (key) {
	case LT_KEY_F1: return '?';
	case LT_KEY_F3: return '/';
	case LT_KEY_F6: return 's';
	case LT_KEY_F10: return 'q';
	default: return key;
	}
}

static int prompt(lt_view *v, int kind)
{
	v->prompt = kind;
	v->query[0] = '\0';
	return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
}

/* Keys that mean the same on every screen; 0 for the others. */
static int view_key(lt_view *v, const lt_model *m, int key)
{
	int s;

	switch (key) {
	case 'q': case 'Q':
		return LT_VIEW_HANDLED | LT_VIEW_QUIT;
	case '\t':
		s = tab_to(m, v->screen, 1);
		break;
	case LT_KEY_BTAB:
		s = tab_to(m, v->screen, -1);
		break;
	case '?':
		/* toggles, like htop's F1 */
		if (v->screen == LT_SCR_HELP) {
			view_back(v);
			return LT_VIEW_HANDLED | LT_VIEW_REDRAW;
		}
		s = LT_SCR_HELP;
		break;
	case '/':
		return prompt(v, PROMPT_SEARCH);
	case 'g':
		return prompt(v, PROMPT_TIME);
	case 's':
		return sort_key(v, m);
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
	int r = 0;

	key = normalize(key);
	v->msg[0] = '\0';
	v->touched = 1;
	if (v->prompt)
		return prompt_key(v, m, key);
	key = fkey(key);
	prepare(v, m, &vt);
	/* Help scrolls with the keys that move the time cursor elsewhere. */
	if (v->screen == LT_SCR_HELP)
		r = cur(v)->key(v, m, &vt, key);
	if (!r)
		r = view_key(v, m, key);
	if (!r)
		r = vtime_key(v, m, &vt, key);
	if (!r && cur(v)->key)
		r = cur(v)->key(v, m, &vt, key);
	/* Esc that closed nothing on the screen goes back a screen. */
	if (!r && (key == LT_KEY_ESC || key == LT_KEY_BACKSPACE)) {
		view_back(v);
		r = LT_VIEW_HANDLED | LT_VIEW_REDRAW;
	}
	if (r & LT_VIEW_REDRAW)
		hit_stale(v);
	return r;
}

int lt_view_mouse(lt_view *v, const lt_model *m, int kind, int y, int x)
{
	struct vlist *l = v->hit.list;
	int r = LT_VIEW_HANDLED | LT_VIEW_REDRAW, tab_y = v->hit.tab_y;

	v->msg[0] = '\0';
	v->touched = 1;
	if (v->prompt)
		return 0;
	if (kind == LT_MOUSE_CLICK) {
		if (y == v->hit.tab_y) {
			for (int s = 0; s < LT_SCR_COUNT; s++)
				if (x >= v->hit.tab_x0[s] && x < v->hit.tab_x1[s]) {
					lt_view_set_screen(v, (enum lt_view_screen)s);
					return r;
				}
			return 0;
		}
		if (!l && cur(v)->click && y > v->hit.tab_y) {
			struct vtime vt;

			prepare(v, m, &vt);
			return cur(v)->click(v, m, &vt, y, x);
		}
		if (!l || y < v->hit.y0 || y >= v->hit.y1 ||
		    l->top + (size_t)(y - v->hit.y0) >= l->n)
			return 0;
		vlist_select(l, (long)(l->top + (size_t)(y - v->hit.y0)));
		return r;
	}
	if (kind != LT_MOUSE_WHEEL_UP && kind != LT_MOUSE_WHEEL_DOWN)
		return 0;
	if (l) {
		/* The wheel scrolls the list; the selection stays on screen. */
		long step = kind == LT_MOUSE_WHEEL_UP ? -3 : 3;

		vlist_select(l, (long)vlist_sel(l) + step);
		return r;
	}
	/* Elsewhere (Help, a stack, the flame graph) it is Up and Down. */
	r = 0;
	for (int i = 0; i < 3; i++)
		r |= lt_view_key(v, m, kind == LT_MOUSE_WHEEL_UP ? LT_KEY_UP : LT_KEY_DOWN);
	v->hit.tab_y = tab_y;   /* the tabs stay where they were */
	return r;
}

/* --- frame --------------------------------------------------------------- */

/* The keys a newcomer needs, each hint whole or not at all. */
static void hints(struct lt_vline *l, int cols, const char *sort)
{
	char s[64];
	const char *h[] = {"F1/? help", "F10/q quit", "1-6 screens", s,
			   "F3// search", "PgUp/PgDn g time", "b baseline"};

	snprintf(s, sizeof(s), "F6/s sort%s%s", sort ? ": " : "", sort ? sort : "");
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		char part[80];

		snprintf(part, sizeof(part), "%s%s", i ? "  " : "", h[i]);
		if (!vl_whole(l, cols, part))
			break;
	}
}

static void status_line(lt_view *v, struct lt_vframe *f)
{
	struct lt_vline *l = vf_line(f, f->rows - 1);
	const char *sort = sort_name(v);

	if (v->prompt == PROMPT_SEARCH)
		vl_printf(l, f->cols, "search: %s_   (Enter finds, Esc cancels)", v->query);
	else if (v->prompt == PROMPT_TIME)
		vl_printf(l, f->cols, "go to time (5m, -30s, 12:03:10): %s_   (Enter goes, Esc cancels)", v->query);
	else if (v->msg[0])
		vl_puts(l, f->cols, v->msg);
	else if (l->cols)
		;  /* the screen wrote its own (Flame: the selected node) */
	else
		hints(l, f->cols, sort);
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
	memset(&v->hit, 0, sizeof(v->hit));
	v->hit.tab_y = -1;
	if (rows < MIN_ROWS || cols < MIN_COLS) {
		char msg[128];

		snprintf(msg, sizeof(msg), "terminal too small (need %dx%d, have %dx%d): enlarge it, or q quits",
			 MIN_COLS, MIN_ROWS, cols, rows);
		vf_wrap(f, 0, rows, 0, msg, LT_ST_WARN);
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
