/* The per-tick series of the procfs/cgroup timeline.
 *
 * Series are data, not code: one const table (src/metric.c) gives each its
 * stable key (stored in the session file), title, unit and noise floor.  New
 * series are appended at the end; keys never change meaning, because session
 * files refer to them by key. */
#ifndef LT_METRIC_H
#define LT_METRIC_H

#include <stdint.h>

enum lt_metric_id {
	/* /proc/PID/status */
	LT_M_RSS_ANON,
	LT_M_RSS_FILE,
	LT_M_RSS_SHMEM,
	LT_M_VM_DATA,
	LT_M_THREADS,
	/* /proc/PID/smaps_rollup */
	LT_M_PSS,
	LT_M_SWAP,
	/* /proc/PID/maps */
	LT_M_HEAP_MAP,   /* size of the [heap] mapping (brk heap) */
	LT_M_MAPS,       /* number of mappings */
	/* /proc/PID/fd */
	LT_M_FDS,        /* all descriptors */
	LT_M_FD_FILE,    /* regular files */
	LT_M_FD_SOCKET,
	LT_M_FD_PIPE,
	LT_M_FD_ANON,    /* anon_inode: eventfd, epoll, timerfd, ... */
	LT_M_FD_OTHER,   /* directories, devices, memfd oddities */
	/* /proc/PID/io */
	LT_M_WRITE_BYTES, /* cumulative write_bytes (storage layer) */
	LT_M_WCHAR,       /* cumulative wchar (all write syscalls) */
	/* memory cgroup, v1 or v2 */
	LT_M_CG_USAGE,
	LT_M_CG_ANON,
	LT_M_CG_FILE,
	LT_M_CG_ACTIVE_FILE,
	LT_M_CG_INACTIVE_FILE,
	LT_M_CG_WORKING_SET, /* usage - inactive_file, floored at 0 (kubelet) */
	LT_M_COUNT
};

enum lt_unit {
	LT_UNIT_BYTES,
	LT_UNIT_COUNT,
};

enum lt_metric_kind {
	LT_KIND_LEVEL,      /* a level: growth means more held */
	LT_KIND_CUMULATIVE, /* a counter: its slope is a throughput */
};

struct lt_metric_def {
	const char *key;    /* stable identifier stored in session files */
	const char *title;  /* short human title for report and UI */
	enum lt_unit unit;
	enum lt_metric_kind kind;
	double noise;       /* a change smaller than this is not growth */
};

/* Definition of metric id (0 <= id < LT_M_COUNT).  This function can't fail. */
const struct lt_metric_def *lt_metric_def(int id);

/* The id whose key is key, or -1 if no metric has that key (a session file
 * written by a newer leaktop may carry metrics this one does not know). */
int lt_metric_by_key(const char *key);

/* One tick of the timeline.  Bit i of have is set when v[i] was measured. */
struct lt_sample {
	double t;          /* seconds since the session started (monotonic) */
	int64_t wall_ns;   /* wall clock, ns since the epoch */
	uint64_t have;
	int64_t v[LT_M_COUNT];
};

static inline void lt_sample_set(struct lt_sample *s, int id, int64_t value)
{
	s->v[id] = value;
	s->have |= UINT64_C(1) << id;
}

static inline int lt_sample_has(const struct lt_sample *s, int id)
{
	return (s->have >> id) & 1;
}

#endif
