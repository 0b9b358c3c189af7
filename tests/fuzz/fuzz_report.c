/* Fuzzes `leaktop report` on what the session loader accepts: the store
 * harness (fuzz_store.c, whose comment describes the input) with each
 * model that loads also written as a report (src/out: report, verdicts,
 * diagnosis), so impossible values that pass the loader are caught where
 * they would be printed. */
#define FUZZ_REPORT 1
#include "fuzz_store.c"
