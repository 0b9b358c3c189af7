/* Exports of a session for the tools people already use: pprof (go tool
 * pprof, Pyroscope, Parca), folded stacks (flamegraph.pl, inferno,
 * speedscope), speedscope JSON, and CSV timelines.
 *
 * Every exporter reads the model (a session loaded with lt_store_load),
 * never the file itself.  A moment is a tick: "at" the latest state, or the
 * change "from" one tick "to" another. */
#ifndef LT_EXPORT_H
#define LT_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "lt_err.h"
#include "lt_model.h"

enum lt_export_type {
	LT_EXPORT_HEAP,      /* heap call sites */
	LT_EXPORT_THREADS,   /* thread groups, one sample per thread */
	LT_EXPORT_GOROUTINES, /* goroutine groups (Go programs), one sample
				 per goroutine, like Go's goroutine profile */
};

/* pprof's heap sample types, in the order of the profile's values. */
enum lt_export_sample {
	LT_SAMPLE_ALLOC_OBJECTS,
	LT_SAMPLE_ALLOC_SPACE,
	LT_SAMPLE_INUSE_OBJECTS,
	LT_SAMPLE_INUSE_SPACE,
	/* Sampled blocks the reachability scans proved unreachable (direct
	 * and indirect), as of the last scan at or before the moment. */
	LT_SAMPLE_UNREACH_OBJECTS,
	LT_SAMPLE_UNREACH_SPACE,
	LT_SAMPLE_COUNT_
};

/* The groups a thread or goroutine export counts (the model's thread
 * groups for LT_EXPORT_HEAP too, which has none). */
const lt_tgroups *lt_export_groups(const lt_model *m, enum lt_export_type type);

struct lt_export_opts {
	enum lt_export_type type;
	enum lt_export_sample sample;  /* pprof default, folded's value */
	size_t to;           /* tick index of the state exported */
	size_t from;         /* with delta: the tick subtracted */
	int delta;           /* 1: values at `to` minus values at `from` */
};

/* "inuse_space", ...; -1 when name is none of them. */
int lt_export_sample_parse(const char *name);
const char *lt_export_sample_name(enum lt_export_sample s);
/* Whether sample type s counts bytes (else objects). */
int lt_export_sample_bytes(enum lt_export_sample s);

/* Resolves a moment the user typed into a tick index of m: seconds from
 * the start ("90", "90s", "5m", "1h30m"), or an absolute time
 * ("2026-11-23T04:47:56Z", with an optional UTC offset, or "@EPOCH").
 * Moments between ticks take the last tick at or before them; a tick up
 * to a quarter interval late counts as on time (ticks are taken a few ms
 * after their nominal second, and "--at 10s" means that tick).  Fails with
 * LT_EXIT_USAGE for text that is none of these, or a moment outside the
 * session (what names the option in the message). */
int lt_export_moment(const lt_model *m, const char *text, const char *what,
		     size_t *tick, lt_err *err);

/* Writes the gzipped pprof profile.proto to out.  Fails with LT_EXIT_ERROR
 * on a write error, or LT_EXIT_FILE when the session has no data of the
 * type (an empty profile helps nobody). */
int lt_export_pprof(const lt_model *m, const struct lt_export_opts *o,
		    FILE *out, lt_err *err);

/* Folded stacks: "root;...;leaf value" per stack, root first. */
int lt_export_folded(const lt_model *m, const struct lt_export_opts *o,
		     FILE *out, lt_err *err);

/* speedscope's file format (a "sampled" profile weighted by the value). */
int lt_export_speedscope(const lt_model *m, const struct lt_export_opts *o,
			 FILE *out, lt_err *err);

/* CSV timelines: series "memory" (byte series), "fds", "threads" (thread
 * count, mappings and every thread group) or "sites" (heap sites: at the
 * first heap sample of the range every site seen so far, then one row per
 * site per heap sample at which it changed).  Rows cover the whole
 * session, or with o->delta the ticks from o->from to o->to (o may be
 * NULL; the other fields of o are ignored).  Fails with LT_EXIT_USAGE for
 * an unknown series or a range that ends before it starts, LT_EXIT_FILE
 * when the session has no data for the series. */
int lt_export_csv(const lt_model *m, const char *series,
		  const struct lt_export_opts *o, FILE *out, lt_err *err);

#endif
