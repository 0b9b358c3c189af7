/* The curses layer: terminal set-up and restore, the one event loop, and
 * copying view frames to the screen.  Curses' refresh diffs the frame
 * against the terminal, so only changed cells are sent: no flicker.
 *
 * The stop signals are blocked except inside ppoll, so they never land in
 * the middle of a tick or a redraw; crash signals restore the terminal and
 * are re-raised so the process still dies of them (and dumps core). */
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
#include <time.h>
#include <unistd.h>

#include "lt_ui.h"
#include "lt_view.h"

#define REDRAW_EVERY 0.5   /* seconds: at least 2 frames a second */

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t curses_on;

static void restore_terminal(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

static void on_stop(int sig)
{
	stop_signal = sig;
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

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	default: return ch >= 0 && ch < 0x100 ? ch : -1;
	}
}

/* --- the loop ------------------------------------------------------------ */

struct loop {
	const struct lt_ui_opts *o;
	const struct lt_ui_source *src;
	lt_view *v;
	sigset_t wait_mask;
	int dirty, frames, ended, quit;
	int hangup;     /* the terminal went away (EOF, POLLHUP) */
	int readable;   /* the last wait saw input pending */
	int empty_reads; /* wakes for input that yielded no key, in a row */
	double next_redraw;
	char *reason;
	size_t len;
};

static void install_signals(sigset_t *wait_mask)
{
	static const int stops[] = {SIGINT, SIGTERM, SIGHUP};
	static const int crashes[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa = {0};
	sigset_t block;

	sigemptyset(&block);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		sigaction(stops[i], &sa, NULL);
		sigaddset(&block, stops[i]);
	}
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (size_t i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++)
		sigaction(crashes[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		sigdelset(wait_mask, stops[i]);
}

static void do_tick(struct loop *lp)
{
	lt_err err = {0};
	char msg[600];
	int rc = lp->src->tick(lp->src->ctx, &err);

	if (rc == 0)
		return;
	lp->ended = 1;
	if (rc > 0) {
		snprintf(lp->reason, lp->len, "target exited");
		snprintf(msg, sizeof(msg), "the session ended (target exited)%s%s; q quits",
			 lp->o->output ? ": complete in " : "", lp->o->output ? lp->o->output : "");
	} else {
		snprintf(lp->reason, lp->len, "error: %s", err.msg);
		snprintf(msg, sizeof(msg), "sampling stopped: %s; q quits", err.msg);
	}
	lt_view_message(lp->v, msg);
	lt_view_ended(lp->v, lp->reason);
	lp->dirty = 1;
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
		key = map_key(ch);
		if (key < 0)
			continue;
		r = lt_view_key(lp->v, lp->src->model(lp->src->ctx), key);
		if (r & LT_VIEW_QUIT) {
			lp->quit = 1;
			return;
		}
		if (r & LT_VIEW_REDRAW)
			lp->dirty = 1;
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
	struct pollfd pfd[2] = {{.fd = 0, .events = POLLIN},
				{.fd = lp->src->pidfd, .events = POLLIN}};
	int live = lp->src->tick && !lp->ended && lp->src->pidfd >= 0;
	double left = until - mono_now();
	struct timespec ts;

	if (left < 0)
		left = 0;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	if (ppoll(pfd, live ? 2 : 1, &ts, &lp->wait_mask) <= 0)
		return;
	lp->readable = (pfd[0].revents & POLLIN) != 0;
	/* A terminal that is gone without a SIGHUP (its tmux pane or pty
	 * closed) reads as EOF forever: leave rather than spin on it. */
	if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
		lp->hangup = 1;
		return;
	}
	if (live && (pfd[1].revents & POLLIN))
		do_tick(lp);  /* the target exited: the tick sees it and ends */
}

static void run_loop(struct loop *lp)
{
	for (;;) {
		double now = mono_now(), until;

		if (lp->src->tick && !lp->ended && now >= lp->src->deadline(lp->src->ctx))
			do_tick(lp);
		if (lp->dirty || now >= lp->next_redraw) {
			draw(lt_view_render(lp->v, lp->src->model(lp->src->ctx), LINES, COLS));
			lp->dirty = 0;
			lp->next_redraw = now + REDRAW_EVERY;
			if (lp->o->iterations && ++lp->frames >= lp->o->iterations) {
				if (!lp->ended)
					snprintf(lp->reason, lp->len, "iterations");
				return;
			}
		}
		until = lp->next_redraw;
		if (lp->src->tick && !lp->ended)
			until = fmin(until, lp->src->deadline(lp->src->ctx));
		wait_event(lp, until);
		if (stop_signal) {
			if (!lp->ended)
				snprintf(lp->reason, lp->len, "signal %s",
					 stop_signal == SIGINT ? "SIGINT" :
					 stop_signal == SIGTERM ? "SIGTERM" : "SIGHUP");
			return;
		}
		if (lp->hangup) {
			snprintf(lp->reason, lp->len, "terminal closed");
			return;
		}
		read_keys(lp);
		if (lp->hangup) {
			snprintf(lp->reason, lp->len, "terminal closed");
			return;
		}
		if (lp->quit) {
			if (!lp->ended)
				snprintf(lp->reason, lp->len, "quit");
			return;
		}
	}
}

int lt_ui_run(const struct lt_ui_opts *o, const struct lt_ui_source *src,
	      char *reason, size_t len, lt_err *err)
{
	struct lt_view_opts vo = {.live = src->tick != NULL, .output = o->output};
	struct loop lp = {.o = o, .src = src, .reason = reason, .len = len, .dirty = 1};

	if (!isatty(0) || !isatty(1)) {
		lt_err_set(err, LT_EXIT_USAGE, "the interactive view needs a terminal on stdin and stdout");
		return -1;
	}
	vo.ascii = !lt_ui_locale_utf8();
	install_signals(&lp.wait_mask);
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
	setup_styles();
	lp.v = lt_view_new(&vo);
	snprintf(reason, len, "quit");
	run_loop(&lp);
	restore_terminal();
	lt_view_free(lp.v);
	return 0;
}
