/* The Go reader on a live process (lt_goread_new in lt_goread.h): its
 * memory through process_vm_readv, its mappings from /proc/PID/maps
 * (lt_proc, like every /proc read), where its executable is loaded from
 * its auxv, its nanotime from our CLOCK_MONOTONIC and its time
 * namespace.  Nothing is
 * written to the process and nothing of it is stopped. */
#include "lt_goread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lt_clock.h"
#include "lt_elf.h"
#include "lt_proc.h"

#define IOV 256                    /* blocks per process_vm_readv */
#define MAPS_CHUNK 8192            /* /proc/PID/maps streamed through it */

/* The memory source's context; freed by the reader (live_release). */
struct live {
	pid_t pid;
	int procfd;                    /* /proc/PID (lt_proc_open) */
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
	struct lt_proc_lines it;
	char chunk[MAPS_CHUNK];
	size_t dcap = 0, ccap = 0, len;
	const char *line;
	int cut, rc;

	*data = *code = NULL;
	*ndata = *ncode = 0;
	if (lt_proc_lines_open(&it, r->procfd, 0, "maps", chunk, sizeof(chunk)) < 0)
		return -1;
	while ((rc = lt_proc_lines_next(&it, &line, &len, &cut)) > 0) {
		struct lt_proc_map mp;

		if (lt_proc_parse_map(line, len, &mp) < 0 || mp.start >= mp.end)
			continue;
		if (mp.perms[0] == 'r' && mp.perms[1] == 'w')
			range_add(data, ndata, &dcap, mp.start, mp.end);
		if (mp.perms[2] == 'x')
			range_add(code, ncode, &ccap, mp.start, mp.end);
	}
	lt_proc_lines_close(&it);
	if (rc < 0) {
		free(*data);
		free(*code);
		*data = *code = NULL;
		*ndata = *ncode = 0;
	}
	return rc < 0 ? -1 : 0;
}

/* Go's nanotime() is CLOCK_MONOTONIC, moved by the target's time
 * namespace offset if it has its own. */
static int64_t live_now(void *ctx)
{
	struct live *r = ctx;

	return r->clock_known ? (int64_t)(lt_clock_mono() * 1e9) + r->mono_offset : -1;
}

static void live_release(void *ctx)
{
	struct live *r = ctx;

	close(r->procfd);
	free(r);
}

/* The monotonic offset of the time namespace of procfd's process, from
 * its timens_offsets ("monotonic SECS NSECS" lines): 1 read, 0 no such
 * file (a kernel without time namespaces: no offset), -1 unreadable. */
static int timens_offset(int procfd, int64_t *out)
{
	char buf[256];
	ssize_t n = lt_proc_read_buf(procfd, 0, "timens_offsets", buf, sizeof(buf));
	struct lt_lines it;
	const char *line;
	size_t len;

	*out = 0;
	if (n < 0)
		return errno == ENOENT ? 0 : -1;
	lt_lines_init(&it, buf, (size_t)n);
	while (lt_lines_next(&it, &line, &len)) {
		size_t i = 9;
		int64_t sec, ns;
		int neg;

		if (!lt_text_has_prefix(line, len, "monotonic"))
			continue;
		lt_text_skip_blanks(line, len, &i);
		neg = i < len && line[i] == '-';
		i += (size_t)neg;
		if (lt_text_dec(line, len, &i, &sec) < 0 || sec > (1LL << 32))
			return -1;
		lt_text_skip_blanks(line, len, &i);
		if (lt_text_dec(line, len, &i, &ns) < 0 || ns >= 1000000000)
			return -1;
		*out = (neg ? -sec : sec) * 1000000000 + ns;
		return 1;
	}
	return -1;
}

/* The load bias of a position-independent executable: where the kernel
 * put its entry point (AT_ENTRY in /proc/PID/auxv) minus the ELF header's
 * e_entry.  0 for a fixed-address one. */
static int exe_bias(int procfd, const struct lt_golayout *l, uint64_t *bias)
{
	uint64_t auxv[128];
	ssize_t n;

	*bias = 0;
	if (!l->pie)
		return 0;
	n = lt_proc_read_buf(procfd, 0, "auxv", (char *)auxv, sizeof(auxv));
	for (ssize_t i = 0; n > 0 && i + 1 < n / 8; i += 2)
		if (auxv[i] == 9 /* AT_ENTRY */ && auxv[i + 1] >= l->entry &&
		    !((auxv[i + 1] - l->entry) & 0xfff)) {
			*bias = auxv[i + 1] - l->entry;
			return 0;
		}
	return -1;
}

lt_goread *lt_goread_new(pid_t pid, lt_err *err)
{
	struct lt_elf_program prog = {0};
	struct lt_golayout l;
	char path[64];
	uint64_t bias;
	int64_t ours = 0, theirs = 0;
	struct live *lv;
	int fd, self, a, b;

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
	a = lt_golayout_read(fd, path, &l, err);
	close(fd);
	if (a < 0)
		return NULL;
	lv = lt_xcalloc(1, sizeof(*lv));
	lv->pid = pid;
	lv->procfd = lt_proc_open(pid);
	if (lv->procfd < 0 || exe_bias(lv->procfd, &l, &bias) < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "process %d: %s", (int)pid,
			   lv->procfd < 0 ? strerror(errno)
			   : "where its executable is loaded is unknown (auxv)");
		if (lv->procfd >= 0)
			close(lv->procfd);
		free(lv);
		lt_golayout_free(&l);
		return NULL;
	}
	self = lt_proc_open(getpid());
	a = self >= 0 ? timens_offset(self, &ours) : -1;
	b = timens_offset(lv->procfd, &theirs);
	if (self >= 0)
		close(self);
	lv->clock_known = a >= 0 && b >= 0;
	lv->mono_offset = lv->clock_known ? theirs - ours : 0;
	return lt_goread_new_mem(&l, bias, &(struct lt_gomem){lv, live_read, live_maps,
		live_now, live_readv, live_release}, err);
}
