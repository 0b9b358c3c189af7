/* Internals shared by the view model's files.  Not a public interface.
 *
 * view.c owns the view and dispatches keys and drawing through the table of
 * screens (struct screen); each screen file (screens.c: header, Memory and
 * Help; threads.c, sites.c, flame.c) keeps its own state and exports only
 * its struct screen.  Screens reach the rest through the helpers below:
 * the time window (vtime.c), list rows and selection (vsel.c), tables
 * (vtable.c) and text lines (vframe.c). */
#ifndef LT_VIEW_INT_H
#define LT_VIEW_INT_H

#include <math.h>

#include "lt_view.h"

#define QUERY_MAX 64

/* State every screen shares; a screen's own state is in scr[its index]. */
struct lt_view {
	int screen;
	int live, ascii, paused;
	char ended[96];     /* why a live session ended, or "" */
	char *output;
	/* Moments as session seconds, so they survive the model dropping old
	 * ticks; NAN: the cursor follows the latest tick / no baseline. */
	double cursor_t, base_t;
	int prompt;         /* typing: enum view_prompt */
	char query[QUERY_MAX], search[QUERY_MAX];
	char msg[256];
	int body_rows;      /* rows of the list area at the last render */
	struct lt_vframe frame;
	int touched;        /* a key was pressed: no more automatic screen */
	/* The screens before this one, most recent last: Esc goes back. */
	int back[8], nback;
	/* Where the last frame put things, for the mouse: the tab bar's row
	 * and each tab's columns, and the rows of the list drawn. */
	struct {
		int tab_y, tab_x0[LT_SCR_COUNT], tab_x1[LT_SCR_COUNT];
		struct vlist *list;
		int y0, y1;
	} hit;
	void *scr[LT_SCR_COUNT];  /* made by the screen's init */
};

/* The tick range a view looks at: [base, cur] (indexes into the model). */
struct vtime {
	size_t n;           /* ticks in the model */
	size_t cur, base;
	int has_base;
	double t;           /* session time of the cursor */
	/* thread samples: [kbase, kcur], valid when nk > 0 */
	size_t nk, kcur, kbase;
	/* heap samples: [hbase, hcur], valid when nh > 0 */
	size_t nh, hcur, hbase;
};

/* One row of a list screen, with the numbers it is sorted and drawn by. */
struct vrow {
	uint64_t id;
	double now, delta, slope, rel;
	int trend;          /* enum lt_trend */
	int unit;           /* enum lt_unit */
	char label[160];    /* what search matches */
	/* Screen-specific: Sites keeps its row's largest site, claim and
	 * evidence here. */
	size_t ref;
	int claim;          /* enum lt_diag_claim */
	char freed[24], oldest[16];
	double lost;        /* bytes the last reachability scan proved
			       unreachable; < 0: no scan could prove */
};

/* A list screen's rows and selection.  The selection is a row id, never a
 * position, so it follows its row when the ranking changes. */
struct vlist {
	struct vrow *rows;
	size_t n, cap;
	uint64_t sel;       /* 0: none yet (the first row) */
	size_t sel_pos;     /* where it was, for when the row goes away */
	size_t top;         /* first row shown */
	int sort;           /* index into the screen's sorts */
	int detail;         /* 0: the list; else the screen's detail view */
	size_t detail_top;  /* the detail's first or selected line */
};

/* A screen: one entry of the table view.c dispatches through. */
struct screen {
	const char *name;   /* in the tab bar */
	int hotkey;         /* the key that shows it */
	const char *const *sorts;  /* sort orders, NULL-terminated; or NULL */
	/* Whether sort order k means anything for m now (NULL: all do);
	 * the sort key passes over the others. */
	int (*sort_ok)(const lt_model *m, int k);
	void *(*init)(void);       /* its state (v->scr[i]), or NULL */
	void (*fini)(void *st);
	/* List screens: their rows and selection (NULL: not a list). */
	struct vlist *(*list)(const lt_view *v);
	/* Recomputes the rows from the model, before every key and frame. */
	void (*rows)(lt_view *v, const lt_model *m, const struct vtime *vt);
	/* Draws rows [y0, y1); may write the status line (last row). */
	void (*draw)(lt_view *v, const lt_model *m, const struct vtime *vt,
		     struct lt_vframe *f, int y0, int y1);
	/* A key the view did not take; returns enum lt_view_flags (0: not
	 * a key of this screen). */
	int (*key)(lt_view *v, const lt_model *m, const struct vtime *vt,
		   int key);
	/* Selects the next match of v->search (Enter in the prompt). */
	void (*find)(lt_view *v, const lt_model *m, const struct vtime *vt);
	/* A click at cell (y, x) of the last frame outside a list (Flame:
	 * a box); returns enum lt_view_flags, 0: nothing there.  May be
	 * NULL. */
	int (*click)(lt_view *v, const lt_model *m, const struct vtime *vt,
		     int y, int x);
};

extern const struct screen screen_sites, screen_threads, screen_flame,
	screen_memory, screen_help, screen_goroutines;
/* The table, indexed by enum lt_view_screen (view.c). */
const struct screen *view_screen(int s);

enum view_prompt {
	PROMPT_NONE,
	PROMPT_SEARCH,      /* / and F3 */
	PROMPT_TIME,        /* g: a time for the cursor */
};

/* The screen shown before the current one, again (Esc); on the first
 * screen nothing happens. */
void view_back(lt_view *v);

/* The message of the status line until the next key. */
void view_msg(lt_view *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The header (screens.c); returns the first row below it. */
int view_header(lt_view *v, const lt_model *m, const struct vtime *vt,
		struct lt_vframe *f);

/* --- time (vtime.c) ------------------------------------------------------ */

void view_time(const lt_view *v, const lt_model *m, struct vtime *vt);
/* Keys of the time cursor, the baseline and pause ([ ] PgUp PgDn Home
 * End < > b B space):
 * returns enum lt_view_flags, 0 for other keys. */
int vtime_key(lt_view *v, const lt_model *m, const struct vtime *vt, int key);
/* Moves the time cursor to text ("5m", "1h02m": since the start; "-30s":
 * before the newest tick; "12:03:10" or "12:03": that clock time); says
 * where, or why not, in the status line. */
void vtime_goto(lt_view *v, const lt_model *m, const char *text);

/* The goroutine samples of the window (goroutines.c): *cur at the cursor,
 * *base at the baseline (0 without one).  Returns 0 when there are none. */
int vgo_window(const lt_model *m, const struct vtime *vt, size_t *cur,
	       size_t *base);

/* --- lists (vsel.c) ------------------------------------------------------ */

void vlist_free(struct vlist *l);
/* A screen whose state is just a list: init and fini of its entry. */
void *vlist_init(void);
void vlist_fini(void *st);
/* A new zeroed row at the end. */
struct vrow *vlist_add(struct vlist *l);
/* Sorts the rows by key: 0 by id, 1 growing first then by relative slope,
 * 2 by value now, 3 by the size of the change (all descending). */
void vlist_sort(struct vlist *l, int key);
/* Index of the selected row (clamped, following the id), 0 when empty. */
size_t vlist_sel(struct vlist *l);
/* The selected row, or NULL when there are none. */
const struct vrow *vlist_sel_row(struct vlist *l);
void vlist_select(struct vlist *l, long pos);
/* Moving keys (arrows, j/k, Ctrl-B/F or Ctrl-U/D pages, n): enum
 * lt_view_flags. */
int vlist_key(lt_view *v, struct vlist *l, int key);
/* The keys of a list whose rows open a detail pane (Threads, Goroutines):
 * Enter opens the selected row's; in it, Up/Down (j/k) scroll and Enter,
 * Esc, Backspace, Left or h close it; else as vlist_key. */
int vlist_detail_key(lt_view *v, struct vlist *l, int key);
/* Lines y..y1-1 of f: stack's frames innermost first ("  #N label"), each
 * inlined function on a line of its own, the first skip lines left out
 * (the detail pane's scroll). */
void vstack_lines(struct lt_vframe *f, int y, int y1, const lt_stacktab *st,
		  size_t stack, size_t skip);
/* Selects the next row matching v->search, or says it found none. */
void vlist_find(lt_view *v, struct vlist *l);
/* Whether hay contains needle, ignoring case ("" matches nothing). */
int view_match(const char *hay, const char *needle);

/* --- tables (vtable.c) --------------------------------------------------- */

/* A column: a formatted field, or, with draw, cells drawn in place. */
struct vcol {
	const char *title;
	int width;          /* 0: takes the rest of the line */
	int flags;          /* enum vcol_flags */
	void (*fmt)(const lt_model *m, const struct vrow *r, char *buf,
		    size_t len);
	void (*draw)(lt_view *v, const lt_model *m, const struct vtime *vt,
		     struct lt_vline *l, int maxcol, const struct vrow *r,
		     int width);
	/* 0: always shown; else, when the line is too narrow for the
	 * flexible column's min, columns go highest prio first (history
	 * before evidence before numbers); those of prio VC_PRIO_SPARE and
	 * up also go so that the flexible column's text shows whole (up to
	 * 60 columns).  The sorted column stays. */
	int prio;
	int min;            /* the flexible column: the least it keeps */
	int sort;           /* 1 + the sort order (index into the screen's
			       sorts) this column shows, marked in its
			       title; 0: none */
};

#define VC_PRIO_SPARE 3

enum vcol_flags {
	VC_RIGHT = 1,       /* right-aligned */
	VC_WARN = 2,        /* styled as a warning when the row grows */
	VC_MATCH = 4,       /* styled as a match when the search matches */
	VC_RATE = 8,        /* r->slope per second in r->unit, drawn in one
			       unit for the whole column, named in its title
			       ("MiB/min"; mixed units: "RATE/min") */
};

void vc_label(const lt_model *m, const struct vrow *r, char *b, size_t n);
void vc_now(const lt_model *m, const struct vrow *r, char *b, size_t n);
void vc_delta(const lt_model *m, const struct vrow *r, char *b, size_t n);
void vc_rate(const lt_model *m, const struct vrow *r, char *b, size_t n);
void vc_trend(const lt_model *m, const struct vrow *r, char *b, size_t n);

/* Cuts s to width columns, its short form first: trailing " (...)"
 * details go, then it is cut at a word with a '~' mark. */
void vtext_fit(char *s, int width);

/* Draws l's rows as a table of columns c in rows [y0, y1), scrolled to
 * the selection, leaving out columns by priority (struct vcol). */
void vtable(lt_view *v, const lt_model *m, const struct vtime *vt,
	    struct lt_vframe *f, int y0, int y1, struct vlist *l,
	    const struct vcol *c, size_t n);
/* "WHAT at t=...; changes since ..." */
void vtable_since(lt_view *v, const struct vtime *vt, struct lt_vline *l,
		  int cols, const char *what);

/* --- lines (vframe.c) ---------------------------------------------------- */

/* Line building: text is sanitized (control and non-ASCII bytes of the
 * target's strings become '?') and cut at the frame's width. */
void vf_reset(struct lt_vframe *f, int rows, int cols);
struct lt_vline *vf_line(struct lt_vframe *f, int y);
void vf_reset_line(struct lt_vline *l);  /* empties it for a redraw */
/* Frees a scratch frame's lines (a frame made with vf_reset on a zeroed
 * struct, for text wrapped to a column); the struct is zeroed. */
void vf_free(struct lt_vframe *f);
/* Appends src's text (ASCII) and spans to dst, at dst's end. */
void vl_copy(struct lt_vline *dst, int maxcol, const struct lt_vline *src);
void vl_puts(struct lt_vline *l, int maxcol, const char *s);
/* Appends s only if all of it fits before maxcol; returns whether. */
int vl_whole(struct lt_vline *l, int maxcol, const char *s);
void vl_printf(struct lt_vline *l, int maxcol, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A glyph one column wide: utf8 unless ascii. */
void vl_glyph(struct lt_vline *l, int maxcol, int ascii, const char *utf8,
	      char fallback);
void vl_pad(struct lt_vline *l, int col);
/* Writes text word-wrapped into rows [y, y1) of f, the lines after the
 * first indented by indent, each styled; returns the rows used (a word
 * longer than a line is cut).  vf_wrap_rows: how many rows all of text
 * takes at cols. */
int vf_wrap(struct lt_vframe *f, int y, int y1, int indent, const char *text,
	    int style);
int vf_wrap_rows(int cols, int indent, const char *text);
void vl_span(struct lt_vline *l, int col, int width, int style);
/* Right-aligns s in a field of width columns. */
void vl_rjust(struct lt_vline *l, int maxcol, const char *s, int width);
/* A sparkline of metric id over ticks [from, to] in width columns. */
void vl_spark_metric(struct lt_vline *l, int maxcol, int ascii,
		     const lt_model *m, int id, size_t from, size_t to,
		     int width);
void vl_spark_values(struct lt_vline *l, int maxcol, int ascii,
		     const double *vals, const int *have, size_t n, int width);
/* The heap live bytes of site i (or, i == LT_NONE, of all sites) over
 * heap samples [kb, kc] into a sparkline of width columns (sites.c). */
void vl_spark_site(struct lt_vline *l, int maxcol, int ascii,
		   const lt_model *m, size_t i, size_t kb, size_t kc, int width);

#endif
