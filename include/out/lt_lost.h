/* Proof, not trend, for a reader: the sampled blocks the reachability
 * scans proved unreachable (lt_unreach.h), one row per "your code" label,
 * the verdicts that say so ("definitely lost: 4.1 MiB in 1,024 blocks
 * from client_new (client.c:9), none referenced from anywhere in the
 * process") and the report's section on the scans' cost. */
#ifndef LT_LOST_H
#define LT_LOST_H

#include <stddef.h>
#include <stdio.h>

#include "lt_diag.h"
#include "lt_model.h"

/* Sites of the latest scan with the same label, summed. */
struct lt_lost_row {
	char label[300];
	const char *function;       /* the row's function, or NULL (SITE
				       view, or unknown): in m's stack table */
	struct lt_unreach_site v;   /* v.stack: the first site's stack */
};

/* The rows of m's latest scan under view o (NULL: "your code"), most
 * bytes first, into *rows (malloc'd, the caller frees; NULL when none).
 * Returns how many.  This function can't fail. */
size_t lt_lost_rows(const lt_model *m, const struct lt_diag_opts *o,
		    struct lt_lost_row **rows);

/* A verdict line: warn 1 for a proven loss. */
struct lt_lost_line {
	int warn;
	size_t stack;   /* the site's stack, LT_NONE for a line about scans */
	char text[256];
};

/* The verdicts of m's scans into out[0..max): a line per row proven
 * lost (direct, then indirect), or one line saying that the last scan
 * found nothing, or why it cannot prove (growth trends only).  None when
 * no scan ran.  Returns how many. */
size_t lt_lost_verdicts(const lt_model *m, const struct lt_diag_opts *o,
			struct lt_lost_line *out, size_t max);

/* "cannot prove: REASON", "weak: REASON" or "proof" for scan sc, into
 * buf.  Returns buf. */
char *lt_lost_state(const struct lt_unreach_scan *sc, char *buf, size_t len);

/* The report's "Reachability scans" section (nothing when none ran):
 * their number and the last one's cost and state.  Write errors are left
 * in f's error flag. */
void lt_lost_report(const lt_model *m, FILE *f);

#endif
