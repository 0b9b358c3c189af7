/* Glue from sources to the model: turns what a sampler captured (raw PCs,
 * thread states) into the model's frames, stacks and groups.  Symbolizing
 * happens here, after the sampler has let every thread run again. */
#ifndef LT_COLLECT_H
#define LT_COLLECT_H

#include "lt_model.h"
#include "lt_symbols.h"
#include "lt_threads.h"

/* Adds one thread sample taken at t (seconds since the session start) to
 * m's thread groups, symbolizing PCs not seen before with sym (which may be
 * NULL: frames are then kept as bare addresses).  Threads whose stack is
 * stale (not reached this tick) are grouped by their last known stack.
 * This function can't fail. */
void lt_collect_threads(lt_model *m, lt_symbols *sym,
			const struct lt_thread_tick *tt, double t);

#endif
