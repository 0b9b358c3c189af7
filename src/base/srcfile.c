/* Reading lines of a source file (lt_srcfile.h). */
#include "lt_srcfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (8 << 20)     /* bytes read of one source file */
#define MAX_LINE LT_SRCFILE_MAX_LINE

static int open_source(const char *file, pid_t pid, char **path,
		       struct stat *st)
{
	char buf[PATH_MAX + 64];
	const char *tries[3];
	int n = 0;
	static char a[PATH_MAX + 64], b[PATH_MAX + 64];

	if (pid > 0) {
		snprintf(a, sizeof(a), file[0] == '/' ? "/proc/%d/root%s" : "/proc/%d/cwd/%s",
			 (int)pid, file);
		tries[n++] = a;
	}
	snprintf(b, sizeof(b), "%s", file);
	tries[n++] = b;
	for (int i = 0; i < n; i++) {
		int fd = open(tries[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);

		if (fd < 0)
			continue;
		/* Only a regular file: a FIFO or device named by the debug
		 * info could block or never end. */
		if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
			close(fd);
			errno = EINVAL;
			continue;
		}
		snprintf(buf, sizeof(buf), "%s", tries[i]);
		*path = lt_xstrdup(buf);
		return fd;
	}
	return -1;
}

int lt_srcfile_read(const char *file, pid_t pid, int line, int context,
		    struct lt_source_lines *out, lt_err *err)
{
	char *data, *p, *end;
	struct stat st;
	size_t cap;
	ssize_t len;
	int fd, no = 1, from = line - context, to = line + context;

	memset(out, 0, sizeof(*out));
	if (!file || !*file || line <= 0) {
		lt_err_set(err, LT_EXIT_ERROR, "no source file or line for this frame");
		return -1;
	}
	fd = open_source(file, pid, &out->path, &st);
	if (fd < 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot read %s: %s", file, strerror(errno));
		return -1;
	}
	out->mode = st.st_mode;
	out->uid = st.st_uid;
	/* The file's size, bounded; a file that grew since is read that far. */
	cap = st.st_size > 0 && st.st_size < MAX_FILE ? (size_t)st.st_size : MAX_FILE;
	data = lt_xmalloc(cap);
	len = read(fd, data, cap);
	close(fd);
	if (len < 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot read %s: %s", file, strerror(errno));
		free(data);
		lt_srcfile_free(out);
		return -1;
	}
	if (from < 1)
		from = 1;
	out->first = from;
	out->text = lt_xcalloc((size_t)(to - from + 1), sizeof(char *));
	for (p = data, end = data + len; p < end && no <= to; no++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (no >= from) {
			size_t keep = n < MAX_LINE ? n : MAX_LINE;
			char *t = lt_xmalloc(keep + 1);

			for (size_t i = 0; i < keep; i++) {
				unsigned char c = (unsigned char)p[i];

				t[i] = c == '\t' ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
			}
			t[keep] = '\0';
			out->text[out->n++] = t;
		}
		p = nl ? nl + 1 : end;
	}
	free(data);
	if (out->n == 0) {
		lt_err_set(err, LT_EXIT_ERROR, "%s has no line %d (changed since the build?)",
			   file, line);
		lt_srcfile_free(out);
		return -1;
	}
	return 0;
}

void lt_srcfile_free(struct lt_source_lines *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++)
		free(s->text[i]);
	free(s->text);
	free(s->path);
	memset(s, 0, sizeof(*s));
}
