/* Verdicts: plain sentences that say what grows and what does not, derived
 * from the model's growth statistics.  Report prints them; the UI's Memory
 * screen shows the same lines. */
#ifndef LT_VERDICT_H
#define LT_VERDICT_H

#include <stddef.h>

#include "lt_diag.h"
#include "lt_model.h"

enum lt_verdict_kind {
	LT_VERDICT_INFO,    /* nothing wrong, or context */
	LT_VERDICT_WARN,    /* something grows */
};

/* What a verdict is about, so that `leaktop check` can judge it and
 * `report --json` can name it without reading the sentence. */
enum lt_verdict_topic {
	LT_VT_OTHER,      /* anything else (a new kind of finding) */
	LT_VT_SHORT,      /* too few ticks to judge anything */
	LT_VT_MEMORY,     /* the process's own memory: anonymous, shmem, swap */
	LT_VT_FILE_CACHE, /* page cache of what the process wrote or maps */
	LT_VT_CGROUP,     /* the memory cgroup as a whole (other processes,
			     kernel memory, working set, its limit) */
	LT_VT_HEAP,       /* heap rows */
	LT_VT_THREADS,    /* threads and thread groups */
	LT_VT_GOROUTINES, /* goroutine groups */
	LT_VT_FDS,        /* descriptors */
	LT_VT_MAPS,       /* mappings */
	LT_VT_NOTE,       /* about the data rather than the process: a source
			     unavailable, samples lost */
	LT_VT_COUNT_
};

struct lt_verdict {
	enum lt_verdict_kind kind;
	enum lt_verdict_topic topic;
	int metric;      /* the lt_metric_id it reads, or -1 */
	int unit;        /* rate's unit (LT_UNIT_BYTES, LT_UNIT_COUNT), or -1
			    when the verdict states no rate */
	double rate;     /* per second, when unit >= 0 */
	size_t stack;    /* the stack of the row, group or site it names, or
			    LT_NONE */
	/* Follows from other verdicts in the list: memory growth that the
	 * growing heap rows account for, a limit reached at a rate already
	 * stated.  Counting it too would count one leak twice. */
	int derived;
	char text[256];
};

/* "other", "short", "memory", "file_cache", "cgroup", "heap", "threads",
 * "goroutines", "fds", "maps", "note": stable names for scripts. */
const char *lt_verdict_topic_name(enum lt_verdict_topic t);

/* Computes up to max verdicts over the whole session in m, most important
 * first, and returns how many were written.  A session with too few ticks
 * yields one line saying so.  This function can't fail. */
size_t lt_verdict_compute(const lt_model *m, struct lt_verdict *out,
			  size_t max);
/* The same with heap rows diagnosed with dopt (NULL: "your code"). */
size_t lt_verdict_compute_with(const lt_model *m, const struct lt_diag_opts *dopt,
			       struct lt_verdict *out, size_t max);

/* The top heap leak as one line ("client_new (client.c:9) +1.0 MiB/s,
 * 0 of 40 samples freed, oldest 38s") into buf, for the line above the
 * Sites screen; returns 0 when no row is growing (buf then says why:
 * "no heap row grows" or "collecting samples"). */
int lt_verdict_top_leak(const lt_model *m, const struct lt_diag_opts *dopt,
			size_t from, size_t to, char *buf, size_t len);
/* The same from rows already diagnosed with dopt (lt_diag_rows). */
int lt_verdict_leak_line(const lt_model *m, const struct lt_diag_opts *dopt,
			 const struct lt_diag_row *rows, size_t n, char *buf,
			 size_t len);

/* The heap data a session lost, in words: "N samples dropped (the
 * agent's tables were full): live bytes understated by up to X", when the
 * agent dropped any.  Returns 1 with buf filled, 0 when nothing was lost.
 * This function can't fail. */
int lt_verdict_heap_loss(const lt_model *m, char *buf, size_t len);

#endif
