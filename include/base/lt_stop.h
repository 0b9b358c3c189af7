/* The stop signals: SIGINT, SIGTERM and SIGHUP end a session cleanly.
 *
 * They are blocked all the time except inside lt_stop_wait (a ppoll), so
 * one never lands in the middle of a tick, a redraw or an injection: the
 * tick under way is committed, then the loop sees the signal and ends.
 * SIGPIPE is ignored: a closed stdout or socket must not kill a session.
 * The state is process-wide (a signal is), set up once. */
#ifndef LT_STOP_H
#define LT_STOP_H

#include <poll.h>

/* Installs the stop signals' handler, blocks them and ignores SIGPIPE.
 * Call it before anything that must not be interrupted (creating the
 * session file, loading the agent).  Calling it again changes nothing.
 * This function can't fail. */
void lt_stop_setup(void);

/* Waits, with the stop signals let through, until the monotonic moment
 * `until`, a stop signal, or one of the n descriptors of fds (may be NULL
 * when n is 0) being ready.  Returns at once if a stop signal was caught
 * already.  Returns the number of ready descriptors (revents set, as
 * ppoll), 0 on time-out or a signal, -1 on a poll error (errno set).
 * Sets the stop signals up first if that has not been done. */
int lt_stop_wait(struct pollfd *fds, nfds_t n, double until);

/* The stop signal caught (SIGINT, SIGTERM, SIGHUP), or 0.  It stays
 * caught until lt_stop_clear, so every loop after the first sees it too.
 * *from_process (may be NULL) says whether a process sent it (kill,
 * sigqueue) rather than the kernel for the terminal (Ctrl-C, hang-up).
 * This function can't fail. */
int lt_stop_caught(int *from_process);

/* Forgets the caught signal (`run` has passed it on to its child and
 * goes on).  This function can't fail. */
void lt_stop_clear(void);

/* For a child between fork and exec: the stop signals and SIGPIPE back to
 * their default action and the signal mask as it was before
 * lt_stop_setup.  Async-signal-safe.  This function can't fail. */
void lt_stop_reset(void);

#endif
