/* The text report of a session (leaktop report FILE). */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stdio.h>

#include "lt_diag.h"
#include "lt_err.h"
#include "lt_model.h"
#include "lt_verdict.h"

/* Writes the report of m to out: target and session facts, source
 * availability, one line per series (start, end, change, rate, trend) and the
 * verdict lines.  Fails only when writing to out fails. */
int lt_report_write(const lt_model *m, FILE *out, lt_err *err);
/* The same with the heap rows in dopt's view and wrappers (NULL: the
 * "your code" view). */
int lt_report_write_with(const lt_model *m, const struct lt_diag_opts *dopt,
			 FILE *out, lt_err *err);

/* The report's "Verdicts:" section for the n verdicts v: "! " before a
 * warning, then, when notes is not NULL and notes[i] not empty, "[NOTE] "
 * (leaktop check says there how it judged the line).  Text from the
 * target is escaped as in the report.  Fails only when writing fails. */
int lt_report_verdicts(const struct lt_verdict *v, size_t n,
		       const char *const *notes, FILE *out, lt_err *err);

#endif
