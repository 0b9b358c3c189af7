/* The view model of the interactive UI: everything the screens show,
 * computed from an lt_model, without a terminal.
 *
 * A view keeps the user's state (screen, selection by stable row id, sort,
 * baseline, time cursor, search, flame zoom) and renders it into a frame of
 * text lines with styled column spans.  The curses layer (lt_ui.h) only
 * copies frames to the terminal and feeds keys back; tests and the scripted
 * mode (leaktop view --dump) read the same frames as plain text.  Nothing
 * here includes curses, reads /proc or runs SQL. */
#ifndef LT_VIEW_H
#define LT_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lt_model.h"

enum lt_view_screen {
	LT_SCR_SITES,
	LT_SCR_THREADS,
	LT_SCR_FLAME,
	LT_SCR_MEMORY,
	LT_SCR_HELP,
	LT_SCR_GOROUTINES,  /* a Go program's goroutine groups */
	LT_SCR_COUNT
};

/* Keys beyond ASCII, as the curses layer passes them (outside Unicode). */
enum lt_view_key {
	LT_KEY_UP = 0x110000,
	LT_KEY_DOWN,
	LT_KEY_LEFT,
	LT_KEY_RIGHT,
	LT_KEY_PGUP,
	LT_KEY_PGDN,
	LT_KEY_HOME,
	LT_KEY_END,
	LT_KEY_ENTER,
	LT_KEY_BACKSPACE,
	LT_KEY_ESC,
	LT_KEY_BTAB,
	LT_KEY_F1,       /* F1 .. F12 follow each other */
	LT_KEY_F3 = LT_KEY_F1 + 2,
	LT_KEY_F6 = LT_KEY_F1 + 5,
	LT_KEY_F10 = LT_KEY_F1 + 9,
	LT_KEY_F12 = LT_KEY_F1 + 11,
};

/* Mouse events, at terminal cells (0-based row y, column x). */
enum lt_view_mouse {
	LT_MOUSE_CLICK,      /* button 1 pressed: a tab switches, a row selects */
	LT_MOUSE_WHEEL_UP,   /* the list scrolls */
	LT_MOUSE_WHEEL_DOWN,
};

/* What a key did, for the loop that called lt_view_key. */
enum lt_view_flags {
	LT_VIEW_HANDLED = 1, /* the key meant something here */
	LT_VIEW_REDRAW = 2,  /* the frame changed */
	LT_VIEW_QUIT = 4,    /* the user asked to quit */
	LT_VIEW_SCAN = 8,    /* ... for a reachability scan (live only) */
};

/* Styles of spans; the curses layer maps them to colours or, on
 * monochrome terminals and with NO_COLOR, to bold/reverse/underline. */
enum lt_vstyle {
	LT_ST_NORMAL,
	LT_ST_TITLE,     /* header title line */
	LT_ST_TAB,       /* the tab bar */
	LT_ST_TAB_ON,    /* the current screen's tab */
	LT_ST_COLHEAD,   /* column titles */
	LT_ST_SELECTED,  /* the selected row or flame node */
	LT_ST_WARN,      /* growth, warnings */
	LT_ST_DIM,       /* unavailable, context */
	LT_ST_MATCH,     /* search matches */
	LT_ST_FLAME_A,   /* flame boxes, alternating */
	LT_ST_FLAME_B,
	LT_ST_STATUS,    /* the bottom status line */
	LT_ST_COUNT
};

struct lt_vspan {
	int col, width;  /* terminal columns */
	int style;       /* enum lt_vstyle */
};

/* One terminal line: UTF-8 text (ASCII only when the view is ASCII) that
 * fills at most the frame's columns, and spans applied in order over it. */
struct lt_vline {
	char *text;
	size_t len, cap;
	int cols;        /* columns used by text */
	int width;       /* the frame's columns */
	struct lt_vspan *spans;
	size_t nspans, scap;
};

struct lt_vframe {
	int rows, cols;
	struct lt_vline *lines;   /* rows entries */
	int lines_cap;
};

struct lt_view_opts {
	int live;            /* a live session: the cursor follows new ticks */
	int ascii;           /* no UTF-8 glyphs (non-UTF-8 locale) */
	const char *output;  /* session file shown in the header, or NULL */
};

typedef struct lt_view lt_view;

/* A new view, on the Memory screen (Sites has nothing to show until the
 * heap agent exists).  Never NULL (aborts on out-of-memory); the options'
 * strings are copied. */
lt_view *lt_view_new(const struct lt_view_opts *o);
void lt_view_free(lt_view *v);  /* NULL-safe */

/* Applies one key (ASCII, or an enum lt_view_key) against model m and
 * returns enum lt_view_flags.  This function can't fail. */
int lt_view_key(lt_view *v, const lt_model *m, int key);

/* Applies a mouse event (enum lt_view_mouse) at cell (y, x) of the last
 * frame rendered, against model m; returns enum lt_view_flags (0: nothing
 * there).  This function can't fail. */
int lt_view_mouse(lt_view *v, const lt_model *m, int kind, int y, int x);

/* Renders the view of m into a rows x cols frame, owned by the view and
 * valid until the next render or lt_view_free.  A terminal smaller than the
 * screens need gets a frame that says so.  This function can't fail. */
const struct lt_vframe *lt_view_render(lt_view *v, const lt_model *m,
				       int rows, int cols);

/* Writes a frame's text to out, one line per row, trailing blanks
 * removed.  Returns 0, or -1 if writing failed. */
int lt_vframe_print(const struct lt_vframe *f, FILE *out);

/* A one-line message in the status line until the next key (target
 * exited, errors).  msg is copied; NULL clears it. */
void lt_view_message(lt_view *v, const char *msg);

/* A live session that ended by itself (the target exited): the header
 * says so from now on.  why is copied. */
void lt_view_ended(lt_view *v, const char *why);

/* The current screen, and switching to it as the keys 1-6 do. */
enum lt_view_screen lt_view_screen(const lt_view *v);
void lt_view_set_screen(lt_view *v, enum lt_view_screen s);

/* Whether the display is paused (live views); the time cursor then stays
 * put while ticks go on. */
int lt_view_paused(const lt_view *v);

/* The id of the selected row on a list screen (memory: metric id + 1;
 * threads and goroutines: group index + 1), 0 when nothing is selected. */
uint64_t lt_view_selected(const lt_view *v, enum lt_view_screen s);

#endif
