/* The one clock of leaktop.  Deadlines, tick times and waits are all
 * monotonic seconds, so a wall-clock step (NTP, a user's `date -s`) never
 * shortens or stretches a session; only what is written down as a moment
 * (start and end times, per-tick wall time) is wall time. */
#ifndef LT_CLOCK_H
#define LT_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC.  This function can't fail. */
double lt_clock_mono(void);

/* Nanoseconds since the epoch on CLOCK_REALTIME.  This function can't
 * fail. */
int64_t lt_clock_wall_ns(void);

/* The time left until the monotonic moment `until`, as a timespec for
 * ppoll or nanosleep: zero when it has passed.  This function can't fail. */
struct timespec lt_clock_until(double until);

#endif
