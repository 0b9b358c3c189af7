/* The text report of a session (leaktop report FILE). */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stdio.h>

#include "lt_err.h"
#include "lt_model.h"

/* Writes the report of m to out: target and session facts, source
 * availability, one line per series (start, end, change, rate, trend) and the
 * verdict lines.  Fails only when writing to out fails. */
int lt_report_write(const lt_model *m, FILE *out, lt_err *err);

#endif
