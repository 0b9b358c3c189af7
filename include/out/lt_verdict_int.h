/* Internal to the verdicts (src/out/verdict*.c): the list being written
 * and the calls that add a line to it and say what the line is about.
 * Nothing outside those files includes this header. */
#ifndef LT_VERDICT_INT_H
#define LT_VERDICT_INT_H

#include "lt_growth.h"
#include "lt_verdict.h"

/* More than any session produces; lines beyond it are dropped. */
#define LT_VERDICT_MAX_LINES 32

struct lt_verdict_ctx {
	struct lt_growth g[LT_M_COUNT]; /* every metric over the session */
	struct lt_verdict line[LT_VERDICT_MAX_LINES];
	size_t n;
	int dropped;    /* the last line did not fit: tag nothing */
};

/* Adds a line of kind (topic "other", no rate, no stack). */
void lt_verdict_say(struct lt_verdict_ctx *c, enum lt_verdict_kind kind,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* What the line just said is about (see struct lt_verdict); metric's
 * slope is its rate when metric >= 0.  Nothing when it did not fit. */
void lt_verdict_tag(struct lt_verdict_ctx *c, enum lt_verdict_topic topic,
		    int metric);
/* The same for a line that names a row, group or site (stack, or
 * LT_NONE) with a rate of its own in unit. */
void lt_verdict_tag_at(struct lt_verdict_ctx *c, enum lt_verdict_topic topic,
		       int unit, double rate, size_t stack);

/* Thread groups and goroutine groups that keep growing (verdict_groups.c). */
void lt_verdict_thread_groups(struct lt_verdict_ctx *c, const lt_model *m);
void lt_verdict_goroutine_groups(struct lt_verdict_ctx *c, const lt_model *m);

#endif
