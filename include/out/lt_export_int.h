/* Internal to the exporters (src/export*.c): the samples every stack
 * format is made of. */
#ifndef LT_EXPORT_INT_H
#define LT_EXPORT_INT_H

#include "lt_export.h"

struct lt_xsample {
	size_t stack;                   /* lt_stacktab index, LT_NONE: none */
	int64_t v[LT_SAMPLE_COUNT_];    /* heap: by enum lt_export_sample;
					   threads: v[0] is the count */
	size_t group;                   /* threads: the group index */
};

/* The samples of o over m (all-zero ones left out), malloc'd into *out.
 * Returns how many, or -1 with LT_EXIT_FILE when the session has no data
 * of that type at all. */
long lt_export_samples(const lt_model *m, const struct lt_export_opts *o,
		       struct lt_xsample **out, lt_err *err);

/* A frame function's display name into buf: the function, else
 * "0x<pc> (<module base name>)".  Returns buf. */
const char *lt_export_fn_name(const lt_stacktab *t, size_t frame, size_t sym,
			      char *buf, size_t len);

#endif
