/* The model: the one place where a session's data is aggregated.
 *
 * Sources (procfs sampler, later the heap collector and thread sampler) hand
 * it plain structs per tick; the store persists it, and report, export and the
 * UI read it.  A model loaded from a session file (lt_store_load) is the same
 * type as a live one, so replay and live share every reader. */
#ifndef LT_MODEL_H
#define LT_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_growth.h"
#include "lt_hsites.h"
#include "lt_metric.h"
#include "lt_srctext.h"
#include "lt_stacktab.h"
#include "lt_tgroups.h"
#include "lt_unreach.h"

/* Session metadata.  Strings are owned by the model (set through
 * lt_model_set_str); NULL means unknown. */
struct lt_meta {
	pid_t pid;
	char *cmdline;      /* arguments joined by spaces */
	char *exe;          /* resolved /proc/PID/exe */
	char *build_id;     /* hex GNU build-id of exe */
	char *host;
	char *kernel;       /* uname -r, -v and machine */
	char *version;      /* leaktop version that wrote the session */
	char *options;      /* the record options, as given */
	char *cgroup;       /* "v1:/path" or "v2:/path" of the memory cgroup */
	int64_t start_ns;   /* wall clock at the start, ns since the epoch */
	int64_t end_ns;     /* wall clock at the end; 0 while recording */
	char *end_reason;   /* "duration", "target exited", "signal SIGINT",
			       "error: ...", NULL if it never ended cleanly */
	double interval;    /* seconds between ticks */
	char *wrappers;     /* functions named allocation wrappers by the
			       user (--wrapper), comma-separated, or NULL */
	int64_t fd_limit;   /* the target's soft RLIMIT_NOFILE; 0 unknown */
	int64_t mem_limit;  /* its memory cgroup's limit, bytes; 0 none */
	/* A copy (export --format sqlite) says what it was copied from. */
	char *copy_of;      /* the session file copied, "PATH on HOST";
			       NULL in an original */
	int64_t copy_ns;    /* wall clock when the copy was taken */
	char *copy_range;   /* the part copied when trimmed ("t=10s to
			       t=40s"); NULL: every tick */
};

/* Which data sources were available, and why not.  name is one of
 * "procfs", "cgroup", "heap", "threads", "goroutines". */
struct lt_source {
	char *name;
	int available;
	char *reason;       /* NULL when available */
};

typedef struct lt_model lt_model;

/* A new, empty model.  Never NULL (aborts on out-of-memory). */
lt_model *lt_model_new(void);
void lt_model_free(lt_model *m); /* NULL-safe */

/* Metadata, owned by the model; the caller may change numeric fields in place
 * and strings only through lt_model_set_str. */
struct lt_meta *lt_model_meta(lt_model *m);
const struct lt_meta *lt_model_meta_c(const lt_model *m);

/* Replaces *field (a char * inside lt_model_meta(m)) with a copy of value
 * (NULL clears it). */
void lt_model_set_str(lt_model *m, char **field, const char *value);

/* Records the state of a source, replacing any earlier state for name. */
void lt_model_set_source(lt_model *m, const char *name, int available,
			 const char *reason);
size_t lt_model_source_count(const lt_model *m);
const struct lt_source *lt_model_source(const lt_model *m, size_t i);
/* The source named name, or NULL if it was never set. */
const struct lt_source *lt_model_source_find(const lt_model *m,
					     const char *name);

/* Keeps at most max ticks in memory (0, the default, keeps all); older
 * ticks are dropped first.  A recording that runs for days keeps its history
 * in the session file, not in memory. */
void lt_model_set_retention(lt_model *m, size_t max);

/* Appends one tick (copied).  Ticks must come in increasing t. */
void lt_model_add_sample(lt_model *m, const struct lt_sample *s);
size_t lt_model_tick_count(const lt_model *m);
/* Tick i (0 <= i < count); valid until the next lt_model_add_sample. */
const struct lt_sample *lt_model_tick(const lt_model *m, size_t i);

/* The model's frames and stacks, and its thread groups; owned by the
 * model, never NULL. */
lt_stacktab *lt_model_stacks(lt_model *m);
const lt_stacktab *lt_model_stacks_c(const lt_model *m);
lt_tgroups *lt_model_tgroups(lt_model *m);
const lt_tgroups *lt_model_tgroups_c(const lt_model *m);
/* A Go program's goroutine groups, kept like thread groups: state is the
 * goroutine's status letter (R running, Q runnable, Y in a system call,
 * W waiting), syscall its wait reason ("chan send"), names the functions that created
 * its goroutines ("main.handler (main.go:25)").  Empty for other programs.
 * Owned by the model, never NULL. */
lt_tgroups *lt_model_goroutines(lt_model *m);
const lt_tgroups *lt_model_goroutines_c(const lt_model *m);
/* The heap call sites (empty when the heap source never ran). */
lt_hsites *lt_model_hsites(lt_model *m);
const lt_hsites *lt_model_hsites_c(const lt_model *m);
/* The free flow: frees sampled by bytes whatever the block, by the stack
 * of the free call (alloc_bytes/alloc_count hold the freed bytes/count,
 * samples the raw samples; live fields are 0). */
lt_hsites *lt_model_fsites(lt_model *m);
const lt_hsites *lt_model_fsites_c(const lt_model *m);
/* Descriptor sites: every descriptor-creating call, by stack (live_count
 * descriptors open now, alloc_count created; lt_hsite.kind is the enum
 * lt_fd_kind; byte fields are 0). */
lt_hsites *lt_model_fdsites(lt_model *m);
const lt_hsites *lt_model_fdsites_c(const lt_model *m);

/* Source lines kept with the session (lt_srctext.h); owned by the model,
 * never NULL, empty when none were kept. */
lt_srctext *lt_model_srctext(lt_model *m);
const lt_srctext *lt_model_srctext_c(const lt_model *m);
/* Reachability scans and the blocks they proved unreachable, per site
 * (empty when no scan ran).  Owned by the model, never NULL. */
lt_unreach *lt_model_unreach(lt_model *m);
const lt_unreach *lt_model_unreach_c(const lt_model *m);

/* The heap agent's own cost and losses as of one tick: counters since
 * the agent's start (CPU times since the process and the agent's thread
 * began), and what the recorder itself cut.  Kept at the ticks where
 * they changed. */
struct lt_agent_stat {
	double t;               /* session seconds of the tick */
	int64_t samples;        /* sampled allocations */
	int64_t tracked;        /* sampled blocks live */
	int64_t dropped;        /* samples lost: the agent's tables full */
	int64_t dropped_bytes;  /* their weighted bytes */
	int64_t sample_ns;      /* time in sampled allocations and frees */
	int64_t free_hits;      /* frees past the filter (table lookups) */
	int64_t lock_waits;     /* slow-path lock acquisitions that waited */
	int64_t cpu_ns;         /* the target's CPU time; 0 unknown (an
				   agent older than these counters) */
	int64_t agent_cpu_ns;   /* the agent's reporting thread's CPU time */
	int64_t table_cap;      /* entries of its sampled-block table */
	int64_t grows;          /* times it grew a table */
	int64_t deferred;       /* new stacks and changed sites the recorder
				   left for later ticks at this one (a tick
				   cut short) */
	int64_t reused;         /* samples whose stack the agent knew again
				   without unwinding (0: none, or unknown) */
	int64_t behind_ms;      /* how old the agent's last report read was,
				   in steps of 100 ms, when over a second;
				   else 0 (also in older files) */
};

/* Appends the agent's figures at a tick (copied; t increasing). */
void lt_model_add_agent_stat(lt_model *m, const struct lt_agent_stat *a);
size_t lt_model_agent_stat_count(const lt_model *m);
/* Row i (0 <= i < count); valid until the next add. */
const struct lt_agent_stat *lt_model_agent_stat(const lt_model *m, size_t i);

/* What the agent rows of a session add up to. */
struct lt_agent_summary {
	int have;               /* 0: no agent row (no agent, or an old file) */
	int have_cost;          /* the agent sent its cost (cpu_ns known) */
	double span;            /* seconds between the first and last row */
	double samples_per_s;   /* sampled allocations a second over it */
	double ns_per_sample;   /* time in the sampled paths per sample (free
				   flow samples included, when known) */
	double cpu_share;       /* of the target's CPU time over the span: in
				   the sampled paths */
	double agent_share;     /* ... in the agent's reporting thread */
	int64_t samples, dropped, dropped_bytes, free_hits, lock_waits;
	int64_t table_cap, grows;
	double reused_share;    /* of the samples (free flow's too, when
				   known): stacks known without an unwind */
	size_t cut_ticks;       /* rows where the recorder deferred some */
	int64_t max_deferred;
	int64_t unrecorded;     /* still deferred at the last row: the session
				   ended before they were written */
	int64_t behind_ms;      /* at the last row: the heap figures end that
				   long before the session does */
};
/* Sums the agent rows up; ff_samples is the free flow's raw sample count
 * at the end (0 unknown).  This function can't fail. */
void lt_model_agent_summary(const lt_model *m, int64_t ff_samples,
			    struct lt_agent_summary *out);

/* Fits metric id over ticks [from, to) where it was measured, with the
 * metric's noise floor.  out->n is 0 when it was never measured. */
void lt_model_growth(const lt_model *m, int id, size_t from, size_t to,
		     struct lt_growth *out);

#endif
