/* The text report of a session (leaktop report FILE). */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stdio.h>

#include "lt_diag.h"
#include "lt_err.h"
#include "lt_model.h"

/* Writes the report of m to out: target and session facts, source
 * availability, one line per series (start, end, change, rate, trend) and the
 * verdict lines.  Fails only when writing to out fails. */
int lt_report_write(const lt_model *m, FILE *out, lt_err *err);
/* The same with the heap rows in dopt's view and wrappers (NULL: the
 * "your code" view). */
int lt_report_write_with(const lt_model *m, const struct lt_diag_opts *dopt,
			 FILE *out, lt_err *err);

/* When m holds no tick: a sentence for the reader that the session holds
 * no data, and why as far as the file tells (stopped before its first
 * tick, ended with a reason, or only just started), in buf; returns buf.
 * Returns NULL when m has ticks.  This function can't fail. */
const char *lt_report_no_data(const lt_model *m, char *buf, size_t len);

#endif
