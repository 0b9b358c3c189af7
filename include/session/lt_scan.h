/* Reachability scans of a live session (doc/reach.md): when to scan, the
 * candidates (the heap agent's sampled blocks), the scan itself in a
 * thread of its own, the "two scans agree" rule, and the result into the
 * model (lt_unreach.h).
 *
 * The session calls lt_scan_step once per tick from its one thread, after
 * the thread sampler: a scan is started only there, so it never overlaps
 * a thread sample (a thread has one tracer), and while lt_scan_busy the
 * session takes no thread sample.  The scan runs in a thread because it
 * reads the whole heap (about a second per GiB, doc/reach.md): in the
 * tick loop that would stall the ticks of a large target for seconds;
 * its thread owns every ptrace stop it makes (lt_reach_scan), and the
 * target's threads are stopped only while its roots are read. */
#ifndef LT_SCAN_H
#define LT_SCAN_H

#include <sys/types.h>

#include "lt_collect.h"
#include "lt_heap.h"
#include "lt_model.h"

/* Scans that agree must have begun at least this far apart. */
#define LT_SCAN_MIN_GAP_S 1.0
/* Default seconds between scans (--scan-interval). */
#define LT_SCAN_DEFAULT_INTERVAL 30.0

typedef struct lt_scan lt_scan;

/* A scanner of process pid, scanning every interval seconds of session
 * time (0: only when asked).  no_stop: stop no thread (--no-threads):
 * registers are then not read and every result is weak.  Never NULL. */
lt_scan *lt_scan_new(pid_t pid, double interval, int no_stop);

/* Waits for a scan in flight (its threads are let go by then) and frees
 * sc.  NULL-safe. */
void lt_scan_free(lt_scan *sc);

/* Asks for a scan at the next step (a key in the UI).  Can't fail. */
void lt_scan_request(lt_scan *sc);

/* One step at session time t: finishes a scan that has ended (judged and
 * added to m's lt_unreach, sites named through map), starts one that is
 * due (asking heap for its blocks first; heap NULL: the heap source is
 * off, heap_reason says why, and one scan without candidates says
 * whether the heap could be walked at all).  Can't fail: a scan that
 * cannot run is recorded as one that cannot prove, with the reason. */
void lt_scan_step(lt_scan *sc, lt_heap *heap, const char *heap_reason,
		  lt_model *m, const struct lt_collect_heapmap *map, double t);

/* 1 while a scan runs in its thread: take no thread sample. */
int lt_scan_busy(const lt_scan *sc);

/* `record --scan-at-end`: waits for a scan in flight, then scans until a
 * proof is possible (a second scan LT_SCAN_MIN_GAP_S after the last one,
 * when needed), polling heap for the blocks.  Can't fail. */
void lt_scan_finish(lt_scan *sc, lt_heap *heap, const char *heap_reason,
		    lt_model *m, const struct lt_collect_heapmap *map, double t0);

#endif
