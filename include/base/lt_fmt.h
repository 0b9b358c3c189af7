/* Human formatting of sizes, counts, rates and durations, shared by report
 * and UI.  Each writes into buf (always NUL-terminated) and returns buf. */
#ifndef LT_FMT_H
#define LT_FMT_H

#include <stddef.h>

/* 1536 -> "1.5 KiB"; negative values keep their sign. */
char *lt_fmt_bytes(double bytes, char *buf, size_t len);
/* A value of unit LT_UNIT_BYTES or LT_UNIT_COUNT. */
char *lt_fmt_value(double v, int unit, char *buf, size_t len);
/* A signed rate per second in the most readable period:
 * "+96 MiB/min", "+5/s", "-1.2 KiB/s".  unit as above. */
char *lt_fmt_rate(double per_second, int unit, char *buf, size_t len);
/* 3725 s -> "1h02m05s". */
char *lt_fmt_duration(double seconds, char *buf, size_t len);

#endif
