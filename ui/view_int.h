/* Internals shared by the view model's files (ui/view.c, ui/vframe.c,
 * ui/screens.c, ui/flame.c).  Not a public interface. */
#ifndef LT_VIEW_INT_H
#define LT_VIEW_INT_H

#include <math.h>

#include "lt_view.h"

#define QUERY_MAX 64

/* Per list screen: the selection is a row id, never a position. */
struct listst {
	uint64_t sel;      /* 0: none yet (the first row) */
	size_t sel_pos;    /* where it was, for when the row goes away */
	size_t top;        /* first row shown */
	int sort;
};

/* One row of a list screen, with the numbers it is sorted and drawn by. */
struct vrow {
	uint64_t id;
	double now, delta, slope, rel;
	int trend;          /* enum lt_trend */
	int unit;           /* enum lt_unit */
	char label[160];    /* what search matches */
};

/* A node of the flame tree: the frames of stacks, outermost at the top. */
struct fnode {
	size_t frame;       /* lt_stacktab frame, LT_NONE for the root */
	size_t parent, child, next; /* indexes, LT_NONE when absent */
	int depth;
	double weight;
};

struct flame {
	struct fnode *n;
	size_t count, cap;
	int mode;           /* what the tree was built from: enum flame_mode */
};

/* What the flame graph's widths are. */
enum flame_mode {
	FL_AUTO,            /* heap bytes when there are heap sites, else threads */
	FL_HEAP,            /* live heap bytes at the cursor */
	FL_GROWTH,          /* heap bytes gained since the baseline */
	FL_THREADS,         /* threads at the cursor */
	FL_COUNT
};

struct lt_view {
	int screen;
	int live, ascii, paused;
	char ended[96];     /* why a live session ended, or "" */
	char *output;
	/* Moments as session seconds, so they survive the model dropping old
	 * ticks; NAN: the cursor follows the latest tick / no baseline. */
	double cursor_t, base_t;
	struct listst list[LT_SCR_COUNT];
	int detail;         /* threads: the selected group's stack is open */
	size_t detail_top;
	int prompt;         /* typing a search */
	char query[QUERY_MAX], search[QUERY_MAX];
	/* Flame: zoom root and selection as frame paths from the root. */
	size_t *zoom, *fsel;
	size_t nzoom, nfsel, zcap, scap;
	char msg[256];
	int body_rows;      /* rows of the list area at the last render */
	struct vrow *rows;
	size_t nrows, rcap;
	struct flame fl;
	struct lt_vframe frame;
	int touched;        /* a key was pressed: no more automatic screen */
	int fmode;          /* flame weight: enum flame_mode */
	/* Sites: the ranking of the last window, reused until the heap
	 * samples, the window or the sort change (100,000 sites rank in
	 * tens of ms; a redraw must not pay that). */
	size_t *sorder;
	struct lt_growth *sgrowth;
	size_t scount, sns, sfrom, sto;
	int ssort;
	/* Sites detail: 1 the stack (detail_top is the selected line), 2 the
	 * source around that line's frame. */
	char *src_path;     /* the file shown, as resolved */
	int src_line;
	char **src_text;    /* the lines around src_line */
	int src_first, src_n;
	char src_err[600];
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

void view_time(const lt_view *v, const lt_model *m, struct vtime *vt);

/* Rows of the current list screen (memory or threads), sorted. */
void view_rows(lt_view *v, const lt_model *m, const struct vtime *vt);
/* Index of the selected row in v->rows (clamped), 0 when empty. */
size_t view_sel_index(lt_view *v);
int view_match(const char *hay, const char *needle);

/* Line building: text is sanitized (control and non-ASCII bytes of the
 * target's strings become '?') and cut at the frame's width. */
void vf_reset(struct lt_vframe *f, int rows, int cols);
struct lt_vline *vf_line(struct lt_vframe *f, int y);
void vl_puts(struct lt_vline *l, int maxcol, const char *s);
void vl_printf(struct lt_vline *l, int maxcol, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A glyph one column wide: utf8 unless ascii. */
void vl_glyph(struct lt_vline *l, int maxcol, int ascii, const char *utf8,
	      char fallback);
void vl_pad(struct lt_vline *l, int col);
void vl_span(struct lt_vline *l, int col, int width, int style);
/* Right-aligns s in a field of width columns. */
void vl_rjust(struct lt_vline *l, int maxcol, const char *s, int width);
/* A sparkline of metric id over ticks [from, to] in width columns. */
void vl_spark_metric(struct lt_vline *l, int maxcol, int ascii,
		     const lt_model *m, int id, size_t from, size_t to,
		     int width);
void vl_spark_values(struct lt_vline *l, int maxcol, int ascii,
		     const double *vals, const int *have, size_t n, int width);

/* Screens (ui/screens.c, ui/flame.c): each draws rows [y0, y1). */
int screen_header(lt_view *v, const lt_model *m, const struct vtime *vt,
		  struct lt_vframe *f);
void screen_memory(lt_view *v, const lt_model *m, const struct vtime *vt,
		   struct lt_vframe *f, int y0, int y1);
void screen_threads(lt_view *v, const lt_model *m, const struct vtime *vt,
		    struct lt_vframe *f, int y0, int y1);
void screen_sites(lt_view *v, const lt_model *m, const struct vtime *vt,
		  struct lt_vframe *f, int y0, int y1);
/* Sites (ui/sites.c): rows of the top-ranked sites, keys of the stack and
 * source views, and the lines of a stack as the detail view lists them. */
void site_rows(lt_view *v, const lt_model *m, const struct vtime *vt);
int sites_key(lt_view *v, const lt_model *m, int key);
void sites_free(lt_view *v);
void site_detail(lt_view *v, const lt_model *m, struct lt_vframe *f,
		 int y0, int y1);
/* The heap live bytes of site i (or, i == LT_NONE, of all sites) over
 * heap samples [kb, kc] into a sparkline of width columns. */
void vl_spark_site(struct lt_vline *l, int maxcol, int ascii,
		   const lt_model *m, size_t i, size_t kb, size_t kc, int width);
void screen_help(lt_view *v, struct lt_vframe *f, int y0, int y1);
void screen_flame(lt_view *v, const lt_model *m, const struct vtime *vt,
		  struct lt_vframe *f, int y0, int y1);
/* The flame graph's weight now (resolving FL_AUTO). */
int flame_mode(const lt_view *v, const lt_model *m);
/* Flame keys; returns enum lt_view_flags (0: not a flame key). */
int flame_key(lt_view *v, const lt_model *m, int key);
void flame_free(struct flame *fl);

const char *view_sort_name(const lt_view *v);
int view_sort_count(int screen);

#endif
