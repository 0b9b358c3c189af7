/* The procfs sampler: reads /proc/PID/{status,smaps_rollup,maps,fd,io} and
 * the process's memory cgroup once per tick into an lt_sample.
 *
 * Only this module and lt_cgroup read /proc for the timeline.  Everything
 * read is treated as hostile: parsers take a buffer and its length, never
 * trust a line to be complete, and ignore fields they do not know. */
#ifndef LT_PROCFS_H
#define LT_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_err.h"
#include "lt_metric.h"
#include "lt_proc.h"

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

/* A sampler for pid (pass the tgid from lt_procfs_check).  Finds its memory
 * cgroup (v1 or v2); when none can be found or read, sampling still works
 * and lt_procfs_cgroup_reason says why.  It keeps /proc/PID open, so a pid
 * reused by a new process after the target exits is never sampled.  On
 * error (no such process: LT_EXIT_TARGET) NULL is returned. */
lt_procfs *lt_procfs_new(pid_t pid, lt_err *err);
void lt_procfs_free(lt_procfs *p); /* NULL-safe */

/* "v1:/path" or "v2:/path" of the memory cgroup, or NULL if unavailable. */
const char *lt_procfs_cgroup(const lt_procfs *p);
/* Why the cgroup is unavailable, or NULL if it is available. */
const char *lt_procfs_cgroup_reason(const lt_procfs *p);

/* Reads one tick into out->v/out->have (t and wall_ns are left to the
 * caller; have bits of metrics other than this module's are kept).  Metrics
 * that could not be read this tick are left unset: /proc/PID/io may need
 * more privilege, smaps_rollup is missing before Linux 4.14, the cgroup may
 * vanish (lt_procfs_cgroup_reason then says why).  Descriptors cost a
 * readlink each (about 3 us); a stat for paths is cached by fd number and
 * link text between ticks.  Returns -1 with LT_EXIT_TARGET ("process PID
 * exited") when the target has exited or became a zombie, with no metric
 * set, and -1 with LT_EXIT_ERROR for any other failure. */
int lt_procfs_sample(lt_procfs *p, struct lt_sample *out, lt_err *err);

/* ---- pure parsers (exposed for unit tests) ----
 *
 * Each takes a buffer and its length.  A last line without a newline is
 * ignored (a read cut short must not turn "1234 kB" into "12"), as are
 * unknown keys, malformed lines and numbers that do not fit in an int64_t
 * once converted to bytes.  Fields not found are -1.  These can't fail. */

/* /proc/PID/status: lt_proc_parse_status (lt_proc.h). */

/* /proc/PID/smaps_rollup: Pss and Swap, in bytes. */
struct lt_proc_rollup {
	int64_t pss, swap;
};
void lt_procfs_parse_rollup(const char *buf, size_t len,
			    struct lt_proc_rollup *out);

/* /proc/PID/io: cumulative write_bytes and wchar. */
struct lt_proc_io {
	int64_t write_bytes, wchar;
};
void lt_procfs_parse_io(const char *buf, size_t len, struct lt_proc_io *out);

/* /proc/PID/maps: number of mappings (well-formed lines) and the total size
 * of the [heap] mapping(s), 0 when there is none. */
struct lt_proc_maps {
	int64_t count, heap;
};
void lt_procfs_parse_maps(const char *buf, size_t len,
			  struct lt_proc_maps *out);

/* /proc/PID/stat: lt_proc_parse_stat (lt_proc.h). */

/* Classifies the target of a /proc/PID/fd/N link by its text: returns
 * LT_M_FD_SOCKET ("socket:[n]"), LT_M_FD_PIPE ("pipe:[n]"), LT_M_FD_ANON
 * ("anon_inode:..."), LT_M_FD_OTHER (memfd, "net:[n]", anything else), or -1
 * for a path, which takes a stat to tell a regular file (LT_M_FD_FILE) from
 * a directory or device (LT_M_FD_OTHER). */
int lt_procfs_fd_classify(const char *target, size_t len);

#endif
