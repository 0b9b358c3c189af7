/* The one clock (lt_clock.h). */
#include "lt_clock.h"

double lt_clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t lt_clock_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct timespec lt_clock_until(double until)
{
	double left = until - lt_clock_mono();
	struct timespec ts = {0, 0};

	/* NaN and the past both mean "now". */
	if (!(left > 0))
		return ts;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000)
		ts.tv_nsec = 999999999;
	return ts;
}
