/* The stop signals (lt_stop.h). */
#include "lt_stop.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include "lt_clock.h"

static const int stops[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOPS (sizeof(stops) / sizeof(stops[0]))

static volatile sig_atomic_t caught, caught_from_process;
static sigset_t wait_mask;   /* the mask inside ppoll: stops let through */
static sigset_t first_mask;  /* the mask before lt_stop_setup */
static int ready;

static void on_stop(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* si_code <= 0: kill, sigqueue, tgkill; the kernel's own (a
	 * terminal key, a hang-up) are positive. */
	caught_from_process = si && si->si_code <= 0;
	caught = sig;
}

void lt_stop_setup(void)
{
	struct sigaction sa = {0};
	sigset_t block, old;

	if (ready)
		return;
	sa.sa_sigaction = on_stop;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < NSTOPS; i++) {
		sigaction(stops[i], &sa, NULL);
		sigaddset(&block, stops[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &block, &old);
	first_mask = old;
	wait_mask = old;
	for (size_t i = 0; i < NSTOPS; i++)
		sigdelset(&wait_mask, stops[i]);
	ready = 1;
}

int lt_stop_wait(struct pollfd *fds, nfds_t n, double until)
{
	struct timespec ts;
	int rc;

	lt_stop_setup();
	if (caught)
		return 0;
	ts = lt_clock_until(until);
	rc = ppoll(fds, n, &ts, &wait_mask);
	if (rc < 0 && errno == EINTR)
		return 0;
	return rc;
}

int lt_stop_caught(int *from_process)
{
	if (from_process)
		*from_process = caught ? caught_from_process : 0;
	return caught;
}

void lt_stop_clear(void)
{
	caught = 0;
	caught_from_process = 0;
}

void lt_stop_reset(void)
{
	for (size_t i = 0; i < NSTOPS; i++)
		signal(stops[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (ready)
		sigprocmask(SIG_SETMASK, &first_mask, NULL);
}
