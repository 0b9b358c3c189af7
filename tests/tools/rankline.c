/* rankline FILE: the "your code" ranking of a recorded session as the live
 * Sites screen would have shown it, tick by tick (window from the first
 * heap sample to that tick).  One line per heap sample:
 *
 *     T  CLAIM  ROWS  FUNCTION
 *
 * T the session seconds of the tick, CLAIM and FUNCTION those of the top
 * row, ROWS how many rows the view has.  make accuracy reads the first T at
 * which the leak's function is on top and growing. */
#include <stdio.h>
#include <stdlib.h>

#include "lt_diag.h"
#include "lt_store.h"

int main(int argc, char **argv)
{
	struct lt_diag_opts o = {.view = LT_DIAG_YOURS};
	lt_model *m = NULL;
	lt_err err = {0, ""};
	const lt_hsites *h;

	if (argc != 2) {
		fprintf(stderr, "usage: rankline FILE\n");
		return 2;
	}
	if (lt_store_load(argv[1], &m, &err) < 0) {
		fprintf(stderr, "rankline: %s\n", err.msg);
		return 1;
	}
	h = lt_model_hsites_c(m);
	for (size_t k = 1; k < lt_hsites_sample_count(h); k++) {
		struct lt_diag_row *rows;
		size_t n = lt_diag_rows(m, &o, 0, k + 1, &rows);

		printf("%.1f %s %zu %s\n", lt_hsites_sample(h, k)->t,
		       n ? lt_diag_claim_name(rows[0].claim) : "-", n,
		       n && rows[0].function ? rows[0].function : "-");
		free(rows);
	}
	lt_model_free(m);
	return 0;
}
