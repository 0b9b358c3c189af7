/* Parsing of the durations and moments users type: "500ms", "10s", "5m",
 * "1h30m", "2.5s", or a plain number of seconds. */
#ifndef LT_DURATION_H
#define LT_DURATION_H

#include "lt_err.h"

/* Parses text into *seconds.  Accepts one or more <number><unit> groups
 * (units ms, s, m or min, h, d) or a single plain non-negative number
 * (seconds).  Fails with LT_EXIT_USAGE for empty text, a negative or
 * non-finite number, an unknown unit, or trailing garbage; *seconds is then
 * unchanged.  what names the option in the message ("duration",
 * "interval"). */
int lt_duration_parse(const char *text, const char *what, double *seconds,
		      lt_err *err);

#endif
