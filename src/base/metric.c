#include "lt_metric.h"

#include <string.h>

#define MiB (1024.0 * 1024.0)

_Static_assert(LT_M_COUNT <= 64, "lt_sample.have is a 64-bit mask");

/* Noise floors: page-granular memory jitters by a few hundred KiB as a
 * process runs; a handful of descriptors or threads come and go in any
 * healthy server.  Below these a change is not reported as growth. */
static const struct lt_metric_def defs[LT_M_COUNT] = {
	[LT_M_RSS_ANON] = {"rss_anon", "RSS anon", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_RSS_FILE] = {"rss_file", "RSS file", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_RSS_SHMEM] = {"rss_shmem", "RSS shmem", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_VM_DATA] = {"vm_data", "VmData", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_THREADS] = {"threads", "threads", LT_UNIT_COUNT, LT_KIND_LEVEL, 2},
	[LT_M_PSS] = {"pss", "PSS", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_SWAP] = {"swap", "swap", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_HEAP_MAP] = {"heap_map", "[heap] mapping", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_MAPS] = {"maps", "mappings", LT_UNIT_COUNT, LT_KIND_LEVEL, 8},
	[LT_M_FDS] = {"fds", "descriptors", LT_UNIT_COUNT, LT_KIND_LEVEL, 4},
	[LT_M_FD_FILE] = {"fd_file", "regular files", LT_UNIT_COUNT, LT_KIND_LEVEL, 4},
	[LT_M_FD_SOCKET] = {"fd_socket", "sockets", LT_UNIT_COUNT, LT_KIND_LEVEL, 4},
	[LT_M_FD_PIPE] = {"fd_pipe", "pipes", LT_UNIT_COUNT, LT_KIND_LEVEL, 4},
	[LT_M_FD_ANON] = {"fd_anon_inode", "anon_inode fds", LT_UNIT_COUNT, LT_KIND_LEVEL, 4},
	[LT_M_FD_OTHER] = {"fd_other", "other fds", LT_UNIT_COUNT, LT_KIND_LEVEL, 4},
	[LT_M_WRITE_BYTES] = {"write_bytes", "bytes written (storage)", LT_UNIT_BYTES, LT_KIND_CUMULATIVE, 1 * MiB},
	[LT_M_WCHAR] = {"wchar", "bytes written (syscalls)", LT_UNIT_BYTES, LT_KIND_CUMULATIVE, 1 * MiB},
	[LT_M_CG_USAGE] = {"cg_usage", "cgroup usage", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_CG_ANON] = {"cg_anon", "cgroup anon", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_CG_FILE] = {"cg_file", "cgroup file cache", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_CG_ACTIVE_FILE] = {"cg_active_file", "cgroup active file", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_CG_INACTIVE_FILE] = {"cg_inactive_file", "cgroup inactive file", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
	[LT_M_CG_WORKING_SET] = {"cg_working_set", "cgroup working set", LT_UNIT_BYTES, LT_KIND_LEVEL, 1 * MiB},
};

const struct lt_metric_def *lt_metric_def(int id)
{
	return &defs[id];
}

int lt_metric_by_key(const char *key)
{
	for (int i = 0; i < LT_M_COUNT; i++)
		if (strcmp(defs[i].key, key) == 0)
			return i;
	return -1;
}
