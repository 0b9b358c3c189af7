/* Verdicts: plain sentences that say what grows and what does not, derived
 * from the model's growth statistics.  Report prints them; the UI's Memory
 * screen shows the same lines. */
#ifndef LT_VERDICT_H
#define LT_VERDICT_H

#include <stddef.h>

#include "lt_diag.h"
#include "lt_model.h"

enum lt_verdict_kind {
	LT_VERDICT_INFO,    /* nothing wrong, or context */
	LT_VERDICT_WARN,    /* something grows */
};

struct lt_verdict {
	enum lt_verdict_kind kind;
	char text[256];
};

/* Computes up to max verdicts over the whole session in m, most important
 * first, and returns how many were written.  A session with too few ticks
 * yields one line saying so.  This function can't fail. */
size_t lt_verdict_compute(const lt_model *m, struct lt_verdict *out,
			  size_t max);
/* The same with heap rows diagnosed with dopt (NULL: "your code"). */
size_t lt_verdict_compute_with(const lt_model *m, const struct lt_diag_opts *dopt,
			       struct lt_verdict *out, size_t max);

/* The top heap leak as one line ("client_new (client.c:9) +1.0 MiB/s,
 * 0 of 40 samples freed, oldest 38s") into buf, for the line above the
 * Sites screen; returns 0 when no row is growing (buf then says why:
 * "no heap row grows" or "collecting samples"). */
int lt_verdict_top_leak(const lt_model *m, const struct lt_diag_opts *dopt,
			size_t from, size_t to, char *buf, size_t len);
/* The same from rows already diagnosed with dopt (lt_diag_rows). */
int lt_verdict_leak_line(const lt_model *m, const struct lt_diag_opts *dopt,
			 const struct lt_diag_row *rows, size_t n, char *buf,
			 size_t len);

/* The heap data a session lost, in words: "N samples dropped (the
 * agent's tables were full): live bytes understated by up to X", when the
 * agent dropped any.  Returns 1 with buf filled, 0 when nothing was lost.
 * This function can't fail. */
int lt_verdict_heap_loss(const lt_model *m, char *buf, size_t len);

#endif
