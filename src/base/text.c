#include "lt_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_err.h"

/* First allocation of a lt_text_buf: status, stat, io and smaps_rollup all
 * fit, so the common case never grows. */
#define BUF_START (16 * 1024)

/* ---- lines ---- */

void lt_lines_init(struct lt_lines *it, const char *buf, size_t len)
{
	it->p = buf;
	it->end = buf + len;
}

int lt_lines_next(struct lt_lines *it, const char **line, size_t *len)
{
	const char *nl;

	if (it->p >= it->end)
		return 0;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	if (!nl) {
		it->p = it->end;
		return 0;
	}
	*line = it->p;
	*len = (size_t)(nl - it->p);
	it->p = nl + 1;
	return 1;
}

/* ---- numbers ---- */

int lt_text_dec(const char *s, size_t n, size_t *i, int64_t *out)
{
	int64_t v = 0;
	size_t k = *i;

	for (; k < n && s[k] >= '0' && s[k] <= '9'; k++) {
		int d = s[k] - '0';

		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (k == *i)
		return -1;
	*i = k;
	*out = v;
	return 0;
}

int lt_text_dec_all(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	int64_t v;

	if (lt_text_dec(s, n, &i, &v) < 0 || i != n)
		return -1;
	*out = v;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int lt_text_hex(const char *s, size_t n, size_t *i, uint64_t *out)
{
	uint64_t v = 0;
	size_t k = *i;
	int d;

	for (; k < n && (d = hex_digit(s[k])) >= 0; k++) {
		if (v >> 60) /* a fifth nibble would be shifted out */
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (k == *i)
		return -1;
	*i = k;
	*out = v;
	return 0;
}

/* ---- spans ---- */

void lt_text_skip_blanks(const char *s, size_t n, size_t *i)
{
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
}

int lt_text_span_eq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n == l && memcmp(s, lit, l) == 0;
}

int lt_text_has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t l = strlen(prefix);

	return n >= l && memcmp(s, prefix, l) == 0;
}

int lt_text_key(const char *line, size_t len, const char *key,
		size_t *value)
{
	size_t kl = strlen(key), i;

	if (len <= kl || memcmp(line, key, kl) != 0 || line[kl] != ':')
		return 0;
	i = kl + 1;
	lt_text_skip_blanks(line, len, &i);
	*value = i;
	return 1;
}

char *lt_text_span_dup(const char *s, size_t n)
{
	char *p = lt_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---- bounded reads ---- */

ssize_t lt_text_read_at(int dirfd, const char *name, char *buf, size_t cap)
{
	size_t len = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return (ssize_t)len;
}

ssize_t lt_text_read_grow(int dirfd, const char *name, struct lt_text_buf *b,
			  size_t max)
{
	if (b->cap == 0 && max > 0) {
		b->cap = max < BUF_START ? max : BUF_START;
		b->p = lt_xmalloc(b->cap);
	}
	for (;;) {
		/* A buffer grown by an earlier call with a larger max must
		 * still stop at this call's max. */
		size_t lim = b->cap < max ? b->cap : max;
		ssize_t n = lt_text_read_at(dirfd, name, b->p, lim);

		if (n < 0 || (size_t)n < lim || lim == max)
			return n; /* failed, whole, or cut at max */
		/* Full: read it all again from a fresh open rather than
		 * continue, so a file the kernel generates on open (seq_file)
		 * comes from one generation, not two stitched together. */
		b->cap = b->cap > max / 2 ? max : b->cap * 2;
		free(b->p);
		b->p = lt_xmalloc(b->cap);
	}
}

void lt_text_buf_free(struct lt_text_buf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->cap = 0;
}
