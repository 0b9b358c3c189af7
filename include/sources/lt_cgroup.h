/* The memory cgroup of a process: finding it (cgroup v1 `memory` controller
 * or the v2 unified hierarchy) and reading its usage and memory.stat once
 * per tick into the LT_M_CG_* metrics.
 *
 * Discovery reads /proc/PID/cgroup and leaktop's own /proc/self/mountinfo:
 * the cgroup files must be reached through leaktop's mount namespace.  On a
 * hybrid host (memory controller on a v1 hierarchy, an empty v2 hierarchy
 * beside it) v1 is used, since the v2 hierarchy then has no memory files.
 *
 * Metrics:
 *   usage          v1 memory.usage_in_bytes, v2 memory.current
 *   anon           v1 total_rss (else rss), v2 anon
 *   file           v1 total_cache (else cache), v2 file
 *   active_file    v1 total_active_file (else active_file), v2 active_file
 *   inactive_file  likewise
 *   working set    usage - inactive_file, floored at 0 (the kubelet's figure)
 * v1 `rss` already includes transparent huge pages (`rss_huge` is a subset
 * kept separately "for backwards compatibility", kernel commit b070e65c), so
 * rss_huge is not added.  The hierarchical total_* variants are preferred
 * because with use_hierarchy=1 a parent's plain counters leave out its
 * children, while usage_in_bytes includes them.
 *
 * Parsers take a buffer and its length and ignore a last line that has no
 * newline: a read cut short must not turn "123456" into "123". */
#ifndef LT_CGROUP_H
#define LT_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_err.h"
#include "lt_metric.h"

/* ---- pure parsers (exposed for unit tests) ---- */

/* The memory.stat fields leaktop uses, in bytes; -1 when absent. */
struct lt_cgroup_stat {
	int64_t anon;
	int64_t file;
	int64_t active_file;
	int64_t inactive_file;
};

/* Parse a v1 / v2 memory.stat.  Unknown keys, malformed lines and numbers
 * that do not fit in an int64_t are ignored.  Returns how many of the four
 * fields were found (0..4).  These functions can't fail. */
int lt_cgroup_parse_stat_v1(const char *buf, size_t len,
			    struct lt_cgroup_stat *out);
int lt_cgroup_parse_stat_v2(const char *buf, size_t len,
			    struct lt_cgroup_stat *out);

/* Parses a single-number file such as memory.current ("123\n").  Returns 0
 * and sets *out, or -1 for anything else ("max", garbage, no newline,
 * overflow). */
int lt_cgroup_parse_usage(const char *buf, size_t len, int64_t *out);

/* usage - inactive_file, floored at 0.  This function can't fail. */
int64_t lt_cgroup_working_set(int64_t usage, int64_t inactive_file);

/* Parses /proc/PID/cgroup.  *v1_memory is set to a malloc'd copy of the path
 * of the v1 hierarchy whose controller list has `memory`, *v2 to the path of
 * the "0::" line; each is NULL when absent (caller frees both).  Returns 0
 * when at least one was found, else -1 with both NULL. */
int lt_cgroup_parse_proc(const char *buf, size_t len, char **v1_memory,
			 char **v2);

/* A cgroup mount that can hold memory files. */
struct lt_cgroup_mount {
	int version;      /* 1: fstype cgroup with the memory option; 2: cgroup2 */
	char *root;       /* field 4: root of the mount inside the hierarchy */
	char *mountpoint; /* field 5, octal escapes (\040) decoded */
};

/* Parses one mountinfo line (len bytes, no newline needed).  Returns 1 and
 * fills *out (strings malloc'd, release with lt_cgroup_mount_clear) for a v1
 * memory or a cgroup2 mount, 0 for any other mount, -1 for a malformed line,
 * which includes a root or mount point that is not absolute or has a ".."
 * component (out is untouched for 0 and -1). */
int lt_cgroup_parse_mountinfo_line(const char *line, size_t len,
				   struct lt_cgroup_mount *out);
void lt_cgroup_mount_clear(struct lt_cgroup_mount *m); /* NULL-safe */

/* The directory of cgroup path (as in /proc/PID/cgroup) in hierarchy
 * version (1 or 2), using mountinfo (a whole file).  Among the mounts of that
 * version it uses the one whose root is the longest prefix of path (at a
 * '/' boundary) and joins its mount point with the rest of path.  Returns a
 * malloc'd path (caller frees), or NULL with LT_EXIT_ERROR and a reason: no
 * such mount, path outside every mount root, or a path with ".." (a cgroup
 * outside leaktop's cgroup namespace). */
char *lt_cgroup_resolve(const char *mountinfo, size_t len, int version,
			const char *path, lt_err *err);

/* ---- the per-process reader ---- */

typedef struct lt_cgroup lt_cgroup;

/* Finds pid's memory cgroup and checks its usage file can be read.  On
 * failure NULL is returned and err (LT_EXIT_ERROR) holds a one-line reason
 * meant for the user ("memory controller not enabled for v2 cgroup /x"). */
lt_cgroup *lt_cgroup_new(pid_t pid, lt_err *err);

/* Like lt_cgroup_new, from the text of /proc/PID/cgroup and of a mountinfo
 * (lets tests point at fixture directories). */
lt_cgroup *lt_cgroup_new_from(const char *proc_cgroup, size_t plen,
			      const char *mountinfo, size_t mlen, lt_err *err);

void lt_cgroup_free(lt_cgroup *cg); /* NULL-safe */

/* "v1:/path" or "v2:/path" (the cgroup path, not the directory).  Owned by
 * cg.  This function can't fail. */
const char *lt_cgroup_name(const lt_cgroup *cg);

/* The cgroup's directory, e.g. /sys/fs/cgroup/memory/x.  Owned by cg. */
const char *lt_cgroup_dir(const lt_cgroup *cg);

/* Reads usage and memory.stat into the LT_M_CG_* metrics of out; other
 * metrics are untouched.  Fields missing from memory.stat are left unset.
 * Returns -1 (LT_EXIT_ERROR, with the file and strerror) and sets no metric
 * when the usage file cannot be read, e.g. the cgroup was removed. */
int lt_cgroup_read(lt_cgroup *cg, struct lt_sample *out, lt_err *err);

/* The cgroup's memory limit in bytes (memory.max, or v1's
 * memory.limit_in_bytes); 0 when there is none ("max", or v1's "no limit"
 * value past 2^62) or it cannot be read. */
int64_t lt_cgroup_limit(lt_cgroup *cg);
/* The same from a limit file's text. */
int64_t lt_cgroup_parse_limit(const char *buf, size_t len);

#endif
