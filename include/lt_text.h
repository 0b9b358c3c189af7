/* Bounded parsing of text the target controls (/proc and cgroup files):
 * lines that may be cut short and numbers that may not fit. */
#ifndef LT_TEXT_H
#define LT_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* A cursor over buf[0..len): initialise as {buf, buf + len}. */
struct lt_lines {
	const char *p, *end;
};

/* Sets *line and *len to the next newline-terminated line (without the
 * newline) and returns 1; returns 0 at the end.  An unterminated tail is
 * never returned: a read cut short must not turn "1234 kB" into "12". */
int lt_lines_next(struct lt_lines *it, const char **line, size_t *len);

/* Parses the decimal digits at s[*i..n), advancing *i past them.  Fails
 * (-1, *out and *i unchanged on no digits) when there are none or the value
 * does not fit int64_t. */
int lt_text_dec(const char *s, size_t n, size_t *i, int64_t *out);

/* A decimal that is all of s[0..n): no sign, no spaces, fits int64_t. */
int lt_text_dec_all(const char *s, size_t n, int64_t *out);

#endif
