/* target.h: what the test targets in tests/targets/ share.
 *
 * Each target is built from its own .c file alone (see the Makefile), so
 * this header holds static inline functions only: a target that does not
 * use one gets no "unused" warning and no code for it.
 *
 * Shared behaviour, which every target's header comment documents:
 *   - optional numeric arguments by position, with defaults;
 *   - "usage: ..." on stderr and exit status 2 for bad arguments;
 *   - exit 0 on SIGTERM, SIGINT or SIGHUP, and by itself after MAX_SECONDS
 *     (an alarm), so a forgotten target cannot run for ever;
 *   - status lines on stdout, flushed at once, so a test can read them
 *     while the target runs;
 *   - sleeping that restarts when interrupted, and fixed-rate steps that do
 *     not drift;
 *   - detached helper threads that never receive the stop signals.
 */
#ifndef LT_TEST_TARGET_H
#define LT_TEST_TARGET_H

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- arguments -------------------------------------------------------- */

/* argv[i] as a number (atof), or dflt when there are fewer arguments. */
static inline double target_arg_double(int argc, char **argv, int i, double dflt)
{
	return argc > i ? atof(argv[i]) : dflt;
}

/* argv[i] as a whole number (atol), or dflt when there are fewer. */
static inline long target_arg_long(int argc, char **argv, int i, long dflt)
{
	return argc > i ? atol(argv[i]) : dflt;
}

/* argv[i] as MAX_SECONDS, or dflt.  Garbage gives 0, which every target
 * rejects as a usage error. */
static inline unsigned target_arg_seconds(int argc, char **argv, int i, unsigned dflt)
{
	return argc > i ? (unsigned)atoi(argv[i]) : dflt;
}

/* Prints "usage: SYNOPSIS" on stderr; returns 2, the exit status for it. */
static inline int target_usage(const char *synopsis)
{
	fprintf(stderr, "usage: %s\n", synopsis);
	return 2;
}

/* --- stopping --------------------------------------------------------- */

static void (*target_before_exit)(void);

static inline void target_on_stop(int sig)
{
	(void)sig;
	if (target_before_exit)
		target_before_exit();
	_exit(0);
}

/* Makes SIGTERM, SIGINT, SIGHUP and, after max_seconds, SIGALRM end the
 * process with status 0.  before_exit (may be NULL) runs first, in the
 * signal handler, so it must be async-signal-safe: unlink, waitpid. */
static inline void target_stop_on_signals(unsigned max_seconds, void (*before_exit)(void))
{
	struct sigaction sa;

	target_before_exit = before_exit;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = target_on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm(max_seconds);
}

/* --- output ----------------------------------------------------------- */

/* printf to stdout, flushed at once: a test reads it while we run. */
__attribute__((format(printf, 1, 2)))
static inline void target_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* The first line of most targets: "started PID". */
static inline void target_say_started(void)
{
	target_say("started %d\n", (int)getpid());
}

/* --- time ------------------------------------------------------------- */

/* Seconds on the monotonic clock. */
static inline double target_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps ms milliseconds, also when a signal interrupts the sleep. */
static inline void target_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Paces a loop at steps_per_sec steps a second: each wait ends one step
 * after the previous one ended, however long the work in between took, so
 * rates stay exact over a run. */
struct target_pace {
	struct timespec next;
	long step_ns;
};

static inline void target_pace_start(struct target_pace *p, long steps_per_sec)
{
	p->step_ns = 1000000000L / steps_per_sec;
	clock_gettime(CLOCK_MONOTONIC, &p->next);
}

static inline void target_pace_wait(struct target_pace *p)
{
	p->next.tv_nsec += p->step_ns;
	while (p->next.tv_nsec >= 1000000000L) {
		p->next.tv_nsec -= 1000000000L;
		p->next.tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &p->next, NULL) != 0)
		;
}

/* --- threads ---------------------------------------------------------- */

/* Starts fn(arg) in a detached thread with a 64 KiB stack.  The new thread
 * blocks every signal, so the stop signals always reach the main thread.
 * Returns pthread_create's result (0 on success). */
static inline int target_spawn(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&t, &attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

#endif
