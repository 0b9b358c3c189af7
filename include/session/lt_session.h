/* A recording session: the sources of one target feeding one model and one
 * session file, tick by tick.  `leaktop record` drives it headless; the
 * live UI drives the same session from its own loop, so live and recorded
 * data are the same data.
 *
 * Single-threaded: the caller waits (for keys, signals, the pidfd) until
 * lt_session_next_deadline() and then calls lt_session_tick().  The
 * driver (lt_driver.h) is that caller for every command. */
#ifndef LT_SESSION_H
#define LT_SESSION_H

#include <sys/types.h>

#include "lt_end.h"
#include "lt_err.h"
#include "lt_heap.h"
#include "lt_model.h"

struct lt_session_opts {
	pid_t pid;              /* process, or one of its threads */
	const char *output;     /* session file to create */
	int force;              /* replace an existing output file */
	double interval;        /* seconds between ticks */
	double duration;        /* seconds; 0 = until closed */
	double threads_interval; /* seconds between thread samples */
	int no_threads;         /* never stop the target's threads */
	uint64_t sample_rate;   /* heap: mean bytes between samples; 0 =
				   LT_AGENT_DEFAULT_RATE, 1 = every allocation */
	unsigned max_depth;     /* heap: frames per stack; 0 = default */
	int no_heap;            /* never load the heap agent */
	int no_free_flow;       /* heap: do not sample frees by bytes */
	int no_sources;         /* keep no source lines in the file (privacy;
				   lt_srccap) */
	const char *agent_path; /* the agent; NULL: next to leaktop */
	const char *wrappers;   /* --wrapper names, comma-separated, or NULL */
	const char *pprof;      /* --pprof: a Go program's net/http/pprof
				   URL, read instead of its memory */
	lt_heap *heap;          /* `run`: the child's agent, connected; the
				   session owns it from lt_session_open on
				   (also when that fails) */
	const char *heap_reason; /* `run`: why heap is NULL, or NULL */
	double scan_interval;   /* seconds between reachability scans (session
				   time); 0: only when asked (lt_session_scan)
				   or at the end */
	int scan_at_end;        /* scan before closing (twice when needed for
				   a proof: lt_scan_finish) */
	int argc;               /* the command line, kept as metadata */
	char **argv;
};

typedef struct lt_session lt_session;

/* Checks the target, creates the session file, writes the metadata and
 * starts the sources: the heap agent is injected (lt_heap_attach) unless
 * o->heap is given or o->no_heap, before the first thread sample, so the
 * two ptrace users never overlap.  Sources that cannot run (threads of an
 * already traced process, the heap of a static binary, ...) are recorded
 * as unavailable with their reason; only
 * an unusable target (LT_EXIT_TARGET) or output (LT_EXIT_FILE) fails.  On
 * error NULL is returned and no file is left behind. */
lt_session *lt_session_open(const struct lt_session_opts *o, lt_err *err);

/* Monotonic time (seconds, CLOCK_MONOTONIC) at which the next tick is due.
 * The first tick is due at once. */
double lt_session_next_deadline(const lt_session *s);

/* A descriptor that becomes readable when the target exits (a pidfd), or
 * -1 when the kernel has none: poll it alongside your own. */
int lt_session_pidfd(const lt_session *s);

/* A descriptor that becomes readable when the heap agent has sent more
 * (or connects), or -1: poll it beside your own between ticks and call
 * lt_session_pump when it is.  Read only at ticks, the agent's reports
 * of a target with 100,000 busy sites backed up for 20 s. */
int lt_session_data_fd(const lt_session *s);

/* Reads what the heap agent has sent so far (at most 16 MiB), into the
 * state the next tick takes.  This function can't fail: after a read
 * error the descriptor is gone (lt_session_data_fd no longer returns it)
 * and the next tick reports the error. */
void lt_session_pump(lt_session *s);

/* Takes one tick: samples every source, adds it to the model and commits
 * it to the file.  Returns 0, 1 when the session has ended by itself
 * (duration reached, or the target exited; see lt_session_end), or -1 on
 * an error (err says why; close the session with it, lt_end_error). */
int lt_session_tick(lt_session *s, lt_err *err);

/* How the session ended by itself (LT_END_DURATION, LT_END_TARGET_EXITED),
 * or kind LT_END_NONE while it runs.  Valid until lt_session_close. */
const struct lt_end *lt_session_end(const lt_session *s);

/* The live model: valid until lt_session_close. */
const lt_model *lt_session_model(const lt_session *s);
/* Ticks committed so far. */
size_t lt_session_ticks(const lt_session *s);
/* Path of the session file. */
const char *lt_session_output(const lt_session *s);

/* Asks for a reachability scan at the next tick (the UI's key u), also
 * with a scan interval of 0.  Does nothing in a Go program, whose heap is
 * not malloc's.  Can't fail. */
void lt_session_scan(lt_session *s);

/* Stops every source (the heap agent is told to restore its hooks and
 * waited for up to a second; no thread is left stopped), records the end
 * time and end's text (lt_end_format; NULL records none), finishes the
 * file and frees s.  Returns 0, or -1 if the file could not be finished
 * (err says why); s is freed either way.  NULL-safe. */
int lt_session_close(lt_session *s, const struct lt_end *end, lt_err *err);

#endif
