/* The procfs sampler: reads /proc/PID/{status,smaps_rollup,maps,fd,io} and
 * the process's memory cgroup once per tick into an lt_sample.
 *
 * Only this module and lt_cgroup read /proc for the timeline.  Everything
 * read is treated as hostile: parsers take a buffer and its length, never
 * trust a line to be complete, and ignore fields they do not know. */
#ifndef LT_PROCFS_H
#define LT_PROCFS_H

#include <sys/types.h>

#include "lt_err.h"
#include "lt_metric.h"

/* Checks that pid is a process leaktop can sample.  Fails with
 * LT_EXIT_TARGET and a one-line reason for: no such process, a kernel thread,
 * a zombie, and permission denied (the caller may not read its memory
 * statistics).  A pid that is a thread (not a thread-group leader) is
 * accepted, and *tgid (if not NULL) is set to its process. */
int lt_procfs_check(pid_t pid, pid_t *tgid, lt_err *err);

/* Static facts about the target for the session metadata.  Every string is
 * malloc'd (caller frees) or NULL when it could not be read. */
struct lt_target_info {
	char *cmdline;   /* NUL-separated argv joined with spaces */
	char *exe;       /* readlink of /proc/PID/exe */
	char *build_id;  /* lowercase hex GNU build-id of the executable */
	char *comm;
};
int lt_procfs_target_info(pid_t pid, struct lt_target_info *out, lt_err *err);
void lt_procfs_target_info_free(struct lt_target_info *ti);

typedef struct lt_procfs lt_procfs;

/* A sampler for pid.  Finds its memory cgroup (v1 or v2); when none can be
 * found or read, sampling still works and lt_procfs_cgroup_reason says why.
 * On error NULL is returned. */
lt_procfs *lt_procfs_new(pid_t pid, lt_err *err);
void lt_procfs_free(lt_procfs *p); /* NULL-safe */

/* "v1:/path" or "v2:/path" of the memory cgroup, or NULL if unavailable. */
const char *lt_procfs_cgroup(const lt_procfs *p);
/* Why the cgroup is unavailable, or NULL if it is available. */
const char *lt_procfs_cgroup_reason(const lt_procfs *p);

/* Reads one tick into out->v/out->have (t and wall_ns are left to the
 * caller).  Metrics that could not be read this tick are left unset.
 * Returns -1 with LT_EXIT_TARGET when the target has exited (or became a
 * zombie), and -1 with LT_EXIT_ERROR for any other failure. */
int lt_procfs_sample(lt_procfs *p, struct lt_sample *out, lt_err *err);

#endif
