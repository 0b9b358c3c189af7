/* Reading the target's memory and mappings (see lt_tmem.h). */
#include "lt_tmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lt_proc.h"

#define LINE_CAP 65536
#define WORDS_PER_CALL 1024

struct lt_tmem {
	pid_t pid;
	int memfd;        /* /proc/PID/mem, or -1 when process_vm_readv works */
	uint64_t bytes;
};

lt_tmem *lt_tmem_open(pid_t pid, lt_err *err)
{
	lt_tmem *m = lt_xcalloc(1, sizeof(*m));
	struct lt_tmem_map *maps = NULL;
	size_t n = 0;
	char path[64];
	uint64_t probe;

	m->pid = pid;
	m->memfd = -1;
	if (lt_tmem_maps(pid, &maps, &n, err) != 0)
		goto fail;
	/* Probe with the first readable mapping. */
	for (size_t i = 0; i < n; i++) {
		struct iovec l = {&probe, sizeof(probe)};
		struct iovec r = {(void *)(uintptr_t)maps[i].lo, sizeof(probe)};

		if (maps[i].perm[0] != 'r')
			continue;
		if (process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)sizeof(probe)) {
			free(maps);
			return m;
		}
		if (errno == ESRCH) {
			lt_err_set(err, LT_EXIT_TARGET, "process %d is gone", (int)pid);
			goto fail;
		}
		break;
	}
	free(maps);
	maps = NULL;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	m->memfd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->memfd < 0) {
		lt_err_set(err, LT_EXIT_TARGET,
			   "cannot read the memory of process %d: %s", (int)pid,
			   strerror(errno));
		goto fail;
	}
	return m;
fail:
	free(maps);
	free(m);
	return NULL;
}

void lt_tmem_free(lt_tmem *m)
{
	if (!m)
		return;
	if (m->memfd >= 0)
		close(m->memfd);
	free(m);
}

const char *lt_tmem_via(const lt_tmem *m)
{
	return m->memfd >= 0 ? "/proc/PID/mem" : "process_vm_readv";
}

uint64_t lt_tmem_bytes(const lt_tmem *m)
{
	return m->bytes;
}

/* One range, page by page after a failure: returns the bytes read from
 * the start. */
static size_t read_one(lt_tmem *m, uint64_t addr, char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r;

		if (m->memfd >= 0) {
			r = pread(m->memfd, buf + done, len - done,
				  (off_t)(addr + done));
		} else {
			struct iovec l = {buf + done, len - done};
			struct iovec rv = {(void *)(uintptr_t)(addr + done),
					   len - done};

			r = process_vm_readv(m->pid, &l, 1, &rv, 1, 0);
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
		m->bytes += (uint64_t)r;
	}
	if (done < len)
		memset(buf + done, 0, len - done);
	return done;
}

size_t lt_tmem_read(lt_tmem *m, uint64_t addr, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (addr + len < addr) { /* wraps: hostile input */
		memset(buf, 0, len);
		return 0;
	}
	return read_one(m, addr, buf, len);
}

size_t lt_tmem_read_words(lt_tmem *m, const uint64_t *addr, uint64_t *out,
			  size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n;) {
		struct iovec l = {out + i, 0}, r[WORDS_PER_CALL];
		size_t k = 0;
		ssize_t got = -1;

		if (m->memfd < 0) {
			for (; k < WORDS_PER_CALL && i + k < n; k++)
				r[k] = (struct iovec){(void *)(uintptr_t)addr[i + k], 8};
			l.iov_len = k * 8;
			do
				got = process_vm_readv(m->pid, &l, 1, r, k, 0);
			while (got < 0 && errno == EINTR);
		}
		if (got > 0) {
			m->bytes += (uint64_t)got;
			i += (size_t)got / 8;
			if ((size_t)got == k * 8)
				continue;
		}
		/* The word that failed (or /proc/PID/mem): one at a time. */
		if (read_one(m, addr[i], (char *)&out[i], 8) < 8) {
			out[i] = 0;
			bad++;
		}
		i++;
	}
	return bad;
}

int lt_tmem_maps(pid_t pid, struct lt_tmem_map **maps, size_t *n,
		 lt_err *err)
{
	struct lt_proc_lines ls = {0};
	struct lt_tmem_map *out = NULL;
	size_t cnt = 0, cap = 0;
	char *buf = lt_xmalloc(LINE_CAP);
	const char *line;
	size_t len;
	int procfd = lt_proc_open(pid), cut, r;

	if (procfd < 0 || lt_proc_lines_open(&ls, procfd, 0, "maps", buf, LINE_CAP) != 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot read /proc/%d/maps: %s",
			   (int)pid, strerror(errno));
		goto fail;
	}
	while ((r = lt_proc_lines_next(&ls, &line, &len, &cut)) == 1) {
		struct lt_proc_map pm;
		struct lt_tmem_map *e;
		size_t pl;

		if (lt_proc_parse_map(line, len, &pm) != 0 || pm.end <= pm.start ||
		    (cnt && pm.start < out[cnt - 1].hi))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 256;
			out = lt_xrealloc(out, cap * sizeof(*out));
		}
		e = &out[cnt++];
		memset(e, 0, sizeof(*e));
		e->lo = pm.start;
		e->hi = pm.end;
		memcpy(e->perm, pm.perms, sizeof(e->perm));
		pl = pm.pathlen < sizeof(e->path) - 1 ? pm.pathlen : sizeof(e->path) - 1;
		memcpy(e->path, pm.path, pl);
	}
	if (r < 0 || cnt == 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot read /proc/%d/maps: %s",
			   (int)pid, r < 0 ? strerror(errno) : "no mappings (gone?)");
		goto fail;
	}
	lt_proc_lines_close(&ls);
	close(procfd);
	free(buf);
	*maps = out;
	*n = cnt;
	return 0;
fail:
	lt_proc_lines_close(&ls);
	if (procfd >= 0)
		close(procfd);
	free(buf);
	free(out);
	return -1;
}

long lt_tmem_map_find(const struct lt_tmem_map *maps, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < maps[mid].lo)
			hi = mid;
		else if (addr >= maps[mid].hi)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}
