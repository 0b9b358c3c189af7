#include "lt_fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lt_metric.h"

#define KiB 1024.0
#define MiB (1024.0 * 1024.0)

/* A non-negative magnitude with as many digits as a human reads at a glance:
 * one decimal below 100 (dropped when it is ".0"), none above, scientific
 * only where fixed notation would print a wall of digits or zeros. */
static void magnitude(double a, char *buf, size_t len)
{
	size_t n;

	if (a == 0) {
		snprintf(buf, len, "0");
	} else if (a >= 1e15) {
		snprintf(buf, len, "%.3g", a);
	} else if (a >= 99.95) {
		snprintf(buf, len, "%.0f", a);
	} else if (a >= 0.095) {
		snprintf(buf, len, "%.1f", a);
		n = strlen(buf);
		if (n > 2 && strcmp(buf + n - 2, ".0") == 0)
			buf[n - 2] = '\0';
	} else {
		snprintf(buf, len, "%.2g", a);
	}
}

static int is_zero_text(const char *s)
{
	return strspn(s, "0.") == strlen(s);
}

/* Magnitude of bytes with its binary unit, no sign. */
static void bytes_abs(double a, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	size_t u = 0;
	char num[64];

	/* 1023.5 and up would round to "1024": show the next unit instead. */
	while (a >= 1023.5 && u + 1 < sizeof(units) / sizeof(units[0])) {
		a /= 1024.0;
		u++;
	}
	magnitude(a, num, sizeof(num));
	snprintf(buf, len, "%s %s", num, units[u]);
}

char *lt_fmt_bytes(double bytes, char *buf, size_t len)
{
	char abs[96];

	if (!len)
		return buf;
	if (!isfinite(bytes)) {
		snprintf(buf, len, "?");
		return buf;
	}
	bytes_abs(fabs(bytes), abs, sizeof(abs));
	snprintf(buf, len, "%s%s",
		 bytes < 0 && !is_zero_text(abs) ? "-" : "", abs);
	return buf;
}

char *lt_fmt_value(double v, int unit, char *buf, size_t len)
{
	char num[64];

	if (unit == LT_UNIT_BYTES)
		return lt_fmt_bytes(v, buf, len);
	if (!len)
		return buf;
	if (!isfinite(v)) {
		snprintf(buf, len, "?");
		return buf;
	}
	magnitude(fabs(v), num, sizeof(num));
	snprintf(buf, len, "%s%s", v < 0 && !is_zero_text(num) ? "-" : "",
		 num);
	return buf;
}

char *lt_fmt_rate(double per_second, int unit, char *buf, size_t len)
{
	/* Per second, per minute or per hour, whichever is the shortest
	 * period in which the amount, as printed, reaches one unit (one MiB
	 * for bytes: "+12 MiB/min" reads better than "+205 KiB/s").  "As
	 * printed" keeps 0.99 threads a second "+1/s", not "+59.6/min". */
	static const struct {
		const char *name;
		double seconds;
	} periods[] = {{"s", 1}, {"min", 60}, {"h", 3600}};
	double a = fabs(per_second);
	double one = unit == LT_UNIT_BYTES ? 1023.5 * KiB : 0.95;
	double zero = unit == LT_UNIT_BYTES ? 1 : 0.01; /* per hour */
	size_t p = 0;
	char num[96];

	if (!len)
		return buf;
	if (!isfinite(per_second)) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (a * 3600 < zero) {
		snprintf(buf, len, unit == LT_UNIT_BYTES ? "+0 B/s" : "+0/s");
		return buf;
	}
	while (p + 1 < sizeof(periods) / sizeof(periods[0]) &&
	       a * periods[p].seconds < one)
		p++;
	a *= periods[p].seconds;
	if (unit == LT_UNIT_BYTES)
		bytes_abs(a, num, sizeof(num));
	else
		magnitude(a, num, sizeof(num));
	snprintf(buf, len, "%c%s/%s", per_second < 0 ? '-' : '+', num,
		 periods[p].name);
	return buf;
}

char *lt_fmt_duration(double seconds, char *buf, size_t len)
{
	const char *sign = seconds < 0 ? "-" : "";
	double a = fabs(seconds);
	long long r, h, m, s;

	if (!len)
		return buf;
	if (!isfinite(seconds)) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (a == 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	if (a < 0.995) {
		snprintf(buf, len, "%s%.2gs", sign, a);
		return buf;
	}
	if (a < 9.95 && fabs(a - round(a)) >= 0.05) {
		snprintf(buf, len, "%s%.1fs", sign, a);
		return buf;
	}
	if (a >= 1e12) { /* beyond any session; llround would overflow */
		snprintf(buf, len, "%s%.3gs", sign, a);
		return buf;
	}
	r = llround(a);
	h = r / 3600;
	m = r % 3600 / 60;
	s = r % 60;
	if (h)
		snprintf(buf, len, "%s%lldh%02lldm%02llds", sign, h, m, s);
	else if (m)
		snprintf(buf, len, "%s%lldm%02llds", sign, m, s);
	else
		snprintf(buf, len, "%s%llds", sign, s);
	return buf;
}
