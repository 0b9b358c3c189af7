/* The curses layer: terminal set-up and restore, the one event loop, and
 * copying view frames to the screen.  Curses' refresh diffs the frame
 * against the terminal, so only changed cells are sent: no flicker.
 *
 * The stop signals (lt_stop.h) are blocked except while waiting, so they
 * never land in the middle of a tick or a redraw; crash signals restore
 * the terminal and are re-raised so the process still dies of them (and
 * dumps core). */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lt_clock.h"
#include "lt_stop.h"
#include "lt_ui.h"
#include "lt_view.h"

#define REDRAW_EVERY 0.5   /* seconds: at least 2 frames a second */

static volatile sig_atomic_t curses_on;

static void restore_terminal(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

/* endwin() is not async-signal-safe; after a crash, a terminal left in raw
 * mode on the alternate screen is the worse outcome. */
static void on_crash(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

int lt_ui_locale_utf8(void)
{
	const char *cs;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

/* --- styles -------------------------------------------------------------- */

static attr_t style_attr[LT_ST_COUNT];
static short style_pair[LT_ST_COUNT];

static void setup_styles(void)
{
	static const struct {
		int style;
		attr_t mono;
		short fg, bg;
		attr_t extra;
	} t[] = {
		{LT_ST_TITLE, A_BOLD, COLOR_WHITE, COLOR_BLUE, A_BOLD},
		{LT_ST_TAB, A_REVERSE, COLOR_BLACK, COLOR_CYAN, 0},
		{LT_ST_TAB_ON, A_BOLD, COLOR_WHITE, COLOR_BLACK, A_BOLD},
		{LT_ST_COLHEAD, A_BOLD | A_UNDERLINE, COLOR_BLACK, COLOR_GREEN, 0},
		{LT_ST_SELECTED, A_REVERSE, COLOR_BLACK, COLOR_CYAN, 0},
		{LT_ST_WARN, A_BOLD, COLOR_RED, -1, A_BOLD},
		{LT_ST_DIM, A_DIM, -1, -1, A_DIM},
		{LT_ST_MATCH, A_BOLD | A_UNDERLINE, COLOR_BLACK, COLOR_MAGENTA, 0},
		{LT_ST_FLAME_A, A_NORMAL, COLOR_BLACK, COLOR_YELLOW, 0},
		{LT_ST_FLAME_B, A_NORMAL, COLOR_BLACK, COLOR_RED, 0},
		{LT_ST_STATUS, A_REVERSE, COLOR_BLACK, COLOR_WHITE, 0},
	};
	int color = has_colors() && !getenv("NO_COLOR");

	if (color) {
		start_color();
		use_default_colors();
	}
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int s = t[i].style;

		if (color && COLOR_PAIRS > (int)i + 1) {
			init_pair((short)(i + 1), t[i].fg, t[i].bg);
			style_pair[s] = (short)(i + 1);
			style_attr[s] = t[i].extra;
		} else {
			style_attr[s] = t[i].mono;
		}
	}
}

static void draw(const struct lt_vframe *f)
{
	erase();
	for (int y = 0; y < f->rows && y < LINES; y++) {
		const struct lt_vline *l = &f->lines[y];

		mvaddstr(y, 0, l->text);
		for (size_t i = 0; i < l->nspans; i++) {
			const struct lt_vspan *s = &l->spans[i];

			mvchgat(y, s->col, s->width, style_attr[s->style],
				style_pair[s->style], NULL);
		}
	}
	refresh();
}

/* --- keys ---------------------------------------------------------------- */

static int map_key(int ch)
{
	switch (ch) {
	case KEY_UP: return LT_KEY_UP;
	case KEY_DOWN: return LT_KEY_DOWN;
	case KEY_LEFT: return LT_KEY_LEFT;
	case KEY_RIGHT: return LT_KEY_RIGHT;
	case KEY_PPAGE: return LT_KEY_PGUP;
	case KEY_NPAGE: return LT_KEY_PGDN;
	case KEY_HOME: return LT_KEY_HOME;
	case KEY_END: return LT_KEY_END;
	case KEY_ENTER: return LT_KEY_ENTER;
	case KEY_BACKSPACE: return LT_KEY_BACKSPACE;
	case KEY_BTAB: return LT_KEY_BTAB;
	default:
		if (ch >= KEY_F(1) && ch <= KEY_F(12))
			return LT_KEY_F1 + (ch - KEY_F(1));
		return ch >= 0 && ch < 0x100 ? ch : -1;
	}
}

/* A mouse event as the view's: button 1 pressed (or clicked, where the
 * terminal reports only clicks) and the wheel (buttons 4 and 5); -1 for
 * the rest (releases, moves). */
static int map_mouse(const MEVENT *e)
{
	if (e->bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		return LT_MOUSE_CLICK;
	if (e->bstate & BUTTON4_PRESSED)
		return LT_MOUSE_WHEEL_UP;
#ifdef BUTTON5_PRESSED
	if (e->bstate & BUTTON5_PRESSED)
		return LT_MOUSE_WHEEL_DOWN;
#endif
	return -1;
}

/* --- the loop ------------------------------------------------------------ */

struct loop {
	const struct lt_ui_opts *o;
	const struct lt_ui_source *src;
	lt_view *v;
	int dirty, frames, ended, quit;
	int hangup;     /* the terminal went away (EOF, POLLHUP) */
	int readable;   /* the last wait saw input pending */
	int empty_reads; /* wakes for input that yielded no key, in a row */
	double next_redraw;
	struct lt_end *end;  /* how the loop ended; once the session has
				ended by itself, how it did */
};

/* The stop signals come from lt_stop; crashes restore the terminal. */
static void install_signals(void)
{
	static const int crashes[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa = {0};

	lt_stop_setup();
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (size_t i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++)
		sigaction(crashes[i], &sa, NULL);
}

static void do_tick(struct loop *lp)
{
	char msg[LT_END_LEN + 4200], reason[LT_END_LEN];

	if (lp->src->tick(lp->src->ctx, lp->end) == 0)
		return;
	lp->ended = 1;
	lt_end_format(lp->end, reason, sizeof(reason));
	if (lp->end->kind == LT_END_ERROR)
		snprintf(msg, sizeof(msg), "sampling stopped: %s; q quits", lp->end->err.msg);
	else
		snprintf(msg, sizeof(msg), "the session ended (%s)%s%s; q quits", reason,
			 lp->o->output ? ": complete in " : "", lp->o->output ? lp->o->output : "");
	lt_view_message(lp->v, msg);
	lt_view_ended(lp->v, reason);
	lp->dirty = 1;
}

/* How the loop ends, unless the session ended by itself first: then that
 * stays the reason. */
static void finish(struct loop *lp, enum lt_end_kind kind)
{
	if (!lp->ended)
		lt_end_set(lp->end, kind);
}

/* Input that polls readable but yields no key, again and again, is a
 * terminal at EOF (its pty closed without SIGHUP): treat it as gone
 * rather than wake for it forever. */
#define EOF_WAKES 64

static void read_keys(struct loop *lp)
{
	int ch, got = 0;

	while ((ch = getch()) != ERR) {
		got = 1;
		int key, r;

		if (ch == KEY_RESIZE) {
			lp->dirty = 1;
			continue;
		}
		if (ch == KEY_MOUSE) {
			MEVENT e;
			int kind;

			if (getmouse(&e) != OK || (kind = map_mouse(&e)) < 0)
				continue;
			r = lt_view_mouse(lp->v, lp->src->model(lp->src->ctx), kind, e.y, e.x);
		} else {
			key = map_key(ch);
			if (key < 0)
				continue;
			r = lt_view_key(lp->v, lp->src->model(lp->src->ctx), key);
		}
		if (r & LT_VIEW_QUIT) {
			lp->quit = 1;
			return;
		}
		if (r & LT_VIEW_REDRAW)
			lp->dirty = 1;
		if ((r & LT_VIEW_SCAN) && lp->src->scan && !lp->ended)
			lp->src->scan(lp->src->ctx);
	}
	if (got || !lp->readable)
		lp->empty_reads = 0;
	else if (++lp->empty_reads >= EOF_WAKES)
		lp->hangup = 1;
	lp->readable = 0;
}

/* Waits for input, a signal, the target's exit or the next deadline. */
static void wait_event(struct loop *lp, double until)
{
	int live = lp->src->tick && !lp->ended;
	/* Negative descriptors are left out by ppoll. */
	struct pollfd pfd[3] = {{.fd = 0, .events = POLLIN},
				{.fd = live ? lp->src->pidfd : -1, .events = POLLIN},
				{.fd = live && lp->src->data_fd && lp->src->pump ?
				       lp->src->data_fd(lp->src->ctx) : -1, .events = POLLIN}};

	if (lt_stop_wait(pfd, 3, until) <= 0)
		return;
	if (pfd[2].revents)
		lp->src->pump(lp->src->ctx);
	lp->readable = (pfd[0].revents & POLLIN) != 0;
	/* A terminal that is gone without a SIGHUP (its tmux pane or pty
	 * closed) reads as EOF forever: leave rather than spin on it. */
	if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
		lp->hangup = 1;
		return;
	}
	if (pfd[1].revents & POLLIN)
		do_tick(lp);  /* the target exited: the tick sees it and ends */
}

static void run_loop(struct loop *lp)
{
	for (;;) {
		double now = lt_clock_mono(), until;
		int sig;

		if (lp->src->tick && !lp->ended && now >= lp->src->deadline(lp->src->ctx))
			do_tick(lp);
		if (lp->dirty || now >= lp->next_redraw) {
			draw(lt_view_render(lp->v, lp->src->model(lp->src->ctx), LINES, COLS));
			lp->dirty = 0;
			lp->next_redraw = now + REDRAW_EVERY;
			if (lp->o->iterations && ++lp->frames >= lp->o->iterations) {
				finish(lp, LT_END_ITERATIONS);
				return;
			}
		}
		until = lp->next_redraw;
		if (lp->src->tick && !lp->ended)
			until = fmin(until, lp->src->deadline(lp->src->ctx));
		wait_event(lp, until);
		sig = lt_stop_caught(NULL);
		if (sig) {
			if (!lp->ended)
				lt_end_signal(lp->end, sig);
			return;
		}
		if (!lp->hangup)
			read_keys(lp);
		if (lp->hangup) {
			finish(lp, LT_END_TERMINAL);
			return;
		}
		if (lp->quit) {
			finish(lp, LT_END_QUIT);
			return;
		}
	}
}

int lt_ui_run(const struct lt_ui_opts *o, const struct lt_ui_source *src,
	      struct lt_end *end, lt_err *err)
{
	struct lt_view_opts vo = {.live = src->tick != NULL, .output = o->output};
	struct loop lp = {.o = o, .src = src, .end = end, .dirty = 1};

	if (!isatty(0) || !isatty(1)) {
		lt_err_set(err, LT_EXIT_USAGE, "the interactive view needs a terminal on stdin and stdout");
		return -1;
	}
	vo.ascii = !lt_ui_locale_utf8();
	install_signals();
	lt_oom_hook(restore_terminal);
	if (!initscr()) {
		lt_err_set(err, LT_EXIT_USAGE, "cannot set up the terminal (TERM=%s)",
			   getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	/* Clicks and the wheel, as in htop; presses are reported at once
	 * (no click-interval wait).  Shift-drag still selects text in most
	 * terminals. */
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		  | BUTTON5_PRESSED
#endif
		  , NULL);
	mouseinterval(0);
	setup_styles();
	lp.v = lt_view_new(&vo);
	lt_end_set(end, LT_END_QUIT);
	run_loop(&lp);
	restore_terminal();
	lt_view_free(lp.v);
	return 0;
}
