/* The text report of a session (leaktop report FILE). */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stdio.h>

#include "lt_diag.h"
#include "lt_growth.h"
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

/* What the report computes for its sections, for report --json
 * (report_json.c) to show the same numbers. */

/* The section series id is listed under: "memory", "cgroup",
 * "descriptors", "tasks", "io", "other". */
const char *lt_report_series_group(int id);
/* The rate the report shows for series id with growth g, per second:
 * a counter's throughput (*trend "throughput"), 0 for a flat series, the
 * fitted slope otherwise (*trend the trend's name); NAN when there is no
 * rate (fewer than 2 samples). */
double lt_report_series_rate(int id, const struct lt_growth *g,
			     const char **trend);
/* Ranks m's descriptor sites as the report lists them (growing first,
 * fastest first, then by what is open): order and g have room for
 * lt_hsites_count(lt_model_fdsites_c(m)) entries; g[i] is site i's
 * growth. */
void lt_report_fd_rank(const lt_model *m, size_t *order, struct lt_growth *g);
/* Median and maximum over thread samples of the longest stop. */
void lt_report_stop_times(const lt_tgroups *g, int64_t *med_ns, int64_t *max_ns);

/* When m holds no tick: a sentence for the reader that the session holds
 * no data, and why as far as the file tells (stopped before its first
 * tick, ended with a reason, or only just started), in buf; returns buf.
 * Returns NULL when m has ticks.  This function can't fail. */
const char *lt_report_no_data(const lt_model *m, char *buf, size_t len);

#endif
