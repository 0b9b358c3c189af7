/* Verdicts: plain sentences that say what grows and what does not, derived
 * from the model's growth statistics.  Report prints them; the UI's Memory
 * screen shows the same lines. */
#ifndef LT_VERDICT_H
#define LT_VERDICT_H

#include <stddef.h>

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

#endif
