/* Pointers the kernel holds for the target, for the reachability scan:
 * a program may keep a block only in an epoll registration (the
 * epoll_event's data, listed in /proc/PID/fdinfo/FD as "data:") or in a
 * POSIX timer's sigev_value (/proc/PID/timers, "signal: SIG/VALUE").
 * Those words are roots like any in its memory.  Other places the kernel
 * keeps user data (io_uring user_data in flight, queued signals' sigval,
 * AIO) are not read: see doc/reach.md. */
#include "lt_reach_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lt_proc.h"
#include "lt_text.h"

#define FILE_CAP (1u << 20)
#define MAX_FDS 65536

struct words {
	uint64_t *w;
	size_t n, cap;
};

static void add(struct words *ws, uint64_t v)
{
	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? ws->cap * 2 : 64;
		ws->w = lt_xrealloc(ws->w, ws->cap * sizeof(*ws->w));
	}
	ws->w[ws->n++] = v;
}

/* Every "data: HEX" of an epoll fd's fdinfo. */
static void epoll_data(const char *buf, size_t len, struct words *ws)
{
	struct lt_lines it;
	const char *line;
	size_t n;

	lt_lines_init(&it, buf, len);
	while (lt_lines_next(&it, &line, &n)) {
		const char *d;
		size_t i;
		uint64_t v;

		if (!lt_text_has_prefix(line, n, "tfd:"))
			continue;
		d = memmem(line, n, "data:", 5);
		if (!d)
			continue;
		i = (size_t)(d - line) + 5;
		lt_text_skip_blanks(line, n, &i);
		if (lt_text_hex(line, n, &i, &v) == 0)
			add(ws, v);
	}
}

/* Every "signal: SIG/HEX" of /proc/PID/timers. */
static void timer_values(const char *buf, size_t len, struct words *ws)
{
	struct lt_lines it;
	const char *line;
	size_t n;

	lt_lines_init(&it, buf, len);
	while (lt_lines_next(&it, &line, &n)) {
		const char *slash;
		size_t i;
		uint64_t v;

		if (!lt_text_has_prefix(line, n, "signal:"))
			continue;
		slash = memchr(line, '/', n);
		if (!slash)
			continue;
		i = (size_t)(slash - line) + 1;
		if (lt_text_hex(line, n, &i, &v) == 0)
			add(ws, v);
	}
}

size_t lt_reach_kernel_words(pid_t pid, uint64_t **out)
{
	struct words ws = {NULL, 0, 0};
	struct lt_text_buf b = {0};
	int procfd = lt_proc_open(pid), fdinfo;
	DIR *d = NULL;
	struct dirent *e;
	ssize_t len;
	size_t nfd = 0;

	*out = NULL;
	if (procfd < 0)
		return 0;
	len = lt_proc_read(procfd, 0, "timers", &b, FILE_CAP);
	if (len > 0)
		timer_values(b.p, (size_t)len, &ws);
	fdinfo = openat(procfd, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdinfo >= 0)
		d = fdopendir(fdinfo);
	while (d && (e = readdir(d)) != NULL && nfd++ < MAX_FDS) {
		char name[300], target[32];
		ssize_t tl;

		if (e->d_name[0] == '.')
			continue;
		/* Only epoll descriptors: "anon_inode:[eventpoll]". */
		snprintf(name, sizeof(name), "fd/%s", e->d_name);
		tl = readlinkat(procfd, name, target, sizeof(target) - 1);
		if (tl <= 0)
			continue;
		target[tl] = '\0';
		if (strcmp(target, "anon_inode:[eventpoll]") != 0)
			continue;
		snprintf(name, sizeof(name), "fdinfo/%s", e->d_name);
		len = lt_proc_read(procfd, 0, name, &b, FILE_CAP);
		if (len > 0)
			epoll_data(b.p, (size_t)len, &ws);
	}
	if (d)
		closedir(d);
	else if (fdinfo >= 0)
		close(fdinfo);
	close(procfd);
	lt_text_buf_free(&b);
	*out = ws.w;
	return ws.n;
}
