#include "lt_duration.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	double seconds;
} units[] = {
	/* Longest names first so "ms" and "min" win over "m". */
	{"min", 60}, {"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600},
	{"d", 86400},
};

static int unit_len(const char *p, double *mult)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].name);

		if (strncmp(p, units[i].name, n) == 0 && !isalpha((unsigned char)p[n])) {
			*mult = units[i].seconds;
			return (int)n;
		}
	}
	return 0;
}

int lt_duration_parse(const char *text, const char *what, double *seconds,
		      lt_err *err)
{
	const char *p = text;
	double total = 0;
	int groups = 0;

	if (!text || !*text) {
		lt_err_set(err, LT_EXIT_USAGE, "invalid %s '': empty", what);
		return -1;
	}
	while (*p) {
		char *end;
		double v, mult;
		int n;

		/* strtod alone would accept signs, hex, exponents, inf and
		 * nan: only plain decimals reach it. */
		size_t span = strspn(p, "0123456789.");
		char num[32];

		if (span == 0 || span >= sizeof(num) ||
		    memchr(p, '.', span) != memrchr(p, '.', span))
			goto bad;
		memcpy(num, p, span);
		num[span] = '\0';
		errno = 0;
		v = strtod(num, &end);
		if (*end || errno == ERANGE || !isfinite(v))
			goto bad;
		p += span;
		if (!*p) {
			if (groups > 0)
				goto bad; /* "1m30" is ambiguous */
			total = v;
			groups++;
			break;
		}
		n = unit_len(p, &mult);
		if (!n)
			goto bad;
		total += v * mult;
		p += n;
		groups++;
	}
	if (!isfinite(total) || total > 1e9)
		goto bad;
	*seconds = total;
	return 0;
bad:
	lt_err_set(err, LT_EXIT_USAGE,
		   "invalid %s '%s': use a number with a unit, e.g. 500ms, 10s, 5m, 1h30m",
		   what, text);
	return -1;
}
