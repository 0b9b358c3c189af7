/* Thread groups: threads of the target grouped by where they are (stack,
 * state and blocking syscall), with each group's count at every thread
 * sample.  Seed stories 1 and 2: 395 of 414 workers stuck in one function,
 * and the count climbing all week. */
#ifndef LT_TGROUPS_H
#define LT_TGROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "lt_growth.h"
#include "lt_stacktab.h"

#define LT_TGROUP_NAMES 4   /* distinct thread names kept per group */

struct lt_tgroup {
	size_t stack;        /* lt_stacktab index, LT_NONE when not unwound */
	char state;          /* /proc state letter */
	char *syscall;       /* blocking syscall name, NULL if none */
	char *names[LT_TGROUP_NAMES];
	size_t nnames;
	size_t first;        /* first sample the group was seen in */
};

/* Members a sample may miss before it is partial: the groups' noise. */
#define LT_TGROUPS_NOISE 2

/* Statistics of one thread sample (one pass over the target's threads). */
struct lt_tsample {
	double t;             /* seconds since session start */
	int64_t sampled, skipped;
	int64_t max_stop_ns, total_stop_ns;
	int64_t unseen;       /* members counted in no group because nothing
				 is known of them yet: threads the sampler
				 has not reached (over budget) since they
				 appeared, goroutines dropped as changing.
				 A sample with more than LT_TGROUPS_NOISE is
				 partial: its counts are short by members
				 that are there, so no trend uses it (a
				 member first reached later is not new) */
};

typedef struct lt_tgroups lt_tgroups;

lt_tgroups *lt_tgroups_new(void);      /* never NULL */
void lt_tgroups_free(lt_tgroups *g);   /* NULL-safe */

/* Opens sample k = lt_tgroups_sample_count() taken at s->t; every thread
 * seen is then counted with lt_tgroups_add; lt_tgroups_end closes it,
 * giving groups that were not seen a count of 0. */
void lt_tgroups_begin(lt_tgroups *g, const struct lt_tsample *s);
/* Counts one thread in the open sample and returns its group's index. */
size_t lt_tgroups_add(lt_tgroups *g, size_t stack, char state,
		      const char *syscall, const char *name);
void lt_tgroups_end(lt_tgroups *g);

/* Sets count of group i in sample k directly (loading a session).  Samples
 * and groups must exist; counts default to 0. */
void lt_tgroups_set(lt_tgroups *g, size_t i, size_t k, int64_t count);
/* Adds a group without counting a thread (loading a session). */
size_t lt_tgroups_intern(lt_tgroups *g, size_t stack, char state,
			 const char *syscall);
void lt_tgroups_add_name(lt_tgroups *g, size_t i, const char *name);

size_t lt_tgroups_count(const lt_tgroups *g);
const struct lt_tgroup *lt_tgroups_get(const lt_tgroups *g, size_t i);
size_t lt_tgroups_sample_count(const lt_tgroups *g);
const struct lt_tsample *lt_tgroups_sample(const lt_tgroups *g, size_t k);
/* Count of group i at sample k (0 before it was first seen). */
int64_t lt_tgroups_value(const lt_tgroups *g, size_t i, size_t k);
/* Growth of group i's count over all samples that are not partial
 * (noise: LT_TGROUPS_NOISE members, plus the most unseen in a fitted
 * sample: members reached late are not growth). */
void lt_tgroups_growth(const lt_tgroups *g, size_t i, struct lt_growth *out);
/* The same over samples kb..kc (inclusive; kc < sample count).  Partial
 * samples are left out; with fewer than 3 left the trend is unknown. */
void lt_tgroups_growth_range(const lt_tgroups *g, size_t i, size_t kb,
			     size_t kc, struct lt_growth *out);
/* Whether sample k is partial (see struct lt_tsample.unseen). */
int lt_tgroups_partial(const lt_tgroups *g, size_t k);
/* The first sample that is not partial, or the sample count if none. */
size_t lt_tgroups_first_full(const lt_tgroups *g);

/* How completely samples kb..kc saw the members (for the reader: how many
 * were skipped and whether the trends stand on few samples). */
struct lt_tcoverage {
	size_t samples, partial;   /* samples in the range; partial ones */
	int64_t max_skipped;       /* most members of one sample not stopped
				      (kept at their last known group) */
	int64_t max_unseen;        /* most members of one sample in no group */
	int64_t max_members;       /* most members of one sample: in groups
				      plus unseen */
};
/* This function can't fail; an empty range gives zeros. */
void lt_tgroups_coverage(const lt_tgroups *g, size_t kb, size_t kc,
			 struct lt_tcoverage *out);

/* How long a group's longest-waiting member has waited, kept as the
 * session time it started waiting ("since"; a Go goroutine's waitsince):
 * it stays put while the same goroutine waits, so only its changes are
 * kept (a change under 1 s is the reading's jitter, not a change).  Set
 * in sample k, in increasing k; NAN: unknown from k on. */
void lt_tgroups_set_since(lt_tgroups *g, size_t i, size_t k, double since);
/* The start of group i's longest wait as of sample k, or NAN when unknown
 * (never set, not waiting, or the runtime has not stamped it yet). */
double lt_tgroups_since(const lt_tgroups *g, size_t i, size_t k);

/* Fills order[0..count) with the group indexes ranked for a reader:
 * growing groups first by slope, then by the latest count; and growth[i]
 * with group i's growth (both arrays hold lt_tgroups_count entries).  This
 * function can't fail. */
void lt_tgroups_rank(const lt_tgroups *g, size_t *order,
		     struct lt_growth *growth);

/* "running", "sleeping", "disk wait", "stopped", "traced", "zombie",
 * "idle", or "state X".  Returns a static string or buf. */
const char *lt_tgroups_state_name(char state, char *buf, size_t len);

#endif
