/* The session driver (lt_driver.h). */
#include "lt_driver.h"

#include <poll.h>
#include <stddef.h>

#include "lt_clock.h"
#include "lt_stop.h"

int lt_driver_tick(lt_session *s, struct lt_end *end)
{
	lt_err err = {0};
	int rc = lt_session_tick(s, &err);

	if (rc == 0)
		return 0;
	if (rc < 0)
		lt_end_error(end, &err);
	else
		*end = *lt_session_end(s);
	return 1;
}

/* Whether a caught stop signal ends the session (then *end says so); a
 * signal the hooks take is forgotten. */
static int stop_ends(const struct lt_driver_hooks *h, struct lt_end *end)
{
	int from_process, sig = lt_stop_caught(&from_process);

	if (!sig)
		return 0;
	if (h && h->on_signal && !h->on_signal(h->ctx, sig, from_process)) {
		lt_stop_clear();
		return 0;
	}
	lt_end_signal(end, sig);
	return 1;
}

/* Waits until the next tick is due or the target exits (then the tick is
 * taken at once and sees it).  Returns 1 when a stop signal ends the
 * session. */
static int wait_next(lt_session *s, const struct lt_driver_hooks *h,
		     struct lt_end *end)
{
	double deadline = lt_session_next_deadline(s);
	int rc;

	for (;;) {
		/* Negative descriptors are left out by ppoll. */
		struct pollfd pfd[2] = {{.fd = lt_session_pidfd(s), .events = POLLIN},
					{.fd = lt_session_data_fd(s), .events = POLLIN}};

		if (stop_ends(h, end))
			return 1;
		if (lt_clock_mono() >= deadline)
			return 0;
		rc = lt_stop_wait(pfd, 2, deadline);
		if (h && h->on_wake)
			h->on_wake(h->ctx);
		if (rc > 0 && pfd[1].revents && !pfd[0].revents) {
			/* The agent's reports, read as they come. */
			lt_session_pump(s);
			continue;
		}
		/* The target exited, or a poll error that cannot be waited
		 * out: tick, rather than spin. */
		if (rc != 0)
			return 0;
	}
}

void lt_driver_run(lt_session *s, unsigned max_ticks,
		   const struct lt_driver_hooks *hooks, struct lt_end *end)
{
	unsigned ticks = 0;

	lt_stop_setup();
	for (;;) {
		if (lt_driver_tick(s, end))
			return;
		if (max_ticks && ++ticks >= max_ticks) {
			lt_end_set(end, LT_END_ITERATIONS);
			return;
		}
		if (wait_next(s, hooks, end))
			return;
	}
}
