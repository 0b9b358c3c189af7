#include "lt_growth.h"

#include <string.h>

/* Classification thresholds.  A series is still growing when, over the last
 * third of its points, it rose by at least half the noise floor and by at
 * least RECENT_FRACTION of what the overall slope predicts for that stretch,
 * and the whole window follows a line at least R2_MIN well.  The fraction
 * tells a cache that filled and stopped (recent rise near 0) from a leak
 * that slows a little; r2 keeps an oscillation without trend (a sawtooth,
 * whose last teeth always have a positive local slope) from looking like
 * one.  A sawtooth whose floor rises (a collected heap that leaks) is
 * GROWING when the floor's rise over the last third is at least comparable
 * to one tooth; with teeth far taller than that, the answer depends on the
 * phase the window ends in, and a longer window settles it. */
#define RECENT_FRACTION 0.3
#define RECENT_NOISE_FRACTION 0.5
#define R2_MIN 0.3

struct fit {
	double slope, r2;
};

/* Least squares of v on t over n >= 2 points.  Values are shifted by the
 * first point and then centred before any product is summed, so series of
 * 1e15 bytes keep their small changes. */
static struct fit least_squares(const double *t, const double *v, size_t n)
{
	struct fit f = {0, 0};
	double mt = 0, mv = 0, sxx = 0, sxy = 0, syy = 0;

	for (size_t i = 0; i < n; i++) {
		mt += t[i] - t[0];
		mv += v[i] - v[0];
	}
	mt /= (double)n;
	mv /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double dt = t[i] - t[0] - mt, dv = v[i] - v[0] - mv;

		sxx += dt * dt;
		sxy += dt * dv;
		syy += dv * dv;
	}
	if (syy == 0) {
		f.r2 = 1; /* constant: the (flat) line fits exactly */
		return f;
	}
	if (sxx == 0) /* every point at the same time: no slope */
		return f;
	f.slope = sxy / sxx;
	f.r2 = sxy * sxy / (sxx * syy);
	if (f.r2 > 1)
		f.r2 = 1;
	return f;
}

static int still_rising(const struct lt_growth *g, const double *t, size_t k,
			double noise)
{
	double span = t[g->n - 1] - t[g->n - k];
	double rise = g->recent_slope * span;

	return g->slope > 0 && g->r2 >= R2_MIN &&
	       rise >= RECENT_NOISE_FRACTION * noise &&
	       rise >= RECENT_FRACTION * g->slope * span && rise > 0;
}

static enum lt_trend classify(const struct lt_growth *g, const double *t,
			      size_t k, double noise)
{
	if (g->n < 3)
		return LT_TREND_UNKNOWN;
	if (g->max == g->min || g->max - g->min < noise)
		return LT_TREND_FLAT;
	if (g->start - g->end >= noise)
		return LT_TREND_FREED;
	if (g->end - g->start >= noise)
		return still_rising(g, t, k, noise) ? LT_TREND_GROWING
						    : LT_TREND_STEADY;
	if (g->max - g->start >= noise)
		return LT_TREND_TEMPORARY;
	/* Only dipped below the start and came back: nothing was held. */
	return LT_TREND_FLAT;
}

void lt_growth_fit(const double *t, const double *v, size_t n, double noise,
		   struct lt_growth *out)
{
	struct fit f;
	size_t k;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n == 0)
		return;
	out->start = out->min = out->max = v[0];
	out->end = v[n - 1];
	out->duration = t[n - 1] - t[0];
	for (size_t i = 1; i < n; i++) {
		if (v[i] < out->min)
			out->min = v[i];
		if (v[i] > out->max)
			out->max = v[i];
	}
	if (n >= 2) {
		f = least_squares(t, v, n);
		out->slope = f.slope;
		out->r2 = f.r2;
	}
	if (n < 3) {
		out->trend = LT_TREND_UNKNOWN;
		return;
	}
	k = (n + 2) / 3; /* the last third, rounded up, at least 2 points */
	if (k < 2)
		k = 2;
	out->recent_slope = least_squares(t + n - k, v + n - k, k).slope;
	out->trend = classify(out, t, k, noise);
}

const char *lt_growth_trend_name(enum lt_trend trend)
{
	switch (trend) {
	case LT_TREND_UNKNOWN:
		return "unknown";
	case LT_TREND_FLAT:
		return "flat";
	case LT_TREND_GROWING:
		return "growing";
	case LT_TREND_STEADY:
		return "steady";
	case LT_TREND_TEMPORARY:
		return "temporary";
	case LT_TREND_FREED:
		return "freed";
	}
	return "unknown";
}
