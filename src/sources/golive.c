/* The Go reader on a live process (lt_goread_new in lt_goread.h): its
 * memory through process_vm_readv, its mappings from /proc/PID/maps, its
 * nanotime from our CLOCK_MONOTONIC and its time namespace.  Nothing is
 * written to the process and nothing of it is stopped. */
#include "lt_goread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lt_clock.h"
#include "lt_elf.h"

#define IOV 256                    /* blocks per process_vm_readv */

/* The memory source's context; freed by the reader (free). */
struct live {
	pid_t pid;
	int64_t mono_offset;           /* target's CLOCK_MONOTONIC - ours */
	int clock_known;
};

static int live_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct live *r = ctx;
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(r->pid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = EFAULT;
	return -1;
}

/* Block i (lens[i] bytes at addrs[i]) to buf + i * stride, up to IOV
 * blocks in one system call; the kernel stops at the first that fails.
 * Returns the blocks read whole. */
static size_t live_readv(void *ctx, const uint64_t *addrs, const size_t *lens,
			 size_t n, unsigned char *buf, size_t stride)
{
	struct live *r = ctx;
	struct iovec local[IOV] = {{0}}, remote[IOV] = {{0}}; /* (for gcc) */
	ssize_t got;
	size_t k = 0;

	if (n == 0)
		return 0;
	if (n > IOV)
		n = IOV;
	for (size_t i = 0; i < n; i++) {
		local[i] = (struct iovec){buf + i * stride, lens[i]};
		remote[i] = (struct iovec){(void *)(uintptr_t)addrs[i], lens[i]};
	}
	got = process_vm_readv(r->pid, local, (unsigned long)n, remote, (unsigned long)n, 0);
	while (got > 0 && k < n && (size_t)got >= lens[k])
		got -= (ssize_t)lens[k++];
	return k;
}

static void range_add(struct lt_gorange **a, size_t *n, size_t *cap,
		      uint64_t lo, uint64_t hi)
{
	if (*n && (*a)[*n - 1].hi == lo) {     /* adjacent: one range */
		(*a)[*n - 1].hi = hi;
		return;
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*a = lt_xrealloc(*a, *cap * sizeof(**a));
	}
	(*a)[(*n)++] = (struct lt_gorange){lo, hi};
}

static int live_maps(void *ctx, struct lt_gorange **data, size_t *ndata,
		     struct lt_gorange **code, size_t *ncode)
{
	struct live *r = ctx;
	char path[64], *line = NULL;
	size_t len = 0, dcap = 0, ccap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)r->pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	*data = *code = NULL;
	*ndata = *ncode = 0;
	while (getline(&line, &len, f) > 0) {
		unsigned long long lo, hi;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 || lo >= hi ||
		    strlen(perms) < 3)
			continue;
		if (perms[0] == 'r' && perms[1] == 'w')
			range_add(data, ndata, &dcap, lo, hi);
		if (perms[2] == 'x')
			range_add(code, ncode, &ccap, lo, hi);
	}
	free(line);
	fclose(f);
	return 0;
}

/* Go's nanotime() is CLOCK_MONOTONIC, moved by the target's time
 * namespace offset if it has its own. */
static int64_t live_now(void *ctx)
{
	struct live *r = ctx;

	return r->clock_known ? (int64_t)(lt_clock_mono() * 1e9) + r->mono_offset : -1;
}

/* The monotonic offset of a time namespace, from /proc/P/timens_offsets:
 * 1 read, 0 no such file (kernel without time namespaces: no offset), -1
 * unreadable. */
static int timens_offset(const char *pid, int64_t *out)
{
	char path[64], line[128];
	FILE *f;
	int rc = -1;

	*out = 0;
	snprintf(path, sizeof(path), "/proc/%s/timens_offsets", pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f)) {
		long long s, ns;

		if (sscanf(line, "monotonic %lld %lld", &s, &ns) == 2 &&
		    s > -(1LL << 32) && s < (1LL << 32)) {
			*out = (int64_t)s * 1000000000 + ns;
			rc = 1;
		}
	}
	fclose(f);
	return rc;
}

/* The load bias of the executable: where its mapping at file offset 0
 * starts minus the segment's link address.  The mapping is recognised by
 * the device and inode of /proc/PID/exe. */
static int exe_bias(pid_t pid, int fd, const struct lt_golayout *l,
		    uint64_t *bias)
{
	struct stat st;
	char path[64], *line = NULL;
	size_t len = 0;
	FILE *f;
	int rc = -1;

	*bias = 0;
	if (!l->pie)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (fstat(fd, &st) != 0 || !(f = fopen(path, "re")))
		return -1;
	while (rc < 0 && getline(&line, &len, f) > 0) {
		unsigned long long lo, hi, off, ino;
		unsigned maj, mnr;

		if (sscanf(line, "%llx-%llx %*s %llx %x:%x %llu", &lo, &hi, &off,
			   &maj, &mnr, &ino) == 6 && off == 0 && ino == st.st_ino &&
		    maj == major(st.st_dev) && mnr == minor(st.st_dev)) {
			*bias = lo - l->load_vaddr;
			rc = 0;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

lt_goread *lt_goread_new(pid_t pid, lt_err *err)
{
	struct lt_elf_program prog;
	struct lt_golayout l;
	char path[64], self[16];
	uint64_t bias;
	int64_t ours, theirs;
	struct live *lv;
	int fd, a, b;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (lt_elf_program(fd, path, &prog, err) < 0 || !prog.go) {
		if (!prog.go)
			lt_err_set(err, LT_EXIT_TARGET, "process %d is not a Go program", (int)pid);
		close(fd);
		return NULL;
	}
	if (lt_golayout_read(fd, path, &l, err) < 0) {
		close(fd);
		return NULL;
	}
	if (exe_bias(pid, fd, &l, &bias) < 0) {
		close(fd);
		lt_golayout_free(&l);
		lt_err_set(err, LT_EXIT_TARGET, "process %d: its executable is not "
			   "mapped at offset 0", (int)pid);
		return NULL;
	}
	close(fd);
	lv = lt_xcalloc(1, sizeof(*lv));
	lv->pid = pid;
	snprintf(self, sizeof(self), "%d", (int)pid);
	a = timens_offset("self", &ours);
	b = timens_offset(self, &theirs);
	lv->clock_known = a >= 0 && b >= 0;
	lv->mono_offset = theirs - ours;
	return lt_goread_new_mem(&l, bias, &(struct lt_gomem){lv, live_read, live_maps,
		live_now, live_readv, free}, err);
}
