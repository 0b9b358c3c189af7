/* The gate of `leaktop check`: which verdicts fail it.  It judges the
 * verdict module's list (lt_verdict.h) and nothing else, so that a new
 * kind of verdict counts as soon as the verdicts say it. */
#ifndef LT_GATE_H
#define LT_GATE_H

#include <stddef.h>

#include "lt_model.h"
#include "lt_verdict.h"

struct lt_gate_opts {
	/* A finding that grows at most this fast passes: bytes per second
	 * for heap rows and memory, a count per second for threads,
	 * goroutines, descriptors and mappings.  0: any growth fails. */
	double max_bytes_rate;
	double max_count_rate;
	/* Function names (or fnmatch(3) patterns); a finding whose stack
	 * has a frame of one of them passes. */
	const char *const *ignore;
	size_t nignore;
};

enum lt_gate_why {
	LT_GATE_FAIL,     /* a warning that counts */
	LT_GATE_INFO,     /* not a warning */
	LT_GATE_SHORT,    /* the session is too short to judge: check cannot
			     pass or fail it */
	LT_GATE_SCOPE,    /* about the cgroup or the page cache, not the
			     process's own memory */
	LT_GATE_NOTE,     /* about the data (a source unavailable, samples
			     lost), not the process */
	LT_GATE_DERIVED,  /* another verdict in the list states it */
	LT_GATE_IGNORED,  /* its stack has an --ignore'd function */
	LT_GATE_BELOW,    /* it grows no faster than the threshold */
};

/* Judges verdict v of m with o.  For LT_GATE_IGNORED, *matched (when not
 * NULL) is set to the --ignore entry that matched.  This function can't
 * fail. */
enum lt_gate_why lt_gate_judge(const lt_model *m, const struct lt_verdict *v,
			       const struct lt_gate_opts *o, const char **matched);

/* "fail", "info", "too short", "cgroup or page cache, not counted",
 * "a note on the data, not counted",
 * "counted in another line", "ignored", "below the threshold". */
const char *lt_gate_why_name(enum lt_gate_why w);

#endif
