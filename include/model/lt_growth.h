/* Growth statistics over a time series: the least-squares slope, how steadily
 * the series follows it, and a classification that tells a leak (growth that
 * keeps going) from a cache that fills and then stops. */
#ifndef LT_GROWTH_H
#define LT_GROWTH_H

#include <stddef.h>

enum lt_trend {
	LT_TREND_UNKNOWN,   /* too few points to say */
	LT_TREND_FLAT,      /* no change beyond the noise floor */
	LT_TREND_GROWING,   /* rose beyond noise and is still rising at the end */
	LT_TREND_STEADY,    /* rose, then levelled off (a bounded cache) */
	LT_TREND_TEMPORARY, /* rose, then fell back near where it started */
	LT_TREND_FREED,     /* ended clearly below where it started */
};

struct lt_growth {
	size_t n;            /* points used */
	double duration;     /* t[n-1] - t[0], seconds */
	double start, end;   /* first and last value */
	double min, max;
	double slope;        /* least-squares slope, units per second */
	double r2;           /* coefficient of determination of that fit, 0..1 */
	double recent_slope; /* least-squares slope over the last third */
	enum lt_trend trend;
};

/* Fits v against t (n points, t increasing) and classifies the series.
 * noise is the smallest change that counts as growth.  With n < 3 the trend
 * is LT_TREND_UNKNOWN and slopes are 0 (n == 2 still gives the slope).
 * This function can't fail. */
void lt_growth_fit(const double *t, const double *v, size_t n, double noise,
		   struct lt_growth *out);

/* "growing", "steady", ...  This function can't fail. */
const char *lt_growth_trend_name(enum lt_trend trend);

#endif
