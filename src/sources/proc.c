/* Bounded reads and parsers of /proc/PID files (lt_proc.h). */
#include "lt_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- files ---- */

int lt_proc_open(pid_t pid)
{
	char path[32];

	if (pid <= 0) {
		errno = ENOENT;
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* "file" or "task/TID/file" into path; -1 with ENAMETOOLONG if cut. */
static int rel_path(char *path, size_t n, pid_t tid, const char *file)
{
	int k = tid > 0 ? snprintf(path, n, "task/%d/%s", (int)tid, file)
			: snprintf(path, n, "%s", file);

	if (k < 0 || (size_t)k >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

ssize_t lt_proc_read(int procfd, pid_t tid, const char *file,
		     struct lt_text_buf *b, size_t max)
{
	char path[96];

	if (rel_path(path, sizeof(path), tid, file) < 0)
		return -1;
	return lt_text_read_grow(procfd, path, b, max);
}

ssize_t lt_proc_read_buf(int procfd, pid_t tid, const char *file, char *buf,
			 size_t cap)
{
	char path[96];

	if (rel_path(path, sizeof(path), tid, file) < 0)
		return -1;
	return lt_text_read_at(procfd, path, buf, cap);
}

/* ---- task listing ---- */

int lt_proc_tasks_open(int procfd, struct lt_proc_tasks *it)
{
	int fd = openat(procfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	it->d = NULL;
	if (fd < 0)
		return -1;
	it->d = fdopendir(fd);
	if (!it->d) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return 0;
}

int lt_proc_tasks_next(struct lt_proc_tasks *it, pid_t *tid)
{
	struct dirent *e;

	while (it->d && (e = readdir(it->d))) {
		int64_t v;

		if (lt_text_dec_all(e->d_name, strlen(e->d_name), &v) == 0 &&
		    v > 0 && v <= INT_MAX) {
			*tid = (pid_t)v;
			return 1;
		}
	}
	return 0;
}

void lt_proc_tasks_close(struct lt_proc_tasks *it)
{
	if (it && it->d) {
		closedir(it->d);
		it->d = NULL;
	}
}

/* ---- stat ---- */

/* A space, then a decimal (negative when neg_ok) into *v. */
static int next_field(const char *s, size_t n, size_t *i, int neg_ok,
		      int64_t *v)
{
	int neg;

	if (*i >= n || s[*i] != ' ')
		return -1;
	(*i)++;
	neg = neg_ok && *i < n && s[*i] == '-';
	*i += (size_t)neg;
	if (lt_text_dec(s, n, i, v) < 0)
		return -1;
	if (neg)
		*v = -*v;
	return 0;
}

int lt_proc_parse_stat(const char *buf, size_t len, struct lt_proc_stat *out)
{
	size_t i = 0, lp, rp = len, n;
	int64_t v;

	if (lt_text_dec(buf, len, &i, &out->pid) < 0 || len - i < 2 ||
	    buf[i] != ' ' || buf[i + 1] != '(')
		return -1;
	lp = i + 1;
	while (rp > lp && buf[rp - 1] != ')')
		rp--;
	if (rp == lp) /* no ')' after the '(' */
		return -1;
	rp--; /* at the last ')' */
	n = rp - lp - 1;
	if (n > sizeof(out->comm) - 1)
		n = sizeof(out->comm) - 1;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)buf[lp + 1 + k];

		out->comm[k] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out->comm[n] = '\0';
	/* ") S ppid pgrp session tty_nr tpgid flags" */
	i = rp + 1;
	if (len - i < 2 || buf[i] != ' ' ||
	    !((buf[i + 1] >= 'A' && buf[i + 1] <= 'Z') ||
	      (buf[i + 1] >= 'a' && buf[i + 1] <= 'z')))
		return -1;
	out->state = buf[i + 1];
	i += 2;
	if (next_field(buf, len, &i, 0, &out->ppid) < 0)
		return -1;
	for (int field = 5; field <= 8; field++) /* pgrp .. tpgid */
		if (next_field(buf, len, &i, 1, &v) < 0)
			return -1;
	if (next_field(buf, len, &i, 0, &v) < 0 ||
	    (i < len && buf[i] != ' ' && buf[i] != '\n'))
		return -1;
	out->flags = (uint64_t)v;
	return 0;
}

/* ---- "Key: value" ---- */

int lt_proc_key_num(const char *line, size_t len, const char *key, int kb,
		    int64_t *out)
{
	size_t i;
	int64_t v;

	if (!lt_text_key(line, len, key, &i))
		return 0;
	if (lt_text_dec(line, len, &i, &v) < 0)
		return 1;
	if (kb) {
		/* The unit must be there: a line cut before it is not a
		 * number of bytes. */
		if (len - i != 3 || memcmp(line + i, " kB", 3) != 0 ||
		    v > INT64_MAX / 1024)
			return 1;
		v *= 1024;
	} else if (i != len) {
		return 1;
	}
	*out = v;
	return 1;
}

void lt_proc_parse_status(const char *buf, size_t len,
			  struct lt_proc_status *out)
{
	struct lt_lines it;
	const char *l;
	size_t n, i;

	lt_lines_init(&it, buf, len);
	out->rss_anon = out->rss_file = out->rss_shmem = out->vm_data = -1;
	out->threads = out->tgid = out->tracer_pid = out->ns_tgid = -1;
	out->state = 0;
	while (lt_lines_next(&it, &l, &n)) {
		int64_t v;

		/* "NStgid:	17591	1": outermost first, innermost last. */
		if (lt_text_key(l, n, "NStgid", &i)) {
			while (i < n && lt_text_dec(l, n, &i, &v) == 0) {
				out->ns_tgid = v;
				lt_text_skip_blanks(l, n, &i);
			}
			continue;
		}
		if (lt_proc_key_num(l, n, "RssAnon", 1, &out->rss_anon) ||
		    lt_proc_key_num(l, n, "RssFile", 1, &out->rss_file) ||
		    lt_proc_key_num(l, n, "RssShmem", 1, &out->rss_shmem) ||
		    lt_proc_key_num(l, n, "VmData", 1, &out->vm_data) ||
		    lt_proc_key_num(l, n, "Threads", 0, &out->threads) ||
		    lt_proc_key_num(l, n, "Tgid", 0, &out->tgid) ||
		    lt_proc_key_num(l, n, "TracerPid", 0, &out->tracer_pid))
			continue;
		/* "State:\tS (sleeping)"; 't' is a tracing stop. */
		if (lt_text_key(l, n, "State", &i) && i < n &&
		    ((l[i] >= 'A' && l[i] <= 'Z') ||
		     (l[i] >= 'a' && l[i] <= 'z')))
			out->state = l[i];
	}
}

/* ---- syscall ---- */

long lt_proc_parse_syscall(const char *buf, size_t len)
{
	size_t i = 0;
	int64_t v;

	/* Far above any syscall number: a bigger one is not a number. */
	if (lt_text_dec(buf, len, &i, &v) < 0 || v > 100000 || i == len ||
	    (buf[i] != ' ' && buf[i] != '\n'))
		return -1;
	return (long)v;
}

/* ---- maps ---- */

/* Skips one blank-separated token; -1 if there is none. */
static int skip_token(const char *s, size_t n, size_t *i)
{
	size_t k;

	lt_text_skip_blanks(s, n, i);
	k = *i;
	while (*i < n && s[*i] != ' ' && s[*i] != '\t')
		(*i)++;
	return *i > k ? 0 : -1;
}

int lt_proc_parse_map(const char *l, size_t n, struct lt_proc_map *out)
{
	size_t i = 0, p;
	int64_t inode;

	if (lt_text_hex(l, n, &i, &out->start) < 0 || i >= n || l[i++] != '-' ||
	    lt_text_hex(l, n, &i, &out->end) < 0 || i >= n || l[i] != ' ' ||
	    out->end < out->start)
		return -1;
	lt_text_skip_blanks(l, n, &i);
	p = i;
	if (skip_token(l, n, &i) < 0 || i - p != 4)
		return -1;
	memcpy(out->perms, l + p, 4);
	out->perms[4] = '\0';
	lt_text_skip_blanks(l, n, &i);
	if (lt_text_hex(l, n, &i, &out->offset) < 0 ||
	    skip_token(l, n, &i) < 0) /* dev */
		return -1;
	lt_text_skip_blanks(l, n, &i);
	if (lt_text_dec(l, n, &i, &inode) < 0 ||
	    (i < n && l[i] != ' ' && l[i] != '\t'))
		return -1;
	lt_text_skip_blanks(l, n, &i);
	out->path = l + i;
	out->pathlen = n - i;
	return 0;
}

int lt_proc_lines_open(struct lt_proc_lines *s, int procfd, pid_t tid,
		       const char *file, char *buf, size_t cap)
{
	char path[96];

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (rel_path(path, sizeof(path), tid, file) < 0)
		return -1;
	s->fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return -1;
	s->buf = buf;
	s->cap = cap;
	return 0;
}

int lt_proc_lines_next(struct lt_proc_lines *s, const char **line,
		       size_t *len, int *cut)
{
	for (;;) {
		const char *nl = s->pos < s->end
			? memchr(s->buf + s->pos, '\n', s->end - s->pos) : NULL;
		ssize_t n;

		if (nl) {
			size_t at = s->pos, l = (size_t)(nl - s->buf) - at;
			int was_skipping = s->skipping;

			s->pos = (size_t)(nl - s->buf) + 1;
			s->skipping = 0;
			if (was_skipping) /* the tail of a long line */
				continue;
			*line = s->buf + at;
			*len = l;
			*cut = 0;
			return 1;
		}
		/* No newline in what is left: make room, or give up on
		 * the line when it fills the whole buffer. */
		if (s->pos == 0 && s->end == s->cap) {
			int report = !s->skipping;

			s->skipping = 1;
			s->pos = s->end = 0;
			if (report) {
				*line = s->buf;
				*len = s->cap;
				*cut = 1;
				return 1;
			}
		}
		if (s->pos > 0) {
			memmove(s->buf, s->buf + s->pos, s->end - s->pos);
			s->end -= s->pos;
			s->pos = 0;
		}
		if (s->fd < 0)
			return 0;
		n = read(s->fd, s->buf + s->end, s->cap - s->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0; /* a last line without newline is dropped */
		s->end += (size_t)n;
	}
}

void lt_proc_lines_close(struct lt_proc_lines *s)
{
	if (!s || !s->buf)
		return;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->buf = NULL;
}
