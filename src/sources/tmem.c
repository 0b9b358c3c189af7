/* Reading the target's memory and mappings (see lt_tmem.h). */
#include "lt_tmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lt_text.h"

#define MAPS_CAP (64u << 20)
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

/* Parses one maps line into *e.  Returns 0, or -1 for a line that does not
 * parse. */
static int parse_line(const char *s, size_t n, struct lt_tmem_map *e)
{
	size_t i = 0, p;
	uint64_t off, major, minor;
	int64_t inode;

	memset(e, 0, sizeof(*e));
	if (lt_text_hex(s, n, &i, &e->lo) || i >= n || s[i++] != '-' ||
	    lt_text_hex(s, n, &i, &e->hi) || e->hi <= e->lo)
		return -1;
	lt_text_skip_blanks(s, n, &i);
	if (i + 4 > n)
		return -1;
	memcpy(e->perm, s + i, 4);
	i += 4;
	lt_text_skip_blanks(s, n, &i);
	if (lt_text_hex(s, n, &i, &off))
		return -1;
	lt_text_skip_blanks(s, n, &i);
	if (lt_text_hex(s, n, &i, &major) || i >= n || s[i++] != ':' ||
	    lt_text_hex(s, n, &i, &minor))
		return -1;
	lt_text_skip_blanks(s, n, &i);
	if (lt_text_dec(s, n, &i, &inode))
		return -1;
	e->inode = (uint64_t)inode;
	lt_text_skip_blanks(s, n, &i);
	p = n - i < sizeof(e->path) - 1 ? n - i : sizeof(e->path) - 1;
	memcpy(e->path, s + i, p);
	return 0;
}

int lt_tmem_maps(pid_t pid, struct lt_tmem_map **maps, size_t *n,
		 lt_err *err)
{
	char path[64];
	char *buf = NULL;
	size_t len = 0, cap = 0, cnt = 0, mcap = 0;
	struct lt_tmem_map *out = NULL;
	struct lt_lines it;
	const char *line;
	size_t llen;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot read %s: %s", path,
			   strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t r;

		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 262144;
			buf = lt_xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			lt_err_set(err, LT_EXIT_TARGET, "cannot read %s: %s",
				   path, strerror(errno));
			close(fd);
			free(buf);
			return -1;
		}
		if (r == 0 || len + (size_t)r >= MAPS_CAP)
			break;
		len += (size_t)r;
	}
	close(fd);
	lt_lines_init(&it, buf, len);
	while (lt_lines_next(&it, &line, &llen)) {
		if (cnt == mcap) {
			mcap = mcap ? mcap * 2 : 256;
			out = lt_xrealloc(out, mcap * sizeof(*out));
		}
		if (parse_line(line, llen, &out[cnt]) == 0 &&
		    (cnt == 0 || out[cnt].lo >= out[cnt - 1].hi))
			cnt++;
	}
	free(buf);
	if (cnt == 0) {
		free(out);
		lt_err_set(err, LT_EXIT_TARGET, "process %d has no mappings (gone?)",
			   (int)pid);
		return -1;
	}
	*maps = out;
	*n = cnt;
	return 0;
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
