/* The interactive terminal UI (ncursesw): one single-threaded loop that
 * waits for a key, a signal, the target's exit or the next tick, ticks a
 * live session, and redraws at least twice a second.  What it draws comes
 * from the view model (lt_view.h); only ui/ includes curses.
 *
 * The terminal is restored however the loop ends: q, SIGINT, SIGTERM,
 * SIGHUP, out-of-memory (lt_oom_hook) and crashes (SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGABRT are re-raised after the terminal is restored). */
#ifndef LT_UI_H
#define LT_UI_H

#include <stddef.h>

#include "lt_end.h"
#include "lt_err.h"
#include "lt_model.h"

/* Where the UI's data comes from.  A replay has only model; a live
 * session also has tick and deadline, and ticks as the loop says. */
struct lt_ui_source {
	void *ctx;
	/* The model to show (never NULL); called before every frame. */
	const lt_model *(*model)(void *ctx);
	/* Live only (NULL in a replay): monotonic seconds (lt_clock_mono)
	 * at which the next tick is due, and the tick itself: 0 while the
	 * session runs, 1 when it has ended (by itself or on an error),
	 * with *end saying how (lt_driver_tick does this). */
	double (*deadline)(void *ctx);
	int (*tick)(void *ctx, struct lt_end *end);
	/* Live only, may be NULL: asks for a reachability scan (key u);
	 * its result reaches the model a few ticks later. */
	void (*scan)(void *ctx);
	/* Live only, may be NULL: a descriptor with data for the next tick
	 * (or -1), and what reads it, called when it is readable. */
	int (*data_fd)(void *ctx);
	void (*pump)(void *ctx);
	int pidfd;           /* readable when the target exits, or -1 */
};

struct lt_ui_opts {
	const char *output;  /* session file to name in the header, or NULL */
	int iterations;      /* draw this many frames and end ("iterations");
				0 runs until quit */
};

/* Runs the UI on the controlling terminal (stdin and stdout must be a
 * terminal) until the user quits, a stop signal arrives (lt_stop.h; it
 * stays caught for the caller to see), the terminal goes away, or the
 * frames of o->iterations are drawn.  Sets *end to why (LT_END_QUIT,
 * LT_END_SIGNAL, LT_END_TERMINAL, LT_END_ITERATIONS; a live session that
 * ended by itself keeps the UI open until one of those, and then *end is
 * how the session ended).  Returns 0, or -1 when there is no usable
 * terminal (err says why, LT_EXIT_USAGE; *end is then unset). */
int lt_ui_run(const struct lt_ui_opts *o, const struct lt_ui_source *src,
	      struct lt_end *end, lt_err *err);

/* Whether the user's locale (LC_ALL, LC_CTYPE, LANG) uses UTF-8; sets the
 * locale from the environment as a side effect.  Non-UTF-8 locales get
 * ASCII glyphs. */
int lt_ui_locale_utf8(void);

/* The commands built on the UI (src/cli/cmd_view.c), in the style of
 * lt_cmd.h: argv starts at the command's name ("view", or the PID), errors
 * are printed as one "leaktop: ..." line, the exit status is returned. */
int lt_cmd_view(int argc, char **argv);
int lt_cmd_live(int argc, char **argv);

#endif
