/* The session driver: the one loop that ticks an lt_session.
 *
 * It owns the rhythm (ticks at the session's deadlines on the one clock),
 * the stop signals (lt_stop.h: blocked except while waiting, so they never
 * land mid-tick), the target's pidfd (a target that exits is ticked at
 * once, so the session sees it) and the end reason (struct lt_end, never
 * text).  `record`, `run` and the live dump run it headless; the terminal
 * UI has a loop of its own for keys and redraws, and gets its ticks from
 * lt_driver_tick through its lt_ui_source callbacks. */
#ifndef LT_DRIVER_H
#define LT_DRIVER_H

#include "lt_end.h"
#include "lt_session.h"

/* What a command adds to the loop.  Every member may be NULL. */
struct lt_driver_hooks {
	void *ctx;
	/* A stop signal arrived (from_process: sent by a process, not by
	 * the terminal).  Return 1 to end the session with it, 0 to forget
	 * it and go on (`run` passes it on to its child and records until
	 * the child exits).  NULL: every stop signal ends the session. */
	int (*on_signal)(void *ctx, int sig, int from_process);
	/* Called after every wait, before the next tick (`run` reaps its
	 * child here, so that the tick finds it gone). */
	void (*on_wake)(void *ctx);
};

/* Takes one tick of s.  Returns 0 while the session runs, or 1 when it
 * has ended (by itself: duration, target exited; or on an error) with
 * *end saying how.  Fits lt_ui_source's tick. */
int lt_driver_tick(lt_session *s, struct lt_end *end);

/* Runs s headless: a tick at every deadline until the session ends by
 * itself or on an error, a stop signal ends it (see hooks; NULL for none),
 * or max_ticks ticks have been taken (0: no limit; the end is then
 * LT_END_ITERATIONS).  Sets the stop signals up if that has not been done
 * (do it before lt_session_open).  *end says how it ended; the caller
 * closes the session with it.  This function can't fail: an error is an
 * end (LT_END_ERROR). */
void lt_driver_run(lt_session *s, unsigned max_ticks,
		   const struct lt_driver_hooks *hooks, struct lt_end *end);

#endif
