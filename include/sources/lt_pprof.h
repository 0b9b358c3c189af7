/* A Go program's own profiles over its net/http/pprof endpoint (--pprof
 * URL), for a binary whose runtime structures cannot be located from
 * outside (stripped with -ldflags=-s -w: no DWARF).
 *
 * Each sample GETs /debug/pprof/goroutine and /debug/pprof/heap (gzipped
 * profile.proto), decodes them with zlib and protobuf-c, validates every
 * index (strings, functions, locations) and hands the session the same
 * plain batches the Go reader and the heap source do: goroutines (one per
 * goroutine the profile counts; the profile has no status or wait reason:
 * a goroutine whose stack starts in runtime.gopark is waiting, for the
 * reason its caller names (runtime.chansend: "chan send"), the others
 * carry LT_GO_PPROF) and heap sites (the runtime's in-use and
 * allocated objects and bytes, already weighted).  Frames come named by
 * the profile itself (the program symbolizes from its .gopclntab), so the
 * session enters them before the stacks that use them.
 *
 * The program does the work of writing the profiles: the goroutine
 * profile stops the world briefly inside the program, as Go's own
 * handler always does; nothing of leaktop's runs in it. */
#ifndef LT_PPROF_H
#define LT_PPROF_H

#include <stddef.h>
#include <stdint.h>

#include "lt_err.h"
#include "lt_goread.h"
#include "lt_heap.h"

/* Status of goroutines read from a goroutine profile: it has none. */
#define LT_GO_PPROF 'P'

/* Body and inflated profile caps. */
#define LT_PPROF_MAX_BODY (16u << 20)
#define LT_PPROF_MAX_PROTO (64u << 20)
/* Goroutines taken from one profile (the counts beyond are dropped). */
#define LT_PPROF_MAX_GOROUTINES 1000000

struct lt_pprof_line {
	const char *function;  /* never NULL ("" when unnamed) */
	const char *file;      /* NULL when unknown */
	int line;
};

/* A frame: one location of a profile, its inlined functions innermost
 * first. */
struct lt_pprof_frame {
	uint64_t pc;           /* the key its stacks use */
	const char *module;    /* mapping file name, or NULL */
	const struct lt_pprof_line *lines;
	size_t nlines;
};

struct lt_pprof_tick {
	const struct lt_pprof_frame *frames;  /* new since the last tick */
	size_t nframes;
	int have_go, have_heap;  /* which of the two profiles were read */
	struct lt_goroutine_tick go;
	struct lt_heap_batch heap;
	char go_err[256], heap_err[256];  /* why one was not read */
};

typedef struct lt_pprof lt_pprof;

/* A source over url ("http://127.0.0.1:6060", or with a path ending in
 * /debug/pprof).  Nothing is fetched yet.  NULL with LT_EXIT_USAGE on a
 * bad URL. */
lt_pprof *lt_pprof_new(const char *url, lt_err *err);

/* Fetches and decodes both profiles into *out (owned by p until the next
 * call).  The heap profile the runtime publishes is one GC behind (as of
 * the mark termination before the last); with gc set the heap is read
 * with ?gc=1: the program runs one full GC first and the counts are as of
 * now.  Returns 0 when at least one was read, else -1 with why. */
int lt_pprof_sample(lt_pprof *p, int gc, struct lt_pprof_tick *out, lt_err *err);

/* The heap profile's sampling period (runtime.MemProfileRate), 0 before
 * one was read. */
uint64_t lt_pprof_rate(const lt_pprof *p);

void lt_pprof_free(lt_pprof *p); /* NULL-safe */

/* For tests: decodes one profile body (gzipped or not) as kind "goroutine"
 * or "heap" into out (as lt_pprof_sample does).  0, or -1 with why. */
int lt_pprof_decode(lt_pprof *p, const char *kind, const unsigned char *body,
		    size_t len, struct lt_pprof_tick *out, lt_err *err);

#endif
