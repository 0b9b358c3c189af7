/* The report as one JSON document (leaktop report FILE --json), for
 * scripts and CI.  Keys and their meaning are documented in doc/json.md
 * and only ever added to; the numbers are those of the text report
 * (lt_report.h), with the rows and groups the text report cuts off. */
#ifndef LT_REPORT_JSON_H
#define LT_REPORT_JSON_H

#include <stdio.h>

#include "lt_diag.h"
#include "lt_err.h"
#include "lt_model.h"

/* Writes the report of m to out as one JSON object and a newline, heap
 * rows in dopt's view (NULL: "your code").  Strings are valid UTF-8
 * whatever the session holds: control characters are escaped and bytes
 * that are not UTF-8 become U+FFFD.  Fails only when writing to out
 * fails (err: LT_EXIT_ERROR and the cause). */
int lt_report_json_write(const lt_model *m, const struct lt_diag_opts *dopt,
			 FILE *out, lt_err *err);

/* Writes s as a JSON string (quotes included) to out, as above; NULL as
 * null.  Write errors are left in out's error flag. */
void lt_report_json_string(FILE *out, const char *s);

#endif
